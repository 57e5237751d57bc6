"""mod_python.util: form data, query strings, redirects.

Text model (UTIL-types-py3).  Every field name is ``str`` and every
non-file value is a ``StringField``, a ``str`` subclass, wherever the field
came from (query string, urlencoded body, multipart part).  Bytes are
decoded as UTF-8; bytes that are not valid UTF-8 become lone surrogates
(``errors="surrogateescape"``), so ``value.encode("utf-8",
"surrogateescape")`` gives back exactly what the client sent and nothing
raises.  The raw bytes of a multipart part stay readable through
``field.file``.  File uploads are ``Field`` objects whose ``value`` is
``bytes``.

Multipart bodies are parsed as a stream: the body is read in blocks of
``readBlockSize`` bytes and file parts are spooled to temporary files once
they outgrow a small threshold, so memory stays bounded for uploads of any
size.  Limits, each settable as a keyword argument of ``FieldStorage`` or
as ``PythonOption mod_python.util.<name> <value>`` (keyword wins; 0
disables a limit):

=================  ==========  ===============================================
name               default     exceeding it
=================  ==========  ===============================================
max_parts          1000        more parts in one multipart body: 400
max_headers        100         more header lines in one part: 400
max_header_size    8190        a part header line (folded lines joined) longer
                               than this many bytes: 400
max_field_size     16777216    a non-file part, or a whole urlencoded body,
                               larger than this many bytes: 413
spool_size         65536       a file part larger than this many bytes moves
                               from memory to a temporary file (no error;
                               0: every file part goes to a temporary file)
=================  ==========  ===============================================

A malformed multipart body (a part header without ``:``, a missing or empty
boundary, a NUL in a part header) gives 400, as does a client read error
while the body is being parsed.  The reason is logged at info level.

The parser itself (``_MultipartParser``) needs nothing from httpd, so this
module imports outside Apache too; only ``parse_qs``/``parse_qsl`` (C code
in ``_apache``) and the request-bound parts need the server.
"""

import io
import tempfile
import types
from html import escape as _html_escape

# The code flag of a function taking **kwargs (inspect.CO_VARKEYWORDS,
# without importing inspect into every server process).
_CO_VARKEYWORDS = 0x08

try:
    from . import apache
    from _apache import parse_qs, parse_qsl
except ModuleNotFoundError as _exc:            # outside httpd
    if _exc.name != "_apache":
        raise
    apache = None

    def parse_qsl(qs, keep_blank_values=0, strict_parsing=0):
        """Needs httpd: the query-string parser lives in ``_apache``."""
        raise RuntimeError("parse_qsl needs mod_python running in httpd")

    def parse_qs(qs, keep_blank_values=0, strict_parsing=0):
        """Needs httpd: the query-string parser lives in ``_apache``."""
        raise RuntimeError("parse_qs needs mod_python running in httpd")

__all__ = ["parse_qs", "parse_qsl", "readBlockSize", "Field", "StringField",
           "FieldList", "FieldStorage", "parse_header", "apply_fs_data",
           "redirect"]

# The historic value (the original's comment said 64 KB).
readBlockSize = 65368

# The type of object.__call__: apply_fs_data treats such callables as
# having no Python signature.
MethodWrapper = type(object.__call__)

_OPTION_PREFIX = "mod_python.util."
_LIMIT_DEFAULTS = {
    "max_parts": 1000,
    "max_headers": 100,
    "max_header_size": 8190,
    "max_field_size": 16 * 1024 * 1024,
    "spool_size": 64 * 1024,
}

_HTTP_BAD_REQUEST = 400
_HTTP_ENTITY_TOO_LARGE = 413


