"""Python input and output filters: configured, activated by httpd or per
request, large bodies, errors.  Suite: htdocs/filters/."""
import hashlib
import json
import os
import time

import pytest

BIG = 5 * 1024 * 1024


def pattern(total):
    """The bytes filters_app.write_big() sends."""
    return b"".join(hashlib.sha256(b"%d" % i).digest()
                    for i in range(total // 32 + 1))[:total]


def suite_dir(apache, sub=""):
    path = os.path.realpath(str(apache.htdocs / "filters" / sub))
    return path.rstrip("/") + "/"


def filter_info(text):
    body, _, info = text.rpartition("\nFILTERINFO ")
    return body, json.loads(info)


# ----------------------------------------------------------------------
# Activation


def test_filters_setoutputfilter_static_file(apache):
    """A PythonOutputFilter activated with SetOutputFilter on a static
    file; the name is matched case-insensitively (DIR-PythonOutputFilter,
    DIR-httpd-SetOutputFilter, DIR-pit-7, PH-hook-filters)."""
    r = apache.get("/filters/set/hello.txt")
    assert r.status_code == 200
    assert r.text == "HELLO STATIC WORLD\n"


def test_filters_setoutputfilter_handler_output(apache):
    """Output written by a Python handler goes through the filter
    (DIR-httpd-SetOutputFilter, FLT-read, FLT-write, FLT-close)."""
    r = apache.get("/filters/app/set-upper")
    assert r.status_code == 200
    assert r.text == "HELLO VIA SETOUTPUTFILTER"


def test_filters_addoutputfilter_by_extension(apache):
    """AddOutputFilter NAME .ext applies the filter to that extension only
    (DIR-httpd-SetOutputFilter, DIR-PythonOutputFilter)."""
    assert apache.get("/filters/ext/page.upr").text == "HELLO PAGE UPR\n"
    assert apache.get("/filters/ext/page.txt").text == "Hello page txt\n"


def test_filters_register_and_add_output_filter(apache):
    """req.register_output_filter + req.add_output_filter insert a filter
    for this request only (REQ-register_output_filter,
    REQ-add_output_filter)."""
    r = apache.get("/filters/app/dynamic")
    assert r.status_code == 200
    assert r.text == "HELLO DYNAMIC"


def test_filters_dynamic_name_is_mod_python(apache):
    """A registered filter runs as httpd's MOD_PYTHON filter: filter.name
    is "mod_python"; filter.dir is the registration's dir, canonical with
    a trailing slash (FLT-attr-name, FLT-attr-dir, DIR-ctx-dynamic,
    REQ-register_output_filter)."""
    body, info = filter_info(apache.get("/filters/app/dynamic-report").text)
    assert body == "dyn report"
    assert info["name"] == "mod_python"
    assert info["handler"] == "filters_mod::report"
    assert info["dir"] == os.path.realpath("/tmp") + "/"


def test_filters_dynamic_default_object(apache):
    """A bare module spec runs its `outputfilter` / `inputfilter`
    (REQ-register_output_filter, REQ-register_input_filter, PH-filter-py,
    PH-hook-filters)."""
    assert apache.get("/filters/app/dynamic-default").text == "b4n4n4"
    r = apache.post("/filters/app/echo-dynamic-default", data=b"green tree")
    assert r.content == b"gr33n tr33"


def test_filters_configured_default_object(apache):
    """PythonOutputFilter/PythonInputFilter with a bare module use the
    default objects (DIR-PythonOutputFilter, DIR-PythonInputFilter)."""
    assert apache.get("/filters/app/default").text == "b4n4n4"
    r = apache.post("/filters/app/echo-default", data=b"green tree")
    assert r.content == b"gr33n tr33"


def test_filters_registration_is_case_sensitive(apache):
    """add_output_filter matches registrations case-sensitively; an
    unknown name is ignored by httpd (REQ-add_output_filter,
    REQ-register_output_filter)."""
    r = apache.get("/filters/app/dynamic-case")
    assert r.status_code == 200
    assert r.text == "not upper"


def test_filters_add_output_filter_by_httpd_name(apache):
    """A name not registered on the request inserts the httpd filter of
    that name, e.g. a PythonOutputFilter (REQ-add_output_filter)."""
    assert apache.get("/filters/app/add-configured").text == \
        "CONFIGURED BY NAME"


def test_filters_register_takes_strings_only(apache):
    """register_*_filter and add_*_filter take str arguments only
    (REQ-register_output_filter, REQ-add_output_filter)."""
    assert apache.get("/filters/app/register-types").text == \
        "TypeError TypeError TypeError TypeError"


def test_filters_input_filter_transforms_post_body(apache):
    """SetInputFilter activates a PythonInputFilter; the handler's
    req.read() sees the filtered body (DIR-PythonInputFilter,
    DIR-httpd-SetInputFilter, FLT-read, FLT-write, FLT-close)."""
    r = apache.post("/filters/app/echo-upper", data=b"hello body")
    assert r.status_code == 200
    assert r.content == b"HELLO BODY"


def test_filters_register_and_add_input_filter(apache):
    """req.register_input_filter + req.add_input_filter before reading
    the body (REQ-register_input_filter, REQ-add_input_filter)."""
    r = apache.post("/filters/app/echo-dynamic", data=b"dynamic input")
    assert r.content == b"DYNAMIC INPUT"


def test_filters_input_filter_large_body(apache):
    """A body of several MB through an input filter arrives complete, in
    order, and filtered (FLT-read, FLT-write, PH-filter-many)."""
    body = pattern(2 * 1024 * 1024 + 777)
    r = apache.post("/filters/app/echo-upper", data=body)
    assert r.status_code == 200
    assert len(r.content) == len(body)
    assert hashlib.sha256(r.content).hexdigest() == \
        hashlib.sha256(body.upper()).hexdigest()


def test_filters_input_filter_readline(apache):
    """req.readline() over an input-filtered body (FLT-write,
    REQ-add_input_filter)."""
    r = apache.post("/filters/app/echo-lines", data=b"ab\ncd\nef")
    assert r.text == "AB\n|CD\n|EF"


def test_filters_input_filter_attributes(apache):
    """The input filter object: is_input 1, lower-case name, handler spec,
    dir None at server level (FLT-attr-is_input, FLT-attr-name,
    FLT-attr-handler, FLT-attr-dir, FLT-attr-req)."""
    r = apache.post("/filters/app/echo-report", data=b"x" * 1000)
    info = json.loads(r.text)
    assert info["is_input"] == 1
    assert info["name"] == "filters_inreport"
    assert info["handler"] == "filters_mod::inreport"
    assert info["dir"] is None
    assert info["req_type"] == "mp_request"
    assert info["body_length"] == 1000
    assert info["closed"] == 0


# ----------------------------------------------------------------------
# Large bodies


def test_filters_big_body_read_in_pieces(apache):
    """5 MB written in uneven chunks through a filter reading 7919 bytes
    at a time arrive byte-exact (FLT-read, FLT-write, PH-filter-many)."""
    r = apache.get("/filters/app/big-chunky")
    assert r.status_code == 200
    assert len(r.content) == BIG
    assert hashlib.sha256(r.content).hexdigest() == \
        hashlib.sha256(pattern(BIG)).hexdigest()


def test_filters_big_body_transformed(apache):
    """5 MB through a transforming filter (FLT-read, FLT-write)."""
    r = apache.get("/filters/app/big-upper")
    assert len(r.content) == BIG
    assert hashlib.sha256(r.content).hexdigest() == \
        hashlib.sha256(pattern(BIG).upper()).hexdigest()


def test_filters_big_body_pass_on(apache):
    """pass_on() forwards the incoming data unchanged, after what was
    written before it (FLT-pass_on)."""
    r = apache.get("/filters/app/big-passon")
    assert len(r.content) == BIG + 2
    assert hashlib.sha256(r.content).hexdigest() == \
        hashlib.sha256(b"<<" + pattern(BIG)).hexdigest()
    assert apache.get("/filters/app/passon").text == "<<one two"


def test_filters_concurrent_requests(apache):
    """Filters of concurrent requests do not mix their data
    (PH-filter-many, PH-thread-gil)."""
    from concurrent.futures import ThreadPoolExecutor

    size = 300000
    expect = hashlib.sha256(pattern(size)).hexdigest()

    def one(_):
        r = apache.get("/filters/app/big-chunky?%d" % size)
        return hashlib.sha256(r.content).hexdigest()

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(one, range(16))) == [expect] * 16


def test_filters_state_across_invocations_output(apache):
    """A filter called once per brigade keeps its state on filter.req and
    writes at end of stream (PH-filter-many, PH-filter-obj)."""
    text = apache.get("/filters/app/reverse").text
    body, _, calls = text.partition(" calls=")
    assert body == "ihgfedcba"
    assert int(calls) >= 3


def test_filters_state_across_invocations_input(apache):
    """An input filter that produces nothing until end of stream still
    gives the reader the whole body (PH-filter-many, FLT-read)."""
    body = pattern(300000)
    r = apache.post("/filters/app/echo-reverse", data=body)
    assert r.content == body[::-1]


# ----------------------------------------------------------------------
# The filter object


def test_filters_readline(apache):
    """readline() stops after each newline (FLT-readline)."""
    assert apache.get("/filters/app/lines").text == "<one><two><three>"


def test_filters_read_none_at_end_of_stream(apache):
    """read() gives the data, b"" when nothing more is there in this
    invocation, and None once at end of stream (FLT-read,
    PH-filter-many)."""
    seen = json.loads(apache.get("/filters/app/probe").text)
    assert seen[0] == "abc"
    assert seen[-1] is None
    assert all(s == "" for s in seen[1:-1])
    assert seen.count(None) == 1


@pytest.mark.log_expected(r"filters-closed-state")
def test_filters_object_attributes(apache):
    """name (lower case), handler, dir, is_input, closed, req, softspace,
    other attributes, deletion (FLT-attr-name, FLT-attr-handler,
    FLT-attr-dir, FLT-attr-is_input, FLT-attr-closed, FLT-attr-req,
    FLT-attr-softspace, FLT-attr-other, OBJ-types, DIR-pit-7)."""
    body, info = filter_info(apache.get("/filters/app/report").text)
    assert body == "report body"
    assert info["name"] == "filters_report"
    assert info["handler"] == "filters_mod::report"
    assert info["dir"] is None
    assert info["is_input"] == 0
    assert info["closed"] == 0
    assert info["req_type"] == "mp_request"
    assert info["uri"] == "/filters/app/report"
    assert info["softspace"] == 1
    assert info["get_other"] == info["set_other"] == "AttributeError"
    assert info["set_name"] == "AttributeError"
    for name in ("softspace", "name", "no_such_attribute"):
        assert info["del_" + name] == "can't delete filter attributes"
    assert info["type"] == "mp_filter"
    assert info["instantiate"] == "TypeError"
    assert info["has_dict"] is False


@pytest.mark.log_expected(r"filters-closed-state")
def test_filters_request_object_shared_and_filter_new(apache):
    """filter.req is the handler's request object (same attributes); the
    phase is left as it is; every invocation gets a new filter object and
    an old one is dead (FLT-attr-req, PH-filter-obj, PH-reqobj-one,
    PH-filter-many)."""
    body, info = filter_info(apache.get("/filters/app/report").text)
    assert info["marker"] == "from-handler"
    # Called from inside req.write (PythonHandler), then at end of
    # stream after the handler returned (phase None).
    assert info["phases"][0] == "PythonHandler"
    assert info["phases"][-1] is None
    assert len(info["phases"]) >= 2
    assert info["fresh"] is True
    assert info["stale"] == ["RuntimeError"] * (len(info["phases"]) - 1)


@pytest.mark.log_expected(r"filters-closed-state")
def test_filters_closed_filter(apache):
    """After close(): closed is 1, read/readline/write raise ValueError,
    close() again does nothing (FLT-close, FLT-attr-closed, FLT-read,
    FLT-write)."""
    apache.get("/filters/app/report")
    time.sleep(0.1)
    line = [l for l in apache.error_log().splitlines()
            if "filters-closed-state" in l][-1]
    state = json.loads(line.split("filters-closed-state ", 1)[1])
    assert state["closed"] == 1
    for what in ("read", "readline", "write"):
        assert state[what] == "I/O operation on closed filter"


def test_filters_disable(apache):
    """disable() makes the filter pass everything through for the rest of
    the request (FLT-disable)."""
    assert apache.get("/filters/app/once").text == "FIRST second"


@pytest.mark.log_expected(r"filters-closed-state")
def test_filters_interpreter_choice(apache):
    """The filter runs in the interpreter the directives choose
    (PH-filter-interp, PH-interp-select)."""
    _, info = filter_info(apache.get("/filters/app/interp").text)
    assert info["interpreter"] == "filters_interp"
    assert info["req_interpreter"] == "filters_interp"
    _, info = filter_info(apache.get("/filters/app/report").text)
    assert info["interpreter"] == "localhost"


@pytest.mark.log_expected(r"filters-closed-state")
def test_filters_interpreter_per_directive(apache):
    """PythonInterpPerDirective names the interpreter after the directory
    the filter was configured in (PH-filter-interp,
    DIR-PythonInterpPerDirective)."""
    _, info = filter_info(apache.get("/filters/perdirective/p.txt").text)
    assert info["interpreter"] == suite_dir(apache, "perdirective")
    assert info["dir"] == suite_dir(apache, "perdirective")


# ----------------------------------------------------------------------
# Configuration


@pytest.mark.log_expected(r"filters-closed-state")
def test_filters_directory_filter_dir(apache):
    """A filter configured in a <Directory> records it: filter.dir is the
    canonical directory with a trailing slash (FLT-attr-dir,
    DIR-ctx-directory, DIR-PythonOutputFilter)."""
    body, info = filter_info(apache.get("/filters/dirconf/info.txt").text)
    assert body == "Directory only\n"
    assert info["name"] == "filters_dironly"
    assert info["dir"] == suite_dir(apache, "dirconf")


@pytest.mark.log_expected(r"Could not find registered filter")
def test_filters_configured_elsewhere_not_found(apache):
    """A filter configured in one <Directory> but activated outside it is
    not found: logged, and the request fails; the child keeps serving
    (PH-filter-entry, DIR-PythonOutputFilter)."""
    r = apache.get("/filters/outside/info.txt")
    assert r.status_code == 500
    assert "Outside text" not in r.text
    time.sleep(0.1)
    assert "python_filter: Could not find registered filter." in \
        apache.error_log()
    assert apache.get("/filters/set/hello.txt").text == \
        "HELLO STATIC WORLD\n"


def test_filters_merge_more_specific_wins(apache):
    """Per lower-cased name the more specific section's filter replaces
    the inherited one (DIR-merge-filters, DIR-pit-7)."""
    assert apache.get("/filters/merge/m.txt").text == "mixed case merge\n"
    assert apache.get("/filters/mergeouter/m.txt").text == \
        "MIXED CASE MERGE\n"


def test_filters_not_allowed_in_htaccess(apache):
    """PythonOutputFilter is not accepted in .htaccess
    (DIR-PythonOutputFilter, DIR-PythonInputFilter)."""
    r = apache.get("/filters/htaccess/x.txt")
    assert r.status_code == 500
    time.sleep(0.1)
    assert "PythonOutputFilter not allowed here" in apache.error_log()


# ----------------------------------------------------------------------
# Errors


@pytest.mark.log_expected(r"filters_raise filters_mod::raiser: ")
def test_filters_exception_logged_and_passed_through(apache):
    """An exception in a filter is logged with the filter name and spec
    by CallBack.FilterDispatch/ReportError; the filter is disabled so the
    data flows on; the child keeps serving (PH-err-filter, PH-err-log,
    FLT-disable, APA-CallBack, PH-filter-py)."""
    r = apache.get("/filters/app/raise")
    assert r.status_code == 200
    assert r.text == "body text"
    time.sleep(0.1)
    log = apache.error_log()
    assert "filters_raise filters_mod::raiser: Traceback" in log
    assert "ValueError: filter raised on purpose" in log
    for _ in range(4):
        assert apache.get("/filters/app/set-upper").text == \
            "HELLO VIA SETOUTPUTFILTER"


@pytest.mark.log_expected(r"filters_raise filters_mod::raiser: ")
def test_filters_exception_debug_page(apache):
    """With PythonDebug On the error text flows through the disabled
    filter, with status 500 (PH-err-filter, PH-err-debug)."""
    r = apache.get("/filters/app/raise-debug")
    assert r.status_code == 500
    assert r.headers["Content-Type"].startswith("text/html")
    assert r.text.startswith('\n<pre>\nMod_python error: "filters_raise '
                             'filters_mod::raiser"\n\n')
    assert "ValueError: filter raised on purpose" in r.text
    assert r.text.endswith("</pre>\nbody text")


@pytest.mark.log_expected(r"filters_raisein filters_mod::raiser_in: ")
def test_filters_input_exception(apache):
    """An input filter that raises is logged and disabled; the body then
    reaches the handler unfiltered (PH-err-filter, FLT-disable)."""
    r = apache.post("/filters/app/echo-raise", data=b"raw body")
    assert r.status_code == 200
    assert r.content == b"raw body"
    time.sleep(0.1)
    assert "filters_raisein filters_mod::raiser_in: Traceback" in \
        apache.error_log()


def test_filters_server_return_status(apache):
    """SERVER_RETURN(code, status) in a filter sets req.status; the code
    is ignored and the filter keeps working (PH-sr-filter, PH-sr-two)."""
    r = apache.get("/filters/app/sr")
    assert r.status_code == 202
    assert r.text == "sr body"


def test_filters_flush_sends_downstream(apache):
    """flush() passes what was written down the chain at once: a status
    set afterwards no longer reaches the client (FLT-flush,
    PH-sr-filter)."""
    r = apache.get("/filters/app/flush-sr")
    assert r.status_code == 200
    assert r.text == "sr body"


@pytest.mark.log_expected(r"Value raised with SERVER_RETURN is invalid")
def test_filters_server_return_invalid(apache):
    """A non-int SERVER_RETURN code from a filter is logged (PH-sr-filter).
    """
    r = apache.get("/filters/app/sr?bogus")
    assert r.status_code == 200
    assert r.text == "sr body"
    time.sleep(0.1)
    assert "Value raised with SERVER_RETURN is invalid" in apache.error_log()
