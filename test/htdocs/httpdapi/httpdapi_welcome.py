from mod_python.httpdapi import RequestHandler
