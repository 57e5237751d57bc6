"""Argument matching (PUB-args-*)."""
from mod_python import util


def echo(a, b="default-b"):
    return "a=%r b=%r" % (a, b)


def with_req(req, a="none"):
    return "req is request: %s; a=%r; form is FieldStorage: %s" % (
        type(req).__name__ != "str" and hasattr(req, "uri"), a,
        isinstance(req.form, util.FieldStorage))


def no_req(req_x="missing"):
    return "req_x=%r" % (req_x,)


def kwargs(**kw):
    return "|".join("%s=%r" % (k, type(v).__name__ if k == "req" else v)
                    for k, v in sorted(kw.items()))


def kwonly(a="-", *, k="kdefault"):
    return "a=%r k=%r" % (a, k)


def kwonly_kw(*, k="kdefault", **rest):
    return "k=%r" % (k,)


def upload(req, file, note="none"):
    return "type=%s filename=%s data=%r note=%r" % (
        type(file).__name__, file.filename, file.value, note)


def types_of(a, b="-"):
    return "a:%s=%r b:%s=%r" % (type(a).__name__, a, type(b).__name__, b)


class Callee:
    def __call__(self, x="none"):
        return "instance called x=%r" % (x,)


callee = Callee()


class AttrCall:
    pass


def _attr_call(y="none"):
    return "attribute call y=%r" % (y,)


attrcall = AttrCall()
attrcall.__call__ = _attr_call


def returns_callable():
    def again(z="none"):
        return "returned callable z=%r" % (z,)
    return again


def form_reuse(req):
    return "form has a: %r" % (str(req.form.getfirst("a")),)
