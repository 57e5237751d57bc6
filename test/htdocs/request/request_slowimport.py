"""A handler module whose first import takes a while: requests arriving
meanwhile must wait for it, not use it half-executed."""
import sys
import time

from mod_python import apache

sys._request_slow_imports = getattr(sys, "_request_slow_imports", 0) + 1
time.sleep(1.0)


def handler(req):
    req.content_type = "text/plain"
    req.write("%d" % sys._request_slow_imports)
    return apache.OK
