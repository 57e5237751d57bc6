# Echoes its own query and body, slowly, checking on the way that the
# environment, input and output stay its own.
import os
import sys
import time

query = os.environ["QUERY_STRING"]
body = sys.stdin.read()
print("Content-Type: text/plain")
print()
for piece in ("q=", query, " env=", None, " body=", body, " getenv=", "?"):
    time.sleep(0.06)
    if piece is None:
        piece = os.environ["QUERY_STRING"]
    elif piece == "?":
        piece = os.getenv("QUERY_STRING")
    sys.stdout.write(piece)
