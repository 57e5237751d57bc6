"""Python environments: PythonVirtualEnv (one virtual environment per
interpreter), PythonHome, and the embedded Python's independence from
the PATH Apache starts with.  Each test starts servers of its own; the
handler is htdocs/venv/venv_report.py."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import BUILD, HTTPD, Apache

PYTHON = BUILD.get("PYTHON_BIN", "/usr/bin/python3")
PYVER = "python%d.%d" % sys.version_info[:2]
# Another Python installation, for the PATH test (only root can read it).
PYENV = sorted(Path("/root/.pyenv/versions").glob("3.*/bin/python3"))


def site_packages(venv):
    return venv / "lib" / PYVER / "site-packages"


@pytest.fixture(scope="module")
def venvs():
    """Two real virtual environments, a and b, each with its own version
    of module venvtest_pkg and a .pth file that adds a directory holding
    venvtest_extra and imports a hook: in a directory the server user can
    read."""
    top = Path(tempfile.mkdtemp(prefix="mp-venvs-"))
    made = {}
    for name, version in (("a", "1.0"), ("b", "2.0")):
        venv = top / ("venv_" + name)
        subprocess.run([PYTHON, "-m", "venv", "--without-pip", str(venv)],
                       check=True)
        site = site_packages(venv)
        (site / "venvtest_pkg.py").write_text("VERSION = %r\n" % version)
        extra = top / ("extra_" + name)
        extra.mkdir()
        (extra / "venvtest_extra.py").write_text("NAME = %r\n" % name)
        (extra / "venvtest_hook.py").write_text(
            "import sys\nsys.venvtest_hooked = %r\n" % name)
        (site / "venvtest.pth").write_text(
            "# added by test_venv\n%s\nimport venvtest_hook\n" % extra)
        made[name] = venv
    for path in [top, *top.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)
    yield made
    shutil.rmtree(top, ignore_errors=True)


def report(server, path):
    r = server.get(path)
    assert r.status_code == 200, (path, r.status_code, r.text[:1000])
    return r.json()


VENV_CONF = """
<Directory "{{htdocs}}/venv">
    SetHandler mod_python
    PythonHandler venv_report
    PythonInterpreter venv_site_b
    PythonVirtualEnv "{b}"
</Directory>
<Location /venv/a>
    PythonInterpreter venv_site_a
    PythonVirtualEnv "{a}"
</Location>
<Location /venvplain>
    SetHandler mod_python
    PythonPath "['{{htdocs}}/venv'] + sys.path"
    PythonHandler venv_report
    PythonInterpreter venv_site_plain
</Location>
"""


def test_venv_two_sites_two_environments(make_apache, venvs):
    """Two sections with different PythonInterpreter names and different
    PythonVirtualEnv: each interpreter imports its own venv's version of
    a module, the venv's .pth files are honoured (path lines and import
    lines), its site-packages comes ahead of the system's, and an
    interpreter without a PythonVirtualEnv sees neither (DIR-PythonInterpreter,
    PH-interp-select)."""
    server = make_apache(VENV_CONF.format(a=venvs["a"], b=venvs["b"]))
    system = "/usr/lib/python3/dist-packages"
    # Several rounds, so that under prefork more than one child answers.
    for _ in range(4):
        a = report(server, "/venv/a/")
        b = report(server, "/venv/")
        plain = report(server, "/venvplain/")
        assert a["interpreter"] == "venv_site_a"
        assert (a["version"], a["extra"], a["hooked"]) == ("1.0", "a", "a")
        assert a["file"] == str(site_packages(venvs["a"]) / "venvtest_pkg.py")
        assert b["interpreter"] == "venv_site_b"
        assert (b["version"], b["extra"], b["hooked"]) == ("2.0", "b", "b")
        # Like PythonOptimize, not a get_config() key (DIR-get_config-keys).
        assert "PythonVirtualEnv" not in b["config"]
        assert plain["interpreter"] == "venv_site_plain"
        assert (plain["version"], plain["extra"]) == (None, None)
        site_a = str(site_packages(venvs["a"]))
        assert site_a in a["path"] and site_a not in b["path"]
        assert str(venvs["a"].parent / "extra_a") in a["path"]
        if system in a["path"]:
            assert a["path"].index(site_a) < a["path"].index(system)
        # The standard library is still the embedded Python's own.
        assert a["stdlib"].startswith(a["base_prefix"])
    log = server.error_log()
    assert "MP0191: interpreter 'venv_site_a': added virtual environment" \
        in log
    assert "[python:error]" not in log and "[python:warn]" not in log


def test_venv_server_level_default(make_apache, venvs):
    """A PythonVirtualEnv at server level goes to the server's default
    interpreter (named after the server) and to sections that name an
    interpreter without a PythonVirtualEnv of their own."""
    server = make_apache("""
PythonVirtualEnv "%s"
<Location /venv>
    SetHandler mod_python
    PythonPath "['{htdocs}/venv'] + sys.path"
    PythonHandler venv_report
</Location>
<Location /venv/other>
    PythonInterpreter venv_other
