"""The demo's hello handler (served at /hello by examples/serve.py).

Apache imports this module once per process and interpreter, then calls
handler(req) for every request: module-level state, like the counter
below, lives as long as the process does.
"""
import html
import itertools
import os

from mod_python import apache

# next() on an itertools.count is atomic in CPython, so the counter stays
# right when several threads of one process (event or worker MPM) serve
# requests at once.
served = itertools.count(1)


def handler(req):
    count = next(served)
    req.content_type = "text/html; charset=utf-8"
    req.write("""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Hello from mod_python</title></head>
<body>
<h1>Hello from mod_python!</h1>
<p>Python interpreter: <code id="interpreter">%s</code></p>
<p>Apache process <code id="pid">%d</code> has run this handler
<span id="count">%d</span> time(s).</p>
<p><a href="/">Back to the index</a></p>
</body>
</html>
""" % (html.escape(req.interpreter), os.getpid(), count))
    return apache.OK
