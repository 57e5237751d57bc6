"""mod_python.psp: Python Server Pages (psp.md sections 5-9).

    AddHandler mod_python .psp .psp_
    PythonHandler mod_python.psp
    PythonDebug On          # only where .psp_ may show page source

A page is translated by ``mod_python._psp`` into Python that keeps the page's
line numbers, compiled with the page's full path as file name (tracebacks
point at page lines) and run with a fresh global namespace per request.

Caching of compiled pages, per interpreter:

- in memory (always, unless a dbm cache is configured): keyed by full path,
  valid while the file's mtime (nanoseconds) is unchanged.  Bounded:
  ``PythonOption mod_python.psp.cache_size N`` (default 512, 0 = no memory
  caching; the value of the current request applies to the interpreter's
  cache, so set it server-wide).  On overflow the entries with the fewest
  hits go first, the least recently used among equal hits, down to 75 %.
  Pages given as strings are cached the same way, keyed by their text.
- in a dbm file: ``PythonOption mod_python.psp.cache_database_filename
  PATH`` (old name ``PSPDbmCache``).  Values are ``b"<mtime_ns> <stored>
  "`` + ``code2str(code)`` (the interpreter's magic number + marshal), so
  files written by another Python version, or damaged, are misses.
  Bounded by ``PythonOption mod_python.psp.cache_database_size N``
  (default 512 entries): stale entries, then the oldest stored, are
  dropped down to 75 %.  Every access holds global mutex 0.

Included files are not tracked: editing only an included file does not
invalidate the including page (PSP-cache-reload).

Differences from the original 3.5, all deliberate: both caches work on
Python 3 and are bounded; ``session``/``form`` are also detected when only
a function defined in the page uses them; ``mod_python.Session`` is imported
only when a page uses ``session`` (or ``Session``), with a clear error if it
is missing; a ``SERVER_RETURN`` (e.g. from ``psp.redirect``) is not treated
as a page error, so it never runs the error page.
"""

import dbm
import importlib
import importlib.util
import marshal
import os
import sys
import tempfile
import threading
import time
import weakref
from stat import S_ISREG
from html import escape

from mod_python import util
from mod_python import _psp

try:
    from mod_python import apache
    import _apache
except ModuleNotFoundError as _exc:            # outside httpd (unit tests)
    if _exc.name != "_apache":
        raise
    apache = _apache = None

if _apache is not None:
    _mtime_ns = _apache._mtime_ns
else:
    def _mtime_ns(path):
        """st_mtime_ns of a regular file, None otherwise."""
        try:
            st = os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            return None
        return st.st_mtime_ns if S_ISREG(st.st_mode) else None

# Not a page error: a redirect or a status the page chose to answer with.
_SERVER_RETURN = apache.SERVER_RETURN if apache is not None else ()

tempdir = tempfile.gettempdir()

MEM_CACHE_SIZE = 512
DBM_CACHE_SIZE = 512

OPT_CACHE_SIZE = "mod_python.psp.cache_size"
OPT_DBM_FILE = "mod_python.psp.cache_database_filename"
OPT_DBM_FILE_OLD = "PSPDbmCache"
OPT_DBM_SIZE = "mod_python.psp.cache_database_size"

# Serialised code starts with this, so that code compiled by another
# Python (whose marshal format or bytecode differs) is never loaded.
_MAGIC = importlib.util.MAGIC_NUMBER


def path_split(filename):
    """(directory with a trailing separator, base name) of `filename`."""
    directory, name = os.path.split(filename)
    if directory and not directory.endswith(os.sep):
        directory += os.sep
    return directory, name


def parse(filename, dir=None):
    """Translate the page file `filename` (``dir + filename`` if `dir` is
    given; includes resolve against `dir`) into Python source."""
    if dir:
        return _psp.parse(filename, dir)
    return _psp.parse(filename)


def parsestring(str):
    """Translate page text (``str`` or UTF-8 ``bytes``) into Python
    source."""
    return _psp.parsestring(str)


