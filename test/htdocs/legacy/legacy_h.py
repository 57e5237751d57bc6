"""Handlers of the legacy suite."""
from mod_python import apache


def mark(req):
    req.marker = "post-read in " + req.interpreter
    return apache.OK


def show_mark(req):
    req.write("%s|%s" % (req.interpreter, getattr(req, "marker", None)))
    return apache.OK


def handler(req):
    name = req.uri.split("/")[2].replace("-", "_")
    return globals()["t_" + name](req)


def t_removed(req):
    hl = req.hlist
    req.write(repr([hasattr(apache, "modules_graph"),
                    hasattr(apache, "request_modules_graph"),
                    hasattr(apache, "PROG_TRACEBACK"),
                    hasattr(hl, "location"),
                    isinstance(req.finfo, tuple),
                    "mod_python.importer" in __import__("sys").modules]))
    return apache.OK


def t_report_fails(req):
    def broken(*args):
        raise ZeroDivisionError("log_error broken on purpose")
    req.log_error = broken          # shadows the method for this request
    raise ValueError("the original error")


def _late(data):
    apache.log_error("legacy-late %s" % data, apache.APLOG_NOTICE)


def _outer(data):
    apache.log_error("legacy-outer %s" % data, apache.APLOG_NOTICE)
    try:
        data_req.register_cleanup(_late, data)
    except Exception as exc:            # request over: refused cleanly
        apache.log_error("legacy-late-refused %s %s" % (
            data, type(exc).__name__), apache.APLOG_NOTICE)


data_req = None


def t_late(req):
    global data_req
    data_req = req
    req.register_cleanup(_outer, req.args)
    req.write("ok")
    return apache.OK


def bad_cleanup(req):
    if req.uri.startswith("/lg/cleanup-raises"):
        raise RuntimeError("cleanup handler failed on purpose")
    return apache.OK


def t_cleanup_raises(req):
    req.write("ok")
    return apache.OK
