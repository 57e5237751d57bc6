"""Handlers of the util suite: /util/.../<name> runs t_<name>(req).

Most answer JSON describing what mod_python.util produced, so the tests
can assert on it."""
import gc
import hashlib
import io
import json
import os
import urllib.parse

import _apache
from mod_python import apache, util


def handler(req):
    name = req.uri.rstrip("/").split("/")[-1].replace("-", "_")
    return globals()["t_" + name](req)


def answer(req, data):
    req.content_type = "application/json"
    req.write(json.dumps(data))
    return apache.OK


def options(req):
    """Handler settings passed in the query string as _opt=value (the
    query string is also parsed into fields, which is fine)."""
    return {k[1:]: v for k, v in urllib.parse.parse_qsl(req.args or "")
            if k.startswith("_")}


def describe(field):
    d = {"cls": type(field).__name__, "name": field.name,
         "is_str": isinstance(field, str),
         "filename": field.filename}
    value = field.value
    if isinstance(value, bytes):
        d["value_hex"] = value.hex()
    else:
        d["value"] = value
        d["value_is_plain_str"] = type(value) is str
    for attr in ("type", "disposition", "type_options",
                 "disposition_options"):
        d[attr] = getattr(field, attr, "<missing>")
    headers = getattr(field, "headers", None)
    if headers is not None and not isinstance(headers, dict):
        d["headers"] = sorted(headers.items())
        d["headers_type"] = type(headers).__name__
    f = field.file
    d["file_at"] = f.tell()
    d["file_hex"] = f.read().hex()
    f.seek(0)
    d["file_type"] = type(f).__name__
    d["rolled"] = getattr(f, "_rolled", None)      # SpooledTemporaryFile
    return d


def make_fs(req, **kw):
    opts = options(req)
    for key in ("max_parts", "max_headers", "max_header_size",
                "max_field_size", "spool_size"):
        if key in opts:
            kw[key] = int(opts[key])
    if opts.get("keep_blank"):
        kw["keep_blank_values"] = 1
    return util.FieldStorage(req, **kw)


def t_dump(req):
    fs = make_fs(req)
    return answer(req, {"fields": [describe(f) for f in fs.list],
                        "keys": fs.keys(), "method": req.method})


# The same under /util/opt/ (PythonOption limits) and /util/badopt/.
t_optdump = t_dump


def t_types(req):
    """Value types and equality with str keys (UTIL-types-py3)."""
    fs = util.FieldStorage(req)
    return answer(req, {
        "names": [[type(f.name).__name__, f.name] for f in fs.list],
        "values": [[type(f).__name__, isinstance(f, str), f.value]
                   for f in fs.list if not f.filename],
        "eq": fs.get("x", None) == "abc",
        "list_repr": repr(fs.list),
        "repr": repr(fs),
    })


def t_api(req):
    """The mapping interface on a form with repeated names."""
    fs = util.FieldStorage(req)
    out = {}
    out["single"] = [type(fs["a"]).__name__, fs["a"]]
    out["multi"] = [type(fs["b"]).__name__, [str(v) for v in fs["b"]]]
    try:
        fs["missing"]
        out["missing"] = "no error"
    except KeyError as exc:
        out["missing"] = "KeyError %s" % exc
    out["get"] = [fs.get("a", "dflt"), fs.get("missing", "dflt"),
                  fs.get(["unhashable"], "dflt")]
    try:
        fs.get("a")
        out["get_needs_default"] = False
    except TypeError:
        out["get_needs_default"] = True
    out["getfirst"] = [fs.getfirst("b"), fs.getfirst("missing"),
                       fs.getfirst("missing", "d")]
    out["getlist"] = [fs.getlist("b"), fs.getlist("a"),
                      fs.getlist("missing")]
    out["keys"] = fs.keys()
    out["iter"] = list(iter(fs))
    out["len"] = len(fs)
    out["has_key"] = [fs.has_key("a"), fs.has_key("zz"), "b" in fs,
                      "zz" in fs]
    out["items"] = [[n, str(v)] for n, v in fs.items()]
    out["items_types"] = sorted({type(v).__name__ for n, v in fs.items()})
    out["repr"] = repr(fs)
    out["list_cls"] = type(fs.list).__name__
    out["list"] = [[f.name, str(f)] for f in fs.list]
    fs.add_field("a", "second a")
    out["after_add"] = fs.getlist("a")
    fs["b"] = "replaced"
    out["after_set"] = [fs["b"], fs.keys()]
    fs[b"raw"] = b"\xc3\xa9t\xe9"
    fs["txt"] = "caf\u00e9"
    out["set_types"] = [fs["raw"], type(fs["raw"]).__name__, fs["txt"]]
    del fs["a"]
    out["after_del"] = [fs.keys(), "a" in fs]
    try:
        del fs["a"]
        out["del_missing"] = "no error"
    except KeyError:
        out["del_missing"] = "KeyError"
    out["noattr"] = [hasattr(fs, n) for n in ("value", "file", "type",
                                              "headers", "filename")]
    fs.clear()
    out["after_clear"] = [fs.keys(), len(fs), type(fs.list).__name__]
    return answer(req, out)


