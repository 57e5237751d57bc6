"""Security guarantees: no header injection through any API, debug
output only with PythonDebug On and HTML-escaped, children not running as
root, session ids unguessable and never taken from the URL.  Publisher
traversal, __auth__ and session validation are covered in
test_publisher.py and test_session.py (cited in doc/security.rst).
Suite: htdocs/security/."""
import collections
import os
import re

import pytest
import requests

from conftest import wait_for_log

SID = re.compile(r"[0-9a-f]{32}\Z")


def test_security_header_injection_refused_everywhere(apache):
    """CR, LF (and NUL) in a header name or value are refused with an
    exception by every API that sets one: headers_out, err_headers_out
    and headers_in (item, add, update), content_type, status_line, a
    Location header, Cookie.add_cookie value and attributes; nothing of
    it reaches the response (REQ-attr-headers_out,
    REQ-attr-err_headers_out, REQ-attr-content_type, TBL-setitem,
    TBL-add, CK-add_cookie, OBJ-str-in)."""
    r = apache.get("/security/inject")
    assert r.status_code == 200
    lines = r.text.splitlines()
    assert len(lines) == 48
    accepted = [line for line in lines if not re.search(
        r" refused (ValueError|CookieError)$", line)]
    assert not accepted, accepted
    assert "X-Injected" not in r.headers


def test_security_marshal_cookie_checked_before_unmarshal(monkeypatch):
    """A MarshalCookie's value reaches marshal.loads only once its
    signature is right: a tampered one is never unmarshalled
    (CK-Marshal-unmarshal, CK-Signed-verify)."""
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent
                           / "lib" / "python"))
    from mod_python import Cookie
    seen = []
    real = Cookie.marshal.loads
    monkeypatch.setattr(Cookie.marshal, "loads",
                        lambda data: seen.append(data) or real(data))
    header = str(Cookie.MarshalCookie("m", {"a": [1, 2]}, secret="s"))
    got = Cookie.MarshalCookie.parse(header, "s")["m"]
    assert got.value == {"a": [1, 2]} and len(seen) == 1
    name, _, value = header.partition("=")
    tampered = name + "=" + value[:-2] + ("A" if value[-2] != "A" else "B") \
        + value[-1]
    got = Cookie.MarshalCookie.parse(tampered, "s")["m"]
    assert type(got) is Cookie.Cookie and len(seen) == 1
    assert type(Cookie.MarshalCookie.parse(header, "other")["m"]) \
        is Cookie.Cookie and len(seen) == 1


@pytest.mark.parametrize("which", range(4))
def test_security_redirect_cannot_inject(apache, which):
    """util.redirect to a location with CR, LF or NUL raises ValueError
    instead of sending it (UTIL-redirect)."""
    answer = apache.raw(b"GET /security/redirect?%d HTTP/1.0\r\n\r\n"
                        % which)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert b"X-Injected" not in head
    assert body == b"refused ValueError"


@pytest.mark.log_expected(r"PythonHandler security_h")
def test_security_no_traceback_without_debug(apache):
    """Without PythonDebug the client gets httpd's plain 500 page: no
    traceback, no exception text, no source, no path (PH-err-nodebug,
    DIR-PythonDebug)."""
    r = apache.get("/security/boom")
    assert r.status_code == 500
    for leak in ("Traceback", "ValueError", "alert", "security_h",
                 "src", "htdocs", "Mod_python error"):
        assert leak not in r.text, leak
    assert wait_for_log(apache, r"ValueError: <script>alert")


@pytest.mark.log_expected(r"PythonHandler security_h")
def test_security_debug_page_is_escaped(apache):
    """With PythonDebug On the traceback is sent HTML-escaped: the
    exception text and source line cannot inject markup (PH-err-debug,
    DIR-PythonDebug)."""
    r = apache.get("/security/debug/boom")
    assert r.status_code == 500
    assert r.headers["Content-Type"].startswith("text/html")
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more" \
        in r.text
    assert "<script>" not in r.text and "<b>" not in r.text
    assert "Traceback" in r.text


