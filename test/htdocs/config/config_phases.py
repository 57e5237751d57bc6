"""PythonHandlerModule with a function for every phase: each records the
phase it ran in on the request object (which lives across phases)."""
import json

from mod_python import apache


def _mark(req):
    trace = getattr(req, "config_trace", None)
    if trace is None:
        trace = req.config_trace = []
    trace.append(req.phase)
    return apache.OK


postreadrequesthandler = transhandler = inithandler = _mark
headerparserhandler = fixuphandler = _mark


def accesshandler(req):
    _mark(req)
    if req.args == "deny":
        return apache.HTTP_FORBIDDEN
    return apache.OK


def authenhandler(req):
    _mark(req)
    password = req.get_basic_auth_pw()
    if req.user == "config-user" and password == "secret":
        return apache.OK
    return apache.HTTP_UNAUTHORIZED


def authzhandler(req):
    _mark(req)
    return apache.OK if req.user == "config-user" else apache.HTTP_FORBIDDEN


def typehandler(req):
    _mark(req)
    req.content_type = "application/x-config-trace"
    return apache.OK


def handler(req):
    _mark(req)
    req.write(json.dumps({"trace": req.config_trace,
                          "content_type": req.content_type,
                          "user": req.user}))
    return apache.OK


def loghandler(req):
    _mark(req)
    req.log_error("config_phases log: %s" % " ".join(req.config_trace),
                  apache.APLOG_NOTICE)
    return apache.OK


def cleanuphandler(req):
    req.log_error("config_phases cleanup: %s" % req.phase,
                  apache.APLOG_NOTICE)
    return apache.OK
