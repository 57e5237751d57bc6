"""mod_python.publisher: URL mapping, traversal security, auth, argument
matching, publishing and the page cache.  Suite: htdocs/publisher/."""
import base64
import collections
import concurrent.futures
import os
import time

import pytest

S = "/publisher/site/"
WARN = r"mod_python\.publisher: access to .* refused"


def text(apache, path, **kw):
    """The body of a 200 answer: POST when there is a body, else GET."""
    send = apache.post if ("data" in kw or "files" in kw) else apache.get
    r = send(path, **kw)
    assert r.status_code == 200, (path, r.status_code, r.text[:300])
    return r.content.decode("utf-8")


# ---------------------------------------------------------------- config

def test_publisher_sethandler_routes_everything(apache):
    """With SetHandler every URL, static files included, goes to the
    publisher; the python-program alias works too (PUB-config,
    PUB-entry, PUB-api-handler)."""
    assert text(apache, S + "shop.py") == "shop index"
    # style.css exists but is not served: style -> css is traversed.
    r = apache.get(S + "style.css")
    assert r.status_code == 404
    assert "body { }" not in r.text
    assert text(apache, "/publisher/debug/dbg") == "debug index"


def test_publisher_addhandler_only_mapped_extensions(apache):
    """With AddHandler only mapped extensions reach the publisher; the
    suffix removed may be any AddHandler extension (PUB-config,
    PUB-ext-strip)."""
    base = "/publisher/addh/"
    assert text(apache, base + "page.py") == "addh index"
    assert text(apache, base + "page.py/hello") == "addh hello"
    assert text(apache, base + "page.pub/hello") == "addh hello"
    assert text(apache, base + "page.pp") == "addh index"
    assert text(apache, base + "static.txt") == "static text\n"
    # No extension: Apache's own handler, which finds no file.
    assert apache.get(base + "page").status_code == 404


def test_publisher_extension_syntax_suffix(apache):
    """A handler registered with `| .ext` strips that extension too
    (PUB-ext-strip)."""
    assert text(apache, "/publisher/extsyn/hello.page") == \
        "extsyn hello ext=.page"


def test_publisher_methods(apache):
    """GET, POST and HEAD only; others 405 with Allow (PUB-methods,
    PUB-err-405)."""
    assert apache.post(S + "shop").text == "shop index"
    r = apache.request("PUT", S + "shop", data="x")
    assert r.status_code == 405
    allow = r.headers.get("Allow", "")
    for m in ("GET", "POST", "HEAD"):
        assert m in allow
    assert apache.request("DELETE", S + "shop").status_code == 405


# ---------------------------------------------------------------- mapping

@pytest.mark.parametrize("path,expected", [  # 3.x, not PUB-2x-pathinfo
    ("", "site index"),
    ("shop.py", "shop index"),
    ("shop", "shop index"),
    ("shop/", "shop index"),
    ("shop.py/cart", "shop cart"),
    ("shop/cart/", "shop cart"),
    ("shop/api/v1", "api v1"),
    ("shop/api.v1", "api v1"),
    ("shop/api", "api root"),
    ("cart", "index cart"),
    ("index", "site index"),
    ("index.py/cart", "index cart"),
])
def test_publisher_mapping_examples(apache, path, expected):
    """The worked mapping table (PUB-modname, PUB-func-path, PUB-modfile,
    PUB-default-func, PUB-dots, PUB-traverse)."""
    assert text(apache, S + path).startswith(expected)


def test_publisher_mapping_not_found(apache):
    """Neither <name>.py nor an index.py attribute: 404 (PUB-err-404,
    PUB-notfound, PUB-modfile)."""
    assert apache.get(S + "nothing/x").status_code == 404
    assert apache.get(S + "shop/nothing").status_code == 404
    assert apache.get(S + "shop/api/v2").status_code == 404
    # A directory without index.py.
    assert apache.get("/publisher/addh/nothing.py").status_code == 404


