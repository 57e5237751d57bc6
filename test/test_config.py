"""Configuration: directives, their contexts and arguments, merging, the
recorded directories and the handler-list object.  Suite: htdocs/config/
(per-directory config in the shared server); server-level config gets
servers of its own (the `server_b` fixture and httpd -t runs)."""
import re
import subprocess
import time

import pytest

from conftest import HTTPD, Apache, wait_log


def getjson(server, path, **kw):
    r = server.get(path, **kw)
    assert r.status_code == 200, (path, r.status_code, r.text[:500])
    return r.json()




# ----------------------------------------------------------------------
# The command table: names, contexts, argument kinds

def directive_table(server):
    """{directive: "where" text} of mod_python.c as `httpd -L` lists it."""
    out = subprocess.run([HTTPD, "-L", "-f", str(server.conf)],
                         env=server.env, capture_output=True, text=True,
                         check=True).stdout
    table = {}
    for m in re.finditer(r"^(\S+) \(mod_python\.c\)\n\t[^\n]*\n\t(.*?)"
                         r"(?=^\S|\Z)", out, re.M | re.S):
        table[m.group(1)] = " ".join(m.group(2).split())
    return table


ANYWHERE = ("Allowed in *.conf anywhere and in .htaccess when "
            "AllowOverride isn't None")
SERVER_ONLY = ("Allowed in *.conf only outside <Directory>, <Files>, "
               "<Location>, or <If>")

# (The filter and connection-handler directives are other suites'
# business; they are only counted here.)
CONTEXTS = {
    "PythonPostReadRequestHandler": SERVER_ONLY,
    "PythonTransHandler": SERVER_ONLY,
    "PythonHeaderParserHandler": ANYWHERE,
    "PythonInitHandler": ANYWHERE,
    "PythonAccessHandler": ANYWHERE,
    "PythonAuthenHandler": ANYWHERE,
    "PythonAuthzHandler": ANYWHERE,
    "PythonTypeHandler": ANYWHERE,
    "PythonFixupHandler": ANYWHERE,
    "PythonHandler": ANYWHERE,
    "PythonLogHandler": ANYWHERE,
    "PythonCleanupHandler": ANYWHERE,
    "PythonHandlerModule": ANYWHERE,
    "PythonImport": SERVER_ONLY,
    "PythonInterpreter": ANYWHERE,
    "PythonInterpPerDirectory": ANYWHERE,
    "PythonInterpPerDirective": ANYWHERE,
    "PythonDebug": ANYWHERE,
    "PythonEnablePdb": ANYWHERE,
    "PythonAutoReload": ANYWHERE,
    "PythonOptimize": SERVER_ONLY,
    "PythonOption": ANYWHERE,
    "PythonPath": ANYWHERE,
    # Beyond the original's 26 (issue 10; install.rst).
    "PythonHome": SERVER_ONLY,
    "PythonVirtualEnv": "Allowed in *.conf anywhere",
}


def test_config_command_table(apache):
    """mod_python.c registers exactly 26 directives, each in its context
    (DIR-mod-count, DIR-mod-ifmodule, DIR-PythonPostReadRequestHandler,
    DIR-PythonTransHandler, DIR-PythonHeaderParserHandler,
    DIR-PythonInitHandler, DIR-PythonAccessHandler, DIR-PythonAuthenHandler,
    DIR-PythonAuthzHandler, DIR-PythonTypeHandler, DIR-PythonFixupHandler,
    DIR-PythonHandler, DIR-PythonLogHandler, DIR-PythonCleanupHandler,
    DIR-PythonHandlerModule, DIR-PythonImport, DIR-PythonInterpreter,
    DIR-PythonInterpPerDirectory, DIR-PythonInterpPerDirective,
    DIR-PythonDebug, DIR-PythonEnablePdb, DIR-PythonAutoReload,
    DIR-PythonOptimize, DIR-PythonOption, DIR-PythonPath), plus the two
    of this implementation for Python environments, PythonHome and
    PythonVirtualEnv (not in .htaccess files)."""
    table = directive_table(apache)
    assert len(table) == 26 + 2
    assert "PythonNoReload" not in table
    for name, where in CONTEXTS.items():
        assert table[name] == where, name
    for name in ("PythonConnectionHandler", "PythonInputFilter",
                 "PythonOutputFilter"):
        assert name in table


