"""Server-side sessions keyed by a cookie (SESS-*).

BaseSession is a dict with an id, timestamps and a timeout; subclasses
store it: MemorySession (in this process), DbmSession (one dbm file),
FileSession (one file per session) and RedisSession (a Redis server shared
by many hosts; an extension).  Session() picks one by option or MPM.

Deviations from mod_python 3.5, following the specification's advice:
  * session ids come from the secrets module (SESS-sid-gen);
  * the session cookie is HttpOnly unless
    mod_python.session.cookie_httponly is Off, and Secure on HTTPS
    requests (mod_python.session.cookie_secure On/Off forces it either
    way); mod_python.session.cookie_samesite adds a SameSite attribute.
    These three option names are extensions (SESS-make_cookie [sec]);
  * FileSession writes through a temporary file and a rename, so a reader
    or a crash never sees a half-written session; an unknown session file
    is not logged as an error; cleanup reads files in binary mode
    (SESS-File-cleanup-py3);
  * DbmSession cleanup walks keys() and therefore works with every dbm
    flavour (SESS-Dbm-cleanup);
  * true_or_false also accepts "on" and "off".

A request may hold several locked sessions: the global mutexes count
the locks of their holding thread (3.5 waited forever when two session
ids of one request hashed to the same mutex).
"""
import hashlib
import os
import pickle
import random
import re
import secrets
import tempfile
import threading
import time
import traceback

import _apache
from mod_python import apache, Cookie

COOKIE_NAME = "pysid"
DFT_TIMEOUT = 30 * 60
DFT_LOCK = True
CLEANUP_CHANCE = 1000

tempdir = tempfile.gettempdir()

_SID_RE = re.compile(r"[0-9a-f]{32}\Z")


def true_or_false(item):
    """Boolean option values (SESS-true_or_false).  "on" and "off" are
    accepted too (an extension: they are Apache's own spelling)."""
    if isinstance(item, str):
        item = item.lower()
    if item is True or item is False:
        return item
    if item in ("yes", "true", "on", "1", 1):
        return True
    if item in ("no", "false", "off", "0", 0, None):
        return False
    raise Exception("Value '%s' is not a boolean" % (item,))


def md5_hash(s):
    if isinstance(s, str):
        s = s.encode("latin-1")
    return hashlib.md5(s).hexdigest()


def _new_sid(req=None):
    """32 lowercase hex characters from a CSPRNG (SESS-sid-gen)."""
    return secrets.token_hex(16)


def _check_sid(sid):
    """True for a well-formed id (SESS-sid-validate)."""
    return isinstance(sid, str) and _SID_RE.match(sid) is not None


def _option(options, names, default=None):
    """The value of the first of `names` that is set."""
    for name in names:
        if name in options:
            return options[name]
    return default


def _cookie_path(req, options):
    """SESS-path-option, SESS-path-derived."""
    path = _option(options, ("mod_python.session.application_path",
                             "ApplicationPath"))
    if path is not None:
        return path
    try:
        directory = req.hlist.directory
    except AttributeError:
        directory = None
    if not directory:
        return "/"
    path = directory[len(req.document_root()):]
    if not path or not req.uri.startswith(path):
        return "/"
    return path


def unlock_session_cleanup(sess):
    sess.unlock()


