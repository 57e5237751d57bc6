"""Interpreters: naming, set-up, start-up and child life; finding the
handler object; importing handler modules.  Suite: htdocs/interp/ (in
the shared server); server-level set-ups (PythonImport, PythonOptimize,
virtual hosts, a mismatched or broken package) get servers of their own."""
import concurrent.futures
import os
import re
import shutil
import subprocess
import time

import pytest
import requests

from conftest import (BUILD, HTDOCS, HTTPD, ROOT, Apache, free_port,
                      wait_log)


def getjson(server, path, **kw):
    r = server.get(path, **kw)
    assert r.status_code == 200, (path, r.status_code, r.text[:500])
    return r.json()




def parallel(server, paths, **kw):
    """GET every path at once; the JSON answers in order."""
    with concurrent.futures.ThreadPoolExecutor(len(paths)) as pool:
        return list(pool.map(lambda p: getjson(server, p, **kw), paths))


# ----------------------------------------------------------------------
# Naming and set-up (shared server)

def test_interp_main_is_the_initial_interpreter(apache):
    """main_interpreter is Python's initial interpreter; the name is
    req.interpreter and apache.interpreter (PH-interp-main,
    PH-interp-visible, DIR-PythonInterpreter)."""
    got = getjson(apache, "/interp/main/")
    assert got["interpreter"] == got["apache_interpreter"] == \
        "main_interpreter"
    assert got["interp_id"] == got["main_id"]


def test_interp_named_created_once_and_kept(apache):
    """Another name is a sub-interpreter made on first use and kept for the
    life of the process (PH-interp-create, PH-interp-isolation)."""
    ids = {}
    for _ in range(8):
        got = getjson(apache, "/interp/named/")
        assert got["interpreter"] == "interp_named"
        assert got["interp_id"] != got["main_id"]
        assert ids.setdefault(got["pid"], got["interp_id"]) == \
            got["interp_id"]
    default = getjson(apache, "/interp/")
    assert default["interpreter"] == "localhost"
    if default["pid"] in ids:
        assert default["interp_id"] != ids[default["pid"]]


def test_interp_setup(apache):
    """First use of an interpreter: mod_python.apache imported and
    apache.init() run (interpreter, main_server, sys.argv); Python runs
    with _apache built in and without user site-packages
    (PH-interp-setup, PH-start-pyinit, PH-child-init)."""
    for path in ("/interp/", "/interp/main/", "/interp/named/"):
        got = getjson(apache, path)
        assert got["argv"] == ["mod_python"]
        assert got["apache_interpreter"] == got["interpreter"]
        assert got["main_server"] == "localhost"
        assert got["main_is_virtual"] == 0
        assert got["builtin_apache"] is True
        assert got["no_user_site"] == 1


def test_interp_per_directory(apache):
    """PythonInterpPerDirectory: the directory of req.filename (the
    directory itself when it is one; the parent of a missing file); no
    filename (a <Location> with Python handlers) -> main_interpreter
    (DIR-PythonInterpPerDirectory, PH-interp-select, DIR-location-nomap)."""
    fs = apache.htdocs / "interp" / "fs"
    for url, name in [("/interp-fs/perdir/sub/f.txt", "%s/perdir/sub/"),
                      ("/interp-fs/perdir/sub/", "%s/perdir/sub/"),
                      ("/interp-fs/perdir/nofile", "%s/perdir/")]:
        got = getjson(apache, url)
        assert got["interpreter"] == name % fs, url
    got = getjson(apache, "/interp/perdir-loc/")
    assert got["filename"] is None
    assert got["interpreter"] == "main_interpreter"


def test_interp_per_directive(apache):
    """PythonInterpPerDirective: the directory recorded with the first
    handler (where PythonHandler was written, resolved for wildcards)
    (DIR-PythonInterpPerDirective, PH-interp-select,
    DIR-ctx-directory-wild)."""
    fs = apache.htdocs / "interp" / "fs"
    for url, name in [("/interp/perdirective-inh/", "/interp/"),
                      ("/interp/perdirective-own/",
                       "/interp/perdirective-own/"),
                      ("/interp-fs/perdirective/f.txt", "%s/" % fs),
                      ("/interp-fs/perdirective/own/f.txt",
                       "%s/perdirective/own/" % fs),
                      ("/interp-fs/wd1/sub/f.txt", "%s/wd1/" % fs)]:
        assert getjson(apache, url)["interpreter"] == name, url


