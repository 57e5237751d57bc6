"""Handlers of the apamod suite: /apamod/<name>/... runs t_<name>(req),
and so does /apamod/other-interp/<name> (another interpreter)."""
import ast
import importlib.util
import inspect
import json
import os
import sys
import tempfile
import threading
import time
import types

import _apache
from mod_python import apache


def handler(req):
    parts = req.uri.split("/")
    name = parts[3] if parts[2] in ("other-interp", "deps") else parts[2]
    return globals()["t_" + name.replace("-", "_")](req)


def text(req, s):
    req.content_type = "text/plain"
    req.write(s)
    return apache.OK


def send_json(req, obj):
    req.content_type = "application/json"
    req.write(json.dumps(obj))
    return apache.OK


def error_of(func, *args, **kw):
    """[exception type name, message] of func(*args, **kw), or None."""
    try:
        func(*args, **kw)
    except Exception as exc:
        return [type(exc).__name__, str(exc)]
    return None


# ---- imports (APA-import, APA-import-deps) ----

def t_import(req):
    import mod_python
    return send_json(req, {
        "builtin": "_apache" in sys.builtin_module_names,
        "same_module": apache._apache is sys.modules["_apache"],
        "package_attr": mod_python.apache is apache,
        "interpreter": req.interpreter,
    })


def t_deps(req):
    names = ["sys", "traceback", "time", "os", "pdb", "stat", "inspect",
             "importlib", "types", "_apache", "threading"]
    modules = {n: getattr(getattr(apache, n, None), "__name__", None)
               for n in names}
    return send_json(req, {
        "modules": modules,
        "escape": apache.escape("<&>"),
        "path_entry": sys.path[1],
        "interpreter": req.interpreter,
    })


# ---- module_mtime, resolve_object ----

def t_mtime(req):
    d = tempfile.mkdtemp(prefix="apamod-")
    py = os.path.join(d, "apamod_fake.py")
    with open(py, "w") as f:
        f.write("x = 1\n")
    with open(py + "c", "wb") as f:
        f.write(b"")
    os.utime(py, (1000000, 2000000))
    os.utime(py + "c", (1000000, 1500000))
    out = {}
    with_pyc = types.ModuleType("apamod_fake")
    with_pyc.__file__ = py + "c"
    before = time.time()
    out["pyc_older"] = apache.module_mtime(with_pyc)
    out["check_set"] = before <= with_pyc.__mtime_check__ <= time.time()
    os.utime(py + "c", (1000000, 2500000))
    out["pyc_newer"] = apache.module_mtime(with_pyc)
    plain = types.ModuleType("apamod_fake2")
    plain.__file__ = py
    out["py_only"] = apache.module_mtime(plain)
    gone = types.ModuleType("apamod_fake3")
    gone.__file__ = os.path.join(d, "missing.py")
    out["missing"] = apache.module_mtime(gone)
    nofile = types.ModuleType("apamod_fake4")
    out["no_file"] = apache.module_mtime(nofile)
    out["no_file_check_set"] = hasattr(nofile, "__mtime_check__")
    for name in os.listdir(d):
        os.unlink(os.path.join(d, name))
    os.rmdir(d)
    return send_json(req, out)


def t_resolve(req):
    mod = apache.import_module("apamod_targets")
    resolve = apache.resolve_object
    made = mod.Greeter.made
    method = resolve(mod, "Greeter.greet", arg="A")
    return send_json(req, {
        "file": mod.__file__,
        "nested": resolve(mod, "nested.deep.value"),
        "method": method(),
        "instances_made": mod.Greeter.made - made,
        "bare_class": resolve(mod, "Greeter") is mod.Greeter,
        "missing_first": error_of(resolve, mod, "nope"),
        "missing_first_dotted": error_of(resolve, mod, "nope.deeper"),
        "missing_later": error_of(resolve, mod, "nested.nope"),
        "silent_first": resolve(mod, "nope", silent=1),
        "silent_later": resolve(mod, "nested.nope.x", silent=1),
        "plain_skips_getattr": error_of(resolve, mod, "dynamic_x"),
        "dotted_uses_getattr": resolve(mod, "dynamic_y.value"),
    })


# ---- CGI helpers (APA-build_cgi_env, APA-setup_cgi, APA-restore_nocgi,
# APA-NullIO, APA-CGIStdin, APA-CGIStdout) ----

