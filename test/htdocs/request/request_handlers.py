"""Handlers of the request suite: /request/<name>... runs t_<name>(req).

A t_ function either answers the request itself (returns an int status)
or returns data, which is sent back as its repr() for the test to read
with ast.literal_eval.
"""
import ctypes
import hashlib
import os
import time

from mod_python import apache


def handler(req):
    name = req.uri.split("/")[2].replace("-", "_")
    result = globals()["t_" + name](req)
    if type(result) is int:
        return result
    req.content_type = "text/plain"
    req.write(repr(result))
    return apache.OK


def catch(fn, *args, **kw):
    """("ok", result) or (exception name, message)."""
    try:
        return ("ok", fn(*args, **kw))
    except Exception as e:
        return (type(e).__name__, str(e))


def fixuphandler(req):
    # Attributes set in one phase are seen in later ones (REQ-attr-dict).
    req.from_fixup = req.phase
    req.notes["request-fixup-note"] = "noted"
    return apache.OK


def loghandler(req):
    if req.uri.endswith("/after-response"):
        req.log_error("request-loghandler eos_sent=%d bytes_sent=%d "
                      "sent_bodyct=%d phase=%s"
                      % (req.eos_sent, req.bytes_sent, req.sent_bodyct,
                         req.phase), apache.APLOG_NOTICE)
    if req.uri.endswith("/range"):
        req.log_error("request-range %r" % (req.range,), apache.APLOG_NOTICE)
    return apache.OK


# ---------------------------------------------------------------------
# Object conventions (OBJ-*)

def t_types(req):
    objs = {"request": req, "conn": req.connection, "server": req.server,
            "table": req.headers_in, "hlist": req.hlist}
    out = {}
    for what, obj in objs.items():
        tp = type(obj)
        out[what] = {
            "str": str(tp),
            "new": catch(lambda: tp() and None)[0],
            "subclass": catch(lambda: type("Sub", (tp,), {}) and None)[0],
            "setattr": catch(setattr, obj, "request_extra", 1)[0],
        }
    return out


def t_positional(req):
    t = apache.table([("a", "b")])
    return {
        "write": catch(req.write, "x", flush=0)[0],
        "read": catch(req.read, len=1)[0],
        "log_error": catch(req.log_error, message="x")[0],
        "get": catch(t.get, key="a")[0],
        "construct_url": catch(req.construct_url, uri="/")[0],
        "table_items": catch(lambda: apache.table(items=[("k", "v")])
                             ["k"]),
        "positional_ok": catch(req.write, "", 0),
    }


# ---------------------------------------------------------------------
# Attributes (REQ-attr-*)

def t_attrs(req):
    return {
        "the_request": req.the_request,
        "assbackwards": req.assbackwards,
        "proxyreq": req.proxyreq,
        "header_only": req.header_only,
        "protocol": req.protocol,
        "proto_num": req.proto_num,
        "hostname": req.hostname,
        "request_time": req.request_time,
        "now": time.time(),
        "status_line": req.status_line,
        "status": req.status,
        "method": req.method,
        "method_number": req.method_number,
        "allowed": req.allowed,
        "allowed_xmethods": req.allowed_xmethods,
        "allowed_methods": req.allowed_methods,
        "sent_bodyct": req.sent_bodyct,
        "bytes_sent": req.bytes_sent,
        "mtime": req.mtime,
        "chunked": req.chunked,
        "range": req.range,
        "clength": req.clength,
        "remaining": req.remaining,
        "read_length": req.read_length,
        "read_body": req.read_body,
        "read_chunked": req.read_chunked,
        "expecting_100": req.expecting_100,
        "phase": req.phase,
        "interpreter": req.interpreter,
        "apache_interpreter": apache.interpreter,
        "content_type": req.content_type,
        "_content_type_set": req._content_type_set,
        "content_languages": req.content_languages,
        "handler": req.handler,
        "content_encoding": req.content_encoding,
        "vlist_validator": req.vlist_validator,
        "user": req.user,
        "ap_auth_type": req.ap_auth_type,
        "no_cache": req.no_cache,
        "no_local_copy": req.no_local_copy,
        "unparsed_uri": req.unparsed_uri,
        "uri": req.uri,
        "filename": req.filename,
        "canonical_filename": req.canonical_filename,
        "path_info": req.path_info,
        "args": req.args,
        "parsed_uri": req.parsed_uri,
        "used_path_info": req.used_path_info,
        "eos_sent": req.eos_sent,
        "useragent_addr": req.useragent_addr,
        "useragent_ip": req.useragent_ip,
        "extension": req.extension,
        "hlist_handler": req.hlist.handler,
        "_bytes_queued": req._bytes_queued,
        "next": req.next,
        "prev": req.prev,
        "main": req.main,
        "from_fixup": getattr(req, "from_fixup", None),
        "fixup_note": req.notes.get("request-fixup-note"),
        "types": {name: type(getattr(req, name)).__name__ for name in (
            "connection", "server", "headers_in", "headers_out",
            "err_headers_out", "subprocess_env", "notes", "hlist",
            "_request_rec")},
    }


