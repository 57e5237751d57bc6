"""Constants of mod_python.apache and _apache, apache.log_error, NullIO.
Suite: htdocs/constants/."""
import ast
import re
import time
from pathlib import Path

import pytest


def run(apache, name, **kw):
    r = apache.get("/constants/" + name, **kw)
    assert r.status_code == 200, r.text[:2000]
    return ast.literal_eval(r.content.decode("utf-8"))


# apache-module.md section 4, value by value.
EXPECTED = {
    # 4.1 return values and legacy aliases
    "OK": 0, "DECLINED": -1, "DONE": -2, "REQ_PROCEED": 0,
    "REQ_NOACTION": -1, "REQ_ABORTED": 500, "REQ_EXIT": "REQ_EXIT",
    # 4.2 HTTP status codes
    "HTTP_CONTINUE": 100, "HTTP_SWITCHING_PROTOCOLS": 101,
    "HTTP_PROCESSING": 102, "HTTP_OK": 200, "HTTP_CREATED": 201,
    "HTTP_ACCEPTED": 202, "HTTP_NON_AUTHORITATIVE": 203,
    "HTTP_NO_CONTENT": 204, "HTTP_RESET_CONTENT": 205,
    "HTTP_PARTIAL_CONTENT": 206, "HTTP_MULTI_STATUS": 207,
    "HTTP_MULTIPLE_CHOICES": 300, "HTTP_MOVED_PERMANENTLY": 301,
    "HTTP_MOVED_TEMPORARILY": 302, "HTTP_SEE_OTHER": 303,
    "HTTP_NOT_MODIFIED": 304, "HTTP_USE_PROXY": 305,
    "HTTP_TEMPORARY_REDIRECT": 307, "HTTP_BAD_REQUEST": 400,
    "HTTP_UNAUTHORIZED": 401, "HTTP_PAYMENT_REQUIRED": 402,
    "HTTP_FORBIDDEN": 403, "HTTP_NOT_FOUND": 404,
    "HTTP_METHOD_NOT_ALLOWED": 405, "HTTP_NOT_ACCEPTABLE": 406,
    "HTTP_PROXY_AUTHENTICATION_REQUIRED": 407, "HTTP_REQUEST_TIME_OUT": 408,
    "HTTP_CONFLICT": 409, "HTTP_GONE": 410, "HTTP_LENGTH_REQUIRED": 411,
    "HTTP_PRECONDITION_FAILED": 412, "HTTP_REQUEST_ENTITY_TOO_LARGE": 413,
    "HTTP_REQUEST_URI_TOO_LARGE": 414, "HTTP_UNSUPPORTED_MEDIA_TYPE": 415,
    "HTTP_RANGE_NOT_SATISFIABLE": 416, "HTTP_EXPECTATION_FAILED": 417,
    "HTTP_IM_A_TEAPOT": 418, "HTTP_UNPROCESSABLE_ENTITY": 422,
    "HTTP_LOCKED": 423, "HTTP_FAILED_DEPENDENCY": 424,
    "HTTP_UPGRADE_REQUIRED": 426, "HTTP_INTERNAL_SERVER_ERROR": 500,
    "HTTP_NOT_IMPLEMENTED": 501, "HTTP_BAD_GATEWAY": 502,
    "HTTP_SERVICE_UNAVAILABLE": 503, "HTTP_GATEWAY_TIME_OUT": 504,
    "HTTP_VERSION_NOT_SUPPORTED": 505, "HTTP_VARIANT_ALSO_VARIES": 506,
    "HTTP_INSUFFICIENT_STORAGE": 507, "HTTP_NOT_EXTENDED": 510,
    # 4.3 log levels
    "APLOG_EMERG": 0, "APLOG_ALERT": 1, "APLOG_CRIT": 2, "APLOG_ERR": 3,
    "APLOG_WARNING": 4, "APLOG_NOTICE": 5, "APLOG_INFO": 6,
    "APLOG_DEBUG": 7, "APLOG_NOERRNO": 0,
    # 4.4 argument and field constants
    "REMOTE_HOST": 0, "REMOTE_NAME": 1, "REMOTE_NOLOOKUP": 2,
    "REMOTE_DOUBLE_REV": 3,
    "FINFO_MODE": 0, "FINFO_INO": 1, "FINFO_DEV": 2, "FINFO_NLINK": 3,
    "FINFO_UID": 4, "FINFO_GID": 5, "FINFO_SIZE": 6, "FINFO_ATIME": 7,
    "FINFO_MTIME": 8, "FINFO_CTIME": 9, "FINFO_FNAME": 10, "FINFO_NAME": 11,
    "FINFO_FILETYPE": 12,
    "URI_SCHEME": 0, "URI_HOSTINFO": 1, "URI_USER": 2, "URI_PASSWORD": 3,
    "URI_HOSTNAME": 4, "URI_PORT": 5, "URI_PATH": 6, "URI_QUERY": 7,
    "URI_FRAGMENT": 8,
    "PROXYREQ_NONE": 0, "PROXYREQ_PROXY": 1, "PROXYREQ_REVERSE": 2,
    "PROXYREQ_RESPONSE": 3,
    "M_GET": 0, "M_PUT": 1, "M_POST": 2, "M_DELETE": 3, "M_CONNECT": 4,
    "M_OPTIONS": 5, "M_TRACE": 6, "M_PATCH": 7, "M_PROPFIND": 8,
    "M_PROPPATCH": 9, "M_MKCOL": 10, "M_COPY": 11, "M_MOVE": 12,
    "M_LOCK": 13, "M_UNLOCK": 14, "M_VERSION_CONTROL": 15,
    "M_CHECKOUT": 16, "M_UNCHECKOUT": 17, "M_CHECKIN": 18, "M_UPDATE": 19,
    "M_LABEL": 20, "M_REPORT": 21, "M_MKWORKSPACE": 22,
    "M_MKACTIVITY": 23, "M_BASELINE_CONTROL": 24, "M_MERGE": 25,
    "M_INVALID": 26,
    "AP_REQ_ACCEPT_PATH_INFO": 0, "AP_REQ_REJECT_PATH_INFO": 1,
    "AP_REQ_DEFAULT_PATH_INFO": 2,
    "AP_MPMQ_NOT_SUPPORTED": 0, "AP_MPMQ_STATIC": 1, "AP_MPMQ_DYNAMIC": 2,
    "AP_MPMQ_MAX_DAEMON_USED": 1, "AP_MPMQ_IS_THREADED": 2,
    "AP_MPMQ_IS_FORKED": 3, "AP_MPMQ_HARD_LIMIT_DAEMONS": 4,
    "AP_MPMQ_HARD_LIMIT_THREADS": 5, "AP_MPMQ_MAX_THREADS": 6,
    "AP_MPMQ_MIN_SPARE_DAEMONS": 7, "AP_MPMQ_MIN_SPARE_THREADS": 8,
    "AP_MPMQ_MAX_SPARE_DAEMONS": 9, "AP_MPMQ_MAX_SPARE_THREADS": 10,
    "AP_MPMQ_MAX_REQUESTS_DAEMON": 11, "AP_MPMQ_MAX_DAEMONS": 12,
    "CGI_MAGIC_TYPE": "application/x-httpd-cgi",
    "INCLUDES_MAGIC_TYPE": "text/x-server-parsed-html",
    "INCLUDES_MAGIC_TYPE3": "text/x-server-parsed-html3",
    "DIR_MAGIC_TYPE": "httpd/unix-directory",
    "REQUEST_NO_BODY": 0, "REQUEST_CHUNKED_ERROR": 1,
    "REQUEST_CHUNKED_DECHUNK": 2,
    "AP_CONN_UNKNOWN": 0, "AP_CONN_CLOSE": 1, "AP_CONN_KEEPALIVE": 2,
    "APR_NOFILE": 0, "APR_REG": 1, "APR_DIR": 2, "APR_CHR": 3, "APR_BLK": 4,
    "APR_PIPE": 5, "APR_LNK": 6, "APR_SOCK": 7, "APR_UNKFILE": 127,
    "APR_FINFO_LINK": 0x1, "APR_FINFO_MTIME": 0x10, "APR_FINFO_CTIME": 0x20,
    "APR_FINFO_ATIME": 0x40, "APR_FINFO_SIZE": 0x100,
    "APR_FINFO_CSIZE": 0x200, "APR_FINFO_DEV": 0x1000,
    "APR_FINFO_INODE": 0x2000, "APR_FINFO_NLINK": 0x4000,
    "APR_FINFO_TYPE": 0x8000, "APR_FINFO_USER": 0x10000,
    "APR_FINFO_GROUP": 0x20000, "APR_FINFO_UPROT": 0x100000,
    "APR_FINFO_GPROT": 0x200000, "APR_FINFO_WPROT": 0x400000,
    "APR_FINFO_ICASE": 0x1000000, "APR_FINFO_NAME": 0x2000000,
    "APR_FINFO_MIN": 0x8170, "APR_FINFO_IDENT": 0x3000,
    "APR_FINFO_OWNER": 0x30000, "APR_FINFO_PROT": 0x700000,
    "APR_FINFO_NORM": 0x73b170, "APR_FINFO_DIRENT": 0x2000000,
}