def test_publisher_embedded_dot_and_other_extensions(apache):
    """Files are loaded by path, so extra dots work; a non-mapped
    extension stays part of the module name (PUB-embedded-dot,
    PUB-ext-strip)."""
    assert text(apache, S + "v1.2.py") == "dotted module"
    assert text(apache, S + "v1.2") == "dotted module"
    assert text(apache, S + "a.txt") == "a.txt module"


def test_publisher_filename_rewritten(apache):
    """req.filename is the normalized path of the chosen .py file
    (PUB-filename-rewrite)."""
    body = text(apache, S + "shop/cart/")
    assert body == "shop cart " + str(apache.htdocs / "publisher" / "site"
                                      / "shop.py")


def test_publisher_empty_component_is_404(apache):
    """An empty path component: 404 here (3.5 answered 500 with an
    IndexError) (PUB-empty-component)."""
    assert apache.get(S + "shop/api./v1").status_code == 404
    assert apache.get(S + "shop/.x").status_code == 404


# ---------------------------------------------------------------- security

@pytest.mark.log_expected(WARN)
@pytest.mark.parametrize("path", [
    "sec/_private", "sec/__dunder", "sec/__dict__", "sec/__builtins__",
    "sec/func/__code__", "sec/func/__globals__", "sec/obj/__class__",
    "_private", "sec/tree/_x", "sec/tree/child/__init__",
    "sec/__publisher_bindings__", "sec/_wrap",
])
def test_publisher_underscore_is_403(apache, path):
    """Every component starting with `_` is refused with 403, also via the
    index.py fallback (PUB-underscore, PUB-doc-diffs, PUB-hist-2005,
    PUB-err-403)."""
    r = apache.get(S + path)
    assert r.status_code == 403
    for leak in ("private value", "dunder value", "code object",
                 "<function"):
        assert leak not in r.text


@pytest.mark.log_expected(WARN)
@pytest.mark.parametrize("path", [
    "sec/os", "sec/os/system", "sec/ospath", "sec/os/path/join",
    "sec/publisher_sibling", "sec/publisher_sibling/helper",
    "sec/abc", "sec/functools",
])
def test_publisher_modules_refused(apache, path):
    """Module objects are neither published nor traversed: the 2001 leak
    `/page/os/renames` stays closed (PUB-hist-2001, PUB-tp-rules,
    PUB-tp-consequences)."""
    assert apache.get(S + path).status_code == 403


@pytest.mark.log_expected(WARN)
@pytest.mark.parametrize("path", [
    "sec/Plain", "sec/Node", "sec/Meta", "sec/Plain/method",
    "sec/func/attr", "sec/obj/method/attr", "sec/keys_alias",
    "sec/data/keys", "sec/text/upper", "sec/upper_alias",
    "sec/tree/hello/attr",
])
def test_publisher_classes_builtins_and_function_attrs_refused(apache,
                                                               path):
    """Classes (any metaclass), builtins, and attributes of functions and
    methods are refused with 403 (PUB-tp-consequences, PUB-metaclass,
    PUB-final-check, PUB-tp-rules, PUB-hist-2005)."""
    r = apache.get(S + path)
    assert r.status_code == 403
    assert "function attribute" not in r.text


@pytest.mark.log_expected(WARN)
@pytest.mark.parametrize("path", [
    "sec/join", "sec/helper", "sec/CONFIG", "sec/rebound",
    "star/helper", "star/CONFIG", "star/loads", "star/index",
])
def test_publisher_imported_names_refused(apache, path):
    """Names a page imports, and functions defined in other modules, are
    not reachable: hardening of the 3.5 foot-gun that published imported
    pure-Python functions with attacker-chosen arguments
    (PUB-imported-callables, PUB-hist-2002)."""
    r = apache.get(S + path, params={"path": "/etc/passwd"})
    assert r.status_code == 403
    assert "helper ran" not in r.text
    assert "sibling-config-secret" not in r.text


def test_publisher_star_import_own_names(apache):
    """With a star import only names the page binds itself are reachable
    (PUB-imported-callables)."""
    assert text(apache, S + "star/page") == "star page"
    assert text(apache, S + "star/own") == "own value"
    assert text(apache, S + "star/later") == "later value"