READ_ONLY = [
    "connection", "server", "next", "prev", "main", "the_request",
    "header_only", "protocol", "proto_num", "hostname", "request_time",
    "method", "method_number", "allowed", "allowed_xmethods",
    "allowed_methods", "sent_bodyct", "bytes_sent", "mtime", "range",
    "clength", "remaining", "read_length", "read_body", "read_chunked",
    "expecting_100", "headers_in", "headers_out", "err_headers_out",
    "subprocess_env", "notes", "phase", "interpreter", "_content_type_set",
    "content_languages", "content_encoding", "vlist_validator",
    "unparsed_uri", "parsed_uri", "eos_sent", "useragent_addr",
    "useragent_ip", "extension", "hlist", "_bytes_queued", "_request_rec"]


def t_readonly(req):
    """Every read-only attribute refuses assignment and deletion."""
    out = {}
    for name in READ_ONLY:
        value = getattr(req, name)
        out[name] = (catch(setattr, req, name, value)[0],
                     catch(delattr, req, name)[0])
    return out


def t_cached(req):
    return {
        "connection": req.connection is req.connection,
        "server": req.server is req.server,
        "headers_in": req.headers_in is req.headers_in,
        "notes": req.notes is req.notes,
    }


def t_writable(req):
    """Assign each writable attribute and read it back."""
    out = {}

    def roundtrip(name, *values):
        seen = []
        for v in values:
            r = catch(setattr, req, name, v)
            seen.append(getattr(req, name) if r[0] == "ok" else r)
        out[name] = seen

    roundtrip("proxyreq", apache.PROXYREQ_REVERSE, apache.PROXYREQ_NONE)
    roundtrip("status", 201, 200)
    roundtrip("status_line", "200 Fine", None)
    roundtrip("chunked", 0, "yes")
    roundtrip("handler", "something-else", None, "mod_python")
    roundtrip("user", "joe", "j\xf6e", b"b\xe9a", None)
    roundtrip("ap_auth_type", "Digest", None)
    roundtrip("no_local_copy", 1, 0)
    old = req.uri
    roundtrip("uri", "/request/elsewhere", None, old)
    roundtrip("filename", "/tmp/x", None)
    roundtrip("canonical_filename", "/tmp/y", None)
    roundtrip("path_info", "/more", None)
    roundtrip("args", "q=1", None)
    roundtrip("used_path_info", apache.AP_REQ_ACCEPT_PATH_INFO,
              apache.AP_REQ_DEFAULT_PATH_INFO)
    roundtrip("assbackwards", 0)
    roundtrip("content_type", "text/x-one", None, "text/plain")
    out["not_latin1"] = catch(setattr, req, "handler", "\u20ac")
    # Paths and URLs go in as UTF-8 instead (doc/strings.rst).
    req.args = "\u20ac"
    out["args_utf8"] = req.args
    out["int_for_str"] = catch(setattr, req, "args", 5)[0]
    out["str_for_int"] = catch(setattr, req, "status", "200")[0]
    return out


def t_status(req):
    req.status = int(req.args)
    req.content_type = "text/plain"
    req.write("status %d" % req.status)
    return apache.OK


def t_status_line(req):
    req.status = 404
    req.status_line = "404 Gone Fishing"
    req.content_type = "text/plain"
    req.write("status line %s" % req.status_line)
    return apache.OK