def cgienv(req):
    env = apache.build_cgi_env(req)
    env["APAMOD_ADDED"] = "1"
    out = {k: env.get(k) for k in (
        "SCRIPT_NAME", "PATH_INFO", "GATEWAY_INTERFACE", "HTTP_AUTHORIZATION",
        "QUERY_STRING", "REQUEST_METHOD", "HTTP_X_APAMOD", "APAMOD_ADDED")}
    out["type"] = str(type(env))
    out["copy"] = "APAMOD_ADDED" not in req.subprocess_env
    out["cgi_vars_added"] = req.subprocess_env.get("GATEWAY_INTERFACE")
    out["uri"], out["path_info"] = req.uri, req.path_info
    return send_json(req, out)


t_cgienv = cgienv


def t_setup_cgi(req):
    before = dict(os.environ)
    stdin, stdout, argv = sys.stdin, sys.stdout, list(sys.argv)
    saved = apache.setup_cgi(req)
    try:
        info = {
            "saved_environ": saved[0] == before,
            "saved_stdin": saved[1] is stdin,
            "saved_stdout": saved[2] is stdout,
            "stdin": type(sys.stdin).__name__,
            "stdout": type(sys.stdout).__name__,
            "argv": sys.argv,
            "env": {k: os.environ.get(k) for k in (
                "REQUEST_METHOD", "GATEWAY_INTERFACE", "QUERY_STRING",
                "SCRIPT_NAME", "HTTP_X_APAMOD", "CONTENT_LENGTH")},
            "body": sys.stdin.read().decode(),
        }
        print("Content-Type: text/plain")
        print("X-Cgi: yes")
        print()
        print(json.dumps(info))
    finally:
        apache.restore_nocgi(*saved)
    restored = {"environ": dict(os.environ) == before,
                "stdin": sys.stdin is stdin, "stdout": sys.stdout is stdout,
                "argv_after": sys.argv}
    sys.argv = argv
    req.write(json.dumps(restored))
    return apache.OK


def t_nullio(req):
    f = apache.NullIO()
    return send_json(req, [
        f.tell(), f.read(), f.read(5), f.readline(), f.readlines(),
        f.write("x"), f.writelines(["a", "b"]), f.isatty(), f.flush(),
        f.close(), f.detach(), f.seek(10), f.tell(),
        issubclass(apache.CGIStdin, apache.NullIO),
        issubclass(apache.CGIStdout, apache.NullIO)])


def t_cgistdin(req):
    """Apply the operations named in the query string to a CGIStdin."""
    f = apache.CGIStdin(req)
    out = []
    for op in req.args.split(","):
        name, _, arg = op.partition(":")
        if name == "buffer":
            f = f.buffer
            continue
        result = getattr(f, name)(*([int(arg)] if arg else []))
        if name == "readlines":
            result = b"".join(result) if all(
                type(x) is bytes for x in result) else None
        out.append([type(result).__name__, len(result),
                    result.hex() if len(result) < 64 else None,
                    hash_of(result), f.tell()])
    return send_json(req, out)


def hash_of(data):
    import hashlib
    return hashlib.sha256(data).hexdigest()


def t_cgistdout(req):
    f = apache.CGIStdout(req)
    variant = req.args or ""
    if variant == "lf":
        f.write("Status: 202\nContent-Type: text/x-apamod\nX-Lf: yes\n"
                "\nlf body")
        return apache.OK
    if variant == "bad":
        try:
            f.write("Content-Type: text/plain\r\nno colon here\r\n\r\n")
        except ValueError as exc:
            req.content_type = "text/plain"
            req.write("ValueError: %s" % exc)
        return apache.OK
    if variant == "buffer":
        f.buffer.write(b"Content-Type: application/octet-stream\r\n\r\n")
        f.buffer.write(bytes(range(256)))
        return apache.OK
    f.write("Status: 201 Created\r\n")
    f.write("Content-")
    f.write("Type: text/x-apamod; charset=utf-8\r\nX-One: 1\r\n")
    f.write(b"X-One: 2\r\n\r\nbody ")
    f.write(b"\xff\xfe ")
    f.write("\u00e9 ")
    f.write(" tell=%d" % f.tell())
    return apache.OK


# ---- init and module data (APA-init, APA-interpreter, APA-main_server,
# APA-_callback, APA-CallBack, APA-_path_cache, ...) ----

