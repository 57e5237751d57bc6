"""Publishing results (PUB-publish-*, PUB-ctype-guess)."""


def plain():
    return "just text"


def html():
    return "<html><body>hi</body></HTML >  \n"


def html_early():
    return "<html><body>hi</body></html>" + "x" * 200


def explicit(req):
    req.content_type = "application/x-custom"
    return "<html></html>"


def none():
    return None


def writes(req):
    req.write("written directly")


def number():
    return 42


def bytes_result():
    return b"raw \xff bytes"


def unicode_text():
    return "caf\u00e9 \u20ac"


def generator():
    return (x for x in range(3))


class Thing:
    def __str__(self):
        return "thing as string"


thing = Thing()
mapping = {"k": "v"}
answer = 1234


class Template:
    """Behaves like psp.PSP: str() sets text/html, writes, returns ''."""

    def __init__(self, req):
        self.req = req

    def __str__(self):
        self.req.content_type = "text/html"
        self.req.write("<p>template output</p>")
        return ""


def template(req):
    return Template(req)


def big():
    return "y" * 5000


def whoami(req):
    return "method=%s" % req.method


def leading_html():
    return "<html><body>no closing tag"


def empty():
    return ""


def selfish():
    return selfish
