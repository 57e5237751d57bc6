"""A PythonHandlerModule that only has a content handler: it reports the
entry before it and itself (HL-silent)."""
import json

from mod_python import apache

from config_handlers import hlist_info


def handler(req):
    req.content_type = "application/json"
    req.write(json.dumps(req.config_hl + [hlist_info(req.hlist)]))
    return apache.OK
