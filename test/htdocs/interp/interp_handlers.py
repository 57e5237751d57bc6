"""Handlers of the interp suite: by default a report on the interpreter
the request runs in; the other objects are named in suite.conf."""
import ctypes
import json
import os
import sys
import types

from mod_python import apache

try:
    import _xxsubinterpreters as _interpreters
except ImportError:                     # Python 3.13+
    import _interpreters


def _interp_id(value):
    if isinstance(value, tuple):        # 3.13: (id, whence)
        value = value[0]
    return int(value)


def _gilstate_is_current():
    """Does PyGILState see the thread state this request runs on?"""
    api = ctypes.pythonapi
    api.PyGILState_GetThisThreadState.restype = ctypes.c_void_p
    api.PyThreadState_Get.restype = ctypes.c_void_p
    return api.PyGILState_GetThisThreadState() == api.PyThreadState_Get()


def reply(req, obj):
    req.content_type = "application/json"
    req.write(json.dumps(obj))
    return apache.OK


def handler(req):
    imp_log = sys.modules.get("interp_imp_log")
    return reply(req, {
        "pid": os.getpid(),
        "interpreter": req.interpreter,
        "apache_interpreter": apache.interpreter,
        "interp_id": _interp_id(_interpreters.get_current()),
        "main_id": _interp_id(_interpreters.get_main()),
        "gilstate": _gilstate_is_current(),
        "argv": sys.argv,
        "server": req.server.server_hostname,
        "main_server": apache.main_server.server_hostname,
        "main_is_virtual": apache.main_server.is_virtual,
        "optimize": sys.flags.optimize,
        "no_user_site": sys.flags.no_user_site,
        "builtin_apache": "_apache" in sys.builtin_module_names,
        "imports": imp_log.order if imp_log else None,
        "imp_modules": sorted(m for m in sys.modules
                              if m.startswith("interp_imp_")),
        "filename": req.filename,
    })


class Counter:
    """`Counter.handle` is called on a new instance made with the request
    (PH-resolve-class)."""
    made = 0

    def __init__(self, req):
        Counter.made += 1
        self.uri = req.uri

    def handle(self, req):
        return reply(req, {"made": Counter.made, "pid": os.getpid(),
                           "uri": self.uri, "same_req": self.uri == req.uri})


def _nested(req):
    return reply(req, {"nested": True})


holder = types.SimpleNamespace(inner=types.SimpleNamespace(handle=_nested))

NOT_CALLABLE = None
