"""Core dispatch: handlers run, errors are contained, state persists,
interpreters are separate, modules reload.  Suite: htdocs/core/."""
import collections
import concurrent.futures
import time

import pytest
import requests


def test_core_hello(apache):
    """A PythonHandler writes the response (DIR-PythonHandler,
    PH-hook-handler, REQ-write, DIR-mod-handlername)."""
    r = apache.get("/core/hello")
    assert r.status_code == 200
    assert r.text == "Hello!"
    assert r.headers["Content-Type"].startswith("text/plain")


def test_core_server_tokens(apache):
    """The Server header names mod_python and Python (PH-start-tokens)."""
    server = apache.get("/core/hello").headers["Server"]
    assert "mod_python/3.5.0" in server
    assert "Python/3." in server


@pytest.mark.log_expected(r"PythonHandler core_handlers: ")
def test_core_exception_gives_500_and_child_keeps_serving(apache):
    """An uncaught exception: 500, traceback in error_log, and the next
    request is served (PH-err-log, PH-err-nodebug, PH-py-except)."""
    r = apache.get("/core/raise")
    assert r.status_code == 500
    assert "raised on purpose" not in r.text      # no traceback leaks
    time.sleep(0.2)
    log = apache.error_log()
    assert "PythonHandler core_handlers: Traceback" in log
    assert "ValueError: raised on purpose" in log
    for _ in range(5):
        assert apache.get("/core/hello").text == "Hello!"


@pytest.mark.log_expected(r"PythonHandler core_handlers: ")
def test_core_debug_page_escapes_traceback(apache):
    """With PythonDebug On the traceback is sent, HTML-escaped
    (PH-err-debug, DIR-PythonDebug)."""
    r = apache.get("/core/debug/")
    assert r.status_code == 500
    assert r.headers["Content-Type"].startswith("text/html")
    assert r.text.startswith('\n<pre>\nMod_python error: "PythonHandler '
                             'core_handlers"\n\n')
    assert "&lt;b&gt;raised&lt;/b&gt; with debug" in r.text
    assert "<b>" not in r.text
    assert r.text.endswith("</pre>\n")


def test_core_module_global_persists(apache):
    """Module globals survive between requests of one process
    (SEED-benefit-persistence, PH-imp-cache)."""
    counts = collections.defaultdict(list)
    for _ in range(20):
        pid, n = apache.get("/core/counter").text.split()
        counts[pid].append(int(n))
    for pid, seen in counts.items():
        assert seen == sorted(seen)
        assert len(set(seen)) == len(seen)
    assert max(len(s) for s in counts.values()) > 1
    assert max(max(s) for s in counts.values()) >= 10 // len(counts)


def test_core_named_interpreters_are_separate(apache):
    """A global set in one interpreter is not seen in another
    (PH-interp-isolation, DIR-PythonInterpreter, PH-interp-visible)."""
    a = apache.get("/core/interp-a/?alpha").text.split()
    assert a[:2] == ["core_interp_a", "core_interp_a"]
    b = apache.get("/core/interp-b/?beta").text.split()
    assert b[:2] == ["core_interp_b", "core_interp_b"]
    # After setting, each interpreter sees only its own value (in every
    # process that has served it once).
    for _ in range(6):
        apache.get("/core/interp-a/?alpha")
        apache.get("/core/interp-b/?beta")
    for _ in range(6):
        assert apache.get("/core/interp-a/").text.split()[2] in ("alpha",
                                                                 "None")
        assert apache.get("/core/interp-b/").text.split()[2] in ("beta",
                                                                 "None")


def test_core_default_interpreter_is_server_name(apache):
    """Default interpreter name = ServerName (PH-interp-select,
    PH-interp-default)."""
    assert apache.get("/core/interp/").text.split()[0] == "localhost"


def test_core_threadlocal_belongs_to_one_thread(apache):
    """A threading.local value is only seen on the OS thread that set it
    (PH-thread-tstate, PH-thread-mpm)."""
    for _ in range(30):
        seen, ident = apache.get("/core/threadlocal").text.split()
        assert seen in ("None", ident)


@pytest.mark.parametrize("code", [404, 403, 410, 503])
def test_core_return_http_status(apache, code):
    """An HTTP_* return gives httpd's error response (PH-ret-http)."""
    assert apache.get("/core/status?%d" % code).status_code == code


def test_core_return_declined_falls_through(apache):
    """DECLINED lets httpd's default handler answer (PH-ret-declined):
    under <Location> with no file it is a 404."""
    assert apache.get("/core/declined").status_code == 404


def test_core_return_done(apache):
    """DONE ends the request as answered (PH-ret-done)."""
    r = apache.get("/core/done")
    assert r.status_code == 200
    assert r.text == "done early"


def test_core_server_return(apache):
    """SERVER_RETURN(code) and SERVER_RETURN(code, status)
    (PH-sr-raise, PH-sr-two, APA-SERVER_RETURN, PH-sr-type)."""
    assert apache.get("/core/server-return").status_code == 403
    r = apache.get("/core/server-return-two")
    assert r.status_code == 202
    assert r.text == "custom body"


