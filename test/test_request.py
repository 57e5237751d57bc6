"""The request object: conventions, attributes, writing, reading the body,
and the smaller methods.  Suite: htdocs/request/."""
import ast
import base64
import concurrent.futures
import email.utils
import hashlib
import os
import re
import socket
import time

import pytest

from conftest import wait_for_log


def data(r):
    """The repr() a handler sent back, as a Python value."""
    assert r.status_code == 200, r.text[:2000]
    return ast.literal_eval(r.content.decode("utf-8"))


def raw_split(response):
    """(status line, headers as a list of (name, value) bytes, body)."""
    head, _, body = response.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    headers = [tuple(part.strip() for part in line.split(b":", 1))
               for line in lines[1:]]
    return lines[0], headers, body


def raw_header(headers, name):
    values = [v for k, v in headers if k.lower() == name.lower()]
    assert len(values) == 1, (name, headers)
    return values[0]


def raw_value(resp):
    """The repr() sent back over a raw connection, as a Python value."""
    status, headers, body = raw_split(resp)
    assert status.startswith(b"HTTP/1.") and b" 200 " in status, resp
    if any(k.lower() == b"transfer-encoding" for k, v in headers):
        body = dechunk(body)
    return ast.literal_eval(body.decode("utf-8"))


def dechunk(body):
    out = b""
    while True:
        size, _, rest = body.partition(b"\r\n")
        n = int(size, 16)
        if n == 0:
            return out
        out += rest[:n]
        body = rest[n + 2:]




# ---------------------------------------------------------------------
# Conventions shared by the objects (OBJ-*)

def test_request_object_types(apache):
    """Type names; only mp_table can be made from Python; which types
    can be subclassed and which carry an instance __dict__ (OBJ-types)."""
    t = data(apache.get("/request/types"))
    assert t["request"] == {"str": "<class 'mp_request'>", "new": "TypeError",
                            "subclass": "ok", "setattr": "ok"}
    assert t["server"] == {"str": "<class 'mp_server'>", "new": "TypeError",
                           "subclass": "ok", "setattr": "ok"}
    assert t["table"] == {"str": "<class 'mp_table'>", "new": "ok",
                          "subclass": "ok", "setattr": "AttributeError"}
    assert t["conn"] == {"str": "<class 'mp_conn'>", "new": "TypeError",
                         "subclass": "TypeError",
                         "setattr": "AttributeError"}
    assert t["hlist"] == {"str": "<class 'mp_hlist'>", "new": "TypeError",
                          "subclass": "TypeError",
                          "setattr": "AttributeError"}


def test_request_methods_positional_only(apache):
    """C methods refuse keyword arguments; only table() takes `items`
    (OBJ-positional)."""
    p = data(apache.get("/request/positional"))
    for name in ("write", "read", "log_error", "get", "construct_url"):
        assert p[name] == "TypeError", name
    assert p["table_items"] == ("ok", "v")
    assert p["positional_ok"] == ("ok", None)


# ---------------------------------------------------------------------
# Attributes (REQ-attr-*)

def test_request_attributes_of_a_get(apache):
    """The values of a plain GET under a <Location> (REQ-attr-the_request,
    REQ-attr-protocol, REQ-attr-proto_num, REQ-attr-method,
    REQ-attr-method_number, REQ-attr-header_only, REQ-attr-status,
    REQ-attr-status_line, REQ-attr-request_time, REQ-attr-hostname,
    REQ-attr-assbackwards, REQ-attr-proxyreq, REQ-attr-unparsed_uri,
    REQ-attr-uri, REQ-attr-args, REQ-attr-filename, REQ-attr-path_info,
    REQ-attr-used_path_info, REQ-attr-handler, REQ-attr-phase,
    REQ-attr-interpreter, REQ-attr-allowed_xmethods,
    REQ-attr-allowed_methods, REQ-attr-allowed, REQ-attr-eos_sent,
    REQ-attr-useragent_ip, REQ-attr-useragent_addr, REQ-attr-mtime,
    REQ-attr-clength, REQ-attr-range, REQ-attr-expecting_100,
    REQ-attr-content_languages, REQ-attr-content_encoding,
    REQ-attr-vlist_validator, REQ-attr-user, REQ-attr-ap_auth_type,
    REQ-attr-no_cache, REQ-attr-no_local_copy, REQ-attr-canonical_filename,
    REQ-attr-content_type, REQ-attr-_content_type_set, REQ-attr-next,
    REQ-attr-prev, REQ-attr-main, REQ-attr-hlist, OBJ-str-out)."""
    start = time.time()
    a = data(apache.get("/request/attrs/p%C3%A9th?x=1&y=%20",
                        headers={"Range": "bytes=0-3"}))
    assert a["unparsed_uri"] == "/request/attrs/p%C3%A9th?x=1&y=%20"
    assert a["the_request"] == "GET %s HTTP/1.1" % a["unparsed_uri"]
    assert a["uri"] == "/request/attrs/p\xe9th"
    assert a["args"] == "x=1&y=%20"
    assert (a["protocol"], a["proto_num"]) == ("HTTP/1.1", 1001)
    assert (a["method"], a["method_number"], a["header_only"]) == ("GET", 0,
                                                                    0)
    assert (a["status"], a["status_line"]) == (200, None)
    assert isinstance(a["request_time"], float)
    assert start - 1 <= a["request_time"] <= a["now"]
    assert a["hostname"] == "127.0.0.1"
    assert (a["assbackwards"], a["proxyreq"]) == (0, 0)
    assert a["filename"] is None and a["canonical_filename"] is None
    assert a["used_path_info"] == 2
    assert a["handler"] == "mod_python"
    assert a["phase"] == "PythonHandler"
    assert a["interpreter"] == a["apache_interpreter"] == "localhost"
    assert a["allowed_xmethods"] == () and a["allowed_methods"] == ()
    assert isinstance(a["allowed"], int)
    assert a["eos_sent"] == 0
    assert a["useragent_ip"] == "127.0.0.1"
    ip, port = a["useragent_addr"]
    assert ip == "127.0.0.1" and isinstance(port, int) and port > 0
    assert a["mtime"] == 0.0 and isinstance(a["mtime"], float)
    assert a["clength"] == 0
    assert a["range"] is None          # set by httpd's byterange filter
    assert a["expecting_100"] == 0
    assert a["content_languages"] == ()
    assert a["content_encoding"] is None and a["vlist_validator"] is None
    assert a["user"] is None and a["ap_auth_type"] is None
    assert (a["no_cache"], a["no_local_copy"]) == (0, 0)
    assert (a["content_type"], a["_content_type_set"]) == (None, 0)
    assert (a["next"], a["prev"], a["main"]) == (None, None, None)
    assert a["hlist_handler"] == "request_handlers"
    assert a["types"] == {
        "connection": "mp_conn", "server": "mp_server",
        "headers_in": "mp_table", "headers_out": "mp_table",
        "err_headers_out": "mp_table", "subprocess_env": "mp_table",
        "notes": "mp_table", "hlist": "mp_hlist",
        "_request_rec": "PyCapsule"}