def dispatching_callback():
    """The object whose HandlerDispatch called this handler."""
    frame = inspect.currentframe()
    while frame is not None:
        if frame.f_code.co_name == "HandlerDispatch":
            return frame.f_locals.get("self")
        frame = frame.f_back
    return None


def t_init(req):
    # A private copy of mod_python.apache shows what init() does without
    # touching the live one.
    spec = importlib.util.spec_from_file_location("apamod_apache_copy",
                                                  apache.__file__)
    copy = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(copy)
    fresh = [copy.interpreter, copy.main_server, copy._callback]
    argv = sys.argv
    result = copy.init("apamod-probe", req.server)
    after_argv, sys.argv = sys.argv, argv
    sig = inspect.signature(apache._callback.ReportError)
    return send_json(req, {
        "interpreter": apache.interpreter,
        "req_interpreter": req.interpreter,
        "main_server_type": str(type(apache.main_server)),
        "main_server_virtual": apache.main_server.is_virtual,
        "main_server_hostname": apache.main_server.server_hostname,
        "callback_type": type(apache._callback).__name__,
        "dispatched_by_callback": dispatching_callback() is apache._callback,
        "argv": sys.argv,
        "methods": sorted(n for n in ("HandlerDispatch", "ConnectionDispatch",
                                      "ImportDispatch", "ReportError")
                          if callable(getattr(apache._callback, n, None))),
        "report_error_params": [[p.name, repr(p.default)]
                                for p in sig.parameters.values()],
        "copy_before_init": [repr(x) for x in fresh],
        "copy_interpreter": copy.interpreter,
        "copy_main_server": copy.main_server is req.server,
        "copy_returns_callback": result is copy._callback,
        "copy_callback_class": isinstance(result, copy.CallBack),
        "copy_argv": after_argv,
    })


def t_module_data(req):
    return send_json(req, {
        "path_cache": sorted(apache._path_cache),
        "path_cache_type": type(apache._path_cache).__name__,
        "lock": type(apache._path_cache_lock).__name__,
        "lock_acquires": apache._path_cache_lock.acquire(False)
        and (apache._path_cache_lock.release() or True),
        "phase_names": apache._phase_handler_names,
        "status_values": apache._status_values,
    })


# ---- constants ----

def t_constants(req):
    names = [n for n in dir(apache) if n.startswith((
        "AP_MPMQ_", "REQUEST_", "AP_CONN_", "MODULE_MAGIC_"))]
    names += ["CGI_MAGIC_TYPE", "INCLUDES_MAGIC_TYPE",
              "INCLUDES_MAGIC_TYPE3", "DIR_MAGIC_TYPE"]
    out = {n: getattr(apache, n) for n in names}
    out["_apache"] = {n: getattr(_apache, n) for n in dir(_apache)
                      if n.startswith(("AP_CONN_", "MODULE_MAGIC_"))}
    return send_json(req, out)


def t_mpm(req):
    return send_json(req, {
        "answers": {code: apache.mpm_query(code) for code in range(1, 17)},
        "threaded": apache.mpm_query(apache.AP_MPMQ_IS_THREADED),
        "forked": apache.mpm_query(apache.AP_MPMQ_IS_FORKED),
        "same_function": apache.mpm_query is _apache.mpm_query,
        "unknown_code": apache.mpm_query(999),
        "str_arg": error_of(apache.mpm_query, "2"),
        "float_arg": error_of(apache.mpm_query, 2.0),
        "keyword": error_of(_apache.mpm_query, code=2),
        "pid": os.getpid(),
    })


def t_config_tree(req):
    tree = apache.config_tree()
    again = apache.config_tree()
    tree.append(("Injected", "by the handler"))
    tree[0] = ("Changed", "x")
    return send_json(req, {
        "tree": again,
        "unchanged": apache.config_tree() == again,
        "same_function": apache.config_tree is _apache.config_tree,
        "tuple_types": sorted({type(x).__name__ for x in again}),
    })


def t_server_root(req):
    return send_json(req, {
        "root": apache.server_root(),
        "same_function": apache.server_root is _apache.server_root,
    })


