"""PythonHandlerModule without any phase function: every phase declines,
so httpd serves the file itself (PH-py-silent-none)."""
NOTHING_HERE = True
