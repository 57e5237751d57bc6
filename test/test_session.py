"""mod_python.Session: BaseSession, MemorySession, DbmSession,
FileSession and the Session() factory, over HTTP, with the global
mutexes.  Suite: htdocs/session/."""
import concurrent.futures
import hashlib
import os
import re
import time

import pytest
import requests

SID = re.compile(r"[0-9a-f]{32}\Z")
DIRS = ("session-data", "session-fast", "session-legacy", "session-dbmdir")


@pytest.fixture(scope="module")
def server(apache):
    """The shared server, with the session data directories it names made
    writable for the server user."""
    for name in DIRS:
        d = apache.root / name
        d.mkdir(exist_ok=True)
        d.chmod(0o777)
    return apache


def set_cookies(r):
    return r.raw.headers.getlist("Set-Cookie")


def session_cookie(r, name="pysid"):
    """(sid, full Set-Cookie text) of the session cookie in a reply."""
    for text in set_cookies(r):
        if text.startswith(name + "="):
            return text.split(";")[0].split("=", 1)[1], text
    return None, None


def test_session_helpers(server):
    """Module constants, true_or_false and md5_hash (SESS-const,
    SESS-true_or_false, SESS-md5_hash)."""
    got = server.get("/session/mem/helpers").json()
    assert got["const"] == ["pysid", 1800, True, 1000, True, True, 240, 2,
                            "MPFS_3.2"]
    assert got["tof"] == {
        "'yes'": True, "'TRUE'": True, "'1'": True, "1": True,
        "True": True, "'no'": False, "'False'": False, "'0'": False,
        "0": False, "None": False, "False": False, "'maybe'": "Exception",
        "'On'": True, "'off'": False}
    assert got["md5"] == hashlib.md5(b"spam").hexdigest()
    assert os.path.isabs(got["tempdir"])


@pytest.mark.parametrize("store,cls", [("dbm", "DbmSession"),
                                       ("file", "FileSession"),
                                       ("mem", "MemorySession")])
def test_session_lifecycle(server, store, cls):
    """New session: cookie sent at once with a 32-hex sid from secrets,
    HttpOnly, path /; saved data comes back on the next request; the
    stored timeout survives (SESS-Session, SESS-Session-choose, SESS-is_new,
    SESS-id, SESS-created, SESS-last_accessed, SESS-timeout, SESS-load,
    SESS-save, SESS-init-state, SESS-init-cookie, SESS-init-new,
    SESS-init-access, SESS-init-load, SESS-storage-format, SESS-hooks,
    SESS-sid-gen, SESS-make_cookie, SESS-path-derived, SESS-Mem,
    SESS-Dbm-record, SESS-File-record, DIR-opt-session-type)."""
    s = requests.Session()           # keep-alive: MemorySession's process
    url = server.url + "/session/%s/incr" % store
    r = s.get(url + "?timeout=120", timeout=30)
    one = r.json()
    assert one["class"] == cls and one["new"] is True
    assert SID.match(one["id"]) and one["timeout"] == 120
    sid, text = session_cookie(r)
    assert sid == one["id"]
    assert text == "pysid=%s; path=/; httponly" % sid
    assert "secure" not in text          # plain HTTP (SESS-make_cookie)
    time.sleep(0.05)
    r = s.get(url + "?timeout=5", timeout=30)
    two = r.json()
    assert two["new"] is False and two["id"] == sid
    assert two["data"] == {"n": 2}
    assert two["timeout"] == 120         # the stored one wins
    assert two["created"] == one["created"]
    assert two["accessed"] > one["accessed"]
    assert session_cookie(r) == (None, None)     # no new cookie
    # A different client gets a different session.
    other = server.get("/session/%s/incr" % store).json()
    assert other["new"] and other["id"] != sid