def test_request_attributes_read_only(apache):
    """Read-only attributes refuse assignment and deletion with
    AttributeError; table bindings cannot be replaced
    (REQ-attr-connection, REQ-attr-server, REQ-attr-headers_in,
    REQ-attr-headers_out, REQ-attr-err_headers_out,
    REQ-attr-subprocess_env, REQ-attr-notes, REQ-attr-sent_bodyct,
    REQ-attr-bytes_sent, REQ-attr-remaining, REQ-attr-read_length,
    REQ-attr-read_body, REQ-attr-read_chunked, REQ-attr-parsed_uri,
    REQ-attr-_bytes_queued, REQ-attr-_request_rec, REQ-attr-extension)."""
    ro = data(apache.get("/request/readonly"))
    assert len(ro) == 46
    for name, (assign, delete) in ro.items():
        assert (assign, delete) == ("AttributeError", "AttributeError"), name


def test_request_wrappers_are_cached(apache):
    """connection, server and the tables are made once per request
    (REQ-attr-connection, REQ-attr-server)."""
    assert data(apache.get("/request/cached")) == {
        "connection": True, "server": True, "headers_in": True,
        "notes": True}


def test_request_attributes_writable(apache):
    """Writable attributes take the new value; None clears where allowed;
    values must be Latin-1 str or bytes (REQ-attr-proxyreq,
    REQ-attr-status, REQ-attr-status_line, REQ-attr-chunked,
    REQ-attr-handler, REQ-attr-user, REQ-attr-ap_auth_type,
    REQ-attr-no_local_copy, REQ-attr-uri, REQ-attr-filename,
    REQ-attr-canonical_filename, REQ-attr-path_info, REQ-attr-args,
    REQ-attr-used_path_info, REQ-attr-assbackwards,
    REQ-attr-content_type, OBJ-str-in)."""
    w = data(apache.get("/request/writable"))
    assert w["proxyreq"] == [2, 0]
    assert w["status"] == [201, 200]
    assert w["status_line"] == ["200 Fine", None]
    assert w["chunked"] == [0, ("TypeError", "chunked must be a integer")]
    assert w["handler"] == ["something-else", None, "mod_python"]
    # req.user reads back as Latin-1 (OBJ-str-out exception).
    assert w["user"] == ["joe", "j\xf6e", "b\xe9a", None]
    assert w["ap_auth_type"] == ["Digest", None]
    assert w["no_local_copy"] == [1, 0]
    assert w["uri"][0] == "/request/elsewhere"
    assert w["uri"][1][0] == "TypeError"
    assert w["uri"][2] == "/request/writable"
    assert w["filename"] == ["/tmp/x", None]
    assert w["canonical_filename"] == ["/tmp/y", None]
    assert w["path_info"] == ["/more", None]
    assert w["args"] == ["q=1", None]
    assert w["used_path_info"] == [0, 2]
    assert w["assbackwards"] == [0]
    assert w["content_type"][0] == "text/x-one"
    assert w["content_type"][1][0] == "TypeError"
    assert w["content_type"][2] == "text/plain"
    assert w["not_latin1"] == ("TypeError", "not an ISO-8859-1 string")
    assert w["args_utf8"] == "\u20ac"
    assert w["int_for_str"] == "TypeError"
    assert w["str_for_int"] == "TypeError"


def test_request_status_and_status_line_on_the_wire(apache):
    """status and status_line set the response line (REQ-attr-status,
    REQ-attr-status_line)."""
    r = apache.get("/request/status?201")
    assert (r.status_code, r.text) == (201, "status 201")
    resp = apache.raw(b"GET /request/status-line HTTP/1.1\r\nHost: x\r\n"
                      b"Connection: close\r\n\r\n")
    assert resp.startswith(b"HTTP/1.1 404 Gone Fishing\r\n")
    assert resp.endswith(b"status line 404 Gone Fishing\r\n0\r\n\r\n")


