"""Handlers of the core suite: /core/<name>/... runs t_<name>(req)."""
import os
import sys
import threading

from mod_python import apache

counter = 0
local = threading.local()


def handler(req):
    name = req.uri.split("/")[2].replace("-", "_")
    return globals()["t_" + name](req)


def text(req, s):
    req.content_type = "text/plain"
    req.write(s)
    return apache.OK


def t_hello(req):
    return text(req, "Hello!")


def t_counter(req):
    global counter
    counter += 1
    return text(req, "%d %d" % (os.getpid(), counter))


def t_threadlocal(req):
    # A value kept in a threading.local belongs to one OS thread.
    seen = getattr(local, "ident", None)
    local.ident = threading.get_ident()
    return text(req, "%s %s" % (seen, local.ident))


def t_raise(req):
    raise ValueError("raised on purpose")


def t_debug(req):
    raise ValueError("<b>raised</b> with debug")


def t_interp_a(req):
    return t_interp(req)


def t_interp_b(req):
    return t_interp(req)


def t_interp(req):
    # Set a global in the query's interpreter, report what is there.
    global shared
    before = globals().get("shared")
    if req.args:
        shared = req.args
    return text(req, "%s %s %s" % (req.interpreter, apache.interpreter,
                                   before))


def t_status(req):
    code = int(req.args)
    return code


def t_declined(req):
    return apache.DECLINED


def t_done(req):
    req.content_type = "text/plain"
    req.write("done early")
    return apache.DONE


def t_server_return(req):
    raise apache.SERVER_RETURN(apache.HTTP_FORBIDDEN)


def t_server_return_two(req):
    req.content_type = "text/plain"
    req.write("custom body", 0)     # unflushed: the status still counts
    raise apache.SERVER_RETURN(apache.OK, 202)


def t_nonint(req):
    return "not an int"


def t_custom_error(req):
    req.status = apache.HTTP_NOT_FOUND
    req.content_type = "text/plain"
    req.write("my own 404 page")
    return apache.OK


def t_sys_path(req):
    return text(req, repr(sys.path[:3]))


def t_spec(req):
    return text(req, "module default handler")


def other(req):
    return text(req, "other callable")


class Greeter:
    def __init__(self, req):
        self.name = req.get_options()["suite"]

    def greet(self, req):
        return text(req, "greetings from %s" % self.name)


def stack_one(req):
    req.write("one ")
    return apache.OK


def stack_two(req):
    req.write("two")
    return apache.OK


def stack_declined(req):
    req.content_type = "text/plain"
    req.write("declined ")
    return apache.DECLINED


def t_import_module(req):
    mod = apache.import_module("core_helper")
    again = apache.import_module("core_helper")
    return text(req, "%s %s" % (mod.VALUE, mod is again))