def test_publisher_imported_opt_in(apache):
    """A page setting __publish_imported__ = True gets the 3.5 behaviour
    back (PUB-imported-callables, PUB-cache-imports)."""
    assert text(apache, S + "compat/helper", params={"path": "p"}) == \
        "helper ran with p"


def test_publisher_sibling_importable_and_reachable(apache):
    """A sibling module is importable through sys.path (handler directory)
    and is itself a page (PUB-cache-imports)."""
    assert text(apache, S + "publisher_sibling") == "sibling page"


def test_publisher_hierarchy(apache):
    """Instances are traversable and published by calling them; methods
    get form arguments; wraps-decorated page functions are the page's own
    (PUB-hierarchy, PUB-traverse)."""
    assert text(apache, S + "sec/tree") == "node called"
    assert text(apache, S + "sec/tree/child") == "node called"
    assert text(apache, S + "sec/tree/child/hello",
                params={"who": "bob"}) == "hello bob"
    assert text(apache, S + "sec/tree/label") == "node label"
    assert text(apache, S + "sec/secret") == "public value"
    assert text(apache, S + "sec/data") == "{'a': 1}"
    assert text(apache, S + "sec/decorated") == "wrapped inner"


@pytest.mark.log_expected(r"property raised on purpose",
                          r"PythonHandler mod_python\.publisher")
def test_publisher_getattr_errors_are_500(apache):
    """Exceptions other than AttributeError raised while looking up a
    component propagate: 500 (PUB-notfound, PUB-err-500)."""
    r = apache.get(S + "sec/boom/prop")
    assert r.status_code == 500
    assert "on purpose" not in r.text


def test_publisher_generator_published_as_str(apache):
    """A generator is publishable but not iterated (PUB-iterables)."""
    assert text(apache, S + "sec/gen_alias").startswith("<generator object")
    assert text(apache, S + "out/generator").startswith("<generator object")


# ---------------------------------------------------------------- auth

def basic(user, pw):
    return "Basic " + base64.b64encode(
        ("%s:%s" % (user, pw)).encode()).decode()


def test_publisher_auth_nested_callable(apache):
    """Nested def __auth__/__access__ and local __auth_realm__ protect a
    function; no credentials -> 401 with realm (PUB-auth-nested,
    PUB-auth-lookup, PUB-auth-missing, PUB-auth-realm, PUB-err-401)."""
    url = S + "auth/nested_callable"
    r = apache.get(url)
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == 'Basic realm="Nested Realm"'
    r = apache.get(url, auth=("alice", "bad"))
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == 'Basic realm = "Nested Realm"'
    assert text(apache, url, auth=("alice", "wonder")) == "nested ok"


def test_publisher_auth_dict(apache):
    """A dict __auth__: user and password must match (PUB-auth-dict,
    PUB-auth-callable)."""
    for name in ("nested_dict", "nested_multi_dict"):
        url = S + "auth/" + name
        assert apache.get(url).status_code == 401
        assert apache.get(url, auth=("bob", "nope")).status_code == 401
        assert apache.get(url, auth=("nobody", "builder")).status_code \
            == 401
        assert apache.get(url, auth=("bob", "builder")).status_code == 200
    assert apache.get(S + "auth/nested_multi_dict",
                      auth=("carol", "singer")).status_code == 200


def test_publisher_access_list_and_order(apache):
    """__auth__ first (401), then __access__ (403) (PUB-access-list,
    PUB-auth-order, PUB-err-403)."""
    url = S + "auth/nested_list_access"
    assert apache.get(url, auth=("bob", "wrong")).status_code == 401
    assert apache.get(url, auth=("bob", "builder")).status_code == 403
    assert text(apache, url, auth=("carol", "singer")) == "list access ok"
    url = S + "auth/nested_access_tuple"
    assert apache.get(url, auth=("x", "y")).status_code == 403
    assert apache.get(url).status_code == 403
    assert text(apache, url, auth=("dave", "any")) == "dave only"


