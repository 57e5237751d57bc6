"""Child exit: apache.register_cleanup() callbacks run, then the atexit
functions; Python itself is not finalised (PH-child-exit)."""
import atexit
import os

from mod_python import apache

_registered = False


def _write(path):
    with open(path, "w") as f:
        f.write(str(os.getpid()))


def handler(req):
    global _registered
    directory = req.get_options()["interp.exit_dir"]
    pid = os.getpid()
    if not _registered:
        _registered = True
        apache.register_cleanup(_write,
                                os.path.join(directory, "cleanup-%d" % pid))
        atexit.register(_write, os.path.join(directory, "atexit-%d" % pid))
    req.content_type = "text/plain"
    req.write(str(pid))
    return apache.OK
