"""mod_python.apache: the dispatcher the C module calls, and the API
handlers use (apache-module.md).

This module only imports inside Apache, where the built-in ``_apache``
exists.
"""

import sys
import os
import time
import traceback
import threading
import importlib
import importlib.machinery
import importlib.util
import types
from html import escape

import _apache
from _apache import (SERVER_RETURN, table, log_error, config_tree,
                     server_root, mpm_query, exists_config_define)
# apache.stat is APR's stat (APA-stat), not the standard library module of
# that name, which this module does not use.
from _apache import stat

# ----------------------------------------------------------------------
# Constants (apache-module.md 4)

OK = REQ_PROCEED = 0
DECLINED = REQ_NOACTION = -1
DONE = -2
REQ_ABORTED = 500
REQ_EXIT = "REQ_EXIT"

HTTP_CONTINUE = 100
HTTP_SWITCHING_PROTOCOLS = 101
HTTP_PROCESSING = 102
HTTP_OK = 200
HTTP_CREATED = 201
HTTP_ACCEPTED = 202
HTTP_NON_AUTHORITATIVE = 203
HTTP_NO_CONTENT = 204
HTTP_RESET_CONTENT = 205
HTTP_PARTIAL_CONTENT = 206
HTTP_MULTI_STATUS = 207
HTTP_MULTIPLE_CHOICES = 300
HTTP_MOVED_PERMANENTLY = 301
HTTP_MOVED_TEMPORARILY = 302
HTTP_SEE_OTHER = 303
HTTP_NOT_MODIFIED = 304
HTTP_USE_PROXY = 305
HTTP_TEMPORARY_REDIRECT = 307
HTTP_BAD_REQUEST = 400
HTTP_UNAUTHORIZED = 401
HTTP_PAYMENT_REQUIRED = 402
HTTP_FORBIDDEN = 403
HTTP_NOT_FOUND = 404
HTTP_METHOD_NOT_ALLOWED = 405
HTTP_NOT_ACCEPTABLE = 406
HTTP_PROXY_AUTHENTICATION_REQUIRED = 407
HTTP_REQUEST_TIME_OUT = 408
HTTP_CONFLICT = 409
HTTP_GONE = 410
HTTP_LENGTH_REQUIRED = 411
HTTP_PRECONDITION_FAILED = 412
HTTP_REQUEST_ENTITY_TOO_LARGE = 413
HTTP_REQUEST_URI_TOO_LARGE = 414
HTTP_UNSUPPORTED_MEDIA_TYPE = 415
HTTP_RANGE_NOT_SATISFIABLE = 416
HTTP_EXPECTATION_FAILED = 417
HTTP_IM_A_TEAPOT = 418
HTTP_UNPROCESSABLE_ENTITY = 422
HTTP_LOCKED = 423
HTTP_FAILED_DEPENDENCY = 424
HTTP_UPGRADE_REQUIRED = 426
HTTP_INTERNAL_SERVER_ERROR = 500
HTTP_NOT_IMPLEMENTED = 501
HTTP_BAD_GATEWAY = 502
HTTP_SERVICE_UNAVAILABLE = 503
HTTP_GATEWAY_TIME_OUT = 504
HTTP_VERSION_NOT_SUPPORTED = 505
HTTP_VARIANT_ALSO_VARIES = 506
HTTP_INSUFFICIENT_STORAGE = 507
HTTP_NOT_EXTENDED = 510

try:
    import syslog
    APLOG_EMERG = syslog.LOG_EMERG
    APLOG_ALERT = syslog.LOG_ALERT
    APLOG_CRIT = syslog.LOG_CRIT
    APLOG_ERR = syslog.LOG_ERR
    APLOG_WARNING = syslog.LOG_WARNING
    APLOG_NOTICE = syslog.LOG_NOTICE
    APLOG_INFO = syslog.LOG_INFO
    APLOG_DEBUG = syslog.LOG_DEBUG
except ImportError:
    APLOG_EMERG, APLOG_ALERT, APLOG_CRIT, APLOG_ERR = 0, 1, 2, 3
    APLOG_WARNING, APLOG_NOTICE, APLOG_INFO, APLOG_DEBUG = 4, 5, 6, 7
