"""Handlers of the constants suite: /constants/<name> runs t_<name>(req)
and sends back the repr() of what it returns."""
import _apache
from mod_python import apache


def handler(req):
    name = req.uri.split("/")[2].replace("-", "_")
    result = globals()["t_" + name](req)
    req.content_type = "text/plain"
    req.write(repr(result))
    return apache.OK


def catch(fn, *args, **kw):
    try:
        return ("ok", fn(*args, **kw))
    except Exception as e:
        return (type(e).__name__, str(e))


def t_apache(req):
    """Every upper-case int or str constant of mod_python.apache."""
    return {name: value for name, value in vars(apache).items()
            if name.isupper() and type(value) in (int, str)}


def t_absent(req):
    return {name: hasattr(apache, name) for name in (
        "PROG_TRACEBACK", "allow_methods", "exists_config", "parse_qs",
        "parse_qsl", "modules_graph")}


def t_capache(req):
    names = ["AP_CONN_UNKNOWN", "AP_CONN_CLOSE", "AP_CONN_KEEPALIVE",
             "APR_NOFILE", "APR_REG", "APR_DIR", "APR_CHR", "APR_BLK",
             "APR_PIPE", "APR_LNK", "APR_SOCK", "APR_UNKFILE",
             "MODULE_MAGIC_NUMBER_MAJOR", "MODULE_MAGIC_NUMBER_MINOR"]
    return {
        "values": {n: getattr(_apache, n) for n in names},
        "same_in_apache": all(getattr(apache, n) is getattr(_apache, n)
                              for n in names),
        "table": (apache.table is _apache.table, str(_apache.table),
                  apache.make_table is _apache.table),
        "conn_keepalive": req.connection.keepalive in (
            apache.AP_CONN_UNKNOWN, apache.AP_CONN_CLOSE,
            apache.AP_CONN_KEEPALIVE),
    }


def t_log_error(req):
    tag = req.args
    apache.log_error("constants-log %s default" % tag)
    apache.log_error("constants-log %s notice" % tag, apache.APLOG_NOTICE)
    apache.log_error("constants-log %s info" % tag, apache.APLOG_INFO)
    apache.log_error("constants-log %s emerg" % tag, apache.APLOG_EMERG)
    apache.log_error("constants-log %s server-info" % tag, apache.APLOG_INFO,
                     req.server)
    apache.log_error("constants-log %s server-debug" % tag,
                     apache.APLOG_DEBUG, req.server)
    _apache.log_error("constants-log %s c-warning" % tag,
                      apache.APLOG_WARNING, None)
    apache.log_error(None)
    apache.log_error(None, apache.APLOG_ERR, req.server)
    return {
        "same": apache.log_error is _apache.log_error,
        "bad_server": catch(apache.log_error, "x", apache.APLOG_ERR,
                            req.connection)[0],
        "keyword": catch(apache.log_error, message="x")[0],
        "bytes": catch(apache.log_error, b"x")[0],
    }


def t_nullio(req):
    f = apache.NullIO()
    return {
        "tell": f.tell(), "read": f.read(), "read_n": f.read(5),
        "readline": f.readline(), "readlines": f.readlines(),
        "write": f.write("x"), "writelines": f.writelines(["a", "b"]),
        "isatty": f.isatty(), "flush": f.flush(), "close": f.close(),
        "detach": f.detach(), "seek": f.seek(0),
    }
