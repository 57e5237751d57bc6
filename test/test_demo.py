"""The demo of the README's quick start: examples/serve.py serves an index
page linking to one page per way of running Python in Apache (a plain
handler, the publisher, PSP with a session, an authentication handler,
the CGI handler, the Httpdapy handler, WSGI, an output filter), each
checked here over HTTP; and it stops.

The tutorial (doc/tutorial.rst) shows these very files with
literalinclude, so these tests are what runs its code examples."""
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from conftest import MPM, ROOT, free_port

SERVE = ROOT / "examples" / "serve.py"
TIMEOUT = 30


def serve(*args):
    return subprocess.run([sys.executable, str(SERVE), *args],
                          capture_output=True, text=True, timeout=60)


def start_demo():
    """The demo left running by --background on a free port."""
    port = free_port()
    out = serve("--background", "--port", str(port), "--mpm", MPM)
    assert out.returncode == 0, out.stderr
    m = re.search(r"--stop (\S+)", out.stdout)
    assert m, out.stdout
    return "http://127.0.0.1:%d" % port, port, Path(m.group(1)), out.stdout


def stop_demo(root):
    if root.exists():
        serve("--stop", str(root))


@pytest.fixture(scope="module")
def shared_demo():
    """One demo server for the tests that only read its pages."""
    url, port, root, banner = start_demo()
    yield url, port, root, banner
    stop_demo(root)


@pytest.fixture
def demo(shared_demo, request):
    """The shared demo; after each test the lines its error log gained must
    show no Python warning or error and no crash, but for those matching
    the test's log_expected marker."""
    url, port, root, banner = shared_demo
    log = root / "logs" / "error_log"
    offset = log.stat().st_size
    yield shared_demo
    marker = request.node.get_closest_marker("log_expected")
    expected = [re.compile(p) for p in (marker.args if marker else ())]
    with open(log, errors="replace") as f:
        f.seek(offset)
        text = "".join(line for line in f
                       if not any(p.search(line) for p in expected))
    assert not re.search(r"\[python:(warn|error|crit|alert|emerg)\]|"
                         r":error\]|:crit\]|Segmentation|exit signal",
                         text), text


@pytest.fixture
def own_demo():
    """A demo of its own, for a test that stops it."""
    url, port, root, banner = start_demo()
    yield url, port, root, banner
    stop_demo(root)


def text_of(page, ident):
    """The text of the element with id `ident` in `page`."""
    m = re.search(r'id="%s">([^<]*)<' % re.escape(ident), page)
    assert m, (ident, page)
    return m.group(1)


