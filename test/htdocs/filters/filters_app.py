"""Handlers of the filters suite: /filters/app/<name> runs do_<name>."""
import hashlib

from mod_python import apache


def handler(req):
    name = req.uri.rsplit("/", 1)[-1].replace("-", "_")
    return globals()["do_" + name](req)


def pattern(total):
    """Deterministic bytes; test_filters.py computes the same."""
    out = []
    for i in range(total // 32 + 1):
        out.append(hashlib.sha256(b"%d" % i).digest())
    return b"".join(out)[:total]


SIZES = (65536, 1, 8191, 100000, 3, 4096, 250000, 17)


def write_big(req):
    req.content_type = "application/octet-stream"
    data = pattern(int(req.args or 5 * 1024 * 1024))
    pos, i = 0, 0
    while pos < len(data):
        n = SIZES[i % len(SIZES)]
        req.write(data[pos:pos + n])
        pos += n
        i += 1
    return apache.OK


do_big_chunky = do_big_upper = do_big_passon = write_big


def text(req, s):
    req.content_type = "text/plain"
    req.write(s)
    return apache.OK


def do_set_upper(req):
    return text(req, "Hello via SetOutputFilter")


def do_lines(req):
    return text(req, "one\ntwo\nthree\n")


def do_raise(req):
    return text(req, "body text")


do_raise_debug = do_raise


def do_report(req):
    req.filters_marker = "from-handler"
    return text(req, "report body")


do_interp = do_report


def do_probe(req):
    return text(req, "abc")


def do_sr(req):
    return text(req, "sr body")


def do_passon(req):
    req.write("one ")
    req.write("two")
    return apache.OK


def do_once(req):
    req.content_type = "text/plain"
    req.write("first ")
    req.write("second")
    return apache.OK


def do_default(req):
    return text(req, "banana")


def do_dynamic(req):
    """Registered for this request only, then inserted (REQ-register_*,
    REQ-add_output_filter)."""
    req.register_output_filter("FiltDyn", "filters_mod::upper")
    req.add_output_filter("FiltDyn")
    return text(req, "hello dynamic")


def do_dynamic_report(req):
    req.register_output_filter("FiltDynReport", "filters_mod::report",
                               req.args or "/tmp")
    req.add_output_filter("FiltDynReport")
    return text(req, "dyn report")


def do_dynamic_default(req):
    # Default object "outputfilter" for a bare module.
    req.register_output_filter("FiltDynDefault", "filters_mod")
    req.add_output_filter("FiltDynDefault")
    return text(req, "banana")


def do_dynamic_case(req):
    # Registrations are matched case-sensitively: "filtcase" is not the
    # registered "FiltCase", and httpd knows no such filter either.
    req.register_output_filter("FiltCase", "filters_mod::upper")
    req.add_output_filter("filtcase")
    return text(req, "not upper")


def do_add_configured(req):
    # Not registered on the request: the httpd filter of that name.
    req.add_output_filter("FiltersUpper")
    return text(req, "configured by name")


def do_register_types(req):
    errors = []
    for args in ((1, "filters_mod"), ("X", None), ("X", "filters_mod", 3)):
        try:
            req.register_output_filter(*args)
        except TypeError:
            errors.append("TypeError")
    try:
        req.add_output_filter(5)
    except TypeError:
        errors.append("TypeError")
    return text(req, " ".join(errors))


def echo(req):
    body = req.read()
    req.content_type = "application/octet-stream"
    req.write(body)
    return apache.OK


do_echo_upper = do_echo_report = do_echo_raise = do_echo_default = echo


def do_echo_dynamic(req):
    req.register_input_filter("FiltDynIn", "filters_mod::upper_in")
    req.add_input_filter("FiltDynIn")
    return echo(req)


def do_echo_dynamic_default(req):
    req.register_input_filter("FiltDynInDefault", "filters_mod")
    req.add_input_filter("FiltDynInDefault")
    return echo(req)


def do_echo_lines(req):
    """Reads the (filtered) body with readline()."""
    req.register_input_filter("FiltDynInLines", "filters_mod::upper_in")
    req.add_input_filter("FiltDynInLines")
    lines = []
    while True:
        line = req.readline()
        if not line:
            break
        lines.append(line)
    return text(req, b"|".join(lines))


def do_reverse(req):
    req.content_type = "text/plain"
    for word in ("abc", "def", "ghi"):
        req.write(word)
    return apache.OK


do_echo_reverse = echo


do_flush_sr = do_sr
