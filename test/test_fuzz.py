"""Fuzzing the parsers that see client input: query strings
(_apache.parse_qs/parse_qsl, util.parse_qs), the multipart parser and
FieldStorage (a fake request in the server, and over HTTP), cookie
parsing (Cookie, SignedCookie, MarshalCookie: random and tampered input),
the PSP translator, and header values and query strings of any bytes over
HTTP.  No crash, no hang, a model's answer where there is one, and a 4xx
for malformed input.

Each test runs a bounded number of examples; MP_FUZZ_SCALE multiplies
them (`make fuzz` runs MP_FUZZ_SCALE=20).  Suite: htdocs/fuzz/."""
import json
import os
import re
import socket
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest

# Hypothesis keeps a cache and an example database in a directory of its
# own; never in the working tree.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY",
                      tempfile.mkdtemp(prefix="mp-hypothesis-"))
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent
                       / "lib" / "python"))
from mod_python import Cookie, _psp, util  # noqa: E402

SCALE = float(os.environ.get("MP_FUZZ_SCALE", "1"))
# Executed examples per test, for the report (printed with -s).
EXECUTED = {}


def fuzz(examples, deadline=None):
    """settings() for one fuzz test: `examples` scaled by MP_FUZZ_SCALE."""
    return settings(max_examples=max(1, int(examples * SCALE)),
                    deadline=deadline, database=None,
                    suppress_health_check=list(HealthCheck))


def count(name):
    EXECUTED[name] = EXECUTED.get(name, 0) + 1


def teardown_module():
    for name, n in sorted(EXECUTED.items()):
        print("fuzz %s: %d examples" % (name, n))


# Bytes weighted towards what the parsers care about.
SPECIAL = [b"&", b";", b"=", b"+", b"%", b"%2", b"%41", b"%zz", b"%00",
           b"%3D", b"%26", b"\x00", b"\xff", b"\xc3\xa9", b"\xed\xa0\x80",
           b" ", b"a", b"b", b"key", b"\r\n", b"\n", b'"', b"\\", b"--"]
tokens = st.lists(st.sampled_from(SPECIAL) | st.binary(max_size=4),
                  max_size=40).map(b"".join)
any_bytes = tokens | st.binary(max_size=200)


# ----------------------------------------------------------------------
# Query strings, in the server (the parser is C code in _apache)

def _unquote(data):
    out, i = bytearray(), 0
    while i < len(data):
        c = data[i:i + 3]
        if (c[:1] == b"%" and len(c) == 3
                and all(ch in b"0123456789abcdefABCDEF" for ch in c[1:])):
            out.append(int(c[1:], 16))
            i += 3
        else:
            out.append(data[i])
            i += 1
    return bytes(out)


def model_qsl(raw, keep):
    """APC-parse_qs / UTIL-qs-* as a few lines of Python."""
    pairs = []
    for piece in re.split(rb"[&;]", raw):
        if not piece:
            continue
        key, eq, value = piece.replace(b"+", b" ").partition(b"=")
        if not value and not keep:
            continue
        pairs.append([_unquote(key).hex(), _unquote(value).hex()])
    return pairs


def test_fuzz_parse_qs(apache):
    """_apache.parse_qsl/parse_qs and util.parse_qs on any bytes, as bytes
    and as str: the pairs of the model, parse_qs grouping parse_qsl, the
    result types of the input; the child never crashes (APC-parse_qs,
    APC-parse_qsl, UTIL-qs-split, UTIL-qs-plus, UTIL-qs-split-eq,
    UTIL-qs-blank, UTIL-qs-unescape, UTIL-qs-types, UTIL-qs-badutf8)."""
    batch = st.lists(st.tuples(any_bytes, st.booleans(), st.booleans()),
                     min_size=1, max_size=25)

    @fuzz(300)
    @given(batch)
    def check(cases):
        count("parse_qs")
        r = apache.post("/fuzz/qs", data=json.dumps(
            [[raw.hex(), keep, as_str] for raw, keep, as_str in cases]))
        assert r.status_code == 200, r.text
        for (raw, keep, as_str), got in zip(cases, r.json()):
            assert got["pairs"] == model_qsl(raw, keep), raw
            assert got["consistent"] and got["types"], raw
    check()