# The spec rows and the names each one covers.
ROWS = {
    "APA-OK": ["OK"], "APA-DECLINED": ["DECLINED"], "APA-DONE": ["DONE"],
    "APA-REQ_PROCEED": ["REQ_PROCEED"], "APA-REQ_NOACTION": ["REQ_NOACTION"],
    "APA-REQ_ABORTED": ["REQ_ABORTED"], "APA-REQ_EXIT": ["REQ_EXIT"],
    "APA-APLOG_NOERRNO": ["APLOG_NOERRNO"],
    "APA-REMOTE": [n for n in EXPECTED if n.startswith("REMOTE_")],
    "APA-FINFO": [n for n in EXPECTED if n.startswith("FINFO_")],
    "APA-URI": [n for n in EXPECTED if n.startswith("URI_")],
    "APA-PROXYREQ": [n for n in EXPECTED if n.startswith("PROXYREQ_")],
    "APA-M": [n for n in EXPECTED if n.startswith("M_")],
    "APA-AP_REQ": [n for n in EXPECTED if n.startswith("AP_REQ_")],
    "APA-AP_MPMQ-results": ["AP_MPMQ_NOT_SUPPORTED", "AP_MPMQ_STATIC",
                            "AP_MPMQ_DYNAMIC"],
    "APA-AP_MPMQ-codes": [n for n in EXPECTED if n.startswith("AP_MPMQ_")
                          and n not in ("AP_MPMQ_NOT_SUPPORTED",
                                        "AP_MPMQ_STATIC",
                                        "AP_MPMQ_DYNAMIC")],
    "APA-MAGIC_TYPE": [n for n in EXPECTED if n.endswith(("MAGIC_TYPE",
                                                           "MAGIC_TYPE3"))],
    "APA-REQUEST_BODY": [n for n in EXPECTED if n.startswith("REQUEST_")],
    "APA-AP_CONN": [n for n in EXPECTED if n.startswith("AP_CONN_")],
    "APA-APR_FILETYPE": ["APR_NOFILE", "APR_REG", "APR_DIR", "APR_CHR",
                         "APR_BLK", "APR_PIPE", "APR_LNK", "APR_SOCK",
                         "APR_UNKFILE"],
    "APA-APR_FINFO": [n for n in EXPECTED if n.startswith("APR_FINFO_")],
}
# One row per HTTP_* and APLOG_* name: APA-HTTP_OK, APA-APLOG_ERR, ...
ROWS.update({"APA-" + n: [n] for n in EXPECTED
             if n.startswith(("HTTP_", "APLOG_")) and n != "APLOG_NOERRNO"})


