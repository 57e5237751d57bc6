"""Suite "venv": what the interpreter serving a request sees of its
Python environment (test_venv.py, test_packaging.py)."""
import json
import os
import sys

from mod_python import apache


def handler(req):
    try:
        import venvtest_pkg
        version, where = venvtest_pkg.VERSION, venvtest_pkg.__file__
    except ImportError:
        version = where = None
    try:
        import venvtest_extra           # on the path through a .pth file
        extra = venvtest_extra.NAME
    except ImportError:
        extra = None
    try:
        from mod_python import _psp     # the package's C extension
        psp = _psp.__file__
    except ImportError:
        psp = None
    import mod_python
    import mod_python.version as mpv
    req.content_type = "application/json"
    req.write(json.dumps({
        "interpreter": req.interpreter,
        "version": version,
        "file": where,
        "extra": extra,
        "hooked": getattr(sys, "venvtest_hooked", None),
        "path": sys.path,
        "prefix": sys.prefix,
        "base_prefix": sys.base_prefix,
        "executable": sys.executable,
        "stdlib": os.__file__,
        "package": mod_python.__file__,
        "mod_python_so": getattr(mpv, "MOD_PYTHON_SO", None),
        "psp": psp,
        "config": dict(req.get_config()),
    }))
    return apache.OK
