#!/usr/bin/env python3
"""A crude request-rate benchmark in the manner of the seed documents.

For each MPM (event and prefork unless --mpm picks one) and each case,
starts a private Apache (the test harness's `Apache` class) serving just
that case, checks that it answers 200 with the expected body, warms it up
(every server process imports its handler), then measures it with
ApacheBench (`ab -n 10000 -c 1`, the seeds' method: SEED-perf-3x,
SEED-method-tool) and with wrk (`wrk -t2 -c32 -d10s`, a concurrent load the
seeds did not try), and records the server processes' total RSS and PSS
after each run.  Prints a markdown table per MPM with each rate also as a
ratio to the static file (the ceiling) and to standard CGI (the seeds'
baseline), all from the same run, with a note on how to read it; writes
an SVG bar chart of it (--svg, by default test/bench/out/bench.svg) and,
on request, the figures as JSON (--json).

The pg-* cases measure the seeds' motivation (SEED-benefit-speed,
SEED-benefit-persistence): one small query against a PostgreSQL server the
benchmark starts itself (installing Debian's postgresql and
python3-psycopg2 when missing), with standard CGI connecting on every
request and the handler and the publisher keeping one connection per
thread in a module global.

    make bench
    make bench BENCH_ARGS="--mpm prefork --requests 1000 --duration 5"
    make bench BENCH_ARGS="--no-pg --repeat 3"
    /usr/bin/python3 test/bench/bench.py --case static --case handler

To add a case, append a `Case` to `cases()` (its files go in
test/bench/htdocs/, copied into the server root like the test suites').
"""
import argparse
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from xml.sax.saxutils import escape

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

try:
    import requests
    from conftest import (BUILD, HTTPD, MODULES, TROUBLE,  # noqa: E402
                          Apache, free_port)
except ImportError as e:
    sys.exit("bench.py: %s: run it with a Python that has pytest and "
             "requests, e.g. through make bench" % e)

PYTHON = BUILD.get("PYTHON_BIN", "/usr/bin/python3")


@dataclass
class Case:
    """One thing to measure.

    `conf` is a config fragment, a str.format template like a suite.conf:
    {bench} is the server's copy of test/bench/htdocs, {modules} httpd's
    module directory, {pghost} and {pgport} the PostgreSQL server's socket
    directory and port (pg cases only), plus the harness's {root}, {port},
    {lib}.
    """
    name: str
    url: str
    conf: str
    body: str = "Hello!"
    note: str = ""
    # A peer's case runs in a server without mod_python.
    peer: bool = False
    # Needs the PostgreSQL server.
    pg: bool = False


def cgi_conf(mpm):
    # mod_cgid forks from a daemon of its own, which is what threaded MPMs
    # need; under prefork the plain mod_cgi forks the child itself.
    if mpm == "prefork":
        load = "LoadModule cgi_module {modules}/mod_cgi.so"
    else:
        load = ('LoadModule cgid_module {modules}/mod_cgid.so\n'
                'ScriptSock "{root}/logs/cgisock"')
    return load + '\nScriptAlias /cgi-bin/ "{bench}/cgi-bin/"\n'


def cases(mpm):
    """The cases, in table order.  The first two are the ratio bases."""
    return [
        Case("static", "/static/hello.txt",
             'Alias /static/ "{bench}/static/"\n',
             note="a file served by httpd itself: the ceiling"),
        Case("cgi", "/cgi-bin/hello.py", cgi_conf(mpm),
             note="standard CGI, a Python process per request (mod_cgid "
                  "under a threaded MPM, mod_cgi under prefork)"),
        Case("handler", "/handler",
             # A <Location>: no file behind the URL, nothing to map.
             '<Location /handler>\n'
             '    SetHandler mod_python\n'
             '    PythonPath "[\'{bench}\'] + sys.path"\n'
             '    PythonHandler bench_handler\n'
             '</Location>\n',
             note="a mod_python PythonHandler"),
        Case("publisher", "/pub/bench_pub.py/hello",
             'Alias /pub/ "{bench}/"\n'
             '<Directory "{bench}">\n'
             '    <Files bench_pub.py>\n'
             '        SetHandler mod_python\n'
             '        PythonHandler mod_python.publisher\n'
             '    </Files>\n'
             '</Directory>\n',
             note="a function published by mod_python.publisher"),
        Case("cgihandler", "/cgih/hello.py",
             # Its own directory: /cgi-bin/ belongs to the CGI case.
             'Alias /cgih/ "{bench}/cgih/"\n'
             '<Directory "{bench}/cgih">\n'
             '    <Files hello.py>\n'
             '        SetHandler mod_python\n'
             '        PythonHandler mod_python.cgihandler\n'
             '    </Files>\n'
             '</Directory>\n',
             note="the CGI script under mod_python.cgihandler"),
        Case("psp", "/psp/hello.psp",
             'Alias /psp/ "{bench}/psp/"\n'
             '<Directory "{bench}/psp">\n'
             '    AddHandler mod_python .psp\n'
             '    PythonHandler mod_python.psp\n'
             '</Directory>\n',
             note="a PSP page printing Hello!"),
        Case("wsgi", "/wsgi",
             '<Location /wsgi>\n'
             '    SetHandler mod_python\n'
             '    PythonPath "[\'{bench}\'] + sys.path"\n'
             '    PythonHandler mod_python.wsgi\n'
             '    PythonOption mod_python.wsgi.application bench_wsgi\n'
             '</Location>\n',
             note="a WSGI application under mod_python.wsgi"),
    ] + [session_case(store) for store in SESSION_STORES] + pg_cases(mpm) \
        + peer_cases()