def test_constants_every_name_and_value(apache):
    """Every constant of mod_python.apache has its documented value, and
    the module has no other upper-case constants (APA-OK, APA-DECLINED,
    APA-DONE, APA-REQ_PROCEED, APA-REQ_NOACTION, APA-REQ_ABORTED,
    APA-REQ_EXIT, APA-REMOTE, APA-FINFO, APA-URI, APA-PROXYREQ, APA-M,
    APA-AP_REQ, APA-AP_MPMQ-results, APA-AP_MPMQ-codes, APA-MAGIC_TYPE,
    APA-REQUEST_BODY, APA-AP_CONN, APA-APR_FILETYPE, APA-APR_FINFO,
    APA-APLOG_NOERRNO, and each row of an HTTP status or log level:
    APA-HTTP_CONTINUE, APA-HTTP_SWITCHING_PROTOCOLS, APA-HTTP_PROCESSING,
    APA-HTTP_OK, APA-HTTP_CREATED, APA-HTTP_ACCEPTED,
    APA-HTTP_NON_AUTHORITATIVE, APA-HTTP_NO_CONTENT,
    APA-HTTP_RESET_CONTENT, APA-HTTP_PARTIAL_CONTENT,
    APA-HTTP_MULTI_STATUS, APA-HTTP_MULTIPLE_CHOICES,
    APA-HTTP_MOVED_PERMANENTLY, APA-HTTP_MOVED_TEMPORARILY,
    APA-HTTP_SEE_OTHER, APA-HTTP_NOT_MODIFIED, APA-HTTP_USE_PROXY,
    APA-HTTP_TEMPORARY_REDIRECT, APA-HTTP_BAD_REQUEST,
    APA-HTTP_UNAUTHORIZED, APA-HTTP_PAYMENT_REQUIRED, APA-HTTP_FORBIDDEN,
    APA-HTTP_NOT_FOUND, APA-HTTP_METHOD_NOT_ALLOWED,
    APA-HTTP_NOT_ACCEPTABLE, APA-HTTP_PROXY_AUTHENTICATION_REQUIRED,
    APA-HTTP_REQUEST_TIME_OUT, APA-HTTP_CONFLICT, APA-HTTP_GONE,
    APA-HTTP_LENGTH_REQUIRED, APA-HTTP_PRECONDITION_FAILED,
    APA-HTTP_REQUEST_ENTITY_TOO_LARGE, APA-HTTP_REQUEST_URI_TOO_LARGE,
    APA-HTTP_UNSUPPORTED_MEDIA_TYPE, APA-HTTP_RANGE_NOT_SATISFIABLE,
    APA-HTTP_EXPECTATION_FAILED, APA-HTTP_IM_A_TEAPOT,
    APA-HTTP_UNPROCESSABLE_ENTITY, APA-HTTP_LOCKED,
    APA-HTTP_FAILED_DEPENDENCY, APA-HTTP_UPGRADE_REQUIRED,
    APA-HTTP_INTERNAL_SERVER_ERROR, APA-HTTP_NOT_IMPLEMENTED,
    APA-HTTP_BAD_GATEWAY, APA-HTTP_SERVICE_UNAVAILABLE,
    APA-HTTP_GATEWAY_TIME_OUT, APA-HTTP_VERSION_NOT_SUPPORTED,
    APA-HTTP_VARIANT_ALSO_VARIES, APA-HTTP_INSUFFICIENT_STORAGE,
    APA-HTTP_NOT_EXTENDED, APA-APLOG_EMERG, APA-APLOG_ALERT,
    APA-APLOG_CRIT, APA-APLOG_ERR, APA-APLOG_WARNING, APA-APLOG_NOTICE,
    APA-APLOG_INFO, APA-APLOG_DEBUG)."""
    got = run(apache, "apache")
    magic = {n: got.pop(n) for n in ("MODULE_MAGIC_NUMBER_MAJOR",
                                     "MODULE_MAGIC_NUMBER_MINOR")}
    assert all(isinstance(v, int) for v in magic.values())
    assert got == EXPECTED
    # The rows cited above are exactly those of ROWS, and each names some
    # of the constants checked.
    cited = re.findall(r"APA-[\w-]*\w",
                       test_constants_every_name_and_value.__doc__)
    assert sorted(cited) == sorted(ROWS)
    assert all(ROWS[row] and set(ROWS[row]) <= set(got) for row in ROWS)


