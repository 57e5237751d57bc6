"""Apache configuration as Python objects (cli.md CONF-*).

Every object renders two ways: ``str(obj)`` is Apache configuration text,
``repr(obj)`` is Python source that rebuilds the object.  The second is
what lets ``write_basic_config`` save a configuration as an editable
Python script which ``mod_python genconfig`` turns back into httpd.conf.

    >>> print(Container(Listen("8080"),
    ...                 Location("/app", SetHandler("mod_python"),
    ...                          PythonHandler("app"))), end="")
    Listen 8080
    <Location /app>
      SetHandler mod_python
      PythonHandler app
    </Location>

Rendering walks the tree and sets each child's ``indent`` attribute, so an
object shared by two trees takes the indentation of the last rendering.

Importable outside Apache (VER-import): it needs only ``mod_python.version``.
"""

import os
import shutil
import sys

# `mod_python` must be a global here: Container(only_if=...) expressions
# are evaluated in this module's namespace and name it (CONF-Container).
import mod_python
import mod_python.version


def _flip(text):
    """Backslashes to slashes (Windows paths in the configuration)."""
    return text.replace("\\", "/")


class Directive:
    """One directive line: ``Directive("Listen", "8080")`` (CONF-Directive).

    `val` is a single string, all of the directive's arguments as they are
    to appear.  The ``repr`` names the class after the directive, so it
    rebuilds only through a subclass of that name.
    """

    def __init__(self, name, val, flipslash=1):
        self.name = name
        self.val = val
        self.flipslash = flipslash
        self.indent = 0

    def __str__(self):
        text = "%s%s %s\n" % (" " * self.indent, self.name, self.val)
        return _flip(text) if self.flipslash else text

    def __repr__(self):
        text = "%s%s(%r)" % (" " * self.indent, self.name, self.val)
        return _flip(text) if self.flipslash else text


class Comment:
    """A comment block, one ``# line`` per line of `comment` (CONF-Comment).
    """

    def __init__(self, comment):
        self.comment = comment
        self.indent = 0

    def _lines(self):
        return self.comment.splitlines() or [""]

    def __str__(self):
        pad = " " * self.indent
        return "".join("%s# %s\n" % (pad, line) for line in self._lines())

    def __repr__(self):
        pad = " " * self.indent
        lines = self._lines()
        # Adjacent string literals, aligned under the first one.
        text = "%sComment(%r" % (pad, lines[0] + "\n")
        for line in lines[1:]:
            text += "\n%s%s%r" % (pad, " " * len("Comment("), line + "\n")
        return text + ")"


class Container:
    """Objects grouped without a tag of their own (CONF-Container).

    With `only_if`, a Python expression, the group renders to nothing
    unless the expression is true when the configuration is rendered, e.g.
    ``only_if="mod_python.version.HTTPD_VERSION[0:3] == '2.4'"``.
    """

    def __init__(self, *args, only_if=None):
        self.args = []
        self.only_if = only_if
        self.indent = 0
        for arg in args:
            self.append(arg)

    def append(self, obj):
        if not isinstance(obj, (Directive, Container, ContainerTag,
                                Comment)):
            raise TypeError("Container can only hold Directive, Container, "
                            "ContainerTag or Comment objects, not %s"
                            % type(obj).__name__)
        self.args.append(obj)

    def __str__(self):
        if self.only_if and not eval(self.only_if, globals()):
            return ""
        out = []
        for arg in self.args:
            arg.indent = self.indent
            out.append(str(arg))
        return "".join(out)

    def __repr__(self):
        pad = " " * self.indent
        text = pad + "Container("
        for arg in self.args:
            arg.indent = self.indent + 4
            text += "\n%r," % arg
        if self.only_if:
            text += "\n%s    only_if=%r)" % (pad, self.only_if)
        else:
            text += ")"
        return text


class ContainerTag:
    """A section such as ``<Directory /x> ... </Directory>``
    (CONF-ContainerTag).  Children render indented by two; `flipslash`
    applies to the opening line only."""

    def __init__(self, tag, attr, args, flipslash=1):
        self.tag = tag
        self.attr = attr
        self.args = list(args)
        self.flipslash = flipslash
        self.indent = 0

    def __str__(self):
        pad = " " * self.indent
        head = "%s<%s %s>\n" % (pad, self.tag, self.attr)
        out = [_flip(head) if self.flipslash else head]
        for arg in self.args:
            arg.indent = self.indent + 2
            out.append(str(arg))
        out.append("%s</%s>\n" % (pad, self.tag))
        return "".join(out)

    def __repr__(self):
        pad = " " * self.indent
        head = "%s%s(%r," % (pad, self.tag, self.attr)
        text = _flip(head) if self.flipslash else head
        for arg in self.args:
            arg.indent = self.indent + 4
            text += "\n%r," % arg
        return text + ")"


