"""__auth__, __access__, __auth_realm__ variants (PUB-auth-*)."""


def open_page():
    return "open"


def nested_callable(req):
    __auth_realm__ = "Nested Realm"

    def __auth__(req, user, passwd):
        return user == "alice" and passwd == "wonder"

    def __access__(req, user):
        return user == "alice"

    return "nested ok"


def nested_dict():
    __auth__ = {"bob": "builder"}
    return "nested dict ok"


def nested_colon():
    __auth__ = {"c": "a:b"}
    return "colon ok"


def nested_multi_dict():
    __auth__ = {"bob": "builder", "carol": "singer"}
    return "nested multi ok"


def nested_list_access():
    __auth__ = {"bob": "builder", "carol": "singer"}
    __access__ = ["carol"]
    return "list access ok"


def nested_const_deny():
    __auth__ = 0
    return "never"


def nested_const_allow():
    __auth__ = 1
    return "any user"


def nested_access_const():
    __access__ = 0
    return "never"


def nested_access_tuple():
    __access__ = ("dave",)
    return "dave only"


def nested_access_none_user(req):
    def __access__(req, user):
        req.notes["seen_user"] = repr(user)
        return user is None
    return "anonymous access " + req.notes["seen_user"]


def nested_dynamic(req):
    __auth__ = {"x": "y"} if req.args else {}
    return "dynamic"


def nested_closure():
    allowed = "alice"

    def __access__(req, user):
        return user == allowed
    return "closure"


def nested_str_auth():
    __auth__ = "oops"
    return "odd"


def nested_str_access():
    __access__ = "carol"
    return "odd access"


def nested_raising():
    def __auth__(req, user, passwd):
        raise RuntimeError("auth raised on purpose")
    return "never"


def nested_wrong_signature():
    def __auth__(req):
        return True
    return "never"


def attr_protected():
    return "attr protected"


attr_protected.__auth__ = {"bob": "builder"}
attr_protected.__auth_realm__ = "Attr Realm"


def attr_access():
    return "attr access"


attr_access.__access__ = []


class Section:
    __auth_realm__ = "Section Realm"
    __auth__ = {"erin": "pw"}

    def page(self):
        return "section page"

    def admin(self):
        __access__ = ["root"]
        return "section admin"


section = Section()


class Weird:
    __auth__ = "truthy-but-odd"

    def page(self):
        return "weird page"


weird = Weird()


class ListAuth:
    __auth__ = ["alice", "wonder"]

    def page(self):
        return "list auth page"


listauth = ListAuth()


class Access:
    def __access__(self, req, user):
        return user == "frank"

    def page(self):
        return "access page"


class DictSub(dict):
    pass


class SubAuth:
    __auth__ = DictSub(grace="hopper")

    def page(self):
        return "dict subclass page"


subauth = SubAuth()


class Gate:
    def __init__(self):
        self.__auth__ = self.check

    def check(self, req, user, passwd):
        req.notes["checked"] = "yes"
        return passwd == "gate"

    def page(self, req):
        return "gate page; user attr %r" % (req.user,)


gate = Gate()


access = Access()
