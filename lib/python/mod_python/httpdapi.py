"""mod_python.httpdapi: run Httpdapy/Nsapy-style modules unchanged
(other-handlers.md section 6; mod_python 2.x).

    <Directory /var/www/httpdapy>
        SetHandler python-program
        PythonHandler mod_python.httpdapi
        PythonOption debug 1
    </Directory>

A request for ``.../name.ext`` imports the module ``name`` (from the
file's directory), makes an instance of its ``RequestHandler`` class with
the NSAPI-like objects ``pb``, ``sn`` and ``rq``, and returns what its
``Handle()`` returns.  For the authentication phase
(``PythonAuthenHandler mod_python.httpdapi``) the module named by
``PythonOption authhandler`` supplies ``AuthHandler`` instead.

Options: ``rootpkg`` (package prefix of the module), ``handler`` (module
name instead of the one from the URL), ``authhandler`` (module for the
authentication phase, required there), ``debug`` (passed to ``Handle``:
errors raise ``PROG_TRACEBACK`` instead of a plain 500).

An old module changes one line: ``from mod_python import httpdapi``
instead of ``import httpdapi``.  Differences from 2.x: ``PROG_TRACEBACK``
is an exception class (string exceptions are gone), the 500 path of
``Handle`` and ``form_data()`` work (they failed with a NameError), and
``hook_stdout()`` redirects ``print`` for the calling thread only.
"""

import os
import sys
import threading
import traceback
from base64 import b64decode
from urllib.parse import parse_qs

from mod_python import apache
from mod_python.apache import SERVER_RETURN

# ----------------------------------------------------------------------
# Constants (HTTPDAPI-const)

REQ_PROCEED = apache.REQ_PROCEED        # 0
REQ_ABORTED = apache.REQ_ABORTED        # 500
REQ_NOACTION = apache.REQ_NOACTION      # -1
REQ_EXIT = apache.REQ_EXIT              # "REQ_EXIT"


class PROG_TRACEBACK(Exception):
    """Raised by ``Handle(debug=1)`` for an error in the application; its
    args are the exception's (type, value, traceback), and the original
    is chained, so the dispatcher's report shows both."""


PROTOCOL_CONTINUE = apache.HTTP_CONTINUE
PROTOCOL_SWITCHING = apache.HTTP_SWITCHING_PROTOCOLS
PROTOCOL_OK = apache.HTTP_OK
PROTOCOL_CREATED = apache.HTTP_CREATED
PROTOCOL_NO_RESPONSE = apache.HTTP_NO_CONTENT
PROTOCOL_PARTIAL_CONTENT = apache.HTTP_PARTIAL_CONTENT
PROTOCOL_REDIRECT = apache.HTTP_MOVED_TEMPORARILY
PROTOCOL_NOT_MODIFIED = apache.HTTP_NOT_MODIFIED
PROTOCOL_BAD_REQUEST = apache.HTTP_BAD_REQUEST
PROTOCOL_UNAUTHORIZED = apache.HTTP_UNAUTHORIZED
PROTOCOL_FORBIDDEN = apache.HTTP_FORBIDDEN
PROTOCOL_NOT_FOUND = apache.HTTP_NOT_FOUND
PROTOCOL_METHOD_NOT_ALLOWED = apache.HTTP_METHOD_NOT_ALLOWED
PROTOCOL_PROXY_UNAUTHORIZED = apache.HTTP_PROXY_AUTHENTICATION_REQUIRED
PROTOCOL_CONFLICT = apache.HTTP_CONFLICT
PROTOCOL_LENGTH_REQUIRED = apache.HTTP_LENGTH_REQUIRED
PROTOCOL_PRECONDITION_FAIL = apache.HTTP_PRECONDITION_FAILED
PROTOCOL_ENTITY_TOO_LARGE = apache.HTTP_REQUEST_ENTITY_TOO_LARGE
PROTOCOL_URI_TOO_LARGE = apache.HTTP_REQUEST_URI_TOO_LARGE
PROTOCOL_SERVER_ERROR = apache.HTTP_INTERNAL_SERVER_ERROR
PROTOCOL_NOT_IMPLEMENTED = apache.HTTP_NOT_IMPLEMENTED
PROTOCOL_VERSION_NOT_SUPPORTED = apache.HTTP_VERSION_NOT_SUPPORTED

