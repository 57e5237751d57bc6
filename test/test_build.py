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
    (with the PSP translator) in that Python's site-packages, and on a
    Debian-style Apache python.load and python.conf in mods-available;
    `make uninstall` takes them away; after a build, `make clean` leaves only
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
    debian = check_debian_install(tree, dest, tmp_path)
    r = run(["make", "-s", "uninstall", "DESTDIR=%s" % dest], tree)
    assert r.returncode == 0, r.stdout + r.stderr
    if debian:
        avail = dest / BUILD["SYSCONFDIR"].lstrip("/") / "mods-available"
        enabled = avail.parent / "mods-enabled"
        assert not (avail / "python.load").exists()
        assert not (avail / "python.conf").exists()
        assert list(enabled.iterdir()) == []
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


def check_debian_install(tree, dest, tmp_path):
    """After `make install DESTDIR=dest` on a Debian-style Apache:
    mods-available/python.load loads the installed module, python.conf
    is the shipped one, `a2enmod python` enables both, and Apache accepts
    them.  False (nothing checked) where Apache has no mods-available."""
    sysconfdir = BUILD["SYSCONFDIR"]
    if not os.path.isdir(os.path.join(sysconfdir, "mods-available")):
        assert not (dest / sysconfdir.lstrip("/")).exists()
        return False
    confdir = dest / sysconfdir.lstrip("/")
    avail = confdir / "mods-available"
    module = "%s/mod_python.so" % BUILD["LIBEXECDIR"]
    load = (avail / "python.load").read_text()
    assert re.search(r"^LoadModule python_module %s$" % re.escape(module),
                     load, re.M), load
    assert (avail / "python.conf").read_text() == \
        (tree / "conf" / "python.conf").read_text()
    (confdir / "mods-enabled").mkdir()
    if shutil.which("a2enmod"):
        r = subprocess.run(["a2enmod", "python"], capture_output=True,
                           text=True, env=dict(
                               os.environ, APACHE_CONFDIR=str(confdir),
                               APACHE_STATE_DIRECTORY=str(tmp_path / "st")))
        assert r.returncode == 0, r.stdout + r.stderr
    else:
        for name in ("python.load", "python.conf"):
            (confdir / "mods-enabled" / name).symlink_to(
                "../mods-available/" + name)
    enabled = confdir / "mods-enabled"
    assert os.readlink(enabled / "python.load") == \
        "../mods-available/python.load"
    assert (enabled / "python.conf").is_symlink()
    # What the enabled files say, with the module where DESTDIR put it.
    conf = tmp_path / "a2enmod-check.conf"
    conf.write_text("""
ServerRoot "%s"
ErrorLog "%s/error_log"
PidFile "%s/httpd.pid"
LoadModule mpm_event_module %s/mod_mpm_event.so
%s
Include "%s"
""" % (tmp_path, tmp_path, tmp_path, BUILD["LIBEXECDIR"],
       (enabled / "python.load").read_text().replace(
           module, str(dest / module.lstrip("/"))),
       enabled / "python.conf"))
    r = subprocess.run([BUILD["HTTPD"], "-t", "-f", str(conf)],
                       capture_output=True, text=True)
    assert r.returncode == 0 and "Syntax OK" in r.stderr, r.stderr
    return True


def test_build_debian_conf_kept_when_changed(tmp_path):
    """make install keeps an existing python.conf (local changes) and make
    uninstall removes python.load but keeps a changed python.conf; with
    APACHE_MODS_AVAILABLE empty nothing is written."""
    if not os.path.isdir(os.path.join(BUILD["SYSCONFDIR"],
                                      "mods-available")):
        pytest.skip("Apache here has no mods-available")
    tree = tmp_path / "clone"
    r = run(["git", "clone", "-q", str(ROOT), str(tree)], tmp_path)
    assert r.returncode == 0, r.stderr
    r = run(["./configure", "--with-python=" + PYTHON], tree)
    assert r.returncode == 0, r.stdout + r.stderr
    avail = tmp_path / BUILD["SYSCONFDIR"].lstrip("/") / "mods-available"
    dest = "DESTDIR=%s" % tmp_path
    r = run(["make", "-s", "install-apache-conf", dest], tree)
    assert r.returncode == 0, r.stdout + r.stderr
    (avail / "python.conf").write_text("# mine\n")
    r = run(["make", "-s", "install-apache-conf", dest], tree)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (avail / "python.conf").read_text() == "# mine\n"
    r = run(["make", "-s", "uninstall-apache-conf", dest], tree)
    assert r.returncode == 0, r.stdout + r.stderr
    assert sorted(p.name for p in avail.iterdir()) == ["python.conf"]
    other = tmp_path / "other"
    r = run(["make", "-s", "install-apache-conf", "APACHE_MODS_AVAILABLE=",
             "DESTDIR=%s" % other], tree)
    assert r.returncode == 0, r.stdout + r.stderr
    assert not other.exists()
