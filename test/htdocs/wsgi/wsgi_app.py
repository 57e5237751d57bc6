"""A WSGI application for the wsgi suite, routed on the last segment of
PATH_INFO (or the query parameter `route`); plus wsgiref's validator
around two applications."""
import io
import json
import os
import sys
import warnings
from urllib.parse import parse_qs
from wsgiref import simple_server, validate

# Any complaint of the validator fails the request.
warnings.simplefilter("error", validate.WSGIWarning)

HERE = os.path.dirname(os.path.abspath(__file__))
PAYLOAD = os.path.join(HERE, "wsgi_payload.bin")


def _query(environ):
    return {k: v[0] for k, v in parse_qs(environ["QUERY_STRING"]).items()}


def _text(start_response, body, status="200 OK", headers=()):
    start_response(status, [("Content-Type", "text/plain")] + list(headers))
    return [body.encode() if isinstance(body, str) else body]


def app_env(environ, start_response):
    out = {}
    for key, value in environ.items():
        out[key] = value if isinstance(value, str) else repr(value)
    out["wsgi.version"] = list(environ["wsgi.version"])
    out["wsgi.multithread"] = environ["wsgi.multithread"]
    out["wsgi.multiprocess"] = environ["wsgi.multiprocess"]
    out["wsgi.run_once"] = environ["wsgi.run_once"]
    out["x.errors_is_stderr"] = environ["wsgi.errors"] is sys.stderr
    out["x.input_class"] = type(environ["wsgi.input"]).__name__
    out["x.input_uri"] = environ["wsgi.input"].uri     # the request behind
    out["x.has_file_wrapper"] = callable(environ.get("wsgi.file_wrapper"))
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(out).encode()]


def app_status(environ, start_response):
    return _text(start_response, "no such thing", "404 Not Found")


def app_created(environ, start_response):
    return _text(start_response, "made", "201 Created",
                 [("Location", "/wsgi/app/thing/1")])


def app_custom_reason(environ, start_response):
    return _text(start_response, "odd", "299 Fine Anyway")


def app_headers(environ, start_response):
    return _text(start_response, "cookies", headers=[
        ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"),
        ("X-Multi", "one"), ("X-Multi", "two")])


def app_write(environ, start_response):
    write = start_response("200 OK", [("Content-Type", "text/plain")])
    write(b"one,")
    write(b"two,")
    return [b"", b"three"]


class ClosingBody:
    """An iterable with close(): close() reports to wsgi.errors."""

    def __init__(self, environ, parts, fail=False):
        self.errors = environ["wsgi.errors"]
        self.token = _query(environ).get("token", "?")
        self.parts = parts
        self.fail = fail

    def __iter__(self):
        for part in self.parts:
            yield part
        if self.fail:
            raise RuntimeError("body failed on purpose")

    def close(self):
        self.errors.write("wsgi-suite closed %s\n" % self.token)
        self.errors.flush()


def app_close(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return ClosingBody(environ, [b"a", b"b", b"c"])


def app_close_fail(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return ClosingBody(environ, [b"partial"], fail=True)


def app_generator(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    errors = environ["wsgi.errors"]
    token = _query(environ).get("token", "?")
    try:
        for i in range(3):
            yield b"%d;" % i
    finally:
        errors.write("wsgi-suite generator finished %s\n" % token)
        errors.flush()


def app_strings(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
    return ["h\u00e9llo ", b"bytes"]


def app_input(environ, start_response):
    stream = environ["wsgi.input"]
    mode = _query(environ).get("mode", "read")
    if mode == "read":
        result = [stream.read()]
    elif mode == "readn":
        result = []
        while True:
            block = stream.read(7)
            if not block:
                break
            result.append(block)
    elif mode == "readline":
        result = [stream.readline(), stream.readline(4), stream.read()]
    elif mode == "readlines":
        result = stream.readlines()
    else:
        result = list(stream)
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps([r.decode("latin-1") for r in result]).encode()]


def app_errors(environ, start_response):
    errors = environ["wsgi.errors"]
    errors.write("wsgi-suite errors marker %s\n"
                 % _query(environ).get("token", "?"))
    errors.flush()
    return _text(start_response, "logged")


def app_exc_before(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/html"),
                              ("X-First", "1")])
    try:
        raise ValueError("went wrong before any output")
    except ValueError:
        start_response("503 Service Unavailable",
                       [("Content-Type", "text/plain"), ("X-Second", "2")],
                       sys.exc_info())
    return [b"recovered"]


def app_exc_after(environ, start_response):
    write = start_response("200 OK", [("Content-Type", "text/plain")])
    write(b"partial")
    try:
        raise ValueError("went wrong after output")
    except ValueError:
        start_response("500 Internal Server Error",
                       [("Content-Type", "text/plain")], sys.exc_info())
    return [b"never"]


def app_twice(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    start_response("201 Created", [("Content-Type", "text/plain")])
    return [b"twice"]


def app_nostart(environ, start_response):
    return [b"no start_response"]


def app_raise(environ, start_response):
    raise KeyError("wsgi app failed on purpose")


class _NoRead(io.FileIO):
    """A real file that must go out by sendfile, never through read()."""

    def read(self, *args):
        raise AssertionError("read() called: sendfile was not used")


def app_file(environ, start_response):
    q = _query(environ)
    f = _NoRead(PAYLOAD)
    f.seek(int(q.get("offset", 0)))
    headers = [("Content-Type", "application/octet-stream")]
    if "length" in q:
        headers.append(("Content-Length", q["length"]))
    start_response("200 OK", headers)
    return environ["wsgi.file_wrapper"](f, 4096)


def app_filelike(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/octet-stream")])
    data = io.BytesIO(b"0123456789" * 1000)
    return environ["wsgi.file_wrapper"](data, 333)


def application(environ, start_response):
    name = (_query(environ).get("route")
            or environ.get("PATH_INFO", "").rsplit("/", 1)[-1])
    app = globals().get("app_" + name.replace("-", "_"))
    if app is None:
        return _text(start_response, "unknown %r" % name, "404 Not Found")
    return app(environ, start_response)


def named_app(environ, start_response):
    return _text(start_response, "named callable")


def _echo(environ, start_response):
    """Reads its input the ways PEP 3333 allows, then answers."""
    stream = environ["wsgi.input"]
    length = int(environ.get("CONTENT_LENGTH") or 0)
    first = stream.readline(length) if length else b""
    rest = stream.read(max(length - len(first), 0)) if length else b""
    body = b"|".join([environ["REQUEST_METHOD"].encode(),
                      environ["PATH_INFO"].encode(), first, rest])
    environ["wsgi.errors"].write("")
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return iter([body])


validated = validate.validator(_echo)
demo = validate.validator(simple_server.demo_app)
