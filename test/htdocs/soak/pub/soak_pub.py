"""Publisher page of the soak suite."""


def hello(req, name="world"):
    return "soak publisher %s" % name
