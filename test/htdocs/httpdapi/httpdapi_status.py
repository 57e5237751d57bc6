"""SERVER_RETURN with (result, status): ?forbidden or ?notfound."""
from mod_python import httpdapi


class RequestHandler(httpdapi.RequestHandler):

    def Content(self):
        query = self.rq.reqpb["query"]
        if query == "forbidden":
            raise httpdapi.SERVER_RETURN((httpdapi.REQ_PROCEED,
                                          httpdapi.PROTOCOL_FORBIDDEN))
        if query == "notfound":
            raise httpdapi.SERVER_RETURN((httpdapi.PROTOCOL_NOT_FOUND, 0))
        self.content_type = "text/plain"
        return "status ok"
