"""Handlers of the phases suite: one per phase, recording what ran."""
import os

from mod_python import apache


def record(req, what=None):
    req.__dict__.setdefault("seen", []).append(what or req.phase)


def mine(req):
    return req.uri.startswith("/phases/")


def server_init(req):
    if mine(req):
        record(req)
    return apache.OK


def dir_init(req):
    record(req, "dir_init:" + req.phase)
    return apache.OK


def postreadrequesthandler(req):
    if mine(req):
        record(req)
    return apache.OK


def transhandler(req):
    if mine(req):
        record(req)
    return apache.DECLINED


def headerparserhandler(req):
    record(req)
    return apache.OK


def accesshandler(req):
    record(req)
    return apache.OK


def authenhandler(req):
    record(req)
    password = req.get_basic_auth_pw()
    if (req.user, password) in (("alice", "secret"),
                                ("bj\xf6rn", "p\xe4ss")):
        return apache.OK
    return apache.HTTP_UNAUTHORIZED


def authzhandler(req):
    record(req)
    if req.user == "mallory":
        return apache.HTTP_FORBIDDEN
    return apache.OK


def typehandler(req):
    record(req)
    return apache.DECLINED


def fixuphandler(req):
    record(req)
    return apache.OK


def handler(req):
    record(req)
    return show(req)


def show(req):
    req.content_type = "text/plain"
    req.write(",".join(req.__dict__.get("seen", [])) + " user=%s" % req.user)
    return apache.OK


def loghandler(req):
    req.log_error("phases-log %s %s" % (req.args, ",".join(
        req.__dict__.get("seen", []) + [req.phase])), apache.APLOG_NOTICE)
    return apache.OK


def cleanuphandler(req):
    req.log_error("phases-cleanup %s phase=%s" % (req.args, req.phase),
                  apache.APLOG_NOTICE)
    return apache.OK


def deny(req):
    return apache.HTTP_FORBIDDEN


# -- stacking


def s_declined(req):
    record(req, "declined")
    return apache.DECLINED


def s_ok(req):
    record(req, "ok")
    return apache.OK


def s_ok_user(req):
    record(req, "ok")
    req.user = "stacker"
    return apache.OK


def s_ok2(req):
    record(req, "ok2")
    return apache.OK


def s_forbidden(req):
    record(req, "forbidden")
    return apache.HTTP_FORBIDDEN


def c_one(req):
    req.content_type = "text/plain"
    req.write("one;")
    return apache.OK


def c_two(req):
    req.write("two;")
    return apache.OK


def c_raise_ok(req):
    req.content_type = "text/plain"
    req.write("raised-ok;")
    raise apache.SERVER_RETURN(apache.OK)


def ok_without_user(req):
    return apache.OK


# -- req.add_handler


def dyn_fixup(req):
    req.handler = "mod_python"
    req.add_handler("PythonHandler", "phases_h::dyn_content",
                    os.path.dirname(__file__))
    try:
        req.add_handler("PythonCleanupHandler", "phases_h::show")
    except IndexError as exc:
        req.bad_phase = str(exc)
    return apache.OK


def dyn_content(req):
    req.content_type = "text/plain"
    req.write("dynamic dir=%s bad=%s" % (req.hlist.directory,
                                         req.bad_phase))
    return apache.OK


def dyn_same(req):
    req.content_type = "text/plain"
    req.write("first;")
    req.add_handler("PythonHandler", "phases_h::dyn_second")
    return apache.OK


def dyn_second(req):
    req.write("second;")
    return apache.OK


# -- cleanups


def _cleanup(data):
    apache.log_error("phases-callback %s" % data, apache.APLOG_NOTICE)


def _bad_cleanup(data):
    raise RuntimeError("cleanup failed on purpose")


def with_cleanups(req):
    token = req.args
    req.register_cleanup(_cleanup, token + "-first")
    req.register_cleanup(_bad_cleanup)
    req.register_cleanup(_cleanup, token + "-second")
    req.content_type = "text/plain"
    req.write("registered")
    return apache.OK


def cleanup_handler(req):
    apache.log_error("phases-cleanup-handler %s" % req.args,
                     apache.APLOG_NOTICE)
    return apache.OK


def _child_exit(data):
    apache.log_error("phases-child-exit %s" % data, apache.APLOG_NOTICE)


def register_child_exit(req):
    apache.register_cleanup(_child_exit, "apache-level")
    req.server.register_cleanup(req, _child_exit, "server-level")
    req.content_type = "text/plain"
    req.write("ok")
    return apache.OK
