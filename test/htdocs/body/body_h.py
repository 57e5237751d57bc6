"""Handlers of the body suite: /body/<name> runs t_<name>(req)."""
import os

from mod_python import apache


def handler(req):
    name = req.uri.split("/")[2].replace("-", "_")
    return globals()["t_" + name](req)


def t_read(req):
    req.content_type = "text/plain"
    try:
        data = req.read()
    except IOError as exc:
        req.log_error("body-read-error %s" % exc, apache.APLOG_NOTICE)
        req.write("read error: %s" % exc)
        return apache.OK
    req.write("read %d bytes" % len(data))
    return apache.OK


def t_big(req):
    req.content_type = "application/octet-stream"
    chunk = b"x" * 65536
    try:
        for _ in range(400):           # 25 MB, far more than socket buffers
            req.write(chunk)
    except IOError as exc:
        req.log_error("body-write-error %s" % exc, apache.APLOG_NOTICE)
        return apache.DONE
    return apache.OK


def t_pid(req):
    req.content_type = "text/plain"
    req.write(str(os.getpid()))
    return apache.OK
