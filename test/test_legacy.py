"""Corners of the dispatcher and what 3.3 had and 3.5 dropped.
Suite: htdocs/legacy/ (its own server: a server-level handler)."""
import time
import uuid

import pytest

from conftest import Apache, HTDOCS, wait_for_log


@pytest.fixture(scope="module")
def server():
    conf = (HTDOCS / "legacy" / "server.conf").read_text()
    srv = Apache(conf, suites=[]).start()
    yield srv
    srv.cleanup()




def test_legacy_request_object_per_interpreter(server):
    """Phases of one request run in different interpreters here (post-read
    in the server's, the content phase in the directory's): each
    interpreter has its own request object, so no Python object crosses
    interpreters (PH-reqobj-crossinterp, DIR-PythonInterpPerDirectory)."""
    r = server.get("/legacy/perdir/page")
    interp, marker = r.text.split("|")
    assert interp == str(server.htdocs / "legacy" / "perdir") + "/"
    assert marker == "None"


def test_legacy_removed_33_features(server):
    """What 3.3 had and 3.5 does not: modules_graph, PROG_TRACEBACK,
    hlist.location, req.finfo as a tuple, the legacy importer option
    (APA-modules_graph, PH-2x-progtb, HL-location, FINFO-tuple,
    DIR-opt-importer, PH-imp-paths, DIR-33-stack is in test_core's
    stacked-handler test)."""
    assert server.get("/lg/removed").text == \
        "[False, False, False, False, False, False]"


@pytest.mark.log_expected(r"log_error broken on purpose",
                          r"the original error", r"Traceback", r"File ",
                          r"raise", r"\^")
def test_legacy_error_while_reporting(server):
    """When reporting itself fails, the traceback goes to stderr (the
    main error log) and the request still ends in a 500 (PH-err-fallback,
    PH-py-start)."""
    assert server.get("/lg/report-fails").status_code == 500
    assert wait_for_log(server, r"ZeroDivisionError: log_error broken on "
                        r"purpose")
    assert server.get("/lg/removed").status_code == 200


def test_legacy_cleanup_registered_late(server):
    """A cleanup registered from inside a cleanup has no effect and harms
    nothing (PH-clean-late)."""
    token = uuid.uuid4().hex
    assert server.get("/lg/late?" + token).text == "ok"
    assert wait_for_log(server, "legacy-outer " + token)
    time.sleep(0.3)
    assert "legacy-late %s" % token not in server.error_log()
    assert server.get("/lg/removed").status_code == 200


@pytest.mark.log_expected(r"PythonCleanupHandler legacy_h::bad_cleanup")
def test_legacy_cleanup_handler_raises(server):
    """An exception in PythonCleanupHandler is reported like any phase's;
    the response was already sent (PH-err-cleanuphandler)."""
    r = server.get("/lg/cleanup-raises")
    assert r.status_code == 200 and r.text == "ok"
    assert wait_for_log(server, r"PythonCleanupHandler legacy_h::bad_cleanup"
                        r": RuntimeError: cleanup handler failed")
