#!/usr/bin/env python3
"""A crude request-rate benchmark in the manner of the seed documents.

Starts a private Apache (the test harness's `Apache` class) serving a few
cases that all answer `Hello!`.  Checks each once, warms it up (every
server process imports its handler), then measures it with ApacheBench
(`ab -n 10000 -c 1`, the seeds' method: SEED-perf-3x, SEED-method-tool)
and with wrk (`wrk -t2 -c32 -d10s`, a concurrent load the seeds did not
try).  Prints a markdown table with each rate also as a ratio to the
static file (the ceiling) and to standard CGI (the seeds' baseline), all
from the same run.

    make bench
    make bench BENCH_ARGS="--mpm prefork --requests 1000 --duration 5"
    /usr/bin/python3 test/bench/bench.py --case static --case handler

To add a case, append a `Case` to `cases()` (its files go in
test/bench/htdocs/, copied into the server root like the test suites').
"""
import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

try:
    import requests
    from conftest import BUILD, HTTPD, MODULES, TROUBLE, Apache  # noqa: E402
except ImportError as e:
    sys.exit("bench.py: %s: run it with a Python that has pytest and "
             "requests, e.g. through make bench" % e)

PYTHON = BUILD.get("PYTHON_BIN", "/usr/bin/python3")


@dataclass
class Case:
    """One thing to measure.

    `conf` is a config fragment, a str.format template like a suite.conf:
    {bench} is the server's copy of test/bench/htdocs, {modules} httpd's
    module directory, plus the harness's {root}, {port}, {lib}.
    """
    name: str
    url: str
    conf: str
    body: str = "Hello!"
    note: str = ""
    # A peer's case runs in a server of its own, without mod_python.
    peer: bool = False


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
             note="standard CGI, a Python process per request "
                  "(mod_cgi%s)" % ("" if mpm == "prefork" else "d")),
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
    ] + [session_case(store) for store in SESSION_STORES] + peer_cases()


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
             'WSGIDaemonProcess bench processes=2 threads=16\n'
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


# A fixed set of processes, started up front and never stopped, with room
# for wrk's 32 connections at once: a process started during a run would
# charge its start (and Python's) to whatever is measured.  Prefork gives a
# kept-alive connection a process for its whole life, so it needs one per
# connection; event closes kept-alive connections when its threads run
# short, which wrk would count as errors.  (Prefork may add a process when
# the warm-up below keeps all 40 busy: hence a limit of 48, not 40, or it
# would log that it reached the limit.)
THREADED = """
ServerLimit 2
StartServers 2
ThreadsPerChild 32
MaxRequestWorkers 64
MinSpareThreads 1
MaxSpareThreads 64
"""
MPM_TUNING = {
    "prefork": """
StartServers 40
MinSpareServers 1
MaxSpareServers 48
MaxRequestWorkers 48
""",
    "event": THREADED,
    "worker": THREADED,
}

# wrk counts every connection the server closes as a read error; with
# httpd's default of 100 requests per connection the "failed" column would
# fill with those.
SERVER_TUNING = "MaxKeepAliveRequests 0\n"

# Before measuring a case, this many connections at once each send it a
# request, then all of them a second one: every process (up to this many)
# then has its handler imported, so first imports are not what we time.
WARMUP_CONNECTIONS = 40


