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
    check(p.publish_object(req, None) is False, "publish None")
    req.content_type = "text/plain"
    check(p.publish_object(req, "") is True, "publish ''")
    req.write("ok" if not problems else "; ".join(problems))
    return apache.OK
