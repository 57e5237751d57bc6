#!/usr/bin/env python3
"""Serve the mod_python demo on http://127.0.0.1:8080/ from this tree.

Starts a private Apache, with its own configuration, logs and pid file in a
temporary directory, that loads the freshly built src/mod_python.so and
serves examples/htdocs/ and the handlers of examples/handlers/: an index
page linking to a plain handler, a publisher form, a PSP page with a
session, a page behind a PythonAuthenHandler, a CGI script, an Httpdapy
module, a WSGI application and an output filter.  Nothing is installed
and the system's Apache is left alone.

    examples/serve.py                      serve until Ctrl-C
    examples/serve.py --port 8000          another port
    examples/serve.py --background         leave it running, print how to
                                           stop it
    examples/serve.py --stop DIR           stop one left running

Build first (scripts/bootstrap build, or ./configure && make).
"""
import argparse
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

TOP = Path(__file__).resolve().parent.parent
EXAMPLES = TOP / "examples"
MODULE_SO = TOP / "src" / "mod_python.so"
PACKAGE = TOP / "lib" / "python" / "mod_python"
ROOT_PREFIX = "mp-demo-"

CONF = """\
# Written by examples/serve.py for the mod_python demo.
ServerRoot "{root}"
Listen 127.0.0.1:{port}
ServerName localhost
PidFile logs/httpd.pid
ErrorLog logs/error_log
LogLevel warn
LogFormat "%h %l %u %t \\"%r\\" %>s %b" common
CustomLog logs/access_log common
Mutex file:{root}/logs
{user}
{load_modules}
{mpm_conf}
# mod_python itself, straight from the build tree.
LoadModule python_module "{module_so}"

TypesConfig /etc/mime.types
DocumentRoot "{root}/htdocs"
DirectoryIndex index.html
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory "{root}/htdocs">
    Require all granted
</Directory>

# Handler modules of the demo live in {root}/handlers, outside the
# DocumentRoot, so their source is never served.  PythonPath puts them on
# sys.path for the sections below that import them by name.
#
# 1. A plain handler: every request under /hello calls handler(req) in
#    the module hello.
<Location /hello>
    SetHandler mod_python
    PythonPath "['{root}/handlers'] + sys.path"
    PythonHandler hello
    Require all granted
</Location>

# 2. The publisher: a URL under /form/ names a module of that directory
#    and a function in it (/form/ is index() of index.py).
<Directory "{root}/htdocs/form">
    SetHandler mod_python
    PythonHandler mod_python.publisher
</Directory>

# 3. PSP pages: files ending in .psp are templates run by mod_python.psp.
#    Their sessions are kept in files, so that every Apache process
#    sees the same ones.
<Directory "{root}/htdocs">
    AddHandler mod_python .psp
    PythonHandler mod_python.psp
    PythonOption mod_python.session.session_type FileSession
    PythonOption mod_python.session.database_directory "{root}/sessions"
</Directory>

# 4. A login: Apache's authentication phase calls authenhandler(req) in
#    the module guarded before the content handler may run.
<Location /private>
    AuthType Basic
    AuthName "mod_python demo"
    Require valid-user
    SetHandler mod_python
    PythonPath "['{root}/handlers'] + sys.path"
    PythonAuthenHandler guarded
    PythonHandler guarded
</Location>

# 5. Legacy CGI scripts, run inside Apache by mod_python.cgihandler.
<Directory "{root}/htdocs/cgi">
    SetHandler mod_python
    PythonHandler mod_python.cgihandler
</Directory>

# 6. Httpdapy modules: /httpdapi/NAME.anything runs the RequestHandler
#    class of the module NAME of that directory.
<Directory "{root}/htdocs/httpdapi">
    SetHandler mod_python
    PythonHandler mod_python.httpdapi
</Directory>

# 7. A WSGI application, served under /wsgi.
<Location /wsgi>
    SetHandler mod_python
    PythonPath "['{root}/handlers'] + sys.path"
    PythonHandler mod_python.wsgi
    PythonOption mod_python.wsgi.application wsgi_app::application
    Require all granted
</Location>

# 8. An output filter: outputfilter(filter) of the module shout, named
#    SHOUT, applied to the static files under /shouted/.
PythonOutputFilter shout SHOUT
<Directory "{root}/htdocs/shouted">
    PythonPath "['{root}/handlers'] + sys.path"
    SetOutputFilter SHOUT
</Directory>
"""

# One process to start with (the demo's traffic is a browser): reloading
# /hello then shows its counter growing in that one process.
MPM_CONF = {
    "event": """
StartServers 1
ServerLimit 2
ThreadsPerChild 16
MaxRequestWorkers 32
MinSpareThreads 1
MaxSpareThreads 32
""",
    "prefork": """
StartServers 1
MinSpareServers 1
MaxSpareServers 4
MaxRequestWorkers 16
""",
}
MPM_CONF["worker"] = MPM_CONF["event"]

# httpd modules the demo needs besides the MPM and mod_python (some are
# compiled into Debian's httpd, so only those present as files are loaded).
MODULES = ["authz_core", "authz_user", "authn_core", "auth_basic", "mime",
           "dir", "log_config", "unixd"]


def fail(message):
    print("serve.py: " + message, file=sys.stderr)
    sys.exit(1)


def build_info():
    """What configure found: the httpd binary, its modules, its user."""
    path = PACKAGE / "version.py"
    if not MODULE_SO.exists() or not path.exists():
        fail("mod_python is not built: run scripts/bootstrap build "
             "(or ./configure && make) first")
    info = {}
    exec(path.read_text(), info)
    return info


