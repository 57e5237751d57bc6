"""The seeds' motivation, measured (SEED-benefit-speed,
SEED-benefit-persistence): a page running one small query, keeping its
database connection in a module global between requests.

`handler` is the PythonHandler case (pg-handler), `hello` the function
mod_python.publisher publishes (pg-publisher).  A psycopg2 connection must
not be used by two threads at once, and the event MPM runs requests on
many threads of one process: each thread keeps a connection of its own.
The connection string comes from `PythonOption bench.pg.dsn`.
"""
import threading

import psycopg2

from mod_python import apache

_local = threading.local()


def _word(req):
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        conn = psycopg2.connect(req.get_options()["bench.pg.dsn"])
        # One SELECT per request: no transaction to keep open between them.
        conn.autocommit = True
        _local.conn = conn
    with conn.cursor() as cur:
        cur.execute("SELECT word FROM greeting WHERE id = %s", (1,))
        return cur.fetchone()[0]


def handler(req):
    req.content_type = "text/plain"
    req.write(_word(req))
    return apache.OK


def hello(req):
    req.content_type = "text/plain"
    return _word(req)