def config_test(conf):
    """Run `httpd -t` on a server config with `conf` added; (rc, stderr)."""
    server = Apache(conf, suites=[])
    try:
        r = subprocess.run([HTTPD, "-t", "-f", str(server.conf)],
                           env=server.env, capture_output=True, text=True)
        return r.returncode, r.stderr
    finally:
        server.cleanup()


@pytest.mark.parametrize("directive", ["PythonPostReadRequestHandler",
                                       "PythonTransHandler"])
def test_config_early_phases_reject_ext(directive):
    """`| .ext` is a config error for the phases before URI translation
    (DIR-syntax-ext-phases)."""
    rc, err = config_test("%s config_x | .py\n" % directive)
    assert rc != 0
    assert '%s does not accept "| .ext" syntax.' % directive in err
    rc, err = config_test("PythonHeaderParserHandler config_x | .py\n"
                          "%s config_x\n" % directive)
    assert rc == 0, err


@pytest.mark.parametrize("conf, message", [
    # Server-only directives inside a section.
    ("<Location /x>\nPythonPostReadRequestHandler config_x\n</Location>",
     "not allowed in"),
    ("<Location /x>\nPythonTransHandler config_x\n</Location>",
     "not allowed in"),
    ("<Directory /tmp>\nPythonImport config_x main_interpreter\n"
     "</Directory>", "not allowed in"),
    ("<Location /x>\nPythonOptimize On\n</Location>", "not allowed in"),
    # FLAG arguments are On or Off.
    ("PythonDebug maybe", "must be On or Off"),
    ("PythonAutoReload 1", "must be On or Off"),
    # TAKE2 / TAKE12 / TAKE1 counts.
    ("PythonImport config_x", "takes two arguments"),
    ("PythonOption a b c", "takes 1-2 arguments"),
    ("PythonInterpreter a b", "takes one argument"),
    # The 2.x directive is gone.
    ("PythonNoReload On", "Invalid command 'PythonNoReload'"),
])
def test_config_rejected(conf, message):
    """Directives outside their context or with the wrong arguments stop
    httpd -t (DIR-PythonImport, DIR-PythonOptimize, DIR-PythonDebug,
    DIR-PythonAutoReload, DIR-PythonOption, DIR-PythonInterpreter,
    DIR-PythonNoReload, DIR-mod-load)."""
    rc, err = config_test(conf + "\n")
    assert rc != 0
    assert message in err


# ----------------------------------------------------------------------
# PythonOption

def test_config_options_set_unset_merge(apache):
    """PythonOption stores strings; a key alone or "" unsets; the more
    specific value wins; get_options() drops empty keys; keys are
    case-insensitive; TAKE12 strips quotes (DIR-PythonOption,
    DIR-merge-options, DIR-mod-ifmodule)."""
    parent = getjson(apache, "/config/options/")["options"]
    assert parent["config.top"] == "top-value"
    assert parent["config.masked"] == "parent-value"
    assert parent["config.spaced key"] == "spaced value"
    child = getjson(apache, "/config/options/child/")
    opts = child["options"]
    assert opts["config.top"] == "top-from-child"
    assert opts["config.child"] == "child-value"
    assert opts["config.spaced key"] == "spaced value"     # inherited
    assert "config.masked" not in opts
    assert "config.empty" not in opts
    assert "" not in opts.values()
    assert child["mixed"] == "mixed-value"


# ----------------------------------------------------------------------
# Flags, PythonPath, get_config()

