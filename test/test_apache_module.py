"""mod_python.apache and the built-in _apache: imports, functions, CGI
helpers, module data, constants, parse_qs, version data, and the GIL
around blocking calls.  Suite: htdocs/apamod/."""
import ast
import hashlib
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time

import pytest

from conftest import Apache, MODULE_SO, MPM, PACKAGE, ROOT

THREADED = MPM in ("event", "worker")


def httpd_include_dir():
    for apxs in ("apxs", "apxs2"):
        path = shutil.which(apxs)
        if path:
            out = subprocess.run([path, "-q", "INCLUDEDIR"],
                                 capture_output=True, text=True).stdout
            if out.strip():
                return out.strip()
    return "/usr/include/apache2"


def header_defines(name):
    """#define NAME value pairs of one of httpd's headers."""
    text = open(os.path.join(httpd_include_dir(), name)).read()
    return {m.group(1): ast.literal_eval(m.group(2)) for m in re.finditer(
        r'^#define\s+(\w+)\s+(-?\d+|"[^"\\]*")\s', text, re.M)}


# ---- imports ----

def test_apamod_import_inside_httpd(apache):
    """_apache is a built-in module of every interpreter of the httpd
    process; mod_python.apache imports it (APA-import)."""
    for path in ("/apamod/import", "/apamod/other-interp/import"):
        info = apache.get(path).json()
        assert info["builtin"] and info["same_module"]
        assert info["package_attr"]
    assert apache.get("/apamod/other-interp/import").json()[
        "interpreter"] == "apamod_other"


def test_apamod_import_outside_httpd():
    """Outside httpd the package and mod_python.version import, apache
    does not (APA-import, APA-import-pkg, VER-import)."""
    code = ("import mod_python, mod_python.version as v;"
            "print(hasattr(mod_python, 'apache'), v.version,"
            " mod_python.mp_version)\n"
            "try:\n from mod_python import apache\n"
            "except ImportError as e:\n print('ImportError', e.name)\n")
    out = subprocess.run([sys.executable, "-c", code],
                         env=dict(os.environ, PYTHONPATH=str(PACKAGE.parent)),
                         capture_output=True, text=True, cwd="/")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:2] == ["False 3.5.0 3.5.0",
                                          "ImportError _apache"]


def test_apamod_import_deps_visible_to_python_path(apache):
    """mod_python.apache imports sys, traceback, time, os, pdb, stat,
    inspect, importlib, types, _apache, threading and escape, and a
    PythonPath expression can use them (APA-import-deps, DIR-PythonPath)."""
    info = apache.get("/apamod/deps/deps").json()
    assert info["interpreter"] == "apamod_deps"
    assert info["modules"] == {n: n for n in (
        "sys", "traceback", "time", "os", "pdb", "stat", "inspect",
        "importlib", "types", "_apache", "threading")}
    assert info["escape"] == "&lt;&amp;&gt;"
    assert info["path_entry"] == ("sys-traceback-time-os-pdb-stat-inspect-"
                                  "importlib-types-_apache-threading&lt;")


# ---- module_mtime, resolve_object ----

def test_apamod_module_mtime(apache):
    """module_mtime: the newest of __file__ and __file__ minus its last
    character, existing files only, 0 without a file; sets
    __mtime_check__ (APA-module_mtime)."""
    assert apache.get("/apamod/mtime").json() == {
        "pyc_older": 2000000, "check_set": True, "pyc_newer": 2500000,
        "py_only": 2000000, "missing": 0, "no_file": 0,
        "no_file_check_set": True}


