"""Imported without PythonPath: its directory was put on sys.path."""
import json
import sys

from mod_python import apache


def handler(req):
    here = req.hlist.directory
    req.content_type = "application/json"
    req.write(json.dumps({"directory": here,
                          "in_path": here in sys.path,
                          "index": sys.path.index(here),
                          "count": sys.path.count(here),
                          "interpreter": req.interpreter}))
    return apache.OK