def test_config_flags_merge(apache):
    """FLAG/TAKE1 values: the more specific section wins, get_config()
    shows flags as "1"/"0" (DIR-merge-flags, DIR-get_config-keys,
    DIR-PythonDebug, DIR-PythonAutoReload, DIR-PythonEnablePdb,
    DIR-PythonInterpreter, DIR-PythonPath)."""
    parent = getjson(apache, "/config/flags/")
    conf = parent["config"]
    assert conf["PythonDebug"] == "1"
    assert conf["PythonAutoReload"] == "0"
    assert conf["PythonEnablePdb"] == "1"
    assert conf["PythonInterpreter"] == "config_flags_parent"
    assert conf["PythonPath"] == "['%s'] + sys.path" % (
        apache.htdocs / "config")
    assert parent["interpreter"] == "config_flags_parent"
    child = getjson(apache, "/config/flags/child/")
    conf = child["config"]
    assert conf["PythonDebug"] == "0"
    assert conf["PythonAutoReload"] == "1"
    assert conf["PythonEnablePdb"] == "0"
    assert conf["PythonInterpreter"] == "config_flags_child"
    assert conf["PythonPath"] == "['{0}', '{0}/fs'] + sys.path".format(
        apache.htdocs / "config")
    assert child["interpreter"] == "config_flags_child"
    # Never in get_config(): options, handler lists.
    for key in conf:
        assert key in ("PythonPath", "PythonInterpreter", "PythonDebug",
                       "PythonEnablePdb", "PythonAutoReload",
                       "PythonInterpPerDirectory",
                       "PythonInterpPerDirective"), key


@pytest.mark.log_expected(r"PythonHandler config_handlers: ")
def test_config_debug_flag_drives_dispatcher(apache):
    """The dispatcher reads PythonDebug from the merged config: a traceback
    page under On, a plain 500 where a subsection says Off; PythonEnablePdb
    without -DONE_PROCESS changes nothing (PH-py-config, DIR-PythonDebug,
    DIR-PythonEnablePdb)."""
    on = apache.get("/config/flags/?raise")
    assert on.status_code == 500
    assert "config flags raised on purpose" in on.text
    assert on.text.startswith('\n<pre>\nMod_python error: "PythonHandler '
                              'config_handlers"')
    off = apache.get("/config/flags/child/?raise")
    assert off.status_code == 500
    assert "config flags raised on purpose" not in off.text
    assert getjson(apache, "/config/flags/")["traced"] is False


def test_config_python_path_once_per_interpreter(apache):
    """A PythonPath text is evaluated once per interpreter; later edits of
    sys.path are kept; another text is evaluated once more (DIR-PythonPath,
    PH-py-path, PH-interp-isolation)."""
    seen = {}           # pid -> texts served so far
    for url in ["/config/pp/"] * 6 + ["/config/pp/other/"] * 6 + \
            ["/config/pp/"] * 4:
        got = getjson(apache, url)
        assert got["interpreter"] == "config_pp"
        texts = seen.setdefault(got["pid"], [])
        first_time = not texts
        if got["python_path"] not in texts:
            texts.append(got["python_path"])
        # One evaluation per distinct text, in the order first used.
        marks = [1 if "append(1)" in t else 2 for t in texts]
        assert got["evals"] == marks
        assert got["mark"] is (not first_time)
    # The shared interpreter never evaluated these texts.
    assert "config_pp_evals" not in apache.get("/config/flags/").text


def test_config_directory_prepended_without_python_path(apache):
    """Without PythonPath the handler's <Directory> goes to the front of
    sys.path once, and stays (PH-py-path, DIR-ctx-directory)."""
    for _ in range(4):
        got = getjson(apache, "/config-auto/f.txt")
        assert got["directory"] == "%s/" % (apache.htdocs / "config" /
                                            "auto")
        assert got["in_path"] and got["count"] == 1
        assert got["interpreter"] == "config_auto"


# ----------------------------------------------------------------------
# Handler lists: syntax and merging

def test_config_lists_append_then_replace(apache):
    """Repeating a handler directive in one section appends; a more
    specific section replaces the list for that phase only
    (DIR-syntax-append, DIR-merge-handlers, DIR-pit-4, DIR-syntax-list,
    DIR-PythonFixupHandler)."""
    r = apache.get("/config/merge/")
    assert r.text == "one fixup=/config/merge/ two"
    r = apache.get("/config/merge/child/")
    assert r.text == "child fixup=/config/merge/"


