"""apache.import_module() seen from a handler: /interp/imp/?<case>."""
import json
import os
import sys
import time
import types

from mod_python import apache

HERE = os.path.dirname(__file__)


def reply(req, obj):
    req.content_type = "application/json"
    req.write(json.dumps(obj))
    return apache.OK


def handler(req):
    return globals()["case_" + req.args](req)


def case_path(req):
    """`path` given: a cached module from elsewhere is imported again."""
    a = apache.import_module("interp_pathmod",
                             path=[os.path.join(HERE, "pathA")])
    b = apache.import_module("interp_pathmod",
                             path=[os.path.join(HERE, "pathB")])
    b_again = apache.import_module("interp_pathmod",
                                   path=[os.path.join(HERE, "pathB")])
    return reply(req, {"a": a.WHERE, "b": b.WHERE,
                       "b_file": b.__file__, "b_cached": b is b_again})


def case_nofile(req):
    """A cached module without __file__ is imported again."""
    sys.modules["interp_nofile"] = types.ModuleType("interp_nofile")
    module = apache.import_module("interp_nofile")
    return reply(req, {"from_file": getattr(module, "FROM_FILE", False),
                       "file": module.__file__})


def case_mtime(req):
    module = apache.import_module("interp_nofile")
    return reply(req, {"mtime": module.__mtime__,
                       "file_mtime": os.stat(module.__file__).st_mtime,
                       "check_age": time.time() - module.__mtime_check__})


def case_dotted(req):
    """A dotted name: the submodule is also an attribute of its package."""
    sys.modules.pop("interp_pkg.sub", None)
    sub = apache.import_module("interp_pkg.sub")
    package = sys.modules["interp_pkg"]
    return reply(req, {"value": sub.VALUE,
                       "attribute": getattr(package, "sub", None) is sub})


def case_noauto(req):
    """autoreload=0 returns whatever is cached, even without __file__."""
    fake = types.ModuleType("interp_nofile")
    sys.modules["interp_nofile"] = fake
    module = apache.import_module("interp_nofile", autoreload=0)
    return reply(req, {"same": module is fake})