# The code as a string -> the constant.
Status = {str(code): code for code in (
    PROTOCOL_CONTINUE, PROTOCOL_SWITCHING, PROTOCOL_OK, PROTOCOL_CREATED,
    PROTOCOL_NO_RESPONSE, PROTOCOL_PARTIAL_CONTENT, PROTOCOL_REDIRECT,
    PROTOCOL_NOT_MODIFIED, PROTOCOL_BAD_REQUEST, PROTOCOL_UNAUTHORIZED,
    PROTOCOL_FORBIDDEN, PROTOCOL_NOT_FOUND, PROTOCOL_METHOD_NOT_ALLOWED,
    PROTOCOL_PROXY_UNAUTHORIZED, PROTOCOL_CONFLICT, PROTOCOL_LENGTH_REQUIRED,
    PROTOCOL_PRECONDITION_FAIL, PROTOCOL_ENTITY_TOO_LARGE,
    PROTOCOL_URI_TOO_LARGE, PROTOCOL_SERVER_ERROR, PROTOCOL_NOT_IMPLEMENTED,
    PROTOCOL_VERSION_NOT_SUPPORTED)}

# ----------------------------------------------------------------------
# The NSAPI-like objects


class NSAPI_Pblock:
    """A parameter block over a table (HTTPDAPI-pb)."""

    def __init__(self, table):
        self.table = table

    def pblock2str(self):
        return " ".join('%s="%s"' % (k, v) for k, v in self.table.items())

    def nvinsert(self, name, value):
        self.table[name] = value

    def findval(self, name):
        return self.table.get(name)

    def pblock_remove(self, name):
        value = self.table.get(name)
        if value is not None:
            del self.table[name]
        return value

    def has_key(self, name):
        return name in self.table

    def keys(self):
        return self.table.keys()

    def __getitem__(self, name):
        return self.table[name]

    def __setitem__(self, name, value):
        self.table[name] = value

    def __repr__(self):
        return repr(self.table)


class NSAPI_Session:
    """The client's session (HTTPDAPI-sn)."""

    def __init__(self, req):
        self.req = req

    def session_dns(self):
        return self.req.connection.remote_logname

    def net_write(self, s):
        self.req.write(s)

    def net_read(self, n):
        return self.req.read(n)

    def form_data(self, n):
        return self.req.read(n)

    def client(self):
        t = apache.table()
        conn = self.req.connection
        t["ip"] = conn.client_ip
        t["dns"] = self.req.get_remote_host(apache.REMOTE_NAME) or ""
        return t


class NSAPI_Request:
    """The request (HTTPDAPI-rq)."""

    def __init__(self, req, password=None):
        self.req = req
        self.response_started = 0
        req.add_cgi_vars()
        env = req.subprocess_env
        self.reqpb = apache.table()
        self.reqpb["clf-request"] = req.the_request or ""
        self.reqpb["method"] = req.method
        self.reqpb["protocol"] = req.protocol
        self.reqpb["uri"] = req.uri
        self.reqpb["query"] = req.args or ""
        self.headers = req.headers_in
        self.srvhdrs = req.headers_out
        self.vars = apache.table()
        for name, value in (("auth-password", password),
                            ("auth-type", req.ap_auth_type),
                            ("auth-user", req.user),
                            ("path-info", req.path_info),
                            ("path-translated", env.get("PATH_TRANSLATED")),
                            ("path", req.filename)):
            if value:
                self.vars[name] = value

    def start_response(self, sn):
        """Commit the content type (once); the headers go out with the
        first byte of the body."""
        if self.response_started:
            return
        ctype = self.srvhdrs.get("content-type")
        if ctype:
            self.req.content_type = ctype
        self.req.send_http_header()
        self.response_started = 1

    def request_header(self, name, sn=None):
        return self.headers.get(name)

    def protocol_status(self, sn, status):
        self.req.status = status

    def log_err(self, function, message, sno=None):
        self.req.log_error("%s: %s" % (function, message), apache.APLOG_ERR)