def t_assbackwards(req):
    req.assbackwards = 1
    req.write("body only, no status line")
    return apache.OK


def t_no_cache(req):
    req.no_cache = 1
    req.content_type = "text/plain"
    req.write("not to be cached %d" % req.no_cache)
    return apache.OK


def t_content_type(req):
    before = (req.content_type, req._content_type_set)
    req.content_type = "application/x-request-test"
    after = (req.content_type, req._content_type_set)
    none = catch(setattr, req, "content_type", None)[0]
    req.write(repr((before, after, none)))
    return apache.OK


def t_headers(req):
    """headers_in/headers_out/err_headers_out/subprocess_env are live
    (OBJ-live)."""
    req.headers_out["X-Request-Out"] = "out"
    req.headers_out.add("X-Request-Multi", "one")
    req.headers_out.add("X-Request-Multi", "two")
    req.err_headers_out["X-Request-Err"] = "err"
    req.subprocess_env["REQUEST_ENV_VALUE"] = "from-python"
    req.headers_in["X-Request-Added-In"] = "added-in"
    bindings = {name: catch(setattr, req, name, apache.table())[0]
                for name in ("headers_in", "headers_out", "err_headers_out",
                             "subprocess_env", "notes")}
    req.content_type = "text/plain"
    req.write(repr({"agent": req.headers_in.get("user-agent"),
                    "bindings": bindings}))
    return apache.OK


def t_error_headers(req):
    req.headers_out["X-Request-Out"] = "out"
    req.err_headers_out["X-Request-Err"] = "err"
    return apache.HTTP_NOT_FOUND


def t_late_header(req):
    req.content_type = "text/plain"
    req.write("first")                 # flushed: headers are out now
    req.headers_out["X-Request-Late"] = "late"
    req.status = 404
    req.write(" second")
    return apache.OK


def t_send_http_header(req):
    req.content_type = "text/plain"
    result = req.send_http_header()
    req.headers_out["X-Request-After"] = "after"
    req.status = 202
    req.write("send_http_header returned %r" % (result,))
    return apache.OK


def t_request_rec(req):
    cap = req._request_rec
    get_name = ctypes.pythonapi.PyCapsule_GetName
    get_name.restype = ctypes.c_char_p
    get_name.argtypes = [ctypes.py_object]
    get_ptr = ctypes.pythonapi.PyCapsule_GetPointer
    get_ptr.restype = ctypes.c_void_p
    get_ptr.argtypes = [ctypes.py_object, ctypes.c_char_p]
    return {"type": type(cap).__name__, "name": get_name(cap),
            "same": get_ptr(cap, None) == get_ptr(req._request_rec, None),
            "nonnull": bool(get_ptr(cap, None))}


def t_dict(req):
    req.form = {"a": 1}
    req.ssi_globals = {"x": 2}
    req.session = None
    return {"form": req.form, "ssi_globals": req.ssi_globals,
            "session": req.session, "dict": sorted(vars(req)),
            "missing": catch(getattr, req, "no_such_attribute")[0]}


def t_hlist(req):
    return {"type": str(type(req.hlist)), "handler": req.hlist.handler,
            "is_location": req.hlist.is_location}


def t_redirected(req):
    req.notes["request-original"] = "yes"
    return apache.HTTP_NOT_FOUND


def t_errdoc(req):
    prev = req.prev
    return {"uri": req.uri, "prev_uri": prev and prev.uri,
            "prev_type": str(type(prev)),
            "prev_next_is_self": prev is not None and prev.next is req,
            "prev_prev": prev and prev.prev,
            "next": req.next, "main": req.main,
            "prev_note": prev and prev.notes.get("request-original")}


def t_sub(req):
    main = req.main
    return {"uri": req.uri, "main_uri": main and main.uri,
            "main_type": str(type(main)), "main_main": main and main.main,
            "prev": req.prev}


def t_range(req):
    req.content_type = "text/plain"
    req.write("0123456789abcdef", 0)
    return apache.OK


def t_after_response(req):
    req.content_type = "text/plain"
    req.write("x" * 1234)
    return apache.OK


