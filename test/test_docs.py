"""The documentation (doc/): it builds with Sphinx without a warning, as
`make doc` does, and the tutorial's code is the demo's, all of it run:
its listings are literalincludes of examples/ files whose pages
test_demo.py requests, and its console sessions are run here, command
by command, against a demo server, their output compared with the one
shown."""
import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import MPM, ROOT, free_port
import test_demo

DOC = ROOT / "doc"
TUTORIAL = DOC / "tutorial.rst"

# Each example file, and the demo page test_demo.py requests to run it.
EXAMPLE_PAGES = {
    "examples/handlers/hello.py": "/hello",
    "examples/htdocs/form/index.py": "/form/",
    "examples/htdocs/counter.psp": "/counter.psp",
    "examples/handlers/guarded.py": "/private",
    "examples/htdocs/cgi/greet.py": "/cgi/greet.py?name=CGI",
    "examples/htdocs/httpdapi/welcome.py": "/httpdapi/welcome.html",
    "examples/handlers/wsgi_app.py": "/wsgi/",
    "examples/handlers/shout.py": "/shouted/",
    "examples/htdocs/index.html": "/",
    "examples/serve.py": "/",
}


def sphinx_command(out):
    """What `make doc` runs (Makefile.in), with another output
    directory."""
    return [sys.executable, "-m", "sphinx", "-W", "-n", "--keep-going",
            "-b", "html", str(DOC), str(out)]


def test_docs_make_target_is_the_tested_build():
    """Makefile.in's doc target runs the build test_docs_build runs."""
    text = (ROOT / "Makefile.in").read_text()
    m = re.search(r"^doc:\n\t\$\(SPHINXBUILD\) (.*)$", text, re.M)
    assert m, "no doc target in Makefile.in"
    assert m.group(1).split() == \
        sphinx_command("doc/_build/html")[3:-2] + ["doc", "doc/_build/html"]


@pytest.mark.skipif(importlib.util.find_spec("sphinx") is None,
                    reason="Sphinx is not installed (Debian: python3-sphinx)")
def test_docs_build(tmp_path):
    """sphinx-build -W -n builds the HTML with no warning: every page is
    in a toctree, every reference and every literalinclude resolves."""
    out = subprocess.run(sphinx_command(tmp_path / "html"),
                         capture_output=True, text=True, timeout=120,
                         cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "WARNING" not in out.stderr, out.stderr
    assert "ERROR" not in out.stderr, out.stderr
    html = (tmp_path / "html" / "tutorial.html").read_text()
    # The listings are there, from the files themselves.
    assert "authenhandler" in html and "outputfilter" in html
    for page in ["directives", "migration", "logtags", "command",
                 "httpdconf", "security", "install"]:
        assert (tmp_path / "html" / (page + ".html")).exists(), page
    for page in ["request", "table", "connection", "server", "filter",
                 "apache", "publisher", "psp", "session", "cookie",
                 "cgihandler", "httpdapi", "wsgi"]:
        assert (tmp_path / "html" / "api" / (page + ".html")).exists(), page


def tutorial_blocks():
    """The tutorial's code blocks: ("include", path) for each
    literalinclude, ("console", lines) for each console block, ("other",
    text) for any other literal block."""
    lines = TUTORIAL.read_text().splitlines()
    blocks = []
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r"\.\. literalinclude:: (\S+)$", line)
        if m:
            blocks.append(("include", (DOC / m.group(1)).resolve()))
        elif line.startswith(".. code-block::") or \
                (line.endswith("::") and not line.startswith("..")):
            kind = "console" if line == ".. code-block:: console" \
                else "other"
            body = []
            i += 1
            while i < len(lines) and (not lines[i].strip()
                                      or lines[i].startswith("    ")):
                body.append(lines[i][4:])
                i += 1
            while body and not body[-1].strip():
                body.pop()
            blocks.append((kind, [b for b in body if b.strip()]))
            continue
        i += 1
    return blocks


def test_docs_tutorial_listings_are_demo_files():
    """Every listing of the tutorial is a literalinclude of a file of
    examples/ whose page test_demo.py requests (the index links to every
    page, test_demo_index_links_every_page), and every such file is
    shown."""
    blocks = tutorial_blocks()
    included = {path.relative_to(ROOT).as_posix()
                for kind, path in blocks if kind == "include"}
    assert included == set(EXAMPLE_PAGES)
    for name, page in EXAMPLE_PAGES.items():
        assert (ROOT / name).is_file(), name
        assert page == "/" or page in test_demo.DEMO_LINKS, page
    # The only inline blocks: the one command line of the introduction
    # (the README's, which runs serve.py in the foreground) and the
    # console sessions run by test_docs_tutorial_console_sessions.
    others = [body for kind, body in blocks if kind == "other"]
    assert others == [["scripts/bootstrap demo"]]


