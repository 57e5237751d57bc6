"""mod_python.cgihandler: unmodified CGI scripts run in the server, each
request with its own environment, input and output, side by side.
Suite: htdocs/cgi/."""
import concurrent.futures
import hashlib
import os
import time

import pytest
import requests


def test_cgihandler_hello(apache):
    """The test script: headers, blank line, body; the handler is set up
    with SetHandler + PythonHandler mod_python.cgihandler (CGI-test,
    CGI-config, CGI-return)."""
    r = apache.get("/cgi/cgi_hello.py")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/plain"
    assert r.text.endswith("test ok\n")


def test_cgihandler_environment(apache):
    """os.environ holds the CGI variables of the request, and only those:
    GATEWAY_INTERFACE Python-CGI/1.1, SCRIPT_NAME without the path info,
    the raw Authorization header; the script may change its own copy
    (CGI-env, CGI-import-env, CGI-script)."""
    r = apache.post("/cgi/cgi_env.py/extra/path?a=1&b=2", data="x=1",
                    headers={"X-CGI-Test": "hello",
                             "Authorization": "Basic dXNlcjpwdw==",
                             "Content-Type": "text/x-test"})
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json"
    env = r.json()
    assert env["GATEWAY_INTERFACE"] == "Python-CGI/1.1"
    assert env["REQUEST_METHOD"] == env["getenv_method"] == "POST"
    assert env["QUERY_STRING"] == "a=1&b=2"
    assert env["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert env["REQUEST_URI"] == "/cgi/cgi_env.py/extra/path"
    assert env["SCRIPT_NAME"] == "/cgi/cgi_env.py"
    assert env["PATH_INFO"] == "/extra/path"
    assert env["HTTP_AUTHORIZATION"] == "Basic dXNlcjpwdw=="
    assert env["HTTP_X_CGI_TEST"] == "hello"
    assert env["CONTENT_TYPE"] == "text/x-test"
    assert env["CONTENT_LENGTH"] == "3"
    assert env["SCRIPT_FILENAME"].endswith("/cgi/cgi_env.py")
    assert env["REMOTE_ADDR"] == "127.0.0.1"
    # The server's own environment stays hidden, as under real CGI.
    assert env["PYTHONPATH"] is None
    assert env["after_set"] == "mine"
    assert env["__name__"] == "__main__"
    assert env["__file__"] == env["SCRIPT_FILENAME"]
    assert env["stdout_tell_before"] == 0
    # The next request starts from a clean environment.
    again = apache.get("/cgi/cgi_env.py").json()
    assert again["QUERY_STRING"] == ""
    assert again["PATH_INFO"] is None
    assert again["HTTP_AUTHORIZATION"] is None


def test_cgihandler_rest_of_interpreter_keeps_real_environ(apache):
    """Importing cgihandler does not empty os.environ for the rest of the
    interpreter (the original replaced it with a dict): other handlers
    see the process environment, and setting a key reaches the real
    os.environ (CGI-import-env, CGI-restore)."""
    with requests.Session() as s:
        s.get(apache.url + "/cgi/cgi_env.py?x=1")
        out = s.get(apache.url + "/cgi/plain/env").json()
    assert out["pythonpath"] and out["pythonpath"].endswith("lib")
    assert out["gateway"] is None
    assert out["real_set"] == "plain"
    assert out["proxied"] == "_EnvironProxy"
    # sys.stdout is back to the real stream once the request is over.
    assert out["stdout_is_cgi"] is False


def test_cgihandler_output_headers(apache):
    """Header lines: Status sets the status, Content-Type the content
    type, others are added (repeats kept); the body follows the blank
    line (CGI-stdout)."""
    r = apache.get("/cgi/cgi_status.py")
    assert r.status_code == 404
    assert r.reason == "Not Here"
    assert r.headers["Content-Type"] == "text/plain"
    assert r.headers["X-Cgi"] == "one"
    assert r.raw.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
    assert r.text == "nothing here"


def test_cgihandler_location_redirects(apache):
    """Location without Status is a client redirect, as under CGI (the
    original answered 200: CGI-stdout)."""
    r = apache.get("/cgi/cgi_location.py", allow_redirects=False)
    assert r.status_code == 302
    assert r.headers["Location"] == "/cgi/cgi_hello.py"
    assert apache.get("/cgi/cgi_location.py").text.endswith("test ok\n")


def test_cgihandler_output_without_blank_line(apache):
    """Output that ends before a blank line is a header block (the
    original sent nothing at all: CGI-stdout)."""
    r = apache.get("/cgi/cgi_headers_only.py")
    assert r.status_code == 204
    assert r.headers["X-Only"] == "headers"
    assert r.content == b""


@pytest.mark.log_expected(r"malformed header from CGI script",
                          r"PythonHandler mod_python.cgihandler: ")
def test_cgihandler_malformed_header(apache):
    """A header line without a colon fails the request: 500 (CGI-stdout,
    CGI-return)."""
    r = apache.get("/cgi/cgi_malformed.py")
    assert r.status_code == 500
    assert "body\n" not in r.text
    time.sleep(0.1)
    assert "malformed header from CGI script: b'this is not a header'" \
        in apache.error_log()


@pytest.mark.log_expected(r"PythonHandler mod_python.cgihandler: ")
def test_cgihandler_script_error(apache):
    """An exception in the script propagates: 500, traceback in the log
    with the script's file name (CGI-return)."""
    r = apache.get("/cgi/cgi_raise.py")
    assert r.status_code == 500
    assert "on purpose" not in r.text
    time.sleep(0.1)
    log = apache.error_log()
    assert "RuntimeError: cgi script failed on purpose" in log
    assert "cgi/cgi_raise.py\", line 3" in log
    assert apache.get("/cgi/cgi_hello.py").status_code == 200


def test_cgihandler_sys_exit(apache):
    """sys.exit() ends the script like the end of a CGI process: the
    output so far is the response (CGI-return)."""
    r = apache.get("/cgi/cgi_exit.py")
    assert r.status_code == 200
    assert r.text == "before exit\n"


def test_cgihandler_main_guard(apache):
    """The script runs as __main__, so the usual guard lets it run
    (CGI-exec)."""
    assert apache.get("/cgi/cgi_main_guard.py").text == "main ran\n"


def test_cgihandler_exact_file(apache):
    """The exact requested file runs as Python source whatever its
    extension; x.cgi is never swapped for x.py, and a missing file is a
    404 (CGI-exec, CGI-exists, CGI-script)."""
    assert apache.get("/cgi/cgi_exact.cgi").text == "I am cgi_exact.cgi\n"
    assert apache.get("/cgi/cgi_exact.py").text == "I am cgi_exact.py\n"
    assert apache.get("/cgi/cgi_only_py.py").status_code == 200
    assert apache.get("/cgi/cgi_only_py.cgi").status_code == 404
    assert apache.get("/cgi/cgi_no_such_script.py").status_code == 404


def test_cgihandler_binary_stdin_stdout(apache):
    """sys.stdin.buffer reads the body as bytes, sys.stdout.buffer writes
    bytes unchanged; tell() counts what was written (CGI-stdin,
    CGI-stdout)."""
    payload = bytes(range(256)) * 300 + b"\r\n\r\nend"
    r = apache.post("/cgi/cgi_binary.py", data=payload)
    assert r.status_code == 200
    body, _, tell = r.content.rpartition(b"|")
    assert body == payload[::-1]
    head = len("Content-Type: application/octet-stream\n\n")
    assert int(tell) == head + len(payload)


def test_cgihandler_text_stdin(apache):
    """sys.stdin is text: readline and iteration, Latin-1 so that no byte
    is lost, line ends untranslated (CGI-stdin)."""
    r = apache.post("/cgi/cgi_textin.py", data=b"one\ntwo\r\nthr\xe9e")
    lines = r.text.splitlines()
    assert lines == ["'one\\n'", "['two\\r\\n', 'thr\u00e9e']"]


def test_cgihandler_cgi_module_forms(apache):
    """The cgi module works unchanged: query strings, url-encoded POST
    bodies and multipart file uploads (CGI-stdin, CGI-env)."""
    r = apache.get("/cgi/cgi_form.py?a=1&b=x&b=y")
    assert r.text == "a=1\nb=x,y\n"
    r = apache.post("/cgi/cgi_form.py", data={"name": "joe", "n": "2"})
    assert r.text == "n=2\nname=joe\n"
    upload = os.urandom(200000)
    r = apache.post("/cgi/cgi_form.py", data={"note": "hi"},
                    files={"up": ("data.bin", upload)})
    assert r.text == "note=hi\nup: file data.bin %d %s\n" % (
        len(upload), hashlib.sha1(upload).hexdigest())


def test_cgihandler_request_objects_released(apache):
    """After uploads nothing of a CGI request stays alive in the process:
    no output or body reader object is left (CGI-leak)."""
    with requests.Session() as s:
        for _ in range(3):
            r = s.post(apache.url + "/cgi/cgi_form.py",
                       files={"up": ("f.bin", b"x" * 100000)})
            assert r.status_code == 200
        out = s.get(apache.url + "/cgi/plain/live").json()
    assert out["live_outputs"] == 0
    assert out["live_readers"] == 0


def test_cgihandler_scripts_and_helpers_rerun(apache):
    """Each request runs the script afresh, and the helper modules it
    imports too; stdlib packages and site-packages stay loaded, and so
    do other handlers' modules (CGI-reload, CGI-import-snapshot)."""
    with requests.Session() as s:
        first = s.get(apache.url + "/cgi/cgi_reload.py").json()
        plain1 = s.get(apache.url + "/cgi/plain/count").json()["count"]
        second = s.get(apache.url + "/cgi/cgi_reload.py").json()
        plain2 = s.get(apache.url + "/cgi/plain/count").json()["count"]
    for out in (first, second):
        assert out["runs"] == 1
        assert out["helper_calls"] == 1
        assert out["helper_loads"] == 1
        assert out["in_sys_modules"] is False
    # json is a stdlib *package*: the original re-imported it each time.
    assert second["json_marker"] == first["json_marker"] + 1
    if first["site_marker"] is not None:
        assert second["site_marker"] == first["site_marker"] + 1
    assert plain2 == plain1 + 1


def _fetch(url, data=None):
    if data is None:
        return requests.get(url, timeout=30)
    return requests.post(url, data=data, timeout=30)


def test_cgihandler_concurrent_requests_isolated(apache):
    """Concurrent requests each see their own environment, input and
    output, and do not take turns behind one lock (the original
    serialised all CGI requests of a process: CGI-lock, CGI-env,
    CGI-stdin, CGI-stdout)."""
    n = 8
    jobs = [("/cgi/cgi_echo.py?id=%d" % i, "body-%d" % i) for i in range(n)]
    start = time.time()
    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        futures = [pool.submit(_fetch, apache.url + path, body)
                   for path, body in jobs]
        results = [f.result() for f in futures]
    elapsed = time.time() - start
    for i, r in enumerate(results):
        assert r.status_code == 200
        assert r.text == "q=id=%d env=id=%d body=body-%d getenv=id=%d" % (
            i, i, i, i)
    # Each request sleeps about 0.5 s: one at a time would take 4 s.
    if apache.mpm != "prefork":
        assert elapsed < 2.5, elapsed


def test_cgihandler_working_directory(apache):
    """A script runs in its own directory, so relative file names work as
    under CGI; scripts of different directories interleaved all find
    their own files (CGI-chdir)."""
    urls = ["/cgi/cgi_rel.py", "/cgi/sub/cgi_rel.py"] * 4
    with concurrent.futures.ThreadPoolExecutor(len(urls)) as pool:
        texts = list(pool.map(lambda u: _fetch(apache.url + u).text, urls))
    assert texts == ["top data", "sub data"] * 4
    env = apache.get("/cgi/cgi_env.py").json()
    assert env["cwd"] == os.path.dirname(env["__file__"])


def test_cgihandler_chdir_off(apache):
    """With mod_python.cgihandler.chdir Off the working directory is left
    alone and nothing waits for it (CGI-chdir, CGI-lock)."""
    n = 6
    start = time.time()
    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        texts = list(pool.map(
            lambda u: _fetch(apache.url + u).text,
            ["/cgi/nochdir/cgi_cwd.py"] * n))
    elapsed = time.time() - start
    assert texts == ["nochdir data False"] * n
    if apache.mpm != "prefork":
        assert elapsed < 1.5, elapsed
