"""Global mutexes: _apache._global_lock, _global_trylock, _global_unlock,
made at start-up and shared by every process and thread.
Suite: htdocs/locks/."""
import concurrent.futures
import os
import re
import shutil
import tempfile
import threading
import time
from pathlib import Path

import pytest

REQUESTS = 24
WORKERS = 8
OUT_OF_RANGE = "Lock index is out of range for number of global mutex locks"


@pytest.fixture
def workdir():
    """A directory the server user may write counters and markers in."""
    d = Path(tempfile.mkdtemp(prefix="mp-locks-"))
    d.chmod(0o777)
    yield d
    for p in d.iterdir():
        p.unlink()
    d.rmdir()


def fnv1a(key):
    """The automatic index's hash, as every process must compute it."""
    h = 2166136261
    for b in key.encode("utf-8", "surrogatepass"):
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def auto_index(key, n):
    return fnv1a(key) % (n - 1) + 1


def mutex_count(server):
    """N, from the start-up NOTICE."""
    m = re.search(r"Creating (\d+) global mutexes", server.error_log())
    assert m, server.error_log()
    return int(m.group(1))


def run_counter(server, workdir, mode, key="counter-key"):
    counter = workdir / ("counter-" + mode)
    counter.write_bytes(b"%08d" % 0)
    counter.chmod(0o666)
    params = {"file": str(counter), "key": key, "mode": mode}
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        replies = list(pool.map(
            lambda _: server.get("/locks/count", params=params),
            range(REQUESTS)))
    assert all(r.status_code == 200 for r in replies), \
        [r.text for r in replies if r.status_code != 200]
    workers = {(r.json()["pid"], r.json()["thread"]) for r in replies}
    return int(counter.read_bytes()), workers, replies


def test_locks_serialise_concurrent_requests(apache, workdir):
    """Concurrent read-sleep-write cycles under one key never lose an
    update: the lock excludes other threads and processes, and waiting
    releases the GIL (APC-_global_lock, APC-_global_unlock, MUTEX-api,
    SESS-lock, PH-start-mutex, PH-child-init)."""
    count, workers, _ = run_counter(apache, workdir, "lock")
    assert count == REQUESTS
    assert len(workers) > 1         # several threads or processes ran


def test_locks_without_lock_updates_are_lost(apache, workdir):
    """The same cycles without the lock race and lose updates: the
    previous test's result is the lock's doing (APC-_global_lock)."""
    count, workers, _ = run_counter(apache, workdir, "none")
    assert len(workers) > 1
    assert count < REQUESTS


def hold_in_background(server, workdir, key, secs=1.5, index=None):
    marker = workdir / "held"
    params = {"key": key, "marker": str(marker), "secs": str(secs)}
    if index is not None:
        params["index"] = str(index)
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault(
        "reply", server.get("/locks/hold", params=params)))
    thread.start()
    deadline = time.time() + 10
    while not marker.exists():
        assert time.time() < deadline, "the holder never got the lock"
        time.sleep(0.02)
    return thread, result