def test_constants_removed_names_are_absent(apache):
    """PROG_TRACEBACK is gone since 3.4 (APA-PROG_TRACEBACK)."""
    assert run(apache, "absent")["PROG_TRACEBACK"] is False


def test_constants_of_capache(apache):
    """_apache holds the connection, file-type and module-magic constants
    that apache copies, and the table type (APC-AP_CONN,
    APC-APR_FILETYPE, APC-MODULE_MAGIC, APA-MODULE_MAGIC, APC-table,
    APA-table, APA-make_table, APA-AP_CONN, APA-APR_FILETYPE)."""
    d = run(apache, "capache")
    header = Path("/usr/include/apache2/ap_mmn.h")
    magic = {}
    if header.exists():
        for m in re.finditer(r"#define (MODULE_MAGIC_NUMBER_M\w+) (\d+)",
                             header.read_text()):
            magic[m.group(1)] = int(m.group(2))
    values = d["values"]
    assert {k: v for k, v in values.items()
            if not k.startswith("MODULE_")} == {
        "AP_CONN_UNKNOWN": 0, "AP_CONN_CLOSE": 1, "AP_CONN_KEEPALIVE": 2,
        "APR_NOFILE": 0, "APR_REG": 1, "APR_DIR": 2, "APR_CHR": 3,
        "APR_BLK": 4, "APR_PIPE": 5, "APR_LNK": 6, "APR_SOCK": 7,
        "APR_UNKFILE": 127}
    # Built against httpd 2.4: the 2.4 API number or later.
    assert values["MODULE_MAGIC_NUMBER_MAJOR"] >= 20111130
    if magic:
        assert values["MODULE_MAGIC_NUMBER_MAJOR"] == \
            magic["MODULE_MAGIC_NUMBER_MAJOR"]
        assert values["MODULE_MAGIC_NUMBER_MINOR"] == \
            magic["MODULE_MAGIC_NUMBER_MINOR"]
    assert d["same_in_apache"] is True
    assert d["table"] == (True, "<class 'mp_table'>", True)
    assert d["conn_keepalive"] is True


