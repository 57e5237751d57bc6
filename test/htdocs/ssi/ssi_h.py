from mod_python import apache


def fixup(req):
    # A fixup may prepare the namespace of the page's elements.
    req.ssi_globals = {"data": "test"}
    return apache.OK
