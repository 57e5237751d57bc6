"""Helper module imported by cgi_reload.py: cgihandler drops it between
requests, so it is executed again each time."""
loads = 1
calls = 0
