"""The demo of the README's quick start: examples/serve.py serves a plain
index page and the hello handler from a private Apache, and stops it."""
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from conftest import MPM, ROOT, free_port

SERVE = ROOT / "examples" / "serve.py"


def serve(*args):
    return subprocess.run([sys.executable, str(SERVE), *args],
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def demo():
    """The demo left running by --background on a free port."""
    port = free_port()
    out = serve("--background", "--port", str(port), "--mpm", MPM)
    assert out.returncode == 0, out.stderr
    m = re.search(r"--stop (\S+)", out.stdout)
    assert m, out.stdout
    root = Path(m.group(1))
    yield "http://127.0.0.1:%d" % port, port, root, out.stdout
    if root.exists():
        serve("--stop", str(root))


def port_open(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_demo_serves_index_and_hello(demo):
    """The index is a plain file linking to /hello; the hello handler
    greets with the interpreter name (REQ-attr-interpreter,
    SRV-attr-server_hostname) and a counter kept by its process between
    requests (SEED-benefit-persistence, DIR-PythonHandler,
    DIR-PythonPath)."""
    url, port, root, banner = demo
    assert "%s/" % url in banner

    index = requests.get(url + "/", timeout=30)
    assert index.status_code == 200
    assert index.headers["Content-Type"].startswith("text/html")
    assert 'href="/hello"' in index.text

    counts = {}
    # One kept-alive connection, so one process serves most of these.
    session = requests.Session()
    for _ in range(6):
        r = session.get(url + "/hello", timeout=30)
        assert r.status_code == 200
        assert r.headers["Content-Type"].startswith("text/html")
        assert "Hello from mod_python!" in r.text
        # The default interpreter is named after the ServerName.
        assert '<code id="interpreter">localhost</code>' in r.text
        pid = int(re.search(r'id="pid">(\d+)<', r.text).group(1))
        count = int(re.search(r'id="count">(\d+)<', r.text).group(1))
        counts.setdefault(pid, []).append(count)
    # Each process counts its own requests, one after the other.
    for pid, seen in counts.items():
        assert seen == list(range(seen[0], seen[0] + len(seen))), counts
    assert sum(len(seen) for seen in counts.values()) == 6
    assert any(len(seen) > 1 for seen in counts.values()), counts

    # The handler's source is not served: it lives outside DocumentRoot.
    assert requests.get(url + "/hello.py", timeout=30).status_code == 404

    log = (root / "logs" / "error_log").read_text()
    assert not re.search(r"\[python:(warn|error|crit|alert|emerg)\]|"
                         r":error\]", log), log


def test_demo_refuses_a_taken_port(demo):
    """A second demo on the same port says so and exits non-zero, leaving
    the first one serving."""
    url, port, root, banner = demo
    out = serve("--port", str(port))
    assert out.returncode != 0
    assert "port %d" % port in out.stderr
    assert "already in use" in out.stderr
    assert requests.get(url + "/hello", timeout=30).status_code == 200


def test_demo_stop_stops_apache_and_removes_root(demo):
    """--stop ends the server left running by its pid and removes its
    directory."""
    url, port, root, banner = demo
    pid = int((root / "logs" / "httpd.pid").read_text())
    out = serve("--stop", str(root))
    assert out.returncode == 0, out.stderr
    assert "stopped Apache (pid %d)" % pid in out.stdout
    assert not root.exists()
    deadline = time.time() + 10
    while port_open(port) and time.time() < deadline:
        time.sleep(0.1)
    assert not port_open(port)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
