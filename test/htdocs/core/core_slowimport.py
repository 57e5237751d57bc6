"""A handler module whose import takes a while, so that concurrent first
requests find it half-executed in sys.modules (PH-imp-lock)."""
import time

from mod_python import apache

time.sleep(0.5)         # releases the GIL: other requests run meanwhile
loads = getattr(apache, "_core_slowimport_loads", 0) + 1
apache._core_slowimport_loads = loads


def handler(req):
    req.content_type = "text/plain"
    req.write("loaded %d" % loads)
    return apache.OK
