"""Handlers of the dispatch suite."""
from mod_python import apache

kept = []


def record(req, what):
    if req.uri.startswith("/d/"):
        req.__dict__.setdefault("seen", []).append(
            "%s:%s" % (req.phase[len("Python"):-len("Handler")], what))


def declined(req):
    record(req, "declined")
    return apache.DECLINED


def ok(req):
    record(req, "ok")
    return apache.OK


def ok2(req):
    record(req, "ok2")
    return apache.OK


def pr_declined(req):
    return declined(req)


def pr_ok(req):
    return ok(req)


def pr_ok2(req):
    return ok2(req)


def tr_declined(req):
    return declined(req)


def tr_ok(req):
    # Translated: the file is ours to name (PH-ret-ok for trans).
    record(req, "ok")
    req.filename = "/nonexistent" + req.uri
    return apache.OK if req.uri.startswith("/d/") else apache.DECLINED


def tr_never(req):
    record(req, "never")
    return apache.DECLINED


def show(req):
    req.content_type = "text/plain"
    req.write(" ".join(req.__dict__.get("seen", [])))
    return apache.OK


def log_last(req):
    record(req, "ok2")
    req.log_error("dispatch-log %s %s" % (req.args, " ".join(req.seen)),
                  apache.APLOG_NOTICE)
    return apache.OK


def cleanup_never(req):
    req.log_error("dispatch-cleanup-never %s" % req.args,
                  apache.APLOG_NOTICE)
    return apache.OK


none_object = None


def read_body(req):
    data = req.read()
    req.write("read %d" % len(data))
    return apache.OK


def keep_request(req):
    kept.append((req, req.headers_in, req.connection))
    req.write("kept")
    return apache.OK


def use_kept(req):
    out = []
    if not kept:
        return apache.HTTP_NOT_FOUND
    old_req, old_table, old_conn = kept.pop()
    for what, action in (("uri", lambda: old_req.uri),
                         ("write", lambda: old_req.write("x")),
                         ("table", lambda: old_table["Host"]),
                         ("conn", lambda: old_conn.client_ip)):
        try:
            action()
            out.append("%s ok" % what)
        except RuntimeError:
            out.append("%s RuntimeError" % what)
    req.write(", ".join(out))
    return apache.OK


def add_bad(req):
    req.add_handler("PythonHandler", "dispatch_h::no_such_object")
    req.write("first;")
    return apache.OK


def write_after_close(req):
    # An IOError that says "Write failed" is not shown to the client.
    raise IOError("Write failed, client closed connection.")


def show_config(req):
    req.write("%s %s" % (req.get_config().get("PythonDebug"),
                         req.get_options().get("where")))
    return apache.OK
