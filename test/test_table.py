"""The table object: construction, the mapping protocol, the methods, and
tables that wrap the request's own.  Suite: htdocs/table/."""
import ast


def run(apache, name, **kw):
    r = apache.get("/table/" + name, **kw)
    assert r.status_code == 200, r.text[:2000]
    return ast.literal_eval(r.content.decode("utf-8"))


def test_table_new(apache):
    """table() from nothing, a mapping, pairs or items=; keys and values
    go through str(); bad elements are refused with the original's
    messages (TBL-new, APA-table, OBJ-positional)."""
    d = run(apache, "new")
    assert d["empty"] == (0, [])
    assert d["dict"] == [("a", "1"), ("B", "2")]
    assert d["mapping"] == [("1", "2.5"), ("b", "None")]
    # Pairs are added: repeated keys are all kept, in order.
    assert d["pairs"] == [("a", "1"), ("A", "2"), ("x", "y")]
    assert d["items_kw"] == [("k", "v")]
    assert d["none"] == []
    assert d["converted"] == [("1", "2")]
    assert d["bad_element"] == (
        "TypeError", "cannot convert table update sequence element #1 to a "
        "sequence")
    assert d["bad_length"] == (
        "ValueError", "table update sequence element #1 has length 3; 2 is "
        "required")
    assert d["bad_kw"] == "TypeError"
    assert d["own_storage"] is True


def test_table_getitem(apache):
    """t[key] is case-insensitive: one value as str, several as a list in
    order, none a KeyError(key) (TBL-getitem)."""
    d = run(apache, "getitem")
    assert d["one"] == "o"
    assert d["several"] == ["a", "b"]
    assert d["case"] == "o"
    assert d["missing"][0] == "KeyError"
    assert d["missing_arg"] is True
    assert d["bad_key"] == "TypeError"
    assert d["bytes_key"] == "o"


def test_table_setitem(apache):
    """t[key] = value replaces every entry of key; only Latin-1 str or
    bytes are stored, nothing is converted (TBL-setitem, OBJ-str-in)."""
    d = run(apache, "setitem")
    assert d["replaced"] == [("a", "new"), ("b", "3")]
    assert d["int_value"] == ("TypeError", "not an ISO-8859-1 string")
    assert d["int_key"] == "TypeError"
    assert d["euro"] == ("TypeError", "not an ISO-8859-1 string")
    assert d["euro_key"] == ("TypeError", "not an ISO-8859-1 string")
    assert d["nul"] == "ValueError"
    # Stored as Latin-1 bytes, read back as UTF-8 with surrogateescape:
    # the asymmetry OBJ-str-in warns about.
    assert d["after"] == [("a", "new"), ("b", "3"), ("latin", "caf\udce9"),
                          ("raw", "\udcff\udcfe"), ("surrogate", "x\udcffy")]


def test_table_delitem(apache):
    """del t[key] removes every entry of key, silently if there is none
    (TBL-delitem)."""
    d = run(apache, "delitem")
    assert d == {"after": [("b", "2")], "absent": [("b", "2")],
                 "bad_key": "TypeError"}


def test_table_contains_and_len(apache):
    """`in` is case-insensitive; len counts repeated keys; an empty table
    is false (TBL-contains, TBL-len)."""
    assert run(apache, "contains-len") == {
        "in": (True, True, True, False), "len": 3, "bool": (True, False),
        "bad_key": "TypeError"}


def test_table_iteration(apache):
    """Iteration gives the keys, repeats included, in order; a size
    change during it is a RuntimeError (TBL-iter)."""
    d = run(apache, "iter")
    assert d["iter"] == d["for"] == ["a", "b", "A"]
    msg = ("RuntimeError", "table changed size during iteration")
    assert d["grow"] == msg
    assert d["shrink"] == msg


def test_table_keys_values_items(apache):
    """keys()/values()/items() are lists; iter*() iterators over the same
    (TBL-keys, TBL-values, TBL-items, TBL-iterkeys, TBL-nopop)."""
    d = run(apache, "views")
    assert d["keys"] == d["iterkeys"] == ["a", "b", "A"]
    assert d["values"] == d["itervalues"] == ["1", "2", "3"]
    assert d["items"] == d["iteritems"] == [("a", "1"), ("b", "2"),
                                            ("A", "3")]
    assert d["types"] == ["list", "list", "list"]
    assert d["iter_types"] == [False, False, False]
    assert d["next"] == ("a", "1")


def test_table_get(apache):
    """get() gives the first value or the default (TBL-get)."""
    assert run(apache, "get") == {"first": "1", "missing": None,
                                  "default": "dflt", "default_obj": 5}


def test_table_setdefault(apache):
    """setdefault(): first value if present, else stores the default
    ("" when none is given) and returns it (TBL-setdefault)."""
    assert run(apache, "setdefault") == {
        "present": "1", "absent": "", "absent_default": "cc",
        "bad_default": "TypeError",
        "after": [("a", "1"), ("A", "2"), ("b", ""), ("c", "cc")]}


