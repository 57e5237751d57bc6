"""An Httpdapy application as it was written for 2.x, but for the import
line."""
from mod_python import httpdapi


class RequestHandler(httpdapi.RequestHandler):

    def Content(self):
        form = self.form_data()
        name = form.get("name", ["world"])[0]
        return "<html><body>Hello, %s! (%s %s)</body></html>" % (
            name, self.rq.reqpb["method"], self.rq.reqpb["uri"])