def test_apamod_resolve_object(apache):
    """resolve_object walks a dotted path, instantiating classes met on
    the way with `arg`; missing first part -> AttributeError naming the
    module file; silent -> None (APA-resolve_object, PH-resolve-fast,
    PH-resolve-dotted, PH-resolve-class)."""
    info = apache.get("/apamod/resolve").json()
    where = info["file"]
    assert where.endswith("apamod_targets.py")
    assert info["nested"] == 42
    assert info["method"] == "hello A"
    assert info["instances_made"] == 1
    assert info["bare_class"] is True
    message = "module '%s' contains no 'nope'" % where
    assert info["missing_first"] == ["AttributeError", message]
    assert info["missing_first_dotted"] == ["AttributeError", message]
    assert info["missing_later"][0] == "AttributeError"
    assert "contains no" not in info["missing_later"][1]
    assert info["silent_first"] is None and info["silent_later"] is None
    # A plain name is looked up in the module __dict__ only; a dotted
    # path's first step uses getattr (so module __getattr__ applies).
    assert info["plain_skips_getattr"] == [
        "AttributeError", "module '%s' contains no 'dynamic_x'" % where]
    assert info["dotted_uses_getattr"] == "got dynamic_y"


# ---- CGI helpers ----

def test_apamod_build_cgi_env(apache):
    """build_cgi_env: a copy of subprocess_env after add_cgi_vars, with
    SCRIPT_NAME = uri minus path_info, GATEWAY_INTERFACE Python-CGI/1.1
    and the Authorization header (APA-build_cgi_env)."""
    r = apache.get("/apamod-files/script.py/extra/path?x=1",
                   headers={"X-Apamod": "hi"}, auth=("user", "pw"))
    env = r.json()
    assert env["uri"] == "/apamod-files/script.py/extra/path"
    assert env["path_info"] == "/extra/path"
    assert env["SCRIPT_NAME"] == "/apamod-files/script.py"
    assert env["PATH_INFO"] == "/extra/path"
    assert env["GATEWAY_INTERFACE"] == "Python-CGI/1.1"
    assert env["HTTP_AUTHORIZATION"] == "Basic dXNlcjpwdw=="
    assert env["QUERY_STRING"] == "x=1"
    assert env["REQUEST_METHOD"] == "GET"
    assert env["HTTP_X_APAMOD"] == "hi"
    assert env["type"] == "<class 'mp_table'>"
    assert env["copy"] is True and env["APAMOD_ADDED"] == "1"
    # add_cgi_vars ran on the request itself.
    assert env["cgi_vars_added"] == "CGI/1.1"
    # No path_info, no Authorization: the whole uri is the script.
    env = apache.get("/apamod/cgienv").json()
    assert env["SCRIPT_NAME"] == "/apamod/cgienv"
    assert env["HTTP_AUTHORIZATION"] is None


def test_apamod_setup_cgi_and_restore(apache):
    """setup_cgi puts the CGI variables into os.environ, a CGIStdin and a
    CGIStdout in sys.stdin/stdout and empties sys.argv; restore_nocgi puts
    each stream back where it was and the environment as it was
    (APA-setup_cgi, APA-restore_nocgi, APA-CGIStdout)."""
    r = apache.post("/apamod/setup-cgi?q=1", data=b"the body",
                    headers={"X-Apamod": "cgi"})
    assert r.status_code == 200
    assert r.headers["X-Cgi"] == "yes"
    assert r.headers["Content-Type"] == "text/plain"
    first, second = r.text.strip().split("\n")
    info = json.loads(first)
    assert info["saved_environ"] and info["saved_stdin"]
    assert info["saved_stdout"]
    assert info["stdin"] == "CGIStdin" and info["stdout"] == "CGIStdout"
    assert info["argv"] == []
    assert info["env"] == {
        "REQUEST_METHOD": "POST", "GATEWAY_INTERFACE": "Python-CGI/1.1",
        "QUERY_STRING": "q=1", "SCRIPT_NAME": "/apamod/setup-cgi",
        "HTTP_X_APAMOD": "cgi", "CONTENT_LENGTH": "8"}
    assert info["body"] == "the body"
    restored = json.loads(second)
    assert restored == {"environ": True, "stdin": True, "stdout": True,
                        "argv_after": []}