def _text(data):
    """Bytes from the client as str (UTF-8, surrogateescape)."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data).decode("utf-8", "surrogateescape")
    return data


# ---------------------------------------------------------------------------
# Field types

class Field:
    """One form value backed by a file: a file upload (UTIL-Field-*).

    ``Field(name)``, or the legacy form ``Field(name, file, ctype,
    type_options, disp, disp_options, headers={})`` that third-party code
    uses to build fields itself.  ``filename`` is what the client claimed;
    never use it as a path.
    """

    filename = None
    file = None
    type = None
    type_options = {}
    disposition = None
    disposition_options = {}
    headers = {}

    def __init__(self, name, *args, **kwargs):
        self.name = name
        if args or kwargs:
            self._set_legacy(*args, **kwargs)

    def _set_legacy(self, file, ctype, type_options, disp, disp_options,
                    headers={}):
        self.file = file
        self.type = ctype
        self.type_options = type_options
        self.disposition = disp
        self.disposition_options = disp_options
        self.filename = (disp_options or {}).get("filename")
        self.headers = headers

    @property
    def value(self):
        """The whole content as bytes (read into memory on each access);
        None without a file."""
        f = self.file
        if f is None:
            return None
        f.seek(0)
        data = f.read()
        f.seek(0)
        if not isinstance(data, bytes):
            raise TypeError("Field.file must be a binary file, it returned "
                            "%s" % type(data).__name__)
        return data

    def __repr__(self):
        return "Field(%r, %r)" % (self.name, self.value)

    def __del__(self):
        f = self.__dict__.get("file")
        if f is not None:
            try:
                f.close()
            except Exception:
                pass


class StringField(str):
    """A non-file form value: a ``str`` carrying the attributes of a
    ``Field`` (UTIL-StringField, recommended Py3 model).  Built from str or
    bytes (bytes decoded as UTF-8 with surrogateescape, never raising);
    ``value`` is the plain text.  Set ``name`` after construction."""

    # Class defaults as in the original (note: ``ctype`` here, ``type`` on
    # instances made by FieldStorage).
    name = None
    filename = None
    headers = {}
    ctype = "text/plain"
    type_options = {}
    disposition = None
    disp_options = None

    def __new__(cls, value):
        if isinstance(value, (bytes, bytearray, memoryview)):
            text = bytes(value).decode("utf-8", "surrogateescape")
        else:
            text = str(value)
        obj = str.__new__(cls, text)
        obj.value = text
        return obj

    def __getattr__(self, name):
        # Only reached when the attribute is missing: make `file` on
        # demand from the text (UTIL-StringField-file).
        if name != "file":
            raise AttributeError(name)
        self.file = io.BytesIO(self.value.encode("utf-8", "surrogateescape"))
        return self.file

    def __repr__(self):
        return "Field(%r, %r)" % (self.name, self.value)



class FieldList(list):
    """The fields of a FieldStorage in order, with a cached name -> fields
    table that every mutation drops (UTIL-FieldList)."""

    _table = None

    def table(self):
        """Name -> list of fields, names in first-appearance order."""
        if self._table is None:
            table = {}
            for field in self:
                table.setdefault(field.name, []).append(field)
            self._table = table
        return self._table


def _invalidating(name):
    method = getattr(list, name)

    def wrapper(self, *args, **kwargs):
        self._table = None
        return method(self, *args, **kwargs)

    wrapper.__name__ = name
    wrapper.__doc__ = method.__doc__
    return wrapper


for _name in ("append", "extend", "insert", "pop", "remove", "clear",
              "sort", "reverse", "__setitem__", "__delitem__", "__iadd__",
              "__imul__"):
    setattr(FieldList, _name, _invalidating(_name))
del _name


# ---------------------------------------------------------------------------
# Header values

def _split_params(line):
    """Split at ';' outside double quotes."""
    pieces, start, quoted = [], 0, False
    for i, c in enumerate(line):
        if c == '"':
            quoted = not quoted
        elif c == ";" and not quoted:
            pieces.append(line[start:i])
            start = i + 1
    pieces.append(line[start:])
    return pieces


def parse_header(line):
    """Parse a Content-Type-like value into ``(main, params)``
    (UTIL-parse_header).  Accepts str or bytes (bytes decoded as UTF-8
    with surrogateescape); returns str.  The main value and parameter names
    are lower-cased; one pair of double quotes around a value is removed;
    pieces without ``=`` are ignored.  A ``;`` inside double quotes does
    not split (a file named ``a;b.txt`` keeps its name); backslash escapes
    are not interpreted (browsers send Windows paths unescaped)."""
    pieces = _split_params(_text(line))
    main = pieces[0].strip().lower()
    params = {}
    for piece in pieces[1:]:
        if "=" not in piece:
            continue
        name, value = piece.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        params[name.strip().lower()] = value
    return main, params


# ---------------------------------------------------------------------------
# Multipart parsing, independent of httpd

class _FormError(Exception):
    """The body cannot be accepted: ``status`` says why (400, 413)."""

    def __init__(self, status, message):
        Exception.__init__(self, message)
        self.status = status


class _Part:
    """One parsed part: raw headers and what they say."""

    def __init__(self):
        self.headers = []           # (name bytes, value bytes)
        self.type = "text/plain"
        self.type_options = {}
        self.disposition = None
        self.disposition_options = {}
        self.name = None
        self.filename = None
        self.file = None


class _MultipartParser:
    """Stream parser of a multipart body (UTIL-FieldStorage-delim and
    following).

    ``read(n)`` returns up to n bytes of the body, ``b""`` at its end.
    ``storage(part)`` returns the writable binary file a part's content
    goes into, once its headers are known.  ``parse()`` returns the list of
    ``_Part`` with ``file`` filled and rewound, or raises ``_FormError``.

    The buffer holds at most about two blocks plus one header line, so the
    memory used does not depend on the size of the body.
    """

    def __init__(self, read, boundary, storage, max_parts=0, max_headers=0,
                 max_header_size=0, max_field_size=0,
                 block_size=readBlockSize):
        self.read = read
        self.storage = storage
        self.delim = b"--" + boundary
        self.nl_delim = b"\n" + self.delim
        self.max_parts = max_parts
        self.max_headers = max_headers
        self.max_header_size = max_header_size
        self.max_field_size = max_field_size
        self.block_size = block_size
        self.buf = bytearray()
        self.eof = False

    def _fill(self):
        """Append a block to the buffer; False at the end of the body."""
        if self.eof:
            return False
        data = self.read(self.block_size)
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def _delimiter_at(self, pos):
        """The buffer holds the delimiter text at `pos`, at a line start.
        Return ``(end, close)`` if it is a delimiter line ending just
        before `end`, or None if the text goes on (then it is data)."""
        after = pos + len(self.delim)
        while len(self.buf) < after + 4 and self._fill():
            pass
        tail = bytes(self.buf[after:after + 4])
        close = tail.startswith(b"--")
        rest = tail[2:] if close else tail
        skip = after + (2 if close else 0)
        if rest.startswith(b"\n"):
            return skip + 1, close
        if rest.startswith(b"\r\n"):
            return skip + 2, close
        # A close delimiter may end the body without a line break.
        if (close and self.eof and rest in (b"", b"\r")
                and after + len(tail) == len(self.buf)):
            return len(self.buf), True
        return None

    def _copy_to_delimiter(self, out, limit=0):
        """Move data up to the next delimiter line into `out` (None:
        discard).  The buffer starts at a line start.  The CRLF before a
        delimiter belongs to it; a bare LF stays with the data
        (UTIL-FieldStorage-crlf, -lf).  Returns True when the stream ends
        here (close delimiter or end of body)."""
        written = 0
        keep = len(self.nl_delim) + 1      # room for "\r\n--boundary"

        def emit(data):
            nonlocal written
            written += len(data)
            if limit and written > limit:
                raise _FormError(_HTTP_ENTITY_TOO_LARGE,
                                 "form field larger than %d bytes" % limit)
            if out is not None and data:
                out.write(data)

        while len(self.buf) < len(self.delim) + 4 and self._fill():
            pass
        if self.buf.startswith(self.delim):
            found = self._delimiter_at(0)
            if found:
                del self.buf[:found[0]]
                return found[1]
        search = 0
        while True:
            pos = self.buf.find(self.nl_delim, search)
            if pos >= 0:
                found = self._delimiter_at(pos + 1)
                if found is None:
                    search = pos + 1
                    continue
                end, close = found
                if pos > 0 and self.buf[pos - 1] == 0x0D:
                    stop = pos - 1
                else:
                    stop = pos + 1
                emit(bytes(self.buf[:stop]))
                del self.buf[:end]
                return close
            if self.eof:
                emit(bytes(self.buf))
                self.buf.clear()
                return True
            safe = len(self.buf) - keep
            if safe > 0:
                emit(bytes(self.buf[:safe]))
                del self.buf[:safe]
            search = 0
            self._fill()

    def _readline(self):
        """The next line (with its line break), ``b""`` at the end of the
        body; a line longer than max_header_size is refused."""
        limit = self.max_header_size
        search = 0
        while True:
            nl = self.buf.find(b"\n", search)
            if nl >= 0:
                if limit and nl > limit + 1:
                    break
                line = bytes(self.buf[:nl + 1])
                del self.buf[:nl + 1]
                return line
            if limit and len(self.buf) > limit + 2:
                break
            search = len(self.buf)
            if not self._fill():
                line = bytes(self.buf)
                self.buf.clear()
                return line
        raise _FormError(_HTTP_BAD_REQUEST, "multipart header line longer "
                         "than %d bytes" % limit)

    def _is_delimiter_line(self, line):
        """Whether `line`, just read at a line start, is a delimiter:
        returns (is_delimiter, close)."""
        if not line.startswith(self.delim):
            return False, False
        rest = line[len(self.delim):]
        close = rest.startswith(b"--")
        if close:
            rest = rest[2:]
        if rest in (b"\n", b"\r\n") or (close and rest in (b"", b"\r")
                                        and self.eof and not self.buf):
            return True, close
        return False, False

    def _read_headers(self, part):
        """Read a part's header block.  Returns None when the headers
        ended properly, else whether the stream ended (the part is then
        dropped)."""
        lines = []
        line = self._readline()
        while True:
            if not line:
                return True
            is_delim, close = self._is_delimiter_line(line)
            if is_delim:
                return close
            if line in (b"\r\n", b"\n", b"\r"):
                break
            # Fold continuation lines into this one.
            while True:
                nxt = self._readline()
                if not nxt or nxt[:1] not in (b" ", b"\t"):
                    break
                line = line.rstrip(b"\r\n") + nxt
                if (self.max_header_size and len(line.rstrip(b"\r\n"))
                        > self.max_header_size):
                    raise _FormError(_HTTP_BAD_REQUEST, "multipart header "
                                     "longer than %d bytes"
                                     % self.max_header_size)
            lines.append(line)
            if self.max_headers and len(lines) > self.max_headers:
                raise _FormError(_HTTP_BAD_REQUEST, "more than %d headers "
                                 "in a multipart part" % self.max_headers)
            line = nxt
        for line in lines:
            self._add_header(part, line.rstrip(b"\r\n"))
        return None

    def _add_header(self, part, line):
        if b":" not in line:
            raise _FormError(_HTTP_BAD_REQUEST,
                             "multipart header without ':'")
        if b"\0" in line:
            raise _FormError(_HTTP_BAD_REQUEST, "NUL in a multipart header")
        name, value = line.split(b":", 1)
        name, value = name.strip(), value.strip()
        part.headers.append((name, value))
        lname = name.lower()
        if lname == b"content-disposition":
            part.disposition, part.disposition_options = parse_header(value)
        elif lname == b"content-type":
            ctype, part.type_options = parse_header(value)
            # Some clients (IE 6) sent junk here.
            part.type = ctype if "/" in ctype else "application/octet-stream"

    def parse(self):
        parts = []
        count = 0
        if self._copy_to_delimiter(None):           # the preamble
            return parts
        while True:
            count += 1
            if self.max_parts and count > self.max_parts:
                raise _FormError(_HTTP_BAD_REQUEST, "more than %d parts in "
                                 "a multipart body" % self.max_parts)
            part = _Part()
            ended = self._read_headers(part)
            if ended is not None:
                if ended:
                    return parts
                continue
            part.name = part.disposition_options.get("name")
            part.filename = part.disposition_options.get("filename")
            part.file = self.storage(part)
            limit = 0 if part.filename else self.max_field_size
            ended = self._copy_to_delimiter(part.file, limit)
            part.file.seek(0)
            parts.append(part)
            if ended:
                # The epilogue after the close delimiter is ignored.
                return parts


def _boundary(ctype):
    """The boundary parameter of a multipart Content-Type (the last
    ``boundary=``, UTIL-FieldStorage-boundary).  Parameters after it are
    not part of it; None when missing or empty."""
    i = ctype.lower().rfind("boundary=")
    if i < 0:
        return None
    value = ctype[i + len("boundary="):].strip()
    if value.startswith('"'):
        end = value.find('"', 1)
        value = value[1:end] if end > 0 else value[1:]
    else:
        value = value.split(";", 1)[0].strip()
    return value.encode("utf-8", "surrogateescape") or None


# ---------------------------------------------------------------------------
# FieldStorage

def _key(name):
    return _text(name)


class FieldStorage:
    """The form data of a request: query string first, then the body of a
    POST (UTIL-FieldStorage-*).  Everything is parsed here, consuming the
    body; store the instance as ``req.form`` so later code can reuse it.

    ``file_callback(filename)`` and ``field_callback()`` may return the
    writable, seekable binary file a file part or a non-file part is
    stored in.  Keyword-only limits: see the module documentation.
    """

    def __init__(self, req, keep_blank_values=0, strict_parsing=0,
                 file_callback=None, field_callback=None, *,
                 max_parts=None, max_headers=None, max_header_size=None,
                 max_field_size=None, spool_size=None):
        self.list = FieldList()
        args = req.args
        if args:
            raw = args.encode("utf-8", "surrogateescape")
            for name, value in parse_qsl(raw, keep_blank_values):
                self.add_field(_text(name), _text(value))

        if req.method != "POST":
            return
        # The limits apply to bodies only: worked out for a POST alone.
        given = {"max_parts": max_parts, "max_headers": max_headers,
                 "max_header_size": max_header_size,
                 "max_field_size": max_field_size, "spool_size": spool_size}
        self._limits = self._get_limits(req, given)
        headers = req.headers_in
        chunked = "chunked" in (headers.get("Transfer-Encoding") or "").lower()
        clen = None
        if not chunked:
            try:
                clen = int(headers.get("Content-Length") or "")
            except ValueError:
                raise apache.SERVER_RETURN(apache.HTTP_LENGTH_REQUIRED)
            if clen < 0:
                raise apache.SERVER_RETURN(apache.HTTP_LENGTH_REQUIRED)

        ctype = headers.get("Content-Type") or \
            "application/x-www-form-urlencoded"
        try:
            if ctype.startswith("application/x-www-form-urlencoded"):
                self._read_urlencoded(req, clen, keep_blank_values)
            elif ctype.startswith("multipart/"):
                self._read_multipart(req, ctype, file_callback,
                                     field_callback)
            else:
                raise apache.SERVER_RETURN(apache.HTTP_NOT_IMPLEMENTED)
        except _FormError as exc:
            req.log_error("mod_python.util.FieldStorage: %s: %s"
                          % (req.uri, exc), apache.APLOG_INFO)
            raise apache.SERVER_RETURN(exc.status)

    @staticmethod
    def _get_limits(req, given):
        options = None
        limits = {}
        for key, default in _LIMIT_DEFAULTS.items():
            value = given[key]
            if value is None:
                if options is None:
                    options = req.get_options()
                raw = options.get(_OPTION_PREFIX + key)
                if raw:
                    try:
                        value = int(raw)
                    except ValueError:
                        raise ValueError("PythonOption %s%s must be an "
                                         "integer, not %r"
                                         % (_OPTION_PREFIX, key, raw))
                else:
                    value = default
            limits[key] = max(int(value), 0)
        return limits

    @staticmethod
    def _reader(req):
        def read(n):
            try:
                return req.read(n)
            except OSError as exc:
                raise _FormError(_HTTP_BAD_REQUEST,
                                 "reading the request body: %s" % exc)
        return read

    def _read_urlencoded(self, req, clen, keep_blank_values):
        limit = self._limits["max_field_size"]
        read = self._reader(req)
        if clen is not None:
            if limit and clen > limit:
                raise _FormError(_HTTP_ENTITY_TOO_LARGE, "urlencoded body "
                                 "larger than %d bytes" % limit)
            data = read(clen) if clen else b""
        else:
            data = read(limit + 1) if limit else read(-1)
            if limit and len(data) > limit:
                raise _FormError(_HTTP_ENTITY_TOO_LARGE, "urlencoded body "
                                 "larger than %d bytes" % limit)
        for name, value in parse_qsl(data, keep_blank_values):
            self.add_field(_text(name), _text(value))

    def _read_multipart(self, req, ctype, file_callback, field_callback):
        boundary = _boundary(ctype)
        if boundary is None:
            raise _FormError(_HTTP_BAD_REQUEST,
                             "multipart Content-Type without boundary")
        spool = self._limits["spool_size"]
        if not callable(file_callback):
            file_callback = None
        if not callable(field_callback):
            field_callback = None

        def storage(part):
            if part.filename is not None:
                if file_callback:
                    return file_callback(part.filename)
                if not spool:
                    return tempfile.TemporaryFile("w+b")
                return tempfile.SpooledTemporaryFile(max_size=spool,
                                                     mode="w+b")
            if field_callback:
                return field_callback()
            return io.BytesIO()

        limits = self._limits
        parser = _MultipartParser(
            self._reader(req), boundary, storage,
            max_parts=limits["max_parts"], max_headers=limits["max_headers"],
            max_header_size=limits["max_header_size"],
            max_field_size=limits["max_field_size"])
        for part in parser.parse():
            self.list.append(self._make_field(part))

    @staticmethod
    def _make_field(part):
        if part.filename:
            field = Field(part.name)
            field.filename = part.filename
        else:
            data = part.file.read()
            part.file.seek(0)
            field = StringField(data)
            field.name = part.name
        field.file = part.file
        field.type = part.type
        field.type_options = part.type_options
        field.disposition = part.disposition
        field.disposition_options = part.disposition_options
        table = apache.make_table()
        for name, value in part.headers:
            table.add(name, value)
        field.headers = table
        return field

    # -- the mapping interface (UTIL-FieldStorage-getitem and following)

    def add_field(self, key, value):
        """Append a value (str or bytes) under `key`; others are kept."""
        item = StringField(value)
        item.name = _key(key)
        self.list.append(item)

    def __getitem__(self, key):
        found = self.list.table().get(_key(key))
        if not found:
            raise KeyError(key)
        return found[0] if len(found) == 1 else list(found)

    def get(self, key, default):
        """Like ``self[key]``, `default` when there is no such field (the
        default is required, unlike dict.get)."""
        try:
            return self[key]
        except (KeyError, TypeError):
            return default

    def getfirst(self, key, default=None):
        """The first value of `key`, or `default`."""
        found = self.list.table().get(_key(key))
        return found[0] if found else default

    def getlist(self, key):
        """Every value of `key` (an empty list if none)."""
        return list(self.list.table().get(_key(key), ()))

    def keys(self):
        """The distinct names, in first-appearance order."""
        return list(self.list.table())

    def __iter__(self):
        return iter(self.keys())

    def __len__(self):
        return len(self.list.table())

    def has_key(self, key):
        return _key(key) in self.list.table()

    __contains__ = has_key

    def items(self):
        """``(name, field)`` for every field, duplicates included."""
        return [(field.name, field) for field in self.list]

    def __delitem__(self, key):
        key = _key(key)
        if key not in self.list.table():
            raise KeyError(key)
        self.list[:] = [f for f in self.list if f.name != key]

    def __setitem__(self, key, value):
        key = _key(key)
        if key in self.list.table():
            self.list[:] = [f for f in self.list if f.name != key]
        self.add_field(key, value)

    def clear(self):
        self.list = FieldList()

    def __repr__(self):
        return repr(self.list.table())


# ---------------------------------------------------------------------------
# apply_fs_data

def _signature(obj, depth=0):
    """``(target, code, names)``: what to call, the code object deciding
    which keywords it accepts and the names it accepts; code and names are
    None for callables without Python code (UTIL-apply-expected).
    Positional-only parameters are not accepted as keywords; keyword-only
    ones are."""
    skip = 0
    if isinstance(obj, types.FunctionType):
        func = obj
    elif (isinstance(obj, types.MethodType)
          and isinstance(obj.__func__, types.FunctionType)):
        func, skip = obj.__func__, 1
    elif isinstance(obj, type):
        func, skip = obj.__init__, 1
        if not isinstance(func, types.FunctionType):
            return obj, None, None
    else:
        call = getattr(obj, "__call__", None)
        if (isinstance(call, types.MethodType)
                and isinstance(call.__func__, types.FunctionType)):
            func, skip = call.__func__, 1
        elif (call is not None and call is not obj
              and not isinstance(call, MethodWrapper) and depth < 8):
            return _signature(call, depth + 1)
        else:
            return obj, None, None
    code = func.__code__
    names = code.co_varnames
    positional = names[max(code.co_posonlyargcount, skip):code.co_argcount]
    keyword_only = names[code.co_argcount:
                         code.co_argcount + code.co_kwonlyargcount]
    return obj, code, set(positional) | set(keyword_only)


def apply_fs_data(object, fs, **args):
    """Call `object` with the fields of `fs` as keyword arguments, plus
    `args` (e.g. ``req=req``), passing only the names it accepts unless it
    takes ``**kwargs`` (UTIL-apply-*).  A file upload is passed as its
    ``Field``, other values as text; a name with several values gets a
    list.  Extra keywords win over form fields of the same name."""
    collected = {}
    for field in fs.list:
        if field.name in args:
            continue
        value = field if field.filename else field.value
        collected.setdefault(field.name, []).append(value)
    kwargs = dict(args)
    for name, values in collected.items():
        kwargs[name] = values[0] if len(values) == 1 else values

    target, code, accepted = _signature(object)
    if code is None:
        return target()
    if not code.co_flags & _CO_VARKEYWORDS:
        kwargs = {k: v for k, v in kwargs.items() if k in accepted}
    else:
        kwargs = {k: v for k, v in kwargs.items() if isinstance(k, str)}
    return target(**kwargs)


# ---------------------------------------------------------------------------
# redirect

def redirect(req, location, permanent=0, text=None):
    """Answer with a redirect to `location` (302, or 301 if `permanent`)
    and end the request by raising ``SERVER_RETURN(DONE)`` (UTIL-redirect-*).
    `text` replaces the default HTML body.  A location containing CR, LF
    or NUL is refused with ValueError: it would forge headers."""
    if not isinstance(location, str):
        raise TypeError("location must be of type str")
    if req.sent_bodyct:
        raise IOError("Cannot redirect after headers have already been sent.")
    if "\r" in location or "\n" in location or "\0" in location:
        raise ValueError("redirect location contains CR, LF or NUL: %r"
                         % location)
    req.err_headers_out["Location"] = location
    if permanent:
        req.status = apache.HTTP_MOVED_PERMANENTLY
    else:
        req.status = apache.HTTP_MOVED_TEMPORARILY
    if text is None:
        req.content_type = "text/html"
        req.write('<p>The document has moved <a href="%s">here</a></p>\n'
                  % _html_escape(location, quote=True))
    else:
        req.write(text)
    raise apache.SERVER_RETURN(apache.DONE)
