"""A module-level __auth__ and realm (PUB-auth-realm)."""
__auth_realm__ = "Module Realm"


def __auth__(req, user, passwd):
    return user == "mod" and passwd == "ule"


def __access__(req, user):
    return user == "mod"


def index():
    return "module protected"
