"""mod_python.testhandler: a page describing the mod_python setup
(other-handlers.md section 3).

    <Location /mpinfo>
        SetHandler mod_python
        PythonHandler mod_python.testhandler
        Require ip 127.0.0.1
    </Location>

The page shows the Apache and Python versions, paths, the request's
headers, environment, configuration and options, the server's, and the
whole configuration tree; ``?view_log=1`` shows the end of the error log.
It discloses a lot: never make it public.  Unlike the original, every
value is HTML-escaped.
"""

import os
import sys
from html import escape
from urllib.parse import parse_qs

from mod_python import apache

LOG_LINES = 100


class bounded_buffer:
    """The last `size` items appended (a ring buffer)."""

    def __init__(self, size):
        self.size = size
        self.buffer = [None] * size
        self.count = 0

    def append(self, item):
        self.buffer[self.count % self.size] = item
        self.count += 1

    def items(self):
        if self.count <= self.size:
            return self.buffer[:self.count]
        start = self.count % self.size
        return self.buffer[start:] + self.buffer[:start]

    def __iter__(self):
        return iter(self.items())


def write_table(req, table):
    """A two-column HTML table of a mapping's items."""
    req.write('<table border="1" cellpadding="3">\n')
    for key, value in table.items():
        req.write("<tr><td>%s</td><td>%s</td></tr>\n"
                  % (escape(str(key)), escape(str(value))))
    req.write("</table>\n")


def write_tree(req, tree, level):
    """apache.config_tree() as indented text: a (directive, args) pair per
    line, a nested list for a section's contents."""
    for entry in tree:
        if isinstance(entry, list):
            write_tree(req, entry, level + 1)
        else:
            directive, args = entry
            req.write(escape("%s%s %s\n" % ("  " * level, directive,
                                              args or "")))


def _form(req):
    try:
        from mod_python import util
        return util.FieldStorage(req)
    except ImportError:
        return {k: v[0] for k, v in parse_qs(req.args or "").items()}


def _error_log(req):
    name = req.server.error_fname
    if not name or name.startswith(("|", "syslog")):
        return None
    if not os.path.isabs(name):
        name = os.path.join(apache.server_root(), name)
    return name


def _available(module_name):
    try:
        __import__(module_name)
        return "yes"
    except Exception as exc:
        return "no (%s: %s)" % (type(exc).__name__, exc)


def _mpm(query_on, query_limit, what):
    if apache.mpm_query(query_on):
        return "yes, max %s %d" % (what, apache.mpm_query(query_limit))
    return "no"


def _view_log(req):
    req.content_type = "text/plain"
    name = _error_log(req)
    if name is None:
        req.write("The error log is not a file.\n")
        return apache.OK
    lines = bounded_buffer(LOG_LINES)
    with open(name, encoding="utf-8", errors="replace") as f:
        for line in f:
            lines.append(line)
    for line in lines:
        req.write(line)
    return apache.OK


def handler(req):
    req.form = _form(req)
    if req.form.get("view_log", None):
        return _view_log(req)

    req.add_common_vars()
    req.content_type = "text/html"
    req.write("<html><head><title>mod_python test page</title></head>"
              "<body>\n<h3>General information</h3>\n")
    log = _error_log(req)
    rows = [
        ("Apache version", req.subprocess_env.get("SERVER_SOFTWARE")),
        ("Apache threaded MPM", _mpm(apache.AP_MPMQ_IS_THREADED,
                                     apache.AP_MPMQ_MAX_THREADS,
                                     "threads")),
        ("Apache forked MPM", _mpm(apache.AP_MPMQ_IS_FORKED,
                                   apache.AP_MPMQ_MAX_DAEMONS, "daemons")),
        ("Server root", apache.server_root()),
        ("Document root", req.document_root()),
        ("Error log", log),
        ("Python sys.version", sys.version),
        ("Python sys.path", "\n".join(sys.path)),
        ("Python interpreter name", req.interpreter),
        ("mod_python.publisher available",
         _available("mod_python.publisher")),
        ("mod_python.psp available", _available("mod_python.psp")),
    ]
    req.write('<table border="1" cellpadding="3">\n')
    for label, value in rows:
        value = escape(str(value))
        if label == "Error log" and log is not None:
            value += ' (<a href="?view_log=1">view the last %d lines</a>)' \
                % LOG_LINES
        req.write("<tr><td>%s</td><td><pre>%s</pre></td></tr>\n"
                  % (escape(label), value))
    req.write("</table>\n")
    for title, table in (
            ("Request input headers", req.headers_in),
            ("Request environment", req.subprocess_env),
            ("Request configuration", req.get_config()),
            ("Request options", req.get_options()),
            ("Request notes", req.notes),
            ("Server configuration", req.server.get_config()),
            ("Server options", req.server.get_options())):
        req.write("<h3>%s</h3>\n" % title)
        write_table(req, table)
    req.write("<h3>Server configuration tree</h3>\n<pre>")
    write_tree(req, apache.config_tree(), 0)
    req.write("</pre>\n</body></html>\n")
    return apache.OK