def test_request_assbackwards_sends_body_only(apache):
    """assbackwards = 1: no status line, no headers (REQ-attr-assbackwards)."""
    resp = apache.raw(b"GET /request/assbackwards HTTP/1.1\r\nHost: x\r\n"
                      b"Connection: close\r\n\r\n")
    assert resp == b"body only, no status line"


def test_request_http_09_and_10(apache):
    """protocol and proto_num follow the request line; HEAD sets
    header_only (REQ-attr-protocol, REQ-attr-proto_num,
    REQ-attr-header_only)."""
    body = apache.raw(b"GET /request/attrs\r\n")
    a = ast.literal_eval(body.decode())
    assert (a["protocol"], a["proto_num"]) == ("HTTP/0.9", 9)
    _, _, body = raw_split(apache.raw(b"GET /request/attrs HTTP/1.0\r\n"
                                      b"Host: Example.COM:8080\r\n\r\n"))
    a = ast.literal_eval(body.decode())
    assert (a["protocol"], a["proto_num"]) == ("HTTP/1.0", 1000)
    assert a["hostname"] == "example.com"
    r = apache.request("HEAD", "/request/attrs")
    assert r.status_code == 200 and r.text == ""
    r = apache.request("FROBNICATE", "/request/attrs")
    a = data(r)
    assert (a["method"], a["method_number"]) == ("FROBNICATE", 26)


def test_request_parsed_uri(apache):
    """parsed_uri is a 9-tuple with None for missing parts and an int
    port (REQ-attr-parsed_uri, APA-URI)."""
    resp = apache.raw(b"GET http://localhost:%d/request/attrs?q=1 "
                      b"HTTP/1.1\r\nHost: localhost:%d\r\nConnection: close"
                      b"\r\n\r\n" % (apache.port, apache.port))
    a = ast.literal_eval(dechunk(raw_split(resp)[2]).decode())
    assert a["parsed_uri"] == ("http", "localhost:%d" % apache.port,
                               None, None, "localhost", apache.port,
                               "/request/attrs", "q=1", None)
    assert a["hostname"] == "localhost"
    # httpd takes the port (only) from the Host header.
    a = data(apache.get("/request/attrs"))
    assert a["parsed_uri"] == (None, None, None, None, None, apache.port,
                               "/request/attrs", None, None)


def test_request_expecting_100(apache):
    """Expect: 100-continue sets expecting_100 (REQ-attr-expecting_100)."""
    with socket.create_connection(("127.0.0.1", apache.port),
                                  timeout=10) as s:
        s.sendall(b"POST /request/attrs HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Length: 3\r\nExpect: 100-continue\r\n"
                  b"Connection: close\r\n\r\nabc")
        resp = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            resp += chunk
    # The handler never reads the body, so no 100 Continue is sent.
    assert resp.startswith(b"HTTP/1.1 200 OK\r\n")
    a = ast.literal_eval(raw_split(resp)[2].decode())
    assert a["expecting_100"] == 1
    assert a["method_number"] == 2


def test_request_headers_are_live(apache):
    """Tables are live views: headers_out/err_headers_out reach the wire,
    subprocess_env and headers_in changes are seen by mod_headers; the
    bindings cannot be replaced (OBJ-live, REQ-attr-headers_in,
    REQ-attr-headers_out, REQ-attr-err_headers_out,
    REQ-attr-subprocess_env, TBL-add)."""
    r = apache.get("/request/headers", headers={"User-Agent": "req-test"})
    d = data(r)
    assert d["agent"] == "req-test"
    assert set(d["bindings"].values()) == {"AttributeError"}
    assert r.headers["X-Request-Out"] == "out"
    assert r.headers["X-Request-Err"] == "err"
    assert r.headers["X-Request-Multi"] == "one, two"
    assert r.headers["X-Request-Env"] == "from-python"
    assert r.headers["X-Request-In"] == "added-in"


def test_request_err_headers_out_on_errors(apache):
    """err_headers_out is sent with an error response, headers_out is not
    (REQ-attr-err_headers_out, REQ-attr-headers_out)."""
    r = apache.get("/request/error-headers")
    assert r.status_code == 404
    assert r.headers["X-Request-Err"] == "err"
    assert "X-Request-Out" not in r.headers


def test_request_content_type(apache):
    """content_type goes through httpd's setter and marks
    _content_type_set; None is refused (REQ-attr-content_type,
    REQ-attr-_content_type_set)."""
    r = apache.get("/request/content-type")
    assert r.headers["Content-Type"] == "application/x-request-test"
    assert ast.literal_eval(r.text) == (
        (None, 0), ("application/x-request-test", 1), "TypeError")


def test_request_no_cache_sends_expires(apache):
    """no_cache = 1 makes httpd send Expires equal to Date
    (REQ-attr-no_cache)."""
    r = apache.get("/request/no-cache")
    assert r.text == "not to be cached 1"
    assert r.headers["Expires"] == r.headers["Date"]
    assert "Expires" not in apache.get("/request/status?200").headers


def test_request_phase_and_dict_across_phases(apache):
    """An attribute set in the fixup phase is seen by the handler, as is a
    note; phase names the running phase (REQ-attr-dict, REQ-attr-phase,
    REQ-attr-notes)."""
    a = data(apache.get("/request/attrs"))
    assert a["from_fixup"] == "PythonFixupHandler"
    assert a["fixup_note"] == "noted"
    assert a["phase"] == "PythonHandler"


