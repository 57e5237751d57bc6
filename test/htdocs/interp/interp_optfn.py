"""A fixup handler marking the request object that the C module of
mod_interp_optfn.c then reads through mp_get_request_object()."""
from mod_python import apache


def fixuphandler(req):
    req.interp_optfn_mark = "fixup-was-here"
    return apache.OK
