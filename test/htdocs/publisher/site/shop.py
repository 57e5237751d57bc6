"""The worked mapping example of publisher.md section 2."""


def index():
    return "shop index"


def cart(req):
    return "shop cart " + req.filename


class _Api:
    v1 = "api v1"

    def __call__(self):
        return "api root"


api = _Api()