def test_interp_naming_precedence(apache):
    """PythonInterpreter beats both flags; PerDirectory beats PerDirective
    (PH-interp-select, DIR-PythonInterpreter)."""
    fs = apache.htdocs / "interp" / "fs"
    assert getjson(apache, "/interp-fs/prec/sub/f.txt")["interpreter"] == \
        "interp_prec"
    assert getjson(apache, "/interp-fs/prec2/sub/f.txt")["interpreter"] == \
        "%s/prec2/sub/" % fs


# ----------------------------------------------------------------------
# Finding the object (shared server)

@pytest.mark.log_expected(r"PythonHandler interp_getattr: ",
                          r"PythonHandler interp_handlers::nosuch\.attr: ",
                          r"PythonHandler interp_handlers::Counter\.nosuch: ")
def test_interp_resolve_missing_objects(apache):
    """A name without a dot is looked up in the module's __dict__ only (a
    module __getattr__ is not asked); a missing first component names the
    module file; a later one is an ordinary AttributeError
    (PH-resolve-fast, PH-resolve-dotted)."""
    interp = apache.htdocs / "interp"
    assert apache.get("/interp/resolve/getattr/").status_code == 500
    assert apache.get("/interp/resolve/first-missing/").status_code == 500
    assert apache.get("/interp/resolve/later-missing/").status_code == 500
    log = wait_log(apache, r"'Counter' object has no attribute 'nosuch'")
    assert ("AttributeError: module '%s/interp_getattr.py' contains no "
            "'handler'" % interp) in log
    assert ("AttributeError: module '%s/interp_handlers.py' contains no "
            "'nosuch'" % interp) in log


def test_interp_resolve_dotted_and_class(apache):
    """A dotted path is walked with getattr; a class on the way is
    instantiated with the request, once per request (PH-resolve-dotted,
    PH-resolve-class, DIR-syntax-spec)."""
    assert getjson(apache, "/interp/resolve/nested/") == {"nested": True}
    made = {}
    for _ in range(5):
        got = getjson(apache, "/interp/resolve/method/")
        assert got["same_req"] is True
        assert got["uri"] == "/interp/resolve/method/"
        assert got["made"] > made.get(got["pid"], 0)
        made[got["pid"]] = got["made"]


@pytest.mark.log_expected(r"PythonHandler interp_handlers::Counter: ",
                          r"PythonHandler interp_handlers::NOT_CALLABLE: ")
def test_interp_resolve_class_and_noncallable(apache):
    """A bare class is not instantiated by the lookup: calling it gives an
    instance, which fails the int check; a non-callable object is a
    TypeError; both 500 (PH-resolve-class, PH-resolve-call)."""
    assert apache.get("/interp/resolve/bare-class/").status_code == 500
    assert apache.get("/interp/resolve/noncallable/").status_code == 500
    log = wait_log(apache, r"NOT_CALLABLE: TypeError: 'NoneType' object "
                   r"is not callable")
    assert re.search(r"Handler 'interp_handlers::Counter' returned invalid "
                     r"return code: <interp_handlers\.Counter object", log)


# ----------------------------------------------------------------------
# import_module (shared server)

def test_interp_import_module_path(apache):
    """With `path`, a cached module whose file is elsewhere is imported
    again from the path; one that is there stays (PH-imp-check,
    PH-imp-api)."""
    for _ in range(3):
        got = getjson(apache, "/interp/imp/?path")
        assert (got["a"], got["b"]) == ("A", "B")
        assert got["b_file"].endswith("/pathB/interp_pathmod.py")
        assert got["b_cached"] is True


def test_interp_import_module_without_file(apache):
    """A cached module without __file__ is imported again; with autoreload
    off the cache is returned as is (PH-imp-check, PH-imp-noauto,
    PH-imp-new)."""
    got = getjson(apache, "/interp/imp/?nofile")
    assert got["from_file"] is True
    assert got["file"].endswith("/interp_nofile.py")
    assert getjson(apache, "/interp/imp/?noauto") == {"same": True}


def test_interp_import_module_mtime(apache):
    """__mtime__ is the file's mtime; __mtime_check__ the time of the last
    check (PH-imp-mtime, PH-imp-cache)."""
    getjson(apache, "/interp/imp/?nofile")
    got = getjson(apache, "/interp/imp/?mtime")
    assert got["mtime"] == got["file_mtime"]
    assert 0 <= got["check_age"] < 5


def test_interp_import_module_dotted(apache):
    """A dotted name: the submodule becomes an attribute of its package
    (PH-imp-do)."""
    got = getjson(apache, "/interp/imp/?dotted")
    assert got == {"value": "sub value", "attribute": True}