def t_once(req):
    """Only the first FieldStorage sees the body; the convention is to keep
    it as req.form (UTIL-FieldStorage-once)."""
    if not hasattr(req, "form"):
        req.form = util.FieldStorage(req)
    first = req.form
    second = util.FieldStorage(req)
    again = req.form if hasattr(req, "form") else util.FieldStorage(req)
    return answer(req, {"first": first.keys(), "second": second.keys(),
                        "reused": again is first})


class Recorder(io.BytesIO):
    """A callback's storage object: remembers who made it."""

    made = []

    def __init__(self, origin):
        io.BytesIO.__init__(self)
        self.origin = origin
        Recorder.made.append(self)


def t_callbacks(req):
    calls = []
    Recorder.made = []

    def file_cb(filename):
        calls.append(["file", filename])
        return Recorder("file:%s" % filename)

    def field_cb():
        calls.append(["field"])
        return Recorder("field")

    fs = util.FieldStorage(req, file_callback=file_cb,
                           field_callback=field_cb)
    out = {"calls": calls,
           "fields": [[f.name, type(f).__name__,
                       getattr(f.file, "origin", None),
                       f.file.getvalue().decode("latin-1"),
                       f.file.tell()]
                      for f in fs.list]}
    made = list(Recorder.made)
    del fs
    gc.collect()
    out["closed_after_gc"] = [r.closed for r in made]
    return answer(req, out)


def t_badcallbacks(req):
    """Non-callable callbacks are ignored."""
    fs = util.FieldStorage(req, file_callback="not callable",
                           field_callback=42)
    return answer(req, {"fields": [describe(f) for f in fs.list]})


def t_big(req):
    """A large upload: report what arrived and the process's memory."""
    before = status()
    fs = util.FieldStorage(req)
    after = status()
    upload = fs["upload"]
    digest = hashlib.md5()
    size = 0
    f = upload.file
    while True:
        block = f.read(1 << 20)
        if not block:
            break
        digest.update(block)
        size += len(block)
    rolled = getattr(f, "_rolled", None)
    return answer(req, {"pid": os.getpid(), "before": before,
                        "after": after, "size": size,
                        "md5": digest.hexdigest(), "rolled": rolled,
                        "filename": upload.filename, "note": fs["note"]})


def status():
    with open("/proc/self/status") as f:
        return {line.split(":")[0]: int(line.split()[1])
                for line in f if line.startswith(("VmRSS", "VmHWM"))}


def t_pid(req):
    util.FieldStorage(req)
    return answer(req, {"pid": os.getpid(), "status": status()})


