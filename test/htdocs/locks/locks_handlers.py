"""Handlers of the locks suite: /locks/<name>?... runs t_<name>(req) and
answers JSON."""
import json
import os
import threading
import time
from urllib.parse import parse_qs

import _apache
from mod_python import apache


def handler(req):
    name = req.uri.split("/")[2]
    return globals()["t_" + name](req)


def answer(req, data):
    data.setdefault("pid", os.getpid())
    data.setdefault("thread", threading.get_ident())
    req.content_type = "application/json"
    req.write(json.dumps(data))
    return apache.OK


def query(req):
    return {k: v[0] for k, v in parse_qs(req.args or "").items()}


def index_of(q):
    return int(q["index"]) if "index" in q else -1


def caught(func):
    try:
        func()
    except Exception as e:
        return [type(e).__name__, str(e)]
    return None


def t_count(req):
    """Read a counter, wait, write it back plus one: under the lock unless
    mode=none."""
    q = query(req)
    locked = q.get("mode", "lock") == "lock"
    fd = os.open(q["file"], os.O_RDWR)
    try:
        if locked:
            _apache._global_lock(req.server, q["key"], index_of(q))
        try:
            value = int(os.pread(fd, 8, 0) or b"0")
            time.sleep(float(q.get("sleep", "0.03")))
            os.pwrite(fd, b"%08d" % (value + 1), 0)
        finally:
            if locked:
                _apache._global_unlock(req.server, q["key"], index_of(q))
    finally:
        os.close(fd)
    return answer(req, {"seen": value})


def t_hold(req):
    """Hold the lock of `key` for `secs`; a marker file says when."""
    q = query(req)
    marker = q["marker"]
    _apache._global_lock(req.server, q["key"], index_of(q))
    try:
        with open(marker, "w") as f:
            f.write("held")
        time.sleep(float(q.get("secs", "1")))
    finally:
        os.unlink(marker)
        _apache._global_unlock(req.server, q["key"], index_of(q))
    return answer(req, {})


def t_try(req):
    q = query(req)
    got = _apache._global_trylock(req.server, q["key"], index_of(q))
    if got:
        _apache._global_unlock(req.server, q["key"], index_of(q))
    return answer(req, {"acquired": got})


def t_index(req):
    """Lock and unlock one explicit index."""
    q = query(req)
    i = int(q["index"])

    def run():
        _apache._global_lock(req.server, "any key", i)
        _apache._global_unlock(req.server, "any key", i)

    return answer(req, {
        "lock": caught(run),
        "trylock": caught(lambda: _apache._global_trylock(
            req.server, "any key", i)),
        "unlock": caught(lambda: _apache._global_unlock(
            req.server, "any key", i)),
    })


def t_badserver(req):
    return answer(req, {
        "lock": caught(lambda: _apache._global_lock("srv", "k")),
        "trylock": caught(lambda: _apache._global_trylock(None, "k")),
        "unlock": caught(lambda: _apache._global_unlock(req, "k", 1)),
    })


def t_keys(req):
    """Keys of several kinds lock and unlock (str, bytes, other)."""
    out = {}
    for key in ("sid-abc", b"sid-abc", "\u00e9t\u00e9\udcff", 12345):
        def run(key=key):
            _apache._global_lock(req.server, key)
            _apache._global_unlock(req.server, key)
        out[repr(key)] = caught(run)
    main = caught(lambda: (_apache._global_lock(apache.main_server, "m"),
                           _apache._global_unlock(apache.main_server, "m")))
    return answer(req, {"keys": out, "main_server": main})


def t_nested(req):
    """The same mutex taken twice by one request: counted, not a
    deadlock; released by the matching number of unlocks."""
    q = query(req)
    _apache._global_lock(req.server, q["key"])
    _apache._global_lock(req.server, q["key"])
    again = _apache._global_trylock(req.server, q["key"])
    for _ in range(3):
        _apache._global_unlock(req.server, q["key"])
    return answer(req, {"trylock_again": again})