class BaseSession(dict):
    """A session: a dict plus id, timestamps and storage hooks (SESS-*)."""

    def __init__(self, req, sid=None, secret=None, lock=1, timeout=0):
        self._req, self._sid, self._secret = req, sid, secret
        self._lock = lock
        self._new = 1
        self._created = 0
        self._accessed = 0
        self._timeout = 0
        self._locked = 0
        self._invalid = 0
        dict.__init__(self)

        options = req.get_options()
        self._cookie_name = _option(options, (
            "mod_python.session.cookie_name", "session_cookie_name"),
            COOKIE_NAME)

        from_caller = bool(sid)
        if not self._sid:
            if secret:
                cookie = Cookie.get_cookie(
                    req, self._cookie_name, Class=Cookie.SignedCookie,
                    secret=secret, mismatch=Cookie.Cookie.IGNORE)
            else:
                cookie = Cookie.get_cookie(req, self._cookie_name)
            if cookie:
                self._sid = cookie.value

        if self._sid and not _check_sid(self._sid):
            if from_caller:
                raise ValueError("Invalid Session ID: sid=%r" % (self._sid,))
            self._sid = None

        self.init_lock()

        if self._sid:
            self.lock()
            if self.load():
                self._new = 0

        if self._new:
            if self._sid:
                self.unlock()
            self._sid = _new_sid(req)
            self.lock()
            Cookie.add_cookie(req, self.make_cookie())
            self._created = time.time()
            self._timeout = timeout or DFT_TIMEOUT

        self._accessed = time.time()

        if random.randint(1, CLEANUP_CHANCE) == 1:
            self.cleanup()

    def make_cookie(self):
        """The session cookie (SESS-make_cookie)."""
        options = self._req.get_options()
        if self._secret:
            c = Cookie.SignedCookie(self._cookie_name, self._sid,
                                    secret=self._secret)
        else:
            c = Cookie.Cookie(self._cookie_name, self._sid)
        domain = _option(options, ("mod_python.session.application_domain",))
        if domain:
            c.domain = domain
        c.path = _cookie_path(self._req, options)
        if true_or_false(_option(options, (
                "mod_python.session.cookie_httponly",), True)):
            c.httponly = 1
        secure = _option(options, ("mod_python.session.cookie_secure",))
        if secure is None:
            try:
                secure = self._req.is_https()
            except Exception:
                secure = False
        if true_or_false(secure):
            c.secure = 1
        samesite = _option(options, ("mod_python.session.cookie_samesite",))
        if samesite:
            c.samesite = samesite
        return c

    def invalidate(self):
        c = self.make_cookie()
        c.expires = 0
        Cookie.add_cookie(self._req, c)
        self.delete()
        self._invalid = 1

    def load(self):
        record = self.do_load()
        if record is None:
            return 0
        try:
            if time.time() - record["_accessed"] > record["_timeout"]:
                return 0
            self._created = record["_created"]
            self._accessed = record["_accessed"]
            self._timeout = record["_timeout"]
            self.update(record["_data"])
        except (KeyError, TypeError):
            return 0
        return 1

    def save(self):
        if not self._invalid:
            self.do_save({"_data": self.copy(),
                          "_created": self._created,
                          "_accessed": self._accessed,
                          "_timeout": self._timeout})

    def delete(self):
        self.do_delete()
        self.clear()

    def init_lock(self):
        pass

    def lock(self):
        """Hold the sid's global mutex until unlock() or the end of the
        request (SESS-lock).  A second call while held does not wait for
        itself: the mutex is not recursive."""
        if self._lock:
            if not self._locked:
                _apache._global_lock(self._req.server, self._sid)
                self._locked = 1
            self._req.register_cleanup(unlock_session_cleanup, self)

    def unlock(self):
        if self._lock and self._locked:
            self._locked = 0
            _apache._global_unlock(self._req.server, self._sid)

    def is_new(self):
        return not not self._new

    def id(self):
        return self._sid

    def created(self):
        return self._created

    def last_accessed(self):
        return self._accessed

    def timeout(self):
        return self._timeout

    def set_timeout(self, secs):
        self._timeout = secs

    def cleanup(self):
        self.do_cleanup()

    def do_load(self):
        return None

    def do_save(self, dict):
        pass

    def do_delete(self):
        pass

    def do_cleanup(self):
        pass

    def __del__(self):
        try:
            self.unlock()
        except Exception:
            pass


# ---------------------------------------------------------------------
# MemorySession (SESS-Mem)

def mem_cleanup(sdict):
    now = time.time()
    for sid in list(sdict.keys()):
        try:
            record = sdict[sid]
            if now - record["_accessed"] > record["_timeout"]:
                del sdict[sid]
        except (KeyError, TypeError):
            pass


class MemorySession(BaseSession):

    sdict = {}

    def __init__(self, req, sid=0, secret=None, timeout=0, lock=1):
        BaseSession.__init__(self, req, sid=sid, secret=secret,
                             timeout=timeout, lock=lock)

    def do_cleanup(self):
        self._req.register_cleanup(mem_cleanup, MemorySession.sdict)
        self._req.log_error("MemorySession: registered session cleanup.",
                            apache.APLOG_NOTICE)

    def do_load(self):
        return MemorySession.sdict.get(self._sid)

    def do_save(self, dict):
        MemorySession.sdict[self._sid] = dict

    def do_delete(self):
        MemorySession.sdict.pop(self._sid, None)


# ---------------------------------------------------------------------
# DbmSession (SESS-Dbm-*)

def _dbm_module(name):
    import importlib
    return importlib.import_module(name)


