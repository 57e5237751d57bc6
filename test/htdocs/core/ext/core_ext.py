from mod_python import apache


def _say(req, what):
    req.content_type = "text/plain"
    req.write("%s ext=%s" % (what, req.extension))
    return apache.OK


def plain(req):
    return _say(req, "plain")


def dot_py(req):
    return _say(req, "py")


def dot_tar_gz(req):
    return _say(req, "tar.gz")
