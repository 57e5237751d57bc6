#!/usr/bin/env python3
"""A CGI script as people wrote them for years (served at /cgi/greet.py
by examples/serve.py).

It prints its headers and page to standard output and reads its input
from the environment.  mod_python.cgihandler runs it inside Apache,
unchanged, without starting a process per request; it would run as well
under any web server's plain CGI.
"""
import html
import os
from urllib.parse import parse_qs

query = parse_qs(os.environ.get("QUERY_STRING", ""))
name = query.get("name", ["stranger"])[0]

print("Content-Type: text/html; charset=utf-8")
print()
print("<!DOCTYPE html>")
print('<html lang="en"><head><meta charset="utf-8">')
print("<title>A CGI script</title></head><body>")
print('<h1>Hello, <span id="name">%s</span>!</h1>' % html.escape(name))
print("<p>This CGI script ran under mod_python.cgihandler, through the "
      '<code id="gateway">%s</code> interface, for a <code id="method">%s'
      "</code> request.</p>"
      % (html.escape(os.environ.get("GATEWAY_INTERFACE", "")),
         html.escape(os.environ.get("REQUEST_METHOD", ""))))
print('<p>Try <a href="/cgi/greet.py?name=Guido">/cgi/greet.py?name=Guido'
      "</a>.</p>")
print('<p><a href="/">Back to the index</a></p>')
print("</body></html>")