@pytest.mark.log_expected(r'PythonHandler "config_handlers::raw"')
def test_config_raw_arguments_keep_quotes(apache):
    """Handler directives are RAW: the quotes become part of the module
    name, so the import fails (DIR-syntax-raw, DIR-syntax-spec)."""
    assert apache.get("/config/raw/").status_code == 500
    log = wait_log(apache, r"No module named '\"config_handlers'")
    assert 'PythonHandler "config_handlers::raw": Traceback' in log


@pytest.mark.log_expected(r"PythonHandler /\S*/config_handlers\.py")
def test_config_module_by_path_is_not_importable(apache):
    """A file path is not a module name: 3.5 imports modules only
    (DIR-syntax-module, PH-imp-paths)."""
    r = apache.get("/config/bypath/")
    assert r.status_code == 500
    wait_log(apache, r"No module named '/\S*/config_handlers'")


def test_config_ext_from_first_dot(apache):
    """`| .py` does not match "a.b.py", whose extension is ".b.py"
    (DIR-pit-5, DIR-syntax-ext-match)."""
    assert apache.get("/config-fs/ext/a.py").text == "ext_py ext=.py"
    got = getjson(apache, "/config-fs/ext/a.b.py")
    assert got["handler"] == "config_handlers::ctx"


# ----------------------------------------------------------------------
# Recorded directories (req.hlist.directory)

def test_config_ctx_location(apache):
    """<Location>: the path as written; <LocationMatch>/<Location ~>: the
    regex; is_location 1 (DIR-ctx-location, DIR-ctx-location-re,
    HL-is_location)."""
    got = getjson(apache, "/config/ctx/loc/x")
    assert got["directory"] == "/config/ctx/loc"
    assert got["is_location"] == 1
    got = getjson(apache, "/config/ctx/locre/x")
    assert got["directory"] == "^/config/ctx/locre"
    assert got["is_location"] == 1
    got = getjson(apache, "/config/ctx/loctilde/x")
    assert got["directory"] == "^/config/ctx/loctilde"
    assert got["is_location"] == 1


def test_config_ctx_directory(apache):
    """<Directory path>: canonical, one trailing slash; <Files> inside is
    skipped (DIR-ctx-directory, DIR-ctx-files, HL-directory)."""
    fs = apache.htdocs / "config" / "fs"
    for url, expected in [("/config-fs/ctx/dir/f.txt", "ctx/dir/"),
                          ("/config-fs/ctx/slash/f.txt", "ctx/slash/"),
                          ("/config-fs/ctx/files/f.txt", "ctx/files/"),
                          ("/config-fs/f.txt", "")]:
        got = getjson(apache, url)
        assert got["directory"] == "%s/%s" % (fs, expected), url
        assert got["is_location"] == 0
    # g.txt is outside the <Files>: the <Directory {suite}/fs> entry.
    got = getjson(apache, "/config-fs/ctx/files/g.txt")
    assert got["directory"] == "%s/" % fs


def test_config_ctx_directory_patterns(apache):
    """Wildcard and regex directories resolve to the shortest matching
    directory of req.filename (DIR-ctx-directory-wild, PH-disp-resolve)."""
    fs = apache.htdocs / "config" / "fs"
    for url, expected in [("/config-fs/ctx/wild1/sub/f.txt", "ctx/wild1/"),
                          ("/config-fs/ctx/re7/sub/f.txt", "ctx/re7/"),
                          ("/config-fs/ctx/dmabc/f.txt", "ctx/dmabc/")]:
        got = getjson(apache, url)
        assert got["directory"] == "%s/%s" % (fs, expected), url
        assert got["is_location"] == 0


def test_config_ctx_htaccess(apache):
    """.htaccess (allowed by any AllowOverride class): the directory of the
    file, also for a <Files> inside it (DIR-ctx-htaccess, DIR-ctx-files,
    DIR-httpd-AllowOverride)."""
    ht = apache.htdocs / "config" / "fs" / "ctx" / "ht"
    for name in ("f.txt", "g.txt"):
        got = getjson(apache, "/config-fs/ctx/ht/" + name)
        assert got["directory"] == "%s/" % ht
        assert got["is_location"] == 0
        assert got["ht"] == "from-htaccess"


