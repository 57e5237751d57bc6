#!/usr/bin/python3
"""The seeds' "standard CGI" case: Apache starts a new Python for every
request; it imports the standard cgi module, as a typical CGI script of
the time did, then prints Hello! (SEED-method-script, SEED-method-variants).

bench.py rewrites the #! line to the Python mod_python was built for.
"""
import sys
import warnings

with warnings.catch_warnings():
    # 3.11 and 3.12 warn that cgi is deprecated; the warning would land in
    # the error log on every request.
    warnings.simplefilter("ignore", DeprecationWarning)
    try:
        import cgi  # noqa: F401
    except ImportError:
        # Removed in Python 3.13 (SEED-method-repro): run without it.
        pass

sys.stdout.write("Content-Type: text/plain\r\n\r\nHello!")
