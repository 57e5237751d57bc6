"""An Httpdapy authentication module: one user, one password."""
from mod_python import httpdapi


class AuthHandler(httpdapi.AuthHandler):

    def Handle(self):
        if (self.rq.vars.get("auth-user") == "olduser"
                and self.rq.vars.get("auth-password") == "oldpw"):
            return httpdapi.REQ_PROCEED
        return httpdapi.REQ_NOACTION
