"""Checks of the mod_python.publisher module API (PUB-api-*)."""
import inspect
import types

from mod_python import apache, publisher


def handler(req):
    p = publisher
    problems = []

    def check(cond, what):
        if not cond:
            problems.append(what)

    for name in ("handler", "process_auth", "resolve_object",
                 "publish_object", "PageCache", "page_cache", "tp_rules",
                 "default_builtins_tp_rule", "default_tp_rule", "re_html",
                 "re_charset"):
        check(hasattr(p, name), "missing " + name)
    check(not hasattr(p, "get_page"), "get_page exists")
    check(isinstance(p.page_cache, p.PageCache), "page_cache type")
    check(p.default_builtins_tp_rule == (False, True), "builtins rule")
    check(p.default_tp_rule == (True, True), "default rule")
    check(p.tp_rules[types.ModuleType] == (False, False), "module rule")
    check(p.tp_rules[types.BuiltinFunctionType] == (False, False),
          "builtin rule")
    check(p.tp_rules[type] == (False, False), "type rule")
    check(p.tp_rules[types.GeneratorType] == (False, True), "gen rule")
    check(p.tp_rules[types.FunctionType] == (False, True), "func rule")
    check(p.tp_rules[types.MethodType] == (False, True), "method rule")
    check(dict not in p.tp_rules, "dict has a rule")
    sig = inspect.signature(p.process_auth)
    check(list(sig.parameters) == ["req", "object", "realm", "user",
                                   "passwd"], "process_auth params")
    check(sig.parameters["realm"].default == "unknown", "realm default")
    sig = inspect.signature(p.resolve_object)
    check(list(sig.parameters) == ["req", "obj", "object_str", "realm",
                                   "user", "passwd"], "resolve params")
    check(p.re_html.search("x</HTML  >\n") is not None, "re_html")
    check(p.re_html.search("</html>x") is None, "re_html tail")
    check(p.re_charset.search("text/html; charset=latin-1").group(1)
          == "latin-1", "re_charset")
    # process_auth on an unprotected object changes nothing.
    check(p.process_auth(req, object()) == ("unknown", None, None),
          "process_auth plain")

    class Protected:
        __auth_realm__ = "R"
        __auth__ = 0
    try:
        p.process_auth(req, Protected(), user="u", passwd="p")
        problems.append("falsy __auth__ passed")
    except apache.SERVER_RETURN as exc:
        check(exc.args[0] == apache.HTTP_UNAUTHORIZED, "401 expected")
    nested_checks(p, check)
    check(p.publish_object(req, None) is False, "publish None")
    req.content_type = "text/plain"
    check(p.publish_object(req, "") is True, "publish ''")
    req.write("ok" if not problems else "; ".join(problems))
    return apache.OK


def _decorate(f):
    return f


def nested_checks(p, check):
    """The static lookup inside functions: documented patterns resolve,
    anything else is 'unknown' and denies (PUB-auth-nested)."""
    unknown = p._UNKNOWN

    def f_consts():
        __auth_realm__ = "R1"
        __auth__ = 0
        __access__ = ("a", "b")
    found = p._nested_auth(f_consts)
    check(found == {"__auth_realm__": "R1", "__auth__": 0,
                    "__access__": ("a", "b")}, "consts %r" % found)

    def f_literals():
        __auth__ = {"u1": "p1", "u2": "p2"}
        __access__ = ["u1", "u2", "u3"]
    found = p._nested_auth(f_literals)
    check(found == {"__auth__": {"u1": "p1", "u2": "p2"},
                    "__access__": ["u1", "u2", "u3"]}, "literals %r" % found)

    def f_one_key():
        __auth__ = {"u": "p"}
        __access__ = {"u", "v"}
    found = p._nested_auth(f_one_key)
    check(found == {"__auth__": {"u": "p"}, "__access__": {"u", "v"}},
          "one key %r" % found)

    def f_defs():
        def __auth__(req, user, passwd, extra="d", *, kw="k"):
            return (user, passwd, extra, kw, __name__)

        def __access__(req, user):
            return user
    found = p._nested_auth(f_defs)
    auth = found.get("__auth__")
    check(callable(auth) and auth(None, "u", "p")
          == ("u", "p", "d", "k", __name__), "nested def")
    check(found.get("__access__")(None, "x") == "x", "nested access")

    def f_dynamic(x):
        __auth__ = {"a": x}
    check(p._nested_auth(f_dynamic) == {"__auth__": unknown}, "dynamic")

    def f_conditional(x):
        __auth__ = 1 if x else 0
    check(p._nested_auth(f_conditional) == {"__auth__": unknown},
          "conditional")

    def f_twice():
        __auth__ = 1
        __auth__ = 0
    check(p._nested_auth(f_twice) == {"__auth__": unknown}, "twice")

    def f_decorated():
        @_decorate
        def __auth__(req, user, passwd):
            return True
    check(p._nested_auth(f_decorated) == {"__auth__": unknown},
          "decorated")

    def f_argument(__access__=True):
        return __access__
    check(p._nested_auth(f_argument) == {"__access__": unknown}, "argument")

    def f_reads_attribute(obj):
        return obj.__auth__
    check(p._nested_auth(f_reads_attribute) == {}, "attribute read")

    def f_plain(a, b=2):
        return a + b
    check(p._nested_auth(f_plain) == {}, "plain")