@pytest.mark.parametrize("store", ["dbm", "file", "mem"])
def test_session_expired_and_unsaved(server, store):
    """An expired session is replaced by a new one; a session that is
    never saved is not found again (SESS-load, SESS-save, SESS-timeout,
    SESS-init-new)."""
    s = requests.Session()
    url = server.url + "/session/%s/" % store
    first = s.get(url + "incr?timeout=1", timeout=30).json()
    time.sleep(1.6)
    again = s.get(url + "incr", timeout=30).json()
    assert again["new"] is True and again["id"] != first["id"]
    assert again["data"] == {"n": 1}
    peeked = s.get(url + "peek", timeout=30)
    sid, _ = session_cookie(peeked)
    assert sid is None and peeked.json()["data"] == {"n": 1}
    # set_timeout is stored with the record.
    short = s.get(url + "incr?set_timeout=1", timeout=30).json()
    assert short["timeout"] == 1
    time.sleep(1.6)
    assert s.get(url + "peek", timeout=30).json()["new"] is True


@pytest.mark.parametrize("store", ["dbm", "file", "mem"])
def test_session_invalidate(server, store):
    """invalidate(): cookie re-sent with a 1970 expiry, record deleted,
    later save() a no-op (SESS-invalidate, SESS-delete)."""
    s = requests.Session()
    url = server.url + "/session/%s/" % store
    sid = s.get(url + "incr", timeout=30).json()["id"]
    r = s.get(url + "invalidate", timeout=30)
    assert r.json()["id"] == sid
    _, text = session_cookie(r)
    assert "expires=Thu, 01-Jan-1970 00:00:00 GMT" in text
    assert s.get(url + "stored?probe=" + sid,
                 timeout=30).json()["found"] is False
    after = s.get(url + "peek", headers={"Cookie": "pysid=" + sid},
                  timeout=30).json()
    assert after["new"] is True and after["id"] != sid


@pytest.mark.parametrize("cookie", [
    "/path/traversal/attack/bad", "../../../../etc/passwd", "a" * 384,
    "0" * 384, "ABCDEF0123456789ABCDEF0123456789", "%2e%2e%2f" * 4, ""])
def test_session_bad_cookie_sid(server, cookie):
    """A malformed sid in the cookie is silently replaced by a fresh
    session (SESS-init-validate, SESS-sid-validate)."""
    for store in ("file", "dbm"):
        r = server.get("/session/%s/incr" % store,
                       headers={"Cookie": "pysid=" + cookie})
        assert r.status_code == 200
        got = r.json()
        assert got["new"] is True and SID.match(got["id"])
        assert session_cookie(r)[0] == got["id"]
    assert not list((server.root / "session-data").rglob("*passwd*"))


def test_session_bad_caller_sid(server):
    """An invalid sid from the caller raises ValueError; a valid unknown
    one is replaced, not reused (SESS-init-validate, SESS-init-new)."""
    got = server.get("/session/file/badsid",
                     params={"sid": "../../x"}).json()
    assert got["error"] == "ValueError"
    assert got["message"].startswith("Invalid Session ID")
    unknown = "0123456789abcdef" * 2
    got = server.get("/session/file/incr", params={"sid": unknown}).json()
    assert got["new"] is True and got["id"] != unknown


def test_session_signed_cookie(server):
    """With a secret the cookie is a SignedCookie; unsigned or badly
    signed cookies are ignored (SESS-init-cookie, SESS-make_cookie,
    CK-Signed-py3)."""
    s = requests.Session()
    url = server.url + "/session/file/incr?secret=k3y"
    r = s.get(url, timeout=30)
    sid = r.json()["id"]
    raw, _ = session_cookie(r)
    assert len(raw) == 64 and raw.endswith(sid)
    assert s.get(url, timeout=30).json()["data"] == {"n": 2}
    plain = server.get("/session/file/incr?secret=k3y",
                       headers={"Cookie": "pysid=" + sid}).json()
    assert plain["new"] is True and plain["id"] != sid
    forged = "0" * 32 + sid
    assert server.get("/session/file/incr?secret=k3y",
                      headers={"Cookie": "pysid=" + forged}).json()["new"]


def test_session_factory_by_mpm(server):
    """No session type option: threaded-and-single-process picks
    MemorySession, else DbmSession; an unknown type raises (SESS-Session,
    SESS-Session-choose, SESS-opt-type)."""
    got = server.get("/session/auto/incr").json()
    assert got["class"] == "DbmSession"      # event and prefork both fork
    assert list((server.root / "session-legacy").glob("mp_sess.dbm*"))