APLOG_NOERRNO = 0

REMOTE_HOST, REMOTE_NAME, REMOTE_NOLOOKUP, REMOTE_DOUBLE_REV = 0, 1, 2, 3

(FINFO_MODE, FINFO_INO, FINFO_DEV, FINFO_NLINK, FINFO_UID, FINFO_GID,
 FINFO_SIZE, FINFO_ATIME, FINFO_MTIME, FINFO_CTIME, FINFO_FNAME,
 FINFO_NAME, FINFO_FILETYPE) = range(13)

(URI_SCHEME, URI_HOSTINFO, URI_USER, URI_PASSWORD, URI_HOSTNAME, URI_PORT,
 URI_PATH, URI_QUERY, URI_FRAGMENT) = range(9)

PROXYREQ_NONE, PROXYREQ_PROXY, PROXYREQ_REVERSE, PROXYREQ_RESPONSE = range(4)

(M_GET, M_PUT, M_POST, M_DELETE, M_CONNECT, M_OPTIONS, M_TRACE, M_PATCH,
 M_PROPFIND, M_PROPPATCH, M_MKCOL, M_COPY, M_MOVE, M_LOCK, M_UNLOCK,
 M_VERSION_CONTROL, M_CHECKOUT, M_UNCHECKOUT, M_CHECKIN, M_UPDATE, M_LABEL,
 M_REPORT, M_MKWORKSPACE, M_MKACTIVITY, M_BASELINE_CONTROL, M_MERGE,
 M_INVALID) = range(27)

AP_REQ_ACCEPT_PATH_INFO, AP_REQ_REJECT_PATH_INFO = 0, 1
AP_REQ_DEFAULT_PATH_INFO = 2

AP_MPMQ_NOT_SUPPORTED, AP_MPMQ_STATIC, AP_MPMQ_DYNAMIC = 0, 1, 2

(AP_MPMQ_MAX_DAEMON_USED, AP_MPMQ_IS_THREADED, AP_MPMQ_IS_FORKED,
 AP_MPMQ_HARD_LIMIT_DAEMONS, AP_MPMQ_HARD_LIMIT_THREADS, AP_MPMQ_MAX_THREADS,
 AP_MPMQ_MIN_SPARE_DAEMONS, AP_MPMQ_MIN_SPARE_THREADS,
 AP_MPMQ_MAX_SPARE_DAEMONS, AP_MPMQ_MAX_SPARE_THREADS,
 AP_MPMQ_MAX_REQUESTS_DAEMON, AP_MPMQ_MAX_DAEMONS) = range(1, 13)

CGI_MAGIC_TYPE = "application/x-httpd-cgi"
INCLUDES_MAGIC_TYPE = "text/x-server-parsed-html"
INCLUDES_MAGIC_TYPE3 = "text/x-server-parsed-html3"
DIR_MAGIC_TYPE = "httpd/unix-directory"

REQUEST_NO_BODY, REQUEST_CHUNKED_ERROR, REQUEST_CHUNKED_DECHUNK = 0, 1, 2

from _apache import (AP_CONN_UNKNOWN, AP_CONN_CLOSE, AP_CONN_KEEPALIVE,
                     APR_NOFILE, APR_REG, APR_DIR, APR_CHR, APR_BLK,
                     APR_PIPE, APR_LNK, APR_SOCK, APR_UNKFILE,
                     MODULE_MAGIC_NUMBER_MAJOR, MODULE_MAGIC_NUMBER_MINOR)

APR_FINFO_LINK = 0x00000001
APR_FINFO_MTIME = 0x00000010
APR_FINFO_CTIME = 0x00000020
APR_FINFO_ATIME = 0x00000040
APR_FINFO_SIZE = 0x00000100
APR_FINFO_CSIZE = 0x00000200
APR_FINFO_DEV = 0x00001000
APR_FINFO_INODE = 0x00002000
APR_FINFO_NLINK = 0x00004000
APR_FINFO_TYPE = 0x00008000
APR_FINFO_USER = 0x00010000
APR_FINFO_GROUP = 0x00020000
APR_FINFO_UPROT = 0x00100000
APR_FINFO_GPROT = 0x00200000
APR_FINFO_WPROT = 0x00400000
APR_FINFO_ICASE = 0x01000000
APR_FINFO_NAME = 0x02000000
APR_FINFO_MIN = 0x00008170
APR_FINFO_IDENT = 0x00003000
APR_FINFO_OWNER = 0x00030000
APR_FINFO_PROT = 0x00700000
APR_FINFO_NORM = 0x0073b170
APR_FINFO_DIRENT = 0x02000000

