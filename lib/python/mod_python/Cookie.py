"""Netscape-style cookies: one object per cookie (CK-*).

Cookie, SignedCookie (HMAC-MD5 signature in front of the value) and
MarshalCookie (a signed, base64-encoded marshal of any marshallable value),
plus the request helpers add_cookie, get_cookies and get_cookie.

Deviations from mod_python 3.5, all in the direction the specification
recommends:
  * signatures are computed on UTF-8 bytes with an explicit MD5 digest and
    compared in constant time; the output format is unchanged, so cookies
    still interoperate with older deployments (CK-Signed-py3);
  * MarshalCookie uses base64.b64encode/b64decode and never unmarshals data
    whose signature did not verify (CK-Marshal-py3); it writes marshal
    format version 2, so a bytes value gives the same cookie as a Python 2
    string did (CK-Marshal-format);
  * the max_age attribute is written as the standard "Max-Age", and the flag
    attributes secure, discard and httponly are written only when true
    (3.5 wrote "max_age=" and wrote "secure" even for secure=False);
  * str() refuses names, values and attributes containing CR, LF, NUL or
    (for names and values) ';', which would split or inject headers or
    attributes (CK-str [sec]).
"""
import base64
import hashlib
import hmac
import marshal
import re
import time

__all__ = ["CookieError", "metaCookie", "Cookie", "SignedCookie",
           "MarshalCookie", "add_cookie", "get_cookies", "get_cookie"]

EXPIRES_FORMAT = "%a, %d-%b-%Y %H:%M:%S GMT"

# Locale-independent names: strptime/strftime would follow the locale.
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
           "Oct", "Nov", "Dec")
_EXPIRES_RE = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d\d)-"
                         r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-"
                         r"(\d{4}) (\d\d):(\d\d):(\d\d) GMT\Z")

_FLAGS = ("secure", "discard", "httponly")
# Attribute names as written; the rest are written as their Python names.
_OUT_NAMES = {"max_age": "Max-Age"}
_BAD_VALUE = re.compile(r"[\r\n\x00;]")
_BAD_ATTR = re.compile(r"[\r\n\x00]")


class CookieError(Exception):
    """Signing, verification or unmarshalling failed (CK-CookieError)."""


def _format_expires(seconds):
    t = time.gmtime(seconds)
    return "%s, %02d-%s-%04d %02d:%02d:%02d GMT" % (
        _DAYS[t.tm_wday], t.tm_mday, _MONTHS[t.tm_mon - 1], t.tm_year,
        t.tm_hour, t.tm_min, t.tm_sec)


def _get_expires(self):
    return self._expires


def _set_expires(self, value):
    if isinstance(value, str):
        if not _EXPIRES_RE.match(value):
            raise ValueError("Invalid expiration time: %s" % value)
        self._expires = value
    else:
        self._expires = _format_expires(value)


class metaCookie(type):
    """Gives every cookie class its fixed attribute list, slots and the
    expires property (CK-metaclass, CK-valid-attrs)."""

    def __new__(mcs, clsname, bases, clsdict):
        valid = ("version", "path", "domain", "secure", "comment",
                 "expires", "max_age", "samesite", "commentURL", "discard",
                 "port", "httponly")
        clsdict["_valid_attr"] = valid
        if not any(isinstance(b, metaCookie) for b in bases):
            # expires itself is the property; its value lives in _expires.
            clsdict["__slots__"] = tuple(a for a in valid if a != "expires") \
                + ("name", "value", "_value", "_expires", "__data__")
        else:
            clsdict.setdefault("__slots__", ())
        clsdict["expires"] = property(_get_expires, _set_expires)
        return type.__new__(mcs, clsname, bases, clsdict)


class Cookie(object, metaclass=metaCookie):
    """A cookie: name, value and optional attributes (CK-Cookie-ctor)."""

    DOWNGRADE = 0
    IGNORE = 1
    EXCEPTION = 3

    def __init__(self, name, value, **kw):
        self.name = name
        self.value = value
        for key, val in kw.items():
            setattr(self, key.lower(), val)
        self.__data__ = {}

    @classmethod
    def parse(cls, text, names=None):
        """Parse a Cookie header into {name: instance of cls}; never
        raises on malformed input (CK-parse)."""
        result = {}
        for key, val in _split_cookie_header(text):
            if key.startswith("$"):
                continue
            if names is not None and key not in names:
                continue
            result[key] = cls(key, val)
        return result

    def _value_text(self):
        return self.value

    def __str__(self):
        name = str(self.name)
        value = str(self._value_text())
        if _BAD_VALUE.search(name) or _BAD_VALUE.search(value) or not name:
            raise CookieError("Invalid character in cookie name or value")
        parts = ["%s=%s" % (name, value)]
        for attr in self._valid_attr:
            if not hasattr(self, attr):
                continue
            val = getattr(self, attr)
            if attr in _FLAGS:
                if val:
                    parts.append(attr)
                continue
            val = str(val)
            if _BAD_ATTR.search(val) or ";" in val:
                raise CookieError("Invalid character in cookie attribute %s"
                                  % attr)
            parts.append("%s=%s" % (_OUT_NAMES.get(attr, attr), val))
        return "; ".join(parts)

    def __repr__(self):
        return "<%s: %s>" % (self.__class__.__name__, str(self))