# --- PostgreSQL -------------------------------------------------------------

# What every pg case answers: the one row of the one table (Postgres.DDL).
PG_WORD = "Hello from PostgreSQL!"


def pg_cases(mpm):
    """One small query per request (SEED-benefit-speed,
    SEED-benefit-persistence): CGI connects each time, the handler and the
    publisher keep a connection per thread (bench_pg.py)."""
    options = ('    PythonPath "[\'{bench}\'] + sys.path"\n'
               '    PythonOption bench.pg.dsn "host={pghost} port={pgport} '
               'dbname=bench user=bench"\n')
    return [
        Case("pg-cgi", "/cgi-bin/pg.py",
             cgi_conf(mpm) +
             # libpq takes these from the environment the CGI gets.
             'SetEnv PGHOST "{pghost}"\n'
             'SetEnv PGPORT {pgport}\n'
             'SetEnv PGDATABASE bench\n'
             'SetEnv PGUSER bench\n',
             body=PG_WORD, pg=True,
             note="standard CGI running one query, connecting every time"),
        Case("pg-handler", "/pg-handler",
             '<Location /pg-handler>\n'
             '    SetHandler mod_python\n'
             + options +
             '    PythonHandler bench_pg\n'
             '</Location>\n',
             body=PG_WORD, pg=True,
             note="a PythonHandler running one query on a connection kept "
                  "per thread in a module global"),
        Case("pg-publisher", "/pub/bench_pg.py/hello",
             'Alias /pub/ "{bench}/"\n'
             '<Directory "{bench}">\n'
             '    <Files bench_pg.py>\n'
             '        SetHandler mod_python\n'
             '        PythonHandler mod_python.publisher\n'
             + options.replace("    ", "        ") +
             '    </Files>\n'
             '</Directory>\n',
             body=PG_WORD, pg=True,
             note="the same query from a function published by "
                  "mod_python.publisher, same kept connection"),
    ]


def pg_bindir():
    """The newest installed PostgreSQL's bin directory, or None."""
    def version(initdb):
        return [int(x) for x in re.findall(r"\d+", initdb.parts[-3])]

    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=version)
    return found[-1].parent if found else None


def has_psycopg2():
    return subprocess.run([PYTHON, "-c", "import psycopg2"],
                          capture_output=True).returncode == 0


def ensure_postgres():
    """Install PostgreSQL and psycopg2 (for the Python the module embeds)
    if either is missing."""
    if pg_bindir() and has_psycopg2():
        return
    apt_install("PostgreSQL or psycopg2", "postgresql", "python3-psycopg2")
    if not pg_bindir():
        sys.exit("bench: no /usr/lib/postgresql/*/bin/initdb after "
                 "installing postgresql (or run with --no-pg)")
    if not has_psycopg2():
        sys.exit("bench: %s cannot import psycopg2 after installing "
                 "python3-psycopg2 (or run with --no-pg)" % PYTHON)