# ----------------------------------------------------------------------
# Multipart

BOUNDARY_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789'()+_,-./:=?"
names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789 _-.[]",
                min_size=1, max_size=12)
parts = st.lists(st.tuples(names, st.none() | names,
                           st.binary(max_size=300) | tokens),
                 max_size=6)


def multipart(boundary, fields, crlf=b"\r\n"):
    out = []
    for name, filename, content in fields:
        disp = 'form-data; name="%s"' % name
        if filename is not None:
            disp += '; filename="%s"' % filename
        out.append(b"--" + boundary + crlf
                   + b"Content-Disposition: " + disp.encode() + crlf
                   + (b"Content-Type: application/octet-stream" + crlf
                      if filename is not None else b"")
                   + crlf + content + crlf)
    out.append(b"--" + boundary + b"--" + crlf)
    return b"".join(out)


def expected_fields(fields):
    return [[name.encode().hex(), filename, content.hex()]
            for name, filename, content in fields]


boundaries = st.text(alphabet=BOUNDARY_CHARS, min_size=1, max_size=70)


def test_fuzz_multipart_parser_roundtrip():
    """Any parts, any boundary, any split of the stream into reads: the
    parser gives back exactly the parts (UTIL-FieldStorage-delim,
    UTIL-FieldStorage-split-boundary, UTIL-FieldStorage-crlf)."""
    import io

    @fuzz(400, deadline=timedelta(seconds=5))
    @given(boundaries, parts, st.integers(1, 100))
    def check(boundary, fields, block):
        count("multipart-roundtrip")
        b = boundary.encode()
        assume(all(b"--" + b not in c for _, _, c in fields))
        body = multipart(b, fields)
        parser = util._MultipartParser(io.BytesIO(body).read, b,
                                       lambda p: io.BytesIO(),
                                       block_size=block)
        got = [[p.name.encode("utf-8", "surrogateescape").hex(),
                p.filename, p.file.read().hex()] for p in parser.parse()]
        assert got == expected_fields(fields)
    check()


def mutate(data, edits):
    data = bytearray(data)
    for pos, kind, byte in edits:
        if not data:
            data.append(byte)
            continue
        pos %= len(data)
        if kind == 0:
            data[pos] = byte
        elif kind == 1:
            data.insert(pos, byte)
        else:
            del data[pos]
    return bytes(data)


edits = st.lists(st.tuples(st.integers(0, 10 ** 6), st.integers(0, 2),
                           st.sampled_from(b"-\r\n\":;= \x00\xffa")),
                 min_size=1, max_size=8)


def test_fuzz_fieldstorage_fake_request(apache):
    """util.FieldStorage on a fake request, in the server: well-formed
    bodies give their parts back; damaged and random bodies give parts
    or a 4xx (SERVER_RETURN 400/413), never another exception
    (UTIL-FieldStorage-ctor, UTIL-FieldStorage-delim)."""
    case = st.one_of(
        st.tuples(st.just("good"), boundaries, parts, st.just([])),
        st.tuples(st.just("damaged"), boundaries, parts, edits),
        st.tuples(st.just("random"), boundaries, st.just([]), any_bytes))

    @fuzz(250)
    @given(st.lists(case, min_size=1, max_size=10))
    def check(cases):
        count("fieldstorage-fake-request")
        sent = []
        for kind, boundary, fields, extra in cases:
            b = boundary.encode()
            if kind == "random":
                body = b"--" + b + b"\r\n" + extra
            else:
                body = multipart(b, fields)
                if kind == "damaged":
                    body = mutate(body, extra)
            sent.append([body.hex(),
                         "multipart/form-data; boundary=" + boundary])
        r = apache.post("/fuzz/form", data=json.dumps(sent))
        assert r.status_code == 200, r.text
        for (kind, boundary, fields, _), got in zip(cases, r.json()):
            assert got[0] in ("ok", "status"), got
            if got[0] == "status":
                assert got[1] in (400, 413), got
            if kind == "good" and all(b"--" + boundary.encode() not in c
                                      for _, _, c in fields):
                assert got == ["ok", expected_fields(fields)]
    check()


