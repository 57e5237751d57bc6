def nothing():
    return None


def boom():
    raise ValueError("debug boom on purpose")


def index():
    return "debug index"
