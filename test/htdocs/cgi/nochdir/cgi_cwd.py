import os
import time

time.sleep(0.3)
here = os.path.dirname(__file__)
with open(os.path.join(here, "cwd.txt")) as f:
    data = f.read().strip()
print("Content-Type: text/plain")
print()
print("%s %s" % (data, os.getcwd() == here), end="")
