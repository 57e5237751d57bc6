"""The dispatcher around the handlers: stacking in every phase, errors
around calls, request objects after their request, imports.
Suite: htdocs/dispatch/ (its own server: server-level handlers)."""
import time
import uuid

import pytest
import requests

from conftest import Apache, HTDOCS, wait_for_log


@pytest.fixture(scope="module")
def server():
    conf = (HTDOCS / "dispatch" / "server.conf").read_text()
    srv = Apache(conf, suites=[]).start()
    yield srv
    srv.cleanup()




def test_dispatch_stacking_in_every_phase(server):
    """Each phase's continue set (PH-stack-postread, PH-stack-trans,
    PH-stack-headerparser, PH-stack-type, PH-stack-log, PH-stack-cleanup,
    PH-ret-ok, PH-py-loop, PH-py-split, PH-py-call, PH-disp-copy,
    PH-disp-call, PH-disp-result, PH-disp-reqobj)."""
    token = uuid.uuid4().hex
    seen = server.get("/d/x?" + token).text.split()
    assert seen == ["PostReadRequest:declined", "PostReadRequest:ok",
                    "PostReadRequest:ok2", "Trans:declined", "Trans:ok",
                    "HeaderParser:declined", "HeaderParser:ok",
                    "HeaderParser:ok2", "Type:declined", "Type:ok"]
    logged = wait_for_log(server, r"dispatch-log %s (.*)" % token)
    assert logged.group(1).split()[-3:] == ["Log:declined", "Log:ok", "Log:ok2"]
    time.sleep(0.3)
    assert "dispatch-cleanup-never %s" % token not in server.error_log()


def test_dispatch_init_stack(server):
    """A directory-level Init list stacks like header parsers
    (PH-stack-init, PH-disp-init-chain)."""
    seen = server.get("/d/init/").text.split()
    i = seen.index("Init:declined")
    assert seen[i:i + 4] == ["Init:declined", "Init:ok", "Init:ok2",
                             "HeaderParser:declined"]


@pytest.mark.log_expected(r"dispatch_h::none_object")
def test_dispatch_non_callable_object(server):
    """A handler object that cannot be called is a 500 (PH-resolve-call,
    PH-py-find)."""
    assert server.get("/none/").status_code == 500
    assert wait_for_log(server, r"TypeError: 'NoneType' object is not "
                        r"callable")


def test_dispatch_server_return_from_read(server):
    """When httpd refuses the body (LimitRequestBody), req.read() raises
    SERVER_RETURN with that status, which becomes the response
    (PH-sr-c)."""
    r = server.post("/limited/", data=b"x" * 100)
    assert r.status_code == 413


def test_dispatch_objects_after_their_request(server):
    """A request object kept past its request raises RuntimeError instead
    of touching freed memory; so do its tables and connection
    (PH-reqobj-end)."""
    # One keep-alive connection: both requests reach the same process.
    with requests.Session() as session:
        assert session.get(server.url + "/keep/").text == "kept"
        r = session.get(server.url + "/use-kept/")
    assert r.text == ("uri RuntimeError, write RuntimeError, "
                      "table RuntimeError, conn RuntimeError")


@pytest.mark.log_expected(r"dispatch_h::no_such_object")
def test_dispatch_bad_dynamic_spec(server):
    """A bad handler added with req.add_handler fails only when it runs
    (PH-dyn-spec, PH-dyn-extension)."""
    r = server.get("/badspec/")
    assert r.text.startswith("first;")
    assert wait_for_log(server, r"contains no 'no_such_object'")


@pytest.mark.log_expected(r"dispatch_h::write_after_close")
def test_dispatch_write_failure_not_shown(server):
    """An IOError from a write to a client that left is not sent to the
    client, even with PythonDebug On (PH-err-ioerror: the original's
    check never matched on Python 3)."""
    r = server.get("/debug-gone/")
    assert r.status_code == 500
    assert "Mod_python error" not in r.text
    assert "Traceback" not in r.text


def test_dispatch_import_log_and_dependencies(server):
    """With PythonDebug the (re)import is logged; a module the handler
    imports is not reloaded with it (PH-imp-log, PH-imp-deps,
    PH-imp-lock)."""
    session = requests.Session()        # one process throughout
    assert session.get(server.url + "/imp/").text == "dep-one dep-one"
    assert wait_for_log(server, r"mod_python: \(Re\)importing module "
                        r"'dispatch_imp'")
    dep = server.htdocs / "dispatch" / "dispatch_dep.py"
    dep.write_text('VALUE = "dep-two"\n')
    time.sleep(1.2)
    # import_module("dispatch_dep") re-executes the changed module, but the
    # handler module's own `import dispatch_dep` still holds the old one.
    assert session.get(server.url + "/imp/").text == "dep-one dep-two"
    session.close()


def test_dispatch_config_follows_the_walk(server):
    """The request object exists from post-read-request on (server-level
    handlers ran), yet get_config()/get_options() in the content phase
    show the <Location>'s settings (REQ-get_config, REQ-get_options,
    PH-py-config)."""
    assert server.get("/cfg/").text == "1 location"
