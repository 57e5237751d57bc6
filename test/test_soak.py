"""Load: a soak across handler, publisher, PSP and session pages with no
failed request and a bounded RSS; slow clients and many connections do
not wedge the server; a graceful restart under load loses no request and
no session; stopping leaves a clean error log.

MP_SOAK_REQUESTS sets the soak length (CI default 20,000; `make soak`
runs 200,000).  Suite: htdocs/soak/ (its own server, a fixed number of
workers so that the RSS is comparable)."""
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time

import pytest
from requests import Session as requests_session

from conftest import (Apache, HTDOCS, HTTPD, MODULES, MPM, alive,
                      wait_for_log)

REQUESTS = int(os.environ.get("MP_SOAK_REQUESTS", "20000"))
RSS_LIMIT_KB = 5 * 1024

# Fixed workers: no child comes or goes during the soak.
FIXED = {
    "event": "StartServers 1\nServerLimit 2\nThreadsPerChild 16\n"
             "MaxRequestWorkers 16\nMinSpareThreads 1\nMaxSpareThreads 16\n",
    "worker": "StartServers 1\nServerLimit 2\nThreadsPerChild 16\n"
              "MaxRequestWorkers 16\nMinSpareThreads 1\n"
              "MaxSpareThreads 16\n",
    "prefork": "StartServers 6\nMinSpareServers 6\nMaxSpareServers 6\n"
               "ServerLimit 6\nMaxRequestWorkers 6\n",
}
WORKERS = 6 if MPM == "prefork" else 16
CLIENTS = 4 if MPM == "prefork" else 8
# Slow clients are cut off by httpd's mod_reqtimeout, as in production.
REQTIMEOUT = """
LoadModule reqtimeout_module %s/mod_reqtimeout.so
RequestReadTimeout header=2 body=4
""" % MODULES


@pytest.fixture(scope="module")
def server():
    conf = (HTDOCS / "soak" / "server.conf").read_text()
    srv = Apache(FIXED[MPM] + REQTIMEOUT + conf, suites=[])
    sessions = srv.root / "soak-sessions"
    sessions.mkdir()
    sessions.chmod(0o777)
    srv.start()
    yield srv
    srv.cleanup()


def rss_kb(server):
    """VmRSS of the parent and all its children, in kB."""
    total = 0
    for pid in [server.pid()] + server.child_pids():
        try:
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


class Client(threading.Thread):
    """One keep-alive connection running the page mix `count` times.

    A request that fails on a reused keep-alive connection before any
    answer (the server closed it between requests, as after a graceful
    restart) is sent again once on a fresh connection, as HTTP clients
    do for idempotent requests (RFC 9112 9.3.1); those are counted in
    `retried`.  Everything else that is not the expected answer is a
    failure."""

    def __init__(self, port, count, index, stop=None):
        super().__init__(daemon=True)
        self.port, self.count, self.index = port, count, index
        self.stop = stop
        self.failures, self.retried, self.done = [], 0, 0
        self.cookie = None
        self.session_n = 0
        self.conn = None
        self.used = False

    def connect(self):
        if self.conn:
            self.conn.close()
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                               timeout=30)
        self.used = False

    def fetch(self, path):
        headers = {"Cookie": self.cookie} if self.cookie else {}
        for attempt in (0, 1):
            reused = self.used
            try:
                self.conn.request("GET", path, headers=headers)
                resp = self.conn.getresponse()
                body = resp.read()
                self.used = True
                if resp.getheader("Connection", "").lower() == "close":
                    self.connect()
                return resp, body
            except (http.client.RemoteDisconnected, ConnectionResetError,
                    BrokenPipeError, http.client.BadStatusLine):
                self.connect()
                if not reused or attempt:
                    raise
                self.retried += 1

    def one(self, i):
        kind = i % 4
        if kind == 0:
            path, want = "/soak/h?%d" % i, b"soak handler %d" % i
        elif kind == 1:
            path = "/soak/pub/soak_pub/hello?name=c%d" % i
            want = b"soak publisher c%d" % i
        elif kind == 2:
            path, want = "/soak/psp/soak_page.psp?n=%d" % i, \
                b"soak psp %d" % (2 * i)
        else:
            path, want = "/soak/session", None
        resp, body = self.fetch(path)
        if resp.status != 200:
            return "%s: %d" % (path, resp.status)
        if want is not None:
            return None if body.strip() == want else "%s: %r" % (path, body)
        got = json.loads(body)
        cookie = resp.getheader("Set-Cookie")
        if cookie:
            if self.cookie:
                return "session replaced: %r" % cookie
            self.cookie = cookie.split(";")[0]
        self.session_n += 1
        if got["n"] != self.session_n:
            return "session count %d, expected %d" % (got["n"],
                                                      self.session_n)
        return None

    def run(self):
        self.connect()
        i = 0
        while i < self.count and not (self.stop and self.stop.is_set()):
            try:
                failure = self.one(i * 7 + self.index)
            except Exception as exc:
                failure = "%r" % exc
            if failure:
                self.failures.append(failure)
            self.done += 1
            i += 1
        self.conn.close()


