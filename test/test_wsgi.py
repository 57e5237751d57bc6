"""mod_python.wsgi: a PEP 3333 gateway, tested with the application in
htdocs/wsgi/wsgi_app.py and with wsgiref.validate.  Suite: htdocs/wsgi/."""
import os
import time
import uuid

import pytest

PAYLOAD = bytes(range(256)) * 64


def _env(apache, path, **kw):
    r = apache.get(path, **kw)
    assert r.status_code == 200, r.text
    return r.json()


def test_wsgi_hello_environ(apache):
    """The application named by mod_python.wsgi.application (default
    callable `application`, imported from PythonPath) gets the CGI
    variables plus the wsgi.* keys (WSGI-config, WSGI-import,
    WSGI-environ-cgi, WSGI-environ-version)."""
    env = _env(apache, "/wsgi/app/sub/env?x=1&y=%20",
               headers={"X-Wsgi-Test": "yes"})
    assert env["REQUEST_METHOD"] == "GET"
    assert env["QUERY_STRING"] == "x=1&y=%20"
    assert env["GATEWAY_INTERFACE"] == "CGI/1.1"
    assert env["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert env["REQUEST_URI"] == "/wsgi/app/sub/env"
    assert env["SERVER_NAME"] == "127.0.0.1"
    assert env["SERVER_PORT"] == str(apache.port)
    assert env["REMOTE_ADDR"] == "127.0.0.1"
    assert env["HTTP_X_WSGI_TEST"] == "yes"
    assert env["WSGI_SUITE_VAR"] == "from-setenv"
    assert env["SERVER_SOFTWARE"].startswith("Apache")
    # PEP 3333: CGI keys hold str, never None.
    assert all(isinstance(v, str) for k, v in env.items() if "." not in k)
    assert env["wsgi.version"] == [1, 0]
    assert env["wsgi.run_once"] is False
    assert "HTTP_AUTHORIZATION" not in env


def test_wsgi_location_is_base(apache):
    """Without base_uri the <Location> path (one trailing slash removed)
    becomes SCRIPT_NAME and the rest PATH_INFO, which is also written to
    req.path_info (WSGI-location, WSGI-path-split)."""
    env = _env(apache, "/wsgi/app/a/b/env")
    assert env["SCRIPT_NAME"] == "/wsgi/app"
    assert env["PATH_INFO"] == "/a/b/env"
    env = _env(apache, "/wsgi/slash/env")
    assert env["SCRIPT_NAME"] == "/wsgi/slash"
    assert env["PATH_INFO"] == "/env"


def test_wsgi_no_base_outside_location(apache):
    """Outside any <Location> there is no base: SCRIPT_NAME is empty and
    PATH_INFO the whole decoded URI (WSGI-path-split)."""
    env = _env(apache, "/wsgi/dir/x%20y/env")
    assert env["SCRIPT_NAME"] == ""
    assert env["PATH_INFO"] == "/wsgi/dir/x y/env"


def test_wsgi_base_uri_option(apache):
    """mod_python.wsgi.base_uri wins over the <Location>; when it is the
    whole URI, SCRIPT_NAME is the URI and PATH_INFO empty (absent in the
    original, which wsgiref.validate rejects) (WSGI-base-uri,
    WSGI-path-split)."""
    env = _env(apache, "/wsgi/base/mount/deeper/env")
    assert env["SCRIPT_NAME"] == "/wsgi/base/mount"
    assert env["PATH_INFO"] == "/deeper/env"
    env = _env(apache, "/wsgi/base/mount?route=env")
    assert env["SCRIPT_NAME"] == "/wsgi/base/mount"
    assert env["PATH_INFO"] == ""
    assert apache.get("/wsgi/validated").text == "GET|||"


@pytest.mark.log_expected(r"base_uri cannot end with '/'",
                          r"PythonHandler mod_python.wsgi: ")
def test_wsgi_base_uri_trailing_slash(apache):
    """A base_uri ending in / is an error: 500 (WSGI-base-uri)."""
    r = apache.get("/wsgi/badbase/env")
    assert r.status_code == 500
    time.sleep(0.1)
    assert "ValueError: PythonOption mod_python.wsgi.base_uri cannot end " \
        "with '/'" in apache.error_log()


@pytest.mark.log_expected(r"MP0040")
def test_wsgi_prefix_match(apache):
    """The base is a plain character prefix of the URI (not segment
    aware); a URI outside it is declined with a warning
    (WSGI-prefix-match)."""
    env = _env(apache, "/wsgi/pre/application/env")
    assert env["SCRIPT_NAME"] == "/wsgi/pre/app"
    assert env["PATH_INFO"] == "lication/env"
    r = apache.get("/wsgi/pre/other/env")
    assert r.status_code == 404
    time.sleep(0.1)
    assert ("req.uri '/wsgi/pre/other/env' does not start with the WSGI "
            "base_uri '/wsgi/pre/app'") in apache.error_log()


def test_wsgi_named_callable(apache):
    """module::callable picks another callable (WSGI-config, DIR-opt-wsgi-app,
    WSGI-lookup)."""
    assert apache.get("/wsgi/named").text == "named callable"


@pytest.mark.log_expected(r"mod_python\.wsgi: application")
@pytest.mark.parametrize("path", ["/wsgi/noapp/env", "/wsgi/emptyapp/env"])
def test_wsgi_option_missing_declines(apache, path):
    """Without mod_python.wsgi.application (absent or empty) the handler
    logs a warning and declines (the original raised KeyError for an
    absent option) (WSGI-option-missing)."""
    message = ("[python:warn] [pid", "mod_python.wsgi: application None "
               "not found, declining.")
    before = apache.error_log().count(message[1])
    r = apache.get(path)
    assert r.status_code == 404
    time.sleep(0.1)
    lines = [line for line in apache.error_log().splitlines()
             if message[1] in line]
    assert len(lines) == before + 1
    assert message[0] in lines[-1]


@pytest.mark.log_expected(r"mod_python\.wsgi: application")
def test_wsgi_missing_callable_declines(apache):
    """A callable the module lacks: warning and DECLINED (WSGI-lookup)."""
    r = apache.get("/wsgi/nocallable/env")
    assert r.status_code == 404
    time.sleep(0.1)
    assert ("application 'wsgi_app::no_such_callable' not found, "
            "declining.") in apache.error_log()


def test_wsgi_status_sent(apache):
    """The status given to start_response is the status sent, reason
    included (the original always sent 200) (WSGI-status-bug,
    WSGI-start_response)."""
    r = apache.get("/wsgi/app/status")
    assert r.status_code == 404
    assert r.reason == "Not Found"
    assert r.text == "no such thing"
    r = apache.get("/wsgi/app/created", allow_redirects=False)
    assert r.status_code == 201
    assert r.headers["Location"] == "/wsgi/app/thing/1"
    r = apache.get("/wsgi/app/custom-reason")
    assert (r.status_code, r.reason) == (299, "Fine Anyway")


def test_wsgi_headers(apache):
    """Every header is added, repeats kept; Content-Type is the content
    type (WSGI-start_response)."""
    r = apache.get("/wsgi/app/headers")
    assert r.headers["Content-Type"] == "text/plain"
    assert r.raw.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
    assert r.raw.headers.getlist("X-Multi") == ["one", "two"]


def test_wsgi_write_callable(apache):
    """start_response returns write(); its data comes before the
    iterable's (WSGI-start_response, WSGI-iterate)."""
    assert apache.get("/wsgi/app/write").text == "one,two,three"


def test_wsgi_str_items(apache):
    """str items are sent UTF-8 encoded, as the original did
    (WSGI-iterate)."""
    r = apache.get("/wsgi/app/strings")
    assert r.content == "h\u00e9llo bytes".encode("utf-8")


def test_wsgi_close_called(apache):
    """The iterable's close() is called after the body, for a class and
    for a generator (WSGI-close)."""
    token = uuid.uuid4().hex
    assert apache.get("/wsgi/app/close?token=" + token).text == "abc"
    assert apache.get("/wsgi/app/generator?token=" + token).text == \
        "0;1;2;"
    time.sleep(0.2)
    log = apache.error_log()
    assert "wsgi-suite closed %s" % token in log
    assert "wsgi-suite generator finished %s" % token in log


@pytest.mark.log_expected(r"PythonHandler mod_python.wsgi: ")
def test_wsgi_close_called_on_error(apache):
    """close() is called even when iterating fails; the error is logged
    and the response cut short (WSGI-close, WSGI-return)."""
    token = uuid.uuid4().hex
    raw = apache.raw(b"GET /wsgi/app/close-fail?token=%s HTTP/1.0\r\n\r\n"
                     % token.encode())
    # The status was sent already; the body is cut short after the part
    # sent (httpd then appends its error text).
    assert raw.startswith(b"HTTP/1.1 200 OK")
    assert b"\r\n\r\npartial" in raw
    time.sleep(0.2)
    log = apache.error_log()
    assert "wsgi-suite closed %s" % token in log
    assert "RuntimeError: body failed on purpose" in log


def test_wsgi_errors_stream(apache):
    """wsgi.errors is sys.stderr: what the application writes there ends
    up in the error log (WSGI-environ-errors)."""
    token = uuid.uuid4().hex
    assert apache.get("/wsgi/app/errors?token=" + token).text == "logged"
    assert _env(apache, "/wsgi/app/env")["x.errors_is_stderr"] is True
    time.sleep(0.2)
    assert "wsgi-suite errors marker %s" % token in apache.error_log()


def test_wsgi_environ_mpm_flags(apache):
    """wsgi.multithread/multiprocess come from the MPM (WSGI-environ-mt)."""
    env = _env(apache, "/wsgi/app/env")
    assert env["wsgi.multithread"] is (apache.mpm != "prefork")
    assert env["wsgi.multiprocess"] is True


def test_wsgi_url_scheme(apache):
    """wsgi.url_scheme is https when HTTPS is set and not off
    (WSGI-environ-scheme)."""
    assert _env(apache, "/wsgi/app/env")["wsgi.url_scheme"] == "http"
    assert _env(apache, "/wsgi/https/env")["wsgi.url_scheme"] == "https"


def test_wsgi_authorization(apache):
    """HTTP_AUTHORIZATION carries the raw Authorization header
    (WSGI-environ-auth)."""
    env = _env(apache, "/wsgi/app/env", auth=("user", "secret"))
    assert env["HTTP_AUTHORIZATION"] == "Basic dXNlcjpzZWNyZXQ="


def test_wsgi_extra_keys(apache):
    """wsgi.run_once (False) and wsgi.file_wrapper are provided, which
    the original lacked; wsgi.input is a file-like wrapper that still
    reaches the request's attributes (WSGI-environ-missing,
    WSGI-environ-input)."""
    env = _env(apache, "/wsgi/app/x/env")
    assert env["wsgi.run_once"] is False
    assert env["wsgi.input_terminated"] == "True"
    assert env["x.has_file_wrapper"] is True
    assert env["x.input_class"] == "InputWrapper"
    assert env["x.input_uri"] == "/wsgi/app/x/env"


@pytest.mark.parametrize("mode, expected", [
    ("read", ["line one\nline two\r\nlast"]),
    ("readn", ["line on", "e\nline ", "two\r\nla", "st"]),
    ("readline", ["line one\n", "line", " two\r\nlast"]),
    ("readlines", ["line one\n", "line two\r\n", "last"]),
    ("iter", ["line one\n", "line two\r\n", "last"]),
])
def test_wsgi_input(apache, mode, expected):
    """wsgi.input: read(), read(n), readline(), readline(n), readlines()
    and iteration over the body (WSGI-environ-input)."""
    r = apache.post("/wsgi/app/input?mode=" + mode,
                    data=b"line one\nline two\r\nlast")
    assert r.json() == expected


def test_wsgi_input_chunked(apache):
    """A chunked request body reaches wsgi.input de-chunked
    (WSGI-environ-input)."""
    def body():
        yield b"first line\n"
        yield b"second "
        yield b"line\n" + b"z" * 70000

    r = apache.post("/wsgi/app/input?mode=iter", data=body())
    assert r.json() == ["first line\n", "second line\n", "z" * 70000]


def test_wsgi_exc_info_before_output(apache):
    """start_response with exc_info before any output replaces status
    and headers (PEP 3333; the original re-raised) (WSGI-exc_info)."""
    r = apache.get("/wsgi/app/exc-before")
    assert r.status_code == 503
    assert r.headers["Content-Type"] == "text/plain"
    assert r.headers["X-Second"] == "2"
    assert "X-First" not in r.headers
    assert r.text == "recovered"


@pytest.mark.log_expected(r"PythonHandler mod_python.wsgi: ")
def test_wsgi_exc_info_after_output(apache):
    """start_response with exc_info once output was sent re-raises the
    application's exception: logged, response cut short
    (WSGI-exc_info)."""
    raw = apache.raw(b"GET /wsgi/app/exc-after HTTP/1.0\r\n\r\n")
    assert raw.startswith(b"HTTP/1.1 200 OK")
    assert b"\r\n\r\npartial" in raw
    assert b"never" not in raw
    time.sleep(0.2)
    assert "ValueError: went wrong after output" in apache.error_log()


@pytest.mark.log_expected(r"PythonHandler mod_python.wsgi: ")
def test_wsgi_start_response_twice(apache):
    """A second start_response without exc_info is an error (PEP 3333;
    the original added the headers again) (WSGI-start-twice)."""
    r = apache.get("/wsgi/app/twice")
    assert r.status_code == 500
    time.sleep(0.1)
    assert "AssertionError: start_response() was already called" in \
        apache.error_log()


def test_wsgi_no_start_response(apache):
    """An application that never calls start_response: the body goes out
    with the default status and headers (WSGI-no-start)."""
    r = apache.get("/wsgi/app/nostart")
    assert r.status_code == 200
    assert r.text == "no start_response"


@pytest.mark.log_expected(r"PythonHandler mod_python.wsgi: ")
def test_wsgi_app_exception(apache):
    """An exception in the application is a 500 with the traceback in
    the log (WSGI-return)."""
    r = apache.get("/wsgi/app/raise")
    assert r.status_code == 500
    time.sleep(0.1)
    assert "KeyError: 'wsgi app failed on purpose'" in apache.error_log()


@pytest.mark.parametrize("query, expected", [
    ("", PAYLOAD),
    ("?offset=1000", PAYLOAD[1000:]),
    ("?offset=10&length=300", PAYLOAD[10:310]),
])
def test_wsgi_file_wrapper_sendfile(apache, query, expected):
    """wsgi.file_wrapper over a real file is sent with sendfile from the
    file's position (its read() is never called), limited by the
    Content-Length the application gave (WSGI-environ-missing,
    WSGI-close)."""
    r = apache.get("/wsgi/app/file" + query)
    assert r.status_code == 200
    assert r.content == expected


def test_wsgi_file_wrapper_iterates(apache):
    """wsgi.file_wrapper over a file-like object without a file is read
    in blocks (WSGI-environ-missing)."""
    r = apache.get("/wsgi/app/filelike")
    assert r.content == b"0123456789" * 1000


def test_wsgi_validator(apache):
    """wsgiref.validate finds nothing wrong with the gateway: environ,
    input, errors, start_response, the iterable and its close(), for GET
    and POST (any WSGIWarning is an error in the application)
    (WSGI-start_response, WSGI-close, WSGI-environ-input)."""
    r = apache.get("/wsgi/validated/path")
    assert r.status_code == 200
    assert r.text == "GET|/path||"
    r = apache.post("/wsgi/validated", data=b"one\ntwo\nthree")
    assert r.status_code == 200
    assert r.text == "POST||one\n|two\nthree"


def test_wsgi_validated_demo_app(apache):
    """wsgiref's demo application under the validator (WSGI-config)."""
    r = apache.get("/wsgi/demo/?q=1")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert r.text.startswith("Hello world!\n")
    assert "QUERY_STRING = 'q=1'" in r.text
    assert "SCRIPT_NAME = '/wsgi/demo'" in r.text


def test_wsgi_module_reloaded(apache):
    """The application module is imported with mod_python's import: it is
    reloaded when its file changes, and PythonDebug logs the import
    (WSGI-import)."""
    path = apache.htdocs / "wsgi" / "wsgi_reload.py"
    source = ("def application(environ, start_response):\n"
              "    start_response('200 OK', [('Content-Type', "
              "'text/plain')])\n"
              "    return [b'%s']\n")
    path.write_text(source % "version 1")
    assert apache.get("/wsgi/reload/").text == "version 1"
    path.write_text(source % "version 2")
    later = time.time() + 5
    os.utime(path, (later, later))
    time.sleep(1.2)
    assert apache.get("/wsgi/reload/").text == "version 2"
    assert "mod_python: (Re)importing module 'wsgi_reload'" in \
        apache.error_log()