def test_publisher_auth_constants(apache):
    """Constant __auth__/__access__: falsy denies, int truthy allows any
    user; a user is still required by __auth__ (PUB-auth-const,
    PUB-access-const)."""
    assert apache.get(S + "auth/nested_const_deny",
                      auth=("a", "b")).status_code == 401
    assert apache.get(S + "auth/nested_const_allow").status_code == 401
    assert text(apache, S + "auth/nested_const_allow",
                auth=("a", "b")) == "any user"
    assert apache.get(S + "auth/nested_access_const",
                      auth=("a", "b")).status_code == 403


def test_publisher_access_callable_gets_none_user(apache):
    """__access__(req, user) is called with user None without credentials
    (PUB-access-callable)."""
    assert text(apache, S + "auth/nested_access_none_user") == \
        "anonymous access None"
    assert apache.get(S + "auth/nested_access_none_user",
                      auth=("u", "p")).status_code == 403


@pytest.mark.log_expected(r"auth raised on purpose", r"TypeError",
                          r"PythonHandler mod_python\.publisher")
@pytest.mark.parametrize("name,status", [
    ("nested_dynamic", 401),      # not a constant: unknowable
    ("nested_closure", 403),      # closures are not supported
    ("nested_str_auth", 401),     # a str is no valid __auth__
    ("nested_str_access", 403),   # a str is no valid __access__
    ("nested_raising", 500),
    ("nested_wrong_signature", 500),
])
def test_publisher_auth_odd_values_fail_closed(apache, name, status):
    """A broken or odd nested __auth__/__access__ denies, never grants
    (PUB-auth-nested, PUB-auth-const, PUB-access-const)."""
    for creds in (None, ("alice", "wonder"), ("carol", "singer")):
        r = apache.get(S + "auth/" + name, auth=creds,
                       params={"q": "1"})
        assert r.status_code in (status, 401), (creds, r.status_code)
        assert r.status_code != 200
        assert "auth raised" not in r.text


@pytest.mark.parametrize("path", ["weird/page", "listauth/page",
                                  "subauth/page"])
def test_publisher_auth_odd_object_values_fail_closed(apache, path):
    """Object-level __auth__ of odd kinds (str, list) denies; any mapping
    is a user table, a dict subclass included (PUB-auth-dict,
    PUB-auth-const)."""
    for creds in (("alice", "wonder"), ("grace", "x"), ("wonder", "alice")):
        assert apache.get(S + "auth/" + path, auth=creds).status_code == 401
    if path == "subauth/page":
        assert text(apache, S + "auth/" + path,
                    auth=("grace", "hopper")) == "dict subclass page"


def test_publisher_auth_function_attributes(apache):
    """__auth__/__access__ set as function attributes are honoured
    (hardening; 3.5 ignored them) and __auth_realm__ attributes too
    (PUB-auth-func-attrs)."""
    r = apache.get(S + "auth/attr_protected")
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == 'Basic realm="Attr Realm"'
    assert text(apache, S + "auth/attr_protected",
                auth=("bob", "builder")) == "attr protected"
    assert apache.get(S + "auth/attr_access",
                      auth=("bob", "builder")).status_code == 403


def test_publisher_auth_object_and_method_levels(apache):
    """Instance-level protection covers its methods, realm inherited;
    a method's nested __access__ adds to it (PUB-auth-realm,
    PUB-auth-nested, PUB-auth-lookup)."""
    r = apache.get(S + "auth/section/page")
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == 'Basic realm="Section Realm"'
    assert text(apache, S + "auth/section/page",
                auth=("erin", "pw")) == "section page"
    assert apache.get(S + "auth/section/admin",
                      auth=("erin", "pw")).status_code == 403
    assert text(apache, S + "auth/access/page",
                auth=("frank", "x")) == "access page"
    assert apache.get(S + "auth/access/page",
                      auth=("eve", "x")).status_code == 403


def test_publisher_auth_module_level(apache):
    """Module-level __auth__/__access__/__auth_realm__ protect every
    object of the page (PUB-auth-realm, PUB-traverse)."""
    r = apache.get(S + "authmod")
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == 'Basic realm="Module Realm"'
    assert apache.get(S + "authmod", auth=("mod", "bad")).status_code == 401
    assert text(apache, S + "authmod", auth=("mod", "ule")) == \
        "module protected"


