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