def try_lock(server, key, index=None):
    params = {"key": key}
    if index is not None:
        params["index"] = str(index)
    r = server.get("/locks/try", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_locks_trylock_while_held(apache, workdir):
    """While one request holds a key's lock, trylock in another request
    (another thread, or under prefork another process) returns False, for
    the automatic index and for the same index given explicitly; another
    index is free; afterwards the key is free again.  The automatic index
    is FNV-1a of the key, abs(h) mod (N-1) + 1, the same in every process
    (APC-_global_trylock, MUTEX-index, MUTEX-hash, MUTEX-api)."""
    n = mutex_count(apache)
    key = "session-4f1c2a"
    index = auto_index(key, n)
    other = index % (n - 1) + 1
    thread, result = hold_in_background(apache, workdir, key)
    try:
        busy = try_lock(apache, key)
        assert busy["acquired"] is False
        assert try_lock(apache, "whatever", index)["acquired"] is False
        assert try_lock(apache, "whatever", other)["acquired"] is True
        assert try_lock(apache, "whatever", 0)["acquired"] is True
    finally:
        thread.join(30)
    holder = result["reply"].json()
    assert result["reply"].status_code == 200
    if apache.mpm == "prefork":
        assert busy["pid"] != holder["pid"]
    assert try_lock(apache, key)["acquired"] is True


@pytest.mark.log_expected(r"MP0162: .*Lock index -?\d+ is out of range")
def test_locks_index_out_of_range(apache):
    """An explicit index outside -1 <= i < N is a ValueError with the
    spec's message, and a WARNING in the log; 0 and N-1 are fine
    (APC-_global_lock, APC-_global_trylock, APC-_global_unlock,
    MUTEX-api, MUTEX-index)."""
    n = mutex_count(apache)
    for i in (0, n - 1):
        got = apache.get("/locks/index", params={"index": i}).json()
        assert got == dict(got, lock=None, trylock=None, unlock=None)
    for i in (n, -2):
        got = apache.get("/locks/index", params={"index": i}).json()
        for op in ("lock", "trylock", "unlock"):
            assert got[op] == ["ValueError", OUT_OF_RANGE]
    time.sleep(0.1)
    log = apache.error_log()
    warnings = re.findall(r"\[python:warn\].*MP0162: mod_python: Lock index "
                          r"(-?\d+) is out of range", log)
    assert {str(n), "-2"} <= set(warnings)


def test_locks_server_argument_checked(apache):
    """The first argument must be a server object (APC-_global_lock,
    MUTEX-api)."""
    got = apache.get("/locks/badserver").json()
    for op in ("lock", "trylock", "unlock"):
        assert got[op] == ["TypeError",
                           "First argument must be a server object"]


def test_locks_key_kinds(apache):
    """str, bytes and other keys map to a mutex; apache.main_server works
    as the server (APC-_global_lock, MUTEX-hash)."""
    got = apache.get("/locks/keys").json()
    assert got["keys"] and all(v is None for v in got["keys"].values())
    assert got["main_server"] is None


def test_locks_startup_notice(apache):
    """Start-up logs two NOTICE lines: the count with its basis, and the
    directory (PH-start-mutex, MUTEX-count, MUTEX-files,
    DIR-opt-mutex_directory, PH-start-twopass)."""
    log = apache.error_log()
    counts = re.findall(r"\[python:notice\].*MP0160: mod_python: Creating "
                        r"(\d+) global mutexes based on (\d+) max processes "
                        r"and (\d+) max threads", log)
    # Made once, on the second of httpd's start-up passes; 8 is the build
    # default (DIR-opt-mutex_locks), below this server's cap.
    assert len(counts) == 1
    assert counts[0][0] == "8"
    assert len(re.findall(r"\[python:notice\].*MP0161: mod_python: using "
                          r"mutex_directory /tmp$", log, re.M)) == 1


def test_locks_options_honoured(make_apache, workdir):
    """Server-level PythonOptions mod_python.mutex_locks and
    mod_python.mutex_directory set N and the directory; locks still
    serialise with N = 4 and the automatic index uses 1..3
    (DIR-opt-mutex_locks, DIR-opt-mutex_directory, MUTEX-count,
    SESS-opt-mutex-locks, SESS-opt-mutex-dir, PH-start-mutex; the two
    options and the default of 8 are those of MUTEX-hist)."""
    server = make_apache(
        "PythonOption mod_python.mutex_locks 4\n"
        "PythonOption mod_python.mutex_directory %s\n" % workdir,
        suites=["locks"])
    assert mutex_count(server) == 4
    assert ("mod_python: using mutex_directory %s" % workdir
            in server.error_log())
    got = server.get("/locks/index", params={"index": 3}).json()
    assert got["lock"] is None and got["unlock"] is None
    got = server.get("/locks/index", params={"index": 4}).json()
    assert got["lock"] == ["ValueError", OUT_OF_RANGE]
    count, workers, _ = run_counter(server, workdir, "lock")
    assert count == REQUESTS and len(workers) > 1
    key = "session-4f1c2a"
    thread, _ = hold_in_background(server, workdir, key)
    try:
        assert try_lock(server, key)["acquired"] is False
        assert try_lock(server, "x", auto_index(key, 4))["acquired"] is False
    finally:
        thread.join(30)


@pytest.mark.parametrize("mpm", ["prefork", "event"])
def test_locks_count_capped_by_mpm(make_apache, mpm):
    """N is capped at max processes x max threads (MUTEX-count,
    DIR-opt-mutex_locks, PH-start-mutex)."""
    server = make_apache("PythonOption mod_python.mutex_locks 1000\n",
                         suites=["locks"], mpm=mpm)
    m = re.search(r"Creating (\d+) global mutexes based on (\d+) max "
                  r"processes and (\d+) max threads", server.error_log())
    n, procs, threads = (int(x) for x in m.groups())
    assert n == max(procs, 1) * max(threads, 1) < 1000
    got = server.get("/locks/index", params={"index": n - 1}).json()
    assert got["lock"] is None
    got = server.get("/locks/index", params={"index": n}).json()
    assert got["lock"] == ["ValueError", OUT_OF_RANGE]


def test_locks_nested_in_one_request(apache):
    """A request taking a mutex it already holds does not wait for itself
    (two sessions of one request may hash to the same mutex; the original
    deadlocked); after as many unlocks the mutex is free for others
    (APC-_global_lock, APC-_global_trylock, APC-_global_unlock)."""
    r = apache.get("/locks/nested?key=nested-key", timeout=10)
    assert r.status_code == 200
    assert r.json()["trylock_again"] is True
    # Free again: another request gets it at once.
    r = apache.get("/locks/nested?key=nested-key", timeout=10)
    assert r.status_code == 200


def deep_directory(base, length):
    """A directory under `base` whose path is exactly `length` long,
    made of nested components short enough for the file system."""
    path = str(base)
    while len(path) < length:
        part = min(200, length - len(path) - 1)
        if part < 1:
            # One character short: grow the last component by one.
            path = path + "x"
            break
        path = path + "/" + "d" * part
    os.makedirs(path, mode=0o755, exist_ok=True)
    return path


def test_locks_partial_creation(make_apache):
    """When the system refuses a mutex after at least two were made,
    start-up goes on with two fewer than it got, says so, and locks work
    with that many (MUTEX-partial).  The refusal is real: with the fcntl
    mechanism every mutex has a lock file <dir>/mpmtx<pid><index>, and the
    directory is made so long that the name of index 10 passes PATH_MAX
    while those of 0..9 just fit."""
    base = Path(tempfile.mkdtemp(prefix="mp-mutexdir-"))
    base.chmod(0o755)
    try:
        for attempt in range(2):
            # httpd's parent gets one of the next few pids: as many
            # digits as the last one given out, unless the numbers just
            # wrapped (then the second attempt sees the new length).
            # <dir>/mpmtx<pid><one digit> is then 4095 long.
            digits = len(str(int(Path("/proc/sys/kernel/ns_last_pid")
                                 .read_text()) + 5))
            mutex_dir = deep_directory(base / str(attempt),
                                       4095 - len("/mpmtx") - digits - 1)
            try:
                server = make_apache(
                    "PythonOption mod_python.mutex_mechanism fcntl\n"
                    "PythonOption mod_python.mutex_locks 16\n"
                    "PythonOption mod_python.mutex_directory %s\n"
                    % mutex_dir, suites=["locks"], mpm="prefork")
                break
            except RuntimeError:
                if attempt:
                    raise
        assert len(str(server.pid())) == digits
        log = server.error_log()
        assert "Failed to create global mutex 10 of 16" in log, log[-2000:]
        assert "continuing with 8 global mutexes" in log
        got = server.get("/locks/index", params={"index": 7}).json()
        assert got["lock"] is None and got["unlock"] is None
        got = server.get("/locks/index", params={"index": 8}).json()
        assert got["lock"] == ["ValueError", OUT_OF_RANGE]
        server.stop()
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_locks_mechanism_option(make_apache, workdir):
    """mod_python.mutex_mechanism picks the lock mechanism: with flock the
    lock files stay in the mutex directory (the children reopen them) and
    locks serialise across processes; a name
    it does not know is refused with a warning and the default used
    (MUTEX-files, MUTEX-count)."""
    server = make_apache(
        "PythonOption mod_python.mutex_mechanism flock\n"
        "PythonOption mod_python.mutex_locks 4\n"
        "PythonOption mod_python.mutex_directory %s\n" % workdir,
        suites=["locks"])
    files = sorted(p.name for p in workdir.iterdir()
                   if p.name.startswith("mpmtx"))
    assert files == ["mpmtx%d%d" % (server.pid(), i) for i in range(4)]
    count, workers, _ = run_counter(server, workdir, "lock")
    assert count == REQUESTS
    server.stop()
    odd = make_apache("PythonOption mod_python.mutex_mechanism semaphore\n",
                      suites=["locks"])
    assert re.search(r"\[python:warn\].*MP0169: .*mutex_mechanism "
                     r"'semaphore'", odd.error_log())
    assert odd.get("/locks/index", params={"index": 1}).json()["lock"] is None
