"""mod_python.cgihandler: run unmodified CGI scripts inside the server
(other-handlers.md section 1).

    <Directory /var/www/cgi>
        SetHandler mod_python
        PythonHandler mod_python.cgihandler
    </Directory>

The requested file is executed as Python source, afresh on every request,
with CGI's view of the world: ``print`` and ``sys.stdout`` produce the
response (header lines, a blank line, the body), ``sys.stdin`` reads the
request body, ``os.environ`` holds the CGI variables.

Unlike the original, requests do not take turns behind one process-wide
lock.  ``sys.stdout``, ``sys.stdin`` and ``os.environ`` are replaced, once,
by proxies that forward to the objects of the request the *current thread*
is running, and to the real objects everywhere else.  So concurrent
requests each see their own environment, input and output, and other
handlers in the interpreter keep the real ``os.environ`` (with ``putenv``).

What remains process-wide:

- The working directory.  A script runs with its own directory as the
  current directory, as under CGI.  Requests for scripts of one directory
  run side by side; a request for a script in another directory waits
  until they are done (the directory cannot be two things at once).
  ``PythonOption mod_python.cgihandler.chdir Off`` leaves the working
  directory alone: no waiting at all, but relative file names are then
  relative to the server's working directory, so such scripts should
  build paths from ``__file__``.
- Threads started by a script, and child processes (``os.system``,
  ``subprocess``) see the real streams and the real environment.
- ``sys.argv`` is left as it is (the original set it to ``[]``).

mod_python.httpdapi's ``hook_stdout()`` uses the same per-thread
``sys.stdout``.

Other differences from the original, all as the specification recommends
or to behave like CGI:

- The exact requested file runs as Python source whatever its extension
  (``x.cgi`` is never swapped for ``x.py``), with ``__name__`` set to
  ``"__main__"`` and ``__file__`` to its path.  It is not put into
  ``sys.modules``.
- Before each request the modules imported since this module was first
  imported are dropped from ``sys.modules``, so that a script's helper
  modules run afresh too; the standard library, site-packages,
  mod_python itself and the handler modules mod_python loads (these have
  their own reloading) are kept.
- ``sys.stdin`` is text (Latin-1, so no byte is lost) with the binary
  body under ``sys.stdin.buffer``, as the ``cgi`` module needs for POST.
  ``sys.stdout`` takes ``str`` (UTF-8) and ``bytes``, and has a binary
  ``.buffer``; its writes are not flushed one by one (``flush()`` does).
- ``Location`` without ``Status`` answers 302; output that ends without
  the blank line is taken as headers only; ``sys.exit()`` ends the
  script normally, as it ends a CGI process.
"""

import builtins
import collections.abc
import io
import os
import re
import site
import sys
import sysconfig
import threading

from mod_python import apache

# ----------------------------------------------------------------------
# Per-thread streams and environment


class _State(threading.local):
    """What the current thread's CGI request uses; None outside one."""
    stdout = None
    stdin = None
    environ = None


_local = _State()


class _NullStream(apache.NullIO):
    """Where a stream proxy forwards when the real stream is None (as in
    a daemon without a console): writes vanish, reads find nothing."""


_NULL = _NullStream()


class _StreamProxy:
    """Stands in for sys.stdout or sys.stdin: forwards everything to the
    stream of the current thread's CGI request, else to the stream that
    was in place when the proxy was installed."""

    _mp_cgi_proxy = True

    def __init__(self, slot, default):
        object.__setattr__(self, "_slot", slot)
        object.__setattr__(self, "_default", default)

    def _target(self):
        stream = getattr(_local, self._slot)
        if stream is None:
            stream = self._default
        return _NULL if stream is None else stream

    def __getattr__(self, name):
        return getattr(self._target(), name)

    def __setattr__(self, name, value):
        setattr(self._target(), name, value)

    # Special methods are looked up on the type, so they are spelled out.
    def write(self, data):
        return self._target().write(data)

    def __iter__(self):
        return iter(self._target())

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def __repr__(self):
        return "<CGI %s proxy for %r>" % (self._slot, self._target())


