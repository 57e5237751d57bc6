"""Handlers of the table suite: /table/<name> runs t_<name>(req) and
sends back the repr() of what it returns."""
from mod_python import apache

table = apache.table


def handler(req):
    name = req.uri.split("/")[2].replace("-", "_")
    result = globals()["t_" + name](req)
    req.content_type = "text/plain"
    req.write(repr(result))
    return apache.OK


def catch(fn, *args, **kw):
    """("ok", result) or (exception name, message)."""
    try:
        return ("ok", fn(*args, **kw))
    except Exception as e:
        return (type(e).__name__, str(e))


class Mapping:
    """Anything with keys() and [] is a mapping for table()."""
    def keys(self):
        return [1, "b"]

    def __getitem__(self, key):
        return {1: 2.5, "b": None}[key]


def t_new(req):
    return {
        "empty": (len(table()), table().items()),
        "dict": table({"a": "1", "B": "2"}).items(),
        "mapping": table(Mapping()).items(),
        "pairs": table([("a", "1"), ["A", "2"], "xy"]).items(),
        "items_kw": table(items=[("k", "v")]).items(),
        "none": table(None).items(),
        "converted": table([(1, 2)]).items(),
        "bad_element": catch(table, [("a", "b"), 5]),
        "bad_length": catch(table, [("a", "b"), ("c", "d", "e")]),
        "bad_kw": catch(table, other=1)[0],
        "own_storage": table is type(req.headers_in),
    }


def t_getitem(req):
    t = table([("Accept", "a"), ("Other", "o"), ("ACCEPT", "b")])
    return {
        "one": t["other"],
        "several": t["accept"],
        "case": t["OTHER"],
        "missing": catch(lambda: t["nope"]),
        "missing_arg": catch(lambda: t["nope"])[1] == repr("nope"),
        "bad_key": catch(lambda: t[1])[0],
        "bytes_key": t[b"Other"],
    }


def t_setitem(req):
    t = table([("a", "1"), ("A", "2"), ("b", "3")])
    t["A"] = "new"
    out = {"replaced": t.items()}
    out["int_value"] = catch(t.__setitem__, "a", 1)
    out["int_key"] = catch(t.__setitem__, 1, "x")[0]
    out["euro"] = catch(t.__setitem__, "a", "\u20ac")
    out["euro_key"] = catch(t.__setitem__, "\u20ac", "a")
    out["nul"] = catch(t.__setitem__, "a", "x\0y")[0]
    t["latin"] = "caf\xe9"
    t[b"raw"] = b"\xff\xfe"
    t["surrogate"] = "x\udcffy"
    out["after"] = t.items()
    return out


def t_delitem(req):
    t = table([("a", "1"), ("b", "2"), ("A", "3")])
    del t["A"]
    out = {"after": t.items()}
    del t["absent"]
    out["absent"] = t.items()
    out["bad_key"] = catch(t.__delitem__, 5)[0]
    return out


def t_contains_len(req):
    t = table([("a", "1"), ("A", "2"), ("b", "3")])
    return {"in": ("A" in t, "b" in t, "B" in t, "c" in t),
            "len": len(t), "bool": (bool(t), bool(table())),
            "bad_key": catch(lambda: 1 in t)[0]}


def t_iter(req):
    t = table([("a", "1"), ("b", "2"), ("A", "3")])
    out = {"iter": list(t), "for": [k for k in t]}

    def grow():
        for k in t:
            t["new-" + k] = "x"
    out["grow"] = catch(grow)

    def shrink():
        for k in t:
            del t[k]
    out["shrink"] = catch(shrink)
    return out


def t_views(req):
    t = table([("a", "1"), ("b", "2"), ("A", "3")])
    return {
        "keys": t.keys(), "values": t.values(), "items": t.items(),
        "types": [type(x()).__name__ for x in (t.keys, t.values, t.items)],
        "iterkeys": list(t.iterkeys()), "itervalues": list(t.itervalues()),
        "iteritems": list(t.iteritems()),
        "iter_types": [type(x()).__name__ == "list"
                       for x in (t.iterkeys, t.itervalues, t.iteritems)],
        "next": next(t.iteritems()),
    }


def t_get(req):
    t = table([("a", "1"), ("A", "2")])
    return {"first": t.get("A"), "missing": t.get("x"),
            "default": t.get("x", "dflt"), "default_obj": t.get("x", 5)}


