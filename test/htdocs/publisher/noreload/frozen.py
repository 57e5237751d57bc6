VERSION = "one"


def index():
    return VERSION