def files(req):
    """Handler for real files (/request-files/...)."""
    what = req.args or "attrs"
    if what == "etag":
        req.update_mtime(os.stat(req.filename).st_mtime)
        req.set_etag()
        req.set_last_modified()
        rc = req.meets_conditions()
        if rc != apache.OK:
            return rc
        req.content_type = "text/plain"
        req.write("etag %s" % req.headers_out.get("ETag"))
        return apache.OK
    req.content_type = "text/plain"
    req.write(repr({
        "filename": req.filename,
        "canonical_filename": req.canonical_filename,
        "path_info": req.path_info,
        "content_languages": req.content_languages,
        "content_encoding": req.content_encoding,
        "extension": req.extension,
        "document_root": req.document_root(),
        "hlist_directory": req.hlist.directory,
    }))
    return apache.OK


def t_routed(req):
    return {"handler": req.handler, "phase": req.phase}


def fixup_route(req):
    if req.args == "route":
        req.handler = "mod_python"
    return apache.OK


# ---------------------------------------------------------------------
# Writing (REQ-write, REQ-flush, OBJ-str-write)

def t_write(req):
    req.content_type = "application/octet-stream"
    q0 = req._bytes_queued
    req.write("caf\xe9|")                  # str: UTF-8
    q1 = req._bytes_queued
    req.write(b"\x00\xff|", 0)             # bytes, unflushed
    req.write(bytearray(b"ba|"))
    req.write(memoryview(b"mv|"))
    req.write("")
    req.write(b"", 1)
    bad = catch(req.write, 42)[0]
    req.write(("|%d %d %d %s" % (q0, q1, req._bytes_queued,
                                bad)).encode())
    return apache.OK


def t_write_counters(req):
    req.content_type = "text/plain"
    before = (req.sent_bodyct, req.bytes_sent)
    req.write("abcd")
    flushed = (req.sent_bodyct, req.bytes_sent)
    req.write("efgh", 0)
    unflushed = (req.sent_bodyct, req.bytes_sent)
    req.flush()
    after_flush = (req.sent_bodyct, req.bytes_sent)
    req.write("|" + repr((before, flushed, unflushed, after_flush,
                          req.chunked)))
    return apache.OK


def t_empty_write(req):
    """An empty write does not flush: headers are still unsent."""
    req.content_type = "text/plain"
    req.write("abc", 0)
    req.write("")
    req.write(b"", 1)
    empty = req.sent_bodyct
    req.flush()
    req.write("|%d %d" % (empty, req.sent_bodyct))
    return apache.OK


def t_write_closed(req):
    """Write until the client has gone away; log what write() raised."""
    chunk = b"w" * 65536
    deadline = time.time() + 8
    try:
        while time.time() < deadline:
            req.write(chunk)
            time.sleep(0.01)
        req.log_error("request-write-closed: never failed",
                      apache.APLOG_NOTICE)
    except IOError as e:
        req.log_error("request-write-closed: %s: %s"
                      % (type(e).__name__, e), apache.APLOG_NOTICE)
    return apache.OK


def t_flush_closed(req):
    """Small unflushed writes, then flush(), until the client is gone."""
    deadline = time.time() + 8
    try:
        while time.time() < deadline:
            req.write(b"f" * 100, 0)
            req.flush()
            time.sleep(0.01)
        req.log_error("request-flush-closed: never failed",
                      apache.APLOG_NOTICE)
    except IOError as e:
        req.log_error("request-flush-closed: %s: %s"
                      % (type(e).__name__, e), apache.APLOG_NOTICE)
    return apache.OK


# ---------------------------------------------------------------------
# Reading (REQ-read, REQ-readline, REQ-readlines, REQ-discard_request_body)

def t_read_all(req):
    before = (req.read_body, req.remaining, req.read_length)
    data = req.read()
    return {"data": data, "before": before, "again": req.read(),
            "read_body": req.read_body, "read_chunked": req.read_chunked,
            "remaining": req.remaining, "read_length": req.read_length}


def t_read_parts(req):
    out = [req.read(0), req.read(3), (req.remaining, req.read_length),
           req.read(-1)]
    out.append(req.read(5))
    return out


