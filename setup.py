"""Builds and installs mod_python with pip, no ./configure needed:

    pip install .              (or: pip wheel . ; pip install mod_python-*.whl)

builds the Apache module mod_python.so against the Apache that ``apxs``
describes (``apxs`` on PATH, or the APXS environment variable) and for the
Python running pip, and installs it inside the mod_python package
directory, next to the package's ``_psp`` extension, a ``version.py`` that
describes this build (its MOD_PYTHON_SO names the installed module) and
the ``mod_python`` command.  ``mod_python module-config`` then prints the
lines that load it into an existing Apache.

The configure/make build (see doc/install.rst) does not use this file.
"""
import glob
import os
import pwd
import re
import shutil
import subprocess
import sys
import sysconfig

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py
try:
    from setuptools.command.build_scripts import build_scripts
except ImportError:                             # setuptools < 69
    from distutils.command.build_scripts import build_scripts

try:
    from setuptools.errors import SetupError
except ImportError:                             # setuptools < 59
    from distutils.errors import DistutilsSetupError as SetupError

PACKAGE_DIR = "lib/python/mod_python"
MODULE_EXT = "mod_python.mod_python"            # installs as mod_python.so


def mp_version():
    """The version, from the header the C module is compiled with."""
    with open("src/include/mp_version.h") as f:
        text = f.read()
    return ".".join(re.search(r"#define MP_VERSION_%s (\d+)" % part,
                              text).group(1)
                    for part in ("MAJOR", "MINOR", "PATCH"))


class BuildProblem(SetupError):
    """A missing prerequisite: setuptools prints "error: <message>" and
    stops, without a traceback."""


_apache = {}


def apache():
    """What apxs says about the Apache to build for (once)."""
    if _apache:
        return _apache
    apxs = os.environ.get("APXS") or shutil.which("apxs") or \
        shutil.which("apxs2")
    for candidate in ("/usr/bin/apxs", "/usr/sbin/apxs",
                      "/usr/local/apache2/bin/apxs"):
        if not apxs and os.access(candidate, os.X_OK):
            apxs = candidate
    if not apxs or not os.access(apxs, os.X_OK):
        raise BuildProblem(
            "mod_python: apxs, Apache's build tool, was not found. Install "
            "Apache's development files (Debian/Ubuntu: apt-get install "
            "apache2-dev; Fedora/RHEL: dnf install httpd-devel) or set "
            "APXS=/path/to/apxs.")

    def query(name):
        r = subprocess.run([apxs, "-q", name], capture_output=True,
                           text=True)
        return r.stdout.strip() if r.returncode == 0 else ""

    info = {name: query(name) for name in (
        "CFLAGS", "EXTRA_CFLAGS", "NOTEST_CFLAGS", "CPPFLAGS",
        "EXTRA_CPPFLAGS", "NOTEST_CPPFLAGS", "INCLUDEDIR", "APR_INCLUDEDIR",
        "APU_INCLUDEDIR", "EXTRA_INCLUDES", "LIBEXECDIR", "SYSCONFDIR",
        "SBINDIR", "TARGET", "APR_CONFIG")}
    if not info["INCLUDEDIR"] or not os.path.exists(
            os.path.join(info["INCLUDEDIR"], "httpd.h")):
        raise BuildProblem(
            "mod_python: %s names no directory with Apache's httpd.h. "
            "Install Apache's development files (Debian/Ubuntu: apt-get "
            "install apache2-dev) or set APXS to another apxs." % apxs)
    httpd = os.path.join(info["SBINDIR"], info["TARGET"])
    version = ""
    if os.access(httpd, os.X_OK):
        out = subprocess.run([httpd, "-v"], capture_output=True,
                             text=True).stdout
        found = re.search(r"Apache/(\d[\d.]*)", out)
        version = found.group(1) if found else ""
    if not version.startswith("2.4."):
        raise BuildProblem(
            "mod_python: needs Apache httpd 2.4; %s (from %s) is %s. "
            "Install it (Debian/Ubuntu: apt-get install apache2)."
            % (httpd, apxs, version or "not there"))
    apr = ""
    if info["APR_CONFIG"]:
        apr = subprocess.run([info["APR_CONFIG"], "--version"],
                             capture_output=True, text=True).stdout.strip()
    info.update(APXS=apxs, HTTPD=httpd, HTTPD_VERSION=version,
                APR_VERSION=apr)
    _apache.update(info)
    return _apache


def python_library():
    """-l name and directory of this Python's shared library: Apache
    loads Python as a library, so a static-only Python cannot work."""
    var = sysconfig.get_config_var
    libdir, ldlibrary = var("LIBDIR") or "", var("LDLIBRARY") or ""
    if not var("Py_ENABLE_SHARED") or not os.path.exists(
            os.path.join(libdir, ldlibrary)):
        raise BuildProblem(
            "mod_python: %s (Python %s) has no shared library "
            "(libpython%s.so), which Apache needs to embed it. Use a Python "
            "built with --enable-shared: Debian/Ubuntu's python3 with "
            "python3-dev installed, or e.g. PYTHON_CONFIGURE_OPTS="
            "--enable-shared pyenv install %s." % (
                sys.executable, sysconfig.get_python_version(),
                var("LDVERSION"), sysconfig.get_python_version()))
    if not os.path.exists(os.path.join(sysconfig.get_path("include"),
                                       "Python.h")):
        raise BuildProblem(
            "mod_python: %s has no C headers (Python.h). Install them "
            "(Debian/Ubuntu: apt-get install python3-dev)." % sys.executable)
    return "python" + (var("LDVERSION") or sysconfig.get_python_version()), \
        libdir