def test_publisher_auth_parse_errors(apache):
    """Unparsable Authorization at a protected step: 400; unprotected
    objects ignore the header, even a Digest one (PUB-auth-parse,
    PUB-err-400)."""
    url = S + "auth/nested_dict"
    for header in ("Basic !!!notbase64", "Basic " +
                   base64.b64encode(b"nocolon").decode(),
                   "Basic " + base64.b64encode(b"\xff\xfe:x").decode(),
                   'Digest username="bob"'):
        r = apache.get(url, headers={"Authorization": header})
        assert r.status_code == 400, header
    r = apache.get(S + "auth/open_page",
                   headers={"Authorization": 'Digest username="bob"'})
    assert r.status_code == 200
    assert r.text == "open"
    assert apache.get(url, headers={"Authorization": basic("bob",
                                                           "builder")}
                      ).status_code == 200
    # The credentials are split at the first ':'.
    url = S + "auth/nested_colon"
    assert text(apache, url, headers={"Authorization": basic("c", "a:b")}) \
        == "colon ok"
    assert apache.get(url, headers={"Authorization": basic("c", "a")}
                      ).status_code == 401


def test_publisher_auth_does_not_set_req_user(apache):
    """After publisher auth req.user stays unset; the Authorization header
    is read by the publisher itself, independent of Apache auth
    (PUB-auth-no-req-user, PUB-auth-independent)."""
    assert apache.get(S + "auth/gate/page").status_code == 401
    assert text(apache, S + "auth/gate/page", auth=("any", "gate")) == \
        "gate page; user attr None"


@pytest.mark.log_expected(r"publisher early module executed")
def test_publisher_module_runs_before_auth(apache):
    """The page's module code runs even for a request that auth then
    refuses (PUB-import-before-auth)."""
    page = apache.htdocs / "publisher" / "site" / "early.py"
    now = time.time() + 5
    os.utime(page, (now, now))
    apache.new_log()
    assert apache.get(S + "early").status_code == 401
    time.sleep(0.2)
    assert "publisher early module executed" in apache.new_log()


# ---------------------------------------------------------------- arguments

def test_publisher_args_query_and_post(apache):
    """Form fields match parameter names, as str, for query strings,
    urlencoded and multipart bodies; defaults apply (PUB-form, PUB-args,
    PUB-args-py3-types)."""
    assert text(apache, S + "args/echo", params={"a": "1"}) == \
        "a='1' b='default-b'"
    assert text(apache, S + "args/types_of", params={"a": "x", "zz": "y"}) \
        == "a:str='x' b:str='-'"
    assert text(apache, S + "args/types_of",
                data={"a": "caf\u00e9", "b": ""}) == \
        "a:str='caf\u00e9' b:str=''"
    assert text(apache, S + "args/types_of",
                files={"a": (None, "multi"), "b": (None, "part")}) == \
        "a:str='multi' b:str='part'"


def test_publisher_args_req(apache):
    """`req` is passed only when declared; req.form is the FieldStorage
    (PUB-args-req, PUB-form)."""
    assert text(apache, S + "args/with_req", params={"a": "v"}) == \
        "req is request: True; a='v'; form is FieldStorage: True"
    assert text(apache, S + "args/no_req") == "req_x='missing'"
    assert text(apache, S + "args/form_reuse", data={"a": "posted"}) == \
        "form has a: 'posted'"


def test_publisher_args_kwargs(apache):
    """**kwargs receives every field and req (PUB-args)."""
    assert text(apache, S + "args/kwargs", params={"x": "1", "y": "2"}) == \
        "req='mp_request'|x='1'|y='2'"
    body = text(apache, S + "args/kwargs", data={"x": "1", "y": "2"})
    assert "x='1'" in body and "y='2'" in body and "req=" in body


