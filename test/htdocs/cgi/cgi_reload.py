# Runs afresh each request, and so does its helper module; standard
# library packages and site-packages stay loaded.
import json
import sys

import cgi_helper

runs = globals().get("runs", 0) + 1
cgi_helper.calls += 1
json._cgi_suite_marker = getattr(json, "_cgi_suite_marker", 0) + 1
try:
    import certifi
    certifi._cgi_suite_marker = getattr(certifi, "_cgi_suite_marker", 0) + 1
    site_marker = certifi._cgi_suite_marker
except ImportError:
    site_marker = None
print("Content-Type: application/json")
print()
print(json.dumps({"runs": runs, "helper_calls": cgi_helper.calls,
                  "helper_loads": cgi_helper.loads,
                  "json_marker": json._cgi_suite_marker,
                  "site_marker": site_marker,
                  "in_sys_modules": "cgi_reload" in sys.modules}))