# ----------------------------------------------------------------------
# Module data (apache-module.md 3)

interpreter = None
main_server = None
_callback = None
_path_cache = set()
_path_cache_lock = threading.Lock()

_PHASES = ("PythonPostReadRequestHandler", "PythonTransHandler",
           "PythonHeaderParserHandler", "PythonInitHandler",
           "PythonAccessHandler", "PythonAuthenHandler",
           "PythonAuthzHandler", "PythonTypeHandler", "PythonFixupHandler",
           "PythonHandler", "PythonLogHandler", "PythonCleanupHandler")

# Phase directive -> default object name (PH-py-default).
_phase_handler_names = {p: p[len("Python"):].lower() for p in _PHASES}

# Default object name -> the results after which the next entry of the
# phase runs (PH-stack-*).
_status_values = {
    "postreadrequesthandler": [DECLINED, OK],
    "transhandler": [DECLINED],
    "headerparserhandler": [DECLINED, OK],
    "inithandler": [DECLINED, OK],
    "accesshandler": [DECLINED, OK],
    "authenhandler": [DECLINED],
    "authzhandler": [DECLINED],
    "typehandler": [DECLINED],
    "fixuphandler": [DECLINED, OK],
    "handler": [OK],
    "loghandler": [DECLINED, OK],
    "cleanuphandler": [OK],
}

# ----------------------------------------------------------------------
# Importing handler modules (PH-imp-*)

_import_lock = threading.RLock()

# Names a re-import gets afresh from its spec rather than from the old
# module.
_IMPORT_STATE = frozenset(("__name__", "__spec__", "__loader__", "__file__",
                           "__cached__", "__path__", "__package__",
                           "__mtime__", "__mtime_check__"))


def module_mtime(module):
    """The newest mtime of the module's file and of the same name without
    its last character (a .py beside a .pyc); 0 without a file."""
    mtime = 0
    filename = module.__dict__.get("__file__")
    if filename:
        for name in (filename, filename[:-1]):
            try:
                mtime = max(mtime, os.stat(name).st_mtime)
            except OSError:
                pass
    module.__mtime_check__ = time.time()
    return mtime


def _find_spec(name, path):
    """Locate `name` afresh (never from sys.modules)."""
    parent_name, _, _ = name.rpartition(".")
    if parent_name:
        parent = sys.modules.get(parent_name) or importlib.import_module(
            parent_name)
        return importlib.machinery.PathFinder.find_spec(
            name, getattr(parent, "__path__", None))
    if path:
        return importlib.machinery.PathFinder.find_spec(name, path)
    for finder in sys.meta_path:
        find_spec = getattr(finder, "find_spec", None)
        spec = find_spec(name, None) if find_spec else None
        if spec is not None:
            return spec
    return None


def _load(name, path, old):
    spec = _find_spec(name, path)
    if spec is None:
        raise ModuleNotFoundError("No module named %r" % name, name=name)
    module = importlib.util.module_from_spec(spec)
    # The file's mtime before its source is read: an edit landing while
    # the module executes is then newer than what is recorded, and the
    # next check loads it (else the module would stay on the old code).
    mtime = module_mtime(module)
    if old is None:
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            if sys.modules.get(name) is module:
                del sys.modules[name]
            raise
    else:
        # Reload semantics on a copy: the new code runs over the old
        # globals, and only a fully executed module replaces the old one,
        # so no request ever sees a half-loaded module.
        for key, value in old.__dict__.items():
            if key not in _IMPORT_STATE:
                module.__dict__[key] = value
        if isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            # From the source: a .pyc written in the same second as an
            # edit could otherwise look current.
            source = spec.loader.get_data(spec.origin)
            exec(compile(source, spec.origin, "exec", dont_inherit=True),
                 module.__dict__)
        else:
            spec.loader.exec_module(module)
        sys.modules[name] = module
    parent_name, _, child = name.rpartition(".")
    if parent_name and parent_name in sys.modules:
        setattr(sys.modules[parent_name], child, module)
    module.__mtime__ = mtime
    return module


