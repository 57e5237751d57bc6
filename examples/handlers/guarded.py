"""The demo's login (served at /private by examples/serve.py).

Two handlers of one module guard and serve /private: Apache calls
authenhandler(req) in its authentication phase, before any content is
produced, and handler(req) only once the user is known.  The demo's
credentials are fixed below; a real site would look them up somewhere.
"""
import hmac
import html

from mod_python import apache

USERS = {"demo": "mod_python"}


def authenhandler(req):
    # Asks the client for Basic credentials when it sent none, and sets
    # req.user from them when it did.
    password = req.get_basic_auth_pw()
    expected = USERS.get(req.user or "")
    if expected is None or password is None or \
            not hmac.compare_digest(password.encode("latin-1"),
                                    expected.encode("latin-1")):
        # 401: Apache adds the WWW-Authenticate header (AuthType Basic).
        return apache.HTTP_UNAUTHORIZED
    return apache.OK


def handler(req):
    req.content_type = "text/html; charset=utf-8"
    req.write("""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Private page</title></head>
<body>
<h1>Private page</h1>
<p>Welcome, <strong id="user">%s</strong>: the PythonAuthenHandler let
you in (authentication type <code id="auth-type">%s</code>).</p>
<p><a href="/">Back to the index</a></p>
</body>
</html>
""" % (html.escape(req.user), html.escape(req.ap_auth_type or "")))
    return apache.OK
