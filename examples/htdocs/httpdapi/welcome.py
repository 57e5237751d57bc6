"""An Httpdapy-style module (served at /httpdapi/welcome.html by
examples/serve.py).

Httpdapy was the ancestor of mod_python: a module supplies a
RequestHandler class whose Content() returns the page.  Old modules run
under mod_python.httpdapi with one line changed, the import below (it
was "import httpdapi").
"""
import html

from mod_python import httpdapi


class RequestHandler(httpdapi.RequestHandler):

    def Content(self):
        form = self.form_data()
        name = form.get("name", ["visitor"])[0]
        return """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>An Httpdapy module</title></head>
<body>
<h1>Welcome, <span id="name">%s</span>, to an Httpdapy module</h1>
<p>Request line seen through the NSAPI-style objects:
<code id="request">%s %s</code></p>
<p>Try <a href="/httpdapi/welcome.html?name=Grisha">?name=Grisha</a>.</p>
<p><a href="/">Back to the index</a></p>
</body>
</html>
""" % (html.escape(name), html.escape(self.rq.reqpb["method"]),
       html.escape(self.rq.reqpb["uri"]))
