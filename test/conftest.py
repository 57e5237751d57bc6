"""Test harness: private Apache servers running the freshly built module.

Each suite (test_<suite>.py) owns test/htdocs/<suite>/: its handlers and a
config fragment `suite.conf`, a template whose {placeholders} are filled
from Apache.placeholders().  One shared server runs every suite's fragment;
tests that need server-level settings of their own start another with the
`make_apache` fixture.

The MPM comes from MP_TEST_MPM (event, worker or prefork; default event).
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
HTDOCS = ROOT / "test" / "htdocs"
MODULE_SO = ROOT / "src" / "mod_python.so"
PACKAGE = ROOT / "lib" / "python" / "mod_python"


def build_info():
    """What configure found (lib/python/mod_python/version.py)."""
    info = {}
    exec((PACKAGE / "version.py").read_text(), info)
    return info


BUILD = build_info() if (PACKAGE / "version.py").exists() else {}
HTTPD = BUILD.get("HTTPD", "/usr/sbin/apache2")
MODULES = BUILD.get("LIBEXECDIR", "/usr/lib/apache2/modules")
SERVER_USER = BUILD.get("SERVER_USER", "www-data")
MPM = os.environ.get("MP_TEST_MPM", "event")

# httpd modules every test server loads (besides the MPM).
BASE_MODULES = ["authz_core", "authz_host", "authz_user", "authn_core",
                "authn_file", "auth_basic", "mime", "dir", "alias",
                "include", "filter", "env", "headers", "setenvif",
                "log_config", "unixd"]

MPM_CONF = {
    "event": """
StartServers 1
ServerLimit 2
ThreadsPerChild 16
MaxRequestWorkers 32
MinSpareThreads 1
MaxSpareThreads 32
""",
    "worker": """
StartServers 1
ServerLimit 2
ThreadsPerChild 16
MaxRequestWorkers 32
MinSpareThreads 1
MaxSpareThreads 32
""",
    "prefork": """
StartServers 2
MinSpareServers 1
MaxSpareServers 4
MaxRequestWorkers 16
""",
}

BASE_CONF = """
ServerRoot "{root}"
Listen 127.0.0.1:{port}
ServerName {servername}
PidFile "{root}/logs/httpd.pid"
ErrorLog "{root}/logs/error_log"
LogLevel {loglevel}
LogFormat "%h %l %u %t \\"%r\\" %>s %b" common
CustomLog "{root}/logs/access_log" common
{user}
{load_modules}
{python_load}
{mpm_conf}
TypesConfig /etc/mime.types
DocumentRoot "{htdocs}"
Timeout 10
KeepAlive On
Mutex file:{root}/logs
<Directory />
    AllowOverride None
    Require all granted
