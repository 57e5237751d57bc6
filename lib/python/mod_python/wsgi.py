"""mod_python.wsgi: serve a WSGI (PEP 3333) application
(other-handlers.md section 2).

    <Location /app>
        SetHandler mod_python
        PythonPath "['/srv/app'] + sys.path"
        PythonHandler mod_python.wsgi
        PythonOption mod_python.wsgi.application myapp::application
    </Location>

``mod_python.wsgi.application`` names ``module[::callable]`` (default
callable ``application``).  ``mod_python.wsgi.base_uri`` sets the URI
prefix that becomes SCRIPT_NAME; without it the <Location> path is the
prefix, and outside a <Location> SCRIPT_NAME is empty.

Beyond the original: the status passed to start_response is the status
sent; start_response follows PEP 3333 (a second call needs exc_info, and
with exc_info before anything was sent it replaces status and headers);
``wsgi.input`` is a file-like wrapper of the request (read, readline,
readlines, iteration; chunked bodies arrive de-chunked);
``wsgi.run_once``, ``wsgi.input_terminated`` and ``wsgi.file_wrapper``
(sent with sendfile for real files) are provided; PATH_INFO is ``""``
rather than absent at the application root; a missing
``mod_python.wsgi.application`` option declines like an empty one.
"""

import io
import os
import stat

from mod_python import apache

APPLICATION = "mod_python.wsgi.application"
BASE_URI = "mod_python.wsgi.base_uri"


class InputWrapper:
    """``wsgi.input``: the request body through the request object.
    Other attributes are the request's, for code that used
    ``wsgi.input`` as the request (it was the request itself in 3.5)."""

    def __init__(self, req):
        self._req = req

    def read(self, size=-1):
        if size is None or size < 0:
            return self._req.read()
        return self._req.read(size)

    def readline(self, size=-1):
        if size is None or size < 0:
            return self._req.readline()
        return self._req.readline(size)

    def readlines(self, hint=-1):
        if hint is None or hint < 0:
            return self._req.readlines()
        return self._req.readlines(hint)

    def __iter__(self):
        return self

    def __next__(self):
        line = self._req.readline()
        if not line:
            raise StopIteration
        return line

    def __getattr__(self, name):
        return getattr(self._req, name)


class FileWrapper:
    """``wsgi.file_wrapper``: iterates over a file-like object in blocks;
    the handler sends a real file with sendfile instead."""

    def __init__(self, filelike, blksize=8192):
        self.filelike = filelike
        self.blksize = blksize
        if hasattr(filelike, "close"):
            self.close = filelike.close

    def __iter__(self):
        return self

    def __next__(self):
        data = self.filelike.read(self.blksize)
        if data:
            return data
        raise StopIteration

    def sendfile_args(self):
        """(path, offset, size available) when the wrapped object is a
        regular file that can be opened again by name; else None."""
        f = self.filelike
        try:
            name = f.name
            st = os.fstat(f.fileno())
            if not isinstance(name, str) or not stat.S_ISREG(st.st_mode):
                return None
            by_name = os.stat(name)
            if (by_name.st_dev, by_name.st_ino) != (st.st_dev, st.st_ino):
                return None
            offset = f.tell()
        except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
            return None
        return name, offset, max(st.st_size - offset, 0)


class _Response:
    """start_response and write for one request."""

    def __init__(self, req):
        self.req = req
        self.started = False
        self.sent = False
        self.saved = None
        self.content_length = None

    def start_response(self, status, headers, exc_info=None):
        req = self.req
        if exc_info is not None:
            try:
                if self.sent:
                    # Too late to change anything: the application's
                    # error goes on (PEP 3333).
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
            if self.started:
                self._restore()
        elif self.started:
            raise AssertionError("start_response() was already called "
                                 "without exc_info")
        if self.saved is None:
            self.saved = (req.headers_out.items(), req.content_type,
                          req.status)
        req.wsgi_start_response(status, headers)
        self.started = True
        self.content_length = None
        for name, value in headers:
            if name.lower() == "content-length":
                try:
                    self.content_length = int(value)
                except ValueError:
                    pass
        return self.write

    def _restore(self):
        """Back to the response as it was before the first call."""
        items, content_type, status = self.saved
        out = self.req.headers_out
        out.clear()
        for name, value in items:
            out.add(name, value)
        if content_type is not None:
            self.req.content_type = content_type
        self.req.status = status
        self.req.status_line = None

    def write(self, data, flush=1):
        """The write() callable: the data goes to the client now (or, with
        flush=0, with what follows: used for a response given whole)."""
        if data:
            self.sent = True
        self.req.write(data, flush)

    def send_file(self, wrapper):
        """Send a FileWrapper with sendfile if it wraps a real file;
        False if it has to be iterated instead."""
        args = wrapper.sendfile_args()
        if args is None:
            return False
        path, offset, size = args
        if self.content_length is not None:
            size = min(size, self.content_length)
        self.sent = True
        if size:
            self.req.sendfile(path, offset, size)
        return True


def _application(req, spec):
    """Import the module of `spec` and return its callable, or None."""
    module_name, _, name = spec.partition("::")
    config = req.get_config()
    module = apache.import_module(
        module_name.strip(),
        autoreload=config.get("PythonAutoReload", "1") == "1",
        log=config.get("PythonDebug", "0") == "1")
    return module.__dict__.get(name.strip() or "application")


def handler(req):
    options = req.get_options()
    spec = options.get(APPLICATION)
    app = _application(req, spec) if spec else None
    if not app:
        req.log_error("mod_python.wsgi: application %r not found, "
                      "declining." % (spec,), apache.APLOG_WARNING)
        return apache.DECLINED

    environ = req.build_wsgi_env()
    if environ is None:
        # build_wsgi_env logged the mismatch of uri and base.
        return apache.DECLINED
    # httpd puts variables without a value (SCRIPT_FILENAME when no file
    # was mapped) in the table; PEP 3333 wants str or nothing.
    if None in environ.values():
        for key in [k for k, v in environ.items() if v is None]:
            del environ[key]
    # At the application root PATH_INFO is empty rather than absent: the
    # original left it out, which wsgiref.validate rejects.
    environ.setdefault("PATH_INFO", "")
    environ["wsgi.input"] = InputWrapper(req)
    environ["wsgi.run_once"] = False
    environ["wsgi.input_terminated"] = True
    environ["wsgi.file_wrapper"] = FileWrapper

    response = _Response(req)
    result = app(environ, response.start_response)
    try:
        if isinstance(result, FileWrapper) and response.send_file(result):
            return apache.OK
        # A response given whole (a list or tuple) leaves with the end of
        # the request in one go; anything else streams, block by block.
        flush = not isinstance(result, (list, tuple))
        for data in result:
            if data:
                response.write(data, flush)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return apache.OK
