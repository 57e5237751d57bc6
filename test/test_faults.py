"""Faults in user code: an exception, SystemExit, KeyboardInterrupt,
endless recursion and MemoryError raised in a handler, in other phases,
in input and output filters, in request cleanups and in a connection
handler give the right status, a logged traceback, and leave the child
serving (the same process answers next).  A handler writing to a client
that left gets an OSError it can catch.  Suite: htdocs/faults/ (its own
server, one child, a connection-handler port)."""
import re
import socket
import time
import uuid

import pytest

from conftest import Apache, HTDOCS, MPM, alive, free_port

KINDS = {
    "exc": r"ValueError: faults raised on purpose",
    "exit": r"SystemExit: 3",
    "kbd": r"KeyboardInterrupt: faults interrupt",
    "rec": r"RecursionError: maximum recursion depth exceeded",
    "mem": r"MemoryError",
}
# The error-log lines of these tests all name the handler module, or are
# the two lines of a failed cleanup (PH-err-cleanup).
EXPECTED = (r"faults_h", r"MP002[01]")

# One child, so "the same process" is the one that answers next.
ONE_CHILD = {
    "prefork": "StartServers 1\nMinSpareServers 1\nMaxSpareServers 1\n"
               "ServerLimit 1\nMaxRequestWorkers 1\n",
    "event": "StartServers 1\nServerLimit 1\nMaxRequestWorkers 16\n",
    "worker": "StartServers 1\nServerLimit 1\nMaxRequestWorkers 16\n",
}


def close_after(server):
    """Requests to the one-worker server close their connection: a kept
    connection would hold the only prefork worker until its timeout."""
    for name in ("get", "request"):
        method = getattr(server, name)

        def wrapped(*args, _method=method, **kw):
            kw.setdefault("headers", {})["Connection"] = "close"
            return _method(*args, **kw)
        setattr(server, name, wrapped)


@pytest.fixture(scope="module")
def server():
    conf = (HTDOCS / "faults" / "server.conf").read_text()
    port = free_port()
    conf = conf.replace("@CONNPORT@", str(port))
    srv = Apache(ONE_CHILD.get(MPM, "") + conf, suites=[]).start()
    srv.conn_port = port
    close_after(srv)
    yield srv
    srv.cleanup()


def log_since(server, offset, pattern, timeout=10.0):
    """Error-log text after `offset`, once `pattern` shows up in it."""
    deadline = time.time() + timeout
    while True:
        text = server.error_log()[offset:]
        if re.search(pattern, text):
            return text
        if time.time() > deadline:
            pytest.fail("no %r in error_log:\n%s" % (pattern, text[-3000:]))
        time.sleep(0.05)


def assert_still_serving(server, pid):
    """The process that faulted is alive and answers the next requests."""
    assert alive(pid)
    pids = set()
    for _ in range(40):
        answer = int(server.get("/faults/").text)
        pids.add(answer)
        if answer == pid:
            break
    assert pid in pids, "pid %d never answered again (%s)" % (pid, pids)
    assert alive(pid)


def fault_request(server, path, kind, **kw):
    token = uuid.uuid4().hex
    offset = len(server.error_log())
    r = server.request(kw.pop("method", "GET"),
                       "%s?kind=%s&t=%s" % (path, kind, token), **kw)
    log = log_since(server, offset, r"faults-at \S+ %s pid=(\d+)" % token)
    pid = int(re.search(r"faults-at \S+ %s pid=(\d+)" % token,
                        log).group(1))
    return r, pid, offset


# (path, status, body or None, prefix of each logged traceback line)
PLACES = {
    "handler": ("/faults/handler", 500, None,
                r"PythonHandler faults_h::handler"),
    "headerparser": ("/faults/headerparser", 500, None,
                     r"PythonHeaderParserHandler faults_h::phase"),
    "authen": ("/faults/authen", 500, None,
               r"PythonAuthenHandler faults_h::phase"),
    "fixup": ("/faults/fixup", 500, None,
              r"PythonFixupHandler faults_h::phase"),
    "access": ("/faults/access", 500, None,
               r"PythonAccessHandler faults_h::phase"),
    "type": ("/faults/type", 500, None,
             r"PythonTypeHandler faults_h::phase"),
    "postread": ("/faults/postread", 500, None,
                 r"PythonPostReadRequestHandler faults_h::server_phase"),
    "trans": ("/faults/trans", 500, None,
              r"PythonTransHandler faults_h::server_phase"),
    # The response is out before these run: it stands.
    "log": ("/faults/log", 200, "pid", r"PythonLogHandler faults_h::phase"),
    "outfilter": ("/faults/outfilter", 200, "hello from ",
                  r"faults_out faults_h::outfilter"),
}