def test_request_instance_dict(apache):
    """Any other name lives in the instance __dict__; ssi_globals is just
    such an attribute (REQ-attr-dict, REQ-attr-ssi_globals)."""
    d = data(apache.get("/request/dict"))
    assert d["form"] == {"a": 1}
    assert d["ssi_globals"] == {"x": 2}
    assert d["session"] is None
    assert {"form", "ssi_globals", "session", "from_fixup"} <= set(d["dict"])
    assert d["missing"] == "AttributeError"


def test_request_request_rec_capsule(apache):
    """_request_rec is an unnamed capsule of the C record
    (REQ-attr-_request_rec)."""
    assert data(apache.get("/request/request-rec")) == {
        "type": "PyCapsule", "name": None, "same": True, "nonnull": True}


def test_request_hlist(apache):
    """hlist is the handler list being run (REQ-attr-hlist)."""
    assert data(apache.get("/request/hlist")) == {
        "type": "<class 'mp_hlist'>", "handler": "request_handlers",
        "is_location": 1}


def test_request_prev_and_next_after_internal_redirect(apache):
    """An ErrorDocument is an internal redirect: prev is the first
    request, whose next is the current one (REQ-attr-prev,
    REQ-attr-next)."""
    r = apache.get("/request/redirected")
    assert r.status_code == 404
    d = ast.literal_eval(r.text)
    assert d == {"uri": "/request/errdoc", "prev_uri": "/request/redirected",
                 "prev_type": "<class 'mp_request'>",
                 "prev_next_is_self": True, "prev_prev": None,
                 "next": None, "main": None, "prev_note": "yes"}


def test_request_main_in_sub_request(apache):
    """A mod_include sub-request sees its parent in main (REQ-attr-main)."""
    r = apache.get("/request-ssi/page.shtml")
    assert r.status_code == 200
    m = re.fullmatch(r"before\[(.*)\]after\n", r.text, re.S)
    assert m, r.text
    assert ast.literal_eval(m.group(1)) == {
        "uri": "/request/sub/part", "main_uri": "/request-ssi/page.shtml",
        "main_type": "<class 'mp_request'>", "main_main": None,
        "prev": None}


def test_request_handler_set_in_fixup(apache):
    """Assigning handler = "mod_python" in an earlier phase routes the
    request to Python (REQ-attr-handler)."""
    assert apache.get("/request-h/routed").status_code == 404
    assert data(apache.get("/request-h/routed?route")) == {
        "handler": "mod_python", "phase": "PythonHandler"}


def test_request_file_attributes(apache):
    """With a real file: filename, canonical_filename, path_info and what
    mod_mime found (REQ-attr-filename, REQ-attr-canonical_filename,
    REQ-attr-path_info, REQ-attr-content_languages,
    REQ-attr-content_encoding, REQ-document_root)."""
    files = apache.htdocs / "request" / "files"
    # Raw: the client must not try to decode the "x-gzip" body.
    resp = apache.raw(b"GET /request-files/multi.en.txt.gz/extra/path "
                      b"HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    status, headers, body = raw_split(resp)
    assert raw_header(headers, b"Content-Encoding") == b"x-gzip"
    assert raw_header(headers, b"Content-Language") == b"en"
    d = ast.literal_eval(dechunk(body).decode())
    assert d["filename"] == str(files / "multi.en.txt.gz")
    assert d["canonical_filename"] == d["filename"]
    assert d["path_info"] == "/extra/path"
    assert d["content_languages"] == ("en",)
    assert d["content_encoding"] == "x-gzip"
    assert d["document_root"] == str(apache.htdocs)
    d = data(apache.get("/request-files/plain.txt"))
    assert d["path_info"] == ""
    assert d["content_languages"] == ()
    assert d["content_encoding"] is None


def test_request_counters_after_the_response(apache):
    """In the log phase the body has gone out: eos_sent, bytes_sent and
    sent_bodyct show it (REQ-attr-eos_sent, REQ-attr-bytes_sent,
    REQ-attr-sent_bodyct)."""
    assert apache.get("/request/after-response").text == "x" * 1234
    m = wait_for_log(apache, r"request-loghandler eos_sent=(\d+) "
                     r"bytes_sent=(\d+) sent_bodyct=(\d+) "
                     r"phase=PythonLogHandler")
    assert m.groups() == ("1", "1234", "1")


def test_request_range(apache):
    """range holds the range set of the Range header once httpd's
    byterange filter has made the ranged response (REQ-attr-range)."""
    r = apache.get("/request/range", headers={"Range": "bytes=2-5"})
    assert (r.status_code, r.text) == (206, "2345")
    m = wait_for_log(apache, r"request-range (.*)")
    assert m.group(1) == "'2-5'"


# ---------------------------------------------------------------------
# Writing (REQ-write, REQ-flush)

def test_request_write_str_bytes_and_buffers(apache):
    """write() takes str (UTF-8) and bytes-like objects, empty data adds
    nothing, _bytes_queued counts what was passed; other types are a
    TypeError (REQ-write, OBJ-str-write, REQ-attr-_bytes_queued)."""
    r = apache.get("/request/write")
    assert r.content == b"caf\xc3\xa9|\x00\xff|ba|mv||0 6 15 TypeError"


def test_request_write_flush_and_counters(apache):
    """A flushed write sends headers and body (sent_bodyct, bytes_sent
    grow by 4); write(s, 0) holds the data until flush() (REQ-write,
    REQ-flush, REQ-attr-sent_bodyct, REQ-attr-bytes_sent,
    REQ-attr-chunked)."""
    r = apache.get("/request/write-counters")
    assert r.headers["Transfer-Encoding"] == "chunked"
    body, _, counters = r.text.partition("|")
    assert body == "abcdefgh"
    assert ast.literal_eval(counters) == ((0, 0), (1, 4), (1, 4), (1, 8), 1)


def test_request_empty_write_does_not_flush(apache):
    """write("") and write(b"", 1) neither send nor flush (REQ-write)."""
    assert apache.get("/request/empty-write").text == "abc|0 1"


def test_request_headers_frozen_by_first_write(apache):
    """Status and headers go out with the first flushed write; later
    changes do not reach the client (REQ-write)."""
    r = apache.get("/request/late-header")
    assert r.status_code == 200
    assert r.text == "first second"
    assert "X-Request-Late" not in r.headers


def test_request_send_http_header_is_a_no_op(apache):
    """send_http_header() returns None and sends nothing: headers set
    afterwards still go out (REQ-send_http_header)."""
    r = apache.get("/request/send-http-header")
    assert r.status_code == 202
    assert r.headers["X-Request-After"] == "after"
    assert r.text == "send_http_header returned None"


def _hang_up(apache, path):
    with socket.create_connection(("127.0.0.1", apache.port),
                                  timeout=10) as s:
        s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path)
        assert s.recv(100).startswith(b"HTTP/1.1 200")
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     b"\x01\x00\x00\x00\x00\x00\x00\x00")