def test_table_has_key(apache):
    """has_key() answers 1 or 0 (TBL-has_key)."""
    assert run(apache, "has-key") == [1, 0, "int"]


def test_table_add(apache):
    """add() keeps the existing values (TBL-add)."""
    assert run(apache, "add") == {
        "a": ["b", "c", "d"],
        "items": [("a", "b"), ("a", "c"), ("A", "d"), ("x", "y")],
        "len": 4, "bad": "TypeError"}


def test_table_update(apache):
    """update(mapping) replaces each key with str(value); it needs keys()
    (TBL-update)."""
    d = run(apache, "update")
    assert d["items"] == [("a", "x"), ("b", "3"), ("5", "6")]
    # From a table: keys() repeats "c", the last assignment wins.
    assert d["from_table"] == [("a", "x"), ("b", "3"), ("5", "6"),
                               ("c", "['1', '2']")]
    assert d["none"] == "AttributeError"
    assert d["list"] == "AttributeError"


def test_table_clear_and_copy(apache):
    """copy() is an independent table with every entry; clear() empties
    (TBL-copy, TBL-clear)."""
    d = run(apache, "clear-copy")
    assert d["copy"] == [("a", "1"), ("A", "2"), ("b", "3")]
    assert d["orig"] == [("a", "changed")]
    assert d["type"] == "mp_table"
    assert d["equal"] is True
    assert d["cleared"] == ([], 0, [("a", "1"), ("A", "2"), ("b", "3")])


def test_table_popitem(apache):
    """popitem() removes and returns the pair it reports, last first; an
    empty table raises KeyError (TBL-popitem)."""
    d = run(apache, "popitem")
    assert d["after_one"] == [("a", "1"), ("b", "2")]
    assert d["popped"] == [("A", "3"), ("b", "2"), ("a", "1")]
    assert d["empty"] == ("KeyError", "'popitem(): table is empty'")


def test_table_compare_and_hash(apache):
    """Comparison goes through plain dicts (a repeated key becomes a
    list); tables are unhashable (TBL-eq, TBL-hash)."""
    d = run(apache, "compare")
    assert d["dict"] is True
    assert d["dict_ne"] is True
    assert d["table"] is True
    assert d["order"] is False          # the list keeps the value order
    assert d["cased"] is True           # one item per spelling
    assert d["other"] is False
    assert d["lt"] == "TypeError"       # as for dicts
    assert d["le"] == "TypeError"
    assert d["hash"] == ("TypeError", "mp_table objects are unhashable")


def test_table_repr(apache):
    """repr() looks like a dict (TBL-repr)."""
    assert run(apache, "repr") == [
        "{'a': '1', 'b': \"x'y\", 'A': '3'}",
        "{'a': '1', 'b': \"x'y\", 'A': '3'}", "{}"]


def test_table_subclass(apache):
    """apache.table can be subclassed (TBL-subclass)."""
    assert run(apache, "subclass") == {
        "first": "1", "items": [("a", "1"), ("b", "2")], "isinstance": True,
        "type": "Headers", "copy_type": "mp_table"}


def test_table_has_no_pop(apache):
    """No pop() and no view methods (TBL-nopop)."""
    assert set(run(apache, "nopop").values()) == {False}


def test_table_make_table(apache):
    """apache.make_table is the old name of table (TBL-2x-make_table,
    APA-make_table)."""
    assert run(apache, "make-table") == {"same": True, "items": [("a", "1")],
                                         "type": "mp_table"}


def test_table_request_tables_are_live(apache):
    """Changes to req.headers_out reach the client; a copy is
    independent; keys keep their spelling (OBJ-live, TBL-add,
    TBL-setdefault, TBL-update, TBL-delitem, TBL-copy)."""
    r = apache.get("/table/request-tables",
                   headers={"User-Agent": "table-test",
                            "X-Table-CASE": "c"})
    d = ast.literal_eval(r.text)
    assert d == {"notes": False, "copy_type": "mp_table",
                 "headers_in_ua": "table-test", "keys_case": ["X-Table-CASE"]}
    assert r.headers["X-Table-One"] == "1"
    assert r.headers["X-Table-Two"] == "a, b"
    assert r.headers["X-Table-Default"] == "dflt"
    assert r.headers["X-Table-Updated"] == "42"
    assert "X-Table-Gone" not in r.headers


def test_table_outlives_its_request(apache):
    """A request's table kept past the request raises RuntimeError instead
    of touching freed memory; a table of its own stays usable (OBJ-live,
    TBL-new)."""
    for _ in range(20):
        seen = run(apache, "keep")
        if seen is not None:
            break
    else:
        raise AssertionError("never served twice by the same process")
    msg = ("RuntimeError",
           "mp_request object used after its request or connection was "
           "over")
    assert seen == {"get": msg, "len": msg, "iter": msg,
                    "items": "RuntimeError", "own": [("kept", "yes")]}