def _is_current(module, path):
    filename = module.__dict__.get("__file__")
    if not filename:
        return False
    if path and not any(filename.startswith(p) for p in path):
        return False
    if time.time() - module.__dict__.get("__mtime_check__", 0) <= 1:
        return True
    return module_mtime(module) == module.__dict__.get("__mtime__", 0)


def import_module(module_name, autoreload=1, log=0, path=None):
    """Import `module_name`, re-importing it when autoreload is on and its
    file changed (checked at most once a second)."""
    module = sys.modules.get(module_name)
    # Without the lock only a module this function finished loading (it
    # has __mtime__) is handed out: a first import still executing in
    # another thread is already in sys.modules.
    done = module is not None and "__mtime__" in module.__dict__
    if done and (not autoreload or _is_current(module, path)):
        return module
    with _import_lock:
        current = sys.modules.get(module_name)
        if current is not None:
            if not autoreload:
                return current
            if "__mtime__" in current.__dict__ and (current is not module
                                                    or not done):
                return current      # (re)loaded while we waited
        if log:
            where = " with path set to '%s'" % path if path else ""
            log_error("mod_python: (Re)importing module '%s'%s"
                      % (module_name, where), APLOG_NOTICE)
        return _load(module_name, path, current)


def resolve_object(module, obj_str, arg=None, silent=0):
    """The object at dotted path `obj_str` in `module`.  A class met on
    the way is instantiated with `arg` before its attribute is taken."""
    parts = obj_str.split(".")
    try:
        if len(parts) == 1:
            # A plain name comes straight from the module's namespace
            # (PH-resolve-fast); a dotted path walks with getattr.
            obj = module.__dict__[parts[0]]
        else:
            obj = getattr(module, parts[0])
    except (KeyError, AttributeError):
        if silent:
            return None
        raise AttributeError("module '%s' contains no '%s'"
                             % (module.__dict__.get("__file__"), parts[0]))
    for part in parts[1:]:
        parent = obj(arg) if isinstance(obj, type) else obj
        try:
            obj = getattr(parent, part)
        except AttributeError:
            if silent:
                return None
            raise
    return obj


# Names of this module's namespace that are imported on first use only:
# each costs every server process megabytes.  They are still there for
# PythonPath expressions and as attributes (APA-import-deps).
_LAZY_IMPORTS = ("pdb", "inspect")


def __getattr__(name):
    if name in _LAZY_IMPORTS:
        module = globals()[name] = importlib.import_module(name)
        return module
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


def _eval_path(path):
    """Apply a PythonPath expression, once per interpreter per text."""
    if path in _path_cache:
        return
    with _path_cache_lock:
        if path not in _path_cache:
            for name in _LAZY_IMPORTS:
                if name in path and name not in globals():
                    __getattr__(name)
            sys.path[:] = eval(path, globals())
            _path_cache.add(path)


def _server_return_value(req, exc):
    """The result a SERVER_RETURN stands for (PH-sr-*)."""
    args = exc.args
    if len(args) == 2:
        code, status = args
        if status and req is not None:
            req.status = status
        return code
    return args[0]


# ----------------------------------------------------------------------
# The dispatcher (PH-py-*)