def test_publisher_args_multi(apache):
    """Repeated fields become a list in arrival order (PUB-args-multi)."""
    assert text(apache, S + "args/echo?a=1&a=2&a=3") == \
        "a=['1', '2', '3'] b='default-b'"


def test_publisher_args_file(apache):
    """Uploads arrive as util.Field objects (PUB-args-file)."""
    body = text(apache, S + "args/upload",
                files={"file": ("up.bin", b"\x00data\xff"),
                       "note": (None, "n")})
    assert body == "type=Field filename=up.bin data=b'\\x00data\\xff' " \
                   "note='n'"


@pytest.mark.log_expected(r"TypeError", r"PythonHandler mod_python")
def test_publisher_args_missing_is_500(apache):
    """A required parameter without a field: TypeError -> 500
    (PUB-args-missing, PUB-err-500)."""
    assert apache.get(S + "args/echo").status_code == 500


def test_publisher_args_kwonly(apache):
    """Keyword-only parameters are filled from the form here (util's
    apply_fs_data accepts them; 3.5 only with **kwargs)
    (PUB-args-kwonly)."""
    assert text(apache, S + "args/kwonly", params={"a": "1", "k": "2"}) \
        == "a='1' k='2'"
    assert text(apache, S + "args/kwonly_kw", params={"k": "3"}) == "k='3'"


def test_publisher_args_req_field_ignored(apache):
    """A client field named `req` never replaces the request (3.5: 500)
    (PUB-args-reqfield)."""
    assert text(apache, S + "args/with_req", params={"req": "evil",
                                                     "a": "1"}) == \
        "req is request: True; a='1'; form is FieldStorage: True"
    body = text(apache, S + "args/kwargs", params={"req": "evil"})
    assert body == "req='mp_request'"


def test_publisher_callable_objects(apache):
    """Instances with __call__, also as an instance attribute, are called;
    a returned callable is called too (PUB-callable-test,
    PUB-publish-callable)."""
    assert text(apache, S + "args/callee", params={"x": "1"}) == \
        "instance called x='1'"
    assert text(apache, S + "args/attrcall", params={"y": "2"}) == \
        "attribute call y='2'"
    assert text(apache, S + "args/returns_callable", params={"z": "3"}) \
        == "returned callable z='3'"


# ---------------------------------------------------------------- output

def test_publisher_ctype_guess(apache):
    """text/html only for a closing html tag in the last 100 characters,
    else text/plain; an explicit type is kept (PUB-ctype-guess,
    PUB-api-regex)."""
    r = apache.get(S + "out/html")
    assert r.headers["Content-Type"].startswith("text/html")
    r = apache.get(S + "out/html_early")
    assert r.headers["Content-Type"].startswith("text/plain")
    r = apache.get(S + "out/plain")
    assert r.headers["Content-Type"].startswith("text/plain")
    assert r.text == "just text"
    r = apache.get(S + "out/explicit")
    assert r.headers["Content-Type"] == "application/x-custom"


def test_publisher_publish_str_of_objects(apache):
    """Non-callables are published as str(); classes are not (that was
    2.x: PUB-2x-str) (PUB-publish-str)."""
    assert text(apache, S + "out/number") == "42"
    assert text(apache, S + "out/thing") == "thing as string"
    assert text(apache, S + "out/mapping") == "{'k': 'v'}"
    assert text(apache, S + "out/answer") == "1234"


def test_publisher_publish_none(apache):
    """None writes nothing; 200 with an empty body, or what the code
    wrote (PUB-publish-none)."""
    r = apache.get(S + "out/none")
    assert r.status_code == 200 and r.content == b""
    assert text(apache, S + "out/writes") == "written directly"


def test_publisher_publish_bytes_and_text(apache):
    """bytes are written verbatim (3.5 wrote the repr); str is UTF-8
    (PUB-publish-bytes, PUB-publish-unicode-py2)."""
    r = apache.get(S + "out/bytes_result")
    assert r.content == b"raw \xff bytes"
    r = apache.get(S + "out/unicode_text")
    assert r.content == "caf\u00e9 \u20ac".encode("utf-8")


