"""Request bodies that stall or stop, clients that leave mid-response.
Suite: htdocs/body/ (its own server, Timeout 2)."""
import re
import socket
import time

import pytest

from conftest import Apache, HTDOCS


@pytest.fixture(scope="module")
def server():
    conf = (HTDOCS / "body" / "server.conf").read_text()
    srv = Apache(conf, suites=[]).start()
    yield srv
    srv.cleanup()


def rss_kb(pids):
    total = 0
    for pid in pids:
        with open("/proc/%d/status" % pid) as f:
            total += int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
    return total


def test_body_stalled_client_gives_error_not_hang(server):
    """A body that never arrives: req.read() raises after Timeout instead
    of hanging (REQ-read)."""
    started = time.time()
    answer = server.raw(b"POST /body/read HTTP/1.1\r\nHost: x\r\n"
                        b"Content-Length: 100\r\nConnection: close\r\n\r\n"
                        b"only ten b", timeout=15)
    assert time.time() - started < 10
    assert b"read error: Client read error (Timeout?)" in answer
    assert server.get("/body/pid").status_code == 200


def test_body_client_leaves_mid_body(server):
    """The client closes half-way through its body: the handler gets an
    IOError and the child keeps serving (REQ-read)."""
    with socket.create_connection(("127.0.0.1", server.port)) as s:
        s.sendall(b"POST /body/read HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Length: 100000\r\n\r\n" + b"y" * 1000)
    deadline = time.time() + 8
    while time.time() < deadline:
        if "body-read-error" in server.error_log():
            break
        time.sleep(0.1)
    assert "body-read-error" in server.error_log()
    assert server.get("/body/pid").status_code == 200


def test_body_chunked_request(server):
    """A chunked request body is de-chunked and read whole (REQ-read:
    build instead of 411)."""
    def chunks():
        for part in (b"a" * 1000, b"b" * 5000, b"c"):
            yield part
    r = server.post("/body/read", data=chunks())
    assert r.text == "read 6001 bytes"


def test_body_client_leaves_mid_response(server):
    """Clients that close while a big response is written leave the child
    serving and its memory where it was (REQ-write)."""
    pids = server.child_pids()
    for _ in range(3):                  # warm up
        assert server.get("/body/pid").status_code == 200
    before = rss_kb(server.child_pids())
    for _ in range(20):
        with socket.create_connection(("127.0.0.1", server.port)) as s:
            s.sendall(b"GET /body/big HTTP/1.1\r\nHost: x\r\n\r\n")
            s.recv(10000)
    time.sleep(1)
    for _ in range(5):
        assert server.get("/body/pid").status_code == 200
    after = rss_kb(server.child_pids())
    assert server.child_pids() == pids or len(server.child_pids()) >= 1
    assert after - before < 8 * 1024, (before, after)
