"""pip install of the tree (setup.py + pyproject.toml, no ./configure):
mod_python.so built against the Apache apxs describes, installed in the
package directory with _psp and a version.py naming it; a server that
loads that module serves a handler from the installed package.  Builds
run in temporary virtual environments, offline (--no-build-isolation
--no-index: setuptools and wheel come from the system)."""
import os
import shutil
import subprocess
import sysconfig
import tempfile
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, Apache

SYSTEM_PYTHON = "/usr/bin/python3"
PIP = ["-m", "pip", "--disable-pip-version-check", "--no-input"]
OFFLINE = ["--no-build-isolation", "--no-deps", "--no-index"]


def run(cmd, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    return subprocess.run([str(c) for c in cmd], **kw)


def readable_tempdir(prefix):
    """A temp directory the server user can read (mkdtemp makes 0700)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    return path


def clean_copy(dest):
    """The tree as a fresh checkout has it: tracked and new files, none of
    what configure or make produced."""
    listed = run(["git", "ls-files", "-co", "--exclude-standard", "-z"],
                 cwd=ROOT)
    if listed.returncode != 0:
        shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(
            ".git", "__pycache__", "build", "*.so", "*.o", ".libs",
            "version.py", "mp_build.h", "Makefile", "config.*"))
        return dest
    for name in filter(None, listed.stdout.split("\0")):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


def make_venv(where):
    venv = where / "venv"
    r = run([SYSTEM_PYTHON, "-m", "venv", "--without-pip",
             "--system-site-packages", venv])
    assert r.returncode == 0, r.stderr
    return venv


@pytest.fixture(scope="module")
def tools():
    for name in ("setuptools", "wheel", "pip", "venv"):
        if run([SYSTEM_PYTHON, "-c", "import " + name]).returncode:
            pytest.fail("%s cannot import %s: install python3-setuptools "
                        "python3-wheel python3-pip python3-venv "
                        "(scripts/bootstrap does)" % (SYSTEM_PYTHON, name))


@pytest.fixture(scope="module")
def tree(tools, tmp_path_factory):
    return clean_copy(tmp_path_factory.mktemp("tree"))


@pytest.fixture(scope="module")
def installed(tree):
    """`pip install .` from a clean copy of the tree into a new venv."""
    top = readable_tempdir("mp-pip-")
    venv = make_venv(top)
    python = venv / "bin" / "python"
    r = run([python, *PIP, "install", *OFFLINE, "."], cwd=tree)
    assert r.returncode == 0, r.stdout + r.stderr
    site = Path(run([python, "-c", "import sysconfig; "
                     "print(sysconfig.get_path('purelib'))"]).stdout.strip())
    yield venv, site / "mod_python"
    shutil.rmtree(top, ignore_errors=True)


def test_packaging_pip_install_serves(installed):
    """pip install . puts mod_python.so, _psp and a version.py describing
    the build into the package directory (MOD_PYTHON_SO names the module,
    PYTHON_BIN the venv's Python; VER-dirs, VER-python); Apache loading
    that mod_python.so serves a handler with the installed package, in
    the venv's Python (sys.prefix)."""
    venv, package = installed
    so = package / "mod_python.so"
    assert so.is_file()
    assert list(package.glob("_psp*.so"))
    info = {"__file__": str(package / "version.py")}
    exec((package / "version.py").read_text(), info)
    assert info["MOD_PYTHON_SO"] == str(so)
    assert info["PYTHON_BIN"] == str(venv / "bin" / "python")
    assert info["LIBEXECDIR"] and info["HTTPD_VERSION"].startswith("2.4.")
    scripts = sorted(p.name for p in (ROOT / "scripts").glob("mod_python*"))
    if scripts:                         # the mod_python command, if any
        assert (venv / "bin" / "mod_python").is_file()

    got = serve(so, "/pkg/")
    assert got["package"] == str(package / "__init__.py")
    assert got["mod_python_so"] == str(so)
    assert got["psp"] and got["psp"].startswith(str(package))
    assert got["prefix"] == str(venv)


def serve(so, path):
    """Start Apache with module `so` (and no PYTHONPATH: the package must
    come from where `so` was installed); the JSON venv_report answers
    at `path`."""
    server = Apache("""
<Location /pkg>
    SetHandler mod_python
    PythonPath "['{htdocs}/venv'] + sys.path"
    PythonHandler venv_report
</Location>
""", suites=[], module_so=so, env={"PYTHONPATH": ""})
    try:
        server.start()
        r = server.get(path)
        assert r.status_code == 200, r.text[:2000] + server.error_log()
        log = server.error_log()
        assert "version mismatch" not in log
        assert "[python:error]" not in log
        return r.json()
    finally:
        server.cleanup()


def test_packaging_wheel(tools, tmp_path):
    """A wheel built from the tree carries mod_python/mod_python.so; once
    installed elsewhere (a venv), version.MOD_PYTHON_SO names the module
    where that install put it, and Apache loading it runs Python from
    that venv."""
    top = readable_tempdir("mp-wheel-")
    # A copy of its own: pip builds in the tree, and build/ must not hold
    # the other test's objects.
    tree = clean_copy(tmp_path / "tree")
    try:
        venv = make_venv(top)
        python = venv / "bin" / "python"
        # Built by the system's Python, installed into a venv.
        r = run([SYSTEM_PYTHON, *PIP, "wheel", *OFFLINE, "-w",
                 tmp_path / "dist", "."], cwd=tree)
        assert r.returncode == 0, r.stdout + r.stderr
        wheel, = (tmp_path / "dist").glob("mod_python-*.whl")
        names = zipfile.ZipFile(wheel).namelist()
        assert "mod_python/mod_python.so" in names
        assert "mod_python/version.py" in names
        assert any(n.startswith("mod_python/_psp") for n in names)
        r = run([python, *PIP, "install", *OFFLINE, wheel])
        assert r.returncode == 0, r.stdout + r.stderr
        r = run([python, "-c", "from mod_python import version; "
                 "print(version.MOD_PYTHON_SO)"], cwd=top)
        so = Path(r.stdout.strip())
        assert so.is_file() and str(so).startswith(str(venv)), r.stderr
        # Built in one venv, installed in another: Python starts from the
        # venv the module is in.
        got = serve(so, "/pkg/")
        assert got["prefix"] == str(venv)
        assert got["package"] == str(so.parent / "__init__.py")
    finally:
        shutil.rmtree(top, ignore_errors=True)


def failed_build(tree, tmp_path, env):
    """pip wheel with `env`: must fail; returns what pip printed."""
    r = run([SYSTEM_PYTHON, *PIP, "wheel", *OFFLINE, "-w", tmp_path, "."],
            cwd=tree, env=dict(os.environ, **env))
    out = r.stdout + r.stderr
    assert r.returncode != 0, out
    assert "Traceback" not in out, out
    assert "gcc" not in out, out
    return out


def test_packaging_missing_apxs(tree, tmp_path):
    """Without apxs the build stops with one message saying what to
    install, not a compiler error or a traceback."""
    out = failed_build(tree, tmp_path, {"APXS": str(tmp_path / "no-apxs")})
    assert "error: mod_python: apxs, Apache's build tool, was not found. " \
        "Install Apache's development files (Debian/Ubuntu: apt-get " \
        "install apache2-dev" in out, out


def test_packaging_python_without_shared_library(tree, tmp_path):
    """A Python without a shared libpython (simulated through its build
    variables: Py_ENABLE_SHARED 0, a static LDLIBRARY) stops the build
    with one message saying what Python to use."""
    name = run([SYSTEM_PYTHON, "-c", "import sysconfig; "
                "print(sysconfig._get_sysconfigdata_name())"]).stdout.strip()
    (tmp_path / "_sysconfigdata_mp_static.py").write_text(
        "import importlib\n"
        "build_time_vars = dict(importlib.import_module(%r).build_time_vars,\n"
        "                       Py_ENABLE_SHARED=0,\n"
        "                       LDLIBRARY='libpython%s.a')\n"
        % (name, sysconfig.get_python_version()))
    out = failed_build(tree, tmp_path, {
        "PYTHONPATH": str(tmp_path),
        "_PYTHON_SYSCONFIGDATA_NAME": "_sysconfigdata_mp_static"})
    assert "has no shared library (libpython" in out, out
    assert "--enable-shared" in out, out