class _EnvironProxy(collections.abc.MutableMapping):
    """Stands in for os.environ: the current thread's CGI environment, or
    the real os.environ (which also calls putenv) outside CGI requests."""

    _mp_cgi_proxy = True

    def __init__(self, default):
        self._default = default

    def _target(self):
        env = _local.environ
        return self._default if env is None else env

    def __getitem__(self, key):
        return self._target()[key]

    def __setitem__(self, key, value):
        self._target()[key] = value

    def __delitem__(self, key):
        del self._target()[key]

    def __iter__(self):
        return iter(self._target())

    def __len__(self):
        return len(self._target())

    def __contains__(self, key):
        return key in self._target()

    def copy(self):
        return dict(self._target())

    def __or__(self, other):
        if not isinstance(other, collections.abc.Mapping):
            return NotImplemented
        merged = self.copy()
        merged.update(other)
        return merged

    def __ror__(self, other):
        if not isinstance(other, collections.abc.Mapping):
            return NotImplemented
        merged = dict(other)
        merged.update(self._target())
        return merged

    def __ior__(self, other):
        self.update(other)
        return self

    def __repr__(self):
        return "environ(%r)" % (dict(self._target()),)


_install_lock = threading.Lock()


def _unwrap(obj):
    """The object a proxy (possibly of an earlier copy of this module)
    forwards to outside requests."""
    while getattr(obj, "_mp_cgi_proxy", False):
        obj = obj.__dict__["_default"]
    return obj


def _install():
    """Put the proxies in place, unless they still are (something may have
    replaced sys.stdout since).  Idempotent and cheap."""
    if (sys.stdout is _stdout and sys.stdin is _stdin
            and os.environ is _environ):
        return
    with _install_lock:
        for name, proxy in (("stdout", _stdout), ("stdin", _stdin)):
            current = getattr(sys, name)
            if current is not proxy:
                object.__setattr__(proxy, "_default", _unwrap(current))
                setattr(sys, name, proxy)
        if os.environ is not _environ:
            _environ._default = _unwrap(os.environ)
            os.environ = _environ


_stdout = _StreamProxy("stdout", _unwrap(sys.stdout))
_stdin = _StreamProxy("stdin", _unwrap(sys.stdin))
_environ = _EnvironProxy(_unwrap(os.environ))


def _patch_cgi_module():
    """The cgi module binds os.environ as a default argument when it is
    imported; if that happened before the proxy was installed, point
    those defaults at the proxy (outside requests it is the same
    environment)."""
    cgi = sys.modules.get("cgi")
    if cgi is None or getattr(cgi, "_mp_cgi_patched", False):
        return
    real = _environ._default
    for obj in list(vars(cgi).values()):
        func = obj.__init__ if isinstance(obj, type) else obj
        defaults = getattr(func, "__defaults__", None)
        if defaults and any(d is real for d in defaults):
            func.__defaults__ = tuple(_environ if d is real else d
                                      for d in defaults)
    cgi._mp_cgi_patched = True


# ----------------------------------------------------------------------
# The script's output and input


_BLANK_LINE = re.compile(rb"\r?\n\r?\n")
_LINE_END = re.compile(rb"\r?\n")


class _WriteOnly:
    """What a write-only, unseekable stream says about itself."""

    closed = False

    def writable(self):
        return True

    def readable(self):
        return False

    def seekable(self):
        return False

    def isatty(self):
        return False

    def close(self):
        pass


class _BinaryOutput(_WriteOnly):
    """sys.stdout.buffer: the same output, for bytes."""

    def __init__(self, owner):
        self._owner = owner

    def write(self, data):
        data = bytes(data)
        self._owner._emit(data)
        return len(data)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        self._owner.flush()

    def tell(self):
        return self._owner.tell()


