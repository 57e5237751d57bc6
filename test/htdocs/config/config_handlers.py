"""Handlers of the config suite: /config/<name>/... runs t_<name>(req);
the other entry points are named in suite.conf."""
import json
import os
import sys

from mod_python import apache


def handler(req):
    name = req.uri.split("/")[2].replace("-", "_")
    return globals()["t_" + name](req)


def reply(req, obj):
    req.content_type = "application/json"
    req.write(json.dumps(obj))
    return apache.OK


def hlist_info(hlist):
    return {"handler": hlist.handler, "directory": hlist.directory,
            "is_location": hlist.is_location, "silent": hlist.silent,
            "repr": repr(hlist)}


# -- options and flags -------------------------------------------------

def t_options(req):
    options = req.get_options()
    return reply(req, {"options": dict(options),
                       "mixed": options.get("CONFIG.mixedcase")})


def t_flags(req):
    if req.args == "raise":
        raise ValueError("config flags raised on purpose")
    return reply(req, {"config": dict(req.get_config()),
                       "interpreter": req.interpreter,
                       "traced": sys.gettrace() is not None})


def t_pp(req):
    """Report what PythonPath did in this interpreter, then edit
    sys.path; the edit must survive (the text is not evaluated again)."""
    result = {"pid": os.getpid(), "interpreter": req.interpreter,
              "evals": list(getattr(sys, "config_pp_evals", [])),
              "mark": "/config-pp-mark" in sys.path,
              "python_path": req.get_config().get("PythonPath")}
    if "/config-pp-mark" not in sys.path:
        sys.path.append("/config-pp-mark")
    return reply(req, result)


# -- the handler list (HL-*) ---------------------------------------------

def hl_first(req):
    req.config_hl = [hlist_info(req.hlist)]
    return apache.OK


def hl_second(req):
    seen = req.config_hl + [hlist_info(req.hlist)]
    req.hlist.next()                # past the last entry
    seen.append(hlist_info(req.hlist))
    return reply(req, seen)


# -- list merging ----------------------------------------------------------

def merge_fixup(req):
    req.config_fixup = req.hlist.directory
    return apache.OK


def merge_one(req):
    req.content_type = "text/plain"
    req.write("one fixup=%s " % getattr(req, "config_fixup", None))
    return apache.OK


def merge_two(req):
    req.write("two")
    return apache.OK


def merge_child(req):
    req.content_type = "text/plain"
    req.write("child fixup=%s" % getattr(req, "config_fixup", None))
    return apache.OK


# -- mapping, handler names, cleanup -----------------------------------------

def t_nomap(req):
    return reply(req, {"filename": req.filename, "uri": req.uri})


t_nomap_plain = t_nomap


def t_legacy(req):
    return reply(req, {"handler": req.handler})


def t_cleanup(req):
    req.content_type = "text/plain"
    req.write("content ran")
    return apache.OK


def cleanup(req):
    req.log_error("config cleanup ran for %s" % req.uri, apache.APLOG_NOTICE)
    return apache.OK


def t_req_add(req):
    """A same-phase handler added with and without a directory
    (DIR-ctx-dynamic)."""
    req.config_dynamic = []
    req.add_handler("PythonHandler", "config_handlers::dynamic_report",
                    req.args)
    req.add_handler("PythonHandler", "config_handlers::dynamic_report")
    req.add_handler("PythonHandler", "config_handlers::dynamic_done")
    return apache.OK


def dynamic_report(req):
    req.config_dynamic.append(hlist_info(req.hlist))
    return apache.OK


def dynamic_done(req):
    return reply(req, req.config_dynamic)


# -- recorded directories ----------------------------------------------------

def ctx(req):
    return reply(req, {"handler": req.hlist.handler,
                       "directory": req.hlist.directory,
                       "is_location": req.hlist.is_location,
                       "filename": req.filename,
                       "ht": req.get_options().get("config.ht")})


def ext_py(req):
    req.content_type = "text/plain"
    req.write("ext_py ext=%s" % req.extension)
    return apache.OK


def addh(req):
    req.content_type = "text/plain"
    req.write("addhandler %s" % os.path.basename(req.filename))
    return apache.OK
