"""Handlers of the session suite: /session/<store>/<action>?... runs
a_<action>(req, q) with a session made by Session() from that Location's
options, and answers JSON."""
import json
import os
import time
from urllib.parse import parse_qs

from mod_python import apache, Session


def handler(req):
    parts = req.uri.split("/")
    q = {k: v[0] for k, v in parse_qs(req.args or "",
                                      keep_blank_values=True).items()}
    return globals()["a_" + parts[3]](req, q)


def answer(req, data):
    data.setdefault("pid", os.getpid())
    req.content_type = "application/json"
    req.write(json.dumps(data))
    return apache.OK


def make(req, q, **kw):
    if "timeout" in q:
        kw["timeout"] = int(q["timeout"])
    if "secret" in q:
        kw["secret"] = q["secret"]
    if "sid" in q:
        kw["sid"] = q["sid"]
    return Session.Session(req, **kw)


def describe(sess, **more):
    d = {"id": sess.id(), "new": sess.is_new(),
         "class": type(sess).__name__, "created": sess.created(),
         "accessed": sess.last_accessed(), "timeout": sess.timeout(),
         "data": dict(sess)}
    d.update(more)
    return d


def a_incr(req, q):
    sess = make(req, q)
    sess["n"] = sess.get("n", 0) + 1
    if "set_timeout" in q:
        sess.set_timeout(int(q["set_timeout"]))
    sess.save()
    return answer(req, describe(sess))


def a_peek(req, q):
    """Look without saving."""
    sess = make(req, q)
    return answer(req, describe(sess))


def a_add(req, q):
    """Append q['key'] to a list, slowly: a concurrent request on the same
    session must wait for the lock or lose its write."""
    sess = make(req, q)
    keys = sess.get("keys", [])
    time.sleep(float(q.get("sleep", "0")))
    keys.append(q["key"])
    sess["keys"] = keys
    sess.save()
    return answer(req, describe(sess))


def a_invalidate(req, q):
    sess = make(req, q)
    sess.invalidate()
    sess["after"] = 1
    sess.save()                 # a no-op once invalidated
    return answer(req, describe(sess))


def a_badsid(req, q):
    """An invalid sid from the caller raises ValueError."""
    try:
        Session.Session(req, sid=q["sid"])
    except ValueError as e:
        return answer(req, {"error": "ValueError", "message": str(e)})
    return answer(req, {"error": None})


def a_cleanup(req, q):
    """Run the store's cleanup (normally 1 in CLEANUP_CHANCE)."""
    sess = make(req, q)
    sess.cleanup()
    return answer(req, describe(sess))


def a_stored(req, q):
    """Is the record of q['sid'] still in the store (not loading it)?"""
    sess = make(req, q, lock=0)
    sid = q["probe"]
    if isinstance(sess, Session.DbmSession):
        db = sess._get_dbm()
        try:
            found = sid.encode() in db
        finally:
            db.close()
    elif isinstance(sess, Session.FileSession):
        found = os.path.exists(os.path.join(sess._sessdir, sid[:2], sid))
    else:
        found = sid in Session.MemorySession.sdict
    return answer(req, {"found": found})


def a_lockcheck(req, q):
    """While this request holds its session lock, can the sid's mutex be
    taken by another thread (trylock must fail)?  The holder itself may
    take it again: the mutexes count their holder's locks."""
    import _apache
    import threading

    def try_elsewhere():
        got = []

        def attempt():
            ok = _apache._global_trylock(req.server, sess.id())
            if ok:
                _apache._global_unlock(req.server, sess.id())
            got.append(ok)
        thread = threading.Thread(target=attempt)
        thread.start()
        thread.join()
        return got[0]

    sess = make(req, q)
    busy = not try_elsewhere()
    sess.lock()                 # already held: must not wait for itself
    sess.unlock()
    free = try_elsewhere()
    return answer(req, {"busy_while_locked": busy, "free_after": free})


def a_helpers(req, q):
    """Module constants and helpers."""
    out = {}
    for v in ["yes", "TRUE", "1", 1, True, "no", "False", "0", 0, None,
              False, "maybe", "On", "off"]:
        try:
            out[repr(v)] = Session.true_or_false(v)
        except Exception as e:
            out[repr(v)] = type(e).__name__
    return answer(req, {
        "tof": out, "md5": Session.md5_hash("spam"),
        "const": [Session.COOKIE_NAME, Session.DFT_TIMEOUT,
                  Session.DFT_LOCK, Session.CLEANUP_CHANCE,
                  Session.DFT_FAST_CLEANUP, Session.DFT_VERIFY_CLEANUP,
                  Session.DFT_GRACE_PERIOD, Session.DFT_CLEANUP_TIME_LIMIT,
                  Session.FS_STAT_VERSION],
        "tempdir": Session.tempdir})


def a_direct(req, q):
    """The classes called directly with their own keyword arguments."""
    import dbm.dumb
    path = os.path.join(q["dir"], "direct")
    sess = Session.DbmSession(req, dbm=path, dbmtype=dbm.dumb, timeout=77)
    sess["x"] = 1
    sess.save()
    again = Session.DbmSession(req, dbm=path, dbmtype=dbm.dumb,
                               sid=sess.id(), lock=0)
    fs = Session.FileSession(req, fast_cleanup=0, verify_cleanup=0)
    return answer(req, {"dbm": describe(again),
                        "dbmtype": again._dbmtype.__name__,
                        "fs": [fs._fast_cleanup, fs._verify_cleanup,
                               fs._grace_period, fs._cleanup_time_limit]})