class CallBack:
    """The per-interpreter object the C module calls into."""

    def _call(self, obj, arg, debug_with_pdb):
        if debug_with_pdb:
            return __getattr__("pdb").runcall(obj, arg)
        return obj(arg)

    def HandlerDispatch(self, req):
        config = req.get_config()
        debug = config.get("PythonDebug") == "1"
        autoreload = config.get("PythonAutoReload", "1") == "1"
        use_pdb = (config.get("PythonEnablePdb") == "1"
                   and exists_config_define("ONE_PROCESS"))
        python_path = config.get("PythonPath")
        phase = req.phase
        default = _phase_handler_names[phase]
        continue_on = _status_values[default]
        hlist = req.hlist
        result = HTTP_INTERNAL_SERVER_ERROR
        ran = skipped = False
        spec = hlist.handler
        try:
            while spec is not None:
                module_name, _, obj_path = spec.partition("::")
                if python_path:
                    _eval_path(python_path)
                else:
                    directory = hlist.directory
                    if (directory and not hlist.is_location
                            and directory not in sys.path):
                        sys.path.insert(0, directory)
                module = import_module(module_name, autoreload=autoreload,
                                       log=debug)
                obj = resolve_object(module, obj_path or default, arg=req,
                                     silent=hlist.silent)
                if obj is None and hlist.silent:
                    skipped = True
                else:
                    try:
                        result = self._call(obj, req, use_pdb)
                    except SERVER_RETURN as exc:
                        result = _server_return_value(req, exc)
                    if type(result) is not int:
                        raise AssertionError(
                            "Handler '%s' returned invalid return code: %r "
                            "(a non-integer)" % (spec, result))
                    ran = True
                    if result not in continue_on:
                        break
                hlist.next()
                spec = hlist.handler
            if skipped and not ran:
                result = DECLINED
        except BaseException:
            result = self.ReportError(*sys.exc_info(), req=req, phase=phase,
                                      hname=spec, debug=debug)
        return result

    def FilterDispatch(self, filter):
        """Run one invocation of a Python filter (PH-filter-py).  The
        return value is ignored by the C side."""
        req = filter.req
        config = req.get_config()
        debug = config.get("PythonDebug") == "1"
        spec = filter.handler
        try:
            module_name, _, obj_path = spec.partition("::")
            python_path = config.get("PythonPath")
            if python_path:
                _eval_path(python_path)
            else:
                directory = filter.dir
                if directory and directory not in sys.path:
                    sys.path.insert(0, directory)
            module = import_module(
                module_name, log=debug,
                autoreload=config.get("PythonAutoReload", "1") == "1")
            default = "inputfilter" if filter.is_input else "outputfilter"
            obj = resolve_object(module, obj_path or default, arg=filter)
            use_pdb = (config.get("PythonEnablePdb") == "1"
                       and exists_config_define("ONE_PROCESS"))
            try:
                self._call(obj, filter, use_pdb)
            except SERVER_RETURN as exc:
                # The status is applied; the code means nothing to a
                # filter (PH-sr-filter).
                result = _server_return_value(req, exc)
                if type(result) is not int:
                    log_error("Value raised with SERVER_RETURN is invalid. "
                              "It is a %s, but it must be a tuple or an "
                              "int." % type(result), APLOG_ERR, req.server)
                return
            if not filter.closed:
                filter.flush()
        except BaseException:
            # Pass-through first, so that the error text itself can flow
            # and Python is not called again (PH-err-filter).
            filter.disable()
            self.ReportError(*sys.exc_info(), filter=filter,
                             phase=filter.name, hname=spec, debug=debug)

    def ConnectionDispatch(self, conn):
        server = conn.base_server
        config = server.get_config()
        debug = config.get("PythonDebug") == "1"
        spec = conn.hlist.handler
        try:
            module_name, _, obj_path = spec.partition("::")
            python_path = config.get("PythonPath")
            if python_path:
                _eval_path(python_path)
            module = import_module(
                module_name, log=debug,
                autoreload=config.get("PythonAutoReload", "1") == "1")
            handler = resolve_object(module, obj_path or "connectionhandler",
                                     arg=conn)
            use_pdb = (config.get("PythonEnablePdb") == "1"
                       and exists_config_define("ONE_PROCESS"))
            result = self._call(handler, conn, use_pdb)
            if type(result) is not int:
                raise AssertionError(
                    "Handler '%s' returned invalid return code: %r "
                    "(a non-integer)" % (spec, result))
            return result
        except BaseException:
            self.ReportError(*sys.exc_info(), srv=server,
                             phase="ConnectionHandler", hname=spec,
                             debug=debug)
            return HTTP_INTERNAL_SERVER_ERROR

    def ImportDispatch(self, name):
        config = main_server.get_config()
        python_path = config.get("PythonPath")
        if python_path:
            _eval_path(python_path)
        module_name, _, func = name.partition("::")
        module = import_module(module_name,
                               log=config.get("PythonDebug") == "1")
        if func:
            getattr(module, func)()

    def IncludeDispatch(self, filter, tag, code):
        """Run the code of an SSI #python element (PH-ssi-run); True on
        success, False once the error is reported."""
        req = filter.req
        try:
            namespace = req.__dict__.get("ssi_globals")
            if namespace is None:
                namespace = req.ssi_globals = {}
            namespace["filter"] = filter
            namespace["__file__"] = req.filename
            code = code.replace("\r\n", "\n").rstrip()
            if tag == "eval":
                result = eval(code, namespace)
                if result is not None:
                    filter.write(str(result))
            else:
                exec(code, namespace)
            filter.flush()
            namespace["filter"] = None
            return True
        except BaseException:
            filter.disable()
            self.ReportError(*sys.exc_info(), filter=filter,
                             debug=req.get_config().get("PythonDebug") == "1")
            return False

    def ReportError(self, etype, evalue, etb, req=None, filter=None,
                    srv=None, phase="N/A", hname="N/A", debug=0):
        """Log the exception; with debug, also send it to the client.
        Returns the phase result (PH-err-*)."""
        try:
            # The dispatcher's own frames say nothing about the error.
            while (etb is not None and etb.tb_next is not None
                   and etb.tb_frame.f_code.co_filename == __file__):
                etb = etb.tb_next
            lines = []
            for chunk in traceback.format_exception(etype, evalue, etb):
                lines.extend(chunk.rstrip("\n").split("\n"))
            if filter is not None:
                req = filter.req
                phase, hname = filter.name, filter.handler
            for line in lines:
                message = "%s %s: %s" % (phase, hname, line)
                if req is not None:
                    req.log_error(message, APLOG_ERR)
                elif srv is not None:
                    srv.log_error(message, APLOG_ERR)
                else:
                    log_error(message, APLOG_ERR)
            # A failed write to a client that left: nobody to tell.
            client_gone = (isinstance(evalue, OSError)
                           and str(evalue).startswith("Write"))
            if not debug or req is None or client_gone:
                return HTTP_INTERNAL_SERVER_ERROR
            page = ['\n<pre>\nMod_python error: "%s %s"\n\n'
                    % (escape(str(phase)), escape(str(hname)))]
            page.extend(escape(line) + "\n" for line in lines)
            page.append("</pre>\n")
            page = "".join(page)
            req.status = HTTP_INTERNAL_SERVER_ERROR
            req.content_type = "text/html"
            if filter is not None:
                filter.write(page)
                filter.flush()
            else:
                req.write(page)
            return DONE
        except BaseException:
            traceback.print_exc(file=sys.stderr)
            sys.stderr.flush()
            return HTTP_INTERNAL_SERVER_ERROR
        finally:
            etb = None