def test_apamod_nullio(apache):
    """NullIO reads nothing and swallows writes (APA-NullIO)."""
    assert apache.get("/apamod/nullio").json() == [
        0, "", "", "", [], None, None, 0, None, None, None, None, 0,
        True, True]


@pytest.mark.parametrize("ops", [
    "read",
    "read:10,readline,readline:5,readline:200000,read:70000,readlines",
    "readline,readline,read:0,read:1,readlines,read,readline",
    "buffer,read:65535,read:2,readline:3,read",
])
def test_apamod_cgistdin_is_bytes(apache, ops):
    """CGIStdin reads the request body as bytes, in 64 KiB blocks, like a
    binary file would (APA-CGIStdin)."""
    lines = [b"line %d %s\n" % (i, b"x" * (i * 37 % 300))
             for i in range(1500)]
    body = b"".join(lines) + b"\x00\xff tail without newline"
    assert len(body) > 3 * 65536
    got = apache.post("/apamod/cgistdin?" + ops, data=body).json()
    model = io.BytesIO(body)
    want = []
    for op in ops.split(","):
        name, _, arg = op.partition(":")
        if name == "buffer":
            continue
        result = getattr(model, name)(*([int(arg)] if arg else []))
        if name == "readlines":
            result = b"".join(result)
        want.append(["bytes", len(result),
                     result.hex() if len(result) < 64 else None,
                     hashlib.sha256(result).hexdigest(), model.tell()])
    assert got == want


def test_apamod_cgistdout_headers_then_body(apache):
    """CGIStdout gathers header lines up to the blank line (also when
    split across writes): Status -> status, Content-Type -> content_type,
    others added to headers_out; the rest is the body, str as UTF-8 and
    bytes unchanged; tell() counts bytes (APA-CGIStdout)."""
    r = apache.get("/apamod/cgistdout")
    assert r.status_code == 201
    assert r.headers["Content-Type"] == "text/x-apamod; charset=utf-8"
    assert r.headers["X-One"] == "1, 2"
    head = (b"Status: 201 Created\r\nContent-Type: text/x-apamod; "
            b"charset=utf-8\r\nX-One: 1\r\nX-One: 2\r\n\r\n")
    body = b"body \xff\xfe \xc3\xa9 "
    assert r.content == body + b" tell=%d" % (len(head) + len(body))


def test_apamod_cgistdout_variants(apache):
    """A bare LF blank line ends the headers too; a header line without a
    colon is a ValueError; sys.stdout.buffer-style bytes writes work
    (APA-CGIStdout)."""
    r = apache.get("/apamod/cgistdout?lf")
    assert r.status_code == 202
    assert r.headers["Content-Type"] == "text/x-apamod"
    assert r.headers["X-Lf"] == "yes"
    assert r.text == "lf body"
    r = apache.get("/apamod/cgistdout?bad")
    assert r.text == "ValueError: invalid CGI header line: 'no colon here'"
    r = apache.get("/apamod/cgistdout?buffer")
    assert r.headers["Content-Type"] == "application/octet-stream"
    assert r.content == bytes(range(256))


# ---- init, dispatcher, module data ----

def test_apamod_init_and_module_data(apache):
    """init(name, server) sets interpreter, main_server and sys.argv and
    returns the CallBack kept as _callback, whose HandlerDispatch runs the
    handlers (APA-init, APA-interpreter, APA-main_server, APA-_callback,
    APA-CallBack, PH-interp-setup)."""
    for path, name in (("/apamod/init", "localhost"),
                       ("/apamod/other-interp/init", "apamod_other")):
        info = apache.get(path).json()
        assert info["interpreter"] == info["req_interpreter"] == name
        assert info["main_server_type"] == "<class 'mp_server'>"
        assert info["main_server_virtual"] == 0
        assert info["main_server_hostname"] == "localhost"
        assert info["callback_type"] == "CallBack"
        assert info["dispatched_by_callback"] is True
        assert info["argv"] == ["mod_python"]
        assert info["methods"] == ["ConnectionDispatch", "HandlerDispatch",
                                   "ImportDispatch", "ReportError"]
        assert info["report_error_params"] == [
            ["etype", "<class 'inspect._empty'>"],
            ["evalue", "<class 'inspect._empty'>"],
            ["etb", "<class 'inspect._empty'>"],
            ["req", "None"], ["filter", "None"], ["srv", "None"],
            ["phase", "'N/A'"], ["hname", "'N/A'"], ["debug", "0"]]
        assert info["copy_before_init"] == ["None", "None", "None"]
        assert info["copy_interpreter"] == "apamod-probe"
        assert info["copy_main_server"] is True
        assert info["copy_returns_callback"] is True
        assert info["copy_callback_class"] is True
        assert info["copy_argv"] == ["mod_python"]