class Postgres:
    """A private PostgreSQL server: a temp data dir, a unix socket in a
    directory the server user (www-data) can reach, no TCP, trust auth; a
    role and database `bench` with one tiny table."""

    DDL = ("CREATE TABLE greeting (id integer PRIMARY KEY, word text);"
           "INSERT INTO greeting VALUES (1, '%s');" % PG_WORD)

    def __init__(self, parent):
        self.bindir = pg_bindir()
        self.dir = Path(tempfile.mkdtemp(prefix="pg-", dir=parent))
        self.dir.chmod(0o755)
        self.data = self.dir / "data"
        self.port = free_port()
        self.started = False
        # initdb refuses to run as root: as root, run it all as postgres.
        self.as_user = []
        if os.getuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def run(self, command, *args, **kw):
        out = subprocess.run(self.as_user + [str(self.bindir / command),
                                             *args],
                             capture_output=True, text=True, **kw)
        if out.returncode != 0:
            raise RuntimeError("%s failed:\n%s%s%s" % (
                command, out.stdout, out.stderr, self.log()))
        return out.stdout

    def log(self):
        try:
            return (self.dir / "log").read_text()[-2000:]
        except OSError:
            return ""

    def psql(self, user, db, sql):
        return self.run("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1",
                        "-h", str(self.dir), "-p", str(self.port),
                        "-U", user, "-d", db, "-c", sql)

    def start(self):
        self.run("initdb", "-D", str(self.data), "-U", "postgres",
                 "-A", "trust", "-E", "UTF8", "--no-sync")
        # Room for a connection per server thread and process, plus what
        # CGI opens and closes; durability is not what is measured.
        options = ("-k %s -p %d -c listen_addresses='' "
                   "-c max_connections=300 -c fsync=off "
                   "-c synchronous_commit=off" % (self.dir, self.port))
        self.run("pg_ctl", "-D", str(self.data), "-l",
                 str(self.dir / "log"), "-w", "-t", "60", "-o", options,
                 "start")
        self.started = True
        self.psql("postgres", "postgres", "CREATE ROLE bench LOGIN")
        self.psql("postgres", "postgres",
                  "CREATE DATABASE bench OWNER bench")
        self.psql("bench", "bench", self.DDL)
        return self

    def stop(self):
        if self.started:
            self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w",
                     "stop")
            self.started = False


MOD_WSGI = os.path.join(MODULES, "mod_wsgi.so")


def peer_cases():
    """mod_wsgi running the same WSGI application, embedded and in
    daemon mode, when Debian's libapache2-mod-wsgi-py3 is installed."""
    if not os.path.exists(MOD_WSGI):
        return []
    load = ('LoadModule wsgi_module %s\n'
            'WSGISocketPrefix "{root}/logs/wsgi"\n' % MOD_WSGI)
    return [
        Case("mod_wsgi-embedded", "/wsgi-embedded",
             load + 'WSGIScriptAlias /wsgi-embedded "{bench}/bench_wsgi.py"\n',
             note="the WSGI application in mod_wsgi, embedded mode",
             peer=True),
        Case("mod_wsgi-daemon", "/wsgi-daemon",
             load + 'WSGIDaemonProcess bench processes=2 threads=16\n'
             'WSGIScriptAlias /wsgi-daemon "{bench}/bench_wsgi.py" '
             'process-group=bench\n',
             note="the WSGI application in mod_wsgi, daemon mode (2 "
                  "processes x 16 threads)", peer=True),
    ]


# The session stores measured, and what each needs configured.
SESSION_STORES = {
    "MemorySession": "",
    "DbmSession": "    PythonOption mod_python.dbm_session.database_filename "
                  "{bench}/sessions/bench.dbm\n",
    "FileSession": "    PythonOption mod_python.file_session."
                   "database_directory {bench}/sessions\n",
}


def session_case(store):
    url = "/session-" + store[:-len("Session")].lower()
    return Case(
        url[1:], url,
        '<Location %s>\n'
        '    SetHandler mod_python\n'
        '    PythonPath "[\'{bench}\'] + sys.path"\n'
        '    PythonHandler bench_session\n'
        '    PythonOption mod_python.session.session_type %s\n'
        '%s'
        '</Location>\n' % (url, store, SESSION_STORES[store]),
        note="a page that loads and saves a %s" % store)


def mpm_tuning(mpm, connections):
    """The MPM settings for wrk's `connections` (32 by default).

    A fixed set of processes, started up front and never stopped, with
    room for all connections at once: a process started during a run
    would charge its start (and Python's) to whatever is measured.
    Prefork gives a kept-alive connection a process for its whole life, so
    it needs one per connection, and one per warm-up connection (8 more).
    (It may add a process when the warm-up keeps all of them busy: hence a
    limit 8 above that, or it would log that it reached the limit.)  Event
    closes kept-alive connections when a process's threads are all busy,
    which wrk counts as read errors: each of its two processes gets a
    thread per connection and warm-up connection, as wrk's connections
    need not spread evenly.
    """
    room = connections + 8
    if mpm == "prefork":
        return ("StartServers %d\nMinSpareServers 1\nMaxSpareServers %d\n"
                "MaxRequestWorkers %d\n" % (room, room + 8, room + 8))
    return ("ServerLimit 2\nStartServers 2\nThreadsPerChild %d\n"
            "MaxRequestWorkers %d\nMinSpareThreads 1\nMaxSpareThreads %d\n"
            % (room, 2 * room, 2 * room))


# wrk counts every connection the server closes as a read error; with
# httpd's default of 100 requests per connection the "failed" column would
# fill with those.
SERVER_TUNING = "MaxKeepAliveRequests 0\n"


