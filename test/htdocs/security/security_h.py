"""Handlers of the security suite."""
import os

from mod_python import apache, util, Cookie

EVIL = "v\r\nX-Injected: 1"
EVIL_VALUES = ["v\r\nX-Injected: 1", "v\nX-Injected: 1", "v\rX-Injected: 1",
               "v\x00X-Injected: 1"]


def _attempts(req):
    """Each way user code can set a header, with each bad value."""
    for bad in EVIL_VALUES:
        def setitem(t=req.headers_out, bad=bad):
            t["X-Test"] = bad
        yield "headers_out[]", bad, setitem
        yield "headers_out.add", bad, \
            lambda bad=bad: req.headers_out.add("X-Test", bad)
        yield "err_headers_out[]", bad, \
            lambda bad=bad: req.err_headers_out.__setitem__("X-Test", bad)
        yield "err_headers_out.add", bad, \
            lambda bad=bad: req.err_headers_out.add("X-Test", bad)
        yield "headers_in[]", bad, \
            lambda bad=bad: req.headers_in.__setitem__("X-Test", bad)
        yield "headers_out.update", bad, \
            lambda bad=bad: req.headers_out.update({"X-Test": bad})
        yield "header name", bad, \
            lambda bad=bad: req.headers_out.__setitem__(bad, "v")
        yield "content_type", bad, \
            lambda bad=bad: setattr(req, "content_type", "text/plain" + bad)
        yield "add_cookie value", bad, \
            lambda bad=bad: Cookie.add_cookie(req, "c", bad)
        yield "add_cookie path", bad, \
            lambda bad=bad: Cookie.add_cookie(req, "c", "v", path="/" + bad)
        yield "Location", bad, \
            lambda bad=bad: req.headers_out.__setitem__("Location",
                                                         "/x" + bad)
        yield "status_line", bad, \
            lambda bad=bad: setattr(req, "status_line", "200 OK" + bad)


def inject(req):
    """Try every way; answer which were refused and how."""
    results = []
    for what, bad, attempt in _attempts(req):
        try:
            attempt()
        except (ValueError, TypeError, Cookie.CookieError) as exc:
            results.append("%s %r refused %s" % (what, bad,
                                                  type(exc).__name__))
        else:
            results.append("%s %r ACCEPTED" % (what, bad))
    # Whatever got through must not poison this response.
    req.headers_out.clear()
    req.err_headers_out.clear()
    req.content_type = "text/plain"
    req.status_line = None
    req.write("\n".join(results))
    return apache.OK


def redirect(req):
    """util.redirect to a location with a line break in it."""
    which = int(req.args or 0)
    try:
        util.redirect(req, "/x" + EVIL_VALUES[which])
    except (ValueError, TypeError) as exc:
        req.content_type = "text/plain"
        req.write("refused %s" % type(exc).__name__)
        return apache.OK


def euid(req):
    req.content_type = "text/plain"
    req.write("%d %d %d %d" % (os.getuid(), os.geteuid(), os.getgid(),
                               os.getegid()))
    return apache.OK


def handler(req):
    name = req.uri.rsplit("/", 1)[-1]
    func = globals().get(name)
    if name.startswith("_") or not callable(func) or name == "handler":
        return apache.HTTP_NOT_FOUND
    return func(req)


def boom(req):
    """An error whose text and source line hold HTML."""
    raise ValueError('<script>alert("x")</script> & more')  # <b>src</b>


def session(req):
    import json
    from mod_python import Session
    sess = Session.Session(req)
    if req.args == "invalidate":
        sess.invalidate()
    else:
        sess["n"] = sess.get("n", 0) + 1
        sess.save()
    req.content_type = "application/json"
    req.write(json.dumps({"id": sess.id(), "new": bool(sess.is_new()),
                          "n": sess.get("n", 0)}))
    return apache.OK