def test_apamod_module_data(apache):
    """_path_cache holds the PythonPath texts evaluated in this
    interpreter (with its lock); _phase_handler_names and _status_values
    drive the dispatcher (APA-_path_cache, APA-_phase_handler_names,
    APA-_status_values, PH-py-default)."""
    info = apache.get("/apamod/module_data").json()
    assert "['%s'] + sys.path" % (apache.htdocs / "apamod") in \
        info["path_cache"]
    assert info["path_cache_type"] == "set"
    assert info["lock"] == "lock" and info["lock_acquires"] is True
    phases = ["PostReadRequest", "Trans", "HeaderParser", "Init", "Access",
              "Authen", "Authz", "Type", "Fixup", "", "Log", "Cleanup"]
    assert info["phase_names"] == {"Python%sHandler" % p: "%shandler"
                                   % p.lower() for p in phases}
    ok, declined = 0, -1
    status = info["status_values"]
    assert status["handler"] == [ok]
    assert status["transhandler"] == [declined]
    assert status["authenhandler"] == [declined]
    assert sorted(status["accesshandler"]) == [declined, ok]
    assert set(status) >= set(info["phase_names"].values()) - {
        "cleanuphandler"}


# ---- functions backed by httpd ----

def test_apamod_constants_match_httpd_headers(apache):
    """The MPM query codes and answers, magic content types, request body
    policies, AP_CONN_* and the module magic numbers are httpd's own
    (APA-AP_MPMQ-results, APA-AP_MPMQ-codes, APA-MAGIC_TYPE,
    APA-REQUEST_BODY, APA-AP_CONN, APC-AP_CONN, APA-MODULE_MAGIC,
    APC-MODULE_MAGIC, APA-ver-platform)."""
    got = apache.get("/apamod/constants").json()
    mpm = header_defines("ap_mpm.h")
    httpd = header_defines("httpd.h")
    mmn = header_defines("ap_mmn.h")
    for name in ("AP_MPMQ_NOT_SUPPORTED", "AP_MPMQ_STATIC",
                 "AP_MPMQ_DYNAMIC", "AP_MPMQ_MAX_DAEMON_USED",
                 "AP_MPMQ_IS_THREADED", "AP_MPMQ_IS_FORKED",
                 "AP_MPMQ_HARD_LIMIT_DAEMONS", "AP_MPMQ_HARD_LIMIT_THREADS",
                 "AP_MPMQ_MAX_THREADS", "AP_MPMQ_MIN_SPARE_DAEMONS",
                 "AP_MPMQ_MIN_SPARE_THREADS", "AP_MPMQ_MAX_SPARE_DAEMONS",
                 "AP_MPMQ_MAX_SPARE_THREADS", "AP_MPMQ_MAX_REQUESTS_DAEMON",
                 "AP_MPMQ_MAX_DAEMONS"):
        assert got.pop(name) == mpm[name], name
    for name in ("CGI_MAGIC_TYPE", "INCLUDES_MAGIC_TYPE",
                 "INCLUDES_MAGIC_TYPE3", "DIR_MAGIC_TYPE", "REQUEST_NO_BODY",
                 "REQUEST_CHUNKED_ERROR", "REQUEST_CHUNKED_DECHUNK"):
        assert got.pop(name) == httpd[name], name
    conn = {"AP_CONN_UNKNOWN": 0, "AP_CONN_CLOSE": 1, "AP_CONN_KEEPALIVE": 2}
    magic = {"MODULE_MAGIC_NUMBER_MAJOR": mmn["MODULE_MAGIC_NUMBER_MAJOR"],
             "MODULE_MAGIC_NUMBER_MINOR": mmn["MODULE_MAGIC_NUMBER_MINOR"]}
    assert got.pop("_apache") == dict(conn, **magic)
    assert got == dict(conn, **magic)
    # Built against httpd 2.4 (APA-ver-platform).
    assert magic["MODULE_MAGIC_NUMBER_MAJOR"] >= 20111130


