"""Thread-safe caches of built values (CACHE-*).

Cache maps a name to a value made by build(); check() decides on every
access whether the value is still fresh.  Each entry has its own lock, so
a slow build of one entry does not hold up the others, and two threads
asking for the same new entry build it once.  Subclasses: FileCache (file
contents, rebuilt when the mtime changes), ModuleCache (a module executed
from a file, as the publisher uses), HTTPCache/HttpModuleCache (documents
fetched by URL with HTTP freshness and revalidation), FunctionCache
(memoisation) and WeakCache (values held weakly).
"""
import collections
import email.utils
import os
import re
import threading
import time
import types
import urllib.error
import urllib.request
import weakref

NOT_INITIALIZED = object()

re_max_age = re.compile(r"max-age\s*=\s*(\d+)", re.I)
re_not_word = re.compile(r"\W+")


def parseRFC822Time(t):
    """Seconds since the epoch of an HTTP date, or None if unparsable."""
    if not t:
        return None
    parsed = email.utils.parsedate_tz(t)
    if parsed is None:
        return None
    return email.utils.mktime_tz(parsed)


class Entry(object):
    """One cached value with its own lock (CACHE-Entry)."""

    def __init__(self, key):
        self._key = key
        self._value = NOT_INITIALIZED
        self._lock = threading.Lock()

    def lock(self):
        self._lock.acquire()

    def unlock(self):
        self._lock.release()

    def is_new(self):
        return self._value is NOT_INITIALIZED


class Cache(object):
    """A mapping whose values are built on demand (CACHE-Cache)."""

    def __init__(self, max_size=0):
        self._max_size = max_size
        # Ordered by use when bounded: first = least recently used.
        self._dict = collections.OrderedDict()
        self._lock = threading.Lock()

    # --- override points

    def key(self, name):
        return name

    def make_entry(self, key):
        return Entry(key)

    def check(self, key, name, entry):
        """None if the entry's value is fresh, else something build() can
        use (an open file, a response...)."""
        return None

    def build(self, key, name, opened, entry):
        raise NotImplementedError("Cache.build")

    def commit(self):
        """Called after every change of the cache."""

    # --- value storage (WeakCache keeps weak references)

    def _pack(self, value, key):
        return value

    def _unpack(self, stored):
        return stored

    # --- mapping interface

    def _entry(self, key):
        with self._lock:
            entry = self._dict.get(key)
            if entry is None:
                entry = self._dict[key] = self.make_entry(key)
                evicted = self._evict()
            else:
                evicted = False
                if self._max_size > 0:
                    self._dict.move_to_end(key)
        if evicted:
            self.commit()
        return entry

    def _evict(self):
        evicted = False
        if self._max_size > 0:
            while len(self._dict) > self._max_size:
                self._dict.popitem(last=False)
                evicted = True
        return evicted

    def __getitem__(self, name):
        key = self.key(name)
        entry = self._entry(key)
        entry.lock()
        try:
            value = self._unpack(entry._value)
            opened = self.check(key, name, entry)
            if value is NOT_INITIALIZED or opened is not None:
                value = self.build(key, name, opened, entry)
                entry._value = self._pack(value, key)
                self.commit()
            return value
        finally:
            entry.unlock()

    def __setitem__(self, name, value):
        key = self.key(name)
        entry = self._entry(key)
        entry.lock()
        try:
            entry._value = self._pack(value, key)
        finally:
            entry.unlock()
        self.commit()

    def __delitem__(self, name):
        key = self.key(name)
        with self._lock:
            del self._dict[key]
        self.commit()

    def __contains__(self, name):
        with self._lock:
            return self.key(name) in self._dict

    def __len__(self):
        with self._lock:
            return len(self._dict)

    def keys(self):
        with self._lock:
            return list(self._dict.keys())

    def clear(self):
        with self._lock:
            self._dict.clear()
        self.commit()

    def mru(self):
        """Key of the most recently used entry (bounded caches only)."""
        with self._lock:
            if self._max_size > 0 and self._dict:
                return next(reversed(self._dict))
        return None

    def lru(self):
        """Key of the least recently used entry (bounded caches only)."""
        with self._lock:
            if self._max_size > 0 and self._dict:
                return next(iter(self._dict))
        return None


