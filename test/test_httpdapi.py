"""mod_python.httpdapi: old Httpdapy/Nsapy-style applications run with
one changed import line.  Suite: htdocs/httpdapi/."""
import time

import pytest


def test_httpdapi_hello(apache):
    """The module named by the file part of the URL (any extension) is
    imported from the file's directory; its RequestHandler's Content()
    is sent as text/html (HTTPDAPI-config, HTTPDAPI-module,
    HTTPDAPI-class, HTTPDAPI-RequestHandler)."""
    r = apache.get("/httpdapi/httpdapi_hello.html?name=Joe")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/html"
    assert r.text == ("<html><body>Hello, Joe! (GET "
                      "/httpdapi/httpdapi_hello.html)</body></html>")
    r = apache.get("/httpdapi/httpdapi_hello")
    assert r.text.startswith("<html><body>Hello, world! (GET")


def test_httpdapi_form_post(apache):
    """form_data() reads a POST body (the 2.x version failed with a
    NameError) (HTTPDAPI-RequestHandler, HTTPDAPI-sn)."""
    r = apache.post("/httpdapi/httpdapi_hello.py", data={"name": "Ann"})
    assert r.text == ("<html><body>Hello, Ann! (POST "
                      "/httpdapi/httpdapi_hello.py)</body></html>")


def test_httpdapi_default_content(apache):
    """The base RequestHandler answers with its welcome page
    (HTTPDAPI-RequestHandler)."""
    r = apache.get("/httpdapi/httpdapi_welcome.nsapi")
    assert r.status_code == 200
    assert "<h1>Welcome to Httpdapy</h1>" in r.text


def test_httpdapi_redirect(apache):
    """Setting self.redirect: 302 with Location, and no content sent
    (HTTPDAPI-RequestHandler)."""
    r = apache.get("/httpdapi/httpdapi_redirect.html", allow_redirects=False)
    assert r.status_code == 302
    assert r.headers["Location"] == \
        "/httpdapi/httpdapi_hello.html?name=redirected"
    assert "not sent" not in r.text


def test_httpdapi_server_return(apache):
    """SERVER_RETURN((result, status)): a true status becomes the
    response status, the result is returned (HTTPDAPI-server-return,
    HTTPDAPI-const)."""
    r = apache.get("/httpdapi/httpdapi_status.html?forbidden")
    assert r.status_code == 403
    assert r.text == ""
    r = apache.get("/httpdapi/httpdapi_status.html?notfound")
    assert r.status_code == 404
    r = apache.get("/httpdapi/httpdapi_status.html")
    assert (r.status_code, r.text) == (200, "status ok")
    assert r.headers["Content-Type"] == "text/plain"


@pytest.mark.log_expected(r"httpdapi: ")
def test_httpdapi_error_without_debug(apache):
    """An error in the application without the debug option: the
    traceback is logged and the answer is 500 (the 2.x path failed with
    a NameError) (HTTPDAPI-RequestHandler)."""
    r = apache.get("/httpdapi/httpdapi_fail.html")
    assert r.status_code == 500
    assert "on purpose" not in r.text
    time.sleep(0.1)
    assert "httpdapi: ValueError: httpdapi application failed on purpose" \
        in apache.error_log()


@pytest.mark.log_expected(r"PythonHandler mod_python.httpdapi: ")
def test_httpdapi_error_with_debug(apache):
    """With PythonOption debug, Handle raises PROG_TRACEBACK carrying the
    error; with PythonDebug the dispatcher shows both (HTTPDAPI-options,
    HTTPDAPI-RequestHandler, HTTPDAPI-const)."""
    r = apache.get("/httpdapi/debug/httpdapi_fail.html")
    assert r.status_code == 500
    assert "ValueError: httpdapi application failed on purpose" in r.text
    assert "mod_python.httpdapi.PROG_TRACEBACK" in r.text


def test_httpdapi_handler_option(apache):
    """PythonOption handler names the module instead of the URL
    (HTTPDAPI-options)."""
    r = apache.get("/httpdapi/fixed/anything.txt?name=Fix")
    assert r.text == ("<html><body>Hello, Fix! (GET "
                      "/httpdapi/fixed/anything.txt)</body></html>")


def test_httpdapi_rootpkg_option(apache):
    """PythonOption rootpkg puts a package in front of the module name
    (HTTPDAPI-options, HTTPDAPI-module)."""
    r = apache.get("/httpdapi/httpdapi_pkg/app.html")
    assert r.text == "from httpdapi_pkg.app"


