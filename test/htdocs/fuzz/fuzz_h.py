"""Handlers of the fuzz suite: run the parsers of mod_python in the server
on batches of inputs and report what came out, as JSON."""
import io
import json

import _apache
from mod_python import apache, util, Cookie


def _hex(value):
    if value is None:
        return None
    if isinstance(value, str):
        value = value.encode("utf-8", "surrogateescape")
    return value.hex()


def _query(req):
    """parse_qsl, parse_qs and util.parse_qs on each [hex, keep, as_str]."""
    out = []
    for hx, keep, as_str in json.loads(req.read()):
        raw = bytes.fromhex(hx)
        arg = raw.decode("latin-1") if as_str else raw
        pairs = _apache.parse_qsl(arg, keep)
        grouped = {}
        for k, v in pairs:
            grouped.setdefault(k, []).append(v)
        types_ok = all(type(x) is type(arg) for p in pairs for x in p)
        out.append({"pairs": [[_hex(k), _hex(v)] for k, v in pairs],
                    "consistent": (_apache.parse_qs(arg, keep) == grouped
                                   and util.parse_qs(arg, keep) == grouped),
                    "types": types_ok})
    return out


class FakeRequest:
    """Just what FieldStorage uses of a request."""

    def __init__(self, body, ctype, args=None):
        self.method = "POST"
        self.args = args
        self.uri = "/fuzz/fake"
        self.headers_in = apache.make_table()
        self.headers_in["Content-Type"] = ctype
        self.headers_in["Content-Length"] = str(len(body))
        self._body = io.BytesIO(body)
        self.logged = []

    def read(self, n=-1):
        return self._body.read(-1 if n is None or n < 0 else n)

    def get_options(self):
        return {}

    def log_error(self, message, level=0):
        self.logged.append(message)


def _fields(form):
    out = []
    for field in form.list:
        value = field.value
        out.append([_hex(field.name), field.filename, _hex(value)])
    return out


def _outcome(make_form):
    """["ok", fields] or ["status", code] or ["error", repr]."""
    try:
        return ["ok", _fields(make_form())]
    except apache.SERVER_RETURN as exc:
        return ["status", exc.args[0]]
    except Exception as exc:            # what the fuzzer looks for
        return ["error", repr(exc)]


def _form(req):
    """FieldStorage on a fake request for each [body hex, content type]."""
    return [_outcome(lambda: util.FieldStorage(
        FakeRequest(bytes.fromhex(hx), ctype), keep_blank_values=1))
        for hx, ctype in json.loads(req.read())]


def _cookies(req):
    """Every cookie class on this request's Cookie header: what parsed."""
    out = {}
    for cls in (Cookie.Cookie, Cookie.SignedCookie, Cookie.MarshalCookie):
        kw = {} if cls is Cookie.Cookie else {"secret": "fuzz-secret"}
        got = Cookie.get_cookies(req, cls, **kw)
        out[cls.__name__] = sorted([_hex(k), type(c).__name__]
                                   for k, c in got.items())
    return out


def handler(req):
    what = req.uri.rsplit("/", 1)[-1]
    req.content_type = "application/json"
    if what == "qs":
        result = _query(req)
    elif what == "form":
        result = _form(req)
    elif what == "formhttp":
        form = util.FieldStorage(req, keep_blank_values=1)
        result = _fields(form)
    elif what == "header":
        value = req.headers_in.get("X-Fuzz")
        result = None if value is None else _hex(value)
    elif what == "cookies":
        result = _cookies(req)
    elif what == "args":
        form = util.FieldStorage(req, keep_blank_values=1)
        result = {"args": _hex(req.args or ""), "fields": _fields(form)}
    else:
        return apache.HTTP_NOT_FOUND
    req.write(json.dumps(result))
    return apache.OK
