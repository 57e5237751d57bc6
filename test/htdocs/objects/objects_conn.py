"""Connection handler of the objects suite.  The first line the client
sends names the command: c_<command>(conn, *words)."""
import hashlib
import json
import os

from mod_python import apache


def connectionhandler(conn):
    words = conn.readline().split()
    globals()["c_" + words[0].decode()](conn, *words[1:])
    return apache.OK


def reply(conn, obj):
    conn.write(json.dumps(obj).encode() + b"\n")


def show(data):
    """What a read returned: None, or [length, sha256]."""
    if data is None:
        return None
    return [type(data).__name__, len(data), hashlib.sha256(data).hexdigest()]


def c_attrs(conn):
    reply(conn, {
        "type": str(type(conn)),
        "hlist": [str(type(conn.hlist)), conn.hlist.handler],
        "base_server": conn.base_server.server_hostname,
        "interpreter": apache.interpreter,
        "local_addr": conn.local_addr, "client_addr": conn.client_addr,
        "keepalive": conn.keepalive, "keepalives": conn.keepalives,
        "notes": str(type(conn.notes)),
    })


def c_reads(conn):
    # With length: at most that many bytes; none: one chunk of at most
    # 8 KB; -1: everything until the peer closes; then None.
    first = conn.read(100)
    second = conn.read()
    rest = conn.read(-1)
    after = [conn.read(), conn.readline(), conn.read(-1), conn.read(10),
             conn.readline(10)]
    reply(conn, {"first": show(first), "second": show(second),
                 "rest": show(rest),
                 "all": show(first + second + rest),
                 "after": after})


def c_lines(conn):
    out = [show(conn.readline(4)), show(conn.readline()),
           show(conn.readline(100)), show(conn.readline(5000)),
           show(conn.readline(30000)), show(conn.readline(10)),
           show(conn.readline(10)), show(conn.readline())]
    reply(conn, out)


def c_slowread(conn):
    conn.write(b"pid=%d;" % os.getpid())
    data = conn.read(5)
    conn.write(b"got=" + data + b";")


def c_readerr(conn):
    conn.write(b"reading\n")
    try:
        conn.read(-1)
        outcome = "no error"
    except OSError as exc:
        outcome = "%s: %s" % (type(exc).__name__, exc)
    # Writing to the reset connection fails quietly and marks it aborted.
    wrote = []
    for _ in range(3):
        try:
            conn.write(b"x" * 100000)
            wrote.append("ok")
        except Exception as exc:
            wrote.append(repr(exc))
    conn.log_error("objects-readerr %s; writes %s; aborted=%d"
                   % (outcome, wrote, conn.aborted), apache.APLOG_WARNING)