</Directory>
{extra}
"""


def alive(pid):
    """Whether process `pid` still exists (a zombie counts as gone)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ")[-1][0] != "Z"
    except OSError:
        return False


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Apache:
    """One private httpd: its ServerRoot, logs and PidFile in a temp dir."""

    def __init__(self, extra_conf="", mpm=MPM, loglevel="info",
                 suites=None, env=None, servername="localhost",
                 load_python=True, module_so=MODULE_SO):
        self.mpm = mpm
        self.root = Path(tempfile.mkdtemp(prefix="mp-test-"))
        self.root.chmod(0o755)
        self.port = free_port()
        self.htdocs = self.root / "htdocs"
        self.lib = self.root / "lib"
        self.servername = servername
        (self.root / "logs").mkdir()
        # The server user cannot read the source tree under /root, so
        # handlers and the package run from copies.
        shutil.copytree(HTDOCS, self.htdocs,
                        ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copytree(PACKAGE, self.lib / "mod_python",
                        ignore=shutil.ignore_patterns("__pycache__"))
        for path in [self.root, *self.root.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        self.suites = suites
        self.extra_conf = extra_conf
        self.loglevel = loglevel
        # False for a peer server (mod_wsgi) that must not embed us too.
        self.load_python = load_python
        self.module_so = module_so      # another build's (test_packaging)
        self.env = dict(os.environ)
        self.env["PYTHONPATH"] = str(self.lib)
        self.env.update(env or {})
        self.log_offset = 0
        self.conf = self.root / "httpd.conf"
        self.write_conf()

    def placeholders(self):
        return {"root": self.root, "htdocs": self.htdocs, "port": self.port,
                "lib": self.lib, "servername": self.servername}

    def suite_fragments(self):
        names = self.suites
        if names is None:
            names = sorted(p.name for p in HTDOCS.iterdir()
                           if (p / "suite.conf").exists())
        out = []
        for name in names:
            text = (self.htdocs / name / "suite.conf").read_text()
            out.append("# --- suite %s\n%s" % (name, text.format(
                **self.placeholders(), suite=self.htdocs / name)))
        return "\n".join(out)

    def write_conf(self):
        user = ""
        if os.getuid() == 0:
            user = "User %s\nGroup %s" % (SERVER_USER, SERVER_USER)
        loads = ["LoadModule mpm_%s_module %s/mod_mpm_%s.so"
                 % (self.mpm, MODULES, self.mpm)]
        for name in BASE_MODULES:
            so = Path(MODULES) / ("mod_%s.so" % name)
            if so.exists():
                loads.append("LoadModule %s_module %s" % (name, so))
        extra = self.extra_conf.format(**self.placeholders())
        extra += "\n" + self.suite_fragments()
        self.conf.write_text(BASE_CONF.format(
            **self.placeholders(), user=user, load_modules="\n".join(loads),
            python_load=('LoadModule python_module "%s"' % self.module_so
                         if self.load_python else ""),
            mpm_conf=MPM_CONF[self.mpm],
            loglevel=self.loglevel, extra=extra))

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def get(self, path, **kw):
        kw.setdefault("timeout", 30)
        return requests.get(self.url + path, **kw)

    def post(self, path, **kw):
        kw.setdefault("timeout", 30)
        return requests.post(self.url + path, **kw)

    def request(self, method, path, **kw):
        kw.setdefault("timeout", 30)
        return requests.request(method, self.url + path, **kw)

    def raw(self, data, timeout=10):
        """Send raw bytes; return everything the server answers."""
        with socket.create_connection(("127.0.0.1", self.port),
                                      timeout=timeout) as s:
            s.sendall(data)
            chunks = []
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    chunks.append(chunk)
            except socket.timeout:
                pass
            return b"".join(chunks)

    @property
    def pidfile(self):
        return self.root / "logs" / "httpd.pid"

    def error_log(self):
        path = self.root / "logs" / "error_log"
        return path.read_text(errors="replace") if path.exists() else ""

    def new_log(self):
        """Error-log text written since the last call."""
        text = self.error_log()
        new, self.log_offset = text[self.log_offset:], len(text)
        return new

    def start(self):
        check = subprocess.run([HTTPD, "-t", "-f", str(self.conf)],
                               env=self.env, capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError("httpd config test failed:\n" + check.stderr)
        subprocess.run([HTTPD, "-f", str(self.conf), "-k", "start"],
                       env=self.env, check=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                requests.get(self.url + "/", timeout=2)
                return self
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError("httpd did not answer:\n" + self.error_log())

    def pid(self):
        try:
            return int(self.pidfile.read_text().strip())
        except (OSError, ValueError):
            return None

    def stop(self):
        """SIGTERM to the parent; returns once it and its children (whose
        exit runs the child-exit cleanups) are gone."""
        pid = self.pid()
        if pid is None:
            return
        children = self.child_pids()
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.time() + 15
        while time.time() < deadline:
            if not any(alive(p) for p in [pid] + children):
                return
            time.sleep(0.1)
        if alive(pid):
            os.kill(pid, signal.SIGKILL)

    def child_pids(self):
        """Pids of this server's children (by parent pid, never by name)."""
        parent = self.pid()
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(parent)],
                             capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]

    def cleanup(self):
        self.stop()
        if not os.environ.get("MP_TEST_KEEP"):     # keep logs to debug
            shutil.rmtree(self.root, ignore_errors=True)


def wait_for_log(server, pattern, timeout=5.0):
    """The first match of `pattern` in the server's error log, once it
    shows up (the test fails if it does not within `timeout`)."""
    deadline = time.time() + timeout
    while True:
        log = server.error_log()
        match = re.search(pattern, log)
        if match:
            return match
        if time.time() > deadline:
            pytest.fail("no %r in error_log:\n%s" % (pattern, log[-3000:]))
        time.sleep(0.05)


def wait_log(server, pattern, timeout=5.0):
    """The whole error-log text once `pattern` shows up in it."""
    wait_for_log(server, pattern, timeout)
    return server.error_log()


# Log lines that always mean trouble, unless a test says it expects them.
TROUBLE = re.compile(r"\[python:(warn|error|crit|alert|emerg)\]|"
                     r"exit signal|AH00052|Segmentation fault")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "log_expected(*patterns): error-log lines matching any "
        "pattern do not fail the test")
    if not MODULE_SO.exists():
        raise pytest.UsageError("src/mod_python.so is missing: build first "
                                "(./configure && make)")


@pytest.fixture(scope="session")
def apache():
    """The shared server with every suite's fragment."""
    server = Apache().start()
    yield server
    server.cleanup()


@pytest.fixture
def make_apache():
    """Start extra servers: make_apache(extra_conf, mpm=..., ...)."""
    servers = []

    def make(extra_conf="", **kw):
        kw.setdefault("suites", [])
        server = Apache(extra_conf, **kw)
        servers.append(server)
        return server.start()

    yield make
    for server in servers:
        server.cleanup()


@pytest.fixture(autouse=True)
def error_log_check(request):
    """Fail a test whose requests logged errors it did not expect.  Checks
    the servers of the fixtures named `apache` and `server`."""
    servers = [request.getfixturevalue(name) for name in ("apache", "server")
               if name in request.fixturenames]
    for server in servers:
        server.new_log()
    yield
    time.sleep(0.05)            # let the log lines of the last request land
    marker = request.node.get_closest_marker("log_expected")
    allowed = [re.compile(p) for p in (marker.args if marker else ())]
    bad = [line for server in servers
           for line in server.new_log().splitlines()
           if TROUBLE.search(line)
           and not any(p.search(line) for p in allowed)]
    assert not bad, "unexpected error-log lines:\n" + "\n".join(bad)