class UnbufferedStdout:
    """Where ``print`` goes between hook_stdout() and unhook_stdout():
    straight to the client, the response started on the first write
    (HTTPDAPI-UnbufferedStdout)."""

    def __init__(self, rq, sn):
        self.rq = rq
        self.sn = sn

    def write(self, s):
        if not self.rq.response_started:
            self.rq.start_response(self.sn)
        self.sn.net_write(s)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        pass

    def close(self):
        pass

    def isatty(self):
        return False


# ----------------------------------------------------------------------
# Base classes of the application modules


class RequestHandler:
    """Base of a module's ``RequestHandler``: override ``Content()`` (and
    maybe ``Header()``/``Status()``) (HTTPDAPI-RequestHandler)."""

    def __init__(self, pb, sn, rq):
        self.pb = pb
        self.sn = sn
        self.rq = rq
        self.content_type = "text/html"
        self.redirect = ""

    def Handle(self, debug=0):
        try:
            content = self.Content()
            self.Header()
            self.Status()
            self.Send(content)
        except SERVER_RETURN:
            raise               # for the dispatcher (HTTPDAPI-server-return)
        except Exception:
            etype, evalue, etb = sys.exc_info()
            if debug:
                raise PROG_TRACEBACK(etype, evalue, etb) from evalue
            req = self.__dict__.get("__req__")
            if req is not None:
                for chunk in traceback.format_exception(etype, evalue, etb):
                    for line in chunk.rstrip("\n").split("\n"):
                        req.log_error("httpdapi: %s" % line,
                                      apache.APLOG_ERR)
            return REQ_ABORTED
        return REQ_PROCEED

    def Content(self):
        return ("<html><head><title>Httpdapy</title></head><body>\n"
                "<h1>Welcome to Httpdapy</h1>\n"
                "<p>This is the default content of a mod_python.httpdapi "
                "RequestHandler: define a Content() method in your module's "
                "RequestHandler class.</p>\n</body></html>\n")

    def Header(self):
        self.rq.srvhdrs["content-type"] = self.content_type
        if self.redirect:
            self.rq.srvhdrs["Location"] = self.redirect

    def Status(self):
        if self.redirect:
            self.rq.protocol_status(self.sn, PROTOCOL_REDIRECT)
        else:
            self.rq.protocol_status(self.sn, PROTOCOL_OK)

    def Send(self, content):
        if self.redirect or not content:
            return
        self.rq.start_response(self.sn)
        self.sn.net_write(str(content))

    def form_data(self):
        """The form fields, name -> list of values, from the POST body or
        the query string (read once)."""
        form = self.__dict__.get("_form_data")
        if form is None:
            if self.rq.reqpb["method"] == "POST":
                length = self.rq.request_header("content-length")
                if length:
                    data = self.sn.form_data(int(length))
                else:
                    data = self.__dict__["__req__"].read()
                data = data.decode("latin-1")
            else:
                data = self.rq.reqpb["query"]
            form = self._form_data = parse_qs(data)
        return form

    def build_cgi_env(self):
        """The CGI environment of the request, as a dict."""
        return dict(apache.build_cgi_env(self.__dict__["__req__"]).items())

    def hook_stdout(self):
        """Send what this thread prints to the client."""
        from mod_python import cgihandler
        cgihandler._install()
        self._saved_stdout = cgihandler._local.stdout
        cgihandler._local.stdout = UnbufferedStdout(self.rq, self.sn)

    def unhook_stdout(self):
        from mod_python import cgihandler
        cgihandler._local.stdout = self.__dict__.get("_saved_stdout")


class AuthHandler(RequestHandler):
    """Base of a module's ``AuthHandler``: allows every request
    (HTTPDAPI-AuthHandler)."""

    def Handle(self):
        return REQ_PROCEED


# ----------------------------------------------------------------------
# The handlers mod_python calls