def t_setdefault(req):
    t = table([("a", "1"), ("A", "2")])
    return {"present": t.setdefault("a", "zz"),
            "absent": t.setdefault("b"),
            "absent_default": t.setdefault("c", "cc"),
            "bad_default": catch(t.setdefault, "d", 5)[0],
            "after": t.items()}


def t_has_key(req):
    t = table([("a", "1")])
    return [t.has_key("A"), t.has_key("b"), type(t.has_key("a")).__name__]


def t_add(req):
    t = table({"a": "b"})
    t.add("a", "c")
    t.add("A", "d")
    t.add(b"x", b"y")
    return {"a": t["a"], "items": t.items(), "len": len(t),
            "bad": catch(t.add, "k", 1)[0]}


def t_update(req):
    t = table([("a", "1"), ("A", "2"), ("b", "3")])
    t.update({"a": "x", 5: 6})
    out = {"items": t.items()}
    t.update(table([("c", "1"), ("C", "2")]))
    out["from_table"] = t.items()
    out["none"] = catch(t.update, None)[0]
    out["list"] = catch(t.update, [("a", "b")])[0]
    return out


def t_clear_copy(req):
    t = table([("a", "1"), ("A", "2")])
    c = t.copy()
    c["b"] = "3"
    t["a"] = "changed"
    out = {"copy": c.items(), "orig": t.items(),
           "type": type(c).__name__, "equal": c == table(c.items())}
    t.clear()
    out["cleared"] = (t.items(), len(t), c.items())
    return out


def t_popitem(req):
    t = table([("a", "1"), ("b", "2"), ("A", "3")])
    popped = [t.popitem()]
    out = {"after_one": t.items()}
    while len(t):
        popped.append(t.popitem())
    out["popped"] = popped
    out["empty"] = catch(t.popitem)
    return out


def t_compare(req):
    t = table([("a", "1"), ("b", "2"), ("a", "3")])
    cased = table([("a", "1"), ("A", "3")])
    return {
        "dict": t == {"a": ["1", "3"], "b": "2"},
        "dict_ne": t != {"a": "1", "b": "2"},
        "table": t == table([("b", "2"), ("a", "1"), ("a", "3")]),
        "order": t == table([("a", "3"), ("b", "2"), ("a", "1")]),
        "cased": cased == {"a": "1", "A": "3"},
        "other": t == [("a", "1")],
        "lt": catch(lambda: t < {"a": "1"})[0],
        "le": catch(lambda: cased <= cased)[0],
        "hash": catch(hash, t),
    }


def t_repr(req):
    t = table([("a", "1"), ("b", "x'y"), ("A", "3")])
    return [repr(t), str(t), repr(table())]


def t_subclass(req):
    class Headers(apache.table):
        def first(self, key):
            return self.get(key)

    h = Headers([("a", "1")])
    h["b"] = "2"
    return {"first": h.first("A"), "items": h.items(),
            "isinstance": isinstance(h, apache.table),
            "type": type(h).__name__, "copy_type": type(h.copy()).__name__}


def t_nopop(req):
    t = table()
    return {name: hasattr(t, name) for name in (
        "pop", "viewkeys", "viewitems", "viewvalues", "fromkeys")}


def t_make_table(req):
    t = apache.make_table()
    t["a"] = "1"
    return {"same": apache.make_table is apache.table,
            "items": t.items(), "type": type(t).__name__}


def t_request_tables(req):
    """Tables of the request wrap httpd's tables (OBJ-live)."""
    t = req.headers_out
    t["X-Table-One"] = "1"
    t.add("X-Table-Two", "a")
    t.add("x-table-two", "b")
    t.setdefault("X-Table-Default", "dflt")
    t.update({"X-Table-Updated": 42})
    t["X-Table-Gone"] = "bye"
    del t["x-table-gone"]
    req.notes["table-note"] = "n"
    copy = req.notes.copy()
    copy["only-in-copy"] = "c"
    return {"notes": "only-in-copy" in req.notes,
            "copy_type": type(copy).__name__,
            "headers_in_ua": req.headers_in["user-agent"],
            "keys_case": [k for k in req.headers_in.keys()
                          if k.lower() == "x-table-case"]}


_kept = None


def t_keep(req):
    """Use the tables kept from an earlier request of this process."""
    global _kept
    seen = None
    if _kept is not None:
        live, own = _kept
        seen = {"get": catch(lambda: live["user-agent"]),
                "len": catch(len, live), "iter": catch(list, live),
                "items": catch(live.items)[0],
                "own": own.items()}
    own = table([("kept", "yes")])
    _kept = (req.headers_in, own)
    return seen