def warm_up(server, case, connections):
    """Before measuring a case, this many connections at once each send it
    a request, then all of them a second one: every process (up to this
    many) then has its handler imported, so first imports are not what we
    time."""
    barrier = threading.Barrier(connections, timeout=20)
    errors = []

    def client():
        with requests.Session() as session:
            try:
                session.get(server.url + case.url, timeout=60)
                try:
                    # Hold the connection (and, under prefork, its
                    # process) until all are open, so they spread over
                    # the processes.
                    barrier.wait()
                except threading.BrokenBarrierError:
                    pass
                session.get(server.url + case.url, timeout=60)
            except requests.RequestException as e:
                errors.append(e)

    threads = [threading.Thread(target=client)
               for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        print("bench:   %d warm-up request(s) failed, e.g. %s" % (
            len(errors), errors[0]), file=sys.stderr, flush=True)


class BenchApache(Apache):
    """The harness's server plus the bench's placeholders and files."""

    def __init__(self, *args, pg=None, **kw):
        self.pg = pg
        super().__init__(*args, **kw)

    def placeholders(self):
        values = super().placeholders()
        values.update(bench=self.root / "bench", modules=MODULES,
                      pghost=self.pg.dir if self.pg else "",
                      pgport=self.pg.port if self.pg else "")
        return values

    def install_bench_files(self):
        dest = self.root / "bench"
        shutil.copytree(BENCH / "htdocs", dest,
                        ignore=shutil.ignore_patterns("__pycache__"))
        for script in (dest / "cgi-bin").glob("*.py"):
            lines = script.read_text().splitlines(keepends=True)
            lines[0] = "#!%s\n" % PYTHON
            script.write_text("".join(lines))
        # The server user reads everything and runs the CGI scripts.
        for path in [dest, *dest.rglob("*")]:
            executable = path.is_dir() or path.parent.name == "cgi-bin"
            path.chmod(0o755 if executable else 0o644)
        # The session stores write here, as the server user.
        (dest / "sessions").mkdir()
        (dest / "sessions").chmod(0o777)


# --- load generators --------------------------------------------------------

def apt_install(what, *packages):
    """Install Debian `packages` for `what`, which is missing."""
    sudo = [] if os.getuid() == 0 else ["sudo"]
    print("bench: %s is missing; installing %s" % (what, " ".join(packages)),
          file=sys.stderr, flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    # Wait for another apt to finish rather than fail at once.
    lock = ["-o", "DPkg::Lock::Timeout=300"]
    subprocess.run(sudo + ["apt-get", "update", "-qq"] + lock, env=env,
                   check=True)
    subprocess.run(sudo + ["apt-get", "install", "-y", "-qq"] + lock
                   + list(packages), env=env, check=True,
                   stdout=subprocess.DEVNULL)


def ensure_tool(command, package):
    """The path of `command`, installing its Debian package if missing."""
    path = shutil.which(command)
    if path:
        return path
    apt_install(command, package)
    path = shutil.which(command)
    if not path:
        sys.exit("bench: %s still missing after installing %s"
                 % (command, package))
    return path


def number(pattern, text, default=None):
    m = re.search(pattern, text, re.M)
    if m:
        return float(m.group(1))
    if default is None:
        raise RuntimeError("cannot find %r in:\n%s" % (pattern, text))
    return default


@dataclass
class Result:
    rate: float           # requests per second
    failed: int           # connection or read errors, wrong lengths...
    non2xx: int           # answers with another status
    done: int = 0         # requests completed
    rss_kb: int = 0       # the server's total VmRSS after the run
    pss_kb: int = 0       # ... and PSS
    procs: int = 0        # ... over this many processes


def run_ab(url, args):
    # -t before -n: ab stops at whichever limit comes first.
    limit = ["-t", str(args.ab_time)] if args.ab_time else []
    out = subprocess.run(
        [args.ab, "-q"] + limit + ["-n", str(args.requests), "-c", "1", url],
        capture_output=True, text=True)
    text = out.stdout + out.stderr
    if out.returncode != 0:
        raise RuntimeError("ab failed:\n" + text)
    return Result(number(r"^Requests per second:\s+([\d.]+)", text),
                  int(number(r"^Failed requests:\s+(\d+)", text)),
                  int(number(r"^Non-2xx responses:\s+(\d+)", text, 0)),
                  int(number(r"^Complete requests:\s+(\d+)", text)))


def run_wrk(url, args):
    # wrk's default timeout of 2 s would count CGI requests queued behind
    # 32 others on a busy machine as failed; 10 s is httpd's Timeout here.
    out = subprocess.run(
        [args.wrk, "-t2", "-c%d" % args.connections,
         "-d%ds" % args.duration, "--timeout", "10s", url],
        capture_output=True, text=True)
    text = out.stdout + out.stderr
    if out.returncode != 0:
        raise RuntimeError("wrk failed:\n" + text)
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                  r"timeout (\d+)", text)
    failed = sum(int(n) for n in m.groups()) if m else 0
    if failed:
        print("bench:   wrk: " + m.group(0), file=sys.stderr, flush=True)
    return Result(number(r"^Requests/sec:\s+([\d.]+)", text), failed,
                  int(number(r"Non-2xx or 3xx responses:\s+(\d+)", text, 0)),
                  int(number(r"^\s*(\d+) requests in ", text)))


TOOLS = {
    "ab": ("ab", "apache2-utils", run_ab,
           "`ab -n {requests} -c 1` (no keep-alive){ab_limit}"),
    "wrk": ("wrk", "wrk", run_wrk,
            "`wrk -t2 -c{connections} -d{duration}s --timeout 10s` "
            "(keep-alive)"),
}


def wait_quiet(server, timeout=60):
    """Wait until the server has finished what the last run left behind.

    wrk stops with a request in flight on each connection, and for slow
    cases (CGI) the server goes on running them for a while: measuring the
    next case meanwhile would halve its figure or worse.  Every finished
    request adds a line to the access log, so wait until it stops growing
    and no CGI process (a descendant that is not httpd) is left: on a
    loaded machine a batch of starting CGI scripts can keep the log still
    for a while.
    """
    log = server.root / "logs" / "access_log"
    deadline = time.time() + timeout
    last, still = -1, 0
    while time.time() < deadline and still < 3:
        size = log.stat().st_size if log.exists() else 0
        if size == last and not foreign_processes(server):
            still += 1
        else:
            still = 0
        last = size
        time.sleep(0.1)


def server_processes(server):
    """The pids of the server's parent (from its pid file) and all its
    descendants (the CGI daemon, mod_wsgi's daemon processes, CGI
    scripts...), from /proc."""
    parent = server.pid()
    if parent is None:
        return []
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                # The command name may hold spaces and parentheses.
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [parent]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def command_name(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return None


def foreign_processes(server):
    """The server's descendants running something other than httpd."""
    pids = server_processes(server)
    if not pids:
        return []
    httpd = command_name(pids[0])
    return [pid for pid in pids[1:]
            if command_name(pid) not in (httpd, None)]


def server_memory(server):
    """(total VmRSS in kB, total PSS in kB, number of processes) of the
    server's processes (server_processes()).  PSS charges
    each shared page to its sharers in equal parts: what the server costs
    the machine, where RSS counts a shared page once per process."""
    rss, pss, count = 0, 0, 0
    for pid in server_processes(server):
        try:
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss += int(line.split()[1])
                        count += 1
                        break
            with open("/proc/%d/smaps_rollup" % pid) as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1])
                        break
        except OSError:
            pass            # gone meanwhile (a CGI ending)
    return rss, pss, count


