"""mod_python.util: query strings, FieldStorage (urlencoded and multipart,
streamed, with limits), Field/StringField/FieldList, parse_header,
apply_fs_data, redirect.  Suite: htdocs/util/ (handlers util_handlers).

The first group runs the multipart parser and the field classes without
Apache (the module imports outside httpd); the rest goes over HTTP."""
import gc
import hashlib
import http.client
import io
import json
import random
import re
import socket
import sys
import time

import pytest

from conftest import PACKAGE

sys.path.insert(0, str(PACKAGE.parent))
from mod_python import util                               # noqa: E402

BOUNDARY = "----mpTestBoundary7MA4YWxk"
type_name_of_table = "mp_table"           # apache.make_table()


# ---------------------------------------------------------------------------
# helpers

def part(name=None, value=b"", filename=None, ctype=None, extra=(),
         disposition=True):
    """One multipart part as (header lines, body)."""
    headers = []
    if disposition:
        d = b'form-data'
        if name is not None:
            d += b'; name="' + as_bytes(name) + b'"'
        if filename is not None:
            d += b'; filename="' + as_bytes(filename) + b'"'
        headers.append(b"Content-Disposition: " + d)
    if ctype is not None:
        headers.append(b"Content-Type: " + as_bytes(ctype))
    headers.extend(extra)
    return headers, as_bytes(value)


def as_bytes(s):
    return s.encode("utf-8") if isinstance(s, str) else s


def multipart(parts, boundary=BOUNDARY, preamble=b"", epilogue=b"",
              eol=b"\r\n"):
    b = as_bytes(boundary)
    out = [preamble]
    for headers, body in parts:
        out.append(b"--" + b + eol)
        out.extend(h + eol for h in headers)
        out.append(eol + body + eol)
    out.append(b"--" + b + b"--" + eol + epilogue)
    return b"".join(out)


def ctype_for(boundary=BOUNDARY):
    return "multipart/form-data; boundary=" + boundary


def post_form(apache, path, body, boundary=BOUNDARY, **kw):
    headers = {"Content-Type": ctype_for(boundary)}
    headers.update(kw.pop("headers", {}))
    return apache.post(path, data=body, headers=headers, **kw)


def fields_of(r):
    assert r.status_code == 200, r.text
    return r.json()["fields"]


def parse_local(body, boundary=BOUNDARY, block_size=util.readBlockSize,
                **kw):
    """Run the multipart parser on bytes, outside Apache."""
    src = io.BytesIO(body)
    parser = util._MultipartParser(src.read, as_bytes(boundary),
                                   lambda p: io.BytesIO(),
                                   block_size=block_size, **kw)
    return [(p.name, p.filename, p.file.read()) for p in parser.parse()]


def proc_status(pid):
    with open("/proc/%d/status" % pid) as f:
        return {line.split(":")[0]: int(line.split()[1])
                for line in f if line.startswith(("VmRSS", "VmHWM"))}


# ---------------------------------------------------------------------------
# without Apache: the parser and the field classes

def test_util_public_names():
    """The module's public names exist outside httpd too; MethodWrapper is
    the type of object.__call__; readBlockSize keeps its historic value
    (UTIL-FieldStorage-readline)."""
    for name in ("parse_qs", "parse_qsl", "readBlockSize", "Field",
                 "StringField", "FieldList", "FieldStorage", "parse_header",
                 "apply_fs_data", "redirect", "MethodWrapper"):
        assert hasattr(util, name), name
    assert util.readBlockSize == 65368
    assert util.MethodWrapper is type(object.__call__)


def test_util_parser_any_split_of_the_stream():
    """However the body is cut into reads, the parts come out the same: the
    CRLF before a delimiter belongs to it, a bare LF stays with the data
    (UTIL-FieldStorage-split-boundary, UTIL-FieldStorage-crlf,
    UTIL-FieldStorage-lf, UTIL-FieldStorage-delim)."""
    body = multipart([
        part("a", b"hello"),
        part("f", b"line1\nline2\r\n\r\n--" + BOUNDARY.encode() + b"x\r\n",
             filename="f.txt", ctype="text/plain"),
        part("lf", b"ends with lf\n"),
        part("e", b""),
    ], preamble=b"preamble\r\n--" + BOUNDARY.encode() + b" \r\n",
        epilogue=b"epilogue: ignored\r\n")
    want = [("a", None, b"hello"),
            ("f", "f.txt", b"line1\nline2\r\n\r\n--" + BOUNDARY.encode()
             + b"x\r\n"),
            ("lf", None, b"ends with lf\n"),
            ("e", None, b"")]
    for size in (1, 2, 3, 5, 7, 13, 31, 64, 1000, util.readBlockSize):
        assert parse_local(body, block_size=size) == want, size


def test_util_parser_delimiter_details():
    """A delimiter is '--boundary' at a line start, then optional '--',
    optional CR, LF; trailing whitespace makes it data; a bare-LF line
    before it stays in the data; at end of body the close delimiter needs
    no line break (UTIL-FieldStorage-delim, UTIL-FieldStorage-lf)."""
    b = b"--B"
    body = (b + b"\r\n\r\nx\r\n--B \r\ny\n" + b + b"\n\r\nz\r\n" + b
            + b"--")
    assert parse_local(body, "B") == [
        (None, None, b"x\r\n--B \r\ny\n"), (None, None, b"z")]
    # Without any close delimiter the last part runs to the end of the
    # body, held-back CRLF included.
    assert parse_local(b"--B\r\n\r\nabc\r\n", "B") == [
        (None, None, b"abc\r\n")]
    # No delimiter at all: no parts.
    assert parse_local(b"just text\r\n--Bx\r\n", "B") == []
    # A delimiter inside 'x--B' is not at a line start.
    assert parse_local(b"--B\r\n\r\nx--B\r\n--B--\r\n", "B") == [
        (None, None, b"x--B")]