def port_open(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_demo_serves_index_and_hello(demo):
    """The index is a plain file linking to /hello; the hello handler
    greets with the interpreter name (REQ-attr-interpreter,
    SRV-attr-server_hostname) and a counter kept by its process between
    requests (SEED-benefit-persistence, DIR-PythonHandler,
    DIR-PythonPath)."""
    url, port, root, banner = demo
    assert "%s/" % url in banner

    index = requests.get(url + "/", timeout=30)
    assert index.status_code == 200
    assert index.headers["Content-Type"].startswith("text/html")
    assert 'href="/hello"' in index.text

    counts = {}
    # One kept-alive connection, so one process serves most of these.
    session = requests.Session()
    for _ in range(6):
        r = session.get(url + "/hello", timeout=30)
        assert r.status_code == 200
        assert r.headers["Content-Type"].startswith("text/html")
        assert "Hello from mod_python!" in r.text
        # The default interpreter is named after the ServerName.
        assert '<code id="interpreter">localhost</code>' in r.text
        pid = int(re.search(r'id="pid">(\d+)<', r.text).group(1))
        count = int(re.search(r'id="count">(\d+)<', r.text).group(1))
        counts.setdefault(pid, []).append(count)
    # Each process counts its own requests, one after the other.
    for pid, seen in counts.items():
        assert seen == list(range(seen[0], seen[0] + len(seen))), counts
    assert sum(len(seen) for seen in counts.values()) == 6
    assert any(len(seen) > 1 for seen in counts.values()), counts

    # The handler's source is not served: it lives outside DocumentRoot.
    assert requests.get(url + "/hello.py", timeout=30).status_code == 404


def test_demo_refuses_a_taken_port(demo):
    """A second demo on the same port says so and exits non-zero, leaving
    the first one serving."""
    url, port, root, banner = demo
    out = serve("--port", str(port))
    assert out.returncode != 0
    assert "port %d" % port in out.stderr
    assert "already in use" in out.stderr
    assert requests.get(url + "/hello", timeout=30).status_code == 200


def test_demo_stop_stops_apache_and_removes_root(own_demo):
    """--stop ends the server left running by its pid and removes its
    directory."""
    url, port, root, banner = own_demo
    pid = int((root / "logs" / "httpd.pid").read_text())
    out = serve("--stop", str(root))
    assert out.returncode == 0, out.stderr
    assert "stopped Apache (pid %d)" % pid in out.stdout
    assert not root.exists()
    deadline = time.time() + 10
    while port_open(port) and time.time() < deadline:
        time.sleep(0.1)
    assert not port_open(port)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


DEMO_LINKS = ["/hello", "/form/", "/counter.psp", "/private",
              "/cgi/greet.py?name=CGI", "/httpdapi/welcome.html", "/wsgi/",
              "/shouted/"]


def test_demo_index_links_every_page(demo):
    """The index links to every demo page, each of which answers (the
    private one with 401 until logged in), and states the demo
    credentials."""
    url = demo[0]
    index = requests.get(url + "/", timeout=TIMEOUT)
    assert index.status_code == 200
    links = re.findall(r'href="([^"]+)"', index.text)
    assert links == DEMO_LINKS
    assert text_of(index.text, "demo-user") == "demo"
    assert text_of(index.text, "demo-password") == "mod_python"
    for link in links:
        r = requests.get(url + link, timeout=TIMEOUT)
        assert r.status_code == (401 if link == "/private" else 200), link
        assert r.headers["Content-Type"].startswith("text/html"), link


@pytest.mark.log_expected(r"publisher: access to (private|imported) name")
def test_demo_publisher_form_get_and_post(demo):
    """GET /form/ runs index() of form/index.py through the publisher and
    shows the form; POSTing it passes the fields as the function's
    arguments and shows them back, HTML-escaped (PUB-config,
    PUB-default-func, PUB-args, PUB-form, PUB-publish-str)."""
    url = demo[0]
    r = requests.get(url + "/form/", timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert '<form method="post" action="/form/">' in r.text
    assert '<input name="name">' in r.text and 'name="colour"' in r.text

    r = requests.post(url + "/form/", timeout=TIMEOUT,
                      data={"name": "Ada <b>&</b> Grace", "colour": "blue"})
    assert r.status_code == 200
    assert "<form" not in r.text
    assert text_of(r.text, "name") == "Ada &lt;b&gt;&amp;&lt;/b&gt; Grace"
    assert text_of(r.text, "colour") == "blue"
    assert "<b>&</b>" not in r.text

    # Nothing sent: the function's defaults.
    r = requests.post(url + "/form/", timeout=TIMEOUT, data={})
    assert text_of(r.text, "name") == "(nobody)"
    assert text_of(r.text, "colour") == "(none)"

    # Names starting with "_" are not published (PUB-underscore), nor are
    # modules the page imported; unknown names are not found
    # (PUB-notfound).
    r = requests.get(url + "/form/index.py/_FORM", timeout=TIMEOUT)
    assert r.status_code == 403
    r = requests.get(url + "/form/index.py/html/escape?s=x", timeout=TIMEOUT)
    assert r.status_code == 403
    r = requests.get(url + "/form/index.py/thanks", timeout=TIMEOUT)
    assert r.status_code == 404


def test_demo_psp_session_counter(demo):
    """counter.psp is a PSP page using `session`: the first visit creates a
    session and sets its cookie, each visit with that cookie counts one
    more, whichever process serves it (FileSession), and another client
    starts its own count (PSP-handler-config, PSP-session-auto,
    PSP-session-save, SESS-is_new, SESS-opt-type, SESS-File-dir)."""
    url = demo[0]
    visitor = requests.Session()
    r = visitor.get(url + "/counter.psp", timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert r.text.startswith("<!DOCTYPE html>")
    assert "pysid=" in r.headers["Set-Cookie"]
    sid = visitor.cookies["pysid"]
    assert text_of(r.text, "visits") == "1"
    assert 'id="new"' in r.text
    assert text_of(r.text, "sid") == sid

    for n in range(2, 6):
        # A new connection each time: any process may answer.
        r = requests.get(url + "/counter.psp", cookies={"pysid": sid},
                         timeout=TIMEOUT)
        assert r.status_code == 200
        assert text_of(r.text, "visits") == str(n)
        assert 'id="new"' not in r.text
        assert text_of(r.text, "sid") == sid

    other = requests.get(url + "/counter.psp", timeout=TIMEOUT)
    assert text_of(other.text, "visits") == "1"
    assert text_of(other.text, "sid") != sid


def test_demo_login_is_enforced(demo):
    """/private runs the PythonAuthenHandler of handlers/guarded.py
    first: no credentials or wrong ones give 401 with a Basic challenge
    and no page; the demo credentials give the page, which knows the user
    (DIR-PythonAuthenHandler, PH-hook-authen, REQ-get_basic_auth_pw)."""
    url = demo[0]
    for auth in [None, ("demo", "wrong"), ("nobody", "mod_python"),
                 ("demo", "")]:
        r = requests.get(url + "/private", auth=auth, timeout=TIMEOUT)
        assert r.status_code == 401, auth
        assert r.headers["WWW-Authenticate"] == \
            'Basic realm="mod_python demo"'
        assert "Private page" not in r.text

    r = requests.get(url + "/private", auth=("demo", "mod_python"),
                     timeout=TIMEOUT)
    assert r.status_code == 200
    assert "<h1>Private page</h1>" in r.text
    assert text_of(r.text, "user") == "demo"
    assert text_of(r.text, "auth-type") == "Basic"


def test_demo_cgi_script(demo):
    """cgi/greet.py, a plain CGI script printing its headers, runs under
    mod_python.cgihandler with its query in the CGI environment; what it
    prints is the response, headers included (CGI-config, CGI-env,
    CGI-stdout)."""
    url = demo[0]
    r = requests.get(url + "/cgi/greet.py", params={"name": "Guido <vR>"},
                     timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert not r.text.startswith("Content-Type")
    assert text_of(r.text, "name") == "Guido &lt;vR&gt;"
    assert text_of(r.text, "method") == "GET"
    assert text_of(r.text, "gateway").startswith("Python-CGI/")

    r = requests.get(url + "/cgi/greet.py", timeout=TIMEOUT)
    assert text_of(r.text, "name") == "stranger"


def test_demo_httpdapi_module(demo):
    """/httpdapi/welcome.html runs the RequestHandler class of the module
    welcome of that directory through mod_python.httpdapi, which sees the
    form data and the request line through the NSAPI-style objects
    (HTTPDAPI-config, HTTPDAPI-module, HTTPDAPI-RequestHandler,
    HTTPDAPI-rq)."""
    url = demo[0]
    r = requests.get(url + "/httpdapi/welcome.html",
                     params={"name": "Grisha"}, timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/html")
    assert text_of(r.text, "name") == "Grisha"
    assert text_of(r.text, "request") == "GET /httpdapi/welcome.html"

    r = requests.post(url + "/httpdapi/welcome.any", data={"name": "<you>"},
                      timeout=TIMEOUT)
    assert r.status_code == 200
    assert text_of(r.text, "name") == "&lt;you&gt;"
    assert text_of(r.text, "request") == "POST /httpdapi/welcome.any"


def test_demo_wsgi_app(demo):
    """/wsgi is handlers/wsgi_app.py under mod_python.wsgi: the Location
    is SCRIPT_NAME, the rest PATH_INFO, and the query reaches the
    application (WSGI-config, WSGI-location, WSGI-path-split,
    WSGI-environ-cgi, WSGI-start_response)."""
    url = demo[0]
    r = requests.get(url + "/wsgi/some/path", params={"who": "<me>"},
                     timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert r.headers["Content-Length"] == str(len(r.content))
    assert text_of(r.text, "who") == "&lt;me&gt;"
    assert text_of(r.text, "REQUEST_METHOD") == "GET"
    assert text_of(r.text, "SCRIPT_NAME") == "/wsgi"
    assert text_of(r.text, "PATH_INFO") == "/some/path"
    assert text_of(r.text, "QUERY_STRING") == "who=%3Cme%3E"
    assert text_of(r.text, "wsgi.url_scheme") == "http"

    r = requests.get(url + "/wsgi/", timeout=TIMEOUT)
    assert text_of(r.text, "who") == "WSGI"
    assert text_of(r.text, "PATH_INFO") == "/"


def test_demo_output_filter(demo):
    """The static page under /shouted/ goes through the SHOUT output
    filter: its text comes out upper-cased, its tags untouched, with the
    filter's line added and a Content-Length that matches; the file on
    disk is lower case (DIR-PythonOutputFilter, DIR-httpd-SetOutputFilter,
    FLT-read, FLT-write, FLT-close, PH-filter-many)."""
    url, port, root, banner = demo
    on_disk = (root / "htdocs" / "shouted" / "index.html").read_text()
    assert "<h1>A static page, filtered</h1>" in on_disk

    r = requests.get(url + "/shouted/", timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/html")
    assert "<h1>A STATIC PAGE, FILTERED</h1>" in r.text
    assert "<title>A FILTERED PAGE</title>" in r.text
    assert '<a href="/">BACK TO THE INDEX</a>' in r.text
    assert '<p id="filtered">(Upper-cased on its way out by the SHOUT ' \
        'filter' in r.text
    assert r.text.index('id="filtered"') < r.text.index("</body>")
    if "Content-Length" in r.headers:
        assert r.headers["Content-Length"] == str(len(r.content))

    # Pages elsewhere are not filtered.
    r = requests.get(url + "/", timeout=TIMEOUT)
    assert "<h1>mod_python demo</h1>" in r.text
    assert 'id="filtered"' not in r.text