def dbm_cleanup(data):
    """Delete expired records, under mutex 0 (SESS-Dbm-cleanup)."""
    dbmtype, filename, server = data
    _apache._global_lock(server, None, 0)
    try:
        db = dbmtype.open(filename, "c", 0o640)
        try:
            now = time.time()
            for key in list(db.keys()):
                try:
                    record = pickle.loads(db[key])
                    if now - record["_accessed"] > record["_timeout"]:
                        del db[key]
                except Exception:
                    try:
                        del db[key]
                    except KeyError:
                        pass
        finally:
            db.close()
    finally:
        _apache._global_unlock(server, None, 0)


class DbmSession(BaseSession):

    def __init__(self, req, dbm=None, sid=0, secret=None, dbmtype=None,
                 timeout=0, lock=1):
        if dbmtype is None:
            import dbm as dbmtype
        if not dbm:
            opts = req.get_options()
            dbm = _option(opts, ("mod_python.dbm_session.database_filename",
                                 "session_dbm"))
            if not dbm:
                directory = _option(opts, (
                    "mod_python.dbm_session.database_directory",
                    "mod_python.session.database_directory",
                    "session_directory"), tempdir)
                dbm = os.path.join(directory, "mp_sess.dbm")
        self._dbmfile = dbm
        self._dbmtype = dbmtype
        BaseSession.__init__(self, req, sid=sid, secret=secret,
                             timeout=timeout, lock=lock)

    def _set_dbm_type(self):
        import dbm
        if self._dbmtype is dbm:
            kind = dbm.whichdb(self._dbmfile)
            if kind:
                self._dbmtype = _dbm_module(kind)

    def _get_dbm(self):
        result = self._dbmtype.open(self._dbmfile, "c", 0o640)
        self._set_dbm_type()
        return result

    def _dbm_op(self, op):
        """Run op(db) with the file open, under mutex 0 (SESS-Dbm-open)."""
        _apache._global_lock(self._req.server, None, 0)
        try:
            db = self._get_dbm()
            try:
                return op(db)
            finally:
                db.close()
        finally:
            _apache._global_unlock(self._req.server, None, 0)

    def do_cleanup(self):
        self._req.register_cleanup(
            dbm_cleanup, (self._dbmtype, self._dbmfile, self._req.server))
        self._req.log_error("DbmSession: registered database cleanup.",
                            apache.APLOG_NOTICE)

    def do_load(self):
        key = self._sid.encode("utf-8")

        def op(db):
            try:
                return pickle.loads(db[key])
            except KeyError:
                return None
        return self._dbm_op(op)

    def do_save(self, dict):
        key = self._sid.encode("utf-8")
        data = pickle.dumps(dict)

        def op(db):
            db[key] = data
        self._dbm_op(op)

    def do_delete(self):
        key = self._sid.encode("utf-8")

        def op(db):
            try:
                del db[key]
            except KeyError:
                pass
        self._dbm_op(op)


# ---------------------------------------------------------------------
# FileSession (SESS-File-*)

DFT_FAST_CLEANUP = True
DFT_VERIFY_CLEANUP = True
DFT_GRACE_PERIOD = 240
DFT_CLEANUP_TIME_LIMIT = 2
FS_STAT_VERSION = "MPFS_3.2"


