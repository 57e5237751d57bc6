"""mod_python.cache: Cache, WeakCache, FileCache, ModuleCache,
FunctionCache, HTTPCache.  The module needs no Apache; the HTTP caches
fetch static documents from the test server.  Suite: htdocs/cache/."""
import gc
import os
import sys
import threading
import time

import pytest

from conftest import PACKAGE

sys.path.insert(0, str(PACKAGE.parent))
from mod_python import cache                               # noqa: E402


class Counting(cache.Cache):
    """Builds name * 2, counting builds and commits; stale when told."""

    def __init__(self, max_size=0):
        cache.Cache.__init__(self, max_size)
        self.builds, self.commits, self.stale = [], 0, set()

    def check(self, key, name, entry):
        if key in self.stale:
            self.stale.discard(key)
            return "reopened"
        return None

    def build(self, key, name, opened, entry):
        self.builds.append((key, opened))
        return name * 2

    def commit(self):
        self.commits += 1


def test_cache_build_check_rebuild():
    """Built once; check() returning non-None rebuilds; set, del, clear;
    commit after changes (CACHE-Cache, CACHE-Entry,
    CACHE-NOT_INITIALIZED)."""
    c = Counting()
    assert c["ab"] == "abab" and c["ab"] == "abab"
    assert c.builds == [("ab", None)]
    c.stale.add("ab")
    assert c["ab"] == "abab"
    assert c.builds[-1] == ("ab", "reopened")
    c["x"] = 5
    assert c["x"] == 5 and len(c.builds) == 2
    del c["x"]
    assert "x" not in c and "ab" in c
    c.clear()
    assert len(c) == 0 and c.commits >= 4
    e = cache.Entry("k")
    assert e._key == "k" and e._value is cache.NOT_INITIALIZED
    assert e.is_new()
    assert c.mru() is None and c.lru() is None      # unbounded


def test_cache_lru_eviction():
    """max_size bounds the cache, evicting the least recently used;
    mru()/lru() (CACHE-Cache)."""
    c = Counting(max_size=2)
    c["a"], c["b"]
    assert (c.lru(), c.mru()) == ("a", "b")
    c["a"]
    assert (c.lru(), c.mru()) == ("b", "a")
    c["c"]
    assert sorted(c.keys()) == ["a", "c"]
    assert c.lru() == "a" and c.mru() == "c"


def test_cache_concurrent_single_build():
    """Threads asking for one new entry build it once; other entries are
    not blocked meanwhile (CACHE-Cache, CACHE-Entry)."""
    started = threading.Event()

    class Slow(cache.Cache):
        calls = []

        def build(self, key, name, opened, entry):
            self.calls.append(key)
            if key == "slow":
                started.set()
                time.sleep(0.3)
            return key.upper()

    c = Slow()
    out = []
    threads = [threading.Thread(target=lambda: out.append(c["slow"]))
               for _ in range(5)]
    for t in threads:
        t.start()
    started.wait(5)
    t0 = time.time()
    assert c["fast"] == "FAST" and time.time() - t0 < 0.2
    for t in threads:
        t.join()
    assert out == ["SLOW"] * 5 and Slow.calls.count("slow") == 1


def test_cache_weak():
    """WeakCache entries vanish with their values (CACHE-WeakCache)."""
    class Obj:
        pass

    class W(cache.WeakCache):
        def build(self, key, name, opened, entry):
            return Obj()

    c = W()
    v = c["a"]
    assert c["a"] is v and "a" in c
    del v
    gc.collect()
    assert "a" not in c


def test_cache_file_and_module(tmp_path):
    """FileCache re-reads on any mtime change; ModuleCache executes the
    file into a fresh module outside sys.modules (CACHE-FileCache,
    CACHE-ModuleCache, CACHE-helpers)."""
    f = tmp_path / "data.py"
    f.write_text("X = 1\n")
    fc = cache.FileCache()
    assert fc[str(f)] == b"X = 1\n"
    f.write_text("X = 2\n")
    os.utime(f, (1, 1))                 # older mtime: still a change
    assert fc[str(f)] == b"X = 2\n"
    assert cache.FileCache(mode="r")[str(f)] == "X = 2\n"
    mc = cache.ModuleCache()
    m = mc[str(f)]
    assert m.X == 2 and m.__file__ == str(f)
    assert m.__name__ == cache.re_not_word.sub("_", str(f))
    assert m.__name__ not in sys.modules
    assert mc[str(f)] is m
    f.write_text("X = 3\n")
    assert mc[str(f)].X == 3
    assert cache.re_max_age.search("public, max-age = 60").group(1) == "60"
    assert cache.parseRFC822Time("Thu, 01 Jan 1970 00:01:00 GMT") == 60
    assert cache.parseRFC822Time("junk") is None


def test_cache_function():
    """FunctionCache memoises by args and keyword items
    (CACHE-FunctionCache)."""
    calls = []

    def f(a, b=0):
        calls.append((a, b))
        return a + b

    fc = cache.FunctionCache(f)
    assert fc(1, b=2) == 3 and fc(1, b=2) == 3 and fc(1) == 1
    assert calls == [(1, 2), (1, 0)]
    with pytest.raises(TypeError):
        fc([1])                                     # unhashable


def test_cache_http(apache):
    """HTTPCache: max-age keeps a copy without asking again; otherwise
    revalidation with the validators, a 304 keeping the copy;
    HttpModuleCache runs fetched source (CACHE-HTTPCache)."""
    def requests_for(path):
        log = (apache.root / "logs" / "access_log").read_text()
        return [line for line in log.splitlines() if path in line]

    hc = cache.HTTPCache()
    url = apache.url + "/cache/fresh/doc.txt"
    doc = hc[url]
    assert isinstance(doc, cache.HTTPEntity)
    assert doc.entity == b"fresh document\n"
    assert hc[url] is doc
    time.sleep(0.2)
    assert len(requests_for("/cache/fresh/doc.txt")) == 1
    url = apache.url + "/cache/plain/doc.txt"
    doc = hc[url]
    assert hc[url] is doc
    time.sleep(0.2)
    lines = requests_for("/cache/plain/doc.txt")
    assert len(lines) == 2 and '" 304 ' in lines[1]
    m = cache.HttpModuleCache()[apache.url + "/cache/plain/cache_remote.py"]
    assert m.VALUE == 42 and m.double(4) == 8