def test_apamod_mpm_query(apache):
    """mpm_query asks httpd's MPM; IS_THREADED tells a threaded MPM from
    prefork; any int code passes through; non-int -> TypeError
    (APA-mpm_query, APC-mpm_query, PH-thread-mpm, OBJ-positional)."""
    info = apache.get("/apamod/mpm").json()
    answers = {int(k): v for k, v in info["answers"].items()}
    static, dynamic, not_supported = 1, 2, 0
    assert info["threaded"] == (static if THREADED else not_supported)
    assert info["forked"] == dynamic
    assert answers[2] == info["threaded"]
    if MPM in ("event", "worker"):
        assert answers[6] == 16             # ThreadsPerChild
        assert answers[4] == 2              # ServerLimit
        assert answers[12] == 2             # MaxRequestWorkers / threads
    else:
        assert answers[12] == 16            # MaxRequestWorkers
    assert answers[14] == (1 if MPM == "event" else 0)   # IS_ASYNC
    assert answers[13] == 1                 # MPM_STATE: running
    assert info["unknown_code"] == 0
    assert info["same_function"] is True
    message = ["TypeError", "The argument must be an integer"]
    assert info["str_arg"] == message and info["float_arg"] == message
    assert info["keyword"][0] == "TypeError"


def test_apamod_config_tree(apache):
    """config_tree: httpd's parsed configuration as (name, args) tuples of
    str with args unparsed, each section followed by a list of its
    children; changing the copy changes nothing (APA-config_tree,
    APC-config_tree)."""
    info = apache.get("/apamod/config_tree").json()
    tree = info["tree"]
    assert info["unchanged"] is True and info["same_function"] is True
    # (The tuples and child lists both arrive as JSON lists.)
    assert info["tuple_types"] == ["list", "tuple"]
    top = [tuple(x) for x in tree if len(x) == 2 and isinstance(x[0], str)]
    # (ServerRoot and Define act while httpd reads; they are not kept.)
    assert ("PidFile", '"%s/logs/httpd.pid"' % apache.root) in top
    assert ("Listen", "127.0.0.1:%d" % apache.port) in top
    i = tree.index(["<Location", "/apamod/>"])
    children = tree[i + 1]
    assert ["SetHandler", "mod_python"] in children
    assert ["PythonPath", "\"['%s'] + sys.path\"" % (
        apache.htdocs / "apamod")] in children
    assert ["PythonHandler", "apamod_h"] in children
    # Nested sections nest further.
    j = tree.index(["<Directory", "/>"])
    assert ["Require", "all granted"] in tree[j + 1]


def test_apamod_server_root(apache):
    """server_root() is ServerRoot (APA-server_root, APC-server_root)."""
    assert apache.get("/apamod/server_root").json() == {
        "root": str(apache.root), "same_function": True}


def test_apamod_exists_config_define(apache):
    """exists_config_define sees -D names and Define parameters
    (APA-exists_config_define, APC-exists_config_define)."""
    info = apache.get("/apamod/defines").json()
    assert info["defined"] is True and info["type"] == "bool"
    assert info["one_process"] is False and info["undefined"] is False
    assert info["int_arg"][0] == "TypeError"
    assert info["bytes_arg"][0] == "TypeError"
    assert info["same_function"] is True


