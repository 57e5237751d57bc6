"""mod_python.Session.RedisSession: one redis-server (started here, on a
free 127.0.0.1 port, without persistence) and two Apache servers using
it, as two hosts would.  Handlers: htdocs/redis_session/ (no suite.conf:
the servers are built here).  Skipped when redis-server or redis-py is
missing (scripts/bootstrap installs redis-server and python3-redis)."""
import concurrent.futures
import pickle
import shutil
import subprocess
import tempfile
import time

import pytest
import requests

from conftest import TROUBLE, Apache, free_port

redis = pytest.importorskip("redis")

PREFIX = "mptest:"
DB = 3

# Server A names the Redis server by host/port/db, server B by URL.
CONF = """
<Location /redis_session/>
    SetHandler mod_python
    PythonPath "['{htdocs}/redis_session'] + sys.path"
    PythonHandler redis_session_handlers
    PythonOption redis_session.name %(name)s
    PythonOption mod_python.session.session_type RedisSession
    %(where)s
    PythonOption mod_python.session.redis_prefix %(prefix)s
</Location>
<Location /redis_session/short/>
    PythonOption mod_python.session.redis_lock_timeout 1
</Location>
<Location /redis_session/mem/>
    PythonInterpreter redis_session_mem
    PythonOption mod_python.session.session_type MemorySession
</Location>
"""


@pytest.fixture(scope="module")
def redis_server():
    """A private redis-server; stopped (by its pid) at the end."""
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip("redis-server is not installed")
    workdir = tempfile.mkdtemp(prefix="mp-redis-")
    port = free_port()
    proc = subprocess.Popen(
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", workdir, "--daemonize", "no",
         "--logfile", workdir + "/redis.log"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    client = redis.Redis(host="127.0.0.1", port=port, db=DB)
    deadline = time.time() + 10
    while True:
        try:
            client.ping()
            break
        except redis.RedisError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                proc.wait()
                shutil.rmtree(workdir, ignore_errors=True)
                pytest.skip("redis-server cannot be run")
            time.sleep(0.05)
    yield port, client
    client.close()
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="module")
def hosts(redis_server):
    """Two Apache servers sharing the Redis server."""
    port = redis_server[0]
    wheres = {
        "A": "PythonOption mod_python.session.redis_host 127.0.0.1\n"
             "    PythonOption mod_python.session.redis_port %d\n"
             "    PythonOption mod_python.session.redis_db %d" % (port, DB),
        "B": "PythonOption mod_python.session.redis_url "
             "redis://127.0.0.1:%d/%d" % (port, DB)}
    servers = []
    try:
        for name in ("A", "B"):
            server = Apache(CONF % {"name": name, "where": wheres[name],
                                    "prefix": PREFIX}, suites=[])
            servers.append(server)
            server.start()
        yield servers
    finally:
        for server in servers:
            server.cleanup()


@pytest.fixture(autouse=True)
def hosts_log_check(request):
    """error_log_check for both servers of this module."""
    if "hosts" not in request.fixturenames:
        yield
        return
    servers = request.getfixturevalue("hosts")
    for server in servers:
        server.new_log()
    yield
    time.sleep(0.05)
    bad = [line for server in servers
           for line in server.new_log().splitlines() if TROUBLE.search(line)]
    assert not bad, "unexpected error-log lines:\n" + "\n".join(bad)


def cookie_of(r):
    for text in r.raw.headers.getlist("Set-Cookie"):
        if text.startswith("pysid="):
            return text.split(";")[0].split("=", 1)[1]
    return None


def lock_released(client, key, timeout=3.0):
    """True once `key` is gone: the session is unlocked by a request
    cleanup, which may run just after the client has the reply."""
    deadline = time.time() + timeout
    while client.exists(key):
        if time.time() > deadline:
            return False
        time.sleep(0.02)
    return True


def jar(sid):
    return {"Cookie": "pysid=" + sid}


def test_redis_session_shared(hosts, redis_server):
    """A session written through one host is read through the other, in
    both directions; the record is the pickled SESS-storage-format dict
    under <prefix><sid> in the configured db, with a Redis TTL equal to
    the session timeout; no lock is left behind (SESS-Session,
    SESS-Session-choose, SESS-opt-type, SESS-storage-format, SESS-save,
    SESS-load, SESS-hooks, SESS-init-load, SESS-init-new, SESS-unlock)."""
    a, b = hosts
    client = redis_server[1]
    r = a.get("/redis_session/incr?timeout=300")
    one = r.json()
    assert one["class"] == "RedisSession" and one["server"] == "A"
    assert one["new"] is True and one["data"] == {"n": 1}
    sid = cookie_of(r)
    assert sid == one["id"]

    raw = client.get(PREFIX + sid)
    record = pickle.loads(raw)
    assert record["_data"] == {"n": 1} and record["_timeout"] == 300
    assert 290 < client.pttl(PREFIX + sid) / 1000.0 <= 300
    assert lock_released(client, PREFIX + sid + ":lock")

    two = b.get("/redis_session/incr", headers=jar(sid)).json()
    assert two["server"] == "B" and two["new"] is False
    assert two["id"] == sid and two["data"] == {"n": 2}
    assert two["timeout"] == 300            # the stored timeout (SESS-timeout)
    three = a.get("/redis_session/peek", headers=jar(sid)).json()
    assert three["new"] is False and three["data"] == {"n": 2}
    assert lock_released(client, PREFIX + sid + ":lock")


