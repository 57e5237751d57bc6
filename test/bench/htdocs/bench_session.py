"""A page that loads and saves a session, then answers Hello!

Each client connection (by its port) keeps to one of 64 sessions, so the
stores hold a bounded number of them however many requests run.
"""
from mod_python import apache, Session

sids = {}


def handler(req):
    slot = req.connection.client_addr[1] % 64
    sess = Session.Session(req, sid=sids.get(slot, 0))
    sids[slot] = sess.id()
    sess["hits"] = sess.get("hits", 0) + 1
    sess.save()
    req.content_type = "text/plain"
    req.write("Hello!")
    return apache.OK