SEVERE = re.compile(r":(error|crit|alert|emerg)\]")


# --- report -----------------------------------------------------------------

def first_line(command):
    try:
        out = subprocess.run(command, capture_output=True, text=True)
    except OSError:
        return "?"
    lines = (out.stdout or out.stderr).strip().splitlines()
    return lines[0] if lines else "?"


def environment(mpms, pg):
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        osname = platform.freedesktop_os_release()["PRETTY_NAME"]
    except (OSError, AttributeError, KeyError):
        osname = platform.platform()
    httpd = first_line([HTTPD, "-v"]).replace("Server version: ", "")
    env = [
        ("CPU", "%s, %d cores" % (cpu, os.cpu_count() or 0)),
        ("OS", "%s, kernel %s" % (osname, platform.release())),
        ("httpd", "%s, MPM %s" % (httpd, " and ".join(mpms))),
        ("Python", "%s (%s)" % (first_line([PYTHON, "--version"]), PYTHON)),
        ("mod_python", BUILD.get("version", "?")),
    ]
    if pg:
        env.append(("PostgreSQL", "%s, unix socket, fsync off" % first_line(
            [str(pg.bindir / "postgres"), "--version"])))
    return env


def ratio(value, base):
    if not base:
        return "—"
    x = value / base
    # Two decimals from 0.1 up, two significant digits below (CGI against
    # the static file is a few thousandths).
    return "%.0f" % x if x >= 100 else "%.2f" % x if x >= 0.1 else \
        "%.2g" % x


