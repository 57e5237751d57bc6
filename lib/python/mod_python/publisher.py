"""The Publisher handler: maps a URL onto a Python file and an object in
it, calls or publishes that object, and optionally protects it with HTTP
Basic auth (publisher.md, PUB-*).

Use::

    <Directory /var/www/app>
        SetHandler mod_python
        PythonHandler mod_python.publisher
    </Directory>

Hardening compared with mod_python 3.5 (each is marked in the code):

* Names that a published module binds with ``import``/``from ... import``
  and functions defined in another module are not reachable through a
  URL (403; PUB-imported-callables); after a star import only the names
  the page binds itself are.  Only names looked up on the page itself
  are checked; attributes of published objects are not.  A page that really wants to publish
  imported names sets ``__publish_imported__ = True``; a whole site can
  set ``mod_python.publisher.publish_imported = True`` (e.g. from a
  PythonImport module).
* Every class is refused, whatever its metaclass (PUB-metaclass), and so
  are the descriptor/wrapper types of built-in methods.
* ``__auth__``/``__access__`` fail closed: values other than the
  documented kinds (callable, mapping / sequence, bool or int) deny, a
  nested definition that cannot be evaluated statically denies, and
  ``__auth__``/``__access__`` set as attributes of a function are honoured
  in addition to nested definitions (PUB-auth-*).
* The Authorization header must use the Basic scheme; password compare is
  constant-time.
* An empty path component is 404 instead of 500 (PUB-empty-component).
* ``bytes`` results are written verbatim (PUB-publish-bytes).
* A client form field named ``req`` never replaces the request
  (PUB-args-reqfield; done by util.apply_fs_data).
* A chain of more than 64 callables returning callables is an error
  (500) instead of unbounded recursion (PUB-publish-callable).
* Suffixes are matched literally (escaped) when stripping the extension
  (PUB-ext-strip).
"""

import ast
import base64
import collections.abc
import dis
import functools
import hmac
import os
import re
import sys
import threading
import types

from _apache import _mtime_ns
from mod_python import apache, util

# Site-wide opt-out of the imported-names restriction (see module doc).
publish_imported = False

# The closing-html detector for content-type guessing (PUB-ctype-guess)
# and the charset extractor kept for API compatibility (PUB-api-regex).
re_html = re.compile(r"</html\s*>\s*$", re.I)
re_charset = re.compile(r"charset\s*=\s*([^\s;]+)", re.I)


# ----------------------------------------------------------------------
# Traversal and publishing rules (PUB-tp-rules)

# (traversable, publishable) keyed by the exact type of an object.
default_builtins_tp_rule = (False, True)
default_tp_rule = (True, True)

tp_rules = {}
for _t in vars(types).values():
    if isinstance(_t, type):
        tp_rules[_t] = default_builtins_tp_rule
tp_rules.update({
    types.ModuleType: (False, False),
    types.BuiltinFunctionType: (False, False),
    type: (False, False),
    types.GeneratorType: (False, True),
    # Hardening: unbound built-in methods and slot wrappers are built-ins
    # as much as bound ones are.
    types.MethodDescriptorType: (False, False),
    types.WrapperDescriptorType: (False, False),
    types.MethodWrapperType: (False, False),
    types.ClassMethodDescriptorType: (False, False),
})
del _t


def _rule(obj):
    # Hardening (PUB-metaclass): any class, whatever its metaclass.
    if isinstance(obj, type):
        return (False, False)
    return tp_rules.get(type(obj), default_tp_rule)


# ----------------------------------------------------------------------
# The page cache (PUB-cache-*)

class _Entry:
    __slots__ = ("lock", "module", "mtime")

    def __init__(self):
        self.lock = threading.Lock()
        self.module = None
        self.mtime = None


def _bindings(tree):
    """``(imported, own, star)`` for a page's syntax tree: the names
    module-level import statements bind, the names the page's own code
    binds (assignments, def, class, ``global`` in functions), and whether
    there is a star import."""
    imported, own = set(), set()
    star = False
    todo = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Import):
            for alias in node.names:
                imported.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name == "*":
                    star = True
                else:
                    imported.add(alias.asname or alias.name)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef,
                               ast.ClassDef)):
            own.add(node.name)
            # Decorators and defaults run at module level.
            todo.extend(node.decorator_list)
        elif isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Store):
                own.add(node.id)
        elif not isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp,
                                   ast.DictComp, ast.GeneratorExp)):
            todo.extend(ast.iter_child_nodes(node))
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            own.update(node.names)
    return frozenset(imported), frozenset(own), star