def warm_up(server, case):
    barrier = threading.Barrier(WARMUP_CONNECTIONS, timeout=20)

    def client():
        with requests.Session() as session:
            session.get(server.url + case.url, timeout=60)
            try:
                # Hold the connection (and, under prefork, its process)
                # until all are open, so they spread over the processes.
                barrier.wait()
            except threading.BrokenBarrierError:
                pass
            session.get(server.url + case.url, timeout=60)

    threads = [threading.Thread(target=client)
               for _ in range(WARMUP_CONNECTIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


class BenchApache(Apache):
    """The harness's server plus the bench's placeholders and files."""

    def placeholders(self):
        values = super().placeholders()
        values.update(bench=self.root / "bench", modules=MODULES)
        return values

    def install_bench_files(self):
        dest = self.root / "bench"
        shutil.copytree(BENCH / "htdocs", dest,
                        ignore=shutil.ignore_patterns("__pycache__"))
        script = dest / "cgi-bin" / "hello.py"
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

def ensure_tool(command, package):
    """The path of `command`, installing its Debian package if missing."""
    path = shutil.which(command)
    if path:
        return path
    sudo = [] if os.getuid() == 0 else ["sudo"]
    print("bench: %s is missing; installing %s" % (command, package),
          file=sys.stderr)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(sudo + ["apt-get", "update", "-qq"], env=env, check=True)
    subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", package],
                   env=env, check=True, stdout=subprocess.DEVNULL)
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


def run_ab(url, args):
    out = subprocess.run(
        [args.ab, "-q", "-n", str(args.requests), "-c", "1", url],
        capture_output=True, text=True)
    text = out.stdout + out.stderr
    if out.returncode != 0:
        raise RuntimeError("ab failed:\n" + text)
    return Result(number(r"^Requests per second:\s+([\d.]+)", text),
                  int(number(r"^Failed requests:\s+(\d+)", text)),
                  int(number(r"^Non-2xx responses:\s+(\d+)", text, 0)))


def run_wrk(url, args):
    out = subprocess.run(
        [args.wrk, "-t2", "-c32", "-d%ds" % args.duration, url],
        capture_output=True, text=True)
    text = out.stdout + out.stderr
    if out.returncode != 0:
        raise RuntimeError("wrk failed:\n" + text)
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                  r"timeout (\d+)", text)
    failed = sum(int(n) for n in m.groups()) if m else 0
    return Result(number(r"^Requests/sec:\s+([\d.]+)", text), failed,
                  int(number(r"Non-2xx or 3xx responses:\s+(\d+)", text, 0)))


TOOLS = {
    "ab": ("ab", "apache2-utils", run_ab,
           "`ab -n {requests} -c 1` (no keep-alive)"),
    "wrk": ("wrk", "wrk", run_wrk,
            "`wrk -t2 -c32 -d{duration}s` (keep-alive)"),
}


def wait_quiet(server, timeout=60):
    """Wait until the server has finished what the last run left behind.

    wrk stops with a request in flight on each connection, and for slow
    cases (CGI) the server goes on running them for a while: measuring the
    next case meanwhile would halve its figure or worse.  Every finished
    request adds a line to the access log, so wait until it stops growing.
    """
    log = server.root / "logs" / "access_log"
    deadline = time.time() + timeout
    last, still = -1, 0
    while time.time() < deadline and still < 3:
        size = log.stat().st_size if log.exists() else 0
        still = still + 1 if size == last else 0
        last = size
        time.sleep(0.2)


SEVERE = re.compile(r":(error|crit|alert|emerg)\]")


# --- report -----------------------------------------------------------------

def first_line(command):
    try:
        out = subprocess.run(command, capture_output=True, text=True)
    except OSError:
        return "?"
    lines = (out.stdout or out.stderr).strip().splitlines()
    return lines[0] if lines else "?"


def environment(mpm):
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
    load = " ".join("%.2f" % x for x in os.getloadavg())
    return [
        ("CPU", "%s, %d cores" % (cpu, os.cpu_count() or 0)),
        ("OS", "%s, kernel %s" % (osname, platform.release())),
        ("httpd", "%s, %s MPM" % (httpd, mpm)),
        ("Python", "%s (%s)" % (first_line([PYTHON, "--version"]), PYTHON)),
        ("mod_python", BUILD.get("version", "?")),
        ("load average at start", load),
    ]


def ratio(value, base):
    if not base:
        return "—"
    x = value / base
    # Two decimals from 1 up, two significant digits below (CGI against
    # the static file is a few thousandths).
    return "%.0f" % x if x >= 100 else "%.2f" % x if x >= 1 else "%.2g" % x


def table(results, names, tools):
    rows = ["| case | tool | requests/s | failed/non-2xx | vs static "
            "| vs CGI |",
            "|------|------|-----------:|---------------:|----------:"
            "|-------:|"]
    for name in names:
        for tool in tools:
            r = results[name, tool]
            static = results.get(("static", tool))
            cgi = results.get(("cgi", tool))
            rows.append("| %s | %s | %.1f | %d/%d | %s | %s |" % (
                name, tool, r.rate, r.failed, r.non2xx,
                ratio(r.rate, static.rate if static else 0),
                ratio(r.rate, cgi.rate if cgi else 0)))
    return "\n".join(rows)