@pytest.mark.log_expected(r"PythonHandler session_handlers")
def test_session_factory_unknown(server):
    """An unknown session type is an error (SESS-Session-choose)."""
    assert server.get("/session/bogus/incr").status_code == 500


def test_session_options_cookie(server):
    """Cookie name, domain and path options, new names winning over
    legacy ones; Secure/HttpOnly/SameSite options (SESS-opt-cookie,
    SESS-opt-domain, SESS-opt-path, SESS-path-option, SESS-make_cookie,
    DIR-opt-session-cookie, DIR-opt-session-domain,
    DIR-opt-session-path)."""
    s = requests.Session()
    r = s.get(server.url + "/session/opts/incr", timeout=30)
    sid, text = session_cookie(r, "optsid")
    assert text == ("optsid=%s; path=/opts-app/; domain=example.test; "
                    "secure; samesite=Lax" % sid)
    again = s.get(server.url + "/session/opts/incr", timeout=30,
                  headers={"Cookie": "pysid=%s; optsid=%s" % ("0" * 32, sid)})
    assert again.json()["data"] == {"n": 2}
    r = server.get("/session/legacy/incr")
    sid, text = session_cookie(r, "legacysid")
    assert text == "legacysid=%s; path=/legacy-app; httponly" % sid


def test_session_path_from_directory(server):
    """A handler set in <Directory> gets the directory below the document
    root as cookie path (SESS-path-derived)."""
    r = server.get("/session/dirapp/incr")
    assert r.status_code == 200
    _, text = session_cookie(r)
    assert "; path=/session/dirapp/;" in text


def test_session_storage_locations(server):
    """Where the stores put their data, by option precedence; files are
    not readable by others (SESS-opt-dir, SESS-opt-dbm-file, SESS-opt-dbm-dir, SESS-opt-fs-dir,
    SESS-Dbm-file, SESS-Dbm-open, SESS-File-dir, SESS-File-layout,
    DIR-opt-session-dir, DIR-opt-dbm-file, DIR-opt-dbm-dir,
    DIR-opt-file-dir)."""
    root = server.root
    server.get("/session/dbm/incr")
    assert list((root / "session-data").glob("mp_sess.dbm*"))
    server.get("/session/dbmdir/incr")
    assert list((root / "session-dbmdir").glob("mp_sess.dbm*"))
    server.get("/session/dbmfile/incr")
    assert list((root / "session-data").glob("custom.dbm*"))
    server.get("/session/legacy/incr")
    assert list((root / "session-legacy").glob("legacy.dbm*"))
    for f in (root / "session-data").glob("*.dbm*"):
        assert f.stat().st_mode & 0o777 == 0o640
    sid = server.get("/session/file/incr").json()["id"]
    path = root / "session-data" / "mp_sess" / sid[:2] / sid
    assert path.is_file()
    assert path.stat().st_mode & 0o777 == 0o640
    subdirs = sorted(p.name for p in path.parent.parent.iterdir()
                     if p.is_dir())
    assert subdirs == ["%02x" % i for i in range(256)]
    assert path.parent.stat().st_mode & 0o777 == 0o750
    assert not [p for p in path.parent.iterdir() if ".tmp" in p.name]
    sid = server.get("/session/filefast/incr").json()["id"]
    assert (root / "session-fast" / "mp_sess" / sid[:2] / sid).is_file()


@pytest.mark.parametrize("store", ["dbm", "file"])
def test_session_concurrent_writes(server, store):
    """Two requests on one session at once: the second waits for the
    first's lock, so neither write is lost (SESS-lock, SESS-unlock,
    SESS-File-lockfile, MUTEX-index, MUTEX-hash, MUTEX-api)."""
    first = server.get("/session/%s/add?key=start" % store)
    sid = first.json()["id"]
    jar = {"Cookie": "pysid=" + sid}
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(server.get,
                               "/session/%s/add?key=k%d&sleep=0.3"
                               % (store, i), headers=jar)
                   for i in range(4)]
        replies = [f.result() for f in futures]
    assert all(r.status_code == 200 for r in replies)
    final = server.get("/session/%s/peek" % store, headers=jar).json()
    assert sorted(final["data"]["keys"]) == ["k0", "k1", "k2", "k3",
                                             "start"]