def test_request_write_to_closed_client_raises(apache):
    """write() to a client that hung up raises IOError (REQ-write)."""
    _hang_up(apache, b"/request/write-closed")
    m = wait_for_log(apache, r"request-write-closed: (.*)")
    assert m.group(1) == ("OSError: Write failed, client closed "
                          "connection.")


def test_request_flush_to_closed_client_raises(apache):
    """flush() to a client that hung up raises IOError (REQ-flush)."""
    _hang_up(apache, b"/request/flush-closed")
    m = wait_for_log(apache, r"request-flush-closed: (.*)")
    assert m.group(1) == ("OSError: Flush failed, client closed "
                          "connection.")


# ---------------------------------------------------------------------
# Reading the body (REQ-read, REQ-readline, REQ-readlines)

def test_request_read_all(apache):
    """read() returns the whole body as bytes, then b""; reading sets up
    the de-chunking policy and the counters (REQ-read, REQ-attr-read_body,
    REQ-attr-read_length, REQ-attr-remaining, REQ-attr-read_chunked,
    OBJ-str-out)."""
    d = data(apache.post("/request/read-all", data=b"0123456789"))
    assert d["data"] == b"0123456789"
    assert d["before"] == (0, 0, 0)
    assert d["again"] == b""
    assert (d["read_body"], d["read_chunked"]) == (2, 0)
    assert (d["remaining"], d["read_length"]) == (0, 10)


def test_request_read_lengths(apache):
    """read(0) is b"", read(n) at most n, read(-1) the rest, then b""
    (REQ-read, REQ-attr-remaining, REQ-attr-read_length)."""
    d = data(apache.post("/request/read-parts", data=b"abcdefghij"))
    assert d == [b"", b"abc", (7, 3), b"defghij", b""]


def test_request_read_without_body(apache):
    """No body: every reader returns empty results (REQ-read,
    REQ-readline, REQ-readlines)."""
    assert data(apache.get("/request/no-body")) == {
        "read": b"", "readline": b"", "readlines": [], "read_body": 2}


def test_request_read_chunked_body(apache):
    """A chunked request body is de-chunked and readable (REQ-read,
    REQ-attr-read_chunked)."""
    pieces = [os.urandom(1000) for _ in range(50)]
    body = b"".join(pieces)
    d = data(apache.post("/request/read-all", data=iter(pieces)))
    assert d["data"] == body
    assert d["read_chunked"] == 1
    assert d["read_length"] == len(body)
    # The same over a raw connection with chunk extensions and trailers.
    resp = apache.raw(b"POST /request/read-all HTTP/1.1\r\nHost: x\r\n"
                      b"Transfer-Encoding: chunked\r\nConnection: close\r\n"
                      b"\r\n5;ext=1\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n"
                      b"0\r\nX-Trailer: t\r\n\r\n")
    d = ast.literal_eval(dechunk(raw_split(resp)[2]).decode())
    assert d["data"] == b"hello world"


@pytest.mark.parametrize("chunked", [False, True])
def test_request_read_large_body_in_pieces(apache, chunked):
    """5 MB read with read(n): byte-exact, pieces of exactly n until the
    last (REQ-read)."""
    body = os.urandom(5 * 1024 * 1024)
    payload = (iter(body[i:i + 100000] for i in range(0, len(body), 100000))
               if chunked else body)
    d = data(apache.post("/request/read-sizes?70001", data=payload))
    assert d["total"] == len(body)
    assert d["sha256"] == hashlib.sha256(body).hexdigest()
    assert d["max"] == 70001 and d["short"] == 0
    assert d["read_chunked"] == int(chunked)
    assert d["remaining"] == 0


def test_request_read_does_not_allocate_content_length(apache):
    """A Content-Length of 1 TB with a short body: read() grows with the
    data instead of allocating the announced length, and the truncated
    body is a read error (REQ-read)."""
    with socket.create_connection(("127.0.0.1", apache.port),
                                  timeout=15) as s:
        s.sendall(b"POST /request/huge-length HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Length: 1000000000000\r\n\r\n" + b"z" * 5000)
        s.shutdown(socket.SHUT_WR)
        resp = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            resp += chunk
    assert raw_value(resp) == ("OSError", "Client read error (Timeout?)")