def test_apamod_server_return(apache):
    """SERVER_RETURN is _apache.SERVER_RETURN, an Exception subclass
    named _apache.SERVER_RETURN (APA-SERVER_RETURN, APC-SERVER_RETURN,
    PH-sr-type)."""
    info = apache.get("/apamod/server_return").json()
    assert info == {"same": True, "exception": True,
                    "name": "_apache.SERVER_RETURN",
                    "repr": "<class '_apache.SERVER_RETURN'>",
                    "args": [1, "2"]}
    assert apache.get("/apamod/server_return?raise").status_code == 410


def test_apamod_table_type(apache):
    """apache.table is _apache.table, the mp_table type of every request
    table (APC-table, APA-table, APA-make_table)."""
    info = apache.get("/apamod/table").json()
    assert info["same"] is True and info["make_table"] is True
    assert info["type"] == "<class 'mp_table'>"
    assert info["headers_in"] is True
    assert info["new"][0] is True


def test_apamod_register_cleanup_errors(apache):
    """_apache.register_cleanup and server.register_cleanup check their
    arguments (APC-register_cleanup, SRV-register_cleanup)."""
    assert apache.get("/apamod/register_cleanup_errors").json() == {
        "not_server": ["ValueError", "second argument must be a server "
                       "object"],
        "not_callable": ["ValueError", "third argument must be a callable "
                         "object"],
        "server_not_request": ["ValueError", "first argument must be a "
                               "request object"],
        "server_not_callable": ["ValueError", "second argument must be a "
                                "callable object"]}


# ---- parse_qs / parse_qsl ----

QSL_CASES = [
    # (input, keep_blank_values, expected pairs)
    ("a=1&b=2;c=3", 0, [("a", "1"), ("b", "2"), ("c", "3")]),
    ("k+ey=va+lue%20x", 0, [("k ey", "va lue x")]),
    ("a%3Db=c%26d%3Be", 0, [("a=b", "c&d;e")]),
    ("x=%2B1+%2b", 0, [("x", "+1 +")]),
    ("k=v=w", 0, [("k", "v=w")]),
    ("a=%zz&b=%4&c=%&d=%%41", 0,
     [("a", "%zz"), ("b", "%4"), ("c", "%"), ("d", "%A")]),
    ("p=%2Fetc%2fpasswd", 0, [("p", "/etc/passwd")]),
    # %00 is kept as a character, never a silent cut (UTIL-qs-unescape).
    ("n=ab%00cd&m%00x=1", 0, [("n", "ab\x00cd"), ("m\x00x", "1")]),
    ("a=&b&c=1", 0, [("c", "1")]),
    ("a=&b&c=1", 1, [("a", ""), ("b", ""), ("c", "1")]),
    ("a&b=2", 1, [("a", ""), ("b", "2")]),
    ("&&a=1;;&b=2&", 0, [("a", "1"), ("b", "2")]),
    ("=v", 0, [("", "v")]),
    ("+=+", 0, [(" ", " ")]),
    ("", 1, []),
    ("%C3%A9=%E2%82%AC", 0, [("\u00e9", "\u20ac")]),
    (b"a=1&b=%FF;c+d=%C3%A9", 0,
     [(b"a", b"1"), (b"b", b"\xff"), (b"c d", b"\xc3\xa9")]),
    (b"k%3D=v%26&e", 1, [(b"k=", b"v&"), (b"e", b"")]),
]


def run_parse(apache, cases):
    r = apache.post("/apamod/parse", data=repr(cases).encode())
    assert r.status_code == 200, r.text
    return ast.literal_eval(r.content.decode("utf-8"))