# ----------------------------------------------------------------------
# Directives (CONF-directives).  Each class is named after its directive,
# which is what makes repr() rebuild it.

def _directive(name, flipslash=1, default=None):
    if default is None:
        def __init__(self, val):
            Directive.__init__(self, name, val, flipslash)
    else:
        def __init__(self, val=default):
            Directive.__init__(self, name, val, flipslash)
    return type(name, (Directive,), {
        "__init__": __init__,
        "__doc__": "The %s directive." % name,
        "__module__": __name__})


AddHandler = _directive("AddHandler")
AddOutputFilter = _directive("AddOutputFilter")
AddType = _directive("AddType")
AuthBasicAuthoritative = _directive("AuthBasicAuthoritative")
AuthBasicProvider = _directive("AuthBasicProvider")
AuthType = _directive("AuthType")
AuthName = _directive("AuthName")
CustomLog = _directive("CustomLog")
DirectoryIndex = _directive("DirectoryIndex")
DocumentRoot = _directive("DocumentRoot")
ErrorLog = _directive("ErrorLog")
KeepAliveTimeout = _directive("KeepAliveTimeout")
Listen = _directive("Listen")
LoadModule = _directive("LoadModule")
LogLevel = _directive("LogLevel")
MaxConnectionsPerChild = _directive("MaxConnectionsPerChild")
MaxClients = _directive("MaxClients")
MaxRequestsPerChild = _directive("MaxRequestsPerChild")
MaxSpareServers = _directive("MaxSpareServers")
MaxSpareThreads = _directive("MaxSpareThreads")
MaxThreadsPerChild = _directive("MaxThreadsPerChild")
MinSpareThreads = _directive("MinSpareThreads")
Mutex = _directive("Mutex")
NameVirtualHost = _directive("NameVirtualHost")
NumServers = _directive("NumServers")
Options = _directive("Options")
PidFile = _directive("PidFile")
PythonAuthenHandler = _directive("PythonAuthenHandler")
PythonAuthzHandler = _directive("PythonAuthzHandler")
PythonCleanupHandler = _directive("PythonCleanupHandler")
PythonConnectionHandler = _directive("PythonConnectionHandler")
PythonDebug = _directive("PythonDebug")
PythonHandler = _directive("PythonHandler")
PythonAccessHandler = _directive("PythonAccessHandler")
PythonPostReadRequestHandler = _directive("PythonPostReadRequestHandler")
PythonTransHandler = _directive("PythonTransHandler")
PythonFixupHandler = _directive("PythonFixupHandler")
PythonImport = _directive("PythonImport")
PythonOutputFilter = _directive("PythonOutputFilter")
PythonOption = _directive("PythonOption")
Require = _directive("Require")
SetHandler = _directive("SetHandler")
ServerAdmin = _directive("ServerAdmin")
ServerName = _directive("ServerName")
ServerPath = _directive("ServerPath")
ServerRoot = _directive("ServerRoot")
StartServers = _directive("StartServers")
StartThreads = _directive("StartThreads")
ThreadsPerChild = _directive("ThreadsPerChild")
Timeout = _directive("Timeout")
TypesConfig = _directive("TypesConfig")
LogFormat = _directive("LogFormat", flipslash=0)
PythonPath = _directive("PythonPath", flipslash=0)
PythonInterpPerDirectory = _directive("PythonInterpPerDirectory",
                                      default="Off")
PythonInterpPerDirective = _directive("PythonInterpPerDirective",
                                      default="Off")
# Beyond the original's list: what the command's configurations use.
AcceptPathInfo = _directive("AcceptPathInfo")
AllowOverride = _directive("AllowOverride")
DefaultRuntimeDir = _directive("DefaultRuntimeDir")
Group = _directive("Group")
IndexIgnore = _directive("IndexIgnore")
Include = _directive("Include")
KeepAlive = _directive("KeepAlive")
MaxRequestWorkers = _directive("MaxRequestWorkers")
MinSpareServers = _directive("MinSpareServers")
PythonAutoReload = _directive("PythonAutoReload")
PythonInputFilter = _directive("PythonInputFilter")
PythonInterpreter = _directive("PythonInterpreter")
ServerLimit = _directive("ServerLimit")
ThreadLimit = _directive("ThreadLimit")
User = _directive("User")