def test_fuzz_multipart_over_http(apache):
    """The same over HTTP: a well-formed form comes back whole; a damaged
    one gives 200 or 400, never a 500 (UTIL-FieldStorage-ctor)."""

    @fuzz(40)
    @given(boundaries, parts, st.none() | edits)
    def check(boundary, fields, damage):
        count("multipart-http")
        b = boundary.encode()
        assume(all(b"--" + b not in c for _, _, c in fields))
        body = multipart(b, fields)
        if damage:
            body = mutate(body, damage)
        r = apache.post("/fuzz/formhttp", data=body, headers={
            "Content-Type": "multipart/form-data; boundary=" + boundary})
        if damage is None:
            assert r.status_code == 200
            assert r.json() == expected_fields(fields)
        else:
            assert r.status_code in (200, 400, 413), r.text
    check()


# ----------------------------------------------------------------------
# Cookies

SECRET = "fuzz-secret"
cookie_text = (st.lists(st.sampled_from(
    ["a", "b", "=", ";", " ", ",", '"', "\\", "$Version", "path", "\x00",
     "\udcff", "é", "\u2603", "x" * 40]) | st.text(max_size=5), max_size=30)
    .map("".join))


def test_fuzz_cookie_parse_any_text():
    """Cookie.parse and the signed classes never raise on any header text
    (lone surrogates included: that is what undecodable bytes become);
    with DOWNGRADE a bad signature gives a plain Cookie (CK-parse,
    CK-parse-grammar, CK-Signed-parse, CK-Marshal-parse)."""

    @fuzz(1500, deadline=timedelta(seconds=5))
    @given(cookie_text)
    def check(text):
        count("cookie-parse")
        plain = Cookie.Cookie.parse(text)
        for name, c in plain.items():
            assert type(c) is Cookie.Cookie and name == c.name
        for cls in (Cookie.SignedCookie, Cookie.MarshalCookie):
            got = cls.parse(text, SECRET)
            assert set(got) == set(plain)
            for c in got.values():
                assert type(c) in (cls, Cookie.Cookie)
            cls.parse(text, SECRET, mismatch=Cookie.Cookie.IGNORE)
            try:
                cls.parse(text, SECRET, mismatch=Cookie.Cookie.EXCEPTION)
            except Cookie.CookieError:
                pass
    check()


marshallable = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=10) | st.binary(max_size=10),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=10)


def test_fuzz_signed_cookies_tampered():
    """A signed or marshalled cookie parses back to its value; changing
    any one character of the header value makes it fail the signature
    check: a plain Cookie (DOWNGRADE), dropped (IGNORE) or CookieError
    (EXCEPTION), never a verified cookie (CK-Signed-parse,
    CK-Signed-verify, CK-Marshal-parse, CK-Marshal-unmarshal)."""
    values = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.",
                     max_size=30)
    chars = st.sampled_from("0123456789abcdefABCDEF=+/xyz-_.")

    @fuzz(800, deadline=timedelta(seconds=5))
    @given(st.booleans(), values, marshallable, st.integers(0, 10 ** 6),
           chars)
    def check(marshalled, svalue, mvalue, pos, char):
        count("cookie-tamper")
        cls = Cookie.MarshalCookie if marshalled else Cookie.SignedCookie
        value = mvalue if marshalled else svalue
        header = str(cls("sid", value, secret=SECRET))
        good = cls.parse(header, SECRET)["sid"]
        assert type(good) is cls and good.value == value
        name, _, text = header.partition("=")
        pos %= len(text)
        assume(text[pos] != char)
        bad = name + "=" + text[:pos] + char + text[pos + 1:]
        got = cls.parse(bad, SECRET)["sid"]
        assert type(got) is Cookie.Cookie
        assert cls.parse(bad, SECRET, mismatch=cls.IGNORE) == {}
        with pytest.raises(Cookie.CookieError):
            cls.parse(bad, SECRET, mismatch=cls.EXCEPTION)
        # Signed with another secret: refused the same way.
        assert type(cls.parse(header, "other")["sid"]) is Cookie.Cookie
    check()


