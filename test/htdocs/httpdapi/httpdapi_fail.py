from mod_python import httpdapi


class RequestHandler(httpdapi.RequestHandler):

    def Content(self):
        raise ValueError("httpdapi application failed on purpose")