def t_defines(req):
    ecd = apache.exists_config_define
    return send_json(req, {
        "defined": ecd("APAMOD_DEFINED"),
        "one_process": ecd("ONE_PROCESS"),
        "undefined": ecd("APAMOD_NOT_DEFINED"),
        "type": type(ecd("APAMOD_DEFINED")).__name__,
        "int_arg": error_of(ecd, 1),
        "bytes_arg": error_of(ecd, b"APAMOD_DEFINED"),
        "same_function": ecd is _apache.exists_config_define,
    })


def t_server_return(req):
    sr = apache.SERVER_RETURN
    if req.args == "raise":
        raise apache.SERVER_RETURN(apache.HTTP_GONE)
    return send_json(req, {
        "same": sr is _apache.SERVER_RETURN,
        "exception": issubclass(sr, Exception),
        "name": "%s.%s" % (sr.__module__, sr.__qualname__),
        "repr": repr(sr),
        "args": sr(1, "2").args,
    })


def t_teapot(req):
    return send_json(req, [apache.HTTP_IM_A_TEAPOT,
                           apache.parse_qs("%E2%98%95=1")
                           if hasattr(apache, "parse_qs") else None])


def t_table(req):
    t = apache.table({"a": "1"})
    t.add("a", "2")
    return send_json(req, {
        "same": apache.table is _apache.table,
        "type": str(_apache.table),
        "headers_in": type(req.headers_in) is _apache.table,
        "new": [type(t) is _apache.table, t.get_all("a")
                if hasattr(t, "get_all") else sorted(t.items())],
        "make_table": apache.make_table is _apache.table,
    })


def t_register_cleanup_errors(req):
    rc = _apache.register_cleanup
    noop = lambda data: None
    return send_json(req, {
        "not_server": error_of(rc, apache.interpreter, None, noop),
        "not_callable": error_of(rc, apache.interpreter, apache.main_server,
                                 42),
        "server_not_request": error_of(req.server.register_cleanup, None,
                                       noop),
        "server_not_callable": error_of(req.server.register_cleanup, req,
                                        "nope"),
    })


# ---- parse_qs / parse_qsl (APC-parse_qs, APC-parse_qsl) ----

def t_parse(req):
    """Run the cases of the request body: a literal list of
    [function name, positional arguments]."""
    cases = ast.literal_eval(req.read().decode())
    out = []
    for name, args in cases:
        try:
            out.append(["ok", getattr(_apache, name)(*args)])
        except Exception as exc:
            out.append([type(exc).__name__, str(exc)])
    req.content_type = "text/plain"
    req.write(repr(out))
    return apache.OK


def t_parse_keyword(req):
    return send_json(req, error_of(_apache.parse_qsl, qs="a=1"))


# ---- version data (APA-ver-*) ----

def t_version(req):
    import mod_python
    import mod_python.version as v
    import platform
    return send_json(req, {
        "all": mod_python.__all__,
        "mp_version": mod_python.mp_version,
        "version": v.version,
        "c_version": _apache.mp_version,
        "fields": {k: getattr(v, k, None) for k in (
            "HTTPD", "HTTPD_VERSION", "APR_VERSION", "LIBEXECDIR",
            "SYSCONFDIR", "TEST_MOD_PYTHON_SO", "TESTHOME", "PYTHON_BIN")},
        "python": platform.python_version(),
        "sys_version": sys.version,
        "imp_in_apache": hasattr(apache, "imp"),
    })


# ---- threads (PH-thread-gil, PH-thread-nested) ----

def t_pid(req):
    return text(req, "pid=%d;" % os.getpid())


def t_slowread(req):
    # Tell the client where we are, then block in req.read() until it
    # sends the rest of the body.
    req.write("pid=%d;" % os.getpid())
    req.flush()
    data = req.read()
    req.write("read=%s;" % data.decode())
    return apache.OK


def t_nested_outer(req):
    req.notes["outer_ident"] = str(threading.get_ident())
    req.notes["outer_interp"] = req.interpreter
    target = req.args or "/apamod/nested-inner"
    req.internal_redirect(target)
    # Python state of the outer handler is intact after the nested run.
    assert req.notes["outer_ident"] == str(threading.get_ident())
    return apache.OK


def t_nested_inner(req):
    prev = req.prev
    return send_json(req, {
        "inner_ident": str(threading.get_ident()),
        "outer_ident": prev.notes.get("outer_ident") if prev else None,
        "outer_interp": prev.notes.get("outer_interp") if prev else None,
        "inner_interp": req.interpreter,
        "apache_interpreter": apache.interpreter,
    })