@pytest.mark.parametrize("store", ["dbm", "file", "mem"])
def test_session_lock_held(server, store):
    """While a request holds its session, the sid's global mutex is taken;
    unlock() frees it (SESS-lock, SESS-unlock, MUTEX-api)."""
    got = server.get("/session/%s/lockcheck" % store).json()
    assert got == {"busy_while_locked": True, "free_after": True,
                   "pid": got["pid"]}


def test_session_dbm_cleanup(server):
    """DbmSession cleanup removes expired records, keeps live ones
    (SESS-cleanup, SESS-init-cleanup, SESS-Dbm-cleanup)."""
    old = server.get("/session/dbm/incr?timeout=1").json()["id"]
    live = server.get("/session/dbm/incr?timeout=600").json()["id"]
    time.sleep(1.6)
    server.get("/session/dbm/cleanup")
    time.sleep(0.2)
    probe = "/session/dbm/stored?probe="
    assert server.get(probe + old).json()["found"] is False
    assert server.get(probe + live).json()["found"] is True


def test_session_file_cleanup_verify(server):
    """FileSession cleanup: fast mode skips recently touched files, verify
    mode unpickles old ones and deletes only the expired; fs_status.txt
    records progress (SESS-File-cleanup, SESS-File-cleanup-py3,
    SESS-File-load, SESS-File-delete, SESS-opt-fs-fast, SESS-opt-fs-verify,
    SESS-opt-fs-grace, DIR-opt-file-fast, DIR-opt-file-verify,
    DIR-opt-file-grace)."""
    root = server.root / "session-data" / "mp_sess"
    expired = server.get("/session/file/incr?timeout=1").json()["id"]
    alive = server.get("/session/file/incr?timeout=600").json()["id"]
    recent = server.get("/session/file/incr?timeout=1").json()["id"]
    old = time.time() - 7200
    for sid in (expired, alive):
        os.utime(root / sid[:2] / sid, (old, old))
    time.sleep(1.2)
    os.utime(root / recent[:2] / recent)      # fresh mtime: fast keeps it
    leftover = root / alive[:2] / (alive + ".tmp0123456789ab")
    leftover.write_bytes(b"\x80\x02half a pick")
    os.utime(leftover, (old, old))
    server.get("/session/file/cleanup?timeout=2")
    time.sleep(0.3)
    assert not (root / expired[:2] / expired).exists()
    assert (root / alive[:2] / alive).exists()       # verified: not expired
    assert (root / recent[:2] / recent).exists()
    assert not leftover.exists()             # a dead save's temporary file
    status = (root / "fs_status.txt").read_text().split()
    assert status[0] == "MPFS_3.2" and status[1] == "0"
    assert not (root / ".mp_sess.lck").exists()


def test_session_file_cleanup_fast_only(server):
    """With verification off, fast cleanup deletes by mtime alone, even a
    record that has not expired; no time limit (SESS-File-cleanup,
    SESS-File-ctor, SESS-opt-fs-limit, SESS-opt-fs-verify,
    DIR-opt-file-limit, DIR-opt-file-verify, DIR-opt-file-fast)."""
    root = server.root / "session-fast" / "mp_sess"
    alive = server.get("/session/filefast/incr?timeout=600").json()["id"]
    old = time.time() - 7200
    os.utime(root / alive[:2] / alive, (old, old))
    server.get("/session/filefast/cleanup?timeout=2")
    time.sleep(0.3)
    assert not (root / alive[:2] / alive).exists()


def test_session_file_cleanup_lock(server):
    """A cleanup already running (lock file present) makes another skip;
    a stale lock file is removed (SESS-File-cleanup, SESS-File-race)."""
    root = server.root / "session-data" / "mp_sess"
    server.get("/session/file/incr")
    lock = root / ".mp_sess.lck"
    lock.write_text("")
    expired = server.get("/session/file/incr?timeout=1").json()["id"]
    os.utime(root / expired[:2] / expired, (0, 0))
    time.sleep(1.2)
    server.get("/session/file/cleanup?timeout=1")
    time.sleep(0.3)
    assert (root / expired[:2] / expired).exists() and lock.exists()
    os.utime(lock, (0, 0))                   # stale: over an hour old
    server.get("/session/file/cleanup?timeout=1")
    time.sleep(0.3)
    assert not lock.exists()
    server.get("/session/file/cleanup?timeout=1")
    time.sleep(0.3)
    assert not (root / expired[:2] / expired).exists()


