#!/usr/bin/python3
"""Standard CGI running one small query: every request starts Python,
imports psycopg2, connects to the database and disconnects again, the cost
mod_python's seeds promised to remove (SEED-benefit-speed).

libpq finds the server in PGHOST, PGPORT, PGDATABASE and PGUSER, which the
bench's configuration sets (SetEnv).  bench.py rewrites the #! line to the
Python mod_python was built for.
"""
import sys

import psycopg2

conn = psycopg2.connect("")
try:
    with conn.cursor() as cur:
        cur.execute("SELECT word FROM greeting WHERE id = %s", (1,))
        word = cur.fetchone()[0]
finally:
    conn.close()

sys.stdout.write("Content-Type: text/plain\r\n\r\n" + word)