class FileSession(BaseSession):

    def __init__(self, req, sid=0, secret=None, timeout=0, lock=1,
                 fast_cleanup=-1, verify_cleanup=-1):
        opts = req.get_options()
        if fast_cleanup == -1:
            self._fast_cleanup = true_or_false(_option(opts, (
                "mod_python.file_session.enable_fast_cleanup",
                "session_fast_cleanup"), DFT_FAST_CLEANUP))
        else:
            self._fast_cleanup = fast_cleanup
        if verify_cleanup == -1:
            self._verify_cleanup = true_or_false(_option(opts, (
                "mod_python.file_session.verify_session_timeout",
                "session_verify_cleanup"), DFT_VERIFY_CLEANUP))
        else:
            self._verify_cleanup = verify_cleanup
        self._grace_period = int(_option(opts, (
            "mod_python.file_session.cleanup_grace_period",
            "session_grace_period"), DFT_GRACE_PERIOD))
        self._cleanup_time_limit = int(_option(opts, (
            "mod_python.file_session.cleanup_time_limit",
            "session_cleanup_time_limit"), DFT_CLEANUP_TIME_LIMIT))
        directory = _option(opts, (
            "mod_python.file_session.database_directory",
            "mod_python.session.database_directory",
            "session_directory"), tempdir)
        self._sessdir = os.path.join(directory, "mp_sess")
        self._cleanup_timeout = timeout or DFT_TIMEOUT
        BaseSession.__init__(self, req, sid=sid, secret=secret,
                             timeout=timeout, lock=lock)

    def _path(self):
        return os.path.join(self._sessdir, self._sid[:2], self._sid)

    def lock_file(self):
        """SESS-File-lockfile: the sid's mutex around each file operation
        unless the session lock is already held."""
        if not self._locked:
            _apache._global_lock(self._req.server, self._sid)
            self._locked = 1

    def unlock_file(self):
        if self._locked and not self._lock:
            _apache._global_unlock(self._req.server, self._sid)
            self._locked = 0

    def do_load(self):
        self.lock_file()
        try:
            path = self._path()
            try:
                with open(path, "rb") as f:
                    record = pickle.load(f)
            except FileNotFoundError:
                return None
            except Exception:
                self._req.log_error("FileSession: cannot load session %s: "
                                    "%s" % (self._sid,
                                            traceback.format_exc()),
                                    apache.APLOG_ERR)
                return None
            try:
                if time.time() - record["_accessed"] <= record["_timeout"]:
                    os.utime(path, None)
            except Exception:
                pass
            return record
        finally:
            self.unlock_file()

    def do_save(self, dict):
        self.lock_file()
        try:
            path = self._path()
            subdir = os.path.dirname(path)
            if not os.path.isdir(subdir):
                self._make_subdirs()
            # A temporary file and a rename: readers see the old or the
            # new record, never half of one.
            tmp = "%s.tmp%s" % (path, secrets.token_hex(6))
            try:
                # Like the dbm file (MODPYTHON-173): no access for others.
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                             0o640)
                with os.fdopen(fd, "wb") as f:
                    pickle.dump(dict, f, 2)
                os.replace(tmp, path)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
        finally:
            self.unlock_file()

    def _make_subdirs(self):
        for i in range(256):
            d = os.path.join(self._sessdir, "%02x" % i)
            os.makedirs(d, mode=0o750, exist_ok=True)

    def do_delete(self):
        self.lock_file()
        try:
            try:
                os.unlink(self._path())
            except OSError:
                pass
        finally:
            self.unlock_file()

    def do_cleanup(self):
        data = {"req": self._req,
                "sess_dir": self._sessdir,
                "fast_cleanup": self._fast_cleanup,
                "verify_cleanup": self._verify_cleanup,
                "timeout": self._cleanup_timeout,
                "grace_period": self._grace_period,
                "cleanup_time_limit": self._cleanup_time_limit}
        self._req.register_cleanup(filesession_cleanup, data)
        self._req.log_error("FileSession: registered filesession cleanup.",
                            apache.APLOG_NOTICE)


def filesession_cleanup(data):
    """Walk the session subdirectories, deleting expired files, in slices
    bounded by the time limit (SESS-File-cleanup)."""
    req = data["req"]
    sess_dir = data["sess_dir"]
    fast, verify = data["fast_cleanup"], data["verify_cleanup"]
    timeout, grace = data["timeout"], data["grace_period"]
    limit = data["cleanup_time_limit"]

    def log(msg):
        req.log_error("FileSession cleanup: " + msg, apache.APLOG_NOTICE)

    lockfile = os.path.join(sess_dir, ".mp_sess.lck")
    try:
        fd = os.open(lockfile, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o660)
        os.close(fd)
    except FileExistsError:
        try:
            if time.time() - os.stat(lockfile).st_mtime > 3600:
                os.unlink(lockfile)
                log("deleted a stale lock file; cleanup skipped this time")
            else:
                log("another process is already running")
        except OSError:
            pass
        return
    except OSError as e:
        log("cannot create the lock file: %s" % e)
        return

    try:
        status_file = os.path.join(sess_dir, "fs_status.txt")
        next_i, expired, total, seconds = 0, 0, 0, 0.0
        try:
            with open(status_file) as f:
                parts = f.read().split()
            if len(parts) == 5 and parts[0] == FS_STAT_VERSION:
                next_i = int(parts[1]) % 256
                expired, total = int(parts[2]), int(parts[3])
                seconds = float(parts[4])
        except (OSError, ValueError):
            pass

        start = time.time()
        i = next_i
        while i < 256:
            subdir = os.path.join(sess_dir, "%02x" % i)
            i += 1
            next_i = i % 256
            try:
                names = os.listdir(subdir)
            except OSError:
                continue
            for name in names:
                path = os.path.join(subdir, name)
                try:
                    now = time.time()
                    total += 1
                    age = now - os.stat(path).st_mtime
                    if ".tmp" in name:
                        # Left by a save that died before its rename.
                        if age > timeout + grace:
                            os.unlink(path)
                        continue
                    if fast and age < timeout + grace:
                        continue
                    if fast and not verify:
                        os.unlink(path)
                        expired += 1
                        continue
                    with open(path, "rb") as f:
                        record = pickle.load(f)
                    if now - record["_accessed"] > record["_timeout"] + grace:
                        os.unlink(path)
                        expired += 1
                except Exception as e:
                    log("error on %s: %s" % (path, e))
            if limit > 0 and time.time() - start > limit:
                break
        seconds += time.time() - start
        if next_i == 0:
            log("deleted %d of %d in %.3f seconds"
                % (expired, total, seconds))
            expired, total, seconds = 0, 0, 0.0
        else:
            log("time limit reached; the next run resumes at %02x" % next_i)
        tmp = status_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%s %d %d %d %f\n" % (FS_STAT_VERSION, next_i, expired,
                                          total, seconds))
        os.replace(tmp, status_file)
    finally:
        try:
            os.unlink(lockfile)
        except OSError:
            pass