def test_util_parser_cr_at_block_edge():
    """A CR that falls on a read boundary round-trips, and a CRLF split
    over two reads before a delimiter is still the delimiter's
    (UTIL-FieldStorage-cr-split, UTIL-FieldStorage-readline)."""
    n = util.readBlockSize
    data = b"b" * (n - 1) + b"\r" + b"c" * 100
    body = multipart([part("f", data, filename="x")])
    assert parse_local(body) == [("f", "x", data)]
    # Put the CR of the closing CRLF exactly at the end of a read.
    head = multipart([part("f", b"", filename="x")]).split(b"\r\n\r\n")[0]
    pad = n - len(head) - 4 - 1
    data = b"d" * pad
    body = multipart([part("f", data, filename="x")])
    assert body[n - 1:n + 1] == b"\r\n"
    assert parse_local(body) == [("f", "x", data)]
    # A line far longer than a read block.
    data = random.Random(1).randbytes(3 * n)
    body = multipart([part("f", data, filename="x")])
    assert parse_local(body) == [("f", "x", data)]


def test_util_parser_limits_local():
    """Limits raise the parser's error with 400/413
    (UTIL-FieldStorage-limits)."""
    body = multipart([part("p%d" % i, b"v") for i in range(5)])
    assert len(parse_local(body, max_parts=5)) == 5
    with pytest.raises(util._FormError) as info:
        parse_local(body, max_parts=4)
    assert info.value.status == 400
    body = multipart([part("a", b"x" * 100)])
    assert len(parse_local(body, max_field_size=100)) == 1
    with pytest.raises(util._FormError) as info:
        parse_local(body, max_field_size=99)
    assert info.value.status == 413
    body = multipart([part("a", b"x", extra=[b"X-Long: " + b"y" * 100])])
    assert len(parse_local(body, max_header_size=108)) == 1
    with pytest.raises(util._FormError):
        parse_local(body, max_header_size=107)
    body = multipart([part("a", b"x", extra=[b"X-1: 1", b"X-2: 2"])])
    assert len(parse_local(body, max_headers=3)) == 1
    with pytest.raises(util._FormError):
        parse_local(body, max_headers=2)


def test_util_parse_header():
    """parse_header splits a Content-Type-like value: main value and names
    lower-cased, one pair of quotes removed, pieces without '=' ignored; str
    or bytes in, str out (UTIL-parse_header, UTIL-parse_header-py3)."""
    assert util.parse_header('Form-Data; Name="a b"; filename="x;y.txt"; '
                             'junk ; Q = "1" ; e=') == (
        "form-data", {"name": "a b", "filename": "x;y.txt", "q": "1",
                      "e": ""})
    assert util.parse_header(b'text/plain; charset="utf-8"') == (
        "text/plain", {"charset": "utf-8"})
    main, params = util.parse_header(b'form-data; filename="\xc3\xa9\xff"')
    assert params["filename"] == "\u00e9\udcff"
    assert util.parse_header('x; filename="C:\\dir\\f.txt"')[1] == {
        "filename": "C:\\dir\\f.txt"}


def test_util_fieldlist_cache_invalidation():
    """FieldList caches its name table and every mutation drops it
    (UTIL-FieldList, UTIL-hist-3.3)."""
    def sf(name, value):
        f = util.StringField(value)
        f.name = name
        return f

    fl = util.FieldList([sf("a", "1")])
    assert list(fl.table()) == ["a"]
    ops = [
        lambda l: l.append(sf("b", "2")),
        lambda l: l.extend([sf("c", "3")]),
        lambda l: l.insert(0, sf("d", "4")),
        lambda l: l.pop(),
        lambda l: l.remove(l[0]),
        lambda l: l.__setitem__(0, sf("e", "5")),
        lambda l: l.__setitem__(slice(0, 1), [sf("f", "6")]),
        lambda l: l.__delitem__(0),
        lambda l: l.__iadd__([sf("g", "7"), sf("g", "8")]),
        lambda l: l.__imul__(2),
    ]
    for op in ops:
        before = {k: list(v) for k, v in fl.table().items()}
        op(fl)
        expect = {}
        for f in fl:
            expect.setdefault(f.name, []).append(f)
        assert fl.table() == expect
        assert fl.table() != before or not fl
    fl += [sf("z", "9")]
    assert isinstance(fl, util.FieldList) and "z" in fl.table()
    assert list(fl.table()) == list(dict.fromkeys(f.name for f in fl))


def test_util_field_class():
    """Field(name) and the legacy 7-argument form; value reads the whole
    file and rewinds; repr; deleting the Field closes its file
    (UTIL-Field-ctor, UTIL-Field-attrs, UTIL-Field-value, UTIL-Field-repr,
    UTIL-Field-del)."""
    f = util.Field("up")
    assert (f.name, f.filename, f.file, f.value) == ("up", None, None, None)
    data = io.BytesIO(b"content")
    data.seek(3)
    f = util.Field("up", data, "text/plain", {"charset": "x"}, "form-data",
                   {"name": "up", "filename": "a.txt"}, {"X": "1"})
    assert f.filename == "a.txt"
    assert (f.type, f.type_options, f.disposition) == (
        "text/plain", {"charset": "x"}, "form-data")
    assert f.disposition_options["name"] == "up"
    assert f.headers == {"X": "1"}
    assert f.value == b"content" and data.tell() == 0
    assert repr(f) == "Field('up', b'content')"
    g = util.Field("n", io.BytesIO(), "t", {}, "form-data", {})
    assert g.filename is None and g.headers == {}
    with pytest.raises(TypeError):
        util.Field("t", io.StringIO("text"), "t", {}, "d", {}).value
    del f
    gc.collect()
    assert data.closed


