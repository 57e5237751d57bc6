import json
import os
import sys

names = ["GATEWAY_INTERFACE", "SERVER_PROTOCOL", "REQUEST_METHOD",
         "QUERY_STRING", "REQUEST_URI", "SCRIPT_NAME", "PATH_INFO",
         "HTTP_AUTHORIZATION", "HTTP_X_CGI_TEST", "SCRIPT_FILENAME",
         "CONTENT_TYPE", "CONTENT_LENGTH", "SERVER_NAME", "REMOTE_ADDR",
         "PYTHONPATH"]
out = {name: os.environ.get(name) for name in names}
out["getenv_method"] = os.getenv("REQUEST_METHOD")
os.environ["CGI_SCRIPT_SET"] = "mine"
out["after_set"] = os.environ["CGI_SCRIPT_SET"]
out["__name__"] = __name__
out["__file__"] = __file__
out["cwd"] = os.getcwd()
out["stdout_tell_before"] = sys.stdout.tell()
sys.stdout.write("Content-Type: application/json\r\n\r\n")
sys.stdout.write(json.dumps(out))