def code2str(code):
    """Serialise a code object (bytes) for the dbm cache and ``.psc``
    files."""
    return _MAGIC + marshal.dumps(code)


def str2code(s):
    """The code object `s` (from ``code2str``) stands for.  ValueError if
    it was written by another Python or is damaged."""
    if isinstance(s, str):
        s = s.encode("latin-1")
    if not s.startswith(_MAGIC):
        raise ValueError("not PSP code serialised by this Python")
    try:
        code = marshal.loads(s[len(_MAGIC):])
    except (EOFError, TypeError) as exc:
        raise ValueError("damaged serialised PSP code: %s" % exc) from None
    if not hasattr(code, "co_names"):
        raise ValueError("serialised PSP data is not a code object")
    return code


# ----------------------------------------------------------------------
# Memory caches (PSP-cache-mem)

class HitsCache:
    """A bounded mapping that counts hits.  When it grows past `size`, the
    entries with the fewest hits (least recently used first among equal
    counts) are dropped until 75 % of `size` remain; the entry just stored
    is kept.  Only hit counts and use order are compared, never the
    values (the original compared code objects and broke on Python 3)."""

    def __init__(self, size=MEM_CACHE_SIZE):
        self.size = size
        self.cache = {}             # key -> [hits, last use, value]
        self._clock = 0
        self._lock = threading.Lock()

    def __len__(self):
        return len(self.cache)

    def __contains__(self, key):
        return key in self.cache

    def hits(self, key):
        """How often `key` was found (0 if absent or never found)."""
        entry = self.cache.get(key)
        return entry[0] if entry else 0

    def store(self, key, val):
        with self._lock:
            if self.size <= 0:
                self.cache.pop(key, None)
                return
            self._clock += 1
            self.cache[key] = [0, self._clock, val]
            if len(self.cache) > self.size:
                self._trim(keep=key)

    def get(self, key, default=None):
        with self._lock:
            entry = self.cache.get(key)
            if entry is None:
                return default
            self._clock += 1
            entry[0] += 1
            entry[1] = self._clock
            return entry[2]

    def drop(self, key):
        with self._lock:
            self.cache.pop(key, None)

    def resize(self, size):
        """Change the bound; trims at once if the cache is now too big."""
        with self._lock:
            self.size = size
            if len(self.cache) > size:
                self._trim()

    def clean(self):
        """Drop the least useful entries down to 75 % of the size."""
        with self._lock:
            self._trim()

    def _trim(self, keep=None):
        target = self.size * 3 // 4
        victims = sorted((entry[0], entry[1], key)
                         for key, entry in self.cache.items()
                         if key != keep)
        excess = len(self.cache) - target
        for _hits, _used, key in victims[:max(excess, 0)]:
            del self.cache[key]


class FileCache(HitsCache):
    """Compiled pages by full path, valid while the mtime is unchanged."""

    def store(self, filename, mtime, code):
        HitsCache.store(self, filename, (mtime, code))

    def get(self, filename, mtime):
        found = HitsCache.get(self, filename)
        if found is None:
            return None
        if found[0] != mtime:
            self.drop(filename)
            return None
        return found[1]


mem_scache = HitsCache()
mem_fcache = FileCache()


def _resize_caches(req):
    size = req.get_options().get(OPT_CACHE_SIZE)
    try:
        size = int(size) if size is not None else MEM_CACHE_SIZE
    except ValueError:
        size = MEM_CACHE_SIZE
    if size != mem_fcache.size:
        mem_fcache.resize(size)
        mem_scache.resize(size)


# ----------------------------------------------------------------------
# dbm cache (PSP-cache-dbm)

dbm_types = {}          # dbm file -> module of its flavour, once it exists
_dbm_thread_lock = threading.Lock()


def dbm_cache_type(dbmfile):
    """The dbm module that handles `dbmfile` (``dbm`` itself, which picks
    the default flavour, while the file does not exist yet)."""
    module = dbm_types.get(dbmfile)
    if module is not None:
        return module
    kind = dbm.whichdb(dbmfile)
    if not kind:
        return dbm
    module = importlib.import_module(kind)
    dbm_types[dbmfile] = module
    return module


