"""mod_python.Cookie: Cookie, SignedCookie, MarshalCookie and the request
helpers.  Most tests run the module directly (it needs no Apache); a few go
over HTTP.  Suite: htdocs/cookie/."""
import base64
import hashlib
import hmac
import marshal
import sys

import pytest

from conftest import PACKAGE

sys.path.insert(0, str(PACKAGE.parent))
from mod_python import Cookie as C                         # noqa: E402

VECTOR_SIG = "d049b2b61adb6a1d895646719a3dc30b"


def test_cookie_classes_and_slots():
    """Metaclass gives _valid_attr and slots; unknown attributes raise
    AttributeError; constants (CK-metaclass, CK-valid-attrs,
    CK-constants, CK-CookieError)."""
    assert issubclass(C.CookieError, Exception)
    assert C.Cookie._valid_attr == (
        "version", "path", "domain", "secure", "comment", "expires",
        "max_age", "samesite", "commentURL", "discard", "port", "httponly")
    for cls in (C.Cookie, C.SignedCookie, C.MarshalCookie):
        assert isinstance(cls, C.metaCookie)
        assert cls._valid_attr == C.Cookie._valid_attr
    c = C.Cookie("a", "b")
    with pytest.raises(AttributeError):
        c.bogus = 1
    with pytest.raises(AttributeError):
        C.Cookie("a", "b", commentURL="x")      # lower-cased: commenturl
    assert c.__data__ == {}
    assert (C.Cookie.DOWNGRADE, C.Cookie.IGNORE, C.Cookie.EXCEPTION) \
        == (0, 1, 3)


def test_cookie_str_and_attributes():
    """str(): name=value, attributes in the fixed order, flags bare,
    Max-Age spelled for browsers, keywords lower-cased (CK-str,
    CK-Cookie-ctor, CK-repr)."""
    c = C.Cookie("spam", "eggs", HttpOnly=1, path="/p", secure=1,
                 max_age=10, samesite="Lax", domain="example.test",
                 version=1, comment="hi", discard=1, port="80")
    assert str(c) == ("spam=eggs; version=1; path=/p; domain=example.test; "
                      "secure; comment=hi; Max-Age=10; samesite=Lax; "
                      "discard; port=80; httponly")
    assert repr(c) == "<Cookie: %s>" % str(c)
    # A flag set to False is not emitted (3.5 wrote "secure" anyway).
    assert str(C.Cookie("a", "b", secure=False, httponly=0)) == "a=b"


def test_cookie_refuses_injection():
    """CR, LF and ';' cannot split the header or inject attributes
    (CK-str [sec])."""
    for bad in ("x\r\nSet-Cookie: evil=1", "x; Domain=evil.test", "x\n"):
        with pytest.raises(C.CookieError):
            str(C.Cookie("a", bad))
    with pytest.raises(C.CookieError):
        str(C.Cookie("a", "b", path="/\r\nX: y"))


def test_cookie_expires():
    """expires: strings must match the format, numbers are epoch seconds
    formatted in GMT (CK-expires)."""
    c = C.Cookie("a", "b")
    c.expires = 0
    assert c.expires == "Thu, 01-Jan-1970 00:00:00 GMT"
    c.expires = 1055558556
    assert c.expires == "Sat, 14-Jun-2003 02:42:36 GMT"
    c.expires = "Sat, 14-Jun-2003 02:42:36 GMT"
    assert str(c) == "a=b; expires=Sat, 14-Jun-2003 02:42:36 GMT"
    with pytest.raises(ValueError):
        c.expires = "tomorrow"


def test_cookie_parse_grammar():
    """Parsing: $-keys skipped, attribute-looking pairs become cookies,
    quoted values kept, later duplicates win, names filter (CK-hist,
    CK-parse,
    CK-parse-grammar, CK-parse-dollar, CK-parse-attrs, CK-parse-dupes,
    CK-parse-names)."""
    r = C.Cookie.parse("spam=foo; path=blah;;eggs=bar;")
    assert sorted(r) == ["eggs", "path", "spam"]
    assert r["path"].value == "blah" and type(r["spam"]) is C.Cookie
    assert C.Cookie.parse("b = 2 , c=3")["b"].value == "2 , c=3"
    r = C.Cookie.parse('$Version=1; a="x\\"y;z"; $Path=/; a2=; b=1; b=2')
    assert sorted(r) == ["a", "a2", "b"]
    assert r["a"].value == '"x\\"y;z"'
    assert r["a2"].value == "" and r["b"].value == "2"
    assert list(C.Cookie.parse("a=1; b=2; c=3", names=["b"])) == ["b"]
    assert C.Cookie.parse("") == {}


@pytest.mark.parametrize("junk", [
    ";;;", "=", "==;=", '"', 'a="unterminated', "\x00\xff;=x", ", , ,",
    "a=b=c", "\r\n", " ;a", "=;=;b=1", "a" * 5000 + "=" + ";" * 100])
