"""Handlers of the redis_session tests: /redis_session/.../<action>?...
runs a_<action>(req, q) with a session made by Session() from that
Location's options (session_type RedisSession), and answers JSON.  Two
servers run these against one redis-server; test_redis_session.py
writes their configuration (no suite.conf: the shared server has no
Redis)."""
import json
import os
import time
from urllib.parse import parse_qs

from mod_python import apache, Session


def handler(req):
    action = req.uri.rstrip("/").rsplit("/", 1)[1]
    q = {k: v[0] for k, v in parse_qs(req.args or "",
                                      keep_blank_values=True).items()}
    return globals()["a_" + action](req, q)


def answer(req, sess, **more):
    data = {"id": sess.id(), "new": sess.is_new(),
            "class": type(sess).__name__, "timeout": sess.timeout(),
            "data": dict(sess), "pid": os.getpid(),
            "server": req.get_options().get("redis_session.name")}
    data.update(more)
    req.content_type = "application/json"
    req.write(json.dumps(data))
    return apache.OK


def make(req, q):
    kw = {}
    if "timeout" in q:
        kw["timeout"] = int(q["timeout"])
    return Session.Session(req, **kw)


def a_incr(req, q):
    """n += 1, slowly: without a lock across hosts, concurrent requests
    would read the same n and lose increments."""
    sess = make(req, q)
    n = sess.get("n", 0)
    time.sleep(float(q.get("sleep", "0")))
    sess["n"] = n + 1
    sess.save()
    return answer(req, sess)


def a_peek(req, q):
    return answer(req, make(req, q))


def a_hold(req, q):
    """Keep the session (and its lock) for q['sleep'] seconds."""
    sess = make(req, q)
    time.sleep(float(q["sleep"]))
    return answer(req, sess)


def a_steal(req, q):
    """Let another holder take over our lock (as after our lock timed
    out), then unlock: the other holder's lock must stay."""
    sess = make(req, q)
    key = sess._lock_key
    sess._redis.set(key, "someone-else")
    sess.unlock()
    left = sess._redis.get(key)
    sess._redis.delete(key)
    return answer(req, sess, key=key,
                  left=left.decode() if left is not None else None)


def a_lockstate(req, q):
    """While the session is held: its lock key and token."""
    sess = make(req, q)
    held = sess._redis.get(sess._lock_key)
    return answer(req, sess, key=sess._lock_key,
                  held=held.decode() if held is not None else None,
                  mine=held is not None and held.decode() == sess._lock_token)


def a_nolock(req, q):
    """RedisSession built directly, with lock=0: no lock key is taken."""
    sess = Session.RedisSession(req, lock=0)
    sess["direct"] = 1
    sess.save()
    return answer(req, sess, key=sess._prefix + sess.id() + ":lock",
                  locked=bool(sess._locked),
                  lock_timeout_ms=sess._lock_ms,
                  defaults=[Session.DFT_REDIS_HOST, Session.DFT_REDIS_PORT,
                            Session.DFT_REDIS_DB, Session.DFT_REDIS_PREFIX,
                            Session.DFT_REDIS_LOCK_TIMEOUT])


def a_modules(req, q):
    """Another store in an interpreter of its own: redis-py stays out."""
    import sys
    sess = make(req, q)
    return answer(req, sess, redis_loaded="redis" in sys.modules)


def a_twice(req, q):
    """A second session object on the same sid in the same request: it
    does not wait on the first one's lock; the lock goes when both are
    unlocked."""
    first = make(req, q)
    first.save()
    start = time.time()
    second = Session.Session(req, sid=first.id())
    waited = time.time() - start
    second.unlock()
    after_one = first._redis.get(first._lock_key) is not None
    first.unlock()
    after_both = first._redis.get(first._lock_key) is not None
    return answer(req, first, waited=waited, same=second.id() == first.id(),
                  after_one=after_one, after_both=after_both)
