"""Filters of the filters suite (FLT-*, PH-filter-*)."""
import json

from mod_python import apache


def _transform(filter, change):
    """Pass everything through `change`, block by block, and close at the
    end of the data."""
    s = filter.read()
    while s:
        filter.write(change(s))
        s = filter.read()
    if s is None:
        filter.close()


def upper(filter):
    _transform(filter, bytes.upper)


def lower(filter):
    _transform(filter, bytes.lower)


def chunky(filter):
    # Reads in odd-sized pieces: the data must come through unchanged.
    s = filter.read(7919)
    while s:
        filter.write(s)
        s = filter.read(7919)
    if s is None:
        filter.close()


def lines(filter):
    line = filter.readline()
    while line:
        filter.write(b"<" + line.rstrip(b"\n") + b">")
        line = filter.readline()
    if line is None:
        filter.close()


def prefix_pass_on(filter):
    req = filter.req
    if not getattr(req, "filters_prefixed", False):
        req.filters_prefixed = True
        filter.write(b"<<")
    filter.pass_on()


def upper_once(filter):
    # Upper-cases the first invocation only, then steps aside.
    s = filter.read()
    while s:
        filter.write(s.upper())
        s = filter.read()
    filter.disable()
    if s is None:
        filter.close()


def raiser(filter):
    raise ValueError("filter raised on purpose")


def raiser_in(filter):
    raise ValueError("input filter raised on purpose")


def srfilter(filter):
    s = filter.read()
    while s:
        filter.write(s)
        s = filter.read()
    if s is None:
        filter.close()
        return
    if filter.req.args == "bogus":
        raise apache.SERVER_RETURN("bogus")
    raise apache.SERVER_RETURN(apache.OK, 202)


def _attr_checks(filter):
    out = {}
    try:
        filter.no_such_attribute
    except AttributeError:
        out["get_other"] = "AttributeError"
    try:
        filter.no_such_attribute = 1
    except AttributeError:
        out["set_other"] = "AttributeError"
    try:
        filter.name = "x"
    except AttributeError:
        out["set_name"] = "AttributeError"
    for name in ("softspace", "name", "no_such_attribute"):
        try:
            delattr(filter, name)
        except AttributeError as e:
            out["del_" + name] = str(e)
    filter.softspace = 1
    out["softspace"] = filter.softspace
    filter.softspace = 0
    out["type"] = type(filter).__name__
    try:
        type(filter)()
    except TypeError:
        out["instantiate"] = "TypeError"
    out["has_dict"] = hasattr(filter, "__dict__")
    return out


def _info(filter):
    req = filter.req
    return {
        "name": filter.name,
        "dir": filter.dir,
        "handler": filter.handler,
        "is_input": filter.is_input,
        "closed": filter.closed,
        "req_type": type(req).__name__,
        "uri": req.uri,
        "marker": getattr(req, "filters_marker", None),
        "interpreter": apache.interpreter,
        "req_interpreter": req.interpreter,
    }


def report(filter):
    """Passes the data, then appends a JSON line about itself."""
    req = filter.req
    calls = getattr(req, "filters_calls", None)
    if calls is None:
        calls = req.filters_calls = []
        req.filters_objects = []
    calls.append(req.phase)
    # A new object each time; the old ones are dead (PH-filter-obj).
    stale = []
    for old in req.filters_objects:
        try:
            old.read()
        except RuntimeError:
            stale.append("RuntimeError")
    fresh = all(old is not filter for old in req.filters_objects)
    req.filters_objects.append(filter)
    s = filter.read()
    while s:
        filter.write(s)
        s = filter.read()
    if s is None:
        info = _info(filter)
        info.update(_attr_checks(filter))
        info["phases"] = calls
        info["fresh"] = fresh
        info["stale"] = stale
        filter.write(b"\nFILTERINFO " + json.dumps(info).encode())
        filter.close()
        info = {"closed": filter.closed}
        for what in ("read", "readline", "write"):
            try:
                if what == "write":
                    filter.write(b"late")
                else:
                    getattr(filter, what)()
            except ValueError as e:
                info[what] = str(e)
        filter.close()      # idempotent
        req.log_error("filters-closed-state " + json.dumps(info),
                      apache.APLOG_NOTICE)


def probe(filter):
    """Records what each read() returns; reports it at end of stream."""
    req = filter.req
    seen = getattr(req, "filters_seen", None)
    if seen is None:
        seen = req.filters_seen = []
    while True:
        s = filter.read()
        seen.append(None if s is None else s.decode())
        if not s:
            break
    if s is None:
        filter.write(json.dumps(seen))
        filter.close()


def outputfilter(filter):
    """The default object of a bare module spec (PythonOutputFilter)."""
    _transform(filter, lambda s: s.replace(b"a", b"4"))


def inputfilter(filter):
    _transform(filter, lambda s: s.replace(b"e", b"3"))


def upper_in(filter):
    _transform(filter, bytes.upper)


def inreport(filter):
    """Swallows the body and replaces it with a JSON report."""
    req = filter.req
    total = getattr(req, "filters_in", 0)
    s = filter.read()
    while s:
        total += len(s)
        s = filter.read()
    req.filters_in = total
    if s is None:
        info = _info(filter)
        info.update(_attr_checks(filter))
        info["body_length"] = total
        filter.write(json.dumps(info))
        filter.close()


def reverse(filter):
    """Keeps everything on the request until end of stream, then writes
    it reversed: one read per invocation (PH-filter-many)."""
    req = filter.req
    s = filter.read()
    if s:
        req.filters_kept = getattr(req, "filters_kept", b"") + s
        req.filters_calls = getattr(req, "filters_calls", 0) + 1
    elif s is None:
        kept = getattr(req, "filters_kept", b"")
        filter.write(kept[::-1])
        if not filter.is_input:
            filter.write(b" calls=%d" % getattr(req, "filters_calls", 0))
        filter.close()


def flush_then_sr(filter):
    """Like srfilter, but flushes before raising: the status change then
    comes too late, the response has already started (FLT-flush)."""
    s = filter.read()
    while s:
        filter.write(s)
        s = filter.read()
    if s is None:
        filter.close()
        return
    filter.flush()
    raise apache.SERVER_RETURN(apache.OK, 202)
