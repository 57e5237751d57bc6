"""Shows what an application gets: pb, rq, sn and the constants."""
import json

from mod_python import httpdapi


class RequestHandler(httpdapi.RequestHandler):

    def Content(self):
        pb, rq, sn = self.pb, self.rq, self.sn
        pb.nvinsert("added", "yes")
        pb["set"] = "item"
        removed = pb.pblock_remove("set")
        client = sn.client()
        if rq.reqpb["query"] == "logmark":
            rq.log_err("httpdapi_dump", "log_err marker logmark", None)
        env = self.build_cgi_env()
        out = {
            "pb.fn": pb["fn"],
            "pb.method": pb.findval("method"),
            "pb.server-software": pb["server-software"],
            "pb.type": pb.findval("type"),
            "pb.autoreload": pb.findval("PythonAutoReload"),
            "pb.option": pb.findval("httpdapi_option"),
            "pb.added": pb.has_key("added"),
            "pb.removed": removed,
            "pb.set_after_remove": pb.has_key("set"),
            "pb.missing": pb.findval("no-such-key"),
            "pb.str_has_fn": 'fn="python_request_handler"' in pb.pblock2str(),
            "pb.keys_has_fn": "fn" in pb.keys(),
            "pb.repr": repr(pb).startswith("{"),
            "pb.auth-user": pb.findval("auth-user"),
            "pb.auth-password": pb.findval("auth-password"),
            "reqpb": dict(rq.reqpb.items()),
            "vars": dict(rq.vars.items()),
            "header": rq.request_header("x-httpdapi-TEST"),
            "header_missing": rq.request_header("x-nothing", sn),
            "srvhdrs_is_headers_out": rq.srvhdrs is self.__req__.headers_out,
            "headers_is_headers_in": rq.headers is self.__req__.headers_in,
            "client.ip": client["ip"],
            "client.dns": client["dns"],
            "session_dns": sn.session_dns(),
            "cgi.GATEWAY_INTERFACE": env["GATEWAY_INTERFACE"],
            "const": [httpdapi.REQ_PROCEED, httpdapi.REQ_ABORTED,
                      httpdapi.REQ_NOACTION, httpdapi.REQ_EXIT,
                      httpdapi.PROTOCOL_NOT_FOUND,
                      httpdapi.PROTOCOL_PRECONDITION_FAIL,
                      httpdapi.PROTOCOL_NO_RESPONSE,
                      httpdapi.PROTOCOL_VERSION_NOT_SUPPORTED],
            "status_map": [httpdapi.Status["404"], httpdapi.Status["302"],
                           len(httpdapi.Status)],
            "prog_traceback_is_exception": issubclass(
                httpdapi.PROG_TRACEBACK, Exception),
        }
        self.content_type = "application/json"
        return json.dumps(out)
