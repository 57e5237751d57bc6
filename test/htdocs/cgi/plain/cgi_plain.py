"""A plain handler sharing the interpreter with the CGI scripts: what
cgihandler leaves for the rest of the interpreter."""
import gc
import io
import json
import os
import sys

from mod_python import apache

count = 0


def handler(req):
    global count
    count += 1
    from mod_python import cgihandler
    what = req.uri.rsplit("/", 1)[-1]
    out = {"count": count}
    if what == "env":
        os.environ["MP_CGI_PLAIN_SET"] = "plain"
        out.update(
            pythonpath=os.environ.get("PYTHONPATH"),
            gateway=os.environ.get("GATEWAY_INTERFACE"),
            # the real os.environ behind the proxy got it (and putenv)
            real_set=cgihandler._environ._default.get("MP_CGI_PLAIN_SET"),
            proxied=type(os.environ).__name__,
            stdout_target=type(sys.stdout._target()).__name__,
            stdout_is_cgi=isinstance(sys.stdout._target(),
                                     cgihandler.CGIOutput))
    elif what == "live":
        gc.collect()
        out["live_outputs"] = sum(
            1 for o in gc.get_objects()
            if isinstance(o, cgihandler.CGIOutput))
        out["live_readers"] = sum(
            1 for o in gc.get_objects()
            if isinstance(o, cgihandler._BodyReader))
    req.content_type = "application/json"
    req.write(json.dumps(out))
    return apache.OK