def test_config_ctx_dynamic(apache):
    """req.add_handler(phase, handler, dir): dir canonicalised with a
    trailing slash; None without it (DIR-ctx-dynamic)."""
    fs = apache.htdocs / "config" / "fs"
    got = getjson(apache, "/config/req-add/?%s/ctx/../ctx/dir" % fs)
    assert got[0]["directory"] == "%s/ctx/dir/" % fs
    assert got[1]["directory"] is None
    assert [g["is_location"] for g in got] == [0, 0]


# ----------------------------------------------------------------------
# The handler-list object

def test_config_hlist_attributes(apache):
    """req.hlist: handler, directory, is_location, silent, next(), the end
    of the list, repr (HL-handler, HL-directory, HL-is_location, HL-silent,
    HL-next, HL-end, HL-repr)."""
    first, second, end = getjson(apache, "/config/hl/")
    assert first["handler"] == "config_handlers::hl_first"
    assert second["handler"] == "config_handlers::hl_second"
    for entry in (first, second):
        assert entry["directory"] == "/config/hl/"
        assert entry["is_location"] == 1
        assert entry["silent"] == 0
    assert second["repr"] == ("{'handler': 'config_handlers::hl_second', "
                              "'directory': '/config/hl/', "
                              "'is_location': True, 'silent': 0}")
    assert end == {"handler": None, "directory": None, "is_location": None,
                   "silent": None, "repr": end["repr"]}
    assert "None" in end["repr"]


def test_config_hlist_silent_after_other_entry(apache):
    """A PythonHandlerModule entry after an ordinary one stays silent
    (HL-silent, DIR-PythonHandlerModule)."""
    first, module = getjson(apache, "/config/hlmod/")
    assert first["silent"] == 0
    assert module["handler"] == "config_hlmod"
    assert module["silent"] == 1
    assert module["repr"].endswith("'is_location': True, 'silent': 1}")


# ----------------------------------------------------------------------
# <Location> and file mapping

def test_config_location_skips_mapping(apache):
    """Python handlers in a <Location>: no URI-to-file mapping; a more
    specific Location without Python handlers maps again
    (DIR-location-nomap, DIR-merge-location, DIR-pit-6, PH-hook-locmap)."""
    assert getjson(apache, "/config/nomap/x")["filename"] is None
    r = apache.get("/config/nomap-plain/x")
    assert r.headers["X-Config-Plain"] == "yes"
    assert r.json()["filename"].startswith(str(apache.htdocs))


# ----------------------------------------------------------------------
# Phase directives in directory context

def test_config_every_directory_phase(apache):
    """PythonHandlerModule adds its module to every phase, each finding its
    default object: header parser, access, authen, authz, type, fixup,
    content, log, cleanup, in httpd's order (DIR-PythonHandlerModule,
    DIR-PythonHeaderParserHandler, DIR-PythonAccessHandler,
    DIR-PythonAuthenHandler, DIR-PythonAuthzHandler, DIR-PythonTypeHandler,
    DIR-PythonFixupHandler, DIR-PythonHandler, DIR-PythonLogHandler,
    DIR-PythonCleanupHandler, DIR-httpd-SetHandler)."""
    r = apache.get("/config/phases/", auth=("config-user", "secret"))
    assert r.status_code == 200, r.text
    got = r.json()
    # httpd 2.4 merges <Location> sections before URI translation, so a
    # Location-level module also gets the translation phase; Init runs
    # where the module is configured (see DIR-PythonInitHandler tests).
    trace = [p for p in got["trace"]
             if p not in ("PythonInitHandler", "PythonTransHandler")]
    assert trace == ["PythonHeaderParserHandler", "PythonAccessHandler",
                     "PythonAuthenHandler", "PythonAuthzHandler",
                     "PythonTypeHandler", "PythonFixupHandler",
                     "PythonHandler"]
    assert got["content_type"] == "application/x-config-trace"
    assert got["user"] == "config-user"
    log = wait_log(apache, r"config_phases cleanup: PythonCleanupHandler")
    lines = re.findall(r"config_phases log: (.*)", log)
    assert any(line.endswith("PythonFixupHandler PythonHandler "
                             "PythonLogHandler") for line in lines)
    # Post-read-request runs on server-level config only.
    assert not any("PythonPostReadRequestHandler" in line for line in lines)


