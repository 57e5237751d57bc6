"""Request methods backed by httpd services: redirects, sendfile, the
Allow list, CGI variables, Require lines, TLS, sub-requests; and
connection handlers.  Suite: htdocs/services/."""
import hashlib
import socket
import time

import pytest

from conftest import HTDOCS, free_port


def test_services_internal_redirect(apache):
    """The redirected request runs every phase; req.prev / prev.next link
    them (REQ-internal_redirect, REQ-attr-prev, REQ-attr-next,
    PH-reqobj-related)."""
    r = apache.get("/services/redirect?x=1")
    assert r.status_code == 200
    assert r.text == ("target args=x=1 prev=/services/redirect "
                      "prev.next.uri=/services/target")


@pytest.mark.log_expected(r"AH00124", r"LimitInternalRecursion")
def test_services_redirect_loop_ends_in_500(apache):
    """A redirect loop ends in a 500, not a hang (REQ-internal_redirect)."""
    started = time.time()
    assert apache.get("/services/loop").status_code == 500
    assert time.time() - started < 5
    assert apache.get("/services/target").status_code == 200


@pytest.mark.parametrize("offset,length", [(0, -1), (1000, 5000),
                                           (99000, -1), (0, 0)])
def test_services_sendfile(apache, offset, length):
    """sendfile sends len bytes from offset; -1 means the rest of the
    file (REQ-sendfile: the original sent size, not size - offset)."""
    data = (HTDOCS / "services" / "payload.bin").read_bytes()
    r = apache.get("/services/sendfile?%d,%d" % (offset, length))
    want = data[offset:] if length < 0 else data[offset:offset + length]
    assert r.status_code == 200
    body, _, sent = r.content.rpartition(b"|")
    assert hashlib.sha256(body).digest() == hashlib.sha256(want).digest()
    assert int(sent) == len(want)


def test_services_sendfile_missing(apache):
    """A missing file is an IOError (REQ-sendfile)."""
    assert apache.get("/services/sendfile-missing").text == \
        "Could not stat file for reading"


def test_services_allow_methods(apache):
    """allow_methods feeds the Allow header of OPTIONS and 405 answers;
    standard methods are bits of req.allowed, others names
    (REQ-allow_methods, REQ-attr-allowed, REQ-attr-allowed_methods,
    APA-M)."""
    r = apache.request("OPTIONS", "/services/allow")
    assert "PUT" in {m.strip() for m in r.headers["Allow"].split(",")}
    r = apache.request("DELETE", "/services/allow")
    assert r.status_code == 405
    assert "PUT" in {m.strip() for m in r.headers["Allow"].split(",")}
    # (httpd's Allow header leaves out extension methods such as BREW.)
    text = apache.get("/services/allow").text
    allowed = int(text.split()[0].split("=")[1])
    assert allowed & (1 << 0) and allowed & (1 << 1)      # M_GET, M_PUT
    assert "('BREW',)" in text
    assert apache.get("/services/allow-bad").text == \
        "First argument must be a sequence"