def port_in_use(port):
    # Bind as httpd will (SO_REUSEADDR), so that old connections lingering
    # in TIME_WAIT do not count: only a live listener does.
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def make_root(info, port, mpm):
    """A temporary ServerRoot holding copies of everything Apache reads.

    Apache's children run as the server user (www-data) once started as
    root, and that user may not be able to read this tree (say, under
    /root): so the pages, the handlers and the mod_python package are
    copied to a directory everyone can read.
    """
    root = Path(tempfile.mkdtemp(prefix=ROOT_PREFIX))
    shutil.copytree(EXAMPLES / "htdocs", root / "htdocs")
    shutil.copytree(EXAMPLES / "handlers", root / "handlers",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(PACKAGE, root / "lib" / "mod_python",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (root / "logs").mkdir()
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    # The PSP page's sessions: written by Apache's children, so owned by
    # the user they run as.
    sessions = root / "sessions"
    sessions.mkdir(mode=0o700)

    user = ""
    if os.getuid() == 0:
        server_user = info.get("SERVER_USER", "www-data")
        user = "User %s\nGroup %s" % (server_user, server_user)
        entry = pwd.getpwnam(server_user)
        os.chown(sessions, entry.pw_uid, entry.pw_gid)
    modules = Path(info.get("LIBEXECDIR", "/usr/lib/apache2/modules"))
    loads = ["LoadModule mpm_%s_module %s" % (mpm, modules /
                                              ("mod_mpm_%s.so" % mpm))]
    for name in MODULES:
        so = modules / ("mod_%s.so" % name)
        if so.exists():
            loads.append("LoadModule %s_module %s" % (name, so))
    (root / "httpd.conf").write_text(CONF.format(
        root=root, port=port, user=user, load_modules="\n".join(loads),
        mpm_conf=MPM_CONF[mpm], module_so=MODULE_SO))
    return root


def pid_of(root):
    try:
        return int((root / "logs" / "httpd.pid").read_text().strip())
    except (OSError, ValueError):
        return None


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def stop(root):
    """Stop the server of this root by its pid, then remove the root."""
    pid = pid_of(root)
    if pid is not None and alive(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.time() + 15
        while alive(pid) and time.time() < deadline:
            time.sleep(0.1)
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
    shutil.rmtree(root, ignore_errors=True)


def start(info, root, port):
    httpd = info.get("HTTPD", "/usr/sbin/apache2")
    env = dict(os.environ, PYTHONPATH=str(root / "lib"))
    conf = str(root / "httpd.conf")
    out = subprocess.run([httpd, "-f", conf, "-k", "start"], env=env,
                         capture_output=True, text=True)
    if out.returncode != 0:
        log = root / "logs" / "error_log"
        text = log.read_text(errors="replace") if log.exists() else ""
        stop(root)
        fail("Apache did not start:\n%s%s" % (out.stderr, text))
    url = "http://127.0.0.1:%d/" % port
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return url
        except urllib.error.HTTPError:
            return url                    # it answers: good enough
        except OSError:
            time.sleep(0.1)
    text = (root / "logs" / "error_log").read_text(errors="replace")
    stop(root)
    fail("Apache did not answer on %s:\n%s" % (url, text))


def stop_command(root):
    if not root.name.startswith(ROOT_PREFIX) or \
            not (root / "httpd.conf").exists():
        fail("%s is not a directory made by serve.py" % root)
    pid = pid_of(root)
    stop(root)
    print("serve.py: stopped%s and removed %s"
          % (" Apache (pid %d)" % pid if pid else "", root))


def main():
    parser = argparse.ArgumentParser(
        description="Serve the mod_python demo from this source tree.")
    parser.add_argument("--port", type=int, default=8080,
                        help="port on 127.0.0.1 (default 8080)")
    parser.add_argument("--mpm", default="event",
                        choices=["event", "worker", "prefork"],
                        help="Apache MPM (default event)")
    parser.add_argument("--background", action="store_true",
                        help="leave the server running and print how to "
                             "stop it")
    parser.add_argument("--stop", metavar="DIR", type=Path,
                        help="stop a server left running by --background")
    args = parser.parse_args()

    if args.stop:
        stop_command(args.stop.resolve())
        return

    info = build_info()
    if port_in_use(args.port):
        fail("port %d on 127.0.0.1 is already in use; stop whatever "
             "listens there, or pick another with --port N" % args.port)
    root = make_root(info, args.port, args.mpm)
    url = start(info, root, args.port)
    pid = pid_of(root)
    print("Serving the mod_python demo on %s (Apache pid %s, %s MPM)"
          % (url, pid, args.mpm))
    print("  the index of its pages: %s" % url)
    print("  server root and logs: %s" % root)

    if args.background:
        print("Stop it with: %s --stop %s" % (Path(__file__).resolve(), root))
        return

    print("Press Ctrl-C to stop.", flush=True)
    # Ctrl-C or a kill: leave the loop, then stop Apache by its pid.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while pid is not None and alive(pid):
            time.sleep(0.5)
    except (KeyboardInterrupt, SystemExit):
        stop(root)
        print("\nserve.py: stopped")
        return
    log = (root / "logs" / "error_log").read_text(errors="replace")
    stop(root)
    fail("Apache went away; its error log ended with:\n"
         + "\n".join(log.splitlines()[-20:]))

if __name__ == "__main__":
    main()
