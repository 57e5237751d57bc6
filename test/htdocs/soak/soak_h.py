"""Handlers of the soak suite."""
import json
import os

from mod_python import apache, Session


def handler(req):
    req.content_type = "text/plain"
    req.write("soak handler %s" % (req.args or ""))
    return apache.OK


def session(req):
    sess = Session.Session(req)
    sess["n"] = sess.get("n", 0) + 1
    sess.save()
    req.content_type = "application/json"
    req.write(json.dumps({"id": sess.id(), "n": sess["n"],
                          "pid": os.getpid()}))
    return apache.OK


def read_body(req):
    """Blocks in req.read() for as long as the client dribbles."""
    try:
        data = req.read()
    except OSError:
        # The client was too slow (mod_reqtimeout) or left: nobody to tell.
        return apache.OK
    req.content_type = "text/plain"
    req.write("read %d" % len(data))
    return apache.OK


def big(req):
    """Blocks in write() when the client does not read."""
    req.content_type = "application/octet-stream"
    chunk = b"b" * 65536
    try:
        for _ in range(int(req.args or "160")):
            req.write(chunk)
    except OSError:
        pass                    # the client left: nobody to tell
    return apache.OK


def register_atexit(req):
    """Register an atexit callback in this interpreter (once)."""
    import atexit
    import sys
    marker = "soak-atexit %s %d" % (req.interpreter, os.getpid())
    state = sys.modules[__name__].__dict__
    if not state.get("atexit_registered"):
        state["atexit_registered"] = True
        atexit.register(apache.log_error, marker, apache.APLOG_NOTICE)
    req.content_type = "text/plain"
    req.write(marker)
    return apache.OK
