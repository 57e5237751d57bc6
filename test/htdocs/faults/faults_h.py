"""Handlers of the faults suite: each place can raise each kind of fault,
chosen by the query string `kind=...&t=<token>`."""
import os
import time

from mod_python import apache


def _recurse(n):
    return _recurse(n + 1) + 1


def fault(kind):
    if kind == "exc":
        raise ValueError("faults raised on purpose")
    if kind == "exit":
        raise SystemExit(3)
    if kind == "kbd":
        raise KeyboardInterrupt("faults interrupt")
    if kind == "rec":
        _recurse(0)
    if kind == "mem":
        # A real allocation failure, without touching that much memory.
        bytearray(1 << 62)
    raise AssertionError("unknown fault kind %r" % kind)


def _params(args):
    return dict(p.partition("=")[::2] for p in (args or "").split("&"))


def _mark(where, params):
    apache.log_error("faults-at %s %s pid=%d" % (where, params.get("t"),
                                                 os.getpid()),
                     apache.APLOG_NOTICE)


def pid(req):
    req.content_type = "text/plain"
    req.write(str(os.getpid()))
    return apache.OK


def phase(req):
    """For any phase: fault when the query asks for it."""
    params = _params(req.args)
    if "kind" in params:
        _mark(req.phase, params)
        fault(params["kind"])
    return apache.OK


def server_phase(req):
    """For server-level phases: fault only on /faults/<phase>."""
    place = {"PythonPostReadRequestHandler": "/faults/postread",
             "PythonTransHandler": "/faults/trans"}[req.phase]
    if req.uri == place:
        return phase(req)
    return apache.DECLINED


def handler(req):
    params = _params(req.args)
    _mark("handler", params)
    fault(params["kind"])


def echo(req):
    req.content_type = "text/plain"
    req.write(req.read())
    return apache.OK


def hello(req):
    req.content_type = "text/plain"
    req.write("hello from %d" % os.getpid())
    return apache.OK


def infilter(filter):
    params = _params(filter.req.args)
    _mark("infilter", params)
    fault(params["kind"])


def outfilter(filter):
    params = _params(filter.req.args)
    _mark("outfilter", params)
    fault(params["kind"])


def _cleanup(params):
    _mark("cleanup", params)
    fault(params["kind"])


def cleanup(req):
    req.register_cleanup(_cleanup, _params(req.args))
    req.content_type = "text/plain"
    req.write("cleanup registered")
    return apache.OK


def connection(conn):
    """First line: `<kind> <token>`; kind `ok` answers the pid."""
    kind, _, token = conn.readline().decode().strip().partition(" ")
    if kind == "ok":
        conn.write(b"pid %d\n" % os.getpid())
        return apache.OK
    _mark("connection", {"t": token})
    fault(kind)


def stream(req):
    """Write slowly until the client leaves; report what was raised."""
    token = _params(req.args).get("t")
    req.content_type = "text/plain"
    deadline = time.time() + 20
    try:
        while time.time() < deadline:
            req.write(b"x" * 1024 + b"\n")     # flushes
            time.sleep(0.02)
    except OSError as exc:
        apache.log_error("faults-stream %s caught %s oserror=%s" % (
            token, type(exc).__name__, isinstance(exc, OSError)),
            apache.APLOG_NOTICE)
        return apache.OK
    apache.log_error("faults-stream %s never failed" % token,
                     apache.APLOG_NOTICE)
    return apache.OK