def test_security_children_not_root(apache):
    """Handlers run in children that dropped root: uid, euid, gid and
    egid are not 0 (httpd's mod_unixd switches user before child_init
    starts Python, PH-start-child)."""
    uid, euid, gid, egid = map(int, apache.get("/security/euid").text
                               .split())
    assert 0 not in (uid, euid, gid, egid)
    if os.getuid() == 0:
        import pwd
        assert euid == pwd.getpwnam(
            __import__("conftest").SERVER_USER).pw_uid


def test_security_failed_privilege_drop_aborts_child():
    """A child that could not drop root (here: started in a user namespace
    that cannot map the User/Group ids, so setgid fails) never runs
    Python: mod_python ends it (MP0172) and no request is answered as
    root (PH-start-child)."""
    import shutil
    import subprocess
    import time
    from conftest import Apache, HTTPD, alive
    if os.getuid() != 0 or not shutil.which("unshare"):
        pytest.skip("needs root and unshare")
    if subprocess.run(["unshare", "-U", "-r", "true"]).returncode != 0:
        pytest.skip("user namespaces not available")
    srv = Apache(suites=["security"])
    try:
        subprocess.run(["unshare", "-U", "-r", HTTPD, "-f", str(srv.conf),
                        "-k", "start"], env=srv.env, check=True, timeout=30)
        log = wait_for_log(srv, r"MP0172: .* still runs as root", 15)
        assert log
        answers = []
        for _ in range(5):
            try:
                answers.append(requests.get(srv.url + "/security/euid",
                                            timeout=3).text)
            except requests.RequestException:
                answers.append(None)
            time.sleep(0.2)
        assert not [a for a in answers if a and a.split()[1] == "0"], \
            answers
        assert "unable to set group id" in srv.error_log()
        # The parent gives up too (a fatal child error).
        deadline = time.time() + 15
        while srv.pid() and alive(srv.pid()) and time.time() < deadline:
            time.sleep(0.2)
        assert not (srv.pid() and alive(srv.pid()))
    finally:
        srv.cleanup()


@pytest.fixture
def sessions(apache):
    path = apache.root / "security-sessions"
    path.mkdir(exist_ok=True)
    path.chmod(0o777)
    return apache.url + "/security/session"


def cookie_sid(r):
    m = re.search(r"pysid=([^;]*)", r.headers.get("Set-Cookie", ""))
    return m.group(1) if m else None


def test_security_session_ids_unguessable(sessions):
    """New session ids are 128 random bits (secrets.token_hex): 300 fresh
    ids are distinct, well-formed, share no long prefix, and their hex
    digits are spread evenly (SESS-sid-gen, SESS-sid-validate)."""
    ids = []
    for _ in range(300):
        r = requests.get(sessions, timeout=30)
        got = r.json()
        assert got["new"] and cookie_sid(r) == got["id"]
        ids.append(got["id"])
    assert all(SID.match(i) for i in ids)
    assert len(set(ids)) == len(ids)
    ordered = sorted(ids)
    longest = max(len(os.path.commonprefix([a, b]))
                  for a, b in zip(ordered, ordered[1:]))
    assert longest < 8          # ~3 expected for 300 random ids
    digits = collections.Counter("".join(ids))
    expected = len(ids) * 32 / 16
    chi2 = sum((digits[d] - expected) ** 2 / expected
               for d in "0123456789abcdef")
    assert chi2 < 60            # 15 degrees of freedom: p < 1e-6


def test_security_session_id_never_from_url(sessions):
    """A session id in the query string, the path or a POSTed form is
    ignored: only the cookie names a session; a well-formed id the server
    never issued is not adopted either (SESS-init-validate,
    SESS-init-new, SESS-sid-validate)."""
    s = requests.Session()
    first = s.get(sessions, timeout=30).json()
    sid = first["id"]
    assert s.get(sessions, timeout=30).json() == {"id": sid, "new": False,
                                                  "n": 2}
    for url, data in ((sessions + "?pysid=" + sid, None),
                      (sessions + "/pysid=" + sid, None),
                      (sessions + ";pysid=" + sid, None),
                      (sessions, {"pysid": sid})):
        r = requests.request("POST" if data else "GET", url, data=data,
                             timeout=30)
        got = r.json() if r.status_code == 200 else None
        if got is not None:
            assert got["new"] and got["id"] != sid, url
    # Fixation: an id chosen by the client is replaced.
    chosen = "0123456789abcdef" * 2
    got = requests.get(sessions, headers={"Cookie": "pysid=" + chosen},
                       timeout=30).json()
    assert got["new"] and got["id"] != chosen