def test_interp_import_logged_with_debug(apache):
    """PythonDebug On: each (re)import is logged at NOTICE, with the path
    when one is given (PH-imp-log, PH-py-import)."""
    assert apache.get("/interp/imp/log/").text == "A"
    log = wait_log(apache, r"with path set to")
    assert re.search(r"\[python:notice\] .*mod_python: \(Re\)importing "
                     r"module 'interp_implog_mod'$", log, re.M)
    pattern = (r"\[python:notice\] .*mod_python: \(Re\)importing module "
               r"'interp_pathmod' with path set to '\['%s/pathA'\]'$"
               % re.escape(str(apache.htdocs / "interp")))
    assert re.search(pattern, log, re.M)


def _rewrite(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    # A different mtime even on coarse file systems.
    stamp = time.time() + 2
    os.utime(path, (stamp, stamp))


def test_interp_import_dependencies_not_reloaded(apache):
    """Only the handler module is watched: a changed module it imports is
    not re-imported, even when the handler module itself is (PH-imp-deps).
    """
    interp = apache.htdocs / "interp"
    for _ in range(6):
        assert getjson(apache, "/interp/imp/deps/")["main"] == "main-1"
    changed = time.time()
    _rewrite(interp / "interp_deps_helper.py", "helper-1", "helper-2")
    _rewrite(interp / "interp_deps_main.py", "main-1", "main-2")
    time.sleep(1.2)
    for _ in range(8):
        got = getjson(apache, "/interp/imp/deps/")
        assert got["main"] == "main-2"
        if got["helper_loaded"] < changed:
            assert got["helper"] == "helper-1"
        else:
            assert got["helper"] == "helper-2"


def test_interp_import_lock(apache):
    """Concurrent requests while a slow module is imported, then
    re-imported: each version runs once per process and no request sees it
    half-executed (PH-imp-lock, PH-imp-do)."""
    path = apache.htdocs / "interp" / "interp_slow.py"

    def check(answers, versions):
        for got in answers:
            runs = got["runs"]
            assert len(runs) == len(set(runs)), runs
            assert set(runs) <= set(versions)
            assert got["version"] in versions

    # The interpreter exists, the module is not imported yet.
    parallel(apache, ["/interp/imp/slow-warm/"] * 16)
    check(parallel(apache, ["/interp/imp/slow/"] * 16), ["slow-1"])
    _rewrite(path, "slow-1", "slow-2")
    time.sleep(1.2)
    check(parallel(apache, ["/interp/imp/slow/"] * 16),
          ["slow-1", "slow-2"])
    time.sleep(1.2)
    for got in parallel(apache, ["/interp/imp/slow/"] * 4):
        assert got["version"] == "slow-2"


# ----------------------------------------------------------------------
# Child start: PythonImport, PythonOptimize, virtual-host names

SERVER_C = """
PythonOptimize On
PythonPath "['{htdocs}/interp'] + sys.path"
PythonImport interp_imp_a main_interpreter
PythonImport interp_imp_broken main_interpreter
PythonImport interp_imp_b::setup main_interpreter
PythonImport interp_imp_named second.test
<Location /interp/>
    SetHandler mod_python
    PythonHandler interp_handlers
</Location>
<Location /interp/main/>
    PythonInterpreter main_interpreter
</Location>
<Location /interp/named/>
    PythonInterpreter interp_named
</Location>

<VirtualHost 127.0.0.1:{port}>
    ServerName first.test
    PythonImport interp_imp_vhost main_interpreter
</VirtualHost>
<VirtualHost 127.0.0.1:{port}>
    ServerName second.test
    ServerAlias alias.second.test
</VirtualHost>
Listen 127.0.0.1:PORT2
<VirtualHost 127.0.0.1:PORT2>
    ServerName second.test
</VirtualHost>
"""


@pytest.fixture(scope="module")
def server_c():
    port2 = free_port()
    server = Apache(SERVER_C.replace("PORT2", str(port2)), suites=[])
    server.port2 = port2
    server.start()
    yield server
    server.cleanup()


def host_json(server, host, path="/interp/", port=None):
    url = "http://127.0.0.1:%d%s" % (port or server.port, path)
    r = requests.get(url, headers={"Host": host}, timeout=30)
    assert r.status_code == 200, r.text[:500]
    return r.json()


def test_interp_gilstate_main_interpreter(server_c):
    """On every thread, even one that served a sub-interpreter first, the
    PyGILState API sees the main interpreter's thread state: extensions
    using it work in main_interpreter (PH-interp-gilstate)."""
    parallel(server_c, ["/interp/named/"] * 32)
    for got in parallel(server_c, ["/interp/main/"] * 32):
        assert got["interpreter"] == "main_interpreter"
        assert got["gilstate"] is True


def test_interp_python_import_at_child_start(server_c):
    """Main-server PythonImport entries run in each child at start, last
    written first, `module::func` calling func(); a failing one is logged
    and the child serves on; <VirtualHost> entries never run
    (DIR-PythonImport, PH-pyimport-run, PH-pyimport-fail, PH-child-init,
    DIR-pit-2, PH-interp-import)."""
    pids = set()
    for _ in range(8):
        got = getjson(server_c, "/interp/main/")
        pids.add(got["pid"])
        assert got["imports"] == ["b", "b.setup", "a"]
        assert got["imp_modules"] == ["interp_imp_a", "interp_imp_b",
                                      "interp_imp_log"]
    log = server_c.error_log()
    assert "directive_PythonImport: error importing interp_imp_broken" in log
    assert "ImportError: interp_imp_broken fails on purpose" in log
    assert "interp_imp_vhost" not in log


def test_interp_python_import_named_interpreter(server_c):
    """PythonImport names its interpreter: here the one requests for
    ServerName second.test use (PH-interp-import, DIR-PythonImport)."""
    got = host_json(server_c, "second.test")
    assert got["interpreter"] == "second.test"
    assert got["imports"] == ["named"]
    assert got["imp_modules"] == ["interp_imp_log", "interp_imp_named"]
    got = host_json(server_c, "first.test")
    assert got["imports"] is None


def test_interp_default_name_per_server_name(server_c):
    """Default naming: the ServerName of the virtual host; unknown names go
    to the first vhost, ServerAlias names and another port with the same
    ServerName share its interpreter (PH-interp-default, PH-interp-select,
    PH-interp-setup)."""
    assert host_json(server_c, "first.test")["interpreter"] == "first.test"
    assert host_json(server_c, "unknown.test")["interpreter"] == \
        "first.test"
    ids = {}
    for host, port in [("second.test", None), ("alias.second.test", None),
                       ("second.test", server_c.port2)] * 3:
        got = host_json(server_c, host, port=port)
        assert got["interpreter"] == "second.test"
        assert got["server"] == "second.test"
        # apache.main_server is the main server, whatever the vhost.
        assert got["main_server"] == "localhost"
        assert ids.setdefault(got["pid"], got["interp_id"]) == \
            got["interp_id"]


def test_interp_python_optimize(server_c):
    """PythonOptimize On: the embedded Python runs with optimisation level
    2 (DIR-PythonOptimize, DIR-pit-8)."""
    for path in ("/interp/", "/interp/main/", "/interp/named/"):
        assert getjson(server_c, path)["optimize"] == 2


def test_interp_graceful_restart(server_c):
    """A graceful restart: the config is read again (PythonOptimize Off
    now), new children start Python and run PythonImport again; the
    version tokens are added once (PH-start-twopass, PH-start-pyinit,
    PH-start-tokens, PH-child-init, DIR-PythonOptimize)."""
    def tokens():
        header = server_c.get("/interp/main/").headers["Server"]
        return header.count("mod_python/"), header.count("Python/")

    assert tokens() == (1, 1)
    old = {getjson(server_c, "/interp/main/")["pid"] for _ in range(4)}
    # PythonOptimize is read again too.
    conf = server_c.conf.read_text()
    server_c.conf.write_text(conf.replace("PythonOptimize On",
                                          "PythonOptimize Off"))
    subprocess.run([HTTPD, "-f", str(server_c.conf), "-k", "graceful"],
                   env=server_c.env, check=True)
    deadline = time.time() + 20
    while True:
        try:
            got = getjson(server_c, "/interp/main/")
            if got["pid"] not in old:
                break
        except Exception:
            pass
        assert time.time() < deadline, "no new child after graceful"
        time.sleep(0.2)
    assert got["imports"] == ["b", "b.setup", "a"]
    assert got["optimize"] == 0
    assert tokens() == (1, 1)


# ----------------------------------------------------------------------
# The package: version mismatch, unimportable, child exit

PLAIN = """
PythonPath "['{htdocs}/interp'] + sys.path"
<Location /interp/>
    SetHandler mod_python
    PythonHandler interp_handlers
</Location>
<Location /interp/main/>
    PythonInterpreter main_interpreter
</Location>
"""


def test_interp_version_mismatch_warns(make_apache):
    """A package of another version than the module: a WARNING naming both
    and where the package is; requests are served (PH-err-version,
    PH-interp-setup)."""
    server = Apache(PLAIN, suites=[])
    try:
        version_py = server.lib / "mod_python" / "version.py"
        text = version_py.read_text()
        assert 'version = "3.5.0"' in text
        version_py.write_text(text.replace('version = "3.5.0"',
                                           'version = "9.9.9"'))
        server.start()
        assert getjson(server, "/interp/main/")["interpreter"] == \
            "main_interpreter"
        assert getjson(server, "/interp/")["interpreter"] == "localhost"
        log = wait_log(server, r"version mismatch")
        assert re.search(r"\[python:warn\] .*mod_python version mismatch, "
                         r"expected '3\.5\.0', found '9\.9\.9'\.", log)
        assert str(server.lib / "mod_python") in log
        assert "[python:error]" not in log
    finally:
        server.cleanup()


def test_interp_unimportable_package(make_apache):
    """mod_python.apache cannot be imported: the reason and sys.path are
    logged, the request gets a 500 (PH-err-callback, PH-disp-interp)."""
    server = Apache(PLAIN, suites=[])
    try:
        apache_py = server.lib / "mod_python" / "apache.py"
        apache_py.write_text('raise ImportError("apache.py broken on '
                             'purpose")\n' + apache_py.read_text())
        server.start()
        assert server.get("/interp/").status_code == 500
        log = wait_log(server, r"Python path being used")
        assert "make_obcallback: could not import mod_python.apache." in log
        assert "ImportError: apache.py broken on purpose" in log
        assert re.search(r'make_obcallback: Python path being used "\[.*'
                         + re.escape(repr(str(server.lib))), log)
        # Every request tries again, and fails the same way.
        assert server.get("/interp/main/").status_code == 500
    finally:
        server.cleanup()


def test_interp_child_exit(make_apache):
    """At child exit the apache.register_cleanup() callbacks run, then the
    atexit functions; Python itself is not finalised (PH-child-exit)."""
    conf = PLAIN + """
PythonOption interp.exit_dir {root}/exit
<Location /interp/exit/>
    PythonHandler interp_exit
</Location>
"""
    server = Apache(conf, suites=[])
    try:
        exit_dir = server.root / "exit"
        exit_dir.mkdir()
        exit_dir.chmod(0o777)
        server.start()
        pids = {int(server.get("/interp/exit/").text) for _ in range(6)}
        server.stop()
        written = sorted(p.name for p in exit_dir.iterdir())
        assert written == sorted(["cleanup-%d" % pid for pid in pids]
                                 + ["atexit-%d" % pid for pid in pids])
    finally:
        server.cleanup()


def test_interp_optional_functions(tmp_path):
    """Another httpd module enters interpreters and gets the request,
    server and connection objects through mod_python's optional functions;
    the request object is the one Python handlers of the request see
    (PH-start-optfn)."""
    apxs = shutil.which("apxs") or "/usr/bin/apxs"
    if not os.path.exists(apxs):
        pytest.skip("no apxs")
    include = subprocess.run(
        [BUILD.get("PYTHON_BIN", "/usr/bin/python3"), "-c",
         "import sysconfig; print(sysconfig.get_path('include'))"],
        capture_output=True, text=True, check=True).stdout.strip()
    shutil.copy(HTDOCS / "interp" / "mod_interp_optfn.c", tmp_path)
    r = subprocess.run([apxs, "-c", "-Wc,-Wall", "-I",
                        str(ROOT / "src" / "include"), "-I", include,
                        "mod_interp_optfn.c"],
                       cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "warning:" not in r.stdout + r.stderr
    so = tmp_path / ".libs" / "mod_interp_optfn.so"
    conf = """
LoadModule interp_optfn_module %s
PythonPath "['{htdocs}/interp'] + sys.path"
<Location /optfn/>
    SetHandler interp-optfn
    PythonFixupHandler interp_optfn
</Location>
""" % so
    server = Apache(conf, suites=[]).start()
    try:
        def fields(path):
            r = server.get(path)
            assert r.status_code == 200, r.text
            return dict(f.split("=", 1) for f in r.text.split())

        got = fields("/optfn/?localhost")
        assert got == {"interpreter": "localhost", "uri": "/optfn/",
                       "mark": "fixup-was-here", "server": "localhost",
                       "conn": "mp_conn"}
        got = fields("/optfn/")
        assert got["interpreter"] == "main_interpreter"
        assert got["mark"] == "?"       # another interpreter's object
        assert fields("/optfn/?interp_optfn_new")["interpreter"] == \
            "interp_optfn_new"
        time.sleep(0.1)
        assert "[python:error]" not in server.error_log()
    finally:
        server.cleanup()