class CGIOutput(_WriteOnly):
    """A CGI script's standard output: the header block first (up to the
    first blank line), then the body (CGI-stdout)."""

    encoding = "utf-8"
    errors = "surrogateescape"
    mode = "w"
    name = "<cgi stdout>"
    line_buffering = False
    newlines = None

    def __init__(self, req):
        self.req = req
        self.buffer = _BinaryOutput(self)
        self._head = b""
        self._in_body = False
        self._pos = 0

    def write(self, s):
        if isinstance(s, str):
            self._emit(s.encode(self.encoding, self.errors))
        else:
            self._emit(bytes(s))
        return len(s)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def _emit(self, data):
        if not data:
            return
        self._pos += len(data)
        if self._in_body:
            self.req.write(data, 0)
            return
        self._head += data
        blank = _BLANK_LINE.search(self._head)
        if blank is None:
            return
        head, body = self._head[:blank.start()], self._head[blank.end():]
        self._head = b""
        self._headers(head)
        if body:
            self.req.write(body, 0)

    def _headers(self, head):
        """Apply the script's header lines to the response."""
        self._in_body = True
        req = self.req
        status = location = None
        for line in _LINE_END.split(head):
            if not line:
                continue
            name, sep, value = line.decode("latin-1").partition(":")
            name, value = name.strip(), value.strip()
            if not sep or not name:
                raise ValueError("malformed header from CGI script: %r"
                                 % line)
            lname = name.lower()
            if lname == "status":
                code, _, reason = value.partition(" ")
                status = int(code)
                req.status = status
                if reason.strip():
                    req.status_line = "%d %s" % (status, reason.strip())
            elif lname == "content-type":
                req.content_type = value
            elif lname == "location":
                location = value
                req.headers_out["Location"] = value
            else:
                req.headers_out.add(name, value)
        # CGI's client redirect: a Location without a Status (RFC 3875).
        if location is not None and status is None:
            req.status = apache.HTTP_MOVED_TEMPORARILY

    def finish(self):
        """The script is done: output that never reached the blank line
        is taken as a header block."""
        if not self._in_body and self._head:
            head, self._head = self._head, b""
            self._headers(head)

    def flush(self):
        if self._in_body:
            self.req.flush()

    def tell(self):
        return self._pos

    def fileno(self):
        raise io.UnsupportedOperation("CGI output has no file descriptor")


class _BodyReader(io.RawIOBase):
    """The request body as a raw binary stream."""

    def __init__(self, req):
        super().__init__()
        self._req = req

    def readable(self):
        return True

    def readinto(self, buf):
        data = self._req.read(len(buf))
        buf[:len(data)] = data
        return len(data)

    def close(self):
        # Closing stdin must not (and cannot) close the request.
        super().close()


def cgi_stdin(req):
    """A CGI script's standard input: text decoded as Latin-1, so every
    byte survives, with the binary body under ``.buffer`` (CGI-stdin)."""
    return io.TextIOWrapper(io.BufferedReader(_BodyReader(req), 65536),
                            encoding="latin-1", newline="")


# ----------------------------------------------------------------------
# Sharing the working directory


class _DirectoryGate:
    """Lets requests whose scripts live in the same directory run at once
    with that directory as the working directory; a request for another
    directory waits until the current ones are done.  Newcomers for the
    current directory also wait while others wait, so no directory
    starves."""

    def __init__(self):
        self._cond = threading.Condition(threading.Lock())
        self._dir = None
        self._users = 0
        self._waiting = 0
        self._round = 0         # counts the times the users dropped to 0
        self._saved = None

    def enter(self, directory):
        with self._cond:
            if self._users and (self._dir != directory or self._waiting):
                self._waiting += 1
                start = self._round
                try:
                    # Until the directory is free, or a later round
                    # began with this directory.
                    while self._users and (self._dir != directory
                                           or self._round == start):
                        self._cond.wait()
                finally:
                    self._waiting -= 1
            if not self._users:
                try:
                    self._saved = os.getcwd()
                except OSError:
                    self._saved = None
                os.chdir(directory)
                self._dir = directory
            self._users += 1

    def leave(self):
        with self._cond:
            self._users -= 1
            if self._users:
                return
            self._dir = None
            self._round += 1
            try:
                if self._saved is not None:
                    os.chdir(self._saved)
            except OSError:
                pass
            self._cond.notify_all()