def table(results, names, tools):
    """The markdown table of one MPM's `results` ({(case, tool): Result})."""
    pg = any(name.startswith("pg-") for name in names)
    head = ["case", "tool", "requests/s", "failed/non-2xx", "vs static",
            "vs CGI"] + (["vs pg-cgi"] if pg else []) + ["RSS MB (procs)",
                                                         "PSS MB"]
    rows = ["| " + " | ".join(head) + " |",
            "|" + "|".join("------" if i < 2 else "-----:"
                           for i in range(len(head))) + "|"]
    for name in names:
        for tool in tools:
            r = results.get((name, tool))
            if r is None:
                continue

            def vs(base):
                b = results.get((base, tool))
                return ratio(r.rate, b.rate if b else 0)

            cells = [name, tool, "%.1f" % r.rate,
                     "%d/%d" % (r.failed, r.non2xx), vs("static"), vs("cgi")]
            if pg:
                cells.append(vs("pg-cgi") if name.startswith("pg-") else "")
            cells += ["%.0f (%d)" % (r.rss_kb / 1024, r.procs),
                      "%.0f" % (r.pss_kb / 1024)]
            rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


HOW_TO_READ = """\
How to read the table (one row per case and tool; each case runs in a
fresh server of its own, after a warm-up):
- requests/s: the tool's mean rate (the best of --repeat runs).  ab sends
  one request at a time on a new connection (the seeds' method); wrk keeps
  all its connections alive and busy.
- failed/non-2xx: requests that failed (connect/read errors, timeouts,
  wrong lengths) / answered another status, summed over the runs.
  Anything but 0/0 makes the row's rate suspect.
- vs static, vs CGI: the rate divided by the static file's (1.00: what
  httpd itself reaches, the ceiling) and by standard CGI's (the seeds'
  baseline: their handler did 52x), same tool, MPM and run.
{pg}- RSS MB (procs): VmRSS summed over the server's processes (parent and
  all descendants) after the row's run, and their number.  Shared pages
  count once per process, so it overstates; PSS MB splits each shared page
  among its sharers: what the server really uses.
- One run on a shared machine is noisy: compare ratios, not absolute
  rates, and rerun before trusting a difference of a few %."""
HOW_TO_READ_PG = """\
- vs pg-cgi: for the pg-* rows, the rate divided by pg-cgi's: what
  keeping the database connection (and Python) loaded saves.
"""


# --- SVG chart --------------------------------------------------------------

TOOL_COLOURS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759"]


def nice_ticks(top, scale):
    """Axis ticks from 0 (or the lowest decade) up to at least `top`."""
    if scale == "log":
        top_exp = max(1, math.ceil(math.log10(max(top, 1))))
        return [10 ** e for e in range(0, top_exp + 1)]
    if top <= 0:
        return [0, 1]
    raw = top / 5
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    return [i * step for i in range(int(math.ceil(top / step)) + 1)]


def svg_chart(sections, tools, scale="linear", subtitle=""):
    """A hand-written SVG bar chart: a panel per MPM, a group of bars per
    case, a bar per tool, each labelled with its rate and the server's
    RSS.  `sections` is [(title, names, results)] as for table()."""
    width, label_w, value_w = 960, 170, 150
    plot_w = width - label_w - value_w
    bar_h, gap = 14, 10
    out, y = [], 10

    def x_of(value, ticks):
        if scale == "log":
            lo, hi = math.log10(ticks[0]), math.log10(ticks[-1])
            v = math.log10(max(value, ticks[0]))
            return label_w + plot_w * (v - lo) / (hi - lo)
        return label_w + plot_w * value / ticks[-1]

    def text(x, y, s, anchor="start", size=12, weight="normal"):
        out.append('<text x="%.1f" y="%.1f" font-size="%d" '
                   'font-weight="%s" text-anchor="%s">%s</text>'
                   % (x, y, size, weight, anchor, escape(str(s))))

    for i, tool in enumerate(tools):        # the legend
        colour = TOOL_COLOURS[i % len(TOOL_COLOURS)]
        out.append('<rect x="%d" y="%d" width="12" height="12" fill="%s"/>'
                   % (label_w + i * 120, y, colour))
        text(label_w + i * 120 + 18, y + 11, tool)
    text(width - 10, y + 11, "requests/s (%s scale)" % scale, "end")
    if subtitle:
        text(label_w, y + 32, subtitle, size=10)
        y += 20
    y += 30
    for title, names, results in sections:
        rates = [r.rate for r in results.values()]
        ticks = nice_ticks(max(rates + [1]), scale)
        text(10, y + 14, title, size=14, weight="bold")
        y += 28
        top = y
        for name in names:
            group = [(i, tool, results.get((name, tool)))
                     for i, tool in enumerate(tools)]
            group = [g for g in group if g[2] is not None]
            if not group:
                continue
            text(label_w - 8, y + len(group) * bar_h / 2 + 4, name, "end")
            for i, tool, r in group:
                colour = TOOL_COLOURS[i % len(TOOL_COLOURS)]
                x1 = x_of(r.rate, ticks)
                out.append('<rect x="%d" y="%.1f" width="%.1f" height="%d" '
                           'fill="%s"><title>%s %s: %.1f requests/s'
                           '</title></rect>'
                           % (label_w, y, max(x1 - label_w, 0.5), bar_h - 2,
                              colour, escape(name), tool, r.rate))
                label = "%.0f/s, %.0f MB" % (r.rate, r.rss_kb / 1024)
                if r.failed or r.non2xx:
                    label += " (%d failed, %d non-2xx)" % (r.failed,
                                                           r.non2xx)
                text(x1 + 4, y + bar_h - 4, label, size=10)
                y += bar_h
            y += gap
        for t in ticks:                     # grid and axis labels
            x = x_of(t, ticks)
            out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" '
                       'stroke="#bbb" stroke-width="0.5"/>'
                       % (x, top - 4, x, y))
            text(x, y + 14, "%g" % t, "middle", size=10)
        y += 34
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
            'viewBox="0 0 %d %d" font-family="sans-serif">\n'
            '<rect width="100%%" height="100%%" fill="white"/>\n%s\n</svg>\n'
            % (width, y, width, y, "\n".join(out)))