class _DbmLock:
    """Global mutex 0 (shared with the dbm sessions) around one dbm access;
    a thread lock alone if the server has no global mutexes."""

    def __init__(self, srv):
        self.srv = srv
        self.held = False

    def __enter__(self):
        _dbm_thread_lock.acquire()
        if _apache is None or self.srv is None:
            return self
        try:
            _apache._global_lock(self.srv, None, 0)
            self.held = True
        except ValueError:
            pass
        except BaseException:
            _dbm_thread_lock.release()
            raise
        return self

    def __exit__(self, *exc):
        try:
            if self.held:
                _apache._global_unlock(self.srv, None, 0)
        finally:
            _dbm_thread_lock.release()


def _dbm_key(filename):
    return filename.encode("utf-8", "surrogateescape")


def _dbm_parse(value):
    """(mtime, stored time, code) of a dbm value; ValueError if bad."""
    mtime, stored, data = bytes(value).split(b" ", 2)
    return int(mtime), int(stored), str2code(data)


def dbm_cache_get(srv, dbmfile, filename, mtime):
    """The cached code of `filename` if its mtime matches, else None.  A
    missing or unreadable cache file, or a bad entry, is a miss."""
    with _DbmLock(srv):
        try:
            db = dbm_cache_type(dbmfile).open(dbmfile, "c")
        except Exception:
            return None
        try:
            value = db.get(_dbm_key(filename))
        except Exception:
            value = None
        finally:
            db.close()
    if value is None:
        return None
    try:
        stored_mtime, _stored, code = _dbm_parse(value)
    except Exception:
        return None
    if stored_mtime != mtime:
        return None
    return code


def dbm_cache_store(srv, dbmfile, filename, mtime, val,
                    size=DBM_CACHE_SIZE):
    """Store code object `val` for `filename` at `mtime`; keep at most
    `size` entries.  Returns False if the cache file cannot be written."""
    data = b"%d %d " % (mtime, time.time_ns()) + code2str(val)
    with _DbmLock(srv):
        try:
            db = dbm_cache_type(dbmfile).open(dbmfile, "c")
        except Exception:
            return False
        try:
            db[_dbm_key(filename)] = data
            if len(db) > max(size, 1):
                _dbm_trim(db, size, _dbm_key(filename))
        except Exception:
            return False
        finally:
            db.close()
    dbm_cache_type(dbmfile)        # remember the flavour now it exists
    return True


def _dbm_trim(db, size, keep):
    """Drop damaged and stale entries, then the oldest stored, until 75 %
    of `size` remain."""
    ranked = []
    for key in list(db.keys()):
        if key == keep:
            continue
        try:
            mtime, stored, _code = _dbm_parse(db[key])
            current = os.stat(key.decode("utf-8", "surrogateescape"))
            stale = current.st_mtime_ns != mtime
        except Exception:
            stale, stored = True, 0
        ranked.append((not stale, stored, key))
    ranked.sort()
    excess = len(db) - size * 3 // 4
    for _fresh, _stored, key in ranked[:max(excess, 0)]:
        del db[key]


# ----------------------------------------------------------------------
# The session module, imported only for pages that use it

def _session_module():
    try:
        return importlib.import_module("mod_python.Session")
    except ModuleNotFoundError as exc:
        if exc.name not in ("mod_python.Session", "mod_python"):
            raise
        raise ImportError(
            "this PSP page uses 'session' (or 'Session'), which needs the "
            "module mod_python.Session, and it cannot be imported: %s"
            % exc, name="mod_python.Session") from exc


def _names_used(code):
    """Global names referenced by `code` or by any function or class body
    defined in it (worked out once per code object)."""
    names = _names_of.get(code)
    if names is None:
        names = frozenset(code.co_names).union(
            *(_names_used(c) for c in code.co_consts
              if hasattr(c, "co_names")))
        _names_of[code] = names
    return names


# Code object -> its names; weak, so pages dropped from the caches go.
_names_of = weakref.WeakKeyDictionary()