def t_qs(req):
    """parse_qs / parse_qsl called directly on a list of inputs."""
    cases = [
        ("a=1&b=2;c=3", 0), ("&&a=1;;&b=2&", 0), ("a+b=c+d%2B%20e", 0),
        ("a=b=c&=x&n&m=", 0), ("a=b=c&=x&n&m=", 1), ("a=%2F%zz%4&b=%", 0),
        ("a=x%00y&b%00c=1", 0), ("a=%C3%A9&%C3%A9=1", 0), ("a=%E9&b=%FF", 0),
        ("a=1", 0, 1), ("\u00e9=\u00e9", 0), ("a=1&b=2&c=3&d=4&e=5", 0),
    ]
    out = {"same": [util.parse_qs is _apache.parse_qs,
                    util.parse_qsl is _apache.parse_qsl]}
    results = []
    for case in cases:
        results.append([ascii(util.parse_qsl(*case)),
                        ascii(util.parse_qs(*case))])
    out["results"] = results
    out["bytes"] = [ascii(util.parse_qsl(b"a=%E9+x&b=%C3%A9;c", 1)),
                    ascii(util.parse_qs(b"a=1&a=2&b=3"))]
    errors = []
    for bad in ("\u20ac=1", 5, None, ["a=1"]):
        try:
            util.parse_qsl(bad)
            errors.append("no error")
        except Exception as exc:
            errors.append("%s: %s" % (type(exc).__name__, exc))
    out["errors"] = errors
    return answer(req, out)


# -- apply_fs_data


def f_named(a, b="dflt"):
    return {"a": a, "b": b}


def f_kwargs(a, **kw):
    return {"a": a, "kw": sorted(kw)}


def f_req(req, a=None):
    return {"req_uri": req.uri, "a": a}


def f_nothing():
    return "called with nothing"


def f_posonly(p="p-default", /, a=None, *, b=None):
    return {"p": p, "a": a, "b": b}


def f_upload(a=None, up=None):
    return {"a": a, "up": [type(up).__name__, up.filename,
                           up.value.decode("latin-1")]}


class Klass:
    def __init__(self, a, b=None):
        self.got = {"a": a, "b": b}


class Plain:
    pass


class WithCall:
    def __call__(self, a, b=None):
        return {"call": [a, b]}

    def method(self, b):
        return {"method": b}


class StaticCall:
    __call__ = staticmethod(lambda a=None, zz=None: {"static": [a, zz]})


def t_apply(req):
    fs = util.FieldStorage(req)
    which = options(req)["which"]
    attr_call = Plain()
    attr_call.__call__ = lambda a=None: {"attr_call": a}
    targets = {
        "named": f_named, "kwargs": f_kwargs, "req": f_req,
        "nothing": f_nothing, "posonly": f_posonly, "upload": f_upload,
        "klass": lambda: util.apply_fs_data(Klass, fs, req=req).got,
        "callable": WithCall(), "method": WithCall().method,
        "static": StaticCall(), "attrcall": attr_call,
        "builtin": dict, "builtin_fn": len,
    }
    target = targets[which]
    try:
        if which == "klass":
            result = target()
        else:
            result = util.apply_fs_data(target, fs, req=req)
    except Exception as exc:
        result = "%s: %s" % (type(exc).__name__, exc)
    return answer(req, {"result": result})


# -- redirect


def t_redirect(req):
    opts = options(req)
    location = opts.get("to", "/util/target")
    if opts.get("inject"):
        location = "/util/target\r\nSet-Cookie: evil=1"
    if opts.get("lf"):
        location = "/util/target\nX-Evil: 1"
    if opts.get("nonstr"):
        location = b"/util/target"
    if opts.get("written"):
        req.write("already sent ")
    try:
        util.redirect(req, location, permanent=int(opts.get("perm", "0")),
                      text=opts.get("text"))
    except apache.SERVER_RETURN as exc:
        if opts.get("catch"):
            # A caller may catch it and carry on.
            req.write("caught SERVER_RETURN(DONE): %s"
                      % (exc.args[0] == apache.DONE))
            return apache.OK
        raise
    except (ValueError, TypeError, IOError) as exc:
        req.status = 200
        req.content_type = "text/plain"
        req.write("refused: %s: %s" % (type(exc).__name__, exc))
        return apache.OK
    req.write("redirect returned")
    return apache.OK


def fixup_redirect(req):
    util.redirect(req, "/dummy", text="custom redirect text")


def stacked_redirect(req):
    util.redirect(req, "/stacked", permanent=1, text="moved")


def never(req):
    req.write("content handler ran")
    return apache.OK


def t_fixup_redirect(req):
    return never(req)
