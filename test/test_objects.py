"""The connection and server objects, and what all mod_python objects
share.  Suite: htdocs/objects/ (its own server: virtual hosts on a second
port, a connection handler on a third)."""
import hashlib
import json
import re
import socket
import subprocess
import time

import pytest
import requests

from conftest import Apache, HTDOCS, HTTPD, MPM, free_port

THREADED = MPM in ("event", "worker")


@pytest.fixture(scope="module")
def server():
    port2, port3 = free_port(), free_port()
    conf = (HTDOCS / "objects" / "server.conf").read_text()
    conf = conf.replace("@PORT2@", str(port2)).replace("@PORT3@", str(port3))
    started = time.time()
    srv = Apache(conf, suites=[])
    srv.port2, srv.port3, srv.started = port2, port3, started
    srv.start()
    yield srv
    srv.cleanup()


def get2(server, path, host, **kw):
    """A request to the virtual hosts' port."""
    kw.setdefault("timeout", 30)
    return requests.get("http://127.0.0.1:%d%s" % (server.port2, path),
                        headers={"Host": host}, **kw)


def wait_for(predicate, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    return predicate()


def recv_all(sock, timeout=10):
    sock.settimeout(timeout)
    chunks = []
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def read_until(sock, pattern, timeout=10):
    sock.settimeout(timeout)
    data = b""
    while True:
        m = re.search(pattern, data)
        if m:
            return data, m
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError("no %r in %r" % (pattern, data))
        data += chunk


def show(data):
    return ["bytes", len(data), hashlib.sha256(data).hexdigest()]


# ---- connection object attributes ----

def test_objects_conn_attributes(server):
    """Addresses, ids, counters and DNS fields of the connection; notes is
    a table; hlist is None outside connection handlers (CONN-attr-local_addr,
    CONN-attr-client_addr, CONN-attr-client_ip, CONN-attr-local_ip,
    CONN-attr-local_host, CONN-attr-remote_host, CONN-attr-remote_logname,
    CONN-attr-aborted, CONN-attr-keepalive, CONN-attr-double_reverse,
    CONN-attr-id, CONN-attr-notes, CONN-attr-hlist, CONN-attr-_conn_rec,
    REQ-attr-connection, OBJ-types)."""
    with socket.create_connection(("127.0.0.1", server.port)) as s:
        s.sendall(b"GET /objects/conn HTTP/1.0\r\nHost: x\r\n\r\n")
        answer = recv_all(s)
        client_port = s.getsockname()[1]
    info = json.loads(answer.split(b"\r\n\r\n", 1)[1])
    assert info["type"] == "<class 'mp_conn'>"
    assert info["local_addr"] == ["127.0.0.1", server.port]
    assert info["client_addr"] == ["127.0.0.1", client_port]
    assert info["client_ip"] == info["local_ip"] == "127.0.0.1"
    assert info["local_host"] is None
    assert info["remote_host"] is None          # HostnameLookups Off
    assert info["remote_logname"] is None
    assert info["aborted"] == 0
    assert info["keepalive"] in (0, 1, 2)
    assert info["double_reverse"] == 0
    assert info["keepalives"] == 0
    assert isinstance(info["id"], int)
    assert info["notes"] == "<class 'mp_table'>"
    assert info["hlist"] is None
    assert info["conn_rec"] == "PyCapsule" and info["conn_rec_pointer"]
    assert info["same_object"] is True
    # Main port: no virtual hosts, the main server is the base server.
    assert info["base_server"] == info["server"] == "localhost"
    assert info["base_server_virtual"] == 0
    assert info["base_server_cached"] is True


def test_objects_conn_base_server_is_chosen_by_address(server):
    """base_server is the vhost chosen by address (the first name-based
    vhost of the port), req.server the one chosen by name
    (CONN-attr-base_server, REQ-attr-server)."""
    info = get2(server, "/objects/conn", "alias2.objects.test").json()
    assert info["server"] == "second.objects.test"
    assert info["base_server"] == "first.objects.test"
    assert info["base_server_virtual"] == 1


def test_objects_conn_keepalive_counters_and_notes(server):
    """On one keep-alive connection: the same conn_rec and id, keepalives
    counts the requests before, and conn.notes lives as long as the
    connection (CONN-attr-keepalives, CONN-attr-notes, CONN-attr-id,
    OBJ-live)."""
    with requests.Session() as session:
        url = server.url + "/objects/notes"
        seen = [session.get(url + "?first", timeout=10).json(),
                session.get(url + "?second", timeout=10).json(),
                session.get(url, timeout=10).json()]
    assert len({tuple(x["client_addr"]) for x in seen}) == 1
    assert len({x["conn_rec_pointer"] for x in seen}) == 1
    assert [x["keepalives"] for x in seen] == [0, 1, 2]
    assert [x["seen"] for x in seen] == [None, "first", "second"]
    # A new connection starts with empty notes.
    assert server.get("/objects/notes").json()["seen"] is None


def test_objects_conn_keepalive_setter_closes(server):
    """conn.keepalive = AP_CONN_CLOSE makes httpd close the connection
    after the response; non-int values are a TypeError; nothing can be
    deleted; other attributes are read-only (CONN-attr-keepalive,
    APA-AP_CONN)."""
    r = server.get("/objects/conn-setattr?close")
    assert r.headers["Connection"] == "close"
    info = r.json()
    assert info["keepalive_after"] == 1
    delete = ["AttributeError", "can't delete connection attributes"]
    assert info["del_attr"] == info["del_keepalive"] == delete
    assert info["del_unknown"] == delete
    assert info["set_readonly"][0] == "AttributeError"
    assert info["set_unknown"][0] == "AttributeError"
    typeerror = ["TypeError", "keepalive must be a integer"]
    assert info["keepalive_str"] == info["keepalive_float"] == typeerror
    assert info["local_ip_after"] == "127.0.0.1"
    r = server.get("/objects/conn-setattr")
    assert r.headers.get("Connection") != "close"


@pytest.mark.log_expected(r"MP0030")
def test_objects_conn_deprecated_names_warn(server):
    """remote_addr and remote_ip alias client_addr and client_ip, each
    access logging a deprecation WARNING (CONN-attr-remote_addr,
    CONN-attr-remote_ip, CONN-attr-client_addr, CONN-attr-client_ip)."""
    server.new_log()
    info = server.get("/objects/conn-deprecated").json()
    assert info["remote_addr"] == info["client_addr"]
    assert info["remote_ip"] == info["client_ip"] == "127.0.0.1"
    log = wait_for(lambda: "remote_ip is deprecated" in server.error_log()
                   and server.error_log())
    assert re.search(r"\[python:warn\] .*MP0030: mod_python: "
                     r"conn.remote_addr is deprecated, use conn.client_addr",
                     log)
    assert re.search(r"\[python:warn\] .*MP0030: mod_python: "
                     r"conn.remote_ip is deprecated, use conn.client_ip", log)


def test_objects_conn_remote_host_lookup(server):
    """remote_host is None until looked up, then a name or "" when the
    lookup failed; double_reverse 1 or -1 after a double-reverse lookup
    (CONN-attr-remote_host, CONN-attr-double_reverse, REQ-get_remote_host,
    APA-REMOTE)."""
    info = server.get("/objects/conn-lookup").json()
    assert info["before"] == [None, 0]
    host, double_reverse = info["after"]
    assert isinstance(host, str)
    assert double_reverse in (1, -1)
    if host:
        assert info["name"] == host


@pytest.mark.log_expected(r"objects-conn-log")
def test_objects_conn_log_error(server):
    """conn.log_error writes with the client as context; level 0 is ERR;
    None logs nothing; levels above LogLevel are dropped
    (CONN-log_error)."""
    token = "t%d" % time.time_ns()
    info = server.get("/objects/conn-log?" + token).json()
    assert info["bad_level"][0] == "TypeError"
    assert info["bad_message"][0] == "TypeError"
    client = "[client 127.0.0.1:%d]" % info["client_addr"][1]
    log = wait_for(lambda: "%s warning" % token in server.error_log()
                   and server.error_log())
    lines = [x for x in log.splitlines() if token in x]
    assert len(lines) == 2
    assert "[python:error]" in lines[0] and client in lines[0]
    assert lines[0].endswith("objects-conn-log %s default" % token)
    assert "[python:warn]" in lines[1] and client in lines[1]


def test_objects_conn_object_outlived(server):
    """A connection object kept past its request raises RuntimeError
    instead of touching freed memory; server objects stay valid
    (CONN-attr-local_ip, PH-reqobj-end)."""
    with requests.Session() as session:
        assert session.get(server.url + "/objects/stale?keep",
                           timeout=10).json() == "kept"
        info = session.get(server.url + "/objects/stale", timeout=10).json()
    assert info["conn"][0] == info["conn_read"][0] == "RuntimeError"
    assert info["server"] == "localhost"


def test_objects_conn_ids_unique_among_concurrent(server):
    """Two connections served at the same time have different ids
    (CONN-attr-id)."""
    socks = []
    try:
        for _ in range(2):
            s = socket.create_connection(("127.0.0.1", server.port))
            s.sendall(b"POST /objects/slowbody HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Length: 4\r\nConnection: close\r\n\r\n")
            read_until(s, rb"ready;")
            socks.append(s)
        ids = []
        for s in socks:
            s.sendall(b"body")
            _, m = read_until(s, rb"id=(\d+);pid=(\d+);body=body;")
            ids.append((m.group(1), m.group(2)))
        assert ids[0] != ids[1]
    finally:
        for s in socks:
            s.close()


# ---- connection handler: conn.read / readline ----

def talk(server, command, payload=b"", half_close=True):
    with socket.create_connection(("127.0.0.1", server.port3),
                                  timeout=10) as s:
        s.sendall(command + b"\n" + payload)
        if half_close:
            s.shutdown(socket.SHUT_WR)
        return recv_all(s)


def test_objects_conn_handler_attributes(server):
    """Inside a connection handler: hlist names the handler, base_server
    is the vhost of the port, the interpreter is named after it
    (CONN-attr-hlist, CONN-attr-base_server, PH-conn-entry, APA-CallBack)."""
    info = json.loads(talk(server, b"attrs"))
    assert info["type"] == "<class 'mp_conn'>"
    assert info["hlist"] == ["<class 'mp_hlist'>", "objects_conn"]
    assert info["base_server"] == "conn.objects.test"
    assert info["interpreter"] == "conn.objects.test"
    assert info["local_addr"] == ["127.0.0.1", server.port3]
    assert info["notes"] == "<class 'mp_table'>"


def test_objects_conn_read_lengths_and_end(server):
    """read(n) gives at most n bytes, read() one chunk of at most 8 KB,
    read(-1) everything until the peer closes (not just a chunk), and at
    the end of the stream every read is None (CONN-read, CONN-readline)."""
    payload = bytes(range(256)) * 800          # 204800 bytes
    info = json.loads(talk(server, b"reads", payload))
    first, second, rest = info["first"], info["second"], info["rest"]
    assert 0 < first[1] <= 100
    assert first[2] == hashlib.sha256(payload[:first[1]]).hexdigest()
    assert 0 < second[1] <= 8192
    assert first[1] + second[1] + rest[1] == len(payload)
    assert info["all"] == show(payload)
    assert info["after"] == [None] * 5


def test_objects_conn_read_all_waits_for_close(server):
    """read(-1) keeps reading across pauses until the client closes its
    side (CONN-read: the original returned the first chunk)."""
    with socket.create_connection(("127.0.0.1", server.port3),
                                  timeout=10) as s:
        s.sendall(b"reads\n" + b"a" * 300)
        for piece in (b"b" * 5000, b"c" * 70000, b"d"):
            time.sleep(0.15)
            s.sendall(piece)
        s.shutdown(socket.SHUT_WR)
        info = json.loads(recv_all(s))
    payload = b"a" * 300 + b"b" * 5000 + b"c" * 70000 + b"d"
    assert info["all"] == show(payload)
    assert info["after"] == [None] * 5


def test_objects_conn_readline_limit_keeps_the_rest(server):
    """readline(n) stops at the newline or after n bytes, and what is left
    of a long line comes with the next read; None at the end
    (CONN-readline)."""
    long_line = b"L" * 20000 + b"\n"
    payload = b"abcdefghij\nxyz\n" + long_line + b"tail"
    got = json.loads(talk(server, b"lines", payload))
    assert got == [show(b"abcd"), show(b"efghij\n"), show(b"xyz\n"),
                   show(long_line[:5000]), show(long_line[5000:]),
                   show(b"tail"), None, None]


@pytest.mark.log_expected(r"objects-readerr")
def test_objects_conn_read_error_and_aborted(server):
    """A reset connection: read raises IOError "Connection read error",
    writes fail silently and conn.aborted becomes 1 (CONN-read,
    CONN-write, CONN-attr-aborted)."""
    s = socket.create_connection(("127.0.0.1", server.port3), timeout=10)
    s.sendall(b"readerr\nsome data")
    read_until(s, rb"reading\n")
    time.sleep(0.1)
    # Close with a reset, not a FIN.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                 b"\x01\x00\x00\x00\x00\x00\x00\x00")
    s.close()
    log = wait_for(lambda: "objects-readerr" in server.error_log()
                   and server.error_log())
    line = [x for x in log.splitlines() if "objects-readerr" in x][-1]
    assert "OSError: Connection read error" in line
    assert "writes ['ok', 'ok', 'ok']" in line
    assert line.endswith("aborted=1")


def test_objects_gil_released_in_conn_read(server):
    """While a connection handler waits in conn.read(), HTTP requests of
    the same process run Python at once (PH-thread-gil, CONN-read)."""
    with socket.create_connection(("127.0.0.1", server.port3),
                                  timeout=10) as s:
        s.sendall(b"slowread\n")
        _, m = read_until(s, rb"pid=(\d+);")
        slow_pid = int(m.group(1))
        time.sleep(0.2)
        same_process = 0
        for _ in range(10):
            started = time.time()
            r = server.get("/objects/pid", timeout=5)
            assert time.time() - started < 2
            same_process += int(r.text[4:-1]) == slow_pid
        assert (same_process > 0) if THREADED else (same_process == 0)
        s.sendall(b"12345")
        read_until(s, rb"got=12345;")


# ---- server object ----

def conf_line(server, text):
    """Line number of the first line of httpd.conf containing text."""
    for number, line in enumerate(server.conf.read_text().splitlines(), 1):
        if text in line:
            return number
    raise AssertionError(text)


def test_objects_server_attributes_main(server):
    """The main server's record as configured (SRV-attr-defn_name,
    SRV-attr-defn_line_number, SRV-attr-server_admin,
    SRV-attr-server_hostname, SRV-attr-port, SRV-attr-error_fname,
    SRV-attr-loglevel, SRV-attr-is_virtual, SRV-attr-timeout,
    SRV-attr-keep_alive_timeout, SRV-attr-keep_alive_max,
    SRV-attr-keep_alive, SRV-attr-path, SRV-attr-pathlen, SRV-attr-names,
    SRV-attr-wild_names, SRV-attr-limit_req_line,
    SRV-attr-limit_req_fieldsize, SRV-attr-limit_req_fields,
    SRV-attr-_server_rec, APA-main_server, REQ-attr-server)."""
    info = server.get("/objects/server").json()
    main = info["main"]
    assert info["server"] == main == info["base"]
    assert main["type"] == "<class 'mp_server'>"
    assert main["defn_name"] is None and main["defn_line_number"] == 0
    assert main["server_hostname"] == "localhost"
    assert main["server_admin"] == "[no address given]"
    assert main["port"] == 0
    assert main["error_fname"] == "%s/logs/error_log" % server.root
    assert main["loglevel"] == 6                      # info
    assert main["is_virtual"] == 0
    assert main["timeout"] == 10.0
    assert main["keep_alive_timeout"] == 5.0
    assert main["keep_alive_max"] == 100
    assert main["keep_alive"] == 1
    assert main["path"] is None and main["pathlen"] == 0
    assert main["names"] == [] and main["wild_names"] == []
    assert main["limit_req_line"] == 8190
    assert main["limit_req_fieldsize"] == 8190
    assert main["limit_req_fields"] == 100
    assert main["server_rec"] == "PyCapsule"
    assert info["set_readonly"][0] == info["del_readonly"][0] == \
        "AttributeError"


def test_objects_server_attributes_vhost(server):
    """A name-based vhost's own settings; server.next walks main -> vhosts
    (SRV-attr-next, SRV-attr-defn_name, SRV-attr-defn_line_number,
    SRV-attr-server_admin, SRV-attr-server_hostname, SRV-attr-port,
    SRV-attr-error_fname, SRV-attr-loglevel, SRV-attr-is_virtual,
    SRV-attr-timeout, SRV-attr-keep_alive_timeout, SRV-attr-keep_alive_max,
    SRV-attr-keep_alive, SRV-attr-path, SRV-attr-pathlen, SRV-attr-names,
    SRV-attr-wild_names, SRV-attr-limit_req_line,
    SRV-attr-limit_req_fieldsize, SRV-attr-limit_req_fields,
    SRV-attr-_server_rec)."""
    info = get2(server, "/objects/server", "second.objects.test").json()
    vhost, base, main = info["server"], info["base"], info["main"]
    assert vhost["defn_name"] == str(server.conf)
    assert vhost["defn_line_number"] == conf_line(
        server, "ServerName second.objects.test") - 1
    assert base["defn_line_number"] == conf_line(
        server, "ServerName first.objects.test") - 1
    assert vhost["server_admin"] == "admin@objects.test"
    assert vhost["server_hostname"] == "second.objects.test"
    assert vhost["port"] == 8123
    assert vhost["error_fname"] == "logs/second_error_log"
    assert vhost["loglevel"] == 4                     # warn
    assert vhost["is_virtual"] == 1
    assert vhost["timeout"] == 7.0
    assert vhost["keep_alive_timeout"] == 1.5
    assert vhost["keep_alive_max"] == 42
    assert vhost["keep_alive"] == 0
    assert vhost["path"] == "/legacy" and vhost["pathlen"] == 7
    assert vhost["names"] == ["alias1.objects.test", "alias2.objects.test"]
    assert vhost["wild_names"] == ["*.wild.objects.test"]
    assert vhost["limit_req_line"] == 4000
    assert vhost["limit_req_fieldsize"] == 4100
    assert vhost["limit_req_fields"] == 50
    # The first vhost inherits from the main server.
    assert base["server_hostname"] == "first.objects.test"
    assert base["timeout"] == main["timeout"]
    assert base["loglevel"] == main["loglevel"]
    assert len({vhost["server_rec_pointer"], base["server_rec_pointer"],
                main["server_rec_pointer"]}) == 3
    assert info["chain"][0] == "localhost"
    assert sorted(info["chain"][1:]) == ["conn.objects.test",
                                         "first.objects.test",
                                         "second.objects.test"]
    assert info["next_cached"] is True


@pytest.mark.log_expected(r"objects-srv-log")
def test_objects_server_log_error(server):
    """server.log_error writes to that server's own ErrorLog, filtered by
    its LogLevel; level 0 is ERR; None logs nothing (SRV-log_error,
    OBJ-positional)."""
    token = "t%d" % time.time_ns()
    info = get2(server, "/objects/server-log?" + token,
                "second.objects.test").json()
    assert info["bad_level"][0] == "TypeError"
    assert info["keyword"][0] == "TypeError"
    vhost_log = server.root / "logs" / "second_error_log"
    text = wait_for(lambda: vhost_log.exists()
                    and "%s default" % token in vhost_log.read_text()
                    and vhost_log.read_text())
    lines = [x for x in text.splitlines() if token in x]
    assert len(lines) == 2                      # info is below LogLevel
    assert "[python:warn]" in lines[0]
    assert lines[0].endswith("objects-srv-log %s warning" % token)
    assert "[python:error]" in lines[1]
    assert token not in server.error_log()


# ---- conventions shared by all objects ----

def test_objects_types(server):
    """Type names; only mp_table can be made from Python; mp_request,
    mp_server, mp_table can be subclassed; mp_request and mp_server carry
    a __dict__, mp_conn, mp_hlist and mp_table do not (OBJ-types)."""
    info = server.get("/objects/types").json()
    assert info["names"] == ["<class 'mp_request'>", "<class 'mp_conn'>",
                             "<class 'mp_server'>", "<class 'mp_table'>",
                             "<class 'mp_hlist'>"]
    for name, error in info["instantiate"].items():
        assert error == ["TypeError", "cannot create '%s' instances" % name]
    assert info["table_new"] == "<class 'mp_table'>"
    sub = info["subclass"]
    assert sub["mp_request"] == sub["mp_server"] == sub["mp_table"] == "ok"
    assert sub["mp_conn"] == \
        "type 'mp_conn' is not an acceptable base type"
    assert sub["mp_hlist"] == \
        "type 'mp_hlist' is not an acceptable base type"
    d = info["dict"]
    assert d["mp_request"] == [1, True] and d["mp_server"] == [2, True]
    for name in ("mp_conn", "mp_hlist", "mp_table"):
        assert d[name][0] == "AttributeError", name
    assert info["server_dict_after_del"] is False


def test_objects_positional_only(server):
    """C methods refuse keyword arguments (OBJ-positional)."""
    info = server.get("/objects/positional").json()
    for name, error in info.items():
        assert error is not None and error[0] == "TypeError", name
    assert "keyword" in info["conn.read"][1]


def test_objects_tables_are_live(server):
    """Values set from Python in req.notes, headers_in, subprocess_env and
    headers_out are what httpd's own logger sees (OBJ-live)."""
    token = "%d" % time.time_ns()
    r = server.get("/objects/live?" + token)
    assert r.headers["X-Objects-Out"] == "out-" + token
    log = server.root / "logs" / "objects_log"
    want = "noted-{0}|in-{0}|env-{0}|out-{0}".format(token)
    assert wait_for(lambda: want in log.read_text())


# ---- generation (last: it restarts the server) ----

def test_objects_server_generation_and_restart_time(server):
    """my_generation counts restarts; restart_time is the time of the last
    full (re)start: a graceful restart keeps httpd's scoreboard and its
    time (SRV-attr-my_generation, SRV-attr-restart_time)."""
    first = server.get("/objects/generation").json()
    assert first["generation"] == 0
    assert server.started - 2 <= first["restart_time"] <= time.time()

    def restart(how, generation):
        subprocess.run([HTTPD, "-f", str(server.conf), "-k", how],
                       env=server.env, check=True)

        def answered():
            try:
                info = server.get("/objects/generation", timeout=5).json()
            except requests.RequestException:
                return None
            return info if info["generation"] == generation else None

        info = wait_for(answered, timeout=20)
        assert info, "no child of generation %d answered" % generation
        return info

    before = time.time()
    second = restart("graceful", 1)
    assert second["restart_time"] == first["restart_time"]
    third = restart("restart", 2)
    assert before - 1 <= third["restart_time"] <= time.time()
    assert third["restart_time"] > first["restart_time"]