@pytest.mark.log_expected(*EXPECTED)
@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("place", sorted(PLACES))
def test_faults_in_phases(server, place, kind):
    """Each fault in a phase: 500 while a response is possible, the
    traceback logged with phase and handler, no traceback to the client,
    and the same child serves on (PH-py-except, PH-err-log,
    PH-err-nodebug, PH-err-filter, FLT-disable)."""
    path, status, body, prefix = PLACES[place]
    r, pid, offset = fault_request(server, path, kind)
    assert r.status_code == status
    assert "Traceback" not in r.text and "faults raised" not in r.text
    if body == "pid":
        assert r.text == str(pid)
    elif body:
        assert r.text.startswith(body)
    log = log_since(server, offset, KINDS[kind])
    assert re.search(prefix + r": Traceback \(most recent call last\)",
                     log), log[-2000:]
    assert re.search(prefix + r": " + KINDS[kind], log), log[-2000:]
    assert_still_serving(server, pid)


@pytest.mark.log_expected(*EXPECTED)
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_faults_in_input_filter(server, kind):
    """A fault in an input filter is logged and the filter disabled: the
    body reaches the handler unfiltered; the child serves on
    (PH-err-filter, FLT-disable)."""
    r, pid, offset = fault_request(server, "/faults/infilter", kind,
                                   method="POST", data=b"raw body")
    assert r.status_code == 200
    assert r.content == b"raw body"
    log = log_since(server, offset, KINDS[kind])
    assert "faults_in faults_h::infilter: Traceback" in log
    assert re.search(r"faults_in faults_h::infilter: " + KINDS[kind], log)
    assert_still_serving(server, pid)


@pytest.mark.log_expected(*EXPECTED)
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_faults_in_request_cleanup(server, kind):
    """A fault in a req.register_cleanup callable: the response stands,
    the error is logged (two lines, PH-err-cleanup), the child serves on
    (REQ-register_cleanup)."""
    r, pid, offset = fault_request(server, "/faults/cleanup", kind)
    assert r.status_code == 200
    assert r.text == "cleanup registered"
    name = KINDS[kind].split(":")[0]
    log = log_since(server, offset, r"MP0021: +<class '%s'>" % name)
    assert "MP0020: python_cleanup: Error calling cleanup object" in log
    assert_still_serving(server, pid)


@pytest.mark.log_expected(*EXPECTED)
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_faults_in_connection_handler(server, kind):
    """A fault in a PythonConnectionHandler: the traceback is logged, the
    connection closed, and the same child takes the next connection
    (PH-conn-py, PH-conn-ret, PH-err-log)."""
    token = uuid.uuid4().hex
    offset = len(server.error_log())
    with socket.create_connection(("127.0.0.1", server.conn_port),
                                  timeout=10) as s:
        s.sendall(("%s %s\n" % (kind, token)).encode())
        assert s.recv(100) == b""
    log = log_since(server, offset, KINDS[kind])
    pid = int(re.search(r"faults-at connection %s pid=(\d+)" % token,
                        log).group(1))
    assert "ConnectionHandler faults_h::connection: Traceback" in log
    assert re.search(r"ConnectionHandler faults_h::connection: "
                     + KINDS[kind], log)
    assert alive(pid)
    with socket.create_connection(("127.0.0.1", server.conn_port),
                                  timeout=10) as s:
        s.sendall(b"ok -\n")
        assert s.makefile("rb").readline() == b"pid %d\n" % pid
    assert_still_serving(server, pid)


@pytest.mark.log_expected(*EXPECTED)
def test_faults_write_after_client_left(server):
    """A handler streaming to a client that closed its socket gets an
    OSError (subclass) it can catch, and the child serves on (REQ-write,
    PH-err-ioerror)."""
    token = uuid.uuid4().hex
    offset = len(server.error_log())
    s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    s.sendall(b"GET /faults/stream?t=%s HTTP/1.1\r\nHost: x\r\n\r\n"
              % token.encode())
    assert s.recv(4096).startswith(b"HTTP/1.1 200")
    s.close()
    log = log_since(server, offset, r"faults-stream %s (\S+)" % token)
    assert re.search(r"faults-stream %s caught \w+ oserror=True" % token,
                     log), log[-2000:]
    for _ in range(3):
        assert server.get("/faults/").status_code == 200