def test_util_stringfield_class():
    """StringField is a str subclass whose value is the text; bytes are
    decoded as UTF-8 without ever raising; the class defaults; .file made
    on demand from the text; repr (UTIL-StringField, UTIL-StringField-attrs,
    UTIL-StringField-file, UTIL-StringField-repr)."""
    s = util.StringField("caf\u00e9")
    assert isinstance(s, str) and s == "caf\u00e9"
    assert s.value == "caf\u00e9" and type(s.value) is str
    b = util.StringField(b"caf\xc3\xa9 \xe9")
    assert b == "caf\u00e9 \udce9"
    assert b.value.encode("utf-8", "surrogateescape") == b"caf\xc3\xa9 \xe9"
    for attr, want in (("filename", None), ("headers", {}),
                       ("ctype", "text/plain"), ("type_options", {}),
                       ("disposition", None), ("disp_options", None)):
        assert getattr(util.StringField, attr) == want
    s.name = "n"
    assert repr(s) == "Field('n', 'caf\u00e9')"
    f = s.file
    assert f.read() == "caf\u00e9".encode() and s.file is f
    assert b.file.read() == b"caf\xc3\xa9 \xe9"
    with pytest.raises(AttributeError):
        s.no_such_attribute


# ---------------------------------------------------------------------------
# query strings (C functions in _apache)

def test_util_parse_qs_rules(apache):
    """parse_qsl/parse_qs: split at & and ;, '+' before unescaping, first
    '=' splits, blanks dropped unless asked, %-escapes (bad ones literal,
    NUL kept), str/bytes modes, bad UTF-8 replaced by surrogates rather than
    an error (UTIL-parse_qsl-sig, UTIL-parse_qs-sig, UTIL-qs-split,
    UTIL-qs-plus, UTIL-qs-split-eq, UTIL-qs-blank, UTIL-qs-unescape,
    UTIL-qs-types, UTIL-qs-badutf8)."""
    r = apache.get("/util/qs")
    assert r.status_code == 200
    out = r.json()
    assert out["same"] == [True, True]
    res = [[eval(a), eval(b)] for a, b in out["results"]]
    assert res[0] == [[("a", "1"), ("b", "2"), ("c", "3")],
                      {"a": ["1"], "b": ["2"], "c": ["3"]}]
    assert res[1][0] == [("a", "1"), ("b", "2")]
    assert res[2][0] == [("a b", "c d+ e")]
    assert res[3][0] == [("a", "b=c"), ("", "x")]
    assert res[4][0] == [("a", "b=c"), ("", "x"), ("n", ""), ("m", "")]
    assert res[5][0] == [("a", "/%zz%4"), ("b", "%")]
    assert res[6][0] == [("a", "x\x00y"), ("b\x00c", "1")]
    assert res[7][0] == [("a", "\u00e9"), ("\u00e9", "1")]
    assert res[8][0] == [("a", "\udce9"), ("b", "\udcff")]
    assert res[9][0] == [("a", "1")]
    # Raw characters are bytes: 'é' (one byte, 0xE9) is not UTF-8.
    assert res[10][0] == [("\udce9", "\udce9")]
    assert res[11][1] == {k: [v] for k, v in zip("abcde", "12345")}
    assert eval(out["bytes"][0]) == [(b"a", b"\xe9 x"), (b"b", b"\xc3\xa9"),
                                     (b"c", b"")]
    assert eval(out["bytes"][1]) == {b"a": [b"1", b"2"], b"b": [b"3"]}
    assert out["errors"][0] == "TypeError: not an ISO-8859-1 string"
    assert all(e.startswith("TypeError") for e in out["errors"])


def test_util_many_query_fields(apache):
    """No limit on the number of query pairs: a few thousand all arrive,
    short names included (UTIL-qs-limits, UTIL-qs-badutf8)."""
    qs = "&".join("k%d=%d" % (i, i) for i in range(600)) + "&a=1&bb=2"
    fields = fields_of(apache.get("/util/dump?" + qs))
    assert len(fields) == 602
    assert [f["name"] for f in fields[-2:]] == ["a", "bb"]
    assert fields[123]["value"] == "123"
    body = "&".join("k%d=%d" % (i, i) for i in range(5000)) + "&a=1&bb=2"
    fields = fields_of(apache.post("/util/dump", data=body, headers={
        "Content-Type": "application/x-www-form-urlencoded"}))
    assert len(fields) == 5002
    assert [f["name"] for f in fields[-2:]] == ["a", "bb"]
    assert fields[1234]["value"] == "1234"


# ---------------------------------------------------------------------------
# FieldStorage: urlencoded

def test_util_get_query_fields(apache):
    """A GET's query string becomes StringFields, in order, with
    keep_blank_values honoured (UTIL-FieldStorage-ctor,
    UTIL-FieldStorage-query, UTIL-FieldStorage-list, UTIL-types-py3)."""
    r = apache.get("/util/dump?a=1&b=x+y&a=%C3%A9&blank=&c")
    fields = fields_of(r)
    assert [(f["name"], f["value"]) for f in fields] == [
        ("a", "1"), ("b", "x y"), ("a", "\u00e9")]
    assert all(f["cls"] == "StringField" and f["is_str"]
               and f["value_is_plain_str"] for f in fields)
    assert r.json()["keys"] == ["a", "b"]
    fields = fields_of(apache.get("/util/dump?a=1&blank=&c&_keep_blank=1"))
    assert [(f["name"], f["value"]) for f in fields] == [
        ("a", "1"), ("blank", ""), ("c", ""), ("_keep_blank", "1")]


def test_util_post_urlencoded(apache):
    """An urlencoded POST: query fields first, then the body's; names are
    str and values text; a charset parameter on the content type is fine
    (it had to match exactly in 2.x) and simple values are StringFields,
    not file-backed Fields (UTIL-FieldStorage-ctype, UTIL-FieldStorage-list,
    UTIL-FieldStorage-query, UTIL-types-py3, UTIL-hist-2x)."""
    r = apache.post("/util/dump?q=1", data="b=2&c=caf%C3%A9&b=x+y;d=",
                    headers={"Content-Type":
                             "application/x-www-form-urlencoded"})
    assert [(f["name"], f["value"]) for f in fields_of(r)] == [
        ("q", "1"), ("b", "2"), ("c", "caf\u00e9"), ("b", "x y")]
    # No Content-Type at all: urlencoded too; charset parameter fine.
    for ctype in (None, "application/x-www-form-urlencoded; charset=UTF-8"):
        headers = {"Content-Type": ctype} if ctype else {}
        req = apache.request("POST", "/util/dump", data=b"z=9",
                             headers=headers)
        if ctype is None:
            assert "Content-Type" not in req.request.headers
        assert [(f["name"], f["value"], f["cls"])
                for f in fields_of(req)] == [("z", "9", "StringField")]


