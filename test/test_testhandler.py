"""mod_python.testhandler: the diagnostics page.  Suite:
htdocs/testhandler/."""
import time
import uuid

import requests


def test_testhandler_page(apache):
    """The page: versions, MPM, roots, Python, the request's and server's
    tables, and the configuration tree; values are HTML-escaped (the
    original wrote them raw) (TEST-config, TEST-page)."""
    r = apache.get("/testhandler/info?x=1",
                   headers={"X-Probe": "<script>alert(1)</script>"})
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/html"
    page = r.text
    assert "<tr><td>Apache version</td><td><pre>Apache/2.4" in page
    threaded = "yes, max threads 16" if apache.mpm != "prefork" else "no"
    assert "<td>Apache threaded MPM</td><td><pre>%s</pre>" % threaded \
        in page
    forked = "<td>Apache forked MPM</td><td><pre>yes, max daemons "
    assert forked in page
    assert "<td>Server root</td><td><pre>%s</pre>" % apache.root in page
    assert "<td>Document root</td><td><pre>%s</pre>" % apache.htdocs in page
    assert '%s/logs/error_log (<a href="?view_log=1">' % apache.root in page
    assert "<td>Python interpreter name</td><td><pre>localhost</pre>" in page
    assert "<td>mod_python.publisher available</td>" in page
    for title in ("Request input headers", "Request environment",
                  "Request configuration", "Request options",
                  "Request notes", "Server configuration",
                  "Server options", "Server configuration tree"):
        assert "<h3>%s</h3>" % title in page
    assert "<tr><td>testhandler_option</td><td>shown</td></tr>" in page
    assert "<tr><td>HTTP_HOST</td><td>127.0.0.1:%d</td></tr>" % apache.port \
        in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>" not in page
    assert "\n  SetHandler mod_python\n" in page
    assert "PythonHandler mod_python.testhandler" in page


def test_testhandler_view_log(apache):
    """?view_log=1 shows the last 100 lines of the error log as text
    (TEST-view-log)."""
    marker = uuid.uuid4().hex
    # httpd logs each missing file (at info level) with its path.
    with requests.Session() as s:
        for i in range(110):
            r = s.get("%s/no-such-place-%s-%d" % (apache.url, marker, i))
            assert r.status_code == 404
    time.sleep(0.2)
    r = apache.get("/testhandler/info?view_log=1")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain")
    lines = r.text.splitlines()
    assert len(lines) == 100
    assert "%s-109\n" % marker in r.text
    assert "%s-5\n" % marker not in r.text
    log = apache.error_log()
    assert all(line in log for line in lines)


def test_testhandler_helpers(apache):
    """bounded_buffer keeps the last items in order; write_table and
    write_tree write escaped HTML and indented text (TEST-helpers)."""
    out = apache.get("/testhandler/helpers").json()
    assert out["before"] == []
    assert out["items"] == out["iter"] == [2, 3, 4]
    assert out["table"] == ('<table border="1" cellpadding="3">\n'
                            "<tr><td>a&lt;</td><td>1&amp;</td></tr>\n"
                            "</table>\n")
    assert out["tree"] == ("&lt;Location /x&gt;\n  SetHandler mod_python\n"
                           "Listen 80\n")