def _not_found(filename):
    """A missing page is 404 (MODPYTHON-178), not an error."""
    if apache is None:
        raise FileNotFoundError(2, "No such PSP page", filename)
    raise apache.SERVER_RETURN(apache.HTTP_NOT_FOUND)


class _InstanceInfo:
    """What the 3.3 importer put in ``__mp_info__`` (MODPYTHON-220)."""

    def __init__(self, label, file, cache):
        self.label = label
        self.file = file
        self.cache = cache
        self.children = {}


# ----------------------------------------------------------------------
# The PSP class (section 5)

class PSP:
    """A page: from a file (`filename`, relative to the directory of
    ``req.filename``; default ``req.filename``) or from `string`.  `vars`
    are extra globals for every run."""

    dbmcache = None

    def __init__(self, req, filename=None, string=None, vars={}):
        if filename and string:
            raise ValueError("Must specify either filename or string")
        self.req, self.vars = req, vars
        if not filename and not string:
            filename = req.filename
        self.filename, self.string = filename, string
        _resize_caches(req)
        if filename:
            if not os.path.isabs(filename):
                base = os.path.dirname(req.filename)
                self.filename = os.path.join(base, filename)
            self.load_from_file()
        else:
            code = mem_scache.get(string)
            if code is None:
                code = compile(parsestring(string), "__psp__", "exec")
                mem_scache.store(string, code)
            self.code = code

    @classmethod
    def _for_display(cls, req, filename):
        """A page object for ``display_code`` only: not compiled, so that
        the source of a page with a syntax error can be looked at."""
        if not os.path.isfile(filename):
            _not_found(filename)
        page = cls.__new__(cls)
        page.req, page.vars = req, {}
        page.filename, page.string, page.code = filename, None, None
        return page

    def _options(self):
        opts = self.req.get_options()
        dbmfile = opts.get(OPT_DBM_FILE) or opts.get(OPT_DBM_FILE_OLD)
        if dbmfile:
            self.dbmcache = dbmfile
        try:
            self._dbmsize = int(opts.get(OPT_DBM_SIZE, DBM_CACHE_SIZE))
        except ValueError:
            self._dbmsize = DBM_CACHE_SIZE

    def cache_get(self, filename, mtime):
        self._options()
        if self.dbmcache:
            code = dbm_cache_get(self.req.server, self.dbmcache, filename,
                                 mtime)
            if code is not None:
                return code
        return mem_fcache.get(filename, mtime)

    def cache_store(self, filename, mtime, code):
        if self.dbmcache and dbm_cache_store(self.req.server, self.dbmcache,
                                             filename, mtime, code,
                                             self._dbmsize):
            return
        # No dbm cache, or it cannot be written: memory it is.
        mem_fcache.store(filename, mtime, code)

    def cfile_get(self, filename, mtime):
        """Code from a precompiled sibling (``page.psp`` -> ``page.psc``)
        not older than the page; None if there is none or it is not
        usable (PSP-cache-precompiled)."""
        name, ext = os.path.splitext(filename)
        if not ext:
            return None
        cname = name + ext[:-1] + "c"
        try:
            if os.stat(cname).st_mtime_ns < mtime:
                return None
            with open(cname, "rb") as f:
                return str2code(f.read())
        except (OSError, ValueError):
            return None

    def load_from_file(self):
        filename = self.filename
        try:
            mtime = _mtime_ns(filename)
        except (OSError, ValueError):
            mtime = None
        if mtime is None:
            _not_found(filename)
        code = self.cache_get(filename, mtime)
        if code is None:
            code = self.cfile_get(filename, mtime)
            if code is None:
                directory, name = path_split(filename)
                try:
                    source = parse(name, directory)
                except Exception as exc:
                    # e.g. a missing include or a page not in UTF-8
                    exc.add_note("while translating the PSP page %s"
                                 % filename)
                    raise
                code = compile(source, filename, "exec")
            # Only on a miss: storing again would reset the hit count.
            self.cache_store(filename, mtime, code)
        self.code = code

    def __str__(self):
        self.req.content_type = "text/html"
        self.run()
        return ""

    def run(self, vars={}, flush=0):
        code, req = self.code, self.req
        used = _names_used(code)
        created = None
        if "session" in used and not hasattr(req, "session"):
            created = _session_module().Session(req)
            req.session = created
        form = None
        if "form" in used:
            form = getattr(req, "form", None)
            if form is None:
                form = util.FieldStorage(req, keep_blank_values=1)
                req.form = form
        psp = PSPInterface(req, self.filename, form)
        try:
            scope = globals().copy()
            if "Session" in used:
                scope["Session"] = _session_module()
            scope.update({"req": req, "form": form, "psp": psp,
                          "session": getattr(req, "session", None)})
            scope.update(self.vars)
            scope.update(vars)
            scope["__file__"] = req.filename
            scope["__mp_info__"] = _InstanceInfo(None, req.filename, None)
            scope["__mp_path__"] = []
            try:
                exec(code, scope)
                if flush:
                    req.flush()
                # Loading a session changes its access time: always save.
                if hasattr(req, "session"):
                    req.session.save()
            except _SERVER_RETURN:
                raise
            except Exception:
                if psp.error_page is None:
                    raise
                psp.error_page.run({"exception": sys.exc_info()}, flush)
        finally:
            # A session made here is not left locked behind in req; one
            # the caller made stays as it was (MODPYTHON-176).
            if created is not None:
                try:
                    created.unlock()
                finally:
                    if getattr(req, "session", None) is created:
                        del req.session

    def display_code(self):
        """Write an HTML table: generated code next to the page source,
        line by line (the ``.psp_`` debug view)."""
        req = self.req
        directory, name = path_split(self.filename)
        code = parse(name, directory).splitlines()
        with open(self.filename, "rb") as f:
            source = f.read().decode("utf-8", "replace").splitlines()

        def cell(text):
            return escape(text).replace("\t", "    ").replace(" ", "&nbsp;")

        out = ["<table>\n<tr><td><tt></tt></td>"
               "<td><tt>&nbsp;PSP-produced Python Code:</tt></td>"
               "<td><tt>%s</tt></td></tr>\n" % escape(self.filename)]
        for number, line in enumerate(code, 1):
            src = source[number - 1] if number <= len(source) else ""
            out.append("<tr><td><tt>%d</tt></td>"
                       "<td><tt><font color='blue'>%s</font></tt></td>"
                       "<td><tt><font color='green'>%s</font></tt></td>"
                       "</tr>\n" % (number, cell(line), cell(src)))
        out.append("</table>\n")
        req.write("".join(out), 0)


