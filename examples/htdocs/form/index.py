"""The demo's publisher module (served at /form/ by examples/serve.py).

mod_python.publisher maps the URL to a function of this module (/form/
is index() of index.py, /form/index.py/thanks would be thanks(), had it one) and
passes the form fields as the arguments of the same names.  What a
function returns becomes the page.

Every name of the module not starting with "_" can be reached that way,
strings included: the page templates are _FORM and _RESULT so that
/form/index.py/_FORM is refused (403) rather than shown.
"""
import html

_FORM = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>A published form</title></head>
<body>
<h1>A form handled by mod_python.publisher</h1>
<form method="post" action="/form/">
<p><label>Your name <input name="name"></label></p>
<p><label>Favourite colour
<select name="colour">
<option>red</option><option>green</option><option>blue</option>
</select></label></p>
<p><button type="submit">Send</button></p>
</form>
<p><a href="/">Back to the index</a></p>
</body>
</html>
"""

_RESULT = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Thank you</title></head>
<body>
<h1>Thank you</h1>
<p>You sent name <strong id="name">%s</strong> and colour
<strong id="colour">%s</strong>.</p>
<p><a href="/form/">Again</a> | <a href="/">Back to the index</a></p>
</body>
</html>
"""


def index(req, name="", colour=""):
    req.content_type = "text/html; charset=utf-8"
    if req.method != "POST":
        return _FORM
    # Whatever the client sent is escaped before it goes into the page.
    return _RESULT % (html.escape(name or "(nobody)"),
                     html.escape(colour or "(none)"))
