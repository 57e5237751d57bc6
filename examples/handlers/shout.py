"""The demo's output filter (SHOUT, applied to /shouted/ by
examples/serve.py).

Apache passes the response through outputfilter(filter) piece by piece,
possibly over several calls per request.  This one keeps the pieces on
the request until the end of the response (filter.read() returns None),
then writes the page back with its text upper-cased (tags and attributes
untouched) and a line saying it was here.
"""
import re

TEXT = re.compile(r">([^<]+)<")


def shout(page):
    page = TEXT.sub(lambda m: ">" + m.group(1).upper() + "<", page)
    return page.replace(
        "</body>",
        '<p id="filtered">(Upper-cased on its way out by the SHOUT '
        'filter, examples/handlers/shout.py.)</p>\n</body>')


def outputfilter(filter):
    req = filter.req
    if not hasattr(req, "shout_pieces"):
        req.shout_pieces = []
        # The page grows: the length the static file had no longer holds.
        if "Content-Length" in req.headers_out:
            del req.headers_out["Content-Length"]
    piece = filter.read()
    while piece:
        req.shout_pieces.append(piece)
        piece = filter.read()
    if piece is None:                      # the end of the response
        page = b"".join(req.shout_pieces).decode("utf-8")
        filter.write(shout(page).encode("utf-8"))
        filter.close()
