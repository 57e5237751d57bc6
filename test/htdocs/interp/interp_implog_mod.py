"""Run with PythonDebug On: imports are logged (PH-imp-log)."""
import os

from mod_python import apache

HERE = os.path.dirname(__file__)


def handler(req):
    module = apache.import_module("interp_pathmod", log=1,
                                  path=[os.path.join(HERE, "pathA")])
    req.content_type = "text/plain"
    req.write(module.WHERE)
    return apache.OK
