def index():
    return "addh index"


def hello():
    return "addh hello"