def test_apamod_parse_qsl(apache):
    """parse_qsl splits at & and ;, turns + into space, splits at the
    first =, percent-decodes key and value separately (malformed escapes
    kept, %00 kept as NUL: UTIL-qs-unescape's build-instead), drops blank values unless asked; str in -> str
    out (UTF-8), bytes in -> bytes out (APC-parse_qsl, APC-parse_qs)."""
    got = run_parse(apache, [["parse_qsl", [qs, keep]]
                             for qs, keep, _ in QSL_CASES])
    assert got == [["ok", want] for _, _, want in QSL_CASES]
    # strict_parsing is accepted and ignored.
    assert run_parse(apache, [["parse_qsl", ["a=1&b", 0, 1]]]) == \
        [["ok", [("a", "1")]]]


def test_apamod_parse_qs(apache):
    """parse_qs maps each key to the list of its values in order, same
    parsing rules (APC-parse_qs)."""
    got = run_parse(apache, [
        ["parse_qs", ["a=1&b=2&a=3;a=&c", 0]],
        ["parse_qs", ["a=1&b=2&a=3;a=&c", 1]],
        ["parse_qs", [b"x=%41&x=b+c&y=%00", 0]],
        ["parse_qs", ["a%26=1&a=2", 0]],
        ["parse_qs", ["", 0]],
    ])
    assert got == [
        ["ok", {"a": ["1", "3"], "b": ["2"]}],
        ["ok", {"a": ["1", "3", ""], "b": ["2"], "c": [""]}],
        ["ok", {b"x": [b"A", b"b c"], b"y": [b"\x00"]}],
        ["ok", {"a&": ["1"], "a": ["2"]}],
        ["ok", {}],
    ]


def test_apamod_parse_qs_rejects(apache):
    """Non-string input and str beyond Latin-1 are TypeErrors; keyword
    arguments are refused (APC-parse_qs, APC-parse_qsl, OBJ-str-in,
    OBJ-positional)."""
    got = run_parse(apache, [
        ["parse_qs", [42]],
        ["parse_qsl", [None]],
        ["parse_qsl", ["a=\u20ac"]],
        ["parse_qs", ["\u0100=1"]],
    ])
    assert [g[0] for g in got] == ["TypeError"] * 4
    assert got[2][1] == got[3][1] == "not an ISO-8859-1 string"
    assert apache.get("/apamod/parse_keyword").json()[0] == "TypeError"


# ---- version data ----

def test_apamod_version_data(apache):
    """mod_python.__all__, mp_version = version.version = the C module's
    compiled-in version = 3.5.0 from mp_version.h, and the build fields of
    mod_python.version describe the running httpd and Python
    (APA-ver-all, APA-ver-mp_version, APA-ver-module, APA-ver-c-numbers,
    APA-ver-maint, VER-version, VER-httpd, VER-python, VER-test)."""
    info = apache.get("/apamod/version").json()
    assert info["all"] == ["apache", "cgihandler", "psp", "publisher",
                           "util", "python22", "version"]
    header = (ROOT / "src" / "include" / "mp_version.h").read_text()
    numbers = [re.search(r"#define MP_VERSION_%s (\d+)" % part,
                         header).group(1)
               for part in ("MAJOR", "MINOR", "PATCH")]
    assert numbers == ["3", "5", "0"]
    assert info["mp_version"] == info["version"] == info["c_version"] == \
        "3.5.0"
    assert info["imp_in_apache"] is False
    fields = info["fields"]
    server = apache.get("/apamod/pid").headers["Server"]
    assert "Apache/%s" % fields["HTTPD_VERSION"] in server
    assert os.access(fields["HTTPD"], os.X_OK)
    assert re.fullmatch(r"\d+\.\d+\.\d+", fields["APR_VERSION"])
    assert os.path.exists(os.path.join(fields["LIBEXECDIR"],
                                       "mod_mpm_%s.so" % MPM))
    assert os.path.isdir(fields["SYSCONFDIR"])
    assert os.path.realpath(fields["TEST_MOD_PYTHON_SO"]) == \
        os.path.realpath(MODULE_SO)
    assert os.path.realpath(fields["TESTHOME"]) == \
        os.path.realpath(ROOT / "test")
    out = subprocess.run([fields["PYTHON_BIN"], "-c",
                          "import sys; print(sys.version)"],
                         capture_output=True, text=True).stdout
    assert out.strip() == info["sys_version"]
    # The 3.5.0.x maintenance additions: HTTP 418 (a constant only: httpd
    # 2.4 has no status line for it) and UTF-8 parse_qs.
    teapot, _ = apache.get("/apamod/teapot").json()
    assert teapot == 418
    assert run_parse(apache, [["parse_qs", ["%E2%98%95=1"]]]) == \
        [["ok", {"\u2615": ["1"]}]]