_path_lock = threading.Lock()


def _flag(value):
    value = (value or "").strip().lower()
    if value in ("on", "yes", "true"):
        return 1
    try:
        return int(value)
    except ValueError:
        return 0


def _module_name(req, auth):
    """HTTPDAPI-module, HTTPDAPI-options."""
    options = req.get_options()
    if auth:
        name = options.get("authhandler")
        if not name:
            raise ValueError("mod_python.httpdapi: PythonOption authhandler "
                             "must name the module for authentication")
    else:
        name = options.get("handler")
        if not name:
            filename = req.filename or ""
            base = filename[filename.rfind("/") + 1:]
            dot = base.rfind(".")
            name = base[:dot] if dot > 0 else base
    rootpkg = options.get("rootpkg")
    if rootpkg:
        name = "%s.%s" % (rootpkg, name)
    return name


def _add_path(req):
    """The file's directory (or the file, if a directory) goes first on
    sys.path."""
    filename = req.filename
    if not filename:
        return
    if os.path.isdir(filename):
        directory = filename
    else:
        directory = filename[:filename.rfind("/")] or "/"
    if directory not in sys.path:
        with _path_lock:
            if directory not in sys.path:
                sys.path.insert(0, directory)


def _basic_password(req, auth):
    """The Basic password, when there is one to know.  In the
    authentication phase this also sets req.user (and asks the client
    for credentials when it sent none)."""
    if auth:
        return req.get_basic_auth_pw()
    header = req.headers_in.get("Authorization") or ""
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = b64decode(credentials.strip()).decode("latin-1")
    except ValueError:
        return None
    return decoded.partition(":")[2] or None


def _thread_stdout(value=None, restore=False):
    """The calling thread's print target of hook_stdout() (None: the real
    sys.stdout); with restore, set it back to `value`."""
    cgihandler = sys.modules.get("mod_python.cgihandler")
    if cgihandler is None:
        return None
    if restore:
        cgihandler._local.stdout = value
    return cgihandler._local.stdout


def _dispatch(req, auth):
    config = req.get_config()
    options = req.get_options()
    name = _module_name(req, auth)
    if not auth:
        _add_path(req)
    module = apache.import_module(
        name, autoreload=config.get("PythonAutoReload", "1") == "1",
        log=config.get("PythonDebug", "0") == "1")
    password = _basic_password(req, auth)
    rq = NSAPI_Request(req, password)
    sn = NSAPI_Session(req)
    table = apache.table()
    for source in (config, options):
        for key, value in source.items():
            table[key] = value
    table["fn"] = "python_request_handler"
    table["method"] = "GET|HEAD|POST"
    table["server-software"] = "Apache"
    if req.content_type:
        table["type"] = req.content_type
    for key in ("auth-password", "auth-type", "auth-user"):
        if key in rq.vars:
            table[key] = rq.vars[key]
    pb = NSAPI_Pblock(table)

    result = REQ_NOACTION
    saved_stdout = _thread_stdout()
    try:
        if auth:
            instance = module.AuthHandler(pb, sn, rq)
            instance.__req__ = req
            result = instance.Handle()
        else:
            instance = module.RequestHandler(pb, sn, rq)
            instance.__req__ = req
            result = instance.Handle(debug=_flag(options.get("debug")))
    except SERVER_RETURN as exc:
        value = exc.args[0] if len(exc.args) == 1 else exc.args
        if isinstance(value, tuple):
            result, status = value
            if status:
                req.status = status
        else:
            result = value
    finally:
        # A module that forgot unhook_stdout() must not leave the thread
        # printing into a finished request.
        _thread_stdout(saved_stdout, restore=True)
    return result


def handler(req):
    return _dispatch(req, auth=False)


def authenhandler(req):
    result = _dispatch(req, auth=True)
    if result == REQ_NOACTION:
        return apache.HTTP_UNAUTHORIZED
    if result == REQ_PROCEED and req.user is None:
        # Allowed, but nobody to allow: the client sent no credentials.
        return apache.HTTP_UNAUTHORIZED
    return result