def test_request_read_truncated_body(apache):
    """A body shorter than Content-Length: the bytes that came, then
    IOError (REQ-read)."""
    with socket.create_connection(("127.0.0.1", apache.port),
                                  timeout=15) as s:
        s.sendall(b"POST /request/truncated HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Length: 50\r\n\r\nabc")
        s.shutdown(socket.SHUT_WR)
        while s.recv(65536):
            pass
    m = wait_for_log(apache, r"request-truncated: (.*)")
    assert ast.literal_eval(m.group(1)) == (
        "OSError", "Client read error (Timeout?)", b"abc")


def test_request_read_refused_by_httpd(apache):
    """When httpd refuses the body (LimitRequestBody) read() raises
    SERVER_RETURN and the client gets httpd's error (REQ-read)."""
    r = apache.post("/request/limited", data=b"x" * 1000)
    assert r.status_code == 413
    wait_for_log(apache, r"request-limited: SERVER_RETURN\(413,\)")
    # Over the limit only while reading a chunked body: httpd has already
    # answered, the handler stops.
    r = apache.post("/request/limited", data=iter([b"x" * 60, b"y" * 60]))
    assert r.status_code == 413
    wait_for_log(apache, r"request-limited: SERVER_RETURN\(-102,\)")
    resp = apache.raw(b"POST /request/limited HTTP/1.1\r\nHost: x\r\n"
                      b"Transfer-Encoding: chunked\r\n\r\nzz\r\n")
    assert resp.startswith(b"HTTP/1.1 400 ")
    assert data(apache.post("/request/limited", data=b"x" * 10)) == "10"


def test_request_readline(apache):
    """readline() returns lines with their newline, the last one without,
    then b"" (REQ-readline)."""
    body = b"first line\nsecond\n\nlast without newline"
    d = data(apache.post("/request/readlines", data=body))
    assert d["lines"] == [b"first line\n", b"second\n", b"\n",
                          b"last without newline"]
    assert d["rest"] == b""


def test_request_readline_and_read_share_a_buffer(apache):
    """readline(n) stops at n bytes; read() continues where readline
    stopped (REQ-readline, REQ-read)."""
    body = b"line one\nABCDrest of two\nthree\nfour\n"
    d = data(apache.post("/request/readline-mixed", data=body))
    assert d == [b"line one\n", b"ABCD", b"res", b"t of two\n",
                 b"three\nfour\n", b"", b""]


@pytest.mark.parametrize("chunked", [False, True])
def test_request_readline_large_body(apache, chunked):
    """readline() over 5 MB of lines of varying length is byte-exact,
    also with a length limit (REQ-readline)."""
    lines = [b"%d:" % i + b"x" * (i * 7919 % 30000) + b"\n"
             for i in range(350)]
    body = b"".join(lines)
    assert len(body) > 5 * 1000 * 1000
    payload = (iter(body[i:i + 65536] for i in range(0, len(body), 65536))
               if chunked else body)
    d = data(apache.post("/request/readline-all", data=payload))
    assert d == {"lines": len(lines), "total": len(body),
                 "sha256": hashlib.sha256(body).hexdigest(),
                 "longest": max(map(len, lines)), "bad": 0}
    d = data(apache.post("/request/readline-all?1000", data=body))
    assert d["total"] == len(body)
    assert d["sha256"] == hashlib.sha256(body).hexdigest()
    assert d["longest"] == 1000
    assert d["bad"] == 0


def test_request_readlines_sizehint_quirk(apache):
    """readlines(sizehint): the first line whole, later ones cut at
    sizehint; stops once sizehint bytes are collected (REQ-readlines)."""
    body = b"a\nbbbbbbbbbb\ncc\n"
    d = data(apache.post("/request/readlines?4", data=body))
    assert d == {"lines": [b"a\n", b"bbbb"], "rest": b"bbbbbb\ncc\n"}
    body = b"0123456789\nbbbbbbbbbb\ncc\n"
    d = data(apache.post("/request/readlines?4", data=body))
    assert d == {"lines": [b"0123456789\n"], "rest": b"bbbbbbbbbb\ncc\n"}
    body = b"ab\ncd\nefgh\nij\n"
    d = data(apache.post("/request/readlines?100", data=body))
    assert d == {"lines": [b"ab\n", b"cd\n", b"efgh\n", b"ij\n"],
                 "rest": b""}


def test_request_discard_request_body(apache):
    """discard_request_body() reads the body away and returns OK
    (REQ-discard_request_body)."""
    assert data(apache.post("/request/discard", data=b"x" * 100000)) == {
        "rc": 0, "after": b""}
    assert data(apache.get("/request/discard")) == {"rc": 0, "after": b""}


# ---------------------------------------------------------------------
# Configuration, logging and the smaller methods

def test_request_get_config_and_options(apache):
    """get_config()/get_options() give the same live table on each call;
    options with an empty value are left out (REQ-get_config,
    REQ-get_options)."""
    d = data(apache.get("/request/config"))
    assert d["config_type"] == "<class 'mp_table'>"
    assert d["config_same"] and d["options_same"]
    assert "PythonDebug" not in d["config"]
    assert not any(k.startswith("Python") and k.endswith("Handler")
                   for k in d["config"])
    assert d["options"] == {"request_opt": "value1",
                            "request_Mixed": "Case"}
    assert d["unset_in"] is False
    d = data(apache.get("/request/debug/config"))
    assert d["config"]["PythonDebug"] == "1"
    assert d["config"]["PythonAutoReload"] == "0"
    assert d["config"]["PythonPath"] == "['%s'] + sys.path" % (
        apache.htdocs / "request")