def server_user():
    for name in ("www-data", "apache", "daemon", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            pass
    return ""


def substitutions():
    """The @NAME@ values configure would fill in, for this build."""
    info = apache()
    return {"MP_VERSION": mp_version(), "HTTPD": info["HTTPD"],
            "HTTPD_VERSION": info["HTTPD_VERSION"],
            "APR_VERSION": info["APR_VERSION"],
            "LIBEXECDIR": info["LIBEXECDIR"],
            "SYSCONFDIR": info["SYSCONFDIR"],
            "PYTHON_BIN": sys.executable, "SERVER_USER": server_user(),
            "TOP_SRCDIR": os.path.abspath(os.path.dirname(__file__)),
            "APXS": info["APXS"]}


def fill(template, target):
    with open(template) as f:
        text = f.read()
    for key, value in substitutions().items():
        text = text.replace("@%s@" % key, value)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "w") as f:
        f.write(text)


class BuildPy(build_py):
    """Writes version.py for this build (replacing one configure may have
    left in the tree)."""

    def run(self):
        super().run()
        fill(os.path.join(PACKAGE_DIR, "version.py.in"),
             os.path.join(self.build_lib, "mod_python", "version.py"))


class BuildExt(build_ext):
    """Compiles mod_python.so with Apache's flags from apxs; it installs
    as mod_python/mod_python.so, without Python's extension suffix."""

    def run(self):
        info = apache()
        pylib, pylibdir = python_library()
        for ext in self.extensions:
            if ext.name != MODULE_EXT:
                continue
            flags = " ".join(info[k] for k in (
                "CFLAGS", "EXTRA_CFLAGS", "NOTEST_CFLAGS", "CPPFLAGS",
                "EXTRA_CPPFLAGS", "NOTEST_CPPFLAGS")).split()
            ext.extra_compile_args = flags + [
                "-Wno-unused-parameter", "-Wno-missing-field-initializers"]
            for d in [info["INCLUDEDIR"], info["APR_INCLUDEDIR"],
                      info["APU_INCLUDEDIR"]] + [
                    w[2:] for w in info["EXTRA_INCLUDES"].split()
                    if w.startswith("-I")
                    and w not in ("-I.", "-I/usr/include")]:
                if d and d not in ext.include_dirs:
                    ext.include_dirs.append(d)
            ext.define_macros += [
                ("MP_SETUP_PY", None),
                # Python finds its prefix (a venv's too) from this path.
                ("MP_PYTHON_EXECUTABLE", '"%s"' % sys.executable),
                ("MP_MUTEX_DIR", '"/tmp"'), ("MP_MAX_LOCKS", "8")]
            ext.libraries = [pylib]
            ext.library_dirs = [pylibdir]
            var = sysconfig.get_config_var
            ext.extra_link_args = " ".join(
                x for x in (var("LIBS"), var("SYSLIBS")) if x).split()
            if pylibdir not in ("/usr/lib", "/usr/lib64") and \
                    not re.match(r"/usr/lib/[^/]*-linux-gnu$", pylibdir):
                ext.extra_link_args.append("-Wl,-rpath," + pylibdir)
        super().run()

    def get_ext_filename(self, fullname):
        # Asked with the full name, and (distutils) with its last part.
        if fullname == MODULE_EXT:
            return os.path.join("mod_python", "mod_python.so")
        if fullname == MODULE_EXT.split(".")[-1]:
            return "mod_python.so"
        return super().get_ext_filename(fullname)


class BuildScripts(build_scripts):
    """A scripts/NAME.in template is filled in like configure would."""

    def run(self):
        made = []
        for script in self.scripts:
            if script.endswith(".in"):
                target = os.path.join(self.build_dir + "-in",
                                      os.path.basename(script)[:-3])
                fill(script, target)
                script = target
            made.append(script)
        self.scripts = made
        super().run()


# The mod_python command, when this tree has it (scripts/mod_python, or a
# template scripts/mod_python.in).
SCRIPTS = sorted(p for p in glob.glob("scripts/mod_python*")
                 if not p.endswith("~"))[:1]

setup(
    name="mod_python",
    version=mp_version(),
    description="Apache HTTP Server module that embeds Python",
    long_description=open("README.md").read(),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.8",
    package_dir={"": "lib/python"},
    packages=["mod_python"],
    ext_modules=[
        Extension(MODULE_EXT,
                  sources=sorted(glob.glob("src/*.c")),
                  include_dirs=["src/include"],
                  depends=glob.glob("src/include/*.h")),
        Extension("mod_python._psp",
                  sources=["src/psp/_pspmodule.c", "src/psp/psp_parser.c"],
                  include_dirs=["src/psp"],
                  depends=["src/psp/psp_parser.h"]),
    ],
    scripts=SCRIPTS,
    cmdclass={"build_py": BuildPy, "build_ext": BuildExt,
              "build_scripts": BuildScripts},
    zip_safe=False,
)