def test_fuzz_cookie_header_over_http(apache):
    """A Cookie header of any bytes: get_cookies with every cookie class
    answers (200), never a 500 (CK-get_cookies, CK-parse)."""
    raw = (st.lists(st.sampled_from([b"a=b", b"; ", b"=", b'"', b"\xff",
                                     b"\xc3\xa9", b"\x80", b"$x=1", b",",
                                     b"\t"]) | st.binary(max_size=4),
                    max_size=20).map(b"".join)
           .map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"")))

    @fuzz(120)
    @given(raw)
    def check(value):
        count("cookie-http")
        answer = apache.raw(b"GET /fuzz/cookies HTTP/1.0\r\nHost: x\r\n"
                            b"Cookie: " + value + b"\r\n"
                            b"Connection: close\r\n\r\n")
        status = int(answer.split(b" ", 2)[1])
        assert status in (200, 400), answer[:300]
        if any(c < 0x20 and c != 9 or c == 0x7f for c in value):
            return                        # httpd may refuse those itself
        assert status == 200, answer[:300]
    check()


# ----------------------------------------------------------------------
# Header values and query strings of any bytes, over HTTP

def test_fuzz_header_values_over_http(apache):
    """A request header of any bytes (but CR/LF) arrives in
    req.headers_in as sent (less surrounding white space; undecodable
    bytes as surrogates), or httpd refuses it with 400; never a 500
    (TBL-getitem, OBJ-str-out)."""
    value = st.binary(max_size=60).map(
        lambda b: b.replace(b"\r", b"").replace(b"\n", b""))

    @fuzz(200)
    @given(value)
    def check(data):
        count("header-bytes")
        answer = apache.raw(b"GET /fuzz/header HTTP/1.0\r\nHost: x\r\n"
                            b"X-Fuzz: " + data + b"\r\n"
                            b"Connection: close\r\n\r\n")
        status = int(answer.split(b" ", 2)[1])
        assert status in (200, 400), answer[:300]
        ctl = any(c < 0x20 and c != 9 or c == 0x7f for c in data)
        if status == 400:
            assert ctl, data
            return
        body = answer.split(b"\r\n\r\n", 1)[1]
        assert json.loads(body) == data.strip(b" \t").hex()
    check()


def test_fuzz_query_string_over_http(apache):
    """A query string of any bytes a request line can carry: FieldStorage
    and req.args take it (200) or httpd refuses it (400), never a 500
    (UTIL-FieldStorage-ctor, REQ-attr-args)."""
    qs = (st.lists(st.sampled_from(SPECIAL) | st.binary(max_size=3),
                   max_size=30).map(b"".join)
          .map(lambda b: bytes(c for c in b if c > 0x20 and c != 0x7f
                               and c != ord("#"))))

    @fuzz(150)
    @given(qs)
    def check(data):
        count("query-http")
        answer = apache.raw(b"GET /fuzz/args?" + data + b" HTTP/1.0\r\n"
                            b"Host: x\r\nConnection: close\r\n\r\n")
        status = int(answer.split(b" ", 2)[1])
        assert status in (200, 400), answer[:300]
        if status == 200:
            got = json.loads(answer.split(b"\r\n\r\n", 1)[1])
            assert got["args"] == data.hex()
    check()


# ----------------------------------------------------------------------
# PSP translator (test_psp_parser.py compares it with a model of the flex
# rules on Latin-1 pages; this adds any Unicode and deep nesting).

def test_fuzz_psp_any_text():
    """_psp.parsestring on any text (all of Unicode, lone surrogates, NUL)
    and long runs of open/close tokens returns Python source or raises a
    clean exception, within the deadline (PSP-parsestring,
    PSP-parsestring-py3)."""
    pages = st.one_of(
        st.text(max_size=200),
        st.lists(st.sampled_from(["<%", "%>", "<%=", "<%@", "<%--", "--%>",
                                  "\n", "\t", "    ", "if x:", "\x00",
                                  "\u2603", "\udcff", '"', "\\"]),
                 max_size=200).map("".join),
        st.integers(1, 20000).map(lambda n: "<%" * n + "%>" * (n // 2)))

    @fuzz(1500, deadline=timedelta(seconds=5))
    @given(pages)
    def check(page):
        count("psp")
        try:
            code = _psp.parsestring(page)
        except (ValueError, UnicodeError, OSError):
            return
        assert isinstance(code, str)
    check()