def test_util_value_types_consistent(apache):
    """Query, urlencoded and multipart values are all str-based
    StringFields with str names; bad UTF-8 becomes surrogates instead of a
    500; fs['x'] == 'abc' holds (UTIL-types-py3, UTIL-StringField,
    UTIL-qs-badutf8)."""
    r = apache.post("/util/types?x=abc", data="y=%E9&z=caf%C3%A9",
                    headers={"Content-Type":
                             "application/x-www-form-urlencoded"})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["names"] == [["str", "x"], ["str", "y"], ["str", "z"]]
    assert out["values"] == [["StringField", True, "abc"],
                             ["StringField", True, "\udce9"],
                             ["StringField", True, "caf\u00e9"]]
    assert out["eq"] is True
    assert out["list_repr"] == ("[Field('x', 'abc'), Field('y', '\\udce9'), "
                                "Field('z', 'caf\u00e9')]")
    body = multipart([part("x", b"abc"), part("m", b"\xff\xfe bin"),
                      part("f", b"\xff", filename="f.bin")])
    r = apache.post("/util/types", data=body,
                    headers={"Content-Type": ctype_for()})
    out = r.json()
    assert out["names"] == [["str", "x"], ["str", "m"], ["str", "f"]]
    assert out["values"] == [["StringField", True, "abc"],
                             ["StringField", True, "\udcff\udcfe bin"]]
    assert out["eq"] is True


def test_util_method_not_post_ignores_body(apache):
    """Only POST bodies are read: a PUT's body is ignored, its query string
    is not (UTIL-FieldStorage-method)."""
    r = apache.request("PUT", "/util/dump?q=1", data="b=2",
                       headers={"Content-Type":
                                "application/x-www-form-urlencoded"})
    assert [(f["name"], f["value"]) for f in fields_of(r)] == [("q", "1")]
    assert r.json()["method"] == "PUT"


def test_util_post_needs_length(apache):
    """A POST without Content-Length (and not chunked) gets 411; a chunked
    body is accepted since req.read de-chunks it (UTIL-FieldStorage-clen)."""
    answer = apache.raw(b"POST /util/dump HTTP/1.1\r\nHost: x\r\n"
                        b"Content-Type: application/x-www-form-urlencoded\r\n"
                        b"Connection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 411 ")

    def gen():
        yield b"a=1&"
        yield b"b=2"
    r = apache.post("/util/dump", data=gen(),
                    headers={"Content-Type":
                             "application/x-www-form-urlencoded"})
    assert r.request.headers.get("Transfer-Encoding") == "chunked"
    assert [(f["name"], f["value"]) for f in fields_of(r)] == [
        ("a", "1"), ("b", "2")]
    assert apache.get("/util/dump?ok=1").status_code == 200


def test_util_content_type_rules(apache):
    """Other content types give 501; any multipart/ subtype is parsed; the
    prefix tests are case-sensitive (UTIL-FieldStorage-ctype)."""
    for ctype in ("text/plain", "application/json",
                  "Multipart/form-data; boundary=" + BOUNDARY):
        r = apache.post("/util/dump", data=b"a=1",
                        headers={"Content-Type": ctype})
        assert r.status_code == 501, ctype
    body = multipart([part("m", b"mixed")])
    r = apache.post("/util/dump", data=body, headers={
        "Content-Type": "multipart/mixed; boundary=" + BOUNDARY})
    assert [(f["name"], f["value"]) for f in fields_of(r)] == [
        ("m", "mixed")]


# ---------------------------------------------------------------------------
# FieldStorage: multipart

def test_util_multipart_fields_and_files(apache):
    """Fields and files: StringField for values, Field for uploads, with
    type, disposition, options and the part's raw headers in a table; the
    file is positioned at 0 (UTIL-FieldStorage-ctor, UTIL-Field-attrs,
    UTIL-StringField-attrs, UTIL-FieldStorage-list)."""
    data = bytes(range(256)) * 3 + b"\r\n--not-a-boundary\r\n"
    body = multipart([
        part("title", "A text\r\nwith two lines"),
        part("upload", data, filename="photo.jpg", ctype="image/jpeg"),
        part("title", "second"),
    ])
    r = post_form(apache, "/util/dump?q=0", body)
    f = fields_of(r)
    assert [x["name"] for x in f] == ["q", "title", "upload", "title"]
    assert r.json()["keys"] == ["q", "title", "upload"]
    t = f[1]
    assert t["cls"] == "StringField"
    assert t["value"] == "A text\r\nwith two lines"
    assert t["type"] == "text/plain" and t["type_options"] == {}
    assert t["disposition"] == "form-data"
    assert t["disposition_options"] == {"name": "title"}
    assert t["headers_type"] == type_name_of_table
    assert t["headers"] == [["Content-Disposition",
                             'form-data; name="title"']]
    assert t["file_hex"] == "A text\r\nwith two lines".encode().hex()
    u = f[2]
    assert u["cls"] == "Field" and u["filename"] == "photo.jpg"
    assert bytes.fromhex(u["value_hex"]) == data
    assert u["type"] == "image/jpeg"
    assert u["disposition_options"] == {"name": "upload",
                                        "filename": "photo.jpg"}
    assert u["file_at"] == 0
    assert ["Content-Type", "image/jpeg"] in u["headers"]


def test_util_multipart_empty_filename(apache):
    """A file input left empty (filename="") gives a StringField whose
    content went through the file storage
    (UTIL-FieldStorage-empty-filename)."""
    body = multipart([part("up", b"", filename="",
                           ctype="application/octet-stream")])
    f = fields_of(post_form(apache, "/util/dump", body))
    assert len(f) == 1
    assert f[0]["cls"] == "StringField" and f[0]["value"] == ""
    assert f[0]["filename"] is None
    assert f[0]["disposition_options"] == {"name": "up", "filename": ""}
    assert f[0]["file_type"] == "SpooledTemporaryFile"