def test_config_directory_phase_results(apache):
    """Authen's 401 asks for credentials, access's 403 denies
    (DIR-PythonAuthenHandler, DIR-PythonAccessHandler)."""
    r = apache.get("/config/phases/", auth=("config-user", "bad"))
    assert r.status_code == 401
    assert 'realm="config realm"' in r.headers["WWW-Authenticate"]
    r = apache.get("/config/phases/?deny",
                   auth=("config-user", "secret"))
    assert r.status_code == 403


def test_config_handler_module_silent_phases(apache):
    """A HandlerModule with only some phase functions: the others are
    skipped silently (no error, no UnboundLocalError); with none at all
    every phase declines and httpd serves the file
    (DIR-PythonHandlerModule, PH-py-silent-none, HL-silent)."""
    r = apache.get("/config-fs/phases-some/f.txt")
    assert r.status_code == 200
    assert r.json() == ["PythonFixupHandler", 1, "PythonHandler", 1]
    r = apache.get("/config-fs/phases-none/f.txt")
    assert r.status_code == 200
    assert r.text == "static phases-none\n"


def test_config_cleanup_handler_needs_python_request(apache):
    """PythonCleanupHandler runs after the response when a Python handler
    made the request object, and not for a request Python never saw
    (DIR-PythonCleanupHandler, DIR-pit-3)."""
    assert apache.get("/config/cleanup/").text == "content ran"
    wait_log(apache, r"config cleanup ran for /config/cleanup/")
    r = apache.get("/config-fs/cleanup-only/f.txt")
    assert r.text == "static f.txt\n"
    time.sleep(0.3)
    assert "cleanup ran for /config-fs/cleanup-only" not in \
        apache.error_log()


def test_config_handler_names(apache):
    """SetHandler python-program is the legacy name for mod_python;
    AddHandler maps by extension (DIR-httpd-SetHandler,
    DIR-httpd-AddHandler, DIR-mod-handlername)."""
    assert getjson(apache, "/config/legacy/")["handler"] == "python-program"
    assert apache.get("/config-fs/addh/a.py").text == "addhandler a.py"
    assert apache.get("/config-fs/addh/b.txt").text == "static b.txt\n"


# ----------------------------------------------------------------------
# Server and virtual-host level: a server of its own

SERVER_B = """
PythonPath "['{htdocs}/config'] + sys.path"
PythonOption config.srv main
PythonOption config.srv2 main2
PythonOption config.srvempty
PythonAutoReload Off
PythonOptimize Off
PythonInitHandler config_srv::init
PythonPostReadRequestHandler config_srv::postread config_srv
PythonTransHandler config_srv
<Location /config-b/>
    SetHandler mod_python
    PythonHandler config_srv
    PythonOption config.dir dirval
</Location>
<Directory {htdocs}/config/b>
    SetHandler mod_python
    PythonHandler config_srv
</Directory>

<VirtualHost 127.0.0.1:{port}>
    ServerName va.test
</VirtualHost>
<VirtualHost 127.0.0.1:{port}>
    ServerName vb.test
    PythonDebug On
    PythonEnablePdb On
    PythonOption config.srv2 vhost2
    PythonPostReadRequestHandler config_srv::postread_vhost
    <Location /config-b/>
        PythonDebug Off
    </Location>
</VirtualHost>
<VirtualHost 127.0.0.1:{port}>
    ServerName vc.test
    PythonInterpreter config_vc
    PythonInterpPerDirectory On
    PythonInterpPerDirective On
</VirtualHost>
"""


@pytest.fixture(scope="module")
def server_b():
    server = Apache(SERVER_B, suites=[]).start()
    yield server
    server.cleanup()


def vhost_json(server, host, path="/config-b/"):
    r = server.get(path, headers={"Host": host})
    assert r.status_code == 200, r.text
    return r.json()