def test_cookie_parse_junk_never_raises(junk):
    """Junk in a Cookie header never raises, for every class
    (CK-parse-grammar, CK-Signed-parse, CK-Marshal-parse)."""
    assert isinstance(C.Cookie.parse(junk), dict)
    for mismatch in (C.Cookie.DOWNGRADE, C.Cookie.IGNORE):
        assert isinstance(C.SignedCookie.parse(junk, "k", mismatch), dict)
        assert isinstance(C.MarshalCookie.parse(junk, "k", mismatch), dict)


def test_cookie_signed_vector():
    """HMAC-MD5 keyed by the secret over name then value; the 3.5 test
    vector still verifies (CK-Signed-ctor, CK-Signed-digest, CK-Signed-str,
    CK-Signed-test-vector, CK-Signed-py3)."""
    c = C.SignedCookie("eggs", "cwQAAABzcGFt", secret="secret")
    assert c.__data__["secret"] == "secret"
    assert c.hexdigest("cwQAAABzcGFt") == VECTOR_SIG
    assert str(c) == "eggs=%scwQAAABzcGFt" % VECTOR_SIG
    want = hmac.new(b"k", b"nv", hashlib.md5).hexdigest()
    assert C.SignedCookie("n", "v", secret="k").hexdigest("v") == want
    with pytest.raises(C.CookieError):
        C.SignedCookie("n", "v").hexdigest("v")
    r = C.SignedCookie.parse(str(c), "secret")
    assert type(r["eggs"]) is C.SignedCookie
    assert r["eggs"].value == "cwQAAABzcGFt"


def test_cookie_signed_tampered():
    """A bad signature: DOWNGRADE gives a plain Cookie keeping the raw
    value, IGNORE drops it, EXCEPTION raises; unsign() raises
    (CK-Signed-unsign, CK-Signed-parse)."""
    good = "eggs=%scwQAAABzcGFt" % VECTOR_SIG
    bad = good[:-1] + "u"
    r = C.SignedCookie.parse(bad, "secret")
    assert type(r["eggs"]) is C.Cookie
    assert r["eggs"].value == bad[5:]
    assert C.SignedCookie.parse(bad, "secret", C.Cookie.IGNORE) == {}
    assert C.SignedCookie.parse(good, "wrong", C.Cookie.IGNORE) == {}
    assert C.SignedCookie.parse("eggs=short", "secret",
                                C.Cookie.IGNORE) == {}
    with pytest.raises(C.CookieError):
        C.SignedCookie.parse(bad, "secret", C.Cookie.EXCEPTION)
    c = C.SignedCookie("eggs", bad[5:])
    with pytest.raises(C.CookieError):
        c.unsign("secret")
    c = C.SignedCookie("eggs", good[5:])
    c.unsign("secret")
    assert c.value == "cwQAAABzcGFt"


def test_cookie_marshal_roundtrip():
    """MarshalCookie: signature + base64(marshal), decoded back to the
    object; the 3.5 vector decodes to b'spam' (CK-Marshal-str,
    CK-Marshal-parse, CK-Marshal-format, CK-Marshal-py3)."""
    value = {"a": [1, 2.5, "x", b"y"], "b": None, "c": (True,)}
    c = C.MarshalCookie("m", value, secret="s3", path="/")
    text = str(c)
    raw = text.split(";")[0][2:]
    m = base64.b64encode(marshal.dumps(value, 2)).decode()
    assert raw == C.SignedCookie("m", "", secret="s3").hexdigest(m) + m
    assert text.endswith("; path=/")
    r = C.MarshalCookie.parse(text.split(";")[0], "s3")
    assert type(r["m"]) is C.MarshalCookie and r["m"].value == value
    r = C.MarshalCookie.parse("eggs=%scwQAAABzcGFt" % VECTOR_SIG, "secret")
    assert r["eggs"].value == b"spam"
    # Marshal format 2: re-sending it gives the 3.5 cookie back, byte for
    # byte.
    assert str(r["eggs"]) == "eggs=%scwQAAABzcGFt" % VECTOR_SIG


def test_cookie_marshal_tampered_never_unmarshalled(monkeypatch):
    """A tampered marshalled cookie is rejected before marshal.loads sees
    it; a correctly signed but undecodable one raises CookieError
    (CK-Marshal-parse, CK-Marshal-py3)."""
    m = base64.b64encode(marshal.dumps([1, 2])).decode()
    signer = C.SignedCookie("m", "", secret="s")
    forged = "m=%s%s" % ("0" * 32, m)
    called = []
    real_loads = marshal.loads
    monkeypatch.setattr(C.marshal, "loads",
                        lambda b: called.append(b) or real_loads(b))
    assert C.MarshalCookie.parse(forged, "s", C.Cookie.IGNORE) == {}
    r = C.MarshalCookie.parse(forged, "s")
    assert type(r["m"]) is C.Cookie
    with pytest.raises(C.CookieError):
        C.MarshalCookie.parse(forged, "s", C.Cookie.EXCEPTION)
    assert called == []
    for payload in ("not base64!", base64.b64encode(b"\xff\x00").decode()):
        signed = "m=%s%s" % (signer.hexdigest(payload), payload)
        with pytest.raises(C.CookieError):
            C.MarshalCookie.parse(signed, "s", C.Cookie.EXCEPTION)
        assert C.MarshalCookie.parse(signed, "s", C.Cookie.IGNORE) == {}


