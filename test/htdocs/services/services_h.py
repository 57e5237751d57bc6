"""Handlers of the services suite: /services/<name> runs t_<name>(req)."""
import os

from mod_python import apache

HERE = os.path.dirname(__file__)


def handler(req):
    name = req.uri.split("/")[2].replace("-", "_")
    return globals()["t_" + name](req)


def text(req, s):
    req.content_type = "text/plain"
    req.write(s)
    return apache.OK


def t_redirect(req):
    req.internal_redirect("/services/target?" + (req.args or ""))
    return apache.OK


def t_target(req):
    prev = req.prev
    return text(req, "target args=%s prev=%s prev.next.uri=%s" % (
        req.args, prev and prev.uri, prev and prev.next and prev.next.uri))


def t_loop(req):
    req.internal_redirect("/services/loop")
    return apache.OK


def t_sendfile(req):
    offset, length = (int(x) for x in (req.args or "0,-1").split(","))
    req.content_type = "application/octet-stream"
    sent = req.sendfile(os.path.join(HERE, "payload.bin"), offset, length)
    req.write(b"|%d" % sent)
    return apache.OK


def t_sendfile_missing(req):
    try:
        req.sendfile(os.path.join(HERE, "no-such-file"))
    except IOError as exc:
        return text(req, str(exc))
    return text(req, "no error")


def t_allow(req):
    req.allow_methods(["GET", "PUT", "BREW"])
    if req.method == "OPTIONS":
        return apache.DECLINED     # httpd answers OPTIONS with Allow
    if req.method != "GET":
        return apache.HTTP_METHOD_NOT_ALLOWED
    return text(req, "allowed=%d xmethods=%r" % (req.allowed,
                                                 req.allowed_methods))


def t_allow_bad(req):
    try:
        req.allow_methods(42)
    except TypeError as exc:
        return text(req, str(exc))
    return text(req, "no error")


def t_cgi_vars(req):
    req.add_cgi_vars()
    env = req.subprocess_env
    keys = ["GATEWAY_INTERFACE", "SERVER_PROTOCOL", "REQUEST_METHOD",
            "QUERY_STRING", "REQUEST_URI", "SCRIPT_NAME", "PATH_INFO",
            "HTTP_X_TEST", "SERVER_NAME", "REMOTE_ADDR"]
    return text(req, "\n".join("%s=%s" % (k, env.get(k)) for k in keys))


def authen(req):
    req.get_basic_auth_pw()
    return apache.OK


def t_requires(req):
    return text(req, repr(req.requires()))


def t_ssl(req):
    return text(req, "%r %r" % (req.is_https(),
                                req.ssl_var_lookup("SSL_PROTOCOL")))


def t_subrequest(req):
    main = req.main
    return text(req, "sub of %s" % (main.uri if main else None))


def _environ_text(req):
    env = req.build_wsgi_env()
    if env is None:
        return "None"
    keys = ["SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "REQUEST_METHOD",
            "HTTP_AUTHORIZATION", "wsgi.version", "wsgi.url_scheme",
            "wsgi.multithread", "wsgi.multiprocess"]
    out = ["%s=%r" % (k, env.get(k)) for k in keys]
    out.append("input_is_req=%s" % (env["wsgi.input"] is req))
    out.append("errors=%s" % hasattr(env["wsgi.errors"], "write"))
    out.append("req.path_info=%r" % req.path_info)
    return "\n".join(out)


def t_wsgi_env(req):
    return text(req, _environ_text(req))


def t_wsgi_base(req):
    return text(req, _environ_text(req))


def t_wsgi_badbase(req):
    try:
        req.build_wsgi_env()
    except ValueError as exc:
        return text(req, "ValueError: %s" % exc)
    return text(req, "no error")


def t_start_response(req):
    write = req.wsgi_start_response("201 Created", [
        ("Content-Type", "text/x-wsgi"), ("X-One", "1"), ("X-One", "2")])
    write(b"made")
    return apache.OK


def t_start_response_bad(req):
    out = []
    for status, headers in (("600 Too Big", []), ("abc", []),
                            ("200 OK", ("X", "y")),
                            ("200 OK", [["X", "y"]]),
                            ("200 OK", [(1, "y")])):
        try:
            req.wsgi_start_response(status, headers)
            out.append("ok")
        except (TypeError, ValueError) as exc:
            out.append("%s: %s" % (type(exc).__name__, exc))
    try:
        req.wsgi_start_response("500 Oops", [],
                                (KeyError, KeyError("app failed"), None))
    except KeyError as exc:
        out.append("reraised %s" % exc)
    return text(req, "\n".join(out))


def addhandler_exts(req):
    return text(req, " ".join(sorted(req.get_addhandler_exts().split())))


def filename_round_trip(req):
    # Read and written back: must name the same file (util.h mp_path_in).
    req.filename = req.filename
    req.uri = req.uri
    return apache.OK
