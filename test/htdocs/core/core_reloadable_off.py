from mod_python import apache

VERSION = "one"


def handler(req):
    req.content_type = "text/plain"
    req.write(VERSION)
    return apache.OK