_gate = _DirectoryGate()


# ----------------------------------------------------------------------
# Re-running scripts and their helper modules (CGI-reload)

# The modules present before the first CGI request are never dropped.
_preloaded = frozenset(sys.modules)


def _kept_directories():
    dirs = {os.path.dirname(os.__file__),
            os.path.dirname(os.path.abspath(apache.__file__))}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        try:
            dirs.add(sysconfig.get_path(key))
        except (KeyError, ValueError):
            pass
    try:
        dirs.update(site.getsitepackages())
    except AttributeError:
        pass
    try:
        dirs.add(site.getusersitepackages())
    except AttributeError:
        pass
    return {os.path.join(d, "") for d in dirs if d}


_kept = _kept_directories()


def _purge_modules():
    """Drop the modules a script may have imported since the snapshot, so
    that they run afresh on their next import."""
    kept = set(_kept)
    for entry in sys.path:
        if os.path.basename(entry.rstrip(os.sep)) in ("site-packages",
                                                      "dist-packages"):
            kept.add(os.path.join(entry, ""))
    kept = tuple(kept)
    for name, module in list(sys.modules.items()):
        if name in _preloaded:
            continue
        namespace = getattr(module, "__dict__", None)
        if not isinstance(namespace, dict):
            continue
        filename = namespace.get("__file__")
        if not filename or not isinstance(filename, str):
            continue            # built-in or namespace package
        if "__mtime__" in namespace:
            continue            # a handler module: apache.import_module's
        spec = namespace.get("__spec__")
        if getattr(spec, "_initializing", False):
            continue            # another thread is importing it right now
        if os.path.abspath(filename).startswith(kept):
            continue
        if sys.modules.get(name) is module:
            sys.modules.pop(name, None)


# ----------------------------------------------------------------------
# Running a script

_code_cache = {}


def _compile(path):
    """The code of the script at `path`, compiled again when it changed."""
    st = os.stat(path)
    key = (st.st_mtime_ns, st.st_size)
    cached = _code_cache.get(path)
    if cached is not None and cached[0] == key:
        return cached[1]
    with open(path, "rb") as f:
        source = f.read()
    code = compile(source, path, "exec", dont_inherit=True)
    _code_cache[path] = (key, code)
    return code


def _script_path(req):
    """CGI-script: SCRIPT_FILENAME if something set it, else the file the
    URL maps to."""
    return req.subprocess_env.get("script_filename") or req.filename


def _chdir_wanted(req):
    value = req.get_options().get("mod_python.cgihandler.chdir", "On")
    return value.strip().lower() not in ("off", "0", "no", "false")


def handler(req):
    path = _script_path(req)
    if not path:
        return apache.HTTP_NOT_FOUND
    directory = os.path.dirname(path)
    full = os.path.abspath(path)
    # CGI-exists: a file, and one that lies in the directory named.
    if (os.path.dirname(full) != os.path.abspath(directory)
            or not os.path.isfile(full)):
        return apache.HTTP_NOT_FOUND
    code = _compile(full)

    _purge_modules()
    _install()
    _patch_cgi_module()
    environ = dict(apache.build_cgi_env(req).items())
    stdout = CGIOutput(req)
    stdin = cgi_stdin(req)

    chdir = _chdir_wanted(req)
    if chdir:
        _gate.enter(os.path.dirname(full))
    saved = (_local.stdout, _local.stdin, _local.environ)
    _local.stdout, _local.stdin, _local.environ = stdout, stdin, environ
    try:
        namespace = {"__name__": "__main__", "__file__": full,
                     "__builtins__": builtins, "__doc__": None}
        try:
            exec(code, namespace)
        except SystemExit:
            pass                # a CGI script may simply exit
        stdout.finish()
    finally:
        _local.stdout, _local.stdin, _local.environ = saved
        if chdir:
            _gate.leave()
    return apache.OK


# CGI-import-env: from the first import on, os.environ and the streams
# are the proxies (transparent outside CGI requests).
_install()