def run_clients(server, total, stop=None):
    clients = [Client(server.port, total // CLIENTS, n, stop)
               for n in range(CLIENTS)]
    for c in clients:
        c.start()
    return clients


def join(clients):
    for c in clients:
        c.join(timeout=600)
        assert not c.is_alive(), "client hung"
    failures = [f for c in clients for f in c.failures]
    return sum(c.done for c in clients), failures


def test_soak_requests_and_rss(server):
    """REQUESTS requests over handler, publisher, PSP and session pages
    from keep-alive clients: no failure, every session count exact, and
    the total RSS of the server grows by less than 5 MB after warm-up
    (SEED-benefit-persistence, PH-interp-threads)."""
    warm = max(2000, REQUESTS // 10)
    done, failures = join(run_clients(server, warm))
    assert not failures, failures[:10]
    time.sleep(0.5)
    before = rss_kb(server)
    pids = sorted(server.child_pids())
    start = time.time()
    done, failures = join(run_clients(server, REQUESTS))
    elapsed = time.time() - start
    time.sleep(0.5)
    after = rss_kb(server)
    print("\nsoak %s: %d requests in %.1f s, %d failed, RSS %d -> %d kB "
          "(%+d kB)" % (MPM, done, elapsed, len(failures), before, after,
                        after - before))
    assert not failures, failures[:10]
    assert done >= REQUESTS - CLIENTS
    assert sorted(server.child_pids()) == pids, "children changed"
    assert after - before < RSS_LIMIT_KB


def slow_body(server):
    s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    s.sendall(b"POST /soak/read HTTP/1.1\r\nHost: x\r\n"
              b"Content-Length: 100000\r\n\r\n0123456789")
    return s


def no_reader(server):
    s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(b"GET /soak/big?160 HTTP/1.1\r\nHost: x\r\n\r\n")
    return s


def answers_promptly(server, n=10, timeout=5):
    for i in range(n):
        r = server.get("/soak/h?%d" % i, timeout=timeout)
        assert r.text == "soak handler %d" % i


@pytest.mark.parametrize("kind", ["slow_body", "no_reader"])
def test_soak_blocked_handlers_do_not_block_others(server, kind):
    """Handlers blocked in req.read() on a dribbling client, or in
    req.write() to a client that does not read, leave the other workers
    serving at once: the GIL is not held across blocking I/O
    (PH-interp-gil, REQ-read, REQ-write)."""
    held = [globals()[kind](server) for _ in range(WORKERS // 2)]
    try:
        time.sleep(0.5)             # the handlers are now blocked
        start = time.time()
        answers_promptly(server)
        assert time.time() - start < 5
    finally:
        for s in held:
            s.close()
    answers_promptly(server)


def test_soak_many_connections_and_slowloris(server):
    """wrk with 200 connections for a few seconds while slowloris
    sockets hold half the workers in header reads: wrk gets answers, and
    afterwards a normal request answers promptly from the same children
    (PH-interp-threads).  (More slowloris sockets than workers stall any
    httpd until mod_reqtimeout cuts them; that is httpd's business.)"""
    wrk = shutil.which("wrk")
    pids = sorted(server.child_pids())
    slow = []
    for _ in range(WORKERS // 2):
        s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        s.sendall(b"GET /soak/h HTTP/1.1\r\nHost: x\r\n")
        slow.append(s)
    if wrk:
        out = subprocess.run([wrk, "-t2", "-c200", "-d3s", "--timeout",
                              "10s", server.url + "/soak/h?wrk"],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        m = re.search(r"(\d+) requests in", out.stdout)
        assert m and int(m.group(1)) > 0, out.stdout
        print("\nwrk -c200: %s requests" % m.group(1))
    else:                                   # pragma: no cover
        clients = [threading.Thread(target=answers_promptly,
                                    args=(server, 50, 30))
                   for _ in range(20)]
        for t in clients:
            t.start()
        for t in clients:
            t.join()
    start = time.time()
    answers_promptly(server, n=3, timeout=10)
    assert time.time() - start < 10
    for s in slow:
        s.close()
    assert sorted(server.child_pids()) == pids


def graceful(server):
    subprocess.run([HTTPD, "-f", str(server.conf), "-k", "graceful"],
                   env=server.env, check=True, timeout=30)


def test_soak_graceful_restart_under_load(server):
    """Two graceful restarts while clients run the page mix without
    pause: no failed request, every session count continues, new
    children take over (PH-start-child, SESS-Session)."""
    log_start = len(server.error_log())
    old = set(server.child_pids())
    stop = threading.Event()
    clients = run_clients(server, 10 ** 9, stop)
    try:
        time.sleep(1)
        before = sum(c.done for c in clients)
        graceful(server)
        time.sleep(1.5)
        graceful(server)
        time.sleep(1.5)
        during = sum(c.done for c in clients) - before
    finally:
        stop.set()
    done, failures = join(clients)
    retried = sum(c.retried for c in clients)
    print("\ngraceful %s: %d requests (%d across the restarts), %d failed, "
          "%d resent on a closed keep-alive connection"
          % (MPM, done, during, len(failures), retried))
    assert not failures, failures[:10]
    assert during > 100
    log = server.error_log()[log_start:]
    assert log.count("resuming normal operations") == 2
    deadline = time.time() + 15
    while old & set(server.child_pids()) and time.time() < deadline:
        time.sleep(0.2)
    assert not old & set(server.child_pids()), "old children remain"
    # The sessions outlived the children that made them.
    for c in clients:
        assert c.cookie and c.session_n > 0
        c.connect()
        c.stop = None
        c.count = 4
        c.failures = []
        c.run()
        assert not c.failures, c.failures


RELOADABLE = """\
import os
import time
from mod_python import apache
VERSION_A = %d
apache.log_error("soak-reload exec %%d %%d" %% (VERSION_A, os.getpid()),
                 apache.APLOG_NOTICE)
time.sleep(0.3)             # a slow import: requests arrive meanwhile
VERSION_B = %d


def handler(req):
    req.content_type = "text/plain"
    req.write("%%d %%d" %% (VERSION_A, VERSION_B))
    return apache.OK
"""


def write_module(path, version):
    tmp = path.with_suffix(".tmp")
    tmp.write_text(RELOADABLE % (version, version))
    tmp.chmod(0o644)
    os.replace(tmp, path)


def test_soak_autoreload_under_load(server):
    """A handler module replaced twice while clients request it: every
    answer comes from a whole module (never half executed), each process
    executes each new version at most once, and all end on the last
    version (PH-imp-reload, PH-imp-lock)."""
    path = server.htdocs / "soak" / "soak_reload.py"
    write_module(path, 1)
    assert server.get("/soak/reload").text == "1 1"
    log_start = len(server.error_log())
    stop = threading.Event()
    answers, errors = [], []

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", server.port,
                                          timeout=30)
        while not stop.is_set():
            try:
                conn.request("GET", "/soak/reload")
                resp = conn.getresponse()
                answers.append((resp.status, resp.read()))
            except Exception as exc:
                errors.append(repr(exc))
                conn.close()
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    try:
        for version in (2, 3):
            time.sleep(1.5)
            write_module(path, version)
        time.sleep(2.5)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    assert not errors, errors[:5]
    bad = [a for a in answers
           if a[0] != 200 or a[1] not in (b"1 1", b"2 2", b"3 3")]
    assert not bad, bad[:5]
    assert (200, b"3 3") in answers
    execs = re.findall(r"soak-reload exec (\d) (\d+)",
                       server.error_log()[log_start:])
    assert execs and all(execs.count(e) == 1 for e in execs), execs
    deadline = time.time() + 10
    while time.time() < deadline:
        if all(server.get("/soak/reload").text == "3 3" for _ in range(20)):
            break
        time.sleep(0.5)
    else:
        pytest.fail("not all processes reached version 3")


SELF_EDITING = """\
import os
import time
from mod_python import apache
VERSION = 1
if VERSION == 1:
    # An edit of this file that lands while the module executes.
    source = open(__file__).read().replace("VERSION = 1", "VERSION = 2", 1)
    with open(__file__ + ".tmp", "w") as f:
        f.write(source)
    later = time.time() + 2
    os.utime(__file__ + ".tmp", (later, later))
    os.replace(__file__ + ".tmp", __file__)


def handler(req):
    req.content_type = "text/plain"
    req.write(str(VERSION))
    return apache.OK
"""


def test_soak_autoreload_edit_during_import(server):
    """A module file edited while the module is being executed is loaded
    again at the next check: the mtime recorded is the one from before
    the source was read (PH-imp-reload)."""
    directory = server.htdocs / "soak" / "edit"
    directory.mkdir()
    directory.chmod(0o777)
    (directory / "soak_edit.py").write_text(SELF_EDITING)
    (directory / "soak_edit.py").chmod(0o666)
    with requests_session() as s:       # one process throughout
        assert s.get(server.url + "/soak/edit", timeout=30).text == "1"
        time.sleep(1.2)
        assert s.get(server.url + "/soak/edit", timeout=30).text == "2"


NOISE = re.compile(r"exit signal|Segmentation|AH00052|AH00045|AH00046|"
                   r"\[python:(warn|error|crit|alert|emerg)\]|"
                   r"Fatal Python error|Traceback|still did not exit")


def test_soak_stop_is_clean(server):
    """Stopping the server after all of the above: every process exits
    within the stop timeout, and the error log holds no crash, no python
    error and no child that had to be killed (PH-start-child)."""
    server.get("/soak/session")
    pids = [server.pid()] + server.child_pids()
    server.stop()
    assert not any(alive(p) for p in pids)
    bad = [line for line in server.error_log().splitlines()
           if NOISE.search(line)]
    assert not bad, "\n".join(bad)
    assert "caught SIGTERM, shutting down" in server.error_log()


ATEXIT_CONF = """
PythonPath "['{htdocs}/soak'] + sys.path"
<Location /atexit>
    SetHandler mod_python
    PythonHandler soak_h::register_atexit
</Location>
<Location /atexit-sub>
    SetHandler mod_python
    PythonInterpreter soak_sub
    PythonHandler soak_h::register_atexit
</Location>
"""


def test_soak_atexit_runs_at_child_exit(make_apache):
    """At child exit the atexit callbacks of every interpreter run (after
    the register_cleanup callbacks; Python itself is not finalised), for
    a graceful restart and for a stop, and the exit is clean
    (PH-child-exit)."""
    srv = make_apache(ATEXIT_CONF)
    first = {srv.get(path).text for path in ("/atexit", "/atexit-sub")}
    assert len(first) == 2
    graceful(srv)
    for marker in first:
        wait_for_log(srv, re.escape(marker), timeout=15)
    second = {srv.get(path).text for path in ("/atexit", "/atexit-sub")}
    assert len(second) == 2 and not first & second
    srv.stop()
    log = srv.error_log()
    for marker in first | second:
        assert log.count(marker) == 1, (marker, log[-2000:])
    bad = [line for line in log.splitlines() if NOISE.search(line)]
    assert not bad, "\n".join(bad)