def test_core_custom_error_body(apache):
    """req.status + body + OK gives a custom error page (PH-ret-status)."""
    r = apache.get("/core/custom-error")
    assert r.status_code == 404
    assert r.text == "my own 404 page"


@pytest.mark.log_expected(r"PythonHandler core_handlers: ")
def test_core_non_integer_result_is_an_error(apache):
    """A handler must return an int (PH-py-type)."""
    assert apache.get("/core/nonint").status_code == 500
    time.sleep(0.1)
    assert "returned invalid return code" in apache.error_log()


def test_core_handler_spec_forms(apache):
    """module, module::callable, module::Class.method (DIR-syntax-spec,
    PH-resolve-fast, PH-resolve-dotted, PH-resolve-class)."""
    assert apache.get("/core/spec/callable").text == "other callable"
    assert apache.get("/core/spec/method").text == "greetings from core"


def test_core_stacked_handlers(apache):
    """Entries run left to right while they return OK; DECLINED stops
    the content phase (DIR-syntax-list, PH-stack-handler, PH-py-stack)."""
    assert apache.get("/core/spec/stack").text == "one two"
    r = apache.get("/core/spec/stack-declined")
    assert r.text.startswith("declined ")
    assert "two" not in r.text


@pytest.mark.log_expected(r"PythonHandler core_handlers::no_such_thing",
                          r"PythonHandler no_such_module_anywhere")
def test_core_missing_object_or_module(apache):
    """A missing object or module is a 500 with the reason logged
    (PH-resolve-fast, PH-py-import)."""
    assert apache.get("/core/spec/missing").status_code == 500
    assert apache.get("/core/spec/nomodule").status_code == 500
    time.sleep(0.1)
    log = apache.error_log()
    assert "contains no 'no_such_thing'" in log
    assert "No module named 'no_such_module_anywhere'" in log


def test_core_handler_by_extension(apache):
    """`| .ext` lists are used exclusively for their extension, taken from
    the first dot (DIR-syntax-ext, DIR-syntax-ext-match, REQ-attr-extension,
    PH-disp-ext, PH-disp-lookup)."""
    assert apache.get("/core-ext/a.py").text == "py ext=.py"
    assert apache.get("/core-ext/b.tar.gz").text == "tar.gz ext=.tar.gz"
    assert apache.get("/core-ext/c.txt").text == "plain ext=None"
    assert apache.get("/core-ext/noext").text == "plain ext=None"


def test_core_import_module(apache):
    """apache.import_module returns the cached module (APA-import_module,
    PH-imp-api, PH-imp-new)."""
    assert apache.get("/core/import-module").text == "helper value True"


def _rewrite(path, version):
    text = path.read_text()
    for old in ("one", "two", "three"):
        text = text.replace('VERSION = "%s"' % old, 'VERSION = "%s"' % version)
    path.write_text(text)


def test_core_autoreload_reexecutes_changed_module(apache):
    """A changed handler module is re-executed (PH-imp-check, PH-imp-do,
    PH-imp-regress, PH-imp-mtime, DIR-PythonAutoReload)."""
    path = apache.htdocs / "core" / "core_reloadable.py"
    for _ in range(4):
        assert apache.get("/core/reload/").text == "one"
    _rewrite(path, "two")
    deadline = time.time() + 10
    while time.time() < deadline:
        if all(apache.get("/core/reload/").text == "two" for _ in range(6)):
            break
        time.sleep(0.3)
    else:
        pytest.fail("module was not reloaded")


def test_core_autoreload_off_keeps_module(apache):
    """PythonAutoReload Off never checks the file (PH-imp-noauto)."""
    path = apache.htdocs / "core" / "core_reloadable_off.py"
    # One keep-alive connection: the process that imported the module is
    # the one asked again (a new prefork child would import afresh).
    with requests.Session() as session:
        url = apache.url + "/core/noreload/"
        for _ in range(4):
            assert session.get(url).text == "one"
        _rewrite(path, "three")
        time.sleep(2.2)
        for _ in range(6):
            assert session.get(url).text == "one"


def test_core_concurrent_first_import(apache):
    """Requests arriving while a handler module is still being imported
    wait for it instead of finding it half-executed, and it is executed
    once (PH-imp-lock, PH-imp-new).  Under prefork the requests go to
    different processes, each importing it once."""
    # The import takes 0.5 s: requests come in waves during it.
    with concurrent.futures.ThreadPoolExecutor(9) as pool:
        futures = []
        for wave in (1, 4, 4):
            futures += [pool.submit(apache.get, "/core/slowimport/")
                        for _ in range(wave)]
            time.sleep(0.15)
        answers = [f.result() for f in futures]
    assert [r.status_code for r in answers] == [200] * 9
    assert {r.text for r in answers} == {"loaded 1"}
