"""Handlers of the objects suite: /objects/<name> runs t_<name>(req)."""
import ctypes
import json
import os

from mod_python import apache

# A connection object kept past its request (t_stale).
kept = {}


def handler(req):
    name = req.uri.split("/")[2].replace("-", "_")
    return globals()["t_" + name](req)


def send_json(req, obj):
    req.content_type = "application/json"
    req.write(json.dumps(obj))
    return apache.OK


def error_of(func, *args, **kw):
    try:
        func(*args, **kw)
    except Exception as exc:
        return [type(exc).__name__, str(exc)]
    return None


def pointer(capsule):
    get = ctypes.pythonapi.PyCapsule_GetPointer
    get.restype = ctypes.c_void_p
    get.argtypes = [ctypes.py_object, ctypes.c_char_p]
    return get(capsule, None)


# ---- connection object ----

def t_conn(req):
    c = req.connection
    return send_json(req, {
        "type": str(type(c)),
        "local_addr": c.local_addr, "client_addr": c.client_addr,
        "client_ip": c.client_ip, "local_ip": c.local_ip,
        "local_host": c.local_host, "remote_host": c.remote_host,
        "remote_logname": c.remote_logname, "aborted": c.aborted,
        "keepalive": c.keepalive, "double_reverse": c.double_reverse,
        "keepalives": c.keepalives, "id": c.id,
        "notes": str(type(c.notes)), "hlist": c.hlist,
        "base_server": c.base_server.server_hostname,
        "base_server_virtual": c.base_server.is_virtual,
        "base_server_cached": c.base_server is c.base_server,
        "server": req.server.server_hostname,
        "conn_rec": type(c._conn_rec).__name__,
        "conn_rec_pointer": pointer(c._conn_rec),
        "same_object": req.connection is c,
        "pid": os.getpid(),
    })


def t_conn_deprecated(req):
    c = req.connection
    return send_json(req, {
        "remote_addr": c.remote_addr, "client_addr": c.client_addr,
        "remote_ip": c.remote_ip, "client_ip": c.client_ip,
    })


def t_conn_lookup(req):
    c = req.connection
    before = [c.remote_host, c.double_reverse]
    name = req.get_remote_host(apache.REMOTE_DOUBLE_REV)
    return send_json(req, {"before": before, "name": name,
                           "after": [c.remote_host, c.double_reverse]})


def t_conn_setattr(req):
    c = req.connection

    def assign(name, value):
        setattr(c, name, value)

    out = {
        "del_attr": error_of(delattr, c, "local_ip"),
        "del_keepalive": error_of(delattr, c, "keepalive"),
        "del_unknown": error_of(delattr, c, "no_such"),
        "set_readonly": error_of(assign, "local_ip", "1.2.3.4"),
        "set_unknown": error_of(assign, "no_such", 1),
        "keepalive_str": error_of(assign, "keepalive", "2"),
        "keepalive_float": error_of(assign, "keepalive", 2.0),
        "local_ip_after": c.local_ip,
    }
    if req.args == "close":
        c.keepalive = apache.AP_CONN_CLOSE
        out["keepalive_after"] = c.keepalive
    return send_json(req, out)


def t_notes(req):
    notes = req.connection.notes
    seen = notes.get("objects_conn_note")
    if req.args:
        notes["objects_conn_note"] = req.args
    return send_json(req, {"seen": seen, "client_addr":
                           req.connection.client_addr,
                           "keepalives": req.connection.keepalives,
                           "conn_rec_pointer":
                           pointer(req.connection._conn_rec)})


def t_conn_log(req):
    c = req.connection
    token = req.args
    c.log_error("objects-conn-log %s default" % token)
    c.log_error("objects-conn-log %s warning" % token, apache.APLOG_WARNING)
    c.log_error("objects-conn-log %s debug" % token, apache.APLOG_DEBUG)
    c.log_error(None)
    return send_json(req, {
        "client_addr": c.client_addr,
        "bad_level": error_of(c.log_error, "x", "high"),
        "bad_message": error_of(c.log_error, 42),
    })


def t_stale(req):
    if req.args == "keep":
        kept["conn"] = req.connection
        kept["server"] = req.server
        return send_json(req, "kept")
    conn = kept.pop("conn", None)
    server = kept.pop("server", None)
    return send_json(req, {
        "conn": error_of(getattr, conn, "local_ip") if conn else "none",
        "conn_read": error_of(conn.read) if conn else "none",
        "server": server.server_hostname if server else "none",
    })


