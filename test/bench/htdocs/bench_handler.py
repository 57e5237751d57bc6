"""The seeds' "plain handler" case: a mod_python content handler writing
Hello! (SEED-method-variants).  Like every variant it imports cgi, here
once per process (SEED-method-script)."""
import warnings

from mod_python import apache

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    try:
        import cgi  # noqa: F401
    except ImportError:
        pass


def handler(req):
    req.content_type = "text/plain"
    req.write("Hello!")
    return apache.OK