def test_util_multipart_part_without_disposition(apache):
    """A part without Content-Disposition is a field named None, not a
    crash (UTIL-FieldStorage-nodisp)."""
    body = multipart([part(value=b"anonymous", disposition=False,
                           ctype="text/plain"), part("a", b"1")])
    f = fields_of(post_form(apache, "/util/dump", body))
    assert [(x["name"], x["value"], x["disposition"]) for x in f] == [
        (None, "anonymous", None), ("a", "1", "form-data")]


def test_util_multipart_bare_lf_and_epilogue(apache):
    """Bare-LF line endings are tolerated, and an epilogue after the close
    delimiter is not parsed as a part (UTIL-FieldStorage-lfonly)."""
    body = multipart([part("a", b"one"), part("b", b"two")], eol=b"\n",
                     epilogue=b"Content-Disposition: form-data; name=x\n\n"
                              b"epilogue\n")
    f = fields_of(post_form(apache, "/util/dump", body))
    # With LF endings the LF before a delimiter stays in the data.
    assert [(x["name"], x["value"]) for x in f] == [("a", "one\n"),
                                                   ("b", "two\n")]


def test_util_multipart_header_details(apache):
    """Folded header lines are joined; a content type without '/' becomes
    application/octet-stream; a part cut short by a delimiter in its
    headers is dropped; parameters after the boundary are not part of it;
    the last boundary= counts; quotes around it are removed
    (UTIL-FieldStorage-boundary, UTIL-FieldStorage-delim, UTIL-hist-3.3:
    multi-line part headers)."""
    b = BOUNDARY.encode()
    body = (b"--" + b + b"\r\nContent-Disposition: form-data;\r\n"
            b'\tname="folded"\r\nContent-Type: junk\r\n\r\nv1\r\n'
            b"--" + b + b"\r\nContent-Disposition: form-data; name=\"cut\""
            b"\r\n--" + b + b"\r\nContent-Disposition: form-data; "
            b"name=\"after\"\r\n\r\nv2\r\n--" + b + b"--\r\n")
    for ctype in ("multipart/form-data; boundary=" + BOUNDARY,
                  'multipart/form-data; BOUNDARY="%s"' % BOUNDARY,
                  "multipart/form-data; boundary=%s; charset=utf-8"
                  % BOUNDARY,
                  "multipart/form-data; boundary=wrong; boundary=%s"
                  % BOUNDARY):
        r = apache.post("/util/dump", data=body,
                        headers={"Content-Type": ctype})
        f = fields_of(r)
        assert [(x["name"], x["value"]) for x in f] == [
            ("folded", "v1"), ("after", "v2")], ctype
        assert f[0]["type"] == "application/octet-stream"
    for ctype in ("multipart/form-data", "multipart/form-data; boundary=",
                  'multipart/form-data; boundary=""'):
        r = apache.post("/util/dump", data=body,
                        headers={"Content-Type": ctype})
        assert r.status_code == 400, ctype


def test_util_multipart_non_utf8(apache):
    """Raw non-UTF-8 bytes in names, values and filenames never give a 500:
    they decode with surrogates and the exact bytes stay reachable
    (UTIL-types-py3, UTIL-StringField, UTIL-Field-attrs)."""
    body = multipart([
        part(b"n\xe9", b"v\xff\xfe"),
        part("caf\u00e9", "\u20ac"),
        part("f", b"\x00\xff", filename=b"\xe9t\xc3\xa9.bin"),
    ])
    f = fields_of(post_form(apache, "/util/dump?q%FF=%FE", body))
    assert [(x["name"], x.get("value")) for x in f] == [
        ("q\udcff", "\udcfe"), ("n\udce9", "v\udcff\udcfe"),
        ("caf\u00e9", "\u20ac"), ("f", None)]
    assert bytes.fromhex(f[1]["file_hex"]) == b"v\xff\xfe"
    assert f[3]["filename"] == "\udce9t\u00e9.bin"
    assert f[3]["value_hex"] == "00ff"


def test_util_multipart_split_over_tcp(apache):
    """Delimiters are found however the client splits its writes
    (UTIL-FieldStorage-split-boundary)."""
    body = multipart([part("a", b"x" * 300 + b"\r"),
                      part("f", b"\r\n" * 50, filename="crlf.txt"),
                      part("b", b"end")])
    head = ("POST /util/dump HTTP/1.0\r\nHost: x\r\n"
            "Content-Type: %s\r\nContent-Length: %d\r\n\r\n"
            % (ctype_for(), len(body))).encode()
    rnd = random.Random(7)
    with socket.create_connection(("127.0.0.1", apache.port),
                                  timeout=10) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.sendall(head)
        pos = 0
        while pos < len(body):
            n = rnd.randint(1, 40)
            s.sendall(body[pos:pos + n])
            pos += n
            time.sleep(0.002)
        answer = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200 ")
    f = json.loads(answer.split(b"\r\n\r\n", 1)[1])["fields"]
    assert [(x["name"], x.get("value")) for x in f] == [
        ("a", "x" * 300 + "\r"), ("f", None), ("b", "end")]
    assert bytes.fromhex(f[1]["value_hex"]) == b"\r\n" * 50