class PSPInterface:
    """The ``psp`` object inside pages."""

    def __init__(self, req, filename, form):
        self.req = req
        self.filename = filename
        self.error_page = None
        self.form = form

    def set_error_page(self, page):
        """Run `page` if this page raises: ``/x.psp`` is under the document
        root, anything else relative to this page's directory."""
        if page and page[0] == "/":
            page = self.req.document_root() + page
        else:
            here = self.filename or self.req.filename
            page = os.path.join(os.path.dirname(here), page)
        self.error_page = PSP(self.req, page)

    def apply_data(self, object):
        """Call `object` with the matching form fields (and ``req``)."""
        if not self.form:
            form = getattr(self.req, "form", None)
            if form is None:
                form = util.FieldStorage(self.req, keep_blank_values=1)
                self.req.form = form
            self.form = form
        return util.apply_fs_data(object, self.form, req=self.req)

    def redirect(self, location, permanent=0):
        util.redirect(self.req, location, permanent)


# ----------------------------------------------------------------------
# The handler (section 8)

def handler(req):
    req.content_type = "text/html"
    try:
        debug = int(req.get_config().get("PythonDebug", 0))
    except ValueError:
        debug = 0
    if debug and req.filename.endswith("_"):
        PSP._for_display(req, req.filename[:-1]).display_code()
    else:
        PSP(req).run()
    return apache.OK
