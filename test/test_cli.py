"""The mod_python command (scripts/mod_python), run from the source tree:
the original's commands (cli.md CLI-*), serving a directory on a private
Apache, and module-config.  Servers listen on free ports of 127.0.0.1,
live in temporary directories and are stopped by their pid."""
import importlib.machinery
import importlib.util
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

from conftest import BUILD, MPM, ROOT, alive, free_port

SCRIPT = ROOT / "scripts" / "mod_python"
LIB = ROOT / "lib" / "python"
PYTHON_BIN = BUILD.get("PYTHON_BIN", "/usr/bin/python3")
COMMANDS = ["create", "genconfig", "module-config", "restart", "serve",
            "start", "stop", "version"]


def run(*args, timeout=60, **kw):
    return subprocess.run([str(SCRIPT), *map(str, args)],
                          capture_output=True, text=True, timeout=timeout,
                          **kw)


def load_script():
    """The command as a module, to test its pieces without a server."""
    loader = importlib.machinery.SourceFileLoader("mp_cli", str(SCRIPT))
    spec = importlib.util.spec_from_loader("mp_cli", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def public_dir(prefix):
    """A temporary directory the server's user can read (pytest's tmp_path
    is private to root)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    return path


def make_public(path):
    for p in [path, *path.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)


def wait_gone(pid, timeout=20):
    deadline = time.time() + timeout
    while alive(pid):
        assert time.time() < deadline, "pid %d still runs" % pid
        time.sleep(0.05)


def kill_pidfile(pidfile):
    """Stop what a test left running, by its pid file."""
    try:
        pid = int(Path(pidfile).read_text().strip())
    except (OSError, ValueError):
        return
    if alive(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.time() + 15
        while alive(pid) and time.time() < deadline:
            time.sleep(0.05)
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def get(url, **kw):
    kw.setdefault("timeout", 30)
    return requests.get(url, **kw)


def one_line_error(result, command):
    """The error is one line naming the command, with no traceback."""
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr
    assert lines[-1].startswith("mod_python %s: error: " % command), lines
    return lines[-1]


# ----------------------------------------------------------------------
# Dispatch, help, version, install

def test_cli_dispatch_usage():
    """Commands come from the cmd_* functions, listed alphabetically with a
    pointer to `<command> --help`; no command and an unknown one are
    usage errors with exit status 2 (CLI-dispatch)."""
    r = run()
    assert r.returncode == 2
    assert "error: Please specify a command" in r.stderr
    r = run("frobnicate")
    assert r.returncode == 2
    assert "error: Invalid command: frobnicate" in r.stderr
    r = run("--help")
    assert r.returncode == 0
    listed = re.findall(r"^  (\S+)  ", r.stdout, re.M)
    assert listed == COMMANDS
    assert "<command> --help" in r.stdout
    # The first command name splits global from command arguments.
    r = run("--help", "version")
    assert r.returncode == 0 and "Commands:" in r.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_cli_command_help(command):
    """Every command answers --help with its usage (CLI-dispatch)."""
    r = run(command, "--help")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("Usage: mod_python %s" % command)


def test_cli_runs_on_python3():
    """The command is Python 3 code (no StringIO import) and runs with
    the Python mod_python was built for, whichever python3 starts it
    (CLI-py3-import, VER-python)."""
    source = SCRIPT.read_text()
    assert "StringIO" not in source
    built = subprocess.run([PYTHON_BIN, "-c", "import sys; "
                            "print(' '.join(sys.version.split()))"],
                           capture_output=True, text=True).stdout.strip()
    r = subprocess.run([sys.executable, str(SCRIPT), "version"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    python = [line for line in r.stdout.splitlines()
              if line.startswith("python:")]
    assert python[0].split(None, 1)[1] == built


def test_cli_version():
    """version prints mod_python, python, httpd, apr and platform with
    their values in one column and the paths as reprs, groups separated
    by blank lines (CLI-version, VER-version, VER-httpd, VER-apr)."""
    import platform
    r = run("version")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.rstrip("\n").split("\n")
    labels = [line.split(":")[0] for line in lines if line[:1].strip()]
    assert labels == ["mod_python", "python", "httpd", "apr", "platform"]
    column = {len(re.match(r"(\S*:?\s+)", line).group(1))
              for line in lines if line.strip()}
    assert len(column) == 1, lines
    values = [line.strip() for line in lines]
    assert values[0].split()[-1] == BUILD["version"]
    assert values[1] == repr(BUILD["TEST_MOD_PYTHON_SO"])
    assert values[2] == ""
    assert values[3].startswith("python:")
    assert values[4] == repr(PYTHON_BIN)
    assert values[6].split()[-1] == BUILD["HTTPD_VERSION"]
    assert values[7] == repr(BUILD["HTTPD"])
    assert values[9].split()[-1] == BUILD["APR_VERSION"]
    assert values[10].split(None, 1)[1] == platform.platform()


def test_cli_install_and_uninstall(tmp_path):
    """make install puts the command, mode 0755, beside PYTHON_BIN with
    PYTHON_BIN in its #! line; the copy works; make uninstall removes it
    (CLI-install)."""
    dest = tmp_path / "dest"
    r = subprocess.run(["make", "-s", "-C", str(ROOT), "install-command",
                        "DESTDIR=%s" % dest], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    installed = dest / os.path.dirname(PYTHON_BIN).lstrip("/") / "mod_python"
    assert installed.stat().st_mode & 0o777 == 0o755
    text = installed.read_text()
    assert text.split("\n", 1)[0] == "#!" + PYTHON_BIN
    assert text.split("\n", 1)[1] == SCRIPT.read_text().split("\n", 1)[1]
    r = subprocess.run([str(installed), "version"], capture_output=True,
                       text=True, env=dict(os.environ, PYTHONPATH=str(LIB)))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("mod_python:")
    r = subprocess.run(["make", "-s", "-C", str(ROOT), "uninstall-command",
                        "DESTDIR=%s" % dest], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert not installed.exists()
    install_rule = (ROOT / "Makefile.in").read_text()
    assert "$(MAKE) install-command" in install_rule
    assert "$(MAKE) uninstall-command" in install_rule


def test_cli_module_config():
    """module-config prints the LoadModule line of the module this
    command belongs to, and the Python settings as comments (VER-python,
    VER-dirs)."""
    r = run("module-config")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert "LoadModule python_module %s" % BUILD["TEST_MOD_PYTHON_SO"] \
        in lines
    assert all(line.startswith("#") for line in lines
               if not line.startswith("LoadModule"))
    assert PYTHON_BIN in r.stdout
    assert "# PythonPath " in r.stdout
    # From the tree, the package's location is needed too.
    assert "PYTHONPATH=%s" % LIB in r.stdout


# ----------------------------------------------------------------------
# create and genconfig

def test_cli_create_usage_errors(tmp_path):
    """create needs exactly one directory and a --pythonhandler
    (CLI-create-opts)."""
    r = run("create", "--pythonhandler=h")
    assert r.returncode == 2 and "Must specify <directory>" in r.stderr
    r = run("create", tmp_path / "a", tmp_path / "b", "--pythonhandler=h")
    assert r.returncode == 2 and "Must specify <directory>" in r.stderr
    r = run("create", tmp_path / "c")
    assert r.returncode == 2
    assert "Must specify a --pythonhandler" in r.stderr
    assert not (tmp_path / "c").exists()


def test_cli_create_plain_handler(tmp_path):
    """With a handler other than mod_python.wsgi and no --pythonpath
    (the original failed here), create writes conf/httpd_conf.py with no
    PythonPath and prints the genconfig command to run next
    (CLI-create, CLI-create-run, CLI-create-bugs, CLI-create-opts)."""
    root = tmp_path / "site"
    r = run("create", root, "--pythonhandler=myhandler", "--pythonpath=")
    assert r.returncode == 0, r.stderr
    script = root / "conf" / "httpd_conf.py"
    assert script.exists()
    lines = r.stdout.splitlines()
    assert lines[0].startswith("Created!") and str(script) in lines[0]
    assert "%s genconfig %s > %s" % (SCRIPT, script,
                                     root / "conf" / "httpd.conf") in lines
    assert "re-generate" in lines[-1]
    conf = run("genconfig", script).stdout
    assert "PythonHandler myhandler\n" in conf
    assert "Listen 8888\n" in conf
    assert "PythonPath" not in conf
    assert "base_ur" not in conf
    # A second create does not overwrite.
    r = run("create", root, "--pythonhandler=other")
    one_line_error(r, "create")
    assert "PythonHandler('myhandler')" in script.read_text()


def test_cli_create_wsgi_options(tmp_path):
    """--pythonhandler=mod_python.wsgi adds the base_uri comment (spelt
    right); --pythonoption lines go in verbatim; empty --pythonpath
    entries are skipped; --listen is used as given (CLI-create-run,
    CLI-create-opts, CLI-create-bugs)."""
    root = tmp_path / "site"
    r = run("create", root, "--listen=127.0.0.1:9999",
            "--pythonhandler=mod_python.wsgi", "--pythonpath=/a::/b:",
            "--pythonoption=mod_python.wsgi.application app.wsgi::app",
            "--pythonoption=other  two  spaces")
    assert r.returncode == 0, r.stderr
    conf = run("genconfig", root / "conf" / "httpd_conf.py").stdout
    assert "Listen 127.0.0.1:9999\n" in conf
    assert "PythonPath \"sys.path+['/a','/b',]\"\n" in conf
    assert "PythonOption mod_python.wsgi.application app.wsgi::app\n" in conf
    assert "PythonOption other  two  spaces\n" in conf
    assert '# PythonOption mod_python.wsgi.base_uri = ""\n' in conf


def test_cli_genconfig(tmp_path):
    """genconfig runs a Python config script and its output is the
    configuration; it takes exactly one file; a broken script is a
    one-line error (CLI-genconfig)."""
    src = tmp_path / "conf.py"
    src.write_bytes(b"from mod_python.httpdconf import *\n"
                    b"print(Container(Listen('1234'), "
                    b"Location('/x', SetHandler('mod_python'))))\n")
    r = run("genconfig", src)
    assert r.returncode == 0, r.stderr
    assert r.stdout == ("Listen 1234\n<Location /x>\n"
                        "  SetHandler mod_python\n</Location>\n\n")
    r = run("genconfig")
    assert r.returncode == 2 and "Must specify <src>" in r.stderr
    bad = tmp_path / "bad.py"
    bad.write_text("x = (\n")
    assert "bad.py, line 1" in one_line_error(run("genconfig", bad),
                                              "genconfig")
    bad.write_text("\n\nundefined_name\n")
    line = one_line_error(run("genconfig", bad), "genconfig")
    assert "line 3: NameError" in line


# ----------------------------------------------------------------------
# start/stop/restart on a configuration file

WSGI_APP = '''\
def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [("cli wsgi %s" % environ["PATH_INFO"]).encode()]
'''


@pytest.fixture
def created():
    """A ServerRoot made by create for a WSGI app, readable by the
    server's user; whatever runs on it is stopped at the end."""
    root = public_dir("mp-cli-create-")
    app = root / "app"
    (app / "cliapp").mkdir(parents=True)
    (app / "cliapp" / "__init__.py").write_text("")
    (app / "cliapp" / "wsgi.py").write_text(WSGI_APP)
    yield root
    kill_pidfile(root / "site" / "logs" / "httpd.pid")
    shutil.rmtree(root, ignore_errors=True)


def test_cli_example_create_genconfig_start_stop(created):
    """The documented WSGI flow: create, genconfig, start; the app
    answers; restart; stop (CLI-example, CLI-start, CLI-restart,
    CLI-stop)."""
    port = free_port()
    site = created / "site"
    r = run("create", site, "--listen=127.0.0.1:%d" % port,
            "--pythonpath=%s" % (created / "app"),
            "--pythonhandler=mod_python.wsgi",
            "--pythonoption=mod_python.wsgi.application "
            "cliapp.wsgi::application")
    assert r.returncode == 0, r.stderr
    script = site / "conf" / "httpd_conf.py"
    # Tweak the Python config as the user may: here, the MPM under test.
    text = script.read_text()
    script.write_text(text.replace("mpm_event", "mpm_" + MPM))
    make_public(created)
    conf = site / "conf" / "httpd.conf"
    r = run("genconfig", script)
    assert r.returncode == 0, r.stderr
    conf.write_text(r.stdout)
    assert "LoadModule mpm_%s_module" % MPM in r.stdout

    r = run("start", conf)
    assert r.returncode == 0, r.stderr
    url = "http://127.0.0.1:%d" % port
    deadline = time.time() + 20
    while True:
        try:
            answer = get(url + "/some/where", timeout=2)
            break
        except requests.ConnectionError:
            assert time.time() < deadline, "server did not come up"
            time.sleep(0.1)
    assert answer.status_code == 200
    assert answer.text == "cli wsgi /some/where"
    pid = int((site / "logs" / "httpd.pid").read_text())

    r = run("restart", conf)
    assert r.returncode == 0, r.stderr
    deadline = time.time() + 20
    while not re.search(r"SIGUSR1|Graceful restart requested",
                        (site / "logs" / "error_log").read_text()):
        assert time.time() < deadline, "no graceful restart"
        time.sleep(0.1)
    for _ in range(50):
        try:
            if get(url + "/again", timeout=2).text == "cli wsgi /again":
                break
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    assert get(url + "/again").text == "cli wsgi /again"
    assert int((site / "logs" / "httpd.pid").read_text()) == pid

    r = run("stop", conf)
    assert r.returncode == 0, r.stderr
    wait_gone(pid)
    with pytest.raises(requests.ConnectionError):
        get(url + "/", timeout=2)


def test_cli_start_config_failing_test(tmp_path):
    """start on a configuration httpd -t rejects: one line saying so and
    naming httpd's complaint, exit status 1 (CLI-start)."""
    conf = tmp_path / "httpd.conf"
    conf.write_text("ServerRoot %s\n"
                    "LoadModule mpm_%s_module %s/mod_mpm_%s.so\n"
                    "NoSuchDirective here\n"
                    % (tmp_path, MPM, BUILD["LIBEXECDIR"], MPM))
    line = one_line_error(run("start", conf), "start")
    assert "httpd -t" in line
    assert "line 3" in line and "Invalid command 'NoSuchDirective'" in line
    conf.write_text("ServerRoot %s\n" % tmp_path)
    assert "No MPM loaded" in one_line_error(run("start", conf), "start")
    line = one_line_error(run("start", tmp_path / "missing.conf"), "start")
    assert "no such configuration file" in line


def test_cli_start_port_in_use(tmp_path):
    """start when the configuration's port is taken: one clear line, exit
    status 1, whether for a configuration file or a directory
    (CLI-start)."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        conf = tmp_path / "httpd.conf"
        (tmp_path / "logs").mkdir()
        conf.write_text("ServerRoot %s\nListen 127.0.0.1:%d\n"
                        "ServerName localhost\n"
                        "LoadModule mpm_%s_module %s/mod_mpm_%s.so\n"
                        % (tmp_path, port, MPM, BUILD["LIBEXECDIR"], MPM))
        line = one_line_error(run("start", conf), "start")
        assert "port %d on 127.0.0.1 is already in use" % port in line
        site = public_dir("mp-cli-busy-")
        try:
            line = one_line_error(run("start", site, "--port", port),
                                  "start")
            assert "already in use; pick another with --port" in line
            assert not (site / ".mod_python" / "httpd.pid").exists()
        finally:
            shutil.rmtree(site)


def test_cli_apache_missing(tmp_path):
    """When the httpd mod_python was built for is gone: one line saying
    so, exit status 1 (CLI-start)."""
    tree = tmp_path / "tree"
    (tree / "scripts").mkdir(parents=True)
    (tree / "src").mkdir()
    shutil.copy(SCRIPT, tree / "scripts")
    shutil.copytree(LIB / "mod_python", tree / "lib" / "python" /
                    "mod_python",
                    ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    version = tree / "lib" / "python" / "mod_python" / "version.py"
    version.write_text(re.sub(r'(?m)^HTTPD = .*$',
                              'HTTPD = "/nonexistent/httpd"',
                              version.read_text()))
    site = tmp_path / "site"
    site.mkdir()
    for args in (["start", site], ["start", tmp_path / "x.conf"]):
        r = subprocess.run([str(tree / "scripts" / "mod_python"), *map(
            str, args)], capture_output=True, text=True)
        line = one_line_error(r, "start")
        assert "Apache httpd not found at '/nonexistent/httpd'" in line


# ----------------------------------------------------------------------
# Serving a directory

HANDLER = '''\
from mod_python import apache

def handler(req):
    req.content_type = "text/plain"
    req.write("handler says hi from %s" % req.uri)
    return apache.OK
'''

PUBLISHER = '''\
def index(req):
    return "publisher index"

def greet(req, name="nobody"):
    return "hello " + name
'''

PSP = '''<p><%= "psp:" + str(6 * 7) %></p>
'''


@pytest.fixture
def served():
    """A directory with a handler, a publisher module, a PSP page, a static
    file and a subdirectory; its server is stopped by pid at the end."""
    root = public_dir("mp-cli-serve-")
    (root / "clihandler.py").write_text(HANDLER)
    (root / "clipub.py").write_text(PUBLISHER)
    (root / "page.psp").write_text(PSP)
    (root / "static.txt").write_text("just a file\n")
    (root / "sub").mkdir()
    (root / "sub" / "clisubpub.py").write_text(
        "def item(req, n='0'):\n    return 'item ' + n\n")
    make_public(root)
    yield root
    kill_pidfile(root / ".mod_python" / "httpd.pid")
    shutil.rmtree(root, ignore_errors=True)


def test_cli_serve_directory_start_restart_stop(served):
    """start DIR serves .py handlers, publisher modules, PSP pages and
    static files on a private Apache whose state lives in DIR/.mod_python
    (not served); restart picks up new files; stop stops it by its pid
    file (CLI-start, CLI-restart, CLI-stop)."""
    port = free_port()
    r = run("start", served, "--port", port, "--mpm", MPM)
    assert r.returncode == 0, r.stderr
    url = "http://127.0.0.1:%d/" % port
    assert url in r.stdout.splitlines()[0]
    assert "/clihandler.py: PythonHandler" in r.stdout
    assert "/clipub.py: mod_python.publisher" in r.stdout
    state = served / ".mod_python"
    pid = int((state / "httpd.pid").read_text())
    assert "LoadModule mpm_%s_module" % MPM in (state / "httpd.conf") \
        .read_text()

    assert get(url + "clihandler.py").text == \
        "handler says hi from /clihandler.py"
    assert get(url + "clipub.py").text == "publisher index"
    assert get(url + "clipub.py/greet?name=ann").text == "hello ann"
    assert get(url + "sub/clisubpub.py/item?n=7").text == "item 7"
    page = get(url + "page.psp")
    assert page.status_code == 200 and page.text.strip() == "<p>psp:42</p>"
    assert get(url + "static.txt").text == "just a file\n"
    assert get(url + ".mod_python/httpd.conf").status_code == 403
    assert "static.txt" in get(url).text            # directory listing

    # Already running: a clear error, not a second server.
    line = one_line_error(run("start", served, "--port", free_port()),
                          "start")
    assert "already runs (pid %d)" % pid in line

    # A new file is picked up when the configuration is made anew.
    (served / "clinew.py").write_text(HANDLER.replace("hi", "hello"))
    make_public(served)
    r = run("restart", served)
    assert r.returncode == 0, r.stderr
    wait_gone(pid)
    new_pid = int((state / "httpd.pid").read_text())
    assert url in r.stdout                          # the same port
    assert get(url + "clinew.py").text == \
        "handler says hello from /clinew.py"

    log = (state / "logs" / "error_log").read_text()
    assert not re.search(r"\[python:(warn|error|crit)\]|Traceback|"
                         r"exit signal", log), log

    r = run("stop", served)
    assert r.returncode == 0, r.stderr
    assert not alive(new_pid)
    with pytest.raises(requests.ConnectionError):
        get(url, timeout=2)
    line = one_line_error(run("stop", served), "stop")
    assert "no server is running" in line


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_cli_serve_foreground(served, stop_signal):
    """serve DIR --foreground: httpd's logs on our terminal, the URL
    printed; SIGTERM or Ctrl-C's SIGINT to the command stops the server
    cleanly (CLI-start)."""
    port = free_port()
    proc = subprocess.Popen(
        [str(SCRIPT), "serve", str(served), "--foreground", "--port",
         str(port), "--mpm", MPM, "--debug"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        assert "http://127.0.0.1:%d/" % port in first, \
            first + proc.stderr.read()
        pid = int(re.search(r"pid (\d+)", first).group(1))
        assert get("http://127.0.0.1:%d/clipub.py/greet?name=fg"
                   % port).text == "hello fg"
        proc.send_signal(stop_signal)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    wait_gone(pid)
    assert '"GET /clipub.py/greet?name=fg HTTP/1.1" 200' in out
    assert "resuming normal operations" in err
    assert "server stopped" in err
    assert "PythonDebug On" in (served / ".mod_python" / "httpd.conf") \
        .read_text()


def test_cli_serve_decides_by_parsing(tmp_path):
    """Serve mode decides per .py file by parsing it, never running it: a
    module-level handler (def, assignment or import) makes a
    PythonHandler, anything else the publisher; the config sizes the MPM
    from --processes/--threads (CLI-start)."""
    cli = load_script()
    marker = tmp_path / "ran"
    cases = {
        "a.py": "def handler(req):\n    return 0\n",
        "b.py": "from mod_python.publisher import handler\n",
        "c.py": "def other(req):\n    pass\nclass X:\n"
                "    def handler(self): pass\n",
        "d.py": "handler = lambda req: 0\n",
        "e.py": "open(%r, 'w').write('x')\ndef f(req): pass\n" % str(marker),
        "f.py": "def handler(:\n",
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
    kinds = {name: cli.classify(str(tmp_path / name))[0] for name in cases}
    assert kinds == {"a.py": "handler", "b.py": "handler",
                     "c.py": "publisher", "d.py": "handler",
                     "e.py": "publisher", "f.py": "publisher"}
    assert not marker.exists()
    assert cli.classify(str(tmp_path / "f.py"))[1]

    found, warnings = cli.scan(str(tmp_path), str(tmp_path / ".mod_python"))
    assert [n for n, k in found[str(tmp_path)]] == sorted(cases)
    assert any("f.py does not parse" in w for w in warnings)

    prefork = str(cli.mpm_settings("prefork", 3, 1))
    assert "MaxRequestWorkers 3\n" in prefork
    event = str(cli.mpm_settings("event", 2, 5))
    assert "ThreadsPerChild 5\n" in event
    assert "MaxRequestWorkers 10\n" in event
