"""mod_python.httpdconf and mod_python.version, without Apache: the
rendering of every object to configuration text and to Python source, and
what write_basic_config writes (cli.md CONF-*, VER-*)."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

LIB = Path(__file__).resolve().parent.parent / "lib" / "python"
sys.path.insert(0, str(LIB))

import mod_python                                       # noqa: E402
from mod_python import httpdconf, version               # noqa: E402
from mod_python.httpdconf import (                       # noqa: E402
    Comment, Container, ContainerTag, Directive, Directory, Files, IfModule,
    Listen, Location, LockFile, LogFormat, PythonHandler, PythonPath,
    SetHandler, VirtualHost, quote_if_space, write_basic_config)


def rebuild(obj):
    """The object repr(obj) evaluates to, in httpdconf's namespace (the
    one a generated script gets from `from mod_python.httpdconf import *`).
    """
    namespace = {}
    exec("from mod_python.httpdconf import *", namespace)
    return eval(repr(obj), namespace)


def test_httpdconf_version_module():
    """mod_python.version says what the build found; mp_version is the
    same version string (VER-version, VER-httpd, VER-apr, VER-dirs,
    VER-python, VER-test)."""
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", version.version)
    assert mod_python.mp_version == version.version
    assert os.access(version.HTTPD, os.X_OK)
    assert re.fullmatch(r"2\.\d+\.\d+", version.HTTPD_VERSION)
    assert re.fullmatch(r"\d+\.\d+\.\d+", version.APR_VERSION)
    assert os.path.isdir(version.LIBEXECDIR)
    assert os.path.isdir(version.SYSCONFDIR)
    assert os.access(version.PYTHON_BIN, os.X_OK)
    assert version.TEST_MOD_PYTHON_SO.endswith("/src/mod_python.so")
    assert version.TESTHOME.endswith("/test")


def test_httpdconf_importable_outside_apache():
    """mod_python, mod_python.version and mod_python.httpdconf import in a
    plain Python, where `apache` cannot (VER-import)."""
    code = ("import mod_python, mod_python.version, mod_python.httpdconf; "
            "print(sorted(mod_python.__all__)); "
            "print(hasattr(mod_python, 'apache'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, env=dict(os.environ,
                                             PYTHONPATH=str(LIB)))
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "['apache', 'cgihandler', 'psp', 'publisher', 'python22', 'util', "
        "'version']", "False"]


def test_httpdconf_directive_str_and_repr():
    """str is `name val` on its own line, repr is `name('val')`, both
    indented; backslashes become slashes in both unless flipslash is off
    (CONF-Directive)."""
    d = Directive("Listen", "8080")
    assert str(d) == "Listen 8080\n"
    assert repr(d) == "Listen('8080')"
    d.indent = 4
    assert str(d) == "    Listen 8080\n"
    assert repr(d) == "    Listen('8080')"
    win = Directive("DocumentRoot", "C:\\www\\htdocs")
    assert str(win) == "DocumentRoot C:/www/htdocs\n"
    # The pitfall the spec names: the escaped pair becomes //.
    assert repr(win) == "DocumentRoot('C://www//htdocs')"
    raw = Directive("Alias", "a\\b", flipslash=0)
    assert str(raw) == "Alias a\\b\n"
    assert repr(raw) == "Alias('a\\\\b')"
    # One value even for several arguments.
    assert str(httpdconf.CustomLog("logs/access_log combined")) == \
        "CustomLog logs/access_log combined\n"


def test_httpdconf_directive_classes():
    """Each directive class is Directive(its name, val); LogFormat and
    PythonPath keep their backslashes; the PythonInterpPer* ones default
    to Off (CONF-directives)."""
    names = """AddHandler AddOutputFilter AddType AuthBasicAuthoritative
        AuthBasicProvider AuthType AuthName CustomLog DirectoryIndex
        DocumentRoot ErrorLog KeepAliveTimeout Listen LoadModule LogLevel
        LogFormat LockFile MaxConnectionsPerChild MaxClients
        MaxRequestsPerChild MaxSpareServers MaxSpareThreads
        MaxThreadsPerChild MinSpareThreads Mutex NameVirtualHost NumServers
        Options PidFile PythonAuthenHandler PythonAuthzHandler
        PythonCleanupHandler PythonConnectionHandler PythonDebug
        PythonHandler PythonAccessHandler PythonPostReadRequestHandler
        PythonTransHandler PythonFixupHandler PythonImport PythonPath
        PythonOutputFilter PythonOption Require SetHandler ServerAdmin
        ServerName ServerPath ServerRoot StartServers StartThreads
        ThreadsPerChild Timeout TypesConfig""".split()
    for name in names:
        cls = getattr(httpdconf, name)
        obj = cls("v")
        assert isinstance(obj, Directive)
        if name != "LockFile" or sys.platform != "win32":
            assert str(obj) == "%s v\n" % name
        assert repr(obj) == "%s('v')" % name
        assert type(rebuild(obj)) is cls
    assert str(LogFormat('"%h \\"%r\\"" common')) == \
        'LogFormat "%h \\"%r\\"" common\n'
    assert str(PythonPath("sys.path+['a\\\\b']")) == \
        "PythonPath sys.path+['a\\\\b']\n"
    assert str(httpdconf.PythonInterpPerDirectory()) == \
        "PythonInterpPerDirectory Off\n"
    assert str(httpdconf.PythonInterpPerDirective("On")) == \
        "PythonInterpPerDirective On\n"


def test_httpdconf_lockfile():
    """LockFile renders as itself, or as the commented-out #LockFile on
    Windows; its repr rebuilds it either way (CONF-LockFile)."""
    lock = LockFile("logs/accept.lock")
    expected = "#LockFile" if sys.platform == "win32" else "LockFile"
    assert str(lock) == "%s logs/accept.lock\n" % expected
    assert repr(lock) == "LockFile('logs/accept.lock')"
    assert str(rebuild(lock)) == str(lock)


def test_httpdconf_comment():
    """One `# line` per line, `# ` for an empty one; repr is one string
    literal per line, aligned under the first (CONF-Comment)."""
    c = Comment("first\n\nthird")
    assert str(c) == "# first\n# \n# third\n"
    assert repr(c) == ("Comment('first\\n'\n"
                       "        '\\n'\n"
                       "        'third\\n')")
    c.indent = 2
    assert str(c) == "  # first\n  # \n  # third\n"
    assert repr(c).splitlines()[1] == "          '\\n'"
    assert str(rebuild(Comment("a\nb"))) == "# a\n# b\n"
    assert str(Comment("")) == "# \n"


def test_httpdconf_container():
    """A Container renders its children at its own indent, or nothing
    when its only_if expression (evaluated where mod_python is imported)
    is false; its repr rebuilds it; append takes only configuration
    objects (CONF-Container)."""
    c = Container(Listen("80"), Comment("note"), PythonHandler("h"))
    assert str(c) == "Listen 80\n# note\nPythonHandler h\n"
    assert repr(c) == ("Container(\n"
                       "    Listen('80'),\n"
                       "    Comment('note\\n'),\n"
                       "    PythonHandler('h'),)")
    assert str(rebuild(c)) == str(c)

    this = "mod_python.version.HTTPD_VERSION[0:3] == %r" \
        % version.HTTPD_VERSION[0:3]
    assert str(Container(Listen("1"), only_if=this)) == "Listen 1\n"
    assert str(Container(Listen("1"), only_if="not (%s)" % this)) == ""
    kept = Container(Listen("1"), only_if=this)
    assert repr(kept) == ("Container(\n"
                          "    Listen('1'),\n"
                          "    only_if=%r)" % this)
    assert rebuild(kept).only_if == this

    c.append(Container())
    with pytest.raises(TypeError):
        c.append("Listen 80")
    with pytest.raises(TypeError):
        Container(42)


def test_httpdconf_containertag():
    """<tag attr>, children indented by two, </tag>; repr is tag('attr',
    children indented by four); flipslash touches the opening line only
    (CONF-ContainerTag)."""
    t = ContainerTag("Directory", "C:\\www", [SetHandler("mod_python"),
                                              PythonHandler("h")])
    assert str(t) == ("<Directory C:/www>\n"
                      "  SetHandler mod_python\n"
                      "  PythonHandler h\n"
                      "</Directory>\n")
    assert repr(t) == ("Directory('C://www',\n"
                       "    SetHandler('mod_python'),\n"
                       "    PythonHandler('h'),)")
    regex = ContainerTag("FilesMatch", '"\\.psp$"', [], flipslash=0)
    assert str(regex) == '<FilesMatch "\\.psp$">\n</FilesMatch>\n'
    nested = Container(Location("/a", Files("x.py", PythonHandler("x"))))
    assert str(nested) == ("<Location /a>\n"
                           "  <Files x.py>\n"
                           "    PythonHandler x\n"
                           "  </Files>\n"
                           "</Location>\n")
    assert str(rebuild(nested)) == str(nested)


def test_httpdconf_tag_classes():
    """Directory, Files, IfModule, Location and VirtualHost take (attr,
    *children) (CONF-tags)."""
    for cls in (Directory, Files, IfModule, Location, VirtualHost):
        obj = cls("A", Listen("1"), Listen("2"))
        name = cls.__name__
        assert isinstance(obj, ContainerTag)
        assert str(obj) == "<%s A>\n  Listen 1\n  Listen 2\n</%s>\n" % (
            name, name)
        assert type(rebuild(obj)) is cls


def test_httpdconf_quote_if_space():
    """Double quotes only around a value with a space (CONF-quote)."""
    assert quote_if_space("/a/b") == "/a/b"
    assert quote_if_space("/a b/c") == '"/a b/c"'


@pytest.fixture
def basic(tmp_path, capsys):
    """write_basic_config's script for tmp_path/root, its stderr, and the
    configuration it prints."""
    root = tmp_path / "root"
    path = write_basic_config(
        str(root), listen="127.0.0.1:8123", pythonhandler="myhandler",
        pythonpath=["/apps/one", "/apps/two"],
        pythonoptions=["opt.a 1", "opt.b two words"],
        mp_comments=['PythonOption mod_python.wsgi.base_uri = ""'])
    err = capsys.readouterr().err
    out = subprocess.run([sys.executable, path], capture_output=True,
                         text=True, env=dict(os.environ,
                                             PYTHONPATH=str(LIB)))
    assert out.returncode == 0, out.stderr
    return root, path, err, out.stdout


def test_httpdconf_write_basic_config_result(basic, tmp_path, capsys):
    """It returns the script's path; a second call finds the script and
    returns None with "already exists, aborting." on stderr, unless told
    to replace it (CONF-write_basic_config)."""
    root, path, err, conf = basic
    assert path == str(root / "conf" / "httpd_conf.py")
    assert write_basic_config(str(root)) is None
    assert "already exists, aborting." in capsys.readouterr().err
    again = write_basic_config(str(root), replace_config=True,
                               conf_name="other.py")
    assert again == str(root / "conf" / "other.py")
    assert write_basic_config(str(root), replace_config=True) == path
    assert "PythonHandler('mod_python.publisher')" in Path(path).read_text()


def test_httpdconf_write_basic_config_dirs(basic, tmp_path, capsys):
    """It makes the root with public/, conf/, logs/ and a copy of the
    system's mime.types, saying so on stderr; existing directories are
    reported and kept (CONF-wbc-dirs)."""
    root, path, err, conf = basic
    for sub in ("public", "conf", "logs"):
        assert (root / sub).is_dir()
    system = Path(version.SYSCONFDIR) / "mime.types"
    if not system.exists():
        system = Path("/etc/mime.types")
    assert (root / "conf" / "mime.types").read_bytes() == \
        system.read_bytes()
    assert str(root) in err
    (root / "public" / "keep.html").write_text("kept")
    (root / "conf" / "mime.types").write_text("text/x-mine mine\n")
    write_basic_config(str(root), replace_config=True)
    err = capsys.readouterr().err
    assert "already exists, continuing." in err
    assert (root / "public" / "keep.html").read_text() == "kept"
    assert (root / "conf" / "mime.types").read_text() == \
        "text/x-mine mine\n"
    # Without createdirs nothing is made, and what is missing is said.
    bare = tmp_path / "bare"
    (bare / "conf").mkdir(parents=True)
    write_basic_config(str(bare), createdirs=False)
    err = capsys.readouterr().err
    assert not (bare / "public").exists()
    assert "mime.types" in err and "public" in err


def test_httpdconf_write_basic_config_modules(basic):
    """Section 1 loads the listed modules from LIBEXECDIR (those compiled
    into httpd are named in comments instead) and an MPM when httpd has
    none (CONF-wbc-modules)."""
    root, path, err, conf = basic
    assert "# load the necessary modules" in conf
    for name in ["authn_file", "authn_core", "authz_host", "authz_groupfile",
                 "authz_user", "authz_core", "access_compat", "auth_basic",
                 "reqtimeout", "include", "filter", "mime", "log_config",
                 "env", "headers", "setenvif", "version", "unixd", "status",
                 "autoindex", "dir", "alias"]:
        so = os.path.join(version.LIBEXECDIR, "mod_%s.so" % name)
        if os.path.exists(so):
            assert "LoadModule %s_module %s\n" % (name, so) in conf
        else:
            assert "# %s_module: no mod_%s.so" % (name, name) in conf
    assert re.search(r"<IfModule !mpm_prefork_module>\s+LoadModule "
                     r"mpm_event_module \S+/mod_mpm_event.so", conf)


def test_httpdconf_write_basic_config_main(basic):
    """Section 2: ServerRoot, the per-child limit for this httpd version,
    logs, pid file, types, ServerName, Listen, DocumentRoot
    (CONF-wbc-main)."""
    root, path, err, conf = basic
    lines = conf.splitlines()
    assert "# main configuration options" in lines
    for line in ["ServerRoot %s" % root,
                 "CustomLog logs/access_log combined",
                 "ErrorLog logs/error_log", "LogLevel warn",
                 "PidFile logs/httpd.pid", "TypesConfig conf/mime.types",
                 "ServerName 127.0.0.1", "Listen 127.0.0.1:8123",
                 "DocumentRoot %s" % (root / "public")]:
        assert line in lines
    assert any(line.startswith("LogFormat ") and line.endswith(" combined")
               for line in lines)
    is24 = version.HTTPD_VERSION[0:3] == "2.4"
    assert ("MaxConnectionsPerChild 65536" in lines) == is24
    assert ("MaxRequestsPerChild 65536" in lines) == (not is24)
    assert ("LockFile logs/accept.lock" in lines) == \
        (version.HTTPD_VERSION[0:3] == "2.2")
    assert ("User %s" % httpdconf.server_user() in lines) == \
        (os.getuid() == 0)


def test_httpdconf_write_basic_config_python(basic):
    """Section 3: LoadModule python_module, SetHandler mod_python, a
    commented PythonDebug, the handler, PythonPath from the list, one
    PythonOption per option, the comments (CONF-wbc-mp)."""
    root, path, err, conf = basic
    section = conf[conf.index("# mod_python-specific options"):]
    assert section.rstrip("\n").splitlines()[1:] == [
        "LoadModule python_module %s" % httpdconf.mod_python_so(),
        "SetHandler mod_python",
        "# PythonDebug On",
        "PythonHandler myhandler",
        "PythonPath \"sys.path+['/apps/one','/apps/two',]\"",
        "PythonOption opt.a 1",
        "PythonOption opt.b two words",
        '# PythonOption mod_python.wsgi.base_uri = ""']


def test_httpdconf_write_basic_config_script(basic):
    """The script: a #! line naming PYTHON_BIN, a comment saying how to
    regenerate, the import, `config = <repr>` and print(config); the
    configuration starts with a do-not-edit comment (CONF-wbc-file)."""
    root, path, err, conf = basic
    text = Path(path).read_text()
    assert text.startswith("#!%s\n" % version.PYTHON_BIN)
    assert "mod_python genconfig" in text
    assert "\nfrom mod_python.httpdconf import *\n" in text
    assert "\nconfig = Container(\n" in text
    assert text.rstrip().endswith("print(config)")
    assert os.access(path, os.X_OK)
    assert "do not edit" in conf.splitlines()[1]
    # The configuration the script prints is what the objects render.
    namespace = {}
    exec(compile(text.replace("print(config)", ""), path, "exec"),
         namespace)
    assert str(namespace["config"]) + "\n" == conf


def test_httpdconf_mod_python_so():
    """Configurations load the source tree's build when httpdconf is the
    tree's, otherwise LIBEXECDIR's copy (CONF-wbc-mp)."""
    assert httpdconf.mod_python_so() == version.TEST_MOD_PYTHON_SO


def test_httpdconf_documented_examples():
    """The examples of doc/httpdconf.rst and of the module's docstring
    give what they show (CONF-Container, CONF-ContainerTag)."""
    import doctest
    doc = Path(__file__).resolve().parent.parent / "doc" / "httpdconf.rst"
    result = doctest.testfile(str(doc), module_relative=False)
    assert result.attempted >= 2 and result.failed == 0
    result = doctest.testmod(httpdconf)
    assert result.attempted >= 1 and result.failed == 0
