"""mod_python.psp over HTTP: the PSP class, the psp handler, caching and
the debug view (psp.md sections 5-9).  Suite: htdocs/psp/.

Caches are per process, so the cache tests use one keep-alive connection
(one child, also under prefork).
"""
import dbm
import glob
import importlib.util
import marshal
import os
import re
import tempfile
import time

import sys
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent
                       / "lib" / "python"))

from mod_python import psp as pspmod  # noqa: E402  (no httpd needed)

PSP_ERR = r"PythonHandler mod_python\.psp"


def words(text):
    return text.split()


def write_page(path, text, bump=0):
    """Write a page; `bump` seconds are added to its mtime so that a
    rewrite is seen even within the file system's time granularity."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.chmod(path, 0o644)
    if bump:
        st = os.stat(path)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + bump * 10**9))


def psc_bytes(source, filename):
    """A precompiled page as mod_python.psp.code2str writes it."""
    return importlib.util.MAGIC_NUMBER + marshal.dumps(
        compile(source, filename, "exec"))


# ---------------------------------------------------------------------------
# The handler


def test_psp_handler_renders_page(apache):
    """A .psp file is translated and run by the psp handler, as text/html
    (PSP-handler-config, PSP-handler-ctype, PSP-handler-run, PSP-run)."""
    r = apache.get("/psp/hello.psp")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/html")
    assert r.text == ("Hello world!\n<ul>\n\n<li>a</li>\n\n<li>b</li>\n"
                      "\n</ul>\n")


def test_psp_handler_page_sets_ctype(apache):
    """A page may override the text/html default (PSP-handler-ctype)."""
    r = apache.get("/psp/ctype.psp")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert r.text == "plain page\n"


def test_psp_handler_missing_page_404(apache):
    """A missing page is 404, not an error (PSP-handler-run,
    PSP-ctor-file)."""
    assert apache.get("/psp/no-such-page.psp").status_code == 404


def test_psp_handler_includes_relative_to_page(apache):
    """Includes resolve against the page's directory; nested includes
    against the same top directory (PSP-ctor-file, PSP-include-resolve)."""
    r = apache.get("/psp/include.psp")
    assert r.status_code == 200
    assert r.text == "[head 42 deep/head]\n"


def test_psp_handler_import_sibling(apache):
    """A page imports modules next to it: the handler's directory is on
    sys.path (PSP-handler-import)."""
    r = apache.get("/psp/import.psp")
    assert r.status_code == 200
    assert r.text == "sibling module value"


# ---------------------------------------------------------------------------
# Page globals


def test_psp_run_globals(apache):
    """The page sees the psp module's globals, req, psp, form/session None
    when unused, __file__, __mp_info__ and __mp_path__ (PSP-run-globals,
    PSP-form-auto, PSP-session-auto)."""
    r = apache.get("/psp/globals.psp")
    assert r.status_code == 200
    lines = dict(line.split("=", 1) for line in r.text.splitlines())
    assert "request" in lines.pop("req")
    assert lines == {
        "apache": "0", "util": "mod_python.util", "os": "os",
        "PSP": "PSP", "psp": "PSPInterface", "psp.req": "True",
        "psp.filename": "True", "psp.error_page": "None",
        "form": "None", "session": "None",
        "file": "True", "info": "(None, True, None, {})", "path": "[]",
    }


def test_psp_form_auto(apache):
    """A page using `form` gets FieldStorage(req, keep_blank_values=1),
    stored in req.form (PSP-form-auto)."""
    r = apache.get("/psp/form.psp?a=1&a=2&b=")
    assert r.status_code == 200
    assert r.text.strip() == "a=1|all=1,2|b=''|same=True"
    r = apache.post("/psp/form.psp", data={"a": "x y", "b": ""})
    assert r.text.strip() == "a=x y|all=x y|b=''|same=True"


def test_psp_vars_and_attrs(apache):
    """run() vars win over constructor vars; relative filenames are joined
    to the directory of req.filename; the instance attributes
    (PSP-run-globals, PSP-ctor-source, PSP-attrs, PSP-run)."""
    r = apache.get("/psp/app/vars")
    assert r.status_code == 200
    assert r.text.splitlines() == [
        "a=ctor b=run c=run",
        "filename=True",
        "string=None vars=['a', 'b']",
        "code=code co_filename=True",
        "req=True dbmcache=None",
    ]


def test_psp_ctor_both_sources(apache):
    """filename and string together: ValueError (PSP-ctor-source)."""
    r = apache.get("/psp/app/both")
    assert r.status_code == 200
    assert r.text.startswith("ValueError: ")


def test_psp_ctor_string(apache):
    """A page from a string: compiled as __psp__ and cached in memory by
    its text; an empty filename counts as not given (PSP-ctor-string,
    PSP-ctor-source, PSP-cache-mem)."""
    r = apache.get("/psp/app/string")
    assert r.status_code == 200
    lines = r.text.splitlines()
    assert lines[0] == "Hi 42 from t_stringHi 42 from t_string"
    assert re.fullmatch(r"same=True name=__psp__ cached=True hits=[1-9]\d*",
                        lines[1])


def test_psp_ctor_empty_string_uses_req_filename(apache):
    """string=b"" is not a source: req.filename is used; it does not exist
    here, so 404 (PSP-ctor-source, PSP-ctor-file)."""
    assert apache.get("/psp/app/empty_string").status_code == 404


def test_psp_str(apache):
    """str(PSP) sets text/html, runs the page and returns '' -- also when
    embedded in another page (PSP-str)."""
    r = apache.get("/psp/app/str")
    assert r.text == "<inner/>|''|text/html"
    assert r.headers["Content-Type"].startswith("text/html")
    r = apache.get("/psp/embed.psp")
    assert r.text == "A<inner/>B"


def test_psp_flush(apache):
    """run(flush=1) flushes after the page; run() does not (PSP-flush)."""
    assert apache.get("/psp/app/flush").text == "<inner/>|sent=1"
    assert apache.get("/psp/app/noflush").text == "<inner/>|sent=0"


# ---------------------------------------------------------------------------
# Sessions (with a stand-in Session module) and laziness


def test_psp_session_fake(apache):
    """session: created with Session.Session(req) only when the page uses
    it, saved after a good run, unlocked and removed from req at the end;
    a session the caller made is saved and left in place, locked; the
    error page shares the session (PSP-session-auto, PSP-session-save,
    PSP-session-unlock, PSP-error)."""
    r = apache.get("/psp/app/session_fake")
    assert r.status_code == 200
    assert r.text.splitlines() == [
        "sid=True n=1",
        "own: ['created', 'save', 'unlock'] left=False",
        "sid=True n=1",
        "inherited: ['created', 'save'] left=True",
        "main error-page shared=True",
        "error: ['created', 'save', 'unlock'] left=False",
        "none=True attr=False",
        "unused: []",
    ]


def test_psp_session_lazy_import(apache):
    """mod_python.Session is imported only for a page that uses session;
    if it cannot be imported the error says so (PSP-session-auto)."""
    r = apache.get("/psp/app/session_lazy")
    assert r.status_code == 200
    lines = r.text.splitlines()
    assert lines[0] == "none=True attr=False"
    assert lines[1] == "asked=0"
    assert lines[2].startswith("ImportError: ")
    assert "session" in lines[2] and "mod_python.Session" in lines[2]
    assert lines[3] == "asked=1"


# ---------------------------------------------------------------------------
# psp interface: error pages, apply_data, redirect


def test_psp_error_page(apache):
    """On an exception the error page runs with `exception`; output already
    written stays (PSP-error, PSP-iface-error-page)."""
    r = apache.get("/psp/errmain.psp")
    assert r.status_code == 200
    assert words(r.text) == ["okay", "fail", "ValueError", "True"]


def test_psp_error_page_absolute(apache):
    """An error page starting with / is under the document root
    (PSP-iface-error-page)."""
    r = apache.get("/psp/errabs.psp")
    assert r.status_code == 200
    assert words(r.text) == ["okay", "fail", "KeyError", "True"]


def test_psp_error_page_missing_404(apache):
    """A missing error page is 404 when it is set (PSP-iface-error-page)."""
    assert apache.get("/psp/errmissing.psp").status_code == 404


def test_psp_apply_data(apache):
    """psp.apply_data calls a function with the form fields it accepts and
    req (PSP-iface-apply-data)."""
    r = apache.get("/psp/apply.psp?a=1&b=2&zzz=3")
    assert r.status_code == 200
    assert r.text.strip() == "1-2-none-/psp/apply.psp"


def test_psp_redirect(apache):
    """psp.redirect answers 302 (301 if permanent) with Location
    (PSP-iface-redirect)."""
    r = apache.get("/psp/redirect.psp", allow_redirects=False)
    assert r.status_code == 302
    assert r.headers["Location"] == "/psp/hello.psp"
    assert "never" not in r.text
    r = apache.get("/psp/redirect_perm.psp", allow_redirects=False)
    assert r.status_code == 301
    assert r.headers["Location"] == "/psp/hello.psp"


# ---------------------------------------------------------------------------
# Bad pages: clear errors, the child keeps serving


@pytest.mark.log_expected(PSP_ERR)
def test_psp_error_raises_keeps_serving(apache):
    """A page that raises: 500, traceback with the page line in the log,
    none in the response without debug; the same child serves on
    (PSP-error, PSP-handler-run)."""
    with requests.Session() as s:
        pid = int(s.get(apache.url + "/psp/pid.psp").text.split("=")[1])
        r = s.get(apache.url + "/psp/raises.psp")
        assert r.status_code == 500
        assert "ZeroDivisionError" not in r.text
        # httpd closes the connection after a 500; the child lives on
        assert pid in apache.child_pids()
        assert s.get(apache.url + "/psp/pid.psp").status_code == 200
    time.sleep(0.2)
    log = apache.error_log()
    assert re.search(r'psp/raises\.psp", line 3', log)
    assert "ZeroDivisionError" in log


@pytest.mark.log_expected(PSP_ERR)
def test_psp_error_debug_shows_page_line(apache):
    """With PythonDebug On the response shows the page file and line of
    the error, for a runtime error and for an unterminated tag
    (PSP-error, PSP-gen-unterminated)."""
    r = apache.get("/psp/debug/raises.psp")
    assert r.status_code == 500
    assert re.search(r'psp/debug/raises\.psp&quot;, line 3|'
                     r'psp/debug/raises\.psp", line 3', r.text)
    assert "ZeroDivisionError" in r.text
    r = apache.get("/psp/debug/unterminated.psp")
    assert r.status_code == 500
    assert "SyntaxError" in r.text
    assert re.search(r"unterminated\.psp(&quot;|\"), line 2", r.text)
    assert apache.get("/psp/hello.psp").status_code == 200


@pytest.mark.log_expected(PSP_ERR)
def test_psp_error_not_utf8(apache):
    """A page that is not UTF-8: 500, and the error names the page
    (PSP-parse, PSP-ctor-file)."""
    r = apache.get("/psp/debug/latin1.psp")
    assert r.status_code == 500
    assert "UnicodeDecodeError" in r.text
    assert "while translating the PSP page" in r.text
    assert "latin1.psp" in r.text


@pytest.mark.log_expected(PSP_ERR)
def test_psp_error_bad_include(apache):
    """An include that cannot be opened: 500 naming the file; the server
    serves on (PSP-include-missing, PSP-ctor-file)."""
    r = apache.get("/psp/debug/badinclude.psp")
    assert r.status_code == 500
    assert "nosuch-include.html" in r.text
    assert apache.get("/psp/hello.psp").status_code == 200


# ---------------------------------------------------------------------------
# The .psp_ debug view


def test_psp_display_code(apache):
    """With PythonDebug On, page.psp_ shows generated code next to the
    HTML-escaped source, line by line (PSP-handler-debug,
    PSP-display_code)."""
    r = apache.get("/psp/debug/show.psp_")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/html")
    text = r.text
    assert text.startswith("<table>")
    assert "PSP-produced Python Code" in text
    assert "psp/debug/show.psp</tt>" in text
    assert "&lt;b&gt;&amp;amp;&nbsp;&quot;q&quot;&lt;/b&gt;" in text
    assert "<b>" not in text
    # the tab of line 4, as four spaces
    assert "&nbsp;&nbsp;&nbsp;&nbsp;x&nbsp;=&nbsp;&quot;&lt;tab&gt;&quot;" \
        in text
    rows = re.findall(r"<tr><td><tt>(\d+)</tt></td>", text)
    assert rows == [str(n) for n in range(1, len(rows) + 1)]
    assert len(rows) >= 6


def test_psp_display_code_broken_page(apache):
    """The debug view works for a page that does not compile, and is 404
    for a missing page (PSP-handler-debug)."""
    r = apache.get("/psp/debug/syntax.psp_")
    assert r.status_code == 200
    assert "broken&nbsp;" in r.text
    assert apache.get("/psp/debug/nothing.psp_").status_code == 404


def test_psp_display_code_off_without_debug(apache):
    """Without PythonDebug a .psp_ URL is just a missing page: 404, no
    source (PSP-handler-debug)."""
    r = apache.get("/psp/hello.psp_")
    assert r.status_code == 404
    assert "wor" not in r.text


# ---------------------------------------------------------------------------
# Memory cache, reload, precompiled files


def test_psp_cache_mem_hits_and_reload(apache):
    """Pages are cached in memory by path; an edited page is picked up on
    the next request; an edited include alone is not
    (PSP-cache-mem, PSP-cache-reload, PSP-cache-order)."""
    gen = apache.htdocs / "psp" / "gen"
    page = gen / "reload.psp"
    write_page(gen / "reload-inc.html", "inc1")
    write_page(page, 'v1 <%@ include file="reload-inc.html" %>')
    with requests.Session() as s:
        get = lambda path: s.get(apache.url + path).text
        assert get("/psp/gen/reload.psp") == "v1 inc1"
        assert get("/psp/gen/reload.psp") == "v1 inc1"
        info = get("/psp/cacheinfo.psp?gen/reload.psp")
        assert re.match(r"cached=True hits=[1-9]", info)
        write_page(gen / "reload-inc.html", "inc2", bump=5)
        assert get("/psp/gen/reload.psp") == "v1 inc1"
        write_page(page, 'v2 <%@ include file="reload-inc.html" %>', bump=10)
        assert get("/psp/gen/reload.psp") == "v2 inc2"
        assert re.match(r"cached=True hits=0 ",
                        get("/psp/cacheinfo.psp?gen/reload.psp"))


def test_psp_cache_mem_bounded(apache):
    """The memory cache is bounded (PythonOption mod_python.psp.cache_size);
    on overflow the least-hit pages go, and pages keep being served
    (PSP-cache-mem, PSP-handler-options)."""
    small = apache.htdocs / "psp" / "small"
    for n in range(8):
        write_page(small / ("p%d.psp" % n), "page <%%= %d %%>" % n)
    with requests.Session() as s:
        get = lambda path: s.get(apache.url + path).text
        for _ in range(3):
            assert get("/psp/small/p0.psp") == "page 0"
        for n in range(1, 8):
            assert get("/psp/small/p%d.psp" % n) == "page %d" % n
        info = get("/psp/small/info.psp?p0.psp")
        assert re.match(r"cached=True hits=[2-9] len=[1-4] size=4$", info)
        assert get("/psp/small/info.psp?p7.psp").startswith("cached=True")
        assert get("/psp/small/info.psp?p1.psp").startswith("cached=False")
        for n in range(8):
            assert get("/psp/small/p%d.psp" % n) == "page %d" % n
        # back to the default size outside that directory
        assert get("/psp/cacheinfo.psp").endswith("size=512")


def test_psp_cache_concurrent(apache):
    """Many requests at once on pages that overflow a small cache: every
    answer is right (PSP-cache-mem)."""
    from concurrent.futures import ThreadPoolExecutor
    small = apache.htdocs / "psp" / "small"
    for n in range(10):
        write_page(small / ("c%d.psp" % n), "c<%%= %d %%>" % n)

    def fetch(i):
        r = apache.get("/psp/small/c%d.psp" % (i % 10))
        return r.status_code, r.text, i % 10

    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(fetch, range(120)))
    assert all(code == 200 and text == "c%d" % n
               for code, text, n in results)


def test_psp_cache_api(apache):
    """HitsCache/FileCache bounds and mtime checks, the helper functions
    and module state (PSP-api-classes, PSP-api-funcs, PSP-api-globals,
    PSP-parse-wrappers, PSP-cache-mem)."""
    r = apache.get("/psp/app/api")
    assert r.status_code == 200
    lines = r.text.splitlines()
    assert lines[0] == "hits-bounded=4 last=True"
    assert lines[1] == "kept-hit=True dropped=True len=4"
    assert lines[2] == "clean=3"
    assert lines[3] == "fget=True stale=None gone=False"
    assert lines[4] == "split=('/a/b/', 'c.psp') ('', 'c.psp')"
    assert lines[5] == "roundtrip=True"
    assert lines[6] == "str2code-bad=ValueError"
    assert lines[7] == "parse='req.write(\"\"\"<inner/>\"\"\",0)\\n'"
    assert lines[8] == lines[7].replace("parse=", "parse-abs=")
    assert lines[9] == ("parsestring='req.write(\"\"\"x\"\"\",0); "
                        "req.write(str( 1 ),0); req.write(\"\"\"\"\"\",0)\\n'")
    assert lines[10] == "dbmtype=dbm"
    assert lines[11] == "globals=HitsCache FileCache dict True"
    assert lines[12] == "classes=True"


def test_psp_cache_precompiled(apache):
    """A sibling page.psc not older than page.psp is used instead of
    translating; an older or damaged one is ignored
    (PSP-cache-precompiled, PSP-cache-order)."""
    gen = apache.htdocs / "psp" / "gen"
    for name in ("pc_new", "pc_old", "pc_bad"):
        write_page(gen / (name + ".psp"), "from source")
    (gen / "pc_new.psc").write_bytes(
        psc_bytes('req.write("from psc", 0)', str(gen / "pc_new.psp")))
    st = os.stat(gen / "pc_new.psp")
    os.utime(gen / "pc_new.psc", ns=(st.st_atime_ns,
                                     st.st_mtime_ns + 10**9))
    (gen / "pc_old.psc").write_bytes(
        psc_bytes('req.write("from psc", 0)', str(gen / "pc_old.psp")))
    os.utime(gen / "pc_old.psc", ns=(st.st_atime_ns,
                                     st.st_mtime_ns - 10 * 10**9))
    (gen / "pc_bad.psc").write_bytes(b"\0garbage")
    os.utime(gen / "pc_bad.psc", ns=(st.st_atime_ns,
                                     st.st_mtime_ns + 10**9))
    for path in gen.glob("*.psc"):
        os.chmod(path, 0o644)
    assert apache.get("/psp/gen/pc_new.psp").text == "from psc"
    assert apache.get("/psp/gen/pc_old.psp").text == "from source"
    assert apache.get("/psp/gen/pc_bad.psp").text == "from source"


# ---------------------------------------------------------------------------
# dbm cache (own server: the cache file needs a directory the server user
# can write)


@pytest.fixture
def dbm_server(make_apache):
    cachedir = tempfile.mkdtemp(prefix="mp-psp-dbm-")
    os.chmod(cachedir, 0o777)
    conf = """