def test_config_server_level_phases(server_b):
    """Init and post-read-request handlers written at server level run for
    every request, Init first, with no recorded directory; stacked entries
    find their default object (DIR-PythonInitHandler,
    DIR-PythonPostReadRequestHandler, DIR-PythonTransHandler,
    DIR-ctx-server, DIR-syntax-spec)."""
    got = vhost_json(server_b, "va.test")
    names = [t[0] for t in got["trace"]]
    assert names == ["init", "postread", "postreadrequesthandler", "trans"]
    phases = [t[1] for t in got["trace"]]
    assert phases == ["PythonInitHandler", "PythonPostReadRequestHandler",
                      "PythonPostReadRequestHandler", "PythonTransHandler"]
    for _, _, directory, is_location, interp, _ in got["trace"]:
        assert directory is None
        assert is_location == 0
        assert interp == "va.test"
    assert got["interpreter"] == "va.test"


def test_config_vhost_replaces_server_list(server_b):
    """A <VirtualHost> list replaces the server's for that phase; the other
    phases are inherited (DIR-merge-handlers, DIR-merge-server)."""
    got = vhost_json(server_b, "vb.test")
    assert [t[0] for t in got["trace"]] == ["init", "postread_vhost",
                                            "trans"]


def test_config_trans_handler_maps_uri(server_b):
    """A translation handler that returns OK decides req.filename; httpd's
    own mapping is skipped and <Directory> config of that file applies
    (DIR-PythonTransHandler)."""
    r = server_b.get("/config-b-trans/t.txt", headers={"Host": "va.test"})
    assert r.status_code == 200
    got = r.json()
    assert got["filename"] == str(server_b.htdocs / "config" / "b" /
                                  "t.txt")
    assert got["trace"][-1][0] == "trans"


def test_config_server_get_config(server_b):
    """server.get_config(): server and vhost level only; req.get_config()
    adds the sections: vhost PythonDebug On + directory Off -> server "1",
    request "0" (SRV-get_config, DIR-merge-server, DIR-get_config-keys,
    DIR-PythonOptimize)."""
    path = "['%s/config'] + sys.path" % server_b.htdocs
    a = vhost_json(server_b, "va.test")
    assert a["server_config"] == {"PythonPath": path,
                                  "PythonAutoReload": "0"}
    assert a["config"] == {"PythonPath": path, "PythonAutoReload": "0"}
    b = vhost_json(server_b, "vb.test")
    assert b["server_config"] == {"PythonPath": path,
                                  "PythonAutoReload": "0",
                                  "PythonDebug": "1",
                                  "PythonEnablePdb": "1"}
    assert b["config"]["PythonDebug"] == "0"
    assert b["config"]["PythonEnablePdb"] == "1"
    # Each phase reads the config merged so far: post-read-request sees
    # the server's; httpd 2.4 merges <Location>s before URI translation.
    assert [t[5] for t in b["trace"]] == ["1", "1", "0"]
    # PythonInterpPerDirectory never reaches the server config.
    c = vhost_json(server_b, "vc.test")
    assert c["server_config"] == {"PythonPath": path,
                                  "PythonAutoReload": "0",
                                  "PythonInterpreter": "config_vc",
                                  "PythonInterpPerDirective": "1"}
    assert c["config"]["PythonInterpPerDirectory"] == "1"
    assert c["interpreter"] == "config_vc"


def test_config_server_get_options(server_b):
    """server.get_options(): server-level options overlaid by the vhost's,
    empty values kept; req.get_options() adds section options and drops
    empty ones (SRV-get_options, DIR-merge-server, DIR-merge-options)."""
    a = vhost_json(server_b, "va.test")
    assert a["server_options"] == {"config.srv": "main",
                                   "config.srv2": "main2",
                                   "config.srvempty": ""}
    b = vhost_json(server_b, "vb.test")
    assert b["server_options"] == {"config.srv": "main",
                                   "config.srv2": "vhost2",
                                   "config.srvempty": ""}
    assert b["options"] == {"config.srv": "main", "config.srv2": "vhost2",
                            "config.dir": "dirval"}


def test_config_server_options_are_live(server_b):
    """Changing server.get_options() lasts for the process (SRV-get_options).
    """
    seen = set()
    for _ in range(12):
        got = vhost_json(server_b, "va.test", "/config-b/?mutate")
        if got["pid"] in seen:
            assert got["before"] == str(got["pid"])
        seen.add(got["pid"])
    assert len(seen) < 12
