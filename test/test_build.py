"""The build: configure refuses a Python the server user cannot read;
`make clean` and `make distclean` leave nothing behind.  Each runs in a
scratch copy of the tree, never in the one under test."""
import os
import re
import shutil
import subprocess

import pytest

from conftest import BUILD, ROOT

# A Python only root can read (pyenv under /root, mode 0700).
PRIVATE_PYTHON = "/root/.pyenv/versions/3.11.7/bin/python3"
PYTHON = BUILD.get("PYTHON_BIN", "/usr/bin/python3")


def run(cmd, cwd):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)


def test_build_configure_refuses_unreadable_python(tmp_path):
    """./configure --with-python=P stops when the server user cannot run
    P, and says why."""
    if os.getuid() != 0:
        pytest.skip("needs root (the server user differs from us)")
    if not os.path.exists(PRIVATE_PYTHON):
        pytest.skip("no %s" % PRIVATE_PYTHON)
    tree = tmp_path / "tree"
    shutil.copytree(ROOT, tree, ignore=shutil.ignore_patterns(
        ".git", "test", "__pycache__", ".pytest_cache", ".libs", "*.o",
        "*.lo", "*.slo", "*.la", "*.so", "config.status", "config.log",
        "Makefile", "setup.py", "version.py", "mp_build.h"))
    r = run(["./configure", "--with-python=" + PRIVATE_PYTHON], tree)
    out = r.stdout + r.stderr
    assert r.returncode != 0, out
    assert "cannot embed %s" % PRIVATE_PYTHON in out
    assert re.search(r"the server user '\S+' cannot run", out), out
    assert not (tree / "config.status").exists()


def ignored_or_untracked(tree):
    r = run(["git", "status", "--porcelain", "--ignored",
             "--untracked-files=all"], tree)
    assert r.returncode == 0, r.stderr
    return sorted(line[3:] for line in r.stdout.splitlines()
                  if line[:2] in ("!!", "??"))


def test_build_install_clean_and_distclean(tmp_path):
    """`make install` puts the module in apxs's LIBEXECDIR and the package
    (with the PSP translator) in that Python's site-packages, `make
    uninstall` takes them away; after a build, `make clean` leaves only
    configure's output and `make distclean` leaves the tree as committed
    (VER-dirs, VER-python)."""
    tree = tmp_path / "clone"
    r = run(["git", "clone", "-q", str(ROOT), str(tree)], tmp_path)
    assert r.returncode == 0, r.stderr
    r = run(["./configure", "--with-python=" + PYTHON], tree)
    assert r.returncode == 0, r.stdout + r.stderr
    r = run(["make", "-s"], tree)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (tree / "src" / "mod_python.so").exists()
    dest = tmp_path / "dest"
    r = run(["make", "-s", "install", "DESTDIR=%s" % dest], tree)
    assert r.returncode == 0, r.stdout + r.stderr
    purelib = run([PYTHON, "-c", "import sysconfig; "
                   "print(sysconfig.get_path('purelib'))"],
                  tree).stdout.strip()
    package = dest / purelib.lstrip("/") / "mod_python"
    assert (dest / BUILD["LIBEXECDIR"].lstrip("/") / "mod_python.so").exists()
    assert (package / "apache.py").exists()
    assert (package / "version.py").exists()
    assert list(package.glob("_psp*.so"))
    r = run(["make", "-s", "uninstall", "DESTDIR=%s" % dest], tree)
    assert r.returncode == 0, r.stdout + r.stderr
    assert not package.exists()
    assert not (dest / BUILD["LIBEXECDIR"].lstrip("/") /
                "mod_python.so").exists()
    configured = ["Makefile", "config.log", "config.status",
                  "lib/python/mod_python/version.py",
                  "src/Makefile", "src/include/mp_build.h"]
    r = run(["make", "-s", "clean"], tree)
    assert r.returncode == 0, r.stdout + r.stderr
    assert ignored_or_untracked(tree) == sorted(configured)
    r = run(["make", "-s", "distclean"], tree)
    assert r.returncode == 0, r.stdout + r.stderr
    assert ignored_or_untracked(tree) == []
    assert run(["git", "status", "--porcelain"], tree).stdout == ""