class LockFile(Directive):
    """The LockFile directive (httpd 2.2); commented out on Windows, which
    has no use for it (CONF-LockFile)."""

    def __init__(self, val):
        name = "#LockFile" if sys.platform == "win32" else "LockFile"
        Directive.__init__(self, name, val)

    def __repr__(self):
        # Rebuild through this class even when the name is commented out.
        return "%sLockFile(%r)" % (" " * self.indent, self.val)


def _tag(name):
    def __init__(self, attr, *args):
        ContainerTag.__init__(self, name, attr, args)
    return type(name, (ContainerTag,), {
        "__init__": __init__,
        "__doc__": "A <%s> section: %s(attr, *children)." % (name, name),
        "__module__": __name__})


# CONF-tags
Directory = _tag("Directory")
Files = _tag("Files")
IfModule = _tag("IfModule")
Location = _tag("Location")
VirtualHost = _tag("VirtualHost")
# Beyond them (a *Match regex with backslashes needs ContainerTag(...,
# flipslash=0)).
DirectoryMatch = _tag("DirectoryMatch")
FilesMatch = _tag("FilesMatch")
LocationMatch = _tag("LocationMatch")
IfDefine = _tag("IfDefine")


def quote_if_space(s):
    """`s` in double quotes if it contains a space (CONF-quote)."""
    return '"%s"' % s if " " in s else s


# ----------------------------------------------------------------------
# What a configuration needs to load

def mod_python_so():
    """Path of the mod_python.so a configuration should load.

    The one installed with this package (version.MOD_PYTHON_SO: beside
    it after a pip install, else LIBEXECDIR's copy, where ``make install``
    puts it), unless this package is the one in the source tree
    mod_python was built in: then the tree's own build, so the tree works
    without installing.
    """
    tree_so = getattr(mod_python.version, "TEST_MOD_PYTHON_SO", "")
    if tree_so:
        top = os.path.dirname(os.path.dirname(tree_so))
        here = os.path.dirname(os.path.abspath(__file__))
        tree_pkg = os.path.join(top, "lib", "python", "mod_python")
        if (os.path.exists(tree_so) and os.path.exists(tree_pkg)
                and os.path.samefile(here, tree_pkg)):
            return tree_so
    return getattr(mod_python.version, "MOD_PYTHON_SO",
                   os.path.join(mod_python.version.LIBEXECDIR,
                                "mod_python.so"))


def module_path(name):
    """Path of httpd module `name` (``mime`` -> .../mod_mime.so)."""
    return os.path.join(mod_python.version.LIBEXECDIR, "mod_%s.so" % name)


def load_module(name):
    """A LoadModule for httpd module `name`, or, when LIBEXECDIR has no
    file for it (it is compiled into httpd, as log_config, version and
    unixd are in Debian's), a comment saying so: loading a file that is
    not there would make the whole configuration fail."""
    path = module_path(name)
    if os.path.exists(path):
        return LoadModule("%s_module %s" % (name, quote_if_space(path)))
    return Comment("%s_module: no %s, assumed built into httpd"
                   % (name, os.path.basename(path)))


MPMS = ("event", "worker", "prefork")


def load_mpm(mpm="event"):
    """Loading MPM `mpm`, unless httpd already has one (compiled in, or
    loaded earlier): a <IfModule !mpm_..._module> per MPM around it."""
    inner = LoadModule("mpm_%s_module %s"
                       % (mpm, quote_if_space(module_path("mpm_" + mpm))))
    for name in reversed(MPMS):
        inner = IfModule("!mpm_%s_module" % name, inner)
    return inner


def server_user():
    """The user httpd's children run as when it is started as root."""
    return getattr(mod_python.version, "SERVER_USER", "") or "www-data"


def mime_types_source():
    """The system's mime.types: in SYSCONFDIR, else /etc (None if none)."""
    for directory in (mod_python.version.SYSCONFDIR, "/etc"):
        path = os.path.join(directory, "mime.types")
        if directory and os.path.exists(path):
            return path
    return None


# ----------------------------------------------------------------------
# write_basic_config (CONF-write_basic_config, CONF-wbc-*)

_BASIC_MODULES = [
    "authn_file", "authn_core", "authz_host", "authz_groupfile",
    "authz_user", "authz_core", "access_compat", "auth_basic", "reqtimeout",
    "include", "filter", "mime", "log_config", "env", "headers", "setenvif",
    "version", "unixd", "status", "autoindex", "dir", "alias"]

_SCRIPT_HEADER = """\
#!%(python)s
#
# This file was created by mod_python (httpdconf.write_basic_config).
# It is a Python script that prints an Apache configuration: edit it to
# taste, then regenerate the configuration with
#
#     mod_python genconfig %(self)s > %(conf)s
#
# (running this file with %(python)s does the same).
#

from mod_python.httpdconf import *

"""


