from mod_python import httpdapi


class RequestHandler(httpdapi.RequestHandler):

    def Content(self):
        self.content_type = "text/plain"
        return "from %s" % __name__