@pytest.mark.log_expected(r"request-log ")
def test_request_log_error(apache):
    """log_error() logs with the request's context at the given level;
    default and EMERG are ERR, None logs nothing, INFO passes LogLevel
    info but DEBUG does not (REQ-log_error, OBJ-str-in)."""
    d = data(apache.get("/request/log"))
    assert d["bytes"] == "TypeError"
    assert d["surrogate"] == "ok"
    time.sleep(0.3)
    lines = [ln for ln in apache.error_log().splitlines()
             if "request-log " in ln]
    levels = {ln.rsplit("] ", 1)[1]: re.search(r"\[python:(\w+)\]",
                                                ln).group(1)
              for ln in lines}
    assert levels == {"request-log default level": "error",
                      "request-log warning": "warn",
                      "request-log info": "info",
                      "request-log emerg": "error",
                      "request-log raw \\xff byte": "notice"}
    assert all("[client 127.0.0.1:" in ln for ln in lines)


def test_request_log_error_uses_request_loglevel(apache):
    """A LogLevel of the request's <Location> applies (REQ-log_error)."""
    assert data(apache.get("/request/loglevel")) == "logged"
    wait_for_log(apache, r"\[python:debug\] .*request-loglevel debug")


def test_request_set_content_length(apache):
    """set_content_length() sets clength and the Content-Length header
    (REQ-set_content_length, REQ-attr-clength)."""
    r = apache.get("/request/content-length")
    assert r.headers["Content-Length"] == "20"
    assert "Transfer-Encoding" not in r.headers
    assert r.text == "%-20s" % "0 20"


def test_request_document_root(apache):
    """document_root() is the DocumentRoot (REQ-document_root)."""
    assert data(apache.get("/request/document-root")) == str(apache.htdocs)


def test_request_construct_url(apache):
    """construct_url() makes an absolute URL from the request's host and
    port, leaving out the scheme's default port; the argument must be
    str (REQ-construct_url, OBJ-str-in)."""
    d = data(apache.get("/request/construct-url"))
    assert d == ["http://127.0.0.1:%d/request/x?y=1" % apache.port,
                 "TypeError"]
    d = data(apache.get("/request/construct-url",
                        headers={"Host": "example.org:80"}))
    assert d[0] == "http://example.org/request/x?y=1"


def test_request_meets_conditions(apache):
    """meets_conditions() answers If-None-Match/If-Match/
    If-Modified-Since from ETag and mtime (REQ-meets_conditions,
    REQ-set_last_modified, REQ-update_mtime)."""
    r = apache.get("/request/conditional")
    assert (r.status_code, r.text) == (200, "full response")
    assert r.headers["ETag"] == '"request-etag"'
    assert r.headers["Last-Modified"] == "Sun, 09 Sep 2001 01:46:40 GMT"
    r = apache.get("/request/conditional",
                   headers={"If-None-Match": '"request-etag"'})
    assert r.status_code == 304 and r.text == ""
    r = apache.get("/request/conditional",
                   headers={"If-Match": '"other"'})
    assert r.status_code == 412
    r = apache.get("/request/conditional",
                   headers={"If-Modified-Since":
                            "Sun, 09 Sep 2001 01:46:40 GMT"})
    assert r.status_code == 304
    r = apache.get("/request/conditional",
                   headers={"If-Modified-Since":
                            "Sat, 08 Sep 2001 01:46:40 GMT"})
    assert r.status_code == 200


def test_request_update_mtime(apache):
    """update_mtime() only moves mtime forward; set_last_modified() never
    goes past the request time (REQ-update_mtime, REQ-attr-mtime,
    REQ-set_last_modified)."""
    r = apache.get("/request/mtime")
    assert ast.literal_eval(r.text) == (0.0, 1000000000.5, 1000000000.5,
                                        True)
    last = email.utils.parsedate_to_datetime(r.headers["Last-Modified"])
    date = email.utils.parsedate_to_datetime(r.headers["Date"])
    assert last <= date
    assert ast.literal_eval(apache.get("/request/last-modified").text) == (
        "Sun, 09 Sep 2001 01:46:40 GMT")


def test_request_set_etag(apache):
    """set_etag() makes httpd's ETag; a file's ETag then answers
    If-None-Match with 304 (REQ-set_etag, REQ-meets_conditions)."""
    before, etag = ast.literal_eval(apache.get("/request/set-etag").text)
    assert before is None
    assert re.fullmatch(r'(W/)?"[0-9a-f-]+"', etag)
    r = apache.get("/request-files/plain.txt?etag")
    etag = r.headers["ETag"]
    assert r.text == "etag %s" % etag
    assert re.fullmatch(r'(W/)?"[0-9a-f-]+"', etag)
    r = apache.get("/request-files/plain.txt?etag",
                   headers={"If-None-Match": etag})
    assert r.status_code == 304


def test_request_get_remote_host(apache):
    """get_remote_host(): the IP without lookups, None for REMOTE_HOST
    when HostnameLookups is off, a (host, is_ip) pair when asked
    (REQ-get_remote_host, APA-REMOTE)."""
    d = data(apache.get("/request/remote-host"))
    assert d == {"default": "127.0.0.1", "nolookup": "127.0.0.1",
                 "host": None, "name": "127.0.0.1",
                 "tuple": ("127.0.0.1", 1), "tuple_none": "127.0.0.1",
                 "host_tuple": (None, 0)}
    name, double = data(apache.get("/request/double-rev"))
    assert (name is None and double == -1) or (name and double == 1)