class PageCache:
    """Published modules by file name, loaded by path (never put into
    sys.modules) and reloaded when the file's mtime changes in any
    direction.  Thread-safe: one lock for the table, one per entry.

    ``page_cache[req]`` returns the module for ``req.filename``, honouring
    PythonAutoReload and PythonDebug (PUB-api-cache)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._entries = {}

    def key(self, req):
        return req.filename

    def __getitem__(self, req):
        path = self.key(req)
        config = req.get_config()
        module = self.get(req, path, int(config.get("PythonAutoReload", 1)),
                          int(config.get("PythonDebug", 0)))
        if module is None:
            raise FileNotFoundError(path)
        return module

    def get(self, req, path, autoreload, debug):
        """The module of the page at `path`, or None if there is no such
        file."""
        entry = self._entries.get(path)
        loaded = entry is not None and entry.module is not None
        if loaded and not autoreload:
            return entry.module
        mtime = _mtime_ns(path)
        if mtime is None:
            return None
        if loaded and entry.mtime == mtime:
            # The common case needs no lock: a module is only ever
            # replaced by a complete one.
            return entry.module
        with self._lock:
            entry = self._entries.get(path)
            if entry is None:
                entry = self._entries[path] = _Entry()
        with entry.lock:
            # Another thread may have (re)loaded it meanwhile.
            if entry.module is None or (autoreload
                                        and entry.mtime != mtime):
                if debug:
                    what = "Reloading" if entry.module is not None \
                        else "Loading"
                    req.log_error("mod_python.publisher: %s page %s"
                                  % (what, path), apache.APLOG_NOTICE)
                entry.module = self.build(path)
                entry.mtime = mtime
            return entry.module

    def __delitem__(self, path):
        with self._lock:
            del self._entries[path]

    def clear(self):
        with self._lock:
            self._entries.clear()

    def build(self, path):
        with open(path, "rb") as f:
            source = f.read()
        module = types.ModuleType(re.sub(r"\W+", "_", path))
        module.__file__ = path
        tree = ast.parse(source, path)
        code = compile(tree, path, "exec", dont_inherit=True)
        module.__dict__["__publisher_bindings__"] = _bindings(tree)
        module.__dict__[_PLAIN] = {}
        exec(code, module.__dict__)
        return module


page_cache = PageCache()


def _is_imported(module, name, obj):
    """Whether `obj`, found as `name` in the published `module`, came
    from elsewhere (hardening of PUB-imported-callables): bound by an
    import statement, a function defined in another module, or with a
    star import anything the page does not bind itself."""
    space = module.__dict__
    if space.get("__publish_imported__") or publish_imported:
        return False
    imported, own, star = space.get("__publisher_bindings__",
                                    ((), (), True))
    if name in imported or (star and name not in own):
        return True
    if isinstance(obj, types.FunctionType):
        # A decorator from elsewhere is fine when it wraps a page function
        # (functools.wraps leaves __wrapped__).
        for _ in range(16):
            if obj.__globals__ is space:
                return False
            obj = obj.__dict__.get("__wrapped__")
            if not isinstance(obj, types.FunctionType):
                return True
        return True
    return False


# ----------------------------------------------------------------------
# Static lookup of __auth__, __access__, __auth_realm__ inside functions
# (PUB-auth-nested)

_AUTH_NAMES = ("__auth__", "__access__", "__auth_realm__")
_STORES = {"STORE_FAST", "STORE_NAME", "STORE_GLOBAL", "STORE_DEREF",
           "DELETE_FAST", "DELETE_NAME", "DELETE_GLOBAL", "DELETE_DEREF"}
_PURE = {"LOAD_CONST", "LOAD_SMALL_INT", "BUILD_LIST", "BUILD_TUPLE",
         "BUILD_SET", "BUILD_MAP", "BUILD_CONST_KEY_MAP", "LIST_EXTEND",
         "SET_UPDATE", "MAKE_FUNCTION", "SET_FUNCTION_ATTRIBUTE",
         "EXTENDED_ARG", "NOP"}


class _Unresolvable(Exception):
    pass


# Present but not statically known: denies (fails closed).
_UNKNOWN = object()


def _evaluate(instrs, func_globals):
    """Run a straight-line run of pure instructions; the value it leaves,
    or raise _Unresolvable."""
    stack = []

    def pop(n=1):
        if n > len(stack):
            raise _Unresolvable()
        items = stack[len(stack) - n:]
        del stack[len(stack) - n:]
        return items

    for ins in instrs:
        op, arg = ins.opname, ins.arg
        if op in ("EXTENDED_ARG", "NOP"):
            continue
        if op in ("LOAD_CONST", "LOAD_SMALL_INT"):
            stack.append(ins.argval)
        elif op == "BUILD_LIST":
            stack.append(list(pop(arg)))
        elif op == "BUILD_TUPLE":
            stack.append(tuple(pop(arg)))
        elif op == "BUILD_SET":
            stack.append(set(pop(arg)))
        elif op == "BUILD_MAP":
            items = pop(2 * arg)
            stack.append(dict(zip(items[::2], items[1::2])))
        elif op == "BUILD_CONST_KEY_MAP":
            keys, = pop(1)
            values = pop(arg)
            stack.append(dict(zip(keys, values)))
        elif op in ("LIST_EXTEND", "SET_UPDATE"):
            items, = pop(1)
            if len(stack) < arg:
                raise _Unresolvable()
            target = stack[-arg]
            if op == "LIST_EXTEND":
                target.extend(items)
            else:
                target.update(items)
        elif op == "MAKE_FUNCTION":
            code, = pop(1)
            if sys.version_info < (3, 11):
                code, = pop(1)          # the qualname was on top
            if not isinstance(code, types.CodeType):
                raise _Unresolvable()
            flags = arg or 0
            if flags & 0x08 or code.co_freevars:
                raise _Unresolvable()   # closures are not supported
            extra = {}
            for bit, key in ((0x04, "annotations"), (0x02, "kwdefaults"),
                             (0x01, "defaults")):
                if flags & bit:
                    extra[key], = pop(1)
            func = types.FunctionType(code, func_globals, code.co_name,
                                      extra.get("defaults"))
            if extra.get("kwdefaults"):
                func.__kwdefaults__ = extra["kwdefaults"]
            stack.append(func)
        elif op == "SET_FUNCTION_ATTRIBUTE":
            func, = pop(1)
            value, = pop(1)
            if not isinstance(func, types.FunctionType):
                raise _Unresolvable()
            if arg & 0x08:
                raise _Unresolvable()
            if arg & 0x01:
                func.__defaults__ = value
            elif arg & 0x02:
                func.__kwdefaults__ = value
            stack.append(func)
        else:
            raise _Unresolvable()
    if len(stack) != 1:
        raise _Unresolvable()
    return stack[0]


def _nested_auth(func):
    """{name: value} for the auth names a function defines in its body;
    the value is _UNKNOWN when it cannot be found statically."""
    code = func.__code__
    found = {}
    candidates = [n for n in _AUTH_NAMES
                  if n in code.co_varnames or n in code.co_cellvars
                  or n in code.co_names]
    if not candidates:
        return found
    instrs = list(dis.get_instructions(code))
    stores = {}
    for i, ins in enumerate(instrs):
        if ins.opname in _STORES and ins.argval in _AUTH_NAMES:
            stores.setdefault(ins.argval, []).append(i)
    for name in candidates:
        where = stores.get(name)
        if name in code.co_varnames[:code.co_argcount
                                     + code.co_kwonlyargcount]:
            found[name] = _UNKNOWN      # an argument named so
            continue
        if not where:
            if name in code.co_varnames or name in code.co_cellvars:
                found[name] = _UNKNOWN
            continue                    # only read (e.g. an attribute)
        if len(where) != 1 or instrs[where[0]].opname.startswith("DELETE"):
            found[name] = _UNKNOWN
            continue
        end = where[0]
        start = end
        while start > 0 and instrs[start - 1].opname in _PURE:
            start -= 1
        value = _UNKNOWN
        # The shortest run of pure instructions ending at the store that
        # leaves exactly one value is the assigned expression.
        for k in range(end - 1, start - 1, -1):
            if any(ins.is_jump_target for ins in instrs[k + 1:end + 1]):
                break
            try:
                value = _evaluate(instrs[k:end], func.__globals__)
                break
            except _Unresolvable:
                continue
            except Exception:
                break
        found[name] = value
    return found


# ----------------------------------------------------------------------
# Authentication and access control (PUB-auth-*)

def _deny_auth(req, realm, spaced=False):
    """401 with the WWW-Authenticate header in one of its two spellings
    (PUB-auth-missing, PUB-auth-callable)."""
    realm = str(realm).replace("\r", " ").replace("\n", " ")
    if spaced:
        value = 'Basic realm = "%s"' % realm
    else:
        value = 'Basic realm="%s"' % realm
    req.err_headers_out["WWW-Authenticate"] = value
    raise apache.SERVER_RETURN(apache.HTTP_UNAUTHORIZED)


def _parse_credentials(req):
    header = req.headers_in.get("Authorization")
    if not header:
        return None, None
    try:
        scheme, _, data = header.strip().partition(" ")
        if scheme.lower() != "basic":
            raise ValueError("not Basic")
        text = base64.b64decode(data.strip(), validate=True).decode("utf-8")
        user, passwd = text.split(":", 1)
    except Exception:
        raise apache.SERVER_RETURN(apache.HTTP_BAD_REQUEST)
    return user, passwd


def _same(a, b):
    if not isinstance(a, str) or not isinstance(b, str):
        return False
    return hmac.compare_digest(a.encode("utf-8", "surrogateescape"),
                               b.encode("utf-8", "surrogateescape"))


def _auth_ok(req, auth, user, passwd):
    """Whether one __auth__ value admits the user; odd values deny."""
    if auth is _UNKNOWN:
        return False
    if isinstance(auth, collections.abc.Mapping):
        try:
            return user in auth and _same(auth[user], passwd)
        except Exception:
            return False
    if callable(auth):
        return bool(auth(req, user, passwd))
    if isinstance(auth, (bool, int)):
        return bool(auth)
    return False


def _access_ok(req, access, user):
    """Whether one __access__ value admits the user; odd values deny."""
    if access is _UNKNOWN:
        return False
    if isinstance(access, (list, tuple, set, frozenset)):
        return user is not None and user in access
    if isinstance(access, (str, bytes, collections.abc.Mapping)):
        return False
    if callable(access):
        return bool(access(req, user))
    if isinstance(access, (bool, int)):
        return bool(access)
    return False


def process_auth(req, object, realm="unknown", user=None, passwd=None):
    """Apply the __auth_realm__, __auth__ and __access__ of `object`;
    return the (realm, user, passwd) to carry down the path.  Raises
    SERVER_RETURN with 400, 401 or 403 (PUB-api-process_auth)."""
    auths, accesses = [], []
    func = object
    if isinstance(object, types.MethodType):
        func = object.__func__
    if isinstance(func, types.FunctionType):
        nested = _nested_auth(func)
        attrs = func.__dict__
        if "__auth_realm__" in attrs:
            realm = attrs["__auth_realm__"]
        if "__auth_realm__" in nested:
            value = nested["__auth_realm__"]
            if isinstance(value, str):
                realm = value
        # Hardening (PUB-auth-func-attrs): attributes count as well.
        for name, into in (("__auth__", auths), ("__access__", accesses)):
            if name in nested:
                into.append(nested[name])
            if name in attrs:
                into.append(attrs[name])
    elif isinstance(object, types.ModuleType):
        # A page: its own globals (a dict lookup, where hasattr() would
        # raise and catch an AttributeError for each name per request).
        space = object.__dict__
        realm = space.get("__auth_realm__", realm)
        if "__auth__" in space:
            auths.append(space["__auth__"])
        if "__access__" in space:
            accesses.append(space["__access__"])
    elif not isinstance(object, types.MethodType):
        if hasattr(object, "__auth_realm__"):
            realm = object.__auth_realm__
        if hasattr(object, "__auth__"):
            auths.append(object.__auth__)
        if hasattr(object, "__access__"):
            accesses.append(object.__access__)
    else:
        # A bound method of something that is not a Python function:
        # honour its own attributes if any.
        for name, into in (("__auth__", auths), ("__access__", accesses)):
            if hasattr(object, name):
                into.append(getattr(object, name))

    if not auths and not accesses:
        return realm, user, passwd
    if user is None:
        user, passwd = _parse_credentials(req)
    for auth in auths:
        if user is None:
            _deny_auth(req, realm)
        if not _auth_ok(req, auth, user, passwd):
            _deny_auth(req, realm, spaced=True)
    for access in accesses:
        if not _access_ok(req, access, user):
            raise apache.SERVER_RETURN(apache.HTTP_FORBIDDEN)
    return realm, user, passwd


# ----------------------------------------------------------------------
# Traversal (PUB-traverse)

def _refuse(req, what):
    req.log_error("mod_python.publisher: access to %s refused, URI %s"
                  % (what, req.unparsed_uri), apache.APLOG_WARNING)
    raise apache.SERVER_RETURN(apache.HTTP_FORBIDDEN)


def resolve_object(req, obj, object_str, realm=None, user=None,
                   passwd=None):
    """Follow the dotted `object_str` from `obj` (the published module),
    checking names, types and auth at each step; the object to publish
    (PUB-api-resolve_object)."""
    module = obj if isinstance(obj, types.ModuleType) else None
    first = True
    for name in object_str.split("."):
        if not name:
            # 3.5 answered 500 (IndexError); an empty name is simply not
            # there (PUB-empty-component).
            raise apache.SERVER_RETURN(apache.HTTP_NOT_FOUND)
        if name[0] == "_":
            _refuse(req, "private name %r" % name)
        if not first and not _rule(obj)[0]:
            _refuse(req, "%r inside a %s" % (name, type(obj).__name__))
        try:
            child = getattr(obj, name)
        except AttributeError:
            raise apache.SERVER_RETURN(apache.HTTP_NOT_FOUND)
        if first and module is not None and _is_imported(module, name,
                                                         child):
            _refuse(req, "imported name %r" % name)
        obj = child
        first = False
        realm, user, passwd = process_auth(req, obj, realm, user, passwd)
    if not _rule(obj)[1]:
        _refuse(req, "a %s" % type(obj).__name__)
    return obj


# ----------------------------------------------------------------------
# Publishing (PUB-publish-*)

def _is_callable(obj):
    """PUB-callable-test."""
    if isinstance(obj, collections.abc.Callable):
        return True
    try:
        call = getattr(obj, "__call__", None)
    except Exception:
        return False
    return call is not None and callable(call)


_MAX_CALLS = 64


def publish_object(req, obj):
    """Call `obj` with the form data if callable, publish what comes out;
    True if something was written, False for None
    (PUB-api-publish_object)."""
    calls = 0
    while _is_callable(obj):
        # 3.5 recursed here and ended in RecursionError; a bound keeps a
        # callable returning itself from spinning forever.
        calls += 1
        if calls > _MAX_CALLS:
            raise RuntimeError("mod_python.publisher: more than %d "
                               "callables returned in a row" % _MAX_CALLS)
        req.form = util.FieldStorage(req, keep_blank_values=1)
        obj = util.apply_fs_data(obj, req.form, req=req)
    if obj is None:
        return False
    if isinstance(obj, (bytes, bytearray, memoryview)):
        # 3.5 wrote the repr (PUB-publish-bytes): write the bytes.
        data = bytes(obj)
        tail = data[-100:].decode("latin-1")
    else:
        data = str(obj)
        tail = data[-100:]
    if not req._content_type_set:
        if re_html.search(tail):
            req.content_type = "text/html"
        else:
            req.content_type = "text/plain"
    # No flush: Apache can then add Content-Length (PUB-no-flush).
    req.write(data, 0)
    return True


# ----------------------------------------------------------------------
# The handler (PUB-entry)

@functools.lru_cache(maxsize=64)
def _suffix_pattern(exts, extension):
    """The extensions stripped from a URL, as a pattern (made once per
    configuration, not per request)."""
    suffixes = ["py"]
    if exts:
        suffixes.extend(exts.split())
    if extension:
        suffixes.append(extension[1:])
    suffixes = [s for s in suffixes if s]
    return re.compile(r"\.(?:%s)$" % "|".join(map(re.escape, suffixes)))


@functools.lru_cache(maxsize=1024)
def _candidates(filename, path_info, exts, extension):
    """Where a URL can lead, as ``((page, object path), (index page,
    object path))``: the page the URL names, and index.py of its
    directory for when that page does not exist.  Pure string work, so
    it is worked out once per URL and configuration."""
    directory, module_name = os.path.split(filename)
    if not module_name:
        module_name = "index"
    module_name = _suffix_pattern(exts, extension).sub("", module_name,
                                                       count=1)
    func_path = path_info or ""
    if func_path.startswith("/"):
        func_path = func_path[1:]
    if func_path.endswith("/"):
        func_path = func_path[:-1]
    in_index = module_name + "/" + func_path if func_path else module_name
    return ((os.path.normpath(os.path.join(directory, module_name + ".py")),
             func_path.replace("/", ".") or "index"),
            (os.path.normpath(os.path.join(directory, "index.py")),
             in_index.replace("/", ".")))


# A page's functions already found publishable with no auth anywhere on
# their way, by object path: {name: (function, takes req)}, kept in the
# page's own namespace (PageCache.build), so a reload starts afresh.
_PLAIN = "__publisher_plain__"


def _plain_target(module, func_path):
    """The function at `func_path` if it was found plain before and
    nothing it depends on has changed since; else None."""
    space = module.__dict__
    found = space.get(_PLAIN, {}).get(func_path)
    if (found is not None and space.get(func_path) is found[0]
            and not found[0].__dict__ and "__auth__" not in space
            and "__access__" not in space):
        return found
    return None


def _remember_plain(module, func_path, obj):
    """Record `obj`, just resolved with every check, when the checks will
    come out the same next time: a function of the page itself, found
    directly in it, with no __auth__/__access__ of its own or of the
    page."""
    space = module.__dict__
    if (type(obj) is types.FunctionType and "." not in func_path
            and obj.__globals__ is space and not obj.__dict__
            and "__auth__" not in space and "__access__" not in space
            and not _nested_auth(obj) and _PLAIN in space):
        _target, code, accepted = util._signature(obj)
        takes_req = ("req" in accepted
                     or bool(code.co_flags & util._CO_VARKEYWORDS))
        space[_PLAIN][func_path] = (obj, takes_req)


def _call_plain(req, found):
    """What calling a plain function with the form gives: its result."""
    obj, takes_req = found
    form = req.form = util.FieldStorage(req, keep_blank_values=1)
    if form.list:
        return util.apply_fs_data(obj, form, req=req)
    return obj(req=req) if takes_req else obj()


def handler(req):
    """Map the URL onto a page and an object in it and publish it
    (PUB-api-handler)."""
    req.allow_methods(["GET", "POST", "HEAD"])
    if req.method not in ("GET", "POST", "HEAD"):
        raise apache.SERVER_RETURN(apache.HTTP_METHOD_NOT_ALLOWED)

    (path, func_path), in_index = _candidates(
        req.filename, req.path_info, req.get_addhandler_exts(),
        req.extension)
    config = req.get_config()
    autoreload = int(config.get("PythonAutoReload", 1))
    debug = int(config.get("PythonDebug", 0))
    module = page_cache.get(req, path, autoreload, debug)
    if module is None:
        path, func_path = in_index
        module = page_cache.get(req, path, autoreload, debug)
        if module is None:
            raise apache.SERVER_RETURN(apache.HTTP_NOT_FOUND)
    req.filename = path

    # The common case, a page function without auth, skips the checks
    # that found it publishable the first time (they depend only on what
    # _plain_target looks at again).
    found = _plain_target(module, func_path)
    if found is not None:
        published = publish_object(req, _call_plain(req, found))
    else:
        realm, user, passwd = process_auth(req, module)
        obj = resolve_object(req, module, func_path, realm, user, passwd)
        _remember_plain(module, func_path, obj)
        published = publish_object(req, obj)
    if (not published and req._bytes_queued == 0 and req.next is None
            and debug):
        req.log_error("mod_python.publisher: nothing to publish.")
    return apache.OK
