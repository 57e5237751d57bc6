"""Handlers of the cookie suite: /cookie/<name>?... runs t_<name>(req)."""
import json
from urllib.parse import parse_qs

from mod_python import apache, Cookie

SECRET = "secret"


def handler(req):
    name = req.uri.split("/")[2]
    q = {k: v[0] for k, v in parse_qs(req.args or "",
                                      keep_blank_values=True).items()}
    return globals()["t_" + name](req, q)


def answer(req, data):
    req.content_type = "application/json"
    req.write(json.dumps(data))
    return apache.OK


def show(cookies):
    return {name: [type(c).__name__, repr(c.value)]
            for name, c in cookies.items()}


def t_set(req, q):
    """Several Set-Cookie headers from one response."""
    Cookie.add_cookie(req, "plain", "one")
    Cookie.add_cookie(req, "attrs", "two", path="/cookie/", HttpOnly=1,
                      secure=1, max_age=60, samesite="Strict",
                      expires=0)
    Cookie.add_cookie(req, Cookie.SignedCookie("signed", "three",
                                               secret=SECRET))
    Cookie.add_cookie(req, Cookie.MarshalCookie(
        "marsh", {"a": [1, 2.5, "x"], "b": None}, secret=SECRET))
    return answer(req, {})


def t_get(req, q):
    if "add" in q:              # a second Cookie header, as a list
        req.headers_in.add("Cookie", q["add"])
    return answer(req, show(Cookie.get_cookies(req)))


def t_signed(req, q):
    mismatch = int(q.get("mismatch", Cookie.Cookie.DOWNGRADE))
    try:
        cookies = Cookie.get_cookies(req, Cookie.SignedCookie,
                                     secret=SECRET, mismatch=mismatch)
    except Cookie.CookieError as e:
        return answer(req, {"error": "CookieError: %s" % e})
    return answer(req, show(cookies))


def t_marshal(req, q):
    mismatch = int(q.get("mismatch", Cookie.Cookie.DOWNGRADE))
    try:
        cookies = Cookie.get_cookies(req, Cookie.MarshalCookie,
                                     secret=SECRET, mismatch=mismatch)
    except Cookie.CookieError as e:
        return answer(req, {"error": "CookieError: %s" % e})
    return answer(req, show(cookies))


def t_one(req, q):
    c = Cookie.get_cookie(req, q["name"])
    return answer(req, {"found": None if c is None else c.value})


def t_echo(req, q):
    """Send back every cookie received, as the class named by q['class']
    (the 3.5 test suite's cookie handlers)."""
    cls = getattr(Cookie, q.get("class", "Cookie"))
    kw = {} if cls is Cookie.Cookie else {"secret": SECRET}
    cookies = Cookie.get_cookies(req, cls, **kw)
    for name in sorted(cookies):
        Cookie.add_cookie(req, cookies[name])
    return answer(req, {})