# --- main -------------------------------------------------------------------

def measure(chosen, tools, args, results, peer):
    """Serve `chosen` from one server (a peer's without mod_python), check
    each, then time it with each tool into `results`.  Returns the error
    log's troubling lines."""
    conf = SERVER_TUNING + MPM_TUNING[args.mpm] + "\n".join(
        "# --- case %s\n%s" % (c.name, c.conf) for c in chosen)
    server = BenchApache(conf, mpm=args.mpm, suites=[], loglevel="warn",
                         load_python=not peer)
    try:
        server.install_bench_files()
        server.start()
        for case in chosen:
            r = server.get(case.url)
            if r.status_code != 200 or r.text != case.body:
                sys.exit("bench: %s %s gave %d %r, expected 200 %r\n%s" % (
                    case.name, case.url, r.status_code, r.text[:200],
                    case.body, server.error_log()[-2000:]))
        for case in chosen:
            for tool in tools:
                print("bench: %s with %s ..." % (case.name, tool),
                      file=sys.stderr, flush=True)
                wait_quiet(server)
                warm_up(server, case)
                wait_quiet(server)
                started = time.time()
                results[case.name, tool] = TOOLS[tool][2](
                    server.url + case.url, args)
                print("bench:   %.1f requests/s (%.0f s)" % (
                    results[case.name, tool].rate, time.time() - started),
                    file=sys.stderr, flush=True)
        return [line for line in server.error_log().splitlines()
                if TROUBLE.search(line) or SEVERE.search(line)]
    finally:
        if args.keep:
            server.stop()
            print("bench: server root kept in %s" % server.root,
                  file=sys.stderr)
        else:
            server.cleanup()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mpm", default="event",
                        choices=["event", "worker", "prefork"])
    parser.add_argument("--requests", type=int, default=10000,
                        help="requests per ab run (default 10000)")
    parser.add_argument("--duration", type=int, default=10,
                        help="seconds per wrk run (default 10)")
    parser.add_argument("--case", action="append", dest="cases",
                        metavar="NAME", help="measure only these cases")
    parser.add_argument("--tool", action="append", dest="tools",
                        choices=sorted(TOOLS), help="use only these tools")
    parser.add_argument("--keep", action="store_true",
                        help="keep the server root (logs) for inspection")
    args = parser.parse_args()

    chosen = cases(args.mpm)
    if args.cases:
        unknown = set(args.cases) - {c.name for c in chosen}
        if unknown:
            parser.error("unknown case(s): %s (known: %s)" % (
                ", ".join(sorted(unknown)),
                ", ".join(c.name for c in chosen)))
        chosen = [c for c in chosen if c.name in args.cases]
    tools = args.tools or list(TOOLS)
    for tool in tools:
        command, package = TOOLS[tool][:2]
        setattr(args, tool, ensure_tool(command, package))

    # A parent of our own for the server roots, so that nothing tidying up
    # the test suites' /tmp/mp-test-* roots can pull ours away mid-run.
    tempfile.tempdir = tempfile.mkdtemp(prefix="mp-bench-")
    os.chmod(tempfile.tempdir, 0o755)
    env = environment(args.mpm)
    results, trouble = {}, []
    try:
        for peer in (False, True):
            group = [c for c in chosen if c.peer == peer]
            if group:
                trouble += measure(group, tools, args, results, peer)
    finally:
        if not args.keep:
            shutil.rmtree(tempfile.tempdir, ignore_errors=True)

    print("## mod_python request rates\n")
    for key, value in env:
        print("- %s: %s" % (key, value))
    for tool in tools:
        print("- %s: %s" % (tool, TOOLS[tool][3].format(**vars(args))))
    print()
    print(table(results, [c.name for c in chosen], tools))
    print()
    for case in chosen:
        print("- %s: `%s`, %s" % (case.name, case.url, case.note))
    if trouble:
        print("\nThe error log has %d line(s) at error level or worse:\n"
              % len(trouble))
        for line in trouble[:10]:
            print("    " + line)


if __name__ == "__main__":
    main()