def init(name, server):
    """Called by the C module once per interpreter (APA-init)."""
    global interpreter, main_server, _callback
    interpreter = name
    main_server = server
    sys.argv = ["mod_python"]
    _callback = CallBack()
    return _callback


def register_cleanup(callable, data=None):
    """Call `callable(data)` at child exit, in this interpreter."""
    _apache.register_cleanup(interpreter, main_server, callable, data)


make_table = table


# ----------------------------------------------------------------------
# CGI emulation helpers (APA-CGIStdin, APA-CGIStdout, CGI-*)

class NullIO:
    """A file that reads nothing and writes nowhere."""

    def tell(self):
        return 0

    def read(self, n=-1):
        return ""

    def readline(self, n=-1):
        return ""

    def readlines(self, hint=-1):
        return []

    def write(self, s):
        pass

    def writelines(self, seq):
        pass

    def isatty(self):
        return 0

    def flush(self):
        pass

    def close(self):
        pass

    def detach(self):
        pass

    def seek(self, pos, whence=0):
        pass


class CGIStdin(NullIO):
    """The request body as a CGI script's standard input.  Everything is
    bytes (the original mixed a str buffer with the bytes of req.read)."""

    BLOCK = 65536

    def __init__(self, req):
        self.req = req
        self.pos = 0
        self.buf = b""

    @property
    def buffer(self):
        # Python 3 CGI code reads sys.stdin.buffer (cgi.FieldStorage).
        return self

    def _more(self):
        data = self.req.read(self.BLOCK)
        self.buf += data
        return bool(data)

    def _take(self, n):
        data, self.buf = self.buf[:n], self.buf[n:]
        self.pos += len(data)
        return data

    def read(self, n=-1):
        if n is None or n < 0:
            while self._more():
                pass
            return self._take(len(self.buf))
        while len(self.buf) < n and self._more():
            pass
        return self._take(n)

    def readline(self, n=-1):
        if n is None:
            n = -1
        start = 0
        while True:
            end = self.buf.find(b"\n", start)
            if end >= 0:
                end += 1
                break
            start = len(self.buf)
            if 0 <= n <= start or not self._more():
                end = len(self.buf)
                break
        if 0 <= n < end:
            end = n
        return self._take(end)

    def readlines(self, hint=-1):
        lines = []
        while True:
            line = self.readline()
            if not line:
                return lines
            lines.append(line)

    def tell(self):
        return self.pos


