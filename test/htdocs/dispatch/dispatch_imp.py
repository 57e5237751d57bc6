from mod_python import apache

import dispatch_dep


def handler(req):
    req.write("%s %s" % (dispatch_dep.VALUE, apache.import_module(
        "dispatch_dep").VALUE))
    return apache.OK