def test_redis_session_concurrent_hosts(hosts):
    """N slow read-modify-write increments of one saved session, spread
    over both hosts at once, add exactly N: the lock holds across hosts
    (SESS-lock, SESS-unlock)."""
    a, b = hosts
    sid = a.get("/redis_session/incr").json()["id"]      # n = 1
    n = 16
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        futures = [pool.submit((a, b)[i % 2].get,
                               "/redis_session/incr?sleep=0.03",
                               headers=jar(sid))
                   for i in range(n)]
        replies = [f.result() for f in futures]
    assert all(r.status_code == 200 for r in replies)
    assert {r.json()["server"] for r in replies} == {"A", "B"}
    counts = sorted(r.json()["data"]["n"] for r in replies)
    assert counts == list(range(2, n + 2))
    final = b.get("/redis_session/peek", headers=jar(sid)).json()
    assert final["data"] == {"n": n + 1}


def test_redis_session_lock_held(hosts, redis_server):
    """While a request holds its session, the lock key carries that
    request's token (SESS-lock)."""
    a, _ = hosts
    got = a.get("/redis_session/lockstate").json()
    assert got["key"] == PREFIX + got["id"] + ":lock"
    assert got["mine"] is True and len(got["held"]) == 32
    assert lock_released(redis_server[1], got["key"])


def test_redis_session_stale_lock(hosts, redis_server):
    """A lock left by a host that died expires after its timeout and is
    taken over: the request waits that long, then goes on (SESS-lock)."""
    a, b = hosts
    client = redis_server[1]
    sid = a.get("/redis_session/incr").json()["id"]
    client.set(PREFIX + sid + ":lock", "dead-host", px=1200)
    start = time.time()
    got = b.get("/redis_session/incr", headers=jar(sid)).json()
    took = time.time() - start
    assert got["data"] == {"n": 2} and got["id"] == sid
    assert 1.0 < took < 5


def test_redis_session_lock_timeout_takeover(hosts):
    """A request holding its session past redis_lock_timeout (1 s here)
    loses the lock to a waiter on the other host instead of blocking it
    for its whole run (SESS-lock)."""
    a, b = hosts
    sid = a.get("/redis_session/short/incr").json()["id"]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        holder = pool.submit(a.get, "/redis_session/short/hold?sleep=3",
                             headers=jar(sid))
        time.sleep(0.3)
        start = time.time()
        waiter = b.get("/redis_session/short/incr", headers=jar(sid))
        took = time.time() - start
        assert holder.result().status_code == 200
    assert waiter.status_code == 200 and waiter.json()["data"] == {"n": 2}
    assert 0.4 < took < 2.2


def test_redis_session_unlock_compare(hosts):
    """unlock() deletes the lock key only while it holds this session's
    token: a lock another host took over stays (SESS-unlock)."""
    a, _ = hosts
    got = a.get("/redis_session/steal").json()
    assert got["left"] == "someone-else"


def test_redis_session_expired(hosts, redis_server):
    """Redis drops a record when its session times out; the sid then
    gives a new session with a new id (SESS-load, SESS-is_new,
    SESS-init-new, SESS-cleanup)."""
    a, b = hosts
    client = redis_server[1]
    sid = a.get("/redis_session/incr?timeout=1").json()["id"]
    assert client.exists(PREFIX + sid)
    time.sleep(1.3)
    assert not client.exists(PREFIX + sid)
    r = b.get("/redis_session/peek", headers=jar(sid))
    got = r.json()
    assert got["new"] is True and got["id"] != sid and got["data"] == {}
    assert cookie_of(r) == got["id"]


def test_redis_session_direct_nolock(hosts, redis_server):
    """RedisSession(req, lock=0) works without the factory and takes no
    lock; the defaults of the options (SESS-Session, SESS-lock)."""
    a, b = hosts
    client = redis_server[1]
    got = a.get("/redis_session/nolock").json()
    assert got["class"] == "RedisSession" and got["locked"] is False
    assert got["defaults"] == ["127.0.0.1", 6379, 0, "mp_sess:", 30.0]
    assert got["lock_timeout_ms"] == 30000
    assert not client.exists(got["key"])
    assert pickle.loads(client.get(PREFIX + got["id"]))["_data"] == {
        "direct": 1}
    peek = b.get("/redis_session/peek", headers=jar(got["id"])).json()
    assert peek["data"] == {"direct": 1}


def test_redis_session_import_on_demand(hosts):
    """redis-py is imported only by RedisSession: another store, in an
    interpreter of its own, does not load it (SESS-Session-choose)."""
    a, _ = hosts
    got = a.get("/redis_session/mem/modules").json()
    assert got["class"] == "MemorySession" and got["redis_loaded"] is False
    got = a.get("/redis_session/modules").json()
    assert got["class"] == "RedisSession" and got["redis_loaded"] is True


def test_redis_session_same_thread_twice(hosts):
    """Two session objects on one sid in one request: the second does not
    wait for the first's lock (the lock counts its holder's locks, like
    the global mutexes); the key goes with the last unlock (SESS-lock,
    SESS-unlock)."""
    a, _ = hosts
    got = a.get("/redis_session/short/twice").json()
    assert got["same"] is True and got["waited"] < 0.5
    assert got["after_one"] is True and got["after_both"] is False