def test_util_multipart_callbacks(apache):
    """file_callback(filename) stores file parts, field_callback() the
    others; the fields carry those objects rewound; a Field's is closed
    when the field is collected; non-callables are ignored
    (UTIL-FieldStorage-callbacks, UTIL-Field-del, UTIL-hist-3.1)."""
    body = multipart([part("t", b"text"),
                      part("up", b"file data", filename="doc.txt"),
                      part("empty", b"", filename="")])
    r = post_form(apache, "/util/callbacks?q=1", body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["calls"] == [["field"], ["file", "doc.txt"], ["file", ""]]
    assert out["fields"] == [
        ["q", "StringField", None, "1", 0],
        ["t", "StringField", "field", "text", 0],
        ["up", "Field", "file:doc.txt", "file data", 0],
        ["empty", "StringField", "file:", "", 0]]
    # Field.__del__ closes the upload's file; StringFields keep theirs
    # (freed with them unless, as here, referenced elsewhere).
    assert out["closed_after_gc"] == [False, True, False]
    f = fields_of(post_form(apache, "/util/badcallbacks", body))
    assert [x["file_type"] for x in f] == ["BytesIO", "SpooledTemporaryFile",
                                           "SpooledTemporaryFile"]


def test_util_only_one_fieldstorage_sees_the_body(apache):
    """The body is consumed by the first FieldStorage; a second one only
    sees the query string; keeping it as req.form is the convention
    (UTIL-FieldStorage-once)."""
    r = apache.post("/util/once?q=1", data={"a": "1", "b": "2"})
    assert r.json() == {"first": ["q", "a", "b"], "second": ["q"],
                        "reused": True}


def test_util_mapping_interface(apache):
    """getitem (one value / list / KeyError), get with its required
    default, getfirst, getlist, keys, iteration, len, has_key and in,
    items with duplicates, add_field, setitem with str or bytes, delitem,
    clear, repr, and no cgi-style attributes (UTIL-FieldStorage-getitem,
    UTIL-FieldStorage-get, UTIL-FieldStorage-getfirst,
    UTIL-FieldStorage-getlist, UTIL-FieldStorage-keys,
    UTIL-FieldStorage-has_key, UTIL-FieldStorage-items,
    UTIL-FieldStorage-delitem, UTIL-FieldStorage-setitem,
    UTIL-FieldStorage-add_field, UTIL-FieldStorage-clear,
    UTIL-FieldStorage-repr, UTIL-FieldStorage-noattr,
    UTIL-FieldStorage-list, UTIL-hist-3.3: add_field, __setitem__,
    __delitem__, clear)."""
    r = apache.post("/util/api?a=1", data="b=x&b=y&c=3",
                    headers={"Content-Type":
                             "application/x-www-form-urlencoded"})
    assert r.status_code == 200, r.text
    o = r.json()
    assert o["single"] == ["StringField", "1"]
    assert o["multi"] == ["list", ["x", "y"]]
    assert o["missing"] == "KeyError 'missing'"
    assert o["get"] == ["1", "dflt", "dflt"]
    assert o["get_needs_default"] is True
    assert o["getfirst"] == ["x", None, "d"]
    assert o["getlist"] == [["x", "y"], ["1"], []]
    assert o["keys"] == o["iter"] == ["a", "b", "c"]
    assert o["len"] == 3
    assert o["has_key"] == [True, False, True, False]
    assert o["items"] == [["a", "1"], ["b", "x"], ["b", "y"], ["c", "3"]]
    assert o["items_types"] == ["StringField"]
    assert o["repr"] == ("{'a': [Field('a', '1')], 'b': [Field('b', 'x'), "
                         "Field('b', 'y')], 'c': [Field('c', '3')]}")
    assert o["list_cls"] == "FieldList"
    assert o["list"] == o["items"]
    assert o["after_add"] == ["1", "second a"]
    assert o["after_set"] == ["replaced", ["a", "c", "b"]]
    assert o["set_types"] == ["\u00e9t\udce9", "StringField", "caf\u00e9"]
    assert o["after_del"] == [["c", "b", "raw", "txt"], False]
    assert o["del_missing"] == "KeyError"
    assert o["noattr"] == [False] * 5
    assert o["after_clear"] == [[], 0, "FieldList"]


# ---------------------------------------------------------------------------
# limits and malformed bodies

LIMIT_CASES = [
    # (query, body parts, expected status)
    ("_max_parts=3", [part("p%d" % i, b"v") for i in range(3)], 200),
    ("_max_parts=3", [part("p%d" % i, b"v") for i in range(4)], 400),
    ("_max_headers=2", [part("a", b"v", extra=[b"X-A: 1"])], 200),
    ("_max_headers=2", [part("a", b"v", extra=[b"X-A: 1", b"X-B: 2"])], 400),
    ("_max_header_size=100", [part("a", b"v", extra=[b"X: " + b"y" * 97])],
     200),
    ("_max_header_size=100", [part("a", b"v", extra=[b"X: " + b"y" * 98])],
     400),
    ("_max_field_size=10", [part("a", b"x" * 10),
                            part("f", b"x" * 1000, filename="f")], 200),
    ("_max_field_size=10", [part("a", b"x" * 11)], 413),
]


@pytest.mark.parametrize("query,parts,status", LIMIT_CASES)
def test_util_limits_by_keyword(apache, query, parts, status):
    """Limits on parts, part headers and in-memory field size, given as
    keyword arguments: 400/413 instead of unbounded work
    (UTIL-FieldStorage-limits)."""
    r = post_form(apache, "/util/dump?" + query, multipart(parts))
    assert r.status_code == status, r.text
    if status != 200:
        assert "Traceback" not in r.text
        assert apache.get("/util/dump?ok=1").status_code == 200


def test_util_limits_by_python_option(apache):
    """The same limits set with PythonOption mod_python.util.*; a keyword
    argument overrides the option; spool_size moves small uploads to
    disk; a urlencoded body is bounded by max_field_size
    (UTIL-FieldStorage-limits)."""
    ok = multipart([part("a", b"v"), part("f", b"x" * 100, filename="f")])
    r = post_form(apache, "/util/opt/optdump", ok)
    f = fields_of(r)
    assert f[1]["file_type"] == "SpooledTemporaryFile"
    assert f[1]["rolled"] is True                 # spool_size 10
    f = fields_of(post_form(apache, "/util/dump", ok))
    assert f[1]["rolled"] is False                # default: 64 KiB
    four = multipart([part("p%d" % i, b"v") for i in range(4)])
    assert post_form(apache, "/util/opt/optdump", four).status_code == 400
    assert post_form(apache, "/util/opt/optdump?_max_parts=4",
                     four).status_code == 200
    three_headers = multipart([part("a", b"v", extra=[b"X: 1", b"Y: 2"])])
    assert post_form(apache, "/util/opt/optdump",
                     three_headers).status_code == 400
    long_header = multipart([part("a", b"v", extra=[b"X: " + b"y" * 250])])
    assert post_form(apache, "/util/opt/optdump",
                     long_header).status_code == 400
    big = multipart([part("a", b"x" * 51)])
    assert post_form(apache, "/util/opt/optdump", big).status_code == 413
    r = apache.post("/util/opt/optdump", data="a=" + "x" * 60,
                    headers={"Content-Type":
                             "application/x-www-form-urlencoded"})
    assert r.status_code == 413
    r = post_form(apache, "/util/opt/optdump?_spool_size=0", ok)
    assert fields_of(r)[-1]["file_type"] in ("_TemporaryFileWrapper",
                                            "BufferedRandom")
    r = apache.post("/util/opt/optdump?_max_field_size=0",
                    data="a=" + "x" * 60,
                    headers={"Content-Type":
                             "application/x-www-form-urlencoded"})
    assert [(x["name"], x["value"]) for x in fields_of(r)][-1] == (
        "a", "x" * 60)


@pytest.mark.log_expected(r"PythonHandler util_handlers: ",
                          r"mod_python\.util\.max_parts must be an integer")
def test_util_bad_option_value_is_an_error(apache):
    """A PythonOption limit that is not a number is a configuration error
    (500, logged), not silently ignored (UTIL-FieldStorage-limits)."""
    r = post_form(apache, "/util/badopt/dump", multipart([part("a", b"v")]))
    assert r.status_code == 500


MALFORMED = [
    b"--%s\r\nno colon here\r\n\r\nv\r\n--%s--\r\n",
    b"--%s\r\nContent-Disposition: form-data; name=\"a\"\r\nX: \x00\r\n\r\n"
    b"v\r\n--%s--\r\n",
    b"--%s\r\nX: " + b"h" * 20000 + b"\r\n\r\nv\r\n--%s--\r\n",
    b"--%s\r\n" + b"X: 1\r\n" * 500 + b"\r\nv\r\n--%s--\r\n",
]


def test_util_malformed_multipart_gives_400(apache):
    """Malformed multipart bodies give 400 with no traceback and the child
    keeps serving; odd but harmless ones parse (UTIL-FieldStorage-limits,
    UTIL-FieldStorage-lfonly, UTIL-FieldStorage-delim)."""
    b = BOUNDARY.encode()
    for body in MALFORMED:
        r = post_form(apache, "/util/dump", body.replace(b"%s", b))
        assert r.status_code == 400, body[:60]
        assert "Traceback" not in r.text
    for body in (b"", b"garbage without delimiter",
                 b"--" + b + b"\r\nContent-Disposition: form-data; "
                 b"name=\"a\"\r\n"):
        r = post_form(apache, "/util/dump", body)
        assert fields_of(r) == []
    r = post_form(apache, "/util/dump", b"--" + b + b"\r\n\r\ntruncated")
    assert [x["value"] for x in fields_of(r)] == ["truncated"]
    for _ in range(4):
        assert apache.get("/util/dump?x=1").status_code == 200


@pytest.mark.log_expected(r"mod_python\.util\.FieldStorage: .*reading the "
                          r"request body")
def test_util_client_gone_mid_body(apache):
    """A client that leaves half-way through its upload: the read error is
    logged at info level (no traceback) and the child keeps serving
    (UTIL-FieldStorage-limits)."""
    body = multipart([part("f", b"z" * 100000, filename="f")])
    with socket.create_connection(("127.0.0.1", apache.port)) as s:
        s.sendall(("POST /util/dump HTTP/1.1\r\nHost: x\r\n"
                   "Content-Type: %s\r\nContent-Length: %d\r\n\r\n"
                   % (ctype_for(), len(body))).encode() + body[:5000])
    deadline = time.time() + 8
    while time.time() < deadline:
        if "reading the request body" in apache.error_log():
            break
        time.sleep(0.05)
    log = apache.error_log()
    assert re.search(r"\[python:info\].*mod_python\.util\.FieldStorage: "
                     r"/util/dump: reading the request body", log)
    assert "Traceback" not in log[-3000:]
    assert apache.get("/util/dump?x=1").status_code == 200


def test_util_big_upload_memory_bounded(apache):
    """A 200 MB upload streamed with a generated body arrives intact in a
    temporary file while the child's peak memory barely moves
    (UTIL-FieldStorage-readline, UTIL-FieldStorage-limits,
    UTIL-FieldStorage-split-boundary, UTIL-hist-3.1: bounded reads, data
    streamed into temporary files)."""
    size_mb = 200
    rnd = random.Random(3)
    block = bytearray(rnd.randbytes(1 << 20))
    # Sprinkle near-delimiters and line breaks into the data.
    for i in range(0, len(block) - 64, 4099):
        block[i:i + 6] = b"\r\n--" + BOUNDARY.encode()[:2]
    block = bytes(block)
    head, tail = multipart([part("note", b"hi"),
                            part("upload", b"\0", filename="big.bin",
                                 ctype="application/octet-stream")]
                           ).split(b"\0")
    conn = http.client.HTTPConnection("127.0.0.1", apache.port, timeout=60)
    # Warm up on this connection: the same child serves both requests.
    conn.request("POST", "/util/pid", body=head + b"x" + tail,
                 headers={"Content-Type": ctype_for()})
    warm = json.loads(conn.getresponse().read())
    pid = warm["pid"]
    assert pid in apache.child_pids()
    before = proc_status(pid)
    conn.putrequest("POST", "/util/big")
    conn.putheader("Content-Type", ctype_for())
    conn.putheader("Content-Length",
                   str(len(head) + len(tail) + size_mb * len(block)))
    conn.endheaders()
    digest = hashlib.md5()
    conn.send(head)
    for i in range(size_mb):
        chunk = block[i:] + block[:i]
        digest.update(chunk)
        conn.send(chunk)
    conn.send(tail)
    resp = conn.getresponse()
    assert resp.status == 200
    out = json.loads(resp.read())
    conn.close()
    after = proc_status(pid)
    assert out["pid"] == pid
    assert out["size"] == size_mb << 20
    assert out["md5"] == digest.hexdigest()
    assert out["filename"] == "big.bin" and out["note"] == "hi"
    assert out["rolled"] is True
    grown_kb = after["VmHWM"] - before["VmHWM"]
    assert grown_kb < 16 * 1024, (before, after, out)
    assert out["after"]["VmHWM"] - out["before"]["VmHWM"] < 16 * 1024


# ---------------------------------------------------------------------------
# apply_fs_data

def apply(apache, which, query="", **kw):
    r = apache.post("/util/apply?_which=%s&%s" % (which, query), **kw)
    assert r.status_code == 200, r.text
    return r.json()["result"]


def test_util_apply_named_arguments(apache):
    """Only the parameters a function names are passed; one value is
    unwrapped, several make a list; extra keywords (req) only if named
    (UTIL-apply-expected, UTIL-apply-collect, UTIL-apply-filter,
    UTIL-apply-call)."""
    assert apply(apache, "named", "a=1&zz=2") == {"a": "1", "b": "dflt"}
    assert apply(apache, "named", "a=1&b=2&b=3") == {"a": "1",
                                                     "b": ["2", "3"]}
    assert apply(apache, "kwargs", "a=1&zz=2") == {
        "a": "1", "kw": ["_which", "req", "zz"]}
    assert apply(apache, "req", "a=1") == {"req_uri": "/util/apply",
                                           "a": "1"}
    assert apply(apache, "req", "a=1&req=forged") == {
        "req_uri": "/util/apply", "a": "1"}
    assert apply(apache, "nothing", "a=1") == "called with nothing"


def test_util_apply_kinds_of_callables(apache):
    """Classes (their __init__), callable instances, bound methods, a
    staticmethod or instance-attribute __call__, builtins (called with
    nothing), positional-only parameters not passed as keywords
    (UTIL-apply-expected, UTIL-apply-filter, UTIL-apply-builtin-check,
    UTIL-hist-3.1: new-style classes)."""
    assert apply(apache, "klass", "a=1&c=2") == {"a": "1", "b": None}
    assert apply(apache, "callable", "a=1&b=2&c=3") == {"call": ["1", "2"]}
    assert apply(apache, "method", "a=1&b=2") == {"method": "2"}
    assert apply(apache, "static", "a=1&zz=2&q=3") == {"static": ["1", "2"]}
    assert apply(apache, "attrcall", "a=1&b=2") == {"attr_call": "1"}
    assert apply(apache, "builtin", "a=1") == {}
    assert apply(apache, "builtin_fn", "a=1").startswith("TypeError")
    assert apply(apache, "posonly", "p=1&a=2&b=3") == {
        "p": "p-default", "a": "2", "b": "3"}


def test_util_apply_uploads_and_posted_names(apache):
    """A file upload is passed as its Field; urlencoded POST names are str
    so they reach **kwargs and named parameters (UTIL-apply-collect,
    UTIL-apply-py3-names, UTIL-apply-req-collision)."""
    body = multipart([part("a", b"text"),
                      part("up", b"content", filename="u.txt")])
    assert apply(apache, "upload", data=body,
                 headers={"Content-Type": ctype_for()}) == {
        "a": "text", "up": ["Field", "u.txt", "content"]}
    assert apply(apache, "kwargs", data={"a": "1", "posted": "2",
                                         "req": "x"}) == {
        "a": "1", "kw": ["_which", "posted", "req"]}


# ---------------------------------------------------------------------------
# redirect

def test_util_redirect_temporary_and_permanent(apache):
    """302 or 301, Location in err_headers_out, default HTML body with the
    location escaped, custom text (UTIL-redirect-headers, UTIL-redirect-body,
    UTIL-redirect-done)."""
    r = apache.get("/util/redirect?_to=/util/somewhere", allow_redirects=False)
    assert r.status_code == 302
    assert r.headers["Location"] == "/util/somewhere"
    assert r.text == ('<p>The document has moved <a href="/util/somewhere">'
                      'here</a></p>\n')
    assert "redirect returned" not in r.text
    r = apache.get("/util/redirect?_perm=1&_text=Gone+for+good",
                   allow_redirects=False)
    assert r.status_code == 301
    assert r.headers["Location"] == "/util/target"
    assert r.text == "Gone for good"
    r = apache.get('/util/redirect?_to=/x"><script>', allow_redirects=False)
    assert r.headers["Location"] == '/x"><script>'
    assert "<script>" not in r.text
    assert 'href="/x&quot;&gt;&lt;script&gt;"' in r.text


def test_util_redirect_refuses_header_injection(apache):
    """CR or LF in the location is refused: no forged header reaches the
    client (UTIL-redirect-headers)."""
    for flag in ("_inject=1", "_lf=1"):
        r = apache.get("/util/redirect?" + flag, allow_redirects=False)
        assert r.status_code == 200
        assert r.text.startswith("refused: ValueError")
        assert "Set-Cookie" not in r.headers and "X-Evil" not in r.headers
        assert "Location" not in r.headers


def test_util_redirect_type_and_sent(apache):
    """location must be str; after body bytes went out redirect raises
    IOError before touching anything (UTIL-redirect-type,
    UTIL-redirect-sent)."""
    r = apache.get("/util/redirect?_nonstr=1", allow_redirects=False)
    assert r.text.startswith("refused: TypeError")
    r = apache.get("/util/redirect?_written=1", allow_redirects=False)
    assert r.status_code == 200
    assert r.text.startswith("already sent refused: OSError")
    assert "Location" not in r.headers


def test_util_redirect_ends_request(apache):
    """redirect raises SERVER_RETURN(DONE): from a fixup handler the
    content handler never runs; stacked handlers after it do not run
    (UTIL-redirect-done)."""
    r = apache.get("/util/fixup-redirect", allow_redirects=False)
    assert r.status_code == 302
    assert r.headers["Location"] == "/dummy"
    assert r.text == "custom redirect text"
    r = apache.get("/util/stacked-redirect", allow_redirects=False)
    assert r.status_code == 301
    assert r.headers["Location"] == "/stacked"
    assert r.text == "moved"
    r = apache.get("/util/redirect?_catch=1&_text=T.", allow_redirects=False)
    assert r.status_code == 302
    assert r.text == "T.caught SERVER_RETURN(DONE): True"