def test_services_add_cgi_vars(apache):
    """add_cgi_vars sets mod_python's CGI variables plus httpd's common
    ones (REQ-add_cgi_vars, REQ-add_common_vars, REQ-attr-subprocess_env)."""
    r = apache.get("/services/cgi-vars/extra/path?a=b",
                   headers={"X-Test": "yes"})
    env = dict(line.split("=", 1) for line in r.text.splitlines())
    assert env["GATEWAY_INTERFACE"] == "CGI/1.1"
    assert env["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert env["REQUEST_METHOD"] == "GET"
    assert env["QUERY_STRING"] == "a=b"
    assert env["REQUEST_URI"] == "/services/cgi-vars/extra/path"
    assert env["HTTP_X_TEST"] == "yes"
    assert env["REMOTE_ADDR"] == "127.0.0.1"
    # Under <Location> there is no file, so no path info: the whole uri
    # is the script.
    assert env["SCRIPT_NAME"] == "/services/cgi-vars/extra/path"
    assert env["PATH_INFO"] == "None"


def test_services_requires(apache):
    """requires() lists the Require lines that apply to the method, also
    on httpd 2.4 where the original returned nothing (REQ-requires)."""
    r = apache.get("/services/requires/", auth=("u", "p"))
    assert r.status_code == 200
    assert r.text == "('valid-user', 'method GET POST')"


def test_services_ssl_without_tls(apache):
    """Without TLS: is_https() is 0, ssl_var_lookup() None
    (REQ-is_https, REQ-ssl_var_lookup)."""
    assert apache.get("/services/ssl").text == "0 None"


def test_services_subrequest_main(apache):
    """A sub-request (an SSI include) sees its parent as req.main
    (REQ-attr-main, PH-hook-sub)."""
    r = apache.get("/services-ssi/page.shtml")
    assert r.status_code == 200
    assert r.text == "before sub of /services-ssi/page.shtml after\n"


CONN_HANDLER = '''
import sys

def connectionhandler(conn):
    conn.write(b"hello " + conn.local_ip.encode() + b"\\n")
    while True:
        line = conn.readline()
        if not line or line.strip() == b"quit":
            break
        conn.write(b"echo: " + line)
    return 0
'''


def test_services_connection_handler(make_apache, tmp_path):
    """A non-HTTP line protocol on its own port through
    PythonConnectionHandler (DIR-PythonConnectionHandler, PH-conn-entry,
    PH-conn-py, PH-conn-ret, PH-hook-connection, CONN-readline,
    CONN-write, CONN-attr-local_ip, CONN-attr-hlist)."""
    port2 = free_port()
    # A protocol name other than http on the Listen line: httpd would
    # otherwise defer accept() until the client speaks first.
    srv = make_apache("""
Listen 127.0.0.1:%d echo
<VirtualHost 127.0.0.1:%d>
    PythonPath "['{root}/conn'] + sys.path"
    PythonConnectionHandler echoproto
</VirtualHost>
""" % (port2, port2))
    (srv.root / "conn").mkdir()
    (srv.root / "conn" / "echoproto.py").write_text(CONN_HANDLER)
    with socket.create_connection(("127.0.0.1", port2), timeout=10) as s:
        f = s.makefile("rwb")
        assert f.readline() == b"hello 127.0.0.1\n"
        f.write(b"one\n")
        f.flush()
        assert f.readline() == b"echo: one\n"
        f.write(b"two\nquit\n")
        f.flush()
        assert f.readline() == b"echo: two\n"
        assert f.readline() == b""
    # HTTP on the main port is untouched.
    assert srv.get("/").status_code in (200, 403, 404)


def _env(text):
    return dict(line.split("=", 1) for line in text.splitlines())


def test_services_build_wsgi_env(apache):
    """build_wsgi_env: CGI variables plus the wsgi.* keys; the Location is
    the base URI (REQ-build_wsgi_env, DIR-location-wsgi)."""
    r = apache.get("/services/wsgi-env/more?q=1",
                   headers={"Authorization": "Bearer t"})
    env = _env(r.text)
    assert env["SCRIPT_NAME"] == "'/services'"
    assert env["PATH_INFO"] == "'/wsgi-env/more'"
    assert env["QUERY_STRING"] == "'q=1'"
    assert env["REQUEST_METHOD"] == "'GET'"
    assert env["HTTP_AUTHORIZATION"] == "'Bearer t'"
    assert env["wsgi.version"] == "(1, 0)"
    assert env["wsgi.url_scheme"] == "'http'"
    assert env["wsgi.multithread"] == str(apache.mpm != "prefork")
    assert env["wsgi.multiprocess"] == "True"
    assert env["input_is_req"] == "True"
    assert env["errors"] == "True"
    assert env["req.path_info"] == "'/wsgi-env/more'"


@pytest.mark.log_expected(r"MP0040")
def test_services_build_wsgi_env_base_uri(apache):
    """The base_uri option wins over the Location; a uri outside it gives
    None; a base ending in / is a ValueError (DIR-opt-wsgi-base,
    REQ-build_wsgi_env)."""
    env = _env(apache.get("/services/wsgi-base/app/x/y").text)
    assert env["SCRIPT_NAME"] == "'/services/wsgi-base/app'"
    assert env["PATH_INFO"] == "'/x/y'"
    assert apache.get("/services/wsgi-base/other").text == "None"
    assert apache.get("/services/wsgi-badbase/").text.startswith(
        "ValueError: PythonOption mod_python.wsgi.base_uri cannot end")


def test_services_wsgi_start_response(apache):
    """The status given is the status sent (the original always sent
    200), headers are added, the result writes the body
    (REQ-wsgi_start_response)."""
    r = apache.get("/services/start-response")
    assert r.status_code == 201
    assert r.headers["Content-Type"] == "text/x-wsgi"
    assert r.headers["X-One"] == "1, 2"
    assert r.text == "made"


def test_services_wsgi_start_response_errors(apache):
    """Bad status lines and header lists are refused; exc_info is
    re-raised (REQ-wsgi_start_response)."""
    lines = apache.get("/services/start-response-bad").text.splitlines()
    assert lines[0] == "ValueError: Invalid status line: 600 Too Big"
    assert lines[1] == "ValueError: Invalid status line: abc"
    assert lines[2].startswith("TypeError") and "list required" in lines[2]
    assert lines[3].startswith("TypeError") and "tuple required" in lines[3]
    assert lines[4] == "TypeError: header names must be strings"
    assert lines[5] == "reraised 'app failed'"


def test_services_get_addhandler_exts(apache):
    """The extensions AddHandler maps to mod_python or python-program,
    lower-case and without dots (REQ-get_addhandler_exts,
    DIR-httpd-AddHandler)."""
    r = apache.get("/services-addhandler/page.py")
    assert r.status_code == 200
    assert r.text == "legacy psp py"


def test_services_non_ascii_path_round_trip(apache):
    """A filename read from the request and assigned back names the same
    file, also when it is non-ASCII UTF-8 (REQ-attr-filename, REQ-attr-uri,
    OBJ-str-in: paths go back as UTF-8, see doc/strings.rst)."""
    target = apache.htdocs / "services" / "utf8"
    (target / "\u00e4\u00f6.txt").write_bytes(b"umlauts\n")
    r = apache.get("/services-utf8/%C3%A4%C3%B6.txt")
    assert r.status_code == 200
    assert r.text == "umlauts\n"
    assert apache.get("/services-utf8/plain.txt").text == "ascii\n"


FAKE_HTTP = '''
from mod_python import apache

def connectionhandler(conn):
    # A fake HTTP responder: read the request head, answer by hand.
    while True:
        line = conn.readline()
        if not line or line in (b"\\r\\n", b"\\n"):
            break
    conn.write(b"HTTP/1.0 200 OK\\r\\nContent-Length: 7\\r\\n\\r\\ntest ok")
    return apache.OK

def declining(conn):
    return apache.DECLINED

def raising(conn):
    raise apache.SERVER_RETURN(apache.OK)
'''


@pytest.mark.log_expected(r"ConnectionHandler connproto::raising")
def test_services_connection_handler_forms(make_apache):
    """The fake HTTP responder of the original tests; a DECLINED
    connection handler lets httpd speak HTTP on the port; SERVER_RETURN is
    an ordinary exception there (CONN-config, CONN-call, CONN-import,
    CONN-examples, PH-sr-conn, PH-conn-ret)."""
    ports = [free_port() for _ in range(3)]
    conf = ""
    for port, spec in zip(ports, ("connproto", "connproto::declining",
                                  "connproto::raising")):
        conf += """
Listen 127.0.0.1:%d proto%d
<VirtualHost 127.0.0.1:%d>
    PythonPath "['{root}/conn'] + sys.path"
    PythonConnectionHandler %s
</VirtualHost>
""" % (port, port, port, spec)
    srv = make_apache(conf)
    (srv.root / "conn").mkdir()
    (srv.root / "conn" / "connproto.py").write_text(FAKE_HTTP)
    import requests
    r = requests.get("http://127.0.0.1:%d/anything" % ports[0], timeout=10)
    assert r.status_code == 200 and r.text == "test ok"
    # Declined: httpd's own HTTP answers (a 404 for a missing file).
    r = requests.get("http://127.0.0.1:%d/nothing-here" % ports[1],
                     timeout=10)
    assert r.status_code == 404
    # Raised: logged, the connection closed without an answer.
    with socket.create_connection(("127.0.0.1", ports[2]), timeout=10) as s:
        s.sendall(b"hello\r\n")
        assert s.recv(100) == b""
    deadline = time.time() + 5
    while "SERVER_RETURN" not in srv.error_log() and time.time() < deadline:
        time.sleep(0.1)
    assert "ConnectionHandler connproto::raising" in srv.error_log()
