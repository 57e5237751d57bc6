"""A handler module importing a helper: only this module is watched for
changes, not the helper (PH-imp-deps)."""
import json
import os

import interp_deps_helper
from mod_python import apache

VERSION = "main-1"


def handler(req):
    req.content_type = "application/json"
    req.write(json.dumps({"pid": os.getpid(), "main": VERSION,
                          "helper": interp_deps_helper.VALUE,
                          "helper_loaded": interp_deps_helper.LOADED_AT}))
    return apache.OK