@pytest.mark.log_expected(r"constants-log ")
def test_constants_log_error(apache):
    """apache.log_error is _apache.log_error: default and EMERG are ERR;
    without a server it writes to the main log filtered by httpd's
    start-up level (NOTICE passes, INFO does not); with a server that
    server's LogLevel applies; None logs nothing; a non-server is a
    TypeError (APA-log_error, APC-log_error, OBJ-positional)."""
    tag = "t%d" % (time.time() * 1000)
    d = run(apache, "log-error?" + tag)
    assert d == {"same": True, "bad_server": "TypeError",
                 "keyword": "TypeError", "bytes": "TypeError"}
    time.sleep(0.3)
    lines = [ln for ln in apache.error_log().splitlines()
             if "constants-log %s " % tag in ln]
    found = {ln.rsplit(" ", 1)[1]: re.search(r"\[python:(\w+)\]", ln)
             and re.search(r"\[python:(\w+)\]", ln).group(1) for ln in lines}
    assert found == {"default": "error", "notice": "notice",
                     "emerg": "error", "server-info": "info",
                     "c-warning": "warn"}
    # Only the messages with a server carry no client: all are server-level.
    assert not any("[client " in ln for ln in lines)


def test_constants_nullio(apache):
    """NullIO reads nothing and swallows writes (APA-NullIO)."""
    assert run(apache, "nullio") == {
        "tell": 0, "read": "", "read_n": "", "readline": "",
        "readlines": [], "write": None, "writelines": None, "isatty": 0,
        "flush": None, "close": None, "detach": None, "seek": None}