def test_session_mem_cleanup(server):
    """MemorySession cleanup drops expired records (SESS-Mem)."""
    s = requests.Session()
    url = server.url + "/session/mem/"
    old = s.get(url + "incr?timeout=1", timeout=30).json()["id"]
    time.sleep(1.6)
    s.get(url + "cleanup", headers={"Cookie": "x=1"}, timeout=30)
    time.sleep(0.2)
    assert s.get(url + "stored?probe=" + old,
                 timeout=30).json()["found"] is False


def test_session_direct_constructors(server):
    """DbmSession(req, dbm=, dbmtype=, timeout=, sid=, lock=) and
    FileSession's fast/verify arguments override the options
    (SESS-Dbm-ctor, SESS-File-ctor, SESS-Dbm-open)."""
    d = server.root / "session-data"
    got = server.get("/session/file/direct", params={"dir": str(d)}).json()
    assert got["dbm"]["new"] is False and got["dbm"]["data"] == {"x": 1}
    assert got["dbm"]["timeout"] == 77
    assert got["dbmtype"] == "dbm.dumb"
    assert (d / "direct.dat").exists()
    assert got["fs"] == [0, 0, 0, 2]


def test_session_cookie_secure_on_https(make_apache, tmp_path):
    """Over HTTPS the session cookie is Secure (and HttpOnly) by default;
    over plain HTTP on the same server it is not (SESS-make_cookie [sec],
    SESS-opt-cookie)."""
    import subprocess
    import urllib3
    from conftest import MODULES, free_port
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    port = free_port()
    conf = """
LoadModule socache_shmcb_module {mods}/mod_socache_shmcb.so
LoadModule ssl_module {mods}/mod_ssl.so
Listen 127.0.0.1:{port}
<VirtualHost 127.0.0.1:{port}>
    SSLEngine on
    SSLCertificateFile {cert}
    SSLCertificateKeyFile {key}
</VirtualHost>
""".format(mods=MODULES, port=port, cert=cert, key=key)
    server = make_apache(conf.replace("{", "{{").replace("}", "}}"),
                         suites=["session"])
    r = requests.get("https://127.0.0.1:%d/session/mem/incr" % port,
                     verify=False, timeout=30)
    assert r.status_code == 200
    sid, text = session_cookie(r)
    assert text == "pysid=%s; path=/; secure; httponly" % sid
    r = server.get("/session/mem/incr")
    assert session_cookie(r)[1].endswith("; path=/; httponly")


def test_session_ids_unique_under_load(server):
    """Ids made at the same moment in several threads and processes are
    all different 32-hex strings (SESS-sid-gen [sec])."""
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(
            lambda _: server.get("/session/dbm/peek").json()["id"],
            range(24)))
    assert len(set(ids)) == 24 and all(SID.match(i) for i in ids)


def test_session_file_load_touches(server):
    """Loading a live FileSession refreshes its file's mtime, so fast
    cleanup sees the activity; the record is a protocol-2 pickle
    (SESS-File-load, SESS-File-record, SESS-storage-format)."""
    import pickle
    root = server.root / "session-data" / "mp_sess"
    sid = server.get("/session/file/incr").json()["id"]
    path = root / sid[:2] / sid
    record = pickle.loads(path.read_bytes())
    assert path.read_bytes()[:2] == b"\x80\x02"
    assert record["_data"] == {"n": 1} and record["_timeout"] == 1800
    assert set(record) == {"_data", "_created", "_accessed", "_timeout"}
    os.utime(path, (1000, 1000))
    got = server.get("/session/file/peek",
                     headers={"Cookie": "pysid=" + sid}).json()
    assert got["new"] is False
    assert path.stat().st_mtime > time.time() - 60
