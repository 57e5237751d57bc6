from mod_python import httpdapi


class RequestHandler(httpdapi.RequestHandler):

    def Content(self):
        self.redirect = "/httpdapi/httpdapi_hello.html?name=redirected"
        return "not sent"