def test_security_session_invalidate_rotates(sessions):
    """After invalidate() the old id is dead: presenting it again gives a
    new session with a new id and none of the old data (SESS-invalidate,
    SESS-delete)."""
    s = requests.Session()
    sid = s.get(sessions, timeout=30).json()["id"]
    assert s.get(sessions, timeout=30).json()["n"] == 2
    s.get(sessions + "?invalidate", timeout=30)
    got = requests.get(sessions, headers={"Cookie": "pysid=" + sid},
                       timeout=30).json()
    assert got["new"] and got["id"] != sid and got["n"] == 1


# ----------------------------------------------------------------------
# Resource limits: each bounded, each a clear 4xx

def form_post(apache, body):
    return apache.post("/fuzz/formhttp", data=body, headers={
        "Content-Type": "multipart/form-data; boundary=B"})


def test_security_limit_many_multipart_parts(apache):
    """More than max_parts (1000) parts in a multipart body: 400; 1000
    are fine (UTIL-FieldStorage-ctor, UTIL-qs-limits)."""
    def body(n):
        return b"".join(b'--B\r\nContent-Disposition: form-data; '
                        b'name="f%d"\r\n\r\nv\r\n' % i
                        for i in range(n)) + b"--B--\r\n"
    assert form_post(apache, body(1001)).status_code == 400
    r = form_post(apache, body(1000))
    assert r.status_code == 200 and len(r.json()) == 1000


def test_security_limit_multipart_headers(apache):
    """A part header line over 8190 bytes, or over 100 header lines in a
    part: 400 (UTIL-FieldStorage-ctor)."""
    long_line = (b'--B\r\nContent-Disposition: form-data; name="f"\r\n'
                 b"X-Long: " + b"y" * 9000 + b"\r\n\r\nv\r\n--B--\r\n")
    many = (b'--B\r\nContent-Disposition: form-data; name="f"\r\n'
            + b"X: y\r\n" * 101 + b"\r\nv\r\n--B--\r\n")
    assert form_post(apache, long_line).status_code == 400
    assert form_post(apache, many).status_code == 400


def test_security_limit_big_urlencoded_body(apache):
    """A urlencoded body over max_field_size (16 MiB): 413 before it is
    read (UTIL-FieldStorage-ctor)."""
    r = apache.post("/fuzz/formhttp", data=b"a=" + b"x" * (17 << 20),
                    headers={"Content-Type":
                             "application/x-www-form-urlencoded"})
    assert r.status_code == 413


def test_security_limit_request_line_and_headers(apache):
    """httpd's own limits stand in front of mod_python: a query string
    past LimitRequestLine gives 414; a header line past
    LimitRequestFieldSize, or too many header lines, 400; the child
    serves on (UTIL-qs-limits)."""
    assert apache.get("/fuzz/args?" + "a=b&" * 3000).status_code == 414
    r = apache.get("/fuzz/args?" + "a=b&" * 1500)
    assert r.status_code == 200 and len(r.json()["fields"]) == 1500
    assert apache.get("/fuzz/header",
                      headers={"X-Fuzz": "x" * 10000}).status_code == 400
    assert apache.get("/fuzz/header", headers={
        "X-F%d" % i: "x" for i in range(200)}).status_code == 400
    assert apache.get("/fuzz/header",
                      headers={"X-Fuzz": "ok"}).json() == b"ok".hex()


@pytest.mark.log_expected(r"AH00127")
def test_security_limit_deep_publisher_path(apache):
    """A publisher path of 1500 components is a 404, not a deep
    recursion or a 500; one too long for a file name is refused by httpd
    (403) before any Python runs (PUB-traverse, PUB-err-404)."""
    path = "/publisher/site/index/" + "z/" * 1500 + "end"
    assert apache.get(path).status_code == 404
    path = "/publisher/site/index/" + "zzz/" * 1500 + "end"
    assert apache.get(path).status_code == 403
    assert apache.get("/publisher/site/index").status_code == 200