# The Cookie-header grammar of CK-parse-grammar.
_QUOTED = re.compile(r'"(?:[^\\"]|\\.)*"', re.S)


def _split_cookie_header(text):
    """Yield (key, value) pairs of a Cookie header, tolerating junk."""
    if not isinstance(text, str):
        text = str(text)
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " ,":
            i += 1
        if i >= n:
            break
        start = i
        while i < n and text[i] not in "; =":
            i += 1
        key = text[start:i]
        if not key:
            i += 1                  # a stray ';' or '=': skip it
            continue
        while i < n and text[i] == " ":
            i += 1
        if i < n and text[i] == "=":
            i += 1
            while i < n and text[i] == " ":
                i += 1
        m = _QUOTED.match(text, i) if i < n and text[i] == '"' else None
        if m:
            value = m.group(0)
            i = m.end()
        else:
            end = text.find(";", i)
            end = n if end < 0 else end
            value = text[i:end]
            i = end
        while i < n and text[i].isspace():
            i += 1
        if i < n and text[i] == ";":
            i += 1
        yield key, value


def _bytes(s):
    # Undecodable header bytes arrive as lone surrogates: sign and check
    # the bytes the client sent (never a UnicodeEncodeError).
    return s if isinstance(s, bytes) else str(s).encode("utf-8",
                                                         "surrogateescape")


class SignedCookie(Cookie):
    """A cookie whose value is prefixed with an HMAC-MD5 of the name and
    value (CK-Signed-*)."""

    def __init__(self, name, value, secret=None, **kw):
        Cookie.__init__(self, name, value, **kw)
        self.__data__["secret"] = secret

    def hexdigest(self, s):
        secret = self.__data__.get("secret")
        if not secret:
            raise CookieError("Cannot sign without a secret")
        mac = hmac.new(_bytes(secret), digestmod=hashlib.md5)
        mac.update(_bytes(self.name))
        mac.update(_bytes(s))
        return mac.hexdigest()

    @classmethod
    def parse(cls, text, secret, mismatch=Cookie.DOWNGRADE, names=None):
        result = Cookie.parse.__func__(cls, text, names=names)
        for name, c in list(result.items()):
            try:
                c._verify(secret)
            except CookieError:
                if mismatch == cls.EXCEPTION:
                    raise
                elif mismatch == cls.IGNORE:
                    del result[name]
                else:
                    result[name] = Cookie(name, c.value)
        return result

    def _verify(self, secret):
        self.unsign(secret)

    def _check_signature(self, secret):
        """Return the unsigned part of the value if the signature is
        right, else raise CookieError.  Constant-time comparison."""
        raw = str(self.value)
        sig, rest = raw[:32], raw[32:]
        self.__data__["secret"] = secret
        try:
            good = self.hexdigest(rest)
        except CookieError:
            self.__data__["secret"] = None
            raise
        if len(sig) != 32 or not hmac.compare_digest(_bytes(sig),
                                                     _bytes(good)):
            self.__data__["secret"] = None
            raise CookieError("Incorrectly Signed Cookie: %s=%s"
                              % (self.name, self.value))
        return rest

    def unsign(self, secret):
        self.value = self._check_signature(secret)

    def _value_text(self):
        value = str(self.value)
        return "%s%s" % (self.hexdigest(value), value)


class MarshalCookie(SignedCookie):
    """A signed cookie carrying any marshallable value (CK-Marshal-*)."""

    def _value_text(self):
        # Format version 2 has no reference flags: bytes come out exactly
        # as Python 2 marshalled its strings, so old cookies round-trip.
        m = base64.b64encode(marshal.dumps(self.value, 2)).decode("ascii")
        return "%s%s" % (self.hexdigest(m), m)

    def _verify(self, secret):
        self.unmarshal(secret)

    def unmarshal(self, secret):
        # The signature is checked before anything is decoded: marshal
        # must never see data the server did not sign.
        data = self._check_signature(secret)
        try:
            raw = base64.b64decode(data.encode("ascii"), validate=True)
        except (ValueError, UnicodeError) as e:
            raise CookieError("Cookie value is not base64: %s" % e)
        try:
            self.value = marshal.loads(raw)
        except (EOFError, ValueError, TypeError) as e:
            raise CookieError("Cookie value cannot be unmarshalled: %s" % e)


def add_cookie(req, cookie, value="", **kw):
    """Send a cookie with the response (CK-add_cookie)."""
    if not isinstance(cookie, Cookie):
        cookie = Cookie(cookie, value, **kw)
    if "Set-Cookie" not in req.headers_out:
        req.headers_out.add("Cache-Control", 'no-cache="set-cookie"')
    req.headers_out.add("Set-Cookie", str(cookie))


def get_cookies(req, Class=Cookie, **kw):
    """All cookies of the request as {name: Class instance}
    (CK-get_cookies)."""
    if "cookie" not in req.headers_in:
        return {}
    header = req.headers_in["cookie"]
    if isinstance(header, list):
        header = "; ".join(header)
    return Class.parse(header, **kw)


def get_cookie(req, name, Class=Cookie, **kw):
    """One cookie of the request, or None (CK-get_cookie)."""
    return get_cookies(req, Class, names=[name], **kw).get(name)