def test_docs_tutorial_console_sessions(tmp_path):
    """Each `$ command` of the tutorial's console blocks runs, in order,
    against a demo started by the first of them (on a free port instead
    of 8080), and prints what the tutorial shows ("..." standing for
    anything) (SEED-benefit-persistence, SESS-is_new,
    DIR-PythonAuthenHandler)."""
    if shutil.which("curl") is None:
        pytest.fail("curl is missing (scripts/bootstrap installs it)")
    port = free_port()
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    env = dict(os.environ)
    root = None
    steps = []
    for kind, body in tutorial_blocks():
        if kind != "console":
            continue
        for line in body:
            if line.startswith("$ "):
                steps.append([line[2:], []])
            else:
                steps[-1][1].append(line)
    assert len(steps) >= 6, steps
    try:
        for command, shown in steps:
            command = command.replace("8080", str(port))
            if root is not None:
                command = command.replace("/tmp/mp-demo-...", str(root))
            if command.startswith("examples/serve.py"):
                # The same Python as the tests, whatever python3 is first
                # on the PATH; and the MPM under test.
                command = shlex.quote(sys.executable) + " " + command
                if "--background" in command:
                    command += " --mpm " + MPM
            out = subprocess.run(command, shell=True, cwd=tmp_path, env=env,
                                 capture_output=True, text=True, timeout=60)
            assert out.returncode == 0, (command, out.stderr)
            got = out.stdout.rstrip("\n").split("\n")
            assert len(got) == len(shown), (command, got, shown)
            for want, line in zip(shown, got):
                want = want.replace("8080", str(port))
                if "event MPM" in want:
                    want = want.replace("event MPM", MPM + " MPM")
                pattern = ".*".join(map(re.escape, want.split("...")))
                assert re.fullmatch(pattern, line), (command, want, line)
            m = re.search(r"server root and logs: (\S+)", out.stdout)
            if m:
                root = Path(m.group(1))
        assert root is not None and not root.exists()
    finally:
        if root is not None and root.exists():
            test_demo.stop_demo(root)


def c_table_names(source, table):
    """The Python names of a PyMethodDef or PyGetSetDef array of a C
    file: its entries written as {"name", ...}, MACRO("name", ...) or
    MACRO(name, ...)."""
    text = (ROOT / "src" / source).read_text()
    m = re.search(r"static Py\w+Def %s\[\] = \{\n(.*?)\n    \{ ?NULL"
                  % table, text, re.S)
    assert m, (source, table)
    names = re.findall(r'^    (?:\{"|[A-Z_]+\("?)(\w+)', m.group(1), re.M)
    return {n for n in names if not n.startswith("__")}


DOCUMENTED_TYPES = [
    ("requestobject.c", ["Request_getset", "Request_methods"],
     "api/request.rst"),
    ("connobject.c", ["Conn_getset", "Conn_methods"], "api/connection.rst"),
    ("serverobject.c", ["Server_getset", "Server_methods"],
     "api/server.rst"),
    ("filterobject.c", ["Filter_getset", "Filter_methods"],
     "api/filter.rst"),
    ("tableobject.c", ["Table_methods"], "api/table.rst"),
    ("finfoobject.c", ["Finfo_getset"], "api/apache.rst"),
    ("hlistobject.c", ["Hlist_getset"], "api/request.rst"),
    ("_apachemodule.c", ["apache_functions"], "api/apache.rst"),
]


@pytest.mark.parametrize("source,tables,page", DOCUMENTED_TYPES,
                         ids=[t[0] for t in DOCUMENTED_TYPES])
def test_docs_api_names_every_c_member(source, tables, page):
    """Every method and attribute the C types register (REQ-*, CONN-*,
    SRV-*, FLT-*, TBL-*, FINFO-*, HL-*, APC-*) is named in its API
    page."""
    text = (DOC / page).read_text()
    names = set()
    for table in tables:
        names |= c_table_names(source, table)
    assert len(names) > 3, names
    missing = sorted(n for n in names
                     if not re.search(r"\b%s\b" % re.escape(n), text))
    assert not missing, "%s lacks %s" % (page, missing)


def test_docs_directives_lists_every_directive():
    """doc/directives.rst describes each of the directives of
    src/config.c's command table, and says how many there are
    (DIR-mod-count)."""
    text = (ROOT / "src" / "config.c").read_text()
    table = text[text.index("const command_rec mp_commands[]"):]
    table = table[:table.index("{ NULL }")]
    names = re.findall(r'\(\s*"(Python\w+)"', table)
    assert len(names) == len(set(names)) == 28, names
    page = (DOC / "directives.rst").read_text()
    for name in names:
        assert "``%s" % name in page, name
    assert "registers %d directives" % len(names) in page
