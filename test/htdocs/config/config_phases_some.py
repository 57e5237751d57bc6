"""PythonHandlerModule with only two phase functions: the other phases
skip it silently."""
import json

from mod_python import apache


def fixuphandler(req):
    req.config_trace = [req.phase, req.hlist.silent]
    return apache.OK


def handler(req):
    req.content_type = "application/json"
    req.write(json.dumps(req.config_trace + [req.phase, req.hlist.silent]))
    return apache.OK
