from mod_python import httpdapi


class RequestHandler(httpdapi.RequestHandler):

    def Content(self):
        self.hook_stdout()
        print("printed", "to", "the", "client")
        print("second line")
        self.unhook_stdout()
        print("this goes to the real stdout")
        return ""