def test_cookie_signature_compare_constant_time(monkeypatch):
    """Signatures are compared with hmac.compare_digest (CK-Signed-unsign
    [sec])."""
    seen = []
    real = hmac.compare_digest
    monkeypatch.setattr(C.hmac, "compare_digest",
                        lambda a, b: seen.append((a, b)) or real(a, b))
    C.SignedCookie.parse("eggs=%scwQAAABzcGFt" % VECTOR_SIG, "secret")
    assert seen and seen[0][1] == VECTOR_SIG.encode()


# --- over HTTP --------------------------------------------------------

def test_cookie_add_cookie_http(apache):
    """add_cookie: one Set-Cookie header per cookie, preceded by
    Cache-Control no-cache="set-cookie" (CK-add_cookie, CK-str)."""
    r = apache.get("/cookie/set")
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == 'no-cache="set-cookie"'
    sets = r.raw.headers.getlist("Set-Cookie")
    assert sets[0] == "plain=one"
    assert sets[1] == ("attrs=two; path=/cookie/; secure; expires=Thu, "
                       "01-Jan-1970 00:00:00 GMT; Max-Age=60; "
                       "samesite=Strict; httponly")
    assert sets[2] == "signed=%sthree" % C.SignedCookie(
        "signed", "", secret="secret").hexdigest("three")
    assert sets[3].startswith("marsh=")
    # The client sends them back; the server verifies and decodes.
    jar = "; ".join(s.split(";")[0] for s in sets)
    got = apache.get("/cookie/marshal", headers={"Cookie": jar}).json()
    assert got["marsh"] == ["MarshalCookie",
                            repr({"a": [1, 2.5, "x"], "b": None})]
    assert got["plain"] == ["Cookie", "'one'"]
    got = apache.get("/cookie/signed", headers={"Cookie": jar}).json()
    assert got["signed"] == ["SignedCookie", "'three'"]


def test_cookie_get_cookies_http(apache):
    """get_cookies parses the request header, joining repeated headers;
    get_cookie finds one or None (CK-get_cookies, CK-get_cookie)."""
    assert apache.get("/cookie/get").json() == {}
    got = apache.get("/cookie/get?add=b%3D2",
                     headers={"Cookie": "a=1; $Path=/"}).json()
    assert got == {"a": ["Cookie", "'1'"], "b": ["Cookie", "'2'"]}
    h = {"Cookie": "x=1; y=2"}
    assert apache.get("/cookie/one?name=y", headers=h).json() == \
        {"found": "2"}
    assert apache.get("/cookie/one?name=z", headers=h).json() == \
        {"found": None}


def test_cookie_tampered_http(apache):
    """Tampered signed and marshalled cookies over HTTP: downgraded,
    ignored or an exception, never unmarshalled; junk headers never give
    a 500 (CK-Signed-parse, CK-Marshal-parse, CK-Signed-py3)."""
    m = base64.b64encode(marshal.dumps("x")).decode()
    h = {"Cookie": "m=%s%s; s=%sthree" % ("f" * 32, m, "0" * 32)}
    got = apache.get("/cookie/marshal", headers=h).json()
    assert got["m"] == ["Cookie", repr("f" * 32 + m)]
    got = apache.get("/cookie/marshal?mismatch=1", headers=h).json()
    assert got == {}
    got = apache.get("/cookie/signed?mismatch=3", headers=h).json()
    assert got["error"].startswith("CookieError")
    for junk in ('";;=', "=\t=;;, ,", 'a="b', "$x=1"):
        r = apache.get("/cookie/marshal", headers={"Cookie": junk})
        assert r.status_code == 200


def test_cookie_echo_http(apache):
    """Cookies read and sent back unchanged: a plain header with
    attribute-looking pairs, and the 3.5 MarshalCookie vector byte for
    byte (CK-parse-attrs, CK-add_cookie, CK-Marshal-format,
    CK-Signed-test-vector)."""
    r = apache.get("/cookie/echo",
                   headers={"Cookie": "spam=foo; path=blah;;eggs=bar;"})
    assert r.raw.headers.getlist("Set-Cookie") == ["eggs=bar", "path=blah",
                                                   "spam=foo"]
    vector = "eggs=%scwQAAABzcGFt" % VECTOR_SIG
    for cls in ("MarshalCookie", "SignedCookie"):
        r = apache.get("/cookie/echo?class=" + cls,
                       headers={"Cookie": vector})
        assert r.raw.headers.getlist("Set-Cookie") == [vector]