def t_slowbody(req):
    req.write("ready;")
    req.flush()
    data = req.read()
    req.write("id=%d;pid=%d;body=%s;" % (req.connection.id, os.getpid(),
                                         data.decode()))
    return apache.OK


def t_pid(req):
    req.content_type = "text/plain"
    req.write("pid=%d;" % os.getpid())
    return apache.OK


# ---- server object ----

SERVER_ATTRS = (
    "defn_name", "defn_line_number", "server_admin", "server_hostname",
    "port", "error_fname", "loglevel", "is_virtual", "timeout",
    "keep_alive_timeout", "keep_alive_max", "keep_alive", "path", "pathlen",
    "names", "wild_names", "limit_req_line", "limit_req_fieldsize",
    "limit_req_fields", "my_generation", "restart_time")


def describe(server):
    out = {name: getattr(server, name) for name in SERVER_ATTRS}
    out["type"] = str(type(server))
    out["server_rec"] = type(server._server_rec).__name__
    out["server_rec_pointer"] = pointer(server._server_rec)
    return out


def t_server(req):
    s = req.server
    chain = []
    walk = apache.main_server
    while walk is not None:
        chain.append(walk.server_hostname)
        walk = walk.next
    return send_json(req, {
        "server": describe(s),
        "main": describe(apache.main_server),
        "base": describe(req.connection.base_server),
        "chain": chain,
        "next_cached": apache.main_server.next is apache.main_server.next,
        "set_readonly": error_of(setattr, s, "port", 1),
        "del_readonly": error_of(delattr, s, "timeout"),
        "pid": os.getpid(),
    })


def t_server_log(req):
    token = req.args
    s = req.server
    s.log_error("objects-srv-log %s warning" % token, apache.APLOG_WARNING)
    s.log_error("objects-srv-log %s info" % token, apache.APLOG_INFO)
    s.log_error("objects-srv-log %s default" % token)
    s.log_error(None)
    return send_json(req, {
        "bad_level": error_of(s.log_error, "x", "high"),
        "keyword": error_of(s.log_error, message="x"),
    })


def t_generation(req):
    return send_json(req, {"generation": req.server.my_generation,
                           "restart_time": req.server.restart_time,
                           "pid": os.getpid()})


# ---- conventions shared by all objects (OBJ-*) ----

def t_types(req):
    c, s, t, h = req.connection, req.server, req.headers_in, req.hlist
    out = {"names": [str(type(x)) for x in (req, c, s, t, h)]}
    out["instantiate"] = {type(x).__name__: error_of(type(x))
                          for x in (req, c, s, h)}
    out["table_new"] = str(type(apache.table()))
    subclass = {}
    for x in (req, c, s, t, h):
        try:
            type("Sub", (type(x),), {})
            subclass[type(x).__name__] = "ok"
        except TypeError as exc:
            subclass[type(x).__name__] = str(exc)
    out["subclass"] = subclass
    req.objects_attr = 1
    s.objects_attr = 2
    out["dict"] = {
        "mp_request": [req.objects_attr, "objects_attr" in req.__dict__],
        "mp_server": [s.objects_attr, "objects_attr" in s.__dict__],
        "mp_conn": error_of(setattr, c, "objects_attr", 3),
        "mp_hlist": error_of(setattr, h, "objects_attr", 4),
        "mp_table": error_of(setattr, t, "objects_attr", 5),
    }
    del s.objects_attr
    out["server_dict_after_del"] = hasattr(s, "objects_attr")
    return send_json(req, out)


def t_positional(req):
    c, s = req.connection, req.server
    return send_json(req, {
        "req.write": error_of(req.write, "x", flush=0),
        "req.log_error": error_of(req.log_error, message="x"),
        "req.get_remote_host": error_of(req.get_remote_host, type=0),
        "conn.read": error_of(c.read, length=5),
        "conn.readline": error_of(c.readline, length=5),
        "conn.write": error_of(c.write, data=b"x"),
        "conn.log_error": error_of(c.log_error, message="x"),
        "server.log_error": error_of(s.log_error, message="x"),
        "server.register_cleanup": error_of(s.register_cleanup, req=req,
                                            callable=print),
        "apache.log_error": error_of(apache.log_error, message="x"),
        "apache.exists_config_define": error_of(apache.exists_config_define,
                                                name="x"),
        "apache.server_root": error_of(apache.server_root, x=1),
    })


def t_live(req):
    req.notes["objects_note"] = "noted-" + req.args
    req.headers_in["X-Objects-In"] = "in-" + req.args
    req.subprocess_env["OBJECTS_ENV"] = "env-" + req.args
    req.headers_out["X-Objects-Out"] = "out-" + req.args
    return send_json(req, "set")
