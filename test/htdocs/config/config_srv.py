"""Handlers for the server-level config server of test_config.py
(`server_b`): server and virtual-host level handler directives."""
import json
import os

from mod_python import apache

HERE = os.path.dirname(__file__)


def _mark(req, what):
    trace = getattr(req, "config_trace", [])
    trace.append([what, req.phase, req.hlist.directory,
                  req.hlist.is_location, req.interpreter,
                  req.get_config().get("PythonDebug")])
    req.config_trace = trace


def init(req):
    _mark(req, "init")
    return apache.OK


def postread(req):
    _mark(req, "postread")
    return apache.OK


def postreadrequesthandler(req):
    _mark(req, "postreadrequesthandler")
    return apache.DECLINED


def postread_vhost(req):
    _mark(req, "postread_vhost")
    return apache.OK


def transhandler(req):
    """Map /config-b-trans/NAME to b/NAME; leave other URIs to httpd."""
    _mark(req, "trans")
    prefix = "/config-b-trans/"
    if req.uri.startswith(prefix):
        req.filename = os.path.join(HERE, "b", req.uri[len(prefix):])
        return apache.OK
    return apache.DECLINED


def handler(req):
    if req.args == "mutate":
        options = req.server.get_options()
        before = options.get("config.mutated")
        options["config.mutated"] = str(os.getpid())
        return reply(req, {"pid": os.getpid(), "before": before})
    return reply(req, {
        "trace": getattr(req, "config_trace", []),
        "interpreter": req.interpreter,
        "server_hostname": req.server.server_hostname,
        "server_config": dict(req.server.get_config()),
        "config": dict(req.get_config()),
        "server_options": dict(req.server.get_options()),
        "options": dict(req.get_options()),
        "filename": req.filename})


def reply(req, obj):
    req.content_type = "application/json"
    req.write(json.dumps(obj))
    return apache.OK
