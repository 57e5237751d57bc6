"""Handlers of the psp suite: /psp/app/<name> runs t_<name>(req).  They
use the PSP class directly (psp.md section 5)."""
import os
import sys
import types

from mod_python import apache, psp

HERE = os.path.dirname(os.path.abspath(__file__))


def handler(req):
    func = globals().get("t_" + req.uri.rsplit("/", 1)[-1])
    if func is None:
        return apache.HTTP_NOT_FOUND
    req.content_type = "text/plain"
    result = func(req)
    return apache.OK if result is None else result


def t_vars(req):
    """Constructor vars, then run vars (later wins); attributes."""
    page = psp.PSP(req, "vars.psp", vars={"a": "ctor", "b": "ctor"})
    page.run({"b": "run", "c": "run"})
    req.write("\nfilename=%s" % (page.filename == os.path.join(HERE,
                                                              "vars.psp")))
    req.write("\nstring=%r vars=%r" % (page.string, sorted(page.vars)))
    req.write("\ncode=%s co_filename=%s" % (
        type(page.code).__name__,
        page.code.co_filename == page.filename))
    req.write("\nreq=%s dbmcache=%r" % (page.req is req, psp.PSP.dbmcache))


def t_both(req):
    try:
        psp.PSP(req, "vars.psp", string="x")
    except ValueError as exc:
        req.write("ValueError: %s" % exc)


def t_string(req):
    """String pages: compiled as __psp__, cached by their text; an empty
    filename counts as not given."""
    text = "Hi <%= 40 + 2 %> from t_string"
    first = psp.PSP(req, string=text)
    first.run()
    second = psp.PSP(req, filename="", string=text)
    second.run()
    req.write("\nsame=%s name=%s cached=%s hits=%d" % (
        first.code is second.code, first.code.co_filename,
        text in psp.mem_scache, psp.mem_scache.hits(text)))


def t_empty_string(req):
    """string=b"" counts as not given: req.filename is used, which does
    not exist here -> 404."""
    psp.PSP(req, string=b"").run()


def t_str(req):
    page = psp.PSP(req, "inner.psp")
    req.content_type = "text/plain"
    result = str(page)
    req.write("|%r|%s" % (result, req.content_type))


def t_flush(req):
    psp.PSP(req, "inner.psp").run(flush=1)
    req.write("|sent=%d" % req.sent_bodyct)


def t_noflush(req):
    psp.PSP(req, "inner.psp").run()
    req.write("|sent=%d" % req.sent_bodyct)


class _FakeSession(dict):
    """Stands in for mod_python.Session.Session: records calls."""
    log = []

    def __init__(self, req):
        dict.__init__(self)
        self.log.append("created")

    def save(self):
        self.log.append("save")

    def unlock(self):
        self.log.append("unlock")


class _Blocker:
    """A meta path finder that refuses mod_python.Session and records
    that it was asked for it."""

    def __init__(self):
        self.asked = 0

    def find_spec(self, name, path=None, target=None):
        if name == "mod_python.Session":
            self.asked += 1
            raise ModuleNotFoundError("blocked by the test",
                                      name="mod_python.Session")
        return None


def _with_session_module(module, func):
    saved = sys.modules.pop("mod_python.Session", None)
    if module is not None:
        sys.modules["mod_python.Session"] = module
    try:
        return func()
    finally:
        sys.modules.pop("mod_python.Session", None)
        if saved is not None:
            sys.modules["mod_python.Session"] = saved


def t_session_fake(req):
    """A page using session gets Session.Session(req), saved after the
    run and unlocked/removed at the end; an inherited one is saved but
    left locked and in place; the error page shares it."""
    fake = types.ModuleType("mod_python.Session")
    fake.Session = _FakeSession
    log = _FakeSession.log
    del log[:]

    def run():
        psp.PSP(req, "sess_use.psp").run()
        req.write("\nown: %s left=%s\n" % (log, hasattr(req, "session")))
        del log[:]
        req.session = _FakeSession(req)
        psp.PSP(req, "sess_use.psp").run()
        req.write("\ninherited: %s left=%s\n" % (log,
                                               hasattr(req, "session")))
        del req.session
        del log[:]
        psp.PSP(req, "sess_fail.psp").run()
        req.write("\nerror: %s left=%s\n" % (log, hasattr(req, "session")))
        del log[:]
        psp.PSP(req, "sess_none.psp").run()
        req.write("\nunused: %s" % log)

    _with_session_module(fake, run)


def t_session_lazy(req):
    """A page that does not use session never imports mod_python.Session;
    one that does gets a clear ImportError if it is missing."""
    blocker = _Blocker()
    sys.meta_path.insert(0, blocker)

    def run():
        psp.PSP(req, "sess_none.psp").run()
        req.write("\nasked=%d" % blocker.asked)
        try:
            psp.PSP(req, "sess_use.psp").run()
        except ImportError as exc:
            req.write("\nImportError: %s" % exc)
        req.write("\nasked=%d" % blocker.asked)

    try:
        _with_session_module(None, run)
    finally:
        sys.meta_path.remove(blocker)


def t_api(req):
    """The module-level API (PSP-api-*)."""
    out = []
    cache = psp.HitsCache(size=4)
    for i in range(10):
        cache.store("k%d" % i, compile("x = %d" % i, "c", "exec"))
    out.append("hits-bounded=%d last=%s" % (len(cache),
                                            "k9" in cache))
    cache = psp.HitsCache(size=4)
    for i in range(4):
        cache.store(i, i)
    cache.get(0)
    cache.get(0)
    cache.get(1)
    for i in range(4, 10):
        cache.store(i, i)
    out.append("kept-hit=%s dropped=%s len=%d" % (
        0 in cache, 2 not in cache and 3 not in cache, len(cache)))
    cache.clean()
    out.append("clean=%d" % len(cache))
    files = psp.FileCache(size=8)
    code = compile("y = 1", "f", "exec")
    files.store("/f", 100, code)
    out.append("fget=%s stale=%s gone=%s" % (
        files.get("/f", 100) is code, files.get("/f", 101),
        "/f" in files))
    out.append("split=%r %r" % (psp.path_split("/a/b/c.psp"),
                                psp.path_split("c.psp")))
    back = psp.str2code(psp.code2str(code))
    out.append("roundtrip=%s" % (back.co_code == code.co_code))
    try:
        psp.str2code(b"garbage")
    except ValueError:
        out.append("str2code-bad=ValueError")
    out.append("parse=%r" % psp.parse("inner.psp", HERE + "/"))
    out.append("parse-abs=%r" % psp.parse(os.path.join(HERE, "inner.psp")))
    out.append("parsestring=%r" % psp.parsestring("x<%= 1 %>"))
    out.append("dbmtype=%s" % psp.dbm_cache_type(
        os.path.join(psp.tempdir, "psp-no-such-cache-file")).__name__)
    out.append("globals=%s %s %s %s" % (
        type(psp.mem_scache).__name__, type(psp.mem_fcache).__name__,
        type(psp.dbm_types).__name__, os.path.isdir(psp.tempdir)))
    out.append("classes=%s" % all(callable(x) for x in (
        psp.PSP, psp.PSPInterface, psp.handler, psp.dbm_cache_get,
        psp.dbm_cache_store)))
    req.write("\n".join(out))