class WeakCache(Cache):
    """Holds values by weak reference: an entry disappears when its value
    is garbage-collected (CACHE-WeakCache)."""

    def _pack(self, value, key):
        def gone(ref, key=key, cache_ref=weakref.ref(self)):
            cache = cache_ref()
            if cache is None:
                return
            with cache._lock:
                entry = cache._dict.get(key)
                if entry is not None and entry._value is ref:
                    del cache._dict[key]
        return weakref.ref(value, gone)

    def _unpack(self, stored):
        if stored is NOT_INITIALIZED:
            return stored
        value = stored()
        return NOT_INITIALIZED if value is None else value


class FileCache(Cache):
    """File contents keyed by file name, re-read when the modification
    time changes (CACHE-FileCache)."""

    def __init__(self, max_size=0, mode="rb"):
        Cache.__init__(self, max_size)
        self.mode = mode

    def check(self, key, name, entry):
        mtime = os.stat(key).st_mtime_ns
        if entry._value is NOT_INITIALIZED or \
                getattr(entry, "_timestamp", None) != mtime:
            entry._timestamp = mtime
            return open(key, self.mode)
        return None

    def build(self, key, name, opened, entry):
        try:
            return opened.read()
        finally:
            opened.close()


def _module_from(key, opened):
    """A module executed from the source read from `opened` (closed after),
    named after `key`; not registered in sys.modules."""
    try:
        source = opened.read()
    finally:
        opened.close()
    module = types.ModuleType(re_not_word.sub("_", key))
    module.__file__ = key
    exec(compile(source, key, "exec"), module.__dict__)
    return module


class ModuleCache(FileCache):
    """Modules executed from source files, not registered in sys.modules
    (CACHE-ModuleCache)."""

    def __init__(self, max_size=0):
        FileCache.__init__(self, max_size, "rb")

    def build(self, key, name, opened, entry):
        return _module_from(key, opened)


class HTTPEntity(object):
    """A fetched document and its response headers (CACHE-HTTPCache)."""

    def __init__(self, entity, metadata):
        self.entity = entity
        self.metadata = metadata

    def __repr__(self):
        return "HTTPEntity(%r, %r)" % (self.entity, self.metadata)

    def __str__(self):
        return self.entity.decode("latin-1") \
            if isinstance(self.entity, bytes) else str(self.entity)


class HTTPCache(Cache):
    """Documents by URL.  Fresh while Cache-Control max-age or Expires
    allows; then revalidated with If-None-Match / If-Modified-Since, a 304
    keeping the cached copy (CACHE-HTTPCache)."""

    timeout = 30

    def check(self, key, name, entry):
        now = time.time()
        if entry._value is not NOT_INITIALIZED:
            expires = getattr(entry, "_expires", None)
            if expires is not None and now < expires:
                return None
        request = urllib.request.Request(key)
        if entry._value is not NOT_INITIALIZED:
            etag = getattr(entry, "_etag", None)
            modified = getattr(entry, "_last_modified", None)
            if etag:
                request.add_header("If-None-Match", etag)
            if modified:
                request.add_header("If-Modified-Since", modified)
        try:
            response = urllib.request.urlopen(request, timeout=self.timeout)
        except urllib.error.HTTPError as e:
            if e.code == 304 and entry._value is not NOT_INITIALIZED:
                self._freshness(entry, e.headers, now)
                e.close()
                return None
            raise
        self._freshness(entry, response.headers, now)
        entry._etag = response.headers.get("ETag")
        entry._last_modified = response.headers.get("Last-Modified")
        return response

    def _freshness(self, entry, headers, now):
        entry._expires = None
        m = re_max_age.search(headers.get("Cache-Control", "") or "")
        if m:
            entry._expires = now + int(m.group(1))
            return
        expires = parseRFC822Time(headers.get("Expires"))
        if expires is not None:
            date = parseRFC822Time(headers.get("Date"))
            entry._expires = now + (expires - (date if date else now))

    def build(self, key, name, opened, entry):
        try:
            return HTTPEntity(opened.read(), dict(opened.headers.items()))
        finally:
            opened.close()


class HttpModuleCache(HTTPCache):
    """Modules executed from source fetched by URL."""

    def build(self, key, name, opened, entry):
        return _module_from(key, opened)


class FunctionCache(Cache):
    """Memoises function(*args, **kw); call the instance
    (CACHE-FunctionCache)."""

    def __init__(self, function, max_size=0):
        Cache.__init__(self, max_size)
        self.function = function

    def __call__(self, *args, **kw):
        return self[(args, tuple(kw.items()))]

    def build(self, key, name, opened, entry):
        args, kw = key
        return self.function(*args, **dict(kw))