# --- main -------------------------------------------------------------------

def check(server, case):
    r = server.get(case.url)
    if r.status_code != 200 or r.text != case.body:
        sys.exit("bench: %s %s gave %d %r, expected 200 %r\n%s" % (
            case.name, case.url, r.status_code, r.text[:200], case.body,
            server.error_log()[-2000:]))


def measure(case, tools, args, mpm, results, pg):
    """Serve `case` from a server of its own (a peer's without
    mod_python), check it, then time it with each tool into `results`,
    with the server's memory after each run.  Returns the error log's
    troubling lines."""
    conf = SERVER_TUNING + mpm_tuning(mpm, args.connections) + case.conf
    server = BenchApache(conf, mpm=mpm, suites=[], loglevel="warn",
                         load_python=not case.peer, pg=pg)
    try:
        server.install_bench_files()
        t0 = time.time()
        server.start()
        check(server, case)
        t1 = time.time()
        # Once per server: what it imports stays imported for every tool.
        warm_up(server, case, args.connections + 8)
        wait_quiet(server)
        print("bench: %s %s: server started in %.1f s, warmed up in %.1f s"
              % (mpm, case.name, t1 - t0, time.time() - t1),
              file=sys.stderr, flush=True)
        for tool in tools:
            print("bench: %s %s with %s ..." % (mpm, case.name, tool),
                  file=sys.stderr, flush=True)
            started = time.time()
            runs = []
            for _ in range(args.repeat):
                runs.append(TOOLS[tool][2](server.url + case.url, args))
                # Also what the next run or warm-up needs.
                wait_quiet(server)
            r = results[case.name, tool] = max(runs, key=lambda r: r.rate)
            r.failed = sum(run.failed for run in runs)
            r.non2xx = sum(run.non2xx for run in runs)
            r.rss_kb, r.pss_kb, r.procs = server_memory(server)
            print("bench:   %.1f requests/s, %d/%d failed/non-2xx, "
                  "%.0f MB RSS (%.0f PSS) in %d processes (%.0f s)" % (
                      r.rate, r.failed, r.non2xx, r.rss_kb / 1024,
                      r.pss_kb / 1024, r.procs, time.time() - started),
                  file=sys.stderr, flush=True)
        return ["%s %s: %s" % (mpm, case.name, line)
                for line in server.error_log().splitlines()
                if TROUBLE.search(line) or SEVERE.search(line)]
    finally:
        t0 = time.time()
        if args.keep:
            server.stop()
            print("bench: server root kept in %s" % server.root,
                  file=sys.stderr)
        else:
            server.cleanup()
        print("bench: %s %s: server stopped in %.1f s" % (
            mpm, case.name, time.time() - t0), file=sys.stderr, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mpm", action="append", dest="mpms",
                        choices=["event", "worker", "prefork"],
                        help="measure under this MPM only (repeatable; "
                             "default event and prefork)")
    parser.add_argument("--requests", type=int, default=10000,
                        help="requests per ab run (default 10000)")
    parser.add_argument("--ab-time", type=int, metavar="SECONDS",
                        help="end each ab run after this long even if "
                             "fewer requests are done (ab -t; for short "
                             "runs of the slow CGI cases)")
    parser.add_argument("--duration", type=int, default=10,
                        help="seconds per wrk run (default 10)")
    parser.add_argument("--connections", type=int, default=32,
                        help="wrk's connections (default 32); the servers "
                             "get processes or threads for them (fewer "
                             "make short runs under prefork quicker)")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="run each tool N times per case and keep the "
                             "best rate (failures are summed): less noise "
                             "on a shared machine")
    parser.add_argument("--case", action="append", dest="cases",
                        metavar="NAME", help="measure only these cases")
    parser.add_argument("--tool", action="append", dest="tools",
                        choices=sorted(TOOLS), help="use only these tools")
    parser.add_argument("--no-pg", action="store_true",
                        help="skip the PostgreSQL cases")
    parser.add_argument("--svg", default=str(BENCH / "out" / "bench.svg"),
                        help="write the bar chart here (default "
                             "test/bench/out/bench.svg; '' for none)")
    parser.add_argument("--svg-scale", choices=["linear", "log"],
                        default="linear", help="the chart's rate axis")
    parser.add_argument("--json", metavar="PATH",
                        help="also write the results here as JSON")
    parser.add_argument("--keep", action="store_true",
                        help="keep the server roots (logs) for inspection")
    args = parser.parse_args()
    mpms = args.mpms or ["event", "prefork"]
    if args.repeat < 1:
        parser.error("--repeat: one run at least")
    if args.connections < 2:
        parser.error("--connections: wrk's two threads need two at least")
    args.ab_limit = ", at most %d s" % args.ab_time if args.ab_time else ""

    known = [c.name for c in cases(mpms[0])]
    names = known
    if args.cases:
        unknown = set(args.cases) - set(known)
        if unknown:
            parser.error("unknown case(s): %s (known: %s)" % (
                ", ".join(sorted(unknown)), ", ".join(known)))
        names = [n for n in known if n in args.cases]
    if args.no_pg:
        names = [n for n in names if not n.startswith("pg-")]
    tools = args.tools or list(TOOLS)
    for tool in tools:
        command, package = TOOLS[tool][:2]
        setattr(args, tool, ensure_tool(command, package))
    want_pg = any(n.startswith("pg-") for n in names)
    if want_pg:
        ensure_postgres()

    # A parent of our own for the server roots, so that nothing tidying up
    # the test suites' /tmp/mp-test-* roots can pull ours away mid-run.
    tempfile.tempdir = tempfile.mkdtemp(prefix="mp-bench-")
    os.chmod(tempfile.tempdir, 0o755)
    sections, trouble, pg = [], [], None
    try:
        if want_pg:
            print("bench: starting PostgreSQL ...", file=sys.stderr,
                  flush=True)
            pg = Postgres(tempfile.tempdir).start()
        env = environment(mpms, pg)
        for mpm in mpms:
            load = " ".join("%.2f" % x for x in os.getloadavg())
            results = {}
            for case in cases(mpm):
                if case.name in names:
                    trouble += measure(case, tools, args, mpm, results, pg)
            sections.append((mpm, load, results))
    finally:
        if pg:
            pg.stop()
        if not args.keep:
            shutil.rmtree(tempfile.tempdir, ignore_errors=True)

    print("## mod_python request rates\n")
    for key, value in env:
        print("- %s: %s" % (key, value))
    for tool in tools:
        print("- %s: %s" % (tool, TOOLS[tool][3].format(**vars(args))))
    if args.repeat > 1:
        print("- each run %d times, the best rate kept" % args.repeat)
    for mpm, load, results in sections:
        print("\n### %s MPM (load average at start: %s)\n" % (mpm, load))
        print(table(results, names, tools))
    print()
    for case in cases(mpms[0]):
        if case.name in names:
            print("- %s: `%s`, %s" % (case.name, case.url, case.note))
    print()
    print(HOW_TO_READ.format(pg=HOW_TO_READ_PG if want_pg else ""))
    if trouble:
        print("\nThe error logs have %d line(s) at error level or worse:\n"
              % len(trouble))
        for line in trouble[:10]:
            print("    " + line)
    if args.svg:
        svg = Path(args.svg)
        svg.parent.mkdir(parents=True, exist_ok=True)
        svg.write_text(svg_chart(
            [("%s MPM" % mpm, names, results)
             for mpm, load, results in sections], tools, args.svg_scale,
            "; ".join(["mod_python %s" % BUILD.get("version", "?")]
                      + [TOOLS[t][3].format(**vars(args)).replace("`", "")
                         for t in tools])))
        print("\nChart: %s" % svg)
    if args.json:
        Path(args.json).write_text(json.dumps({
            "environment": dict(env),
            "tools": {t: TOOLS[t][3].format(**vars(args)) for t in tools},
            "checked": names,
            "trouble": trouble,
            "mpms": {mpm: {"load": load, "results": [
                dict(case=name, tool=tool, **asdict(r))
                for (name, tool), r in results.items()]}
                for mpm, load, results in sections},
        }, indent=1))


if __name__ == "__main__":
    main()
