"""Handlers of the finfo suite: /finfo/<name>?... runs t_<name>(req) and
answers JSON."""
import json
import os
from urllib.parse import parse_qs

from mod_python import apache

MEMBERS = ("fname", "filetype", "valid", "protection", "user", "group",
           "inode", "device", "nlink", "size", "atime", "mtime", "ctime",
           "name")

# A view kept past the end of its request (t_keep / t_stale).
kept = None


def handler(req):
    name = req.uri.split("/")[2]
    return globals()["t_" + name](req)


def answer(req, data):
    req.content_type = "application/json"
    req.write(json.dumps(data))
    return apache.OK


def query(req):
    return {k: v[0] for k, v in parse_qs(req.args or "").items()}


def members(f):
    return {m: getattr(f, m) for m in MEMBERS}


def caught(func):
    try:
        func()
    except Exception as e:
        return [type(e).__name__, str(e), list(e.args)]
    return None


def t_stat(req):
    q = query(req)
    wanted = int(q.get("wanted", str(apache.APR_FINFO_MIN)), 0)
    f = apache.stat(q["path"], wanted)
    out = members(f)
    out["type"] = type(f).__name__
    out["repr"] = repr(f)
    return answer(req, out)


def t_seq(req):
    f = apache.stat(query(req)["path"], apache.APR_FINFO_NORM)
    return answer(req, {
        "items": [f[i] for i in range(13)],
        "by_name": [f[getattr(apache, n)] for n in (
            "FINFO_MODE", "FINFO_INO", "FINFO_DEV", "FINFO_NLINK",
            "FINFO_UID", "FINFO_GID", "FINFO_SIZE", "FINFO_ATIME",
            "FINFO_MTIME", "FINFO_CTIME", "FINFO_FNAME", "FINFO_NAME",
            "FINFO_FILETYPE")],
        "members": members(f),
        "index13": caught(lambda: f[13]),
        "negative": caught(lambda: f[-1]),
        "len": caught(lambda: len(f)),
    })


def t_errors(req):
    path = query(req)["path"]
    f = apache.stat(path, apache.APR_FINFO_MIN)

    def set_size():
        f.size = 1

    def set_finfo(value):
        def run():
            req.finfo = value
        return run

    return answer(req, {
        "unknown": caught(lambda: f.no_such_member),
        "set": caught(set_size),
        "new": caught(lambda: type(f)()),
        "assign_int": caught(set_finfo(42)),
        "assign_os_stat": caught(set_finfo(os.stat(path))),
        "assign_none": caught(set_finfo(None)),
        "loop": caught(lambda: apache.stat(path + "-loop",
                                           apache.APR_FINFO_MIN)),
        "bad_wanted": caught(lambda: apache.stat(path, "x")),
        "bad_name": caught(lambda: apache.stat(42, apache.APR_FINFO_MIN)),
        "same": apache.stat is apache._apache.stat,
    })


def t_view(req):
    """req.finfo of a URL that names no file."""
    return answer(req, {"filename": req.filename,
                        "finfo": members(req.finfo)})


def t_assign(req):
    """req.finfo = apache.stat(...) copies into the request; a view taken
    before the assignment shows the new data (it is live)."""
    path = query(req)["path"]
    view = req.finfo
    before = view.filetype
    req.filename = path
    req.finfo = apache.stat(path, apache.APR_FINFO_NORM)
    return answer(req, {"before": before, "after": members(view),
                        "self": caught(set_self(req))})


def set_self(req):
    def run():
        req.finfo = req.finfo
    return run


def t_keep(req):
    global kept
    kept = req.finfo
    return answer(req, {"pid": os.getpid()})


def t_stale(req):
    if kept is None:
        return answer(req, {"pid": os.getpid(), "error": None})
    return answer(req, {"pid": os.getpid(),
                        "error": caught(lambda: kept.size)})


def show_finfo(req):
    """A served file: r->finfo as httpd's directory walk left it."""
    return answer(req, {"filename": req.filename,
                        "finfo": members(req.finfo),
                        "seq": [req.finfo[i] for i in range(13)]})


def swap(req):
    """Fixup: send big.txt instead of small.txt (FINFO-assign)."""
    mode = (req.args or "update")
    target = os.path.join(os.path.dirname(req.filename),
                          "missing.txt" if mode == "missing" else "big.txt")
    req.filename = target
    if mode != "stale":
        req.finfo = apache.stat(target, apache.APR_FINFO_MIN)
    return apache.OK


def t_constants(req):
    """The APR_* file type values of _apache, as apache re-exports them,
    and apache's APR_FINFO_* / FINFO_* values."""
    names = ("APR_NOFILE", "APR_REG", "APR_DIR", "APR_CHR", "APR_BLK",
             "APR_PIPE", "APR_LNK", "APR_SOCK", "APR_UNKFILE")
    return answer(req, {
        "filetypes": {n: [getattr(apache._apache, n), getattr(apache, n)]
                      for n in names},
        "apache": {n: getattr(apache, n) for n in dir(apache)
                   if n.startswith(("APR_FINFO_", "FINFO_"))},
    })