def test_request_auth_name_and_type(apache):
    """auth_name()/auth_type() give AuthName/AuthType in effect, None
    elsewhere (REQ-auth_name, REQ-auth_type)."""
    assert data(apache.get("/request/auth")) == {"name": "request realm",
                                                 "type": "Basic"}
    assert data(apache.get("/request/noauth")) == {"name": None,
                                                   "type": None}


def test_request_user_is_latin1(apache):
    """After get_basic_auth_pw() req.user holds the name, decoded as
    Latin-1 like the password (REQ-attr-user, OBJ-str-out)."""
    cred = base64.b64encode(b"j\xf6rg:p\xe4ss").decode()
    d = data(apache.get("/request/basic",
                        headers={"Authorization": "Basic " + cred}))
    assert d == {"pw": "p\xe4ss", "user": "j\xf6rg", "name": "request realm",
                 "type": "Basic"}


def test_request_add_common_vars(apache):
    """subprocess_env is not pre-filled; add_common_vars() adds httpd's
    CGI variables (REQ-add_common_vars, REQ-attr-subprocess_env)."""
    d = data(apache.get("/request/common-vars",
                        headers={"X-Request-Test": "yes"}))
    assert d["before"] == []
    after = d["after"]
    assert after["HTTP_HOST"] == "127.0.0.1:%d" % apache.port
    assert after["HTTP_X_REQUEST_TEST"] == "yes"
    assert after["SERVER_NAME"] == "127.0.0.1"
    assert after["SERVER_PORT"] == str(apache.port)
    assert after["REMOTE_ADDR"] == "127.0.0.1"
    assert after["DOCUMENT_ROOT"] == str(apache.htdocs)
    assert after["REQUEST_SCHEME"] == "http"
    assert after["PATH"]
    assert "mod_python" in after["SERVER_SOFTWARE"]
    assert d["result"] is None


@pytest.mark.log_expected(r"AH02430")
@pytest.mark.log_expected(r"PythonHandler request_handlers")
def test_request_header_value_cannot_split_headers(apache):
    """A header value with CR LF is refused when set (ValueError, so the
    handler fails with 500); it never becomes a second header
    (REQ-attr-headers_out, OBJ-str-in)."""
    resp = apache.raw(b"GET /request/inject HTTP/1.1\r\nHost: x\r\n"
                      b"Connection: close\r\n\r\n")
    status, headers, _ = raw_split(resp)
    assert status == b"HTTP/1.1 500 Internal Server Error"
    assert b"X-Request-Evil" not in resp.partition(b"\r\n\r\n")[0]
    assert wait_for_log(apache, r"ValueError: a header value must not "
                        r"contain a line break")
    assert apache.get("/request/status?200").text == "status 200"


# ---------------------------------------------------------------------
# Bytes that are not valid UTF-8 (util.h)

def test_request_raw_bytes_round_trip(apache):
    """Header, query and URL bytes that are not UTF-8 come out as lone
    surrogates and go back into headers as the same bytes; Latin-1 str
    and bytes values are sent as their bytes (OBJ-str-out, OBJ-str-in,
    TBL-getitem, TBL-setitem)."""
    resp = apache.raw(b"GET /request/raw/%C3%A9\xff\xfe?a=\xff&b=%FF&c=\xc3"
                      b"\xa9 HTTP/1.1\r\nHost: x\r\nX-Raw: ab\xffcd\xe9\r\n"
                      b"Connection: close\r\n\r\n")
    status, headers, body = raw_split(resp)
    assert status == b"HTTP/1.1 200 OK"
    d = ast.literal_eval(dechunk(body).decode())
    assert d["header"] == "ab\udcffcd\udce9"
    assert d["args"] == "a=\udcff&b=%FF&c=\xe9"
    assert d["uri"] == "/request/raw/\xe9\udcff\udcfe"
    assert d["unparsed_uri"] == "/request/raw/%C3%A9\udcff\udcfe?a=\udcff" \
                                "&b=%FF&c=\xe9"
    assert d["the_request"] == "GET " + d["unparsed_uri"] + " HTTP/1.1"
    assert d["parsed_path"] == d["uri"]
    assert d["parsed_query"] == "a=\udcff&b=%FF&c=\xe9"
    assert d["keys"] == ["X-Raw"]
    assert raw_header(headers, b"X-Raw-Echo") == b"ab\xffcd\xe9"
    assert raw_header(headers, b"X-Raw-Err") == b"ab\xffcd\xe9"
    # Valid UTF-8 decodes to real characters, which go back as Latin-1:
    # the documented asymmetry of OBJ-str-in.
    assert raw_header(headers, b"X-Raw-Args") == b"a=\xff&b=%FF&c=\xe9"
    assert raw_header(headers, b"X-Raw-Uri") == b"/request/raw/\xe9\xff\xfe"
    assert raw_header(headers, b"X-Latin1") == b"caf\xe9"
    assert raw_header(headers, b"X-Bytes-Key") == b"by\xfetes"
    # The child is fine.
    assert apache.get("/request/status?200").text == "status 200"


def test_request_concurrent_first_import(apache):
    """Requests that arrive while a handler module is first executing wait
    for it and get the complete module, executed once (PH-imp-cache)."""
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: apache.get("/request-slow/"),
                                range(8)))
    assert [r.status_code for r in results] == [200] * 8
    assert {r.text for r in results} == {"1"}