def t_read_sizes(req):
    """read(n) loop: return the size of each piece and a digest."""
    n = int(req.args or "65536")
    h = hashlib.sha256()
    sizes = []
    total = 0
    while True:
        data = req.read(n)
        if not data:
            break
        h.update(data)
        sizes.append(len(data))
        total += len(data)
    return {"total": total, "sha256": h.hexdigest(),
            "max": max(sizes) if sizes else 0,
            "short": sum(1 for s in sizes[:-1] if s != n),
            "read_chunked": req.read_chunked, "remaining": req.remaining}


def t_readline_all(req):
    """readline() loop over the whole body."""
    limit = int(req.args) if req.args else None
    h = hashlib.sha256()
    count = total = longest = 0
    bad = 0
    while True:
        line = req.readline() if limit is None else req.readline(limit)
        if not line:
            break
        h.update(line)
        count += 1
        total += len(line)
        longest = max(longest, len(line))
        if b"\n" in line[:-1]:
            bad += 1
    return {"lines": count, "total": total, "sha256": h.hexdigest(),
            "longest": longest, "bad": bad}


def t_readline_mixed(req):
    """readline and read share one buffer."""
    return [req.readline(), req.read(4), req.readline(3), req.readline(),
            req.read(), req.readline(), req.read()]


def t_readlines(req):
    hint = int(req.args) if req.args else None
    lines = req.readlines() if hint is None else req.readlines(hint)
    return {"lines": lines, "rest": req.read()}


def t_discard(req):
    rc = req.discard_request_body()
    return {"rc": rc, "after": req.read()}


def t_no_body(req):
    return {"read": req.read(), "readline": req.readline(),
            "readlines": req.readlines(), "read_body": req.read_body}


def t_huge_length(req):
    """Content-Length far beyond memory: reading must not allocate it."""
    r = catch(req.read)
    if r[0] == "ok":
        r = ("ok", len(r[1]))
    return r


def t_limited(req):
    try:
        data = req.read()
    except apache.SERVER_RETURN as e:
        req.log_error("request-limited: SERVER_RETURN%r" % (e.args,),
                      apache.APLOG_NOTICE)
        raise
    except IOError as e:
        req.log_error("request-limited: %s" % e, apache.APLOG_NOTICE)
        raise
    return str(len(data))


def t_truncated(req):
    got = []
    try:
        while True:
            data = req.read(1)
            if not data:
                break
            got.append(data)
        result = ("ok", b"".join(got))
    except IOError as e:
        result = (type(e).__name__, str(e), b"".join(got))
    req.log_error("request-truncated: %r" % (result,), apache.APLOG_NOTICE)
    return result


# ---------------------------------------------------------------------
# Other methods

def t_config(req):
    config = req.get_config()
    options = req.get_options()
    return {
        "config_type": str(type(config)),
        "config_same": config is req.get_config(),
        "config": dict(config),
        "options_same": options is req.get_options(),
        "options": {k: v for k, v in options.items()
                    if k.startswith("request_")},
        "unset_in": "request_unset" in options,
    }


def t_log(req):
    req.log_error("request-log default level")
    req.log_error("request-log warning", apache.APLOG_WARNING)
    req.log_error("request-log info", apache.APLOG_INFO)
    req.log_error("request-log debug", apache.APLOG_DEBUG)
    req.log_error("request-log emerg", apache.APLOG_EMERG)
    req.log_error(None)
    req.log_error(None, apache.APLOG_ERR)
    return {"bytes": catch(req.log_error, b"request-log bytes")[0],
            "surrogate": catch(req.log_error,
                               "request-log raw \udcff byte",
                               apache.APLOG_NOTICE)[0]}


def t_loglevel(req):
    req.log_error("request-loglevel debug", apache.APLOG_DEBUG)
    return "logged"


def t_content_length(req):
    req.content_type = "text/plain"
    before = req.clength
    req.set_content_length(20)
    req.write("%-20s" % ("%d %d" % (before, req.clength)))
    return apache.OK


def t_document_root(req):
    return req.document_root()


def t_construct_url(req):
    return [req.construct_url("/request/x?y=1"),
            catch(req.construct_url, b"/bytes")[0]]


def t_conditional(req):
    req.headers_out["ETag"] = '"request-etag"'
    req.update_mtime(1000000000)
    req.set_last_modified()
    rc = req.meets_conditions()
    if rc != apache.OK:
        return rc
    req.content_type = "text/plain"
    req.write("full response")
    return apache.OK