# ---------------------------------------------------------------------
# RedisSession: one store shared by many hosts

DFT_REDIS_HOST = "127.0.0.1"
DFT_REDIS_PORT = 6379
DFT_REDIS_DB = 0
DFT_REDIS_PREFIX = "mp_sess:"
DFT_REDIS_LOCK_TIMEOUT = 30.0

# Delete the lock only while it still carries our token: after a takeover
# (our lock timed out and another host took it) a blind DEL would free
# the new holder's lock.
_REDIS_UNLOCK_LUA = """
if redis.call("GET", KEYS[1]) == ARGV[1] then
    return redis.call("DEL", KEYS[1])
end
return 0
"""

# Clients (each with its connection pool) by connection settings, one set
# per process: redis-py clients are thread-safe and the pools notice a
# fork, so threads and MPM children can share these.
_redis_clients = {}
_redis_clients_lock = threading.Lock()

# Redis locks this process holds: (client id, lock key) -> [thread ident,
# token, count].  Like the global mutexes, a lock counts its holder's
# locks, so a second session object on the same sid in the same request
# thread does not wait (for the lock timeout) on itself.
_redis_held = {}


def _redis_client(url, host, port, db):
    key = (url, host, port, db)
    with _redis_clients_lock:
        client = _redis_clients.get(key)
        if client is None:
            # Imported here: redis-py is needed only when this store is
            # chosen.
            try:
                import redis
            except ImportError as e:
                raise ImportError("RedisSession needs the redis-py client "
                                  "(Debian: python3-redis)") from e
            if url:
                client = redis.Redis.from_url(url)
            else:
                client = redis.Redis(host=host, port=port, db=db)
            _redis_clients[key] = client
        return client


