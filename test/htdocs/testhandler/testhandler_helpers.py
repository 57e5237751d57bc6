"""Exercises the helpers of mod_python.testhandler."""
import json

from mod_python import apache, testhandler


class Capture:
    def __init__(self):
        self.parts = []

    def write(self, s):
        self.parts.append(s)


def handler(req):
    ring = testhandler.bounded_buffer(3)
    before = list(ring)
    for i in range(5):
        ring.append(i)
    table = Capture()
    testhandler.write_table(table, {"a<": "1&"})
    tree = Capture()
    testhandler.write_tree(tree, [("<Location", "/x>"),
                                  [("SetHandler", "mod_python")],
                                  ("Listen", "80")], 0)
    req.content_type = "application/json"
    req.write(json.dumps({"before": before, "items": ring.items(),
                          "iter": list(ring), "table": "".join(table.parts),
                          "tree": "".join(tree.parts)}))
    return apache.OK