def t_mtime(req):
    m0 = req.mtime
    req.update_mtime(1000000000.5)
    m1 = req.mtime
    req.update_mtime(999)                  # earlier: ignored
    m2 = req.mtime
    req.update_mtime(time.time() + 3600)   # future
    m3 = req.mtime
    req.set_last_modified()
    req.content_type = "text/plain"
    req.write(repr((m0, m1, m2, m3 > time.time() + 3000)))
    return apache.OK


def t_last_modified(req):
    req.update_mtime(1000000000)
    req.set_last_modified()
    req.content_type = "text/plain"
    req.write(repr(req.headers_out.get("Last-Modified")))
    return apache.OK


def t_set_etag(req):
    req.update_mtime(1000000000)
    before = req.headers_out.get("ETag")
    req.set_etag()
    req.content_type = "text/plain"
    req.write(repr((before, req.headers_out.get("ETag"))))
    return apache.OK


def t_remote_host(req):
    return {
        "default": req.get_remote_host(),
        "nolookup": req.get_remote_host(apache.REMOTE_NOLOOKUP),
        "host": req.get_remote_host(apache.REMOTE_HOST),
        "name": req.get_remote_host(apache.REMOTE_NAME),
        "tuple": req.get_remote_host(apache.REMOTE_NOLOOKUP, 1),
        "tuple_none": req.get_remote_host(apache.REMOTE_NOLOOKUP, None),
        "host_tuple": req.get_remote_host(apache.REMOTE_HOST, 0),
    }


def t_double_rev(req):
    return [req.get_remote_host(apache.REMOTE_DOUBLE_REV),
            req.connection.double_reverse]


def t_auth(req):
    return {"name": req.auth_name(), "type": req.auth_type()}


t_noauth = t_auth


def t_debug(req):
    return globals()["t_" + req.uri.split("/")[3]](req)


def t_basic(req):
    pw = req.get_basic_auth_pw()
    return {"pw": pw, "user": req.user, "name": req.auth_name(),
            "type": req.auth_type()}


def t_common_vars(req):
    before = dict(req.subprocess_env)
    req.add_common_vars()
    env = req.subprocess_env
    return {"before": sorted(k for k in before
                             if k.startswith(("HTTP_", "SERVER_", "REMOTE_",
                                              "DOCUMENT_"))),
            "after": {k: env.get(k) for k in (
                "HTTP_HOST", "HTTP_X_REQUEST_TEST", "SERVER_NAME",
                "SERVER_PORT", "REMOTE_ADDR", "DOCUMENT_ROOT", "PATH",
                "SERVER_SOFTWARE", "REQUEST_SCHEME")},
            "result": req.add_common_vars()}


# ---------------------------------------------------------------------
# Bytes that are not UTF-8 (util.h: surrogateescape out, bytes back in)

def t_raw(req):
    value = req.headers_in.get("X-Raw")
    req.headers_out["X-Raw-Echo"] = value
    req.headers_out["X-Raw-Args"] = req.args or ""
    req.headers_out["X-Raw-Uri"] = req.uri
    req.headers_out["X-Latin1"] = "caf\xe9"
    req.headers_out[b"X-Bytes-Key"] = b"by\xfetes"
    req.err_headers_out["X-Raw-Err"] = value
    req.content_type = "text/plain"
    req.write(repr({"header": value, "args": req.args, "uri": req.uri,
                    "unparsed_uri": req.unparsed_uri,
                    "the_request": req.the_request,
                    "parsed_path": req.parsed_uri[apache.URI_PATH],
                    "parsed_query": req.parsed_uri[apache.URI_QUERY],
                    "keys": [k for k in req.headers_in.keys()
                             if k.lower().startswith("x-raw")]}))
    return apache.OK


def t_inject(req):
    """A value with CR/LF must not split the response headers."""
    req.headers_out["X-Request-Inject"] = "a\r\nX-Request-Evil: 1"
    req.content_type = "text/plain"
    try:
        req.write("injected")
    except IOError:
        return apache.DONE          # httpd refused the headers and answered
    return apache.OK
