"""A WSGI application answering Hello! (mod_python.wsgi case)."""


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", "6")])
    return [b"Hello!"]
