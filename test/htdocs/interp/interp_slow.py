"""A handler module that takes a while to execute: concurrent requests
must neither see it half-done nor execute it twice (PH-imp-lock)."""
import json
import os
import sys
import time

from mod_python import apache

VERSION = "slow-1"
RUNS = vars(sys).setdefault("interp_slow_runs", [])
RUNS.append(VERSION)
time.sleep(0.4)


def handler(req):
    req.content_type = "application/json"
    req.write(json.dumps({"pid": os.getpid(), "version": VERSION,
                          "runs": RUNS}))
    return apache.OK
