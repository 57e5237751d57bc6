from mod_python.httpdapi import AuthHandler