class CGIStdout(NullIO):
    """Collects a CGI script's header lines, then sends the body.  Takes
    str (sent as UTF-8, like req.write) or bytes (sent unchanged)."""

    def __init__(self, req):
        self.req = req
        self.headers_sent = False
        self.headers = b""
        self.pos = 0

    @property
    def buffer(self):
        # Python 3 CGI code writes bytes to sys.stdout.buffer.
        return self

    def write(self, s):
        if not s:
            return
        if isinstance(s, str):
            s = s.encode("utf-8")
        else:
            s = bytes(s)
        self.pos += len(s)
        if self.headers_sent:
            self.req.write(s)
            return
        self.headers += s
        for blank in (b"\r\n\r\n", b"\n\n"):
            end = self.headers.find(blank)
            if end >= 0:
                break
        else:
            return
        head, body = self.headers[:end], self.headers[end + len(blank):]
        self.headers = b""
        for line in head.decode("latin-1").splitlines():
            name, sep, value = line.partition(":")
            if not sep:
                raise ValueError("invalid CGI header line: %r" % line)
            name, value = name.strip(), value.strip()
            lname = name.lower()
            if lname == "status":
                self.req.status = int(value.split()[0])
            elif lname == "content-type":
                self.req.content_type = value
                self.req.headers_out[name] = value
            else:
                self.req.headers_out.add(name, value)
        self.headers_sent = True
        if body:
            self.req.write(body)

    def tell(self):
        return self.pos


def build_cgi_env(req):
    """The CGI environment of `req`, as a new table (APA-build_cgi_env)."""
    req.add_cgi_vars()
    env = req.subprocess_env.copy()
    path_info = req.path_info
    if path_info and req.uri.endswith(path_info):
        env["SCRIPT_NAME"] = req.uri[:-len(path_info)]
    else:
        env["SCRIPT_NAME"] = req.uri
    env["GATEWAY_INTERFACE"] = "Python-CGI/1.1"
    authorization = req.headers_in.get("Authorization")
    if authorization is not None:
        env["HTTP_AUTHORIZATION"] = authorization
    return env


def setup_cgi(req):
    """Make this process look like a CGI script's (APA-setup_cgi);
    returns what restore_nocgi() needs."""
    saved_environ = dict(os.environ)
    for key, value in build_cgi_env(req).items():
        # httpd leaves some variables NULL (SCRIPT_FILENAME under a
        # <Location> with no file); an environment has no such thing.
        if value is not None:
            os.environ[key] = value
    saved = (saved_environ, sys.stdin, sys.stdout)
    sys.stdout = CGIStdout(req)
    sys.stdin = CGIStdin(req)
    sys.argv = []
    return saved


def restore_nocgi(saved_environ, old_stdin, old_stdout):
    """Undo setup_cgi() (each stream back where it was)."""
    os.environ.clear()
    os.environ.update(saved_environ)
    sys.stdin = old_stdin
    sys.stdout = old_stdout