</Location>
""" % venvs["a"])
    got = report(server, "/venv/")
    assert got["interpreter"] == "localhost"
    assert got["version"] == "1.0"
    other = report(server, "/venv/other/")
    assert other["interpreter"] == "venv_other"
    assert other["version"] == "1.0"


def start_fails(conf, expect):
    """A server with `conf` that must not start; `expect` appears in what
    httpd says (on stderr or in its error log)."""
    server = Apache(conf, suites=[])
    try:
        with pytest.raises(RuntimeError) as info:
            server.start()
        said = str(info.value) + server.error_log()
        assert expect in said, said
        return said
    finally:
        server.cleanup()


def start_fails_after_config(conf, expect):
    """Like start_fails, for problems found once the configuration is read
    (httpd -t passes): httpd exits at start-up, saying why."""
    server = Apache(conf, suites=[])
    try:
        r = subprocess.run([HTTPD, "-f", str(server.conf), "-k", "start",
                            "-DFOREGROUND"], env=server.env,
                           capture_output=True, text=True, timeout=30)
        said = r.stderr + server.error_log()
        assert r.returncode != 0, said
        assert expect in said, said
    finally:
        server.cleanup()


def test_venv_config_errors(venvs, tmp_path):
    """A PythonVirtualEnv that is no virtual environment of this Python,
    two venvs for one interpreter, and a venv for interpreters named per
    directory each stop the server with a message saying what to fix."""
    start_fails('PythonVirtualEnv "%s"' % tmp_path,
                "PythonVirtualEnv %s: there is no %s/lib/%s/site-packages"
                % (tmp_path, tmp_path, PYVER))
    start_fails_after_config("""
<Location /one>
    PythonInterpreter venv_same
    PythonVirtualEnv "%s"
</Location>
<Location /two>
    PythonVirtualEnv "%s"
    PythonInterpreter venv_same
</Location>
""" % (venvs["a"], venvs["b"]), "MP0190: PythonVirtualEnv: interpreter "
        "'venv_same' would get two virtual environments")
    start_fails_after_config("""
<Location /one>
    PythonInterpPerDirectory On
    PythonVirtualEnv "%s"
</Location>
""" % venvs["a"], "needs a PythonInterpreter")


HOME_CONF = """
PythonHome %s
<Location /venv>
    SetHandler mod_python
    PythonPath "['{htdocs}/venv'] + sys.path"
    PythonHandler venv_report
</Location>
"""


def test_venv_python_home(make_apache):
    """PythonHome sets the prefix Python starts from (sys.prefix)."""
    prefix = subprocess.run([PYTHON, "-c", "import sys; print(sys.prefix)"],
                            capture_output=True, text=True,
                            check=True).stdout.strip()
    server = make_apache(HOME_CONF % prefix)
    got = report(server, "/venv/")
    assert got["prefix"] == prefix
    assert got["stdlib"] == "%s/lib/%s/os.py" % (prefix, PYVER)
    assert "PythonHome" not in got["config"]


def test_venv_python_home_errors(tmp_path):
    """A PythonHome without this Python's standard library, or one inside
    a <VirtualHost>, stops httpd -t with a message, not children without
    Python."""
    start_fails(HOME_CONF % tmp_path,
                "PythonHome %s: there is no %s/lib/%s/os.py" % (
                    tmp_path, tmp_path, PYVER))
    start_fails("""
<VirtualHost 127.0.0.1:*>
    PythonHome /usr
</VirtualHost>
""", "PythonHome cannot occur within <VirtualHost> section")


@pytest.mark.log_expected(r"MP0008")
def test_venv_python_home_broken(make_apache):
    """A PythonHome that passes the check but cannot start Python (an
    os.py and nothing else) leaves one crit line per child naming the
    home, and children that answer (500 for Python URLs) instead of a
    crash loop."""
    home = Path(tempfile.mkdtemp(prefix="mp-home-"))
    try:
        (home / "lib" / PYVER).mkdir(parents=True)
        (home / "lib" / PYVER / "os.py").write_text("")
        for path in [home, *home.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        server = make_apache(HOME_CONF % home)
        assert server.get("/venv/").status_code == 500
        children = server.child_pids()
        assert server.get("/venv/").status_code == 500
        log = server.error_log()
        assert re.search(r"\[python:crit\].*MP0008: mod_python: Python "
                         r"failed to start: .*\(Python home: %s\)"
                         % re.escape(str(home)), log), log
        assert "exit signal" not in log and "Segmentation" not in log
        assert server.child_pids() == children
    finally:
        shutil.rmtree(home, ignore_errors=True)


def test_venv_path_does_not_pick_python(make_apache, tmp_path):
    """With another installation's python3 (and python3.X) first on the
    PATH Apache starts with, the embedded Python is still the configured
    one: the handler works, and sys.executable and sys.prefix are
    that Python's."""
    shims = Path(tempfile.mkdtemp(prefix="mp-shims-"))
    try:
        other = PYENV[-1] if PYENV else None
        for name in ("python3", PYVER, "python"):
            if other:
                (shims / name).symlink_to(other)
            else:
                (shims / name).write_text("#!/bin/sh\nexit 1\n")
                (shims / name).chmod(0o755)
        shims.chmod(0o755)
        server = make_apache(HOME_CONF.replace("PythonHome %s\n", ""),
                             env={"PATH": "%s:%s" % (shims,
                                                     os.environ["PATH"])})
        expected = subprocess.run(
            [PYTHON, "-c", "import os, sys; "
             "print(os.path.realpath(sys.executable)); print(sys.prefix)"],
            capture_output=True, text=True, check=True).stdout.split()
        got = report(server, "/venv/")
        assert os.path.realpath(got["executable"]) == expected[0]
        assert got["prefix"] == expected[1]
        assert got["stdlib"].startswith(expected[1] + "/")
        if other:
            assert not got["executable"].startswith(str(other.parents[1]))
    finally:
        shutil.rmtree(shims, ignore_errors=True)