class RedisSession(BaseSession):
    """RedisSession: sessions kept in a Redis server, so every Apache host
    (and every process of each) pointing at it sees the same sessions.

    RedisSession(req, sid=0, secret=None, timeout=0, lock=1, client=None):
    `client` is a ready redis-py client; without one, the options (an
    extension in the SESS-opt-* style) say where the server is:

      mod_python.session.redis_url      redis://... (wins over the next 3)
      mod_python.session.redis_host     default 127.0.0.1
      mod_python.session.redis_port     default 6379
      mod_python.session.redis_db       default 0
      mod_python.session.redis_prefix   key prefix, default "mp_sess:"
      mod_python.session.redis_lock_timeout
                                        seconds a lock lives, default 30

    A record (SESS-storage-format) is pickled (SESS-Dbm-record's
    warning applies: whoever can write to the Redis server can run code in
    Apache) under <prefix><sid> with a Redis TTL equal to the session
    timeout, so Redis itself removes expired sessions and do_cleanup has
    nothing to do (SESS-cleanup).

    The session lock (SESS-lock, SESS-unlock) is a Redis key
    <prefix><sid>:lock set with SET NX PX to a token of this session:
    it holds across hosts.  A waiter polls with short sleeps.  The lock
    expires after the lock timeout, so a holder that died (or hangs)
    delays others by at most that much; a request that runs longer than
    the timeout loses its lock, and its unlock then leaves the new
    holder's lock alone (compare-and-delete).  Keep the timeout above
    the longest request that uses a session.
    """

    def __init__(self, req, sid=0, secret=None, timeout=0, lock=1,
                 client=None):
        opts = req.get_options()

        def opt(name, default=None):
            return _option(opts, ("mod_python.session." + name,), default)

        if client is None:
            client = _redis_client(
                opt("redis_url"), opt("redis_host", DFT_REDIS_HOST),
                int(opt("redis_port", DFT_REDIS_PORT)),
                int(opt("redis_db", DFT_REDIS_DB)))
        self._redis = client
        self._prefix = opt("redis_prefix", DFT_REDIS_PREFIX)
        self._lock_ms = max(1, int(1000 * float(
            opt("redis_lock_timeout", DFT_REDIS_LOCK_TIMEOUT))))
        self._lock_key = None
        self._lock_token = None
        BaseSession.__init__(self, req, sid=sid, secret=secret,
                             timeout=timeout, lock=lock)

    def _key(self):
        return self._prefix + self._sid

    def lock(self):
        """Take the sid's Redis lock (see the class) until unlock() or
        the end of the request (SESS-lock)."""
        if self._lock:
            if not self._locked:
                key = self._key() + ":lock"
                held = (id(self._redis), key)
                me = threading.get_ident()
                with _redis_clients_lock:
                    mine = _redis_held.get(held)
                    if mine is not None and mine[0] == me:
                        mine[2] += 1
                        token = mine[1]
                if mine is None or mine[0] != me:
                    token = secrets.token_hex(16)
                    pause = 0.002
                    while not self._redis.set(key, token, nx=True,
                                              px=self._lock_ms):
                        time.sleep(pause)
                        pause = min(pause * 2, 0.05)
                    with _redis_clients_lock:
                        _redis_held[held] = [me, token, 1]
                self._lock_key, self._lock_token = key, token
                self._locked = 1
            self._req.register_cleanup(unlock_session_cleanup, self)

    def unlock(self):
        """Release the Redis lock if it is still ours (SESS-unlock)."""
        if self._lock and self._locked:
            self._locked = 0
            held = (id(self._redis), self._lock_key)
            with _redis_clients_lock:
                mine = _redis_held.get(held)
                if mine is not None and mine[1] == self._lock_token:
                    mine[2] -= 1
                    if mine[2] > 0:
                        return
                    del _redis_held[held]
            self._redis.eval(_REDIS_UNLOCK_LUA, 1, self._lock_key,
                             self._lock_token)

    def do_load(self):
        data = self._redis.get(self._key())
        if data is None:
            return None
        try:
            return pickle.loads(data)
        except Exception:
            self._req.log_error("RedisSession: cannot load session %s: %s"
                                % (self._sid, traceback.format_exc()),
                                apache.APLOG_ERR)
            return None

    def do_save(self, dict):
        ttl = max(1, int(1000 * dict["_timeout"]))
        self._redis.set(self._key(), pickle.dumps(dict), px=ttl)

    def do_delete(self):
        self._redis.delete(self._key())

    def do_cleanup(self):
        pass            # Redis expires the records itself


# ---------------------------------------------------------------------
# The factory (SESS-Session, SESS-Session-choose)

def Session(req, sid=0, secret=None, timeout=0, lock=1):
    opts = req.get_options()
    sess_type = _option(opts, ("mod_python.session.session_type",
                               "session"))
    if sess_type is None:
        threaded = apache.mpm_query(apache.AP_MPMQ_IS_THREADED)
        forked = apache.mpm_query(apache.AP_MPMQ_IS_FORKED)
        daemons = apache.mpm_query(apache.AP_MPMQ_MAX_DAEMONS)
        if threaded and ((not forked) or daemons == 1):
            cls = MemorySession
        else:
            cls = DbmSession
    elif sess_type == "FileSession":
        cls = FileSession
    elif sess_type == "DbmSession":
        cls = DbmSession
    elif sess_type == "MemorySession":
        cls = MemorySession
    elif sess_type == "RedisSession":
        cls = RedisSession          # an extension of SESS-Session-choose
    else:
        raise Exception("Unknown session type %s" % sess_type)
    return cls(req, sid=sid, secret=secret, timeout=timeout, lock=lock)
