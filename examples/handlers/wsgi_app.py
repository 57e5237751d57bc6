"""The demo's WSGI application (served under /wsgi by examples/serve.py).

A plain PEP 3333 application: nothing here knows about mod_python.
mod_python.wsgi calls it with the environ built from the request, so the
same file runs under any WSGI server.
"""
import html
from urllib.parse import parse_qs


def application(environ, start_response):
    query = parse_qs(environ.get("QUERY_STRING", ""))
    who = query.get("who", ["WSGI"])[0]
    rows = "".join(
        "<tr><th>%s</th><td><code id=\"%s\">%s</code></td></tr>\n"
        % (key, key, html.escape(str(environ.get(key, ""))))
        for key in ("REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO",
                    "QUERY_STRING", "wsgi.url_scheme"))
    body = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>A WSGI application</title></head>
<body>
<h1>Hello, <span id="who">%s</span>, from a WSGI application</h1>
<table>
%s</table>
<p>Try <a href="/wsgi/some/path?who=you">/wsgi/some/path?who=you</a>.</p>
<p><a href="/">Back to the index</a></p>
</body>
</html>
""" % (html.escape(who), rows)
    data = body.encode("utf-8")
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                              ("Content-Length", str(len(data)))])
    return [data]