def test_apamod_version_token(apache):
    """The Server header carries mod_python/<version> and the embedded
    Python's X.Y.Z (APA-ver-token, PH-start-tokens)."""
    info = apache.get("/apamod/version").json()
    server = apache.get("/apamod/pid").headers["Server"]
    assert "mod_python/%s" % info["version"] in server
    assert "Python/%s" % info["python"] in server


def test_apamod_version_mismatch_warns(tmp_path):
    """A package whose version differs from the C module's: a WARNING
    naming both, and requests are still served (APA-ver-mp_version,
    PH-err-version)."""
    srv = Apache("""
<Location /apamod/>
    SetHandler mod_python
    PythonPath "['{htdocs}/apamod'] + sys.path"
    PythonHandler apamod_h
</Location>
""", suites=[])
    try:
        version_py = srv.lib / "mod_python" / "version.py"
        version_py.write_text(version_py.read_text().replace(
            'version = "3.5.0"', 'version = "9.8.7"'))
        srv.start()
        assert srv.get("/apamod/pid").status_code == 200
        log = srv.error_log()
        assert ("mod_python version mismatch, expected '3.5.0', found "
                "'9.8.7'") in log
        assert re.search(r"\[python:warn\].*MP0001", log)
    finally:
        srv.cleanup()


# ---- threads ----

def read_until(sock, pattern, timeout=10):
    deadline = time.time() + timeout
    data = b""
    sock.settimeout(timeout)
    while time.time() < deadline:
        m = re.search(pattern, data)
        if m:
            return data, m
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    raise AssertionError("no %r in %r" % (pattern, data))


def test_apamod_gil_released_while_reading(apache):
    """While one request waits inside req.read() for a slow body, another
    request of the same process runs Python and completes at once: the
    GIL is released around the blocking read (PH-thread-gil,
    PH-thread-mpm)."""
    with socket.create_connection(("127.0.0.1", apache.port)) as s:
        s.sendall(b"POST /apamod/slowread HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Length: 10\r\nConnection: close\r\n\r\nhalf-")
        _, m = read_until(s, rb"pid=(\d+);")
        slow_pid = int(m.group(1))
        time.sleep(0.2)          # the handler is now blocked in req.read()
        same_process = 0
        for _ in range(20):
            started = time.time()
            r = apache.get("/apamod/pid", timeout=5)
            assert time.time() - started < 2
            if int(r.text[4:-1]) == slow_pid:
                same_process += 1
        if THREADED:
            assert same_process > 0
        else:
            assert same_process == 0    # prefork: that child is busy
        s.sendall(b"done!")
        data, _ = read_until(s, rb"read=half-done!;")


def test_apamod_nested_processing(apache):
    """An internal redirect runs the next request's handler nested on the
    same OS thread, in the same or another interpreter, and the outer
    handler carries on afterwards (PH-thread-nested)."""
    for target, interp in (("/apamod/nested-inner", "localhost"),
                           ("/apamod/other-interp/nested-inner",
                            "apamod_other")):
        r = apache.get("/apamod/nested-outer?" + target)
        assert r.status_code == 200
        info = r.json()
        assert info["inner_ident"] == info["outer_ident"]
        assert info["outer_interp"] == "localhost"
        assert info["inner_interp"] == info["apache_interpreter"] == interp