def test_publisher_psp_like_result(apache):
    """An object whose str() runs a template (like psp.PSP) keeps the
    type it set and its output (PUB-psp-result)."""
    r = apache.get(S + "out/template")
    assert r.headers["Content-Type"].startswith("text/html")
    assert r.text == "<p>template output</p>"


def test_publisher_head_and_content_length(apache):
    """HEAD runs like GET with no body sent; output is not flushed so
    Content-Length is set (PUB-head, PUB-no-flush)."""
    r = apache.request("HEAD", S + "out/whoami")
    assert r.status_code == 200
    assert r.content == b""
    assert r.headers.get("Content-Length") == str(len("method=HEAD"))
    r = apache.get(S + "out/big")
    assert r.headers.get("Content-Length") == "5000"
    assert "chunked" not in r.headers.get("Transfer-Encoding", "")


@pytest.mark.log_expected(r"nothing to publish")
def test_publisher_nothing_log(apache):
    """With PythonDebug, publishing None without output logs "nothing to
    publish" (PUB-nothing-log, PUB-options)."""
    apache.new_log()
    r = apache.get("/publisher/debug/dbg/nothing")
    assert r.status_code == 200
    time.sleep(0.2)
    assert "mod_python.publisher: nothing to publish" in apache.new_log()
    apache.get(S + "out/none")
    time.sleep(0.2)
    assert "nothing to publish" not in apache.new_log()


@pytest.mark.log_expected(r"debug boom on purpose",
                          r"PythonHandler mod_python\.publisher")
def test_publisher_debug_traceback_page(apache):
    """Exceptions give 500; with PythonDebug On the generic traceback page
    (PUB-err-500, PUB-options)."""
    r = apache.get("/publisher/debug/dbg/boom")
    assert r.status_code == 500
    assert "debug boom on purpose" in r.text
    assert "<pre>" in r.text


def test_publisher_form_errors(apache):
    """FieldStorage statuses when a callable is published: 411 without a
    length, 501 for an unknown body type, 400 for multipart without a
    boundary (PUB-err-411, PUB-err-501, PUB-err-400)."""
    raw = apache.raw(b"POST " + S.encode() + b"out/plain HTTP/1.1\r\n"
                     b"Host: x\r\nContent-Type: application/"
                     b"x-www-form-urlencoded\r\nConnection: close\r\n\r\n")
    assert raw.split(b"\r\n", 1)[0] == b"HTTP/1.1 411 Length Required"
    r = apache.post(S + "out/plain", data=b"x",
                    headers={"Content-Type": "text/csv"})
    assert r.status_code == 501
    r = apache.post(S + "out/plain", data=b"x",
                    headers={"Content-Type": "multipart/form-data"})
    assert r.status_code == 400
    # A non-callable is published without reading the body.
    r = apache.post(S + "out/answer", data=b"x",
                    headers={"Content-Type": "text/csv"})
    assert r.status_code == 200


# ---------------------------------------------------------------- cache

def write_page(path, body, mtime):
    path.write_text(body)
    path.chmod(0o644)
    os.utime(path, (mtime, mtime))


@pytest.mark.log_expected(r"mod_python\.publisher: (Loading|Reloading)")
def test_publisher_cache_reload_on_any_mtime_change(apache):
    """A changed mtime, newer or older, reloads the page into a new module
    object; module state is lost; debug logs the (re)load (PUB-cache,
    PUB-cache-load, PUB-cache-reload, PUB-cache-log, PUB-api-cache)."""
    page = apache.htdocs / "publisher" / "debug" / "rl.py"
    src = ('import sys\nstate = []\n'
           'def index():\n    state.append(1)\n'
           '    return "%s %%d %%s %%s" %% (len(state), __name__, '
           '__name__ in sys.modules)\n')
    base = time.time() - 1000
    write_page(page, src % "v1", base)
    apache.new_log()
    body = text(apache, "/publisher/debug/rl")
    assert body.startswith("v1 ")
    name = body.split()[2]
    assert name.endswith("_publisher_debug_rl_py")
    assert body.split()[3] == "False"
    write_page(page, src % "v2", base - 500)     # older mtime
    bodies = {text(apache, "/publisher/debug/rl") for _ in range(6)}
    assert all(b.startswith("v2 ") for b in bodies)
    log = apache.new_log()
    assert "Loading page" in log or "Reloading page" in log
    assert str(page) in log