def test_httpdapi_objects(apache):
    """pb, rq and sn as Httpdapy had them, and the constants
    (HTTPDAPI-pb, HTTPDAPI-rq, HTTPDAPI-sn, HTTPDAPI-const)."""
    r = apache.get("/httpdapi/httpdapi_dump.html/more/path?q=1",
                   headers={"X-Httpdapi-Test": "hdr"},
                   auth=("someone", "pw1"))
    assert r.status_code == 200
    out = r.json()
    assert out["pb.fn"] == "python_request_handler"
    assert out["pb.method"] == "GET|HEAD|POST"
    assert out["pb.server-software"] == "Apache"
    assert out["pb.type"] == "text/html"
    assert out["pb.autoreload"] == "1"
    assert out["pb.option"] == "from-config"
    assert out["pb.added"] is True
    assert out["pb.removed"] == "item"
    assert out["pb.set_after_remove"] is False
    assert out["pb.missing"] is None
    assert out["pb.str_has_fn"] and out["pb.keys_has_fn"] and out["pb.repr"]
    assert out["pb.auth-password"] == "pw1"
    assert out["reqpb"] == {
        "clf-request": "GET /httpdapi/httpdapi_dump.html/more/path?q=1 "
                       "HTTP/1.1",
        "method": "GET", "protocol": "HTTP/1.1",
        "uri": "/httpdapi/httpdapi_dump.html/more/path", "query": "q=1"}
    assert out["vars"]["path-info"] == "/more/path"
    assert out["vars"]["path"].endswith("/httpdapi/httpdapi_dump.html")
    # Only what is available: add_cgi_vars sets no PATH_TRANSLATED.
    assert out["vars"].get("path-translated", "/more/path").endswith(
        "/more/path")
    assert out["vars"]["auth-password"] == "pw1"
    assert out["header"] == "hdr"
    assert out["header_missing"] is None
    assert out["srvhdrs_is_headers_out"] and out["headers_is_headers_in"]
    assert out["client.ip"] == "127.0.0.1"
    assert out["client.dns"] == "127.0.0.1"
    assert out["session_dns"] is None
    assert out["cgi.GATEWAY_INTERFACE"] == "Python-CGI/1.1"
    assert out["const"] == [0, 500, -1, "REQ_EXIT", 404, 412, 204, 505]
    assert out["status_map"] == [404, 302, 22]
    assert out["prog_traceback_is_exception"] is True


@pytest.mark.log_expected(r"httpdapi_dump: log_err marker")
def test_httpdapi_log_err(apache):
    """rq.log_err writes function and message to the error log
    (HTTPDAPI-rq)."""
    apache.get("/httpdapi/httpdapi_dump.html?logmark")
    time.sleep(0.1)
    assert "httpdapi_dump: log_err marker logmark" in apache.error_log()


def test_httpdapi_hook_stdout(apache):
    """hook_stdout() sends print output to the client through
    UnbufferedStdout until unhook_stdout() (HTTPDAPI-UnbufferedStdout,
    HTTPDAPI-RequestHandler)."""
    r = apache.get("/httpdapi/httpdapi_print.html")
    assert r.status_code == 200
    assert r.text == "printed to the client\nsecond line\n"


def test_httpdapi_authen(apache):
    """PythonAuthenHandler mod_python.httpdapi with PythonOption
    authhandler: the module's AuthHandler decides; REQ_NOACTION is a 401
    (HTTPDAPI-authen, HTTPDAPI-config, HTTPDAPI-options)."""
    url = "/httpdapi/secure/httpdapi_hello.html"
    r = apache.get(url)
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == 'Basic realm="httpdapi"'
    assert apache.get(url, auth=("olduser", "wrong")).status_code == 401
    r = apache.get(url + "?name=Old", auth=("olduser", "oldpw"))
    assert r.status_code == 200
    assert r.text.startswith("<html><body>Hello, Old!")


def test_httpdapi_base_authhandler_allows(apache):
    """The base AuthHandler allows any user; a client without credentials
    is asked for them (HTTPDAPI-AuthHandler, HTTPDAPI-authen)."""
    r = apache.get("/httpdapi/open/httpdapi_dump.html")
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == 'Basic realm="httpdapi open"'
    r = apache.get("/httpdapi/open/httpdapi_dump.html",
                   auth=("anyone", "anything"))
    assert r.status_code == 200
    out = r.json()
    assert out["vars"]["auth-user"] == "anyone"
    assert out["vars"]["auth-type"] == "Basic"
    assert out["pb.auth-user"] == "anyone"