<Directory {htdocs}/psp/dbm>
    PythonOption mod_python.psp.cache_database_filename %(dir)s/new
    PythonOption mod_python.psp.cache_database_size 4
</Directory>
<Directory {htdocs}/psp/dbmold>
    PythonOption PSPDbmCache %(dir)s/old
</Directory>
""" % {"dir": cachedir}
    server = make_apache(conf, suites=["psp"])
    yield server, cachedir
    for path in glob.glob(os.path.join(cachedir, "*")):
        os.unlink(path)
    os.rmdir(cachedir)


def read_dbm(path):
    with dbm.open(path, "r") as db:
        return {k.decode(): bytes(db[k]) for k in db.keys()}


def test_psp_cache_dbm(dbm_server):
    """With mod_python.psp.cache_database_filename, compiled pages go to
    the dbm file (mtime + marshalled code), not to memory; a stored entry
    is used; an edited page or a damaged entry is recompiled
    (PSP-cache-dbm, PSP-cache-order, PSP-handler-options,
    PSP-cache-reload, DIR-opt-psp-cache)."""
    server, cachedir = dbm_server
    d = server.htdocs / "psp" / "dbm"
    page = d / "one.psp"
    write_page(page, "one <%= 1 %>")
    write_page(d / "info.psp", (server.htdocs / "psp" / "cacheinfo.psp")
               .read_text())
    with requests.Session() as s:
        get = lambda path: s.get(server.url + path).text
        assert get("/psp/dbm/one.psp") == "one 1"
        assert get("/psp/dbm/info.psp?one.psp").startswith("cached=False")
        entries = read_dbm(os.path.join(cachedir, "new"))
        value = entries[str(page)]
        mtime, _stored, data = value.split(b" ", 2)
        assert int(mtime) == os.stat(page).st_mtime_ns
        assert data.startswith(importlib.util.MAGIC_NUMBER)
        marshal.loads(data[len(importlib.util.MAGIC_NUMBER):])

        # an entry we put there is what runs: the dbm is read first
        fake = (b"%d 1 " % os.stat(page).st_mtime_ns
                + psc_bytes('req.write("from dbm", 0)', str(page)))
        with dbm.open(os.path.join(cachedir, "new"), "w") as db:
            db[str(page).encode()] = fake
        for path in glob.glob(os.path.join(cachedir, "*")):
            os.chmod(path, 0o666)
        assert get("/psp/dbm/one.psp") == "from dbm"

        # a damaged entry is a miss, and is replaced
        with dbm.open(os.path.join(cachedir, "new"), "w") as db:
            db[str(page).encode()] = b"12 garbage"
        assert get("/psp/dbm/one.psp") == "one 1"
        assert read_dbm(os.path.join(cachedir, "new"))[str(page)] \
            .startswith(b"%d " % os.stat(page).st_mtime_ns)

        # edited page
        write_page(page, "one edited", bump=5)
        assert get("/psp/dbm/one.psp") == "one edited"


def test_psp_cache_dbm_bounded_and_legacy_name(dbm_server):
    """The dbm cache keeps at most cache_database_size entries; the old
    option name PSPDbmCache works too (PSP-cache-dbm,
    PSP-handler-options, DIR-opt-old-names: PSPDbmCache)."""
    server, cachedir = dbm_server
    d = server.htdocs / "psp" / "dbm"
    for n in range(10):
        write_page(d / ("b%d.psp" % n), "b<%%= %d %%>" % n)
    with requests.Session() as s:
        for n in range(10):
            assert s.get(server.url + "/psp/dbm/b%d.psp" % n).text \
                == "b%d" % n
    entries = read_dbm(os.path.join(cachedir, "new"))
    assert 1 <= len(entries) <= 4
    assert str(d / "b9.psp") in entries
    # concurrent requests share the file under the global mutex
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(8) as pool:
        texts = list(pool.map(
            lambda i: server.get("/psp/dbm/b%d.psp" % (i % 10)).text,
            range(60)))
    assert texts == ["b%d" % (i % 10) for i in range(60)]
    assert len(read_dbm(os.path.join(cachedir, "new"))) <= 4
    write_page(server.htdocs / "psp" / "dbmold" / "old.psp", "old <%= 2 %>")
    assert server.get("/psp/dbmold/old.psp").text == "old 2"
    assert str(server.htdocs / "psp" / "dbmold" / "old.psp") in \
        read_dbm(os.path.join(cachedir, "old"))


# ---------------------------------------------------------------------------
# Without Apache: the caches, serialisation and the PSP class with a
# stand-in request


class FakeReq:
    """Just enough of a request for the PSP class."""

    def __init__(self, filename, options=None):
        self.filename = str(filename)
        self.options = options or {}
        self.server = None
        self.content_type = None
        self.out = []
        self.flushed = 0

    def get_options(self):
        return self.options

    def write(self, text, flush=1):
        self.out.append(text)

    def flush(self):
        self.flushed += 1

    def document_root(self):
        return "/nonexistent-docroot"

    @property
    def text(self):
        return "".join(self.out)


def test_psp_unit_hitscache_equal_hits(tmp_path):
    """Overflowing with code objects of equal hit counts works (the
    original raised TypeError on Python 3); the newest entry stays and the
    size is kept (PSP-cache-mem, PSP-api-classes)."""
    cache = pspmod.HitsCache(size=8)
    for n in range(100):
        cache.store("k%d" % n, compile("x = %d" % n, "c", "exec"))
        assert len(cache) <= 8
        assert "k%d" % n in cache
    cache.get("k99")
    assert cache.hits("k99") == 1
    cache.resize(2)
    assert len(cache) <= 2
    off = pspmod.HitsCache(size=0)
    off.store("a", 1)
    assert off.get("a") is None


def test_psp_unit_filecache_mtime():
    """A file entry is valid only for the same mtime; a stale one is
    dropped (PSP-cache-mem, PSP-cache-reload, PSP-api-classes)."""
    cache = pspmod.FileCache()
    code = compile("x = 1", "f", "exec")
    cache.store("/p.psp", 10, code)
    assert cache.get("/p.psp", 10) is code
    assert cache.get("/p.psp", 11) is None
    assert "/p.psp" not in cache


def test_psp_unit_code2str():
    """code2str/str2code round trip; data of another Python or damaged data
    is refused with ValueError (PSP-api-funcs, PSP-cache-dbm)."""
    code = compile("y = [1, 2]", "page.psp", "exec")
    data = pspmod.code2str(code)
    assert isinstance(data, bytes)
    back = pspmod.str2code(data)
    scope = {}
    exec(back, scope)
    assert scope["y"] == [1, 2] and back.co_filename == "page.psp"
    for bad in (b"", b"xxxx" + data[4:], data[:-3], data[:6],
                importlib.util.MAGIC_NUMBER + marshal.dumps(42)):
        with pytest.raises(ValueError):
            pspmod.str2code(bad)


def test_psp_unit_dbm_cache(tmp_path):
    """dbm cache: stored code comes back for the same mtime only; the
    flavour is remembered; the file is bounded, stale entries going first;
    an unusable cache file is a miss, not an error (PSP-cache-dbm,
    PSP-api-funcs, PSP-api-globals)."""
    db = str(tmp_path / "cache")
    code = compile("z = 3", "p", "exec")
    assert pspmod.dbm_cache_get(None, db, "/p.psp", 5) is None
    assert pspmod.dbm_cache_store(None, db, "/p.psp", 5, code)
    assert db in pspmod.dbm_types
    got = pspmod.dbm_cache_get(None, db, "/p.psp", 5)
    assert got is not None and got.co_code == code.co_code
    assert pspmod.dbm_cache_get(None, db, "/p.psp", 6) is None

    pages = []
    for n in range(6):
        page = tmp_path / ("fresh%d.psp" % n)
        page.write_text("x")
        pages.append(str(page))
    for n in range(6):
        assert pspmod.dbm_cache_store(None, db, pages[n],
                                      os.stat(pages[n]).st_mtime_ns, code,
                                      size=8)
    # 1 stale (/p.psp) + 6 fresh = 7; two more stale ones overflow it
    pspmod.dbm_cache_store(None, db, "/gone1.psp", 1, code, size=8)
    pspmod.dbm_cache_store(None, db, "/gone2.psp", 1, code, size=8)
    with dbm.open(db, "r") as handle:
        keys = {k.decode() for k in handle.keys()}
    # 9 > 8: trimmed to 6 -- both stale entries, then the oldest fresh
    assert "/gone2.psp" in keys            # just stored
    assert "/p.psp" not in keys and "/gone1.psp" not in keys
    assert keys == set(pages[1:]) | {"/gone2.psp"}

    missing = str(tmp_path / "no" / "such" / "dir" / "cache")
    assert not pspmod.dbm_cache_store(None, missing, "/p.psp", 5, code)
    assert pspmod.dbm_cache_get(None, missing, "/p.psp", 5) is None


def test_psp_unit_page_class(tmp_path):
    """The PSP class without httpd: file pages relative to req.filename,
    string pages, vars, run(flush=1), the memory cache, str() and a
    missing page (PSP-ctor-source, PSP-ctor-file, PSP-ctor-string,
    PSP-run, PSP-flush, PSP-str, PSP-cache-order)."""
    (tmp_path / "inc.html").write_text("[inc]")
    page = tmp_path / "page.psp"
    page.write_text('<%@ include file="inc.html" %> <%= who %>')
    req = FakeReq(tmp_path / "request-target")
    p = pspmod.PSP(req, "page.psp", vars={"who": "ctor"})
    assert p.filename == str(page)
    p.run({"who": "run"}, flush=1)
    assert req.text == "[inc] run" and req.flushed == 1
    again = pspmod.PSP(req, str(page), vars={"who": "x"})
    assert again.code is p.code             # memory cache
    req.out = []
    assert str(again) == "" and req.text == "[inc] x"
    assert req.content_type == "text/html"

    req.out = []
    s = pspmod.PSP(req, string="<%= 2 * 21 %>")
    s.run()
    assert req.text == "42" and s.code.co_filename == "__psp__"
    with pytest.raises(FileNotFoundError):
        pspmod.PSP(req, "missing.psp")


def test_psp_unit_error_page_and_session_laziness(tmp_path, monkeypatch):
    """Error page gets `exception`; a page without `session` never imports
    mod_python.Session; one with it gets a clear ImportError when the
    module is missing (PSP-error, PSP-session-auto)."""
    (tmp_path / "main.psp").write_text(
        'okay <% psp.set_error_page("err.psp") %><% 1 / 0 %>')
    (tmp_path / "err.psp").write_text("fail <%= exception[0].__name__ %>")
    (tmp_path / "uses.psp").write_text("<%= session %>")
    req = FakeReq(tmp_path / "x")
    pspmod.PSP(req, "main.psp").run()
    assert req.text.split() == ["okay", "fail", "ZeroDivisionError"]

    asked = []

    class Blocker:
        def find_spec(self, name, path=None, target=None):
            if name == "mod_python.Session":
                asked.append(name)
                raise ModuleNotFoundError("blocked", name=name)

    monkeypatch.delitem(sys.modules, "mod_python.Session", raising=False)
    monkeypatch.setattr(sys, "meta_path", [Blocker()] + sys.meta_path)
    pspmod.PSP(req, "main.psp").run()
    assert asked == []
    with pytest.raises(ImportError, match="mod_python.Session"):
        pspmod.PSP(req, "uses.psp").run()
    assert asked == ["mod_python.Session"]


def test_psp_unit_display_code(tmp_path):
    """display_code: one row per generated line with the source line,
    both escaped (PSP-display_code)."""
    (tmp_path / "v.psp").write_text('<i>"x"</i>\n<%\nif 1:\n\ty = 1\n%>\n')
    req = FakeReq(tmp_path / "v.psp")
    pspmod.PSP(req).display_code()
    text = req.text
    assert "&lt;i&gt;&quot;x&quot;&lt;/i&gt;" in text
    assert "&nbsp;&nbsp;&nbsp;&nbsp;y&nbsp;=&nbsp;1" in text
    assert text.count("<tr>") == 1 + len(
        pspmod.parse(str(tmp_path / "v.psp")).splitlines())