def _note(message):
    sys.stderr.write(message + "\n")


def _make_dir(path):
    if os.path.exists(path):
        _note("%s already exists, continuing." % path)
    else:
        _note("Creating %s." % path)
        os.makedirs(path)


def write_basic_config(server_root, listen='0.0.0.0:8888', conf="conf",
                       logs="logs", htdocs="public",
                       pythonhandler="mod_python.publisher",
                       pythonpath=[], pythonoptions=[], mp_comments=[],
                       conf_name='httpd_conf.py', createdirs=True,
                       replace_config=False, mpm="event"):
    """Create a ServerRoot with an editable Python script that prints its
    Apache configuration; return that script's path, or None (with an
    error on stderr) when it already exists and `replace_config` is
    false.  Progress messages go to stderr.

    Beyond the original: the configuration also loads MPM `mpm` (httpd
    builds such as Debian's have none compiled in), sets User/Group when
    rendered by root, and keeps mutexes and runtime files in `logs`.
    """
    server_root = os.path.abspath(server_root)
    conf_dir = os.path.join(server_root, conf)
    logs_dir = os.path.join(server_root, logs)
    htdocs_dir = os.path.join(server_root, htdocs)
    script = os.path.join(conf_dir, conf_name)

    if os.path.exists(script) and not replace_config:
        _note("Error: %s already exists, aborting." % script)
        return None

    if createdirs:
        for path in (server_root, htdocs_dir, conf_dir, logs_dir):
            _make_dir(path)
        mime = os.path.join(conf_dir, "mime.types")
        source = mime_types_source()
        if not os.path.exists(mime) and source:
            _note("Copying %s to %s." % (source, mime))
            shutil.copyfile(source, mime)
    if not os.path.exists(os.path.join(conf_dir, "mime.types")):
        _note("Warning: %s/mime.types does not exist." % conf_dir)
    if not os.path.isdir(htdocs_dir):
        _note("Warning: %s does not exist." % htdocs_dir)

    modules = Container(Comment("\nload the necessary modules\n"),
                        load_mpm(mpm))
    for name in _BASIC_MODULES:
        modules.append(load_module(name))

    main = Container(
        Comment("\nmain configuration options\n"),
        ServerRoot(quote_if_space(server_root)),
        Container(MaxConnectionsPerChild("65536"),
                  only_if="mod_python.version.HTTPD_VERSION[0:3] == '2.4'"),
        Container(MaxRequestsPerChild("65536"),
                  only_if="mod_python.version.HTTPD_VERSION[0:3] < '2.4'"),
        LogFormat(r'"%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" '
                  r'\"%{User-agent}i\"" combined'),
        CustomLog("%s/access_log combined" % logs),
        ErrorLog("%s/error_log" % logs),
        LogLevel("warn"),
        PidFile("%s/httpd.pid" % logs),
        TypesConfig("%s/mime.types" % conf),
        Comment("ServerName only silences the warning about a missing one"),
        ServerName("127.0.0.1"),
        Listen(listen),
        DocumentRoot(quote_if_space(htdocs_dir)),
        Container(LockFile("%s/accept.lock" % logs),
                  only_if="mod_python.version.HTTPD_VERSION[0:3] == '2.2'"),
        Container(Mutex(quote_if_space("file:" + logs_dir)),
                  DefaultRuntimeDir(quote_if_space(logs_dir)),
                  only_if="mod_python.version.HTTPD_VERSION[0:3] == '2.4'"),
        Container(User(server_user()), Group(server_user()),
                  only_if="os.getuid() == 0"),
    )

    python = Container(
        Comment("\nmod_python-specific options\n"),
        LoadModule("python_module %s" % quote_if_space(mod_python_so())),
        SetHandler("mod_python"),
        Comment("PythonDebug On"),
        PythonHandler(pythonhandler))
    if pythonpath:
        python.append(PythonPath('"sys.path+[%s]"' % "".join(
            "%r," % p for p in pythonpath)))
    for option in pythonoptions:
        python.append(PythonOption(option))
    for comment in mp_comments:
        python.append(Comment(comment))

    config = Container(
        Comment("\n"
                "This config was auto-generated, do not edit!\n"
                "Edit %s and regenerate it with mod_python genconfig.\n"
                % script),
        modules, main, python)

    _note("Writing %s." % script)
    with open(script, "w") as f:
        f.write(_SCRIPT_HEADER % {
            "python": mod_python.version.PYTHON_BIN, "self": script,
            "conf": os.path.join(conf_dir, "httpd.conf")})
        f.write("config = %r\n\nprint(config)\n" % config)
    os.chmod(script, 0o755)
    return script