def test_publisher_autoreload_off(apache):
    """PythonAutoReload Off: a page once loaded is never checked again
    (PUB-autoreload)."""
    page = apache.htdocs / "publisher" / "noreload" / "frozen.py"
    for _ in range(10):
        assert text(apache, "/publisher/noreload/frozen") == "one"
    write_page(page, 'def index():\n    return "two"\n', time.time() + 50)
    seen = collections.Counter(text(apache, "/publisher/noreload/frozen")
                               for _ in range(10))
    # A process that had it loaded keeps "one"; one that never loaded it
    # (prefork) loads the new file.
    assert seen["one"] > 0 or apache.mpm == "prefork"


def test_publisher_cache_threads_build_once(apache):
    """Concurrent first requests build the page once per process
    (PUB-cache-threads)."""
    page = apache.htdocs / "publisher" / "site" / "slowload.py"
    write_page(page, 'import time, os, random\n'
               'TOKEN = "%s-%s" % (os.getpid(), random.random())\n'
               'time.sleep(0.3)\n'
               'def index():\n    return TOKEN\n', time.time())
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        bodies = list(pool.map(lambda _: text(apache, S + "slowload"),
                               range(8)))
    per_pid = collections.defaultdict(set)
    for b in bodies:
        per_pid[b.split("-")[0]].add(b)
    assert all(len(tokens) == 1 for tokens in per_pid.values())


def test_publisher_api_names(apache):
    """The module API: handler, process_auth, resolve_object,
    publish_object, PageCache/page_cache, tp_rules and the defaults,
    re_html/re_charset; no get_page (PUB-api-handler,
    PUB-api-process_auth, PUB-api-resolve_object, PUB-api-publish_object,
    PUB-api-cache, PUB-api-rules, PUB-api-regex, PUB-api-get_page)."""
    body = text(apache, "/publisher/apicheck/")
    assert body == "ok", body


def test_publisher_empty_results_are_200(apache):
    """An empty string or None is a normal 200, not the 500 of 2.x/3.1
    (PUB-publish-none, PUB-2x-empty)."""
    for path in ("out/empty", "out/none"):
        r = apache.get(S + path)
        assert r.status_code == 200
        assert r.content == b""


def test_publisher_leading_html_is_plain(apache):
    """Only a closing tag at the end means html; a leading <html> does not
    any more (PUB-ctype-guess, PUB-2x-guess)."""
    r = apache.get(S + "out/leading_html")
    assert r.headers["Content-Type"].startswith("text/plain")


def test_publisher_pages_not_in_sys_modules_and_ext_rules(apache):
    """Pages are not imported by name into sys.modules (PUB-2x-import);
    with SetHandler a Python import suffix other than .py is not stripped
    (PUB-2x-ext, PUB-ext-strip)."""
    assert apache.get(S + "shop.pyc").status_code == 404
    assert text(apache, S + "shop.py") == "shop index"


@pytest.mark.log_expected(r"callables returned in a row",
                          r"PythonHandler mod_python\.publisher")
def test_publisher_self_returning_callable_is_500(apache):
    """A callable that keeps returning a callable ends in 500, not a hang
    (PUB-publish-callable, PUB-err-500)."""
    assert apache.get(S + "out/selfish").status_code == 500


def test_publisher_source_never_served(apache):
    """Neither a page's source nor a template's is sent, with PythonDebug
    On too, whatever suffix is appended (PUB-hist-psp, PUB-hist-2005)."""
    for path in ("dbg.py_", "dbg.py.txt", "dbg.pyc", "tmpl.psp_",
                 "tmpl.psp"):
        r = apache.get("/publisher/debug/" + path)
        assert r.status_code == 404, path
        assert "debug boom on purpose" not in r.text
        assert "template secret" not in r.text
