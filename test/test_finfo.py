"""File information: mp_finfo, apache.stat and req.finfo.
Suite: htdocs/finfo/."""
import ast
import os
import stat as pystat

import pytest
import requests

APR_NOFILE, APR_REG, APR_DIR, APR_LNK = 0, 1, 2, 6
APR_FINFO_LINK = 0x1
APR_FINFO_MIN = 0x8170
APR_FINFO_NORM = 0x73b170
APR_FINFO_NAME = 0x2000000
MEMBERS = ["fname", "filetype", "valid", "protection", "user", "group",
           "inode", "device", "nlink", "size", "atime", "mtime", "ctime",
           "name"]
FILETYPES = {pystat.S_IFREG: APR_REG, pystat.S_IFDIR: APR_DIR,
             pystat.S_IFLNK: APR_LNK}


@pytest.fixture(scope="module")
def data(apache):
    """Files the server user can stat: a file, a directory, a symlink to
    the file and a symlink loop."""
    d = apache.root / "finfo-data"
    d.mkdir()
    d.chmod(0o755)
    f = d / "file.txt"
    f.write_bytes(b"twelve bytes")
    f.chmod(0o604)
    (d / "dir").mkdir()
    os.symlink(f, d / "link")
    os.symlink(d / "file.txt-loop", d / "file.txt-loop")
    return d


def apr_protection(mode):
    """APR's permission bits: the POSIX rwx nibbles, kept as hex digits."""
    bits = mode & 0o777
    return (bits >> 6) << 8 | ((bits >> 3) & 7) << 4 | (bits & 7)


def expected(st, fname):
    return {
        "fname": str(fname),
        "filetype": FILETYPES[pystat.S_IFMT(st.st_mode)],
        "protection": apr_protection(st.st_mode),
        "user": st.st_uid, "group": st.st_gid,
        "inode": st.st_ino, "device": st.st_dev, "nlink": st.st_nlink,
        "size": st.st_size, "atime": int(st.st_atime),
        "mtime": int(st.st_mtime), "ctime": int(st.st_ctime),
    }


def stat_of(apache, path, wanted=APR_FINFO_MIN):
    r = apache.get("/finfo/stat", params={"path": str(path),
                                          "wanted": hex(wanted)})
    assert r.status_code == 200, r.text
    return r.json()


def test_finfo_stat_file(apache, data):
    """apache.stat of a regular file: every member matches os.stat
    (APA-stat, APC-stat, FINFO-fname, FINFO-filetype, FINFO-protection,
    FINFO-user, FINFO-group, FINFO-inode, FINFO-device, FINFO-nlink,
    FINFO-size, FINFO-atime, FINFO-mtime, FINFO-ctime, APA-APR_FILETYPE,
    OBJ-types)."""
    path = data / "file.txt"
    st = os.stat(path)
    got = stat_of(apache, path)
    assert got["type"] == "mp_finfo"
    for key, value in expected(st, path).items():
        assert got[key] == value, key
    assert got["protection"] == 0x604
    assert got["size"] == 12
    # FINFO-valid: at least what was asked for; no name unless asked.
    assert got["valid"] & APR_FINFO_MIN == APR_FINFO_MIN
    assert got["name"] is None


def test_finfo_stat_partial_result_accepted(apache, data):
    """Asking for APR_FINFO_NAME, which APR on Unix does not fill in, is
    no error (APR_INCOMPLETE is accepted); `name` follows its valid bit
    (APA-stat, FINFO-name, FINFO-valid, APA-APR_FINFO)."""
    got = stat_of(apache, data / "file.txt", APR_FINFO_MIN | APR_FINFO_NAME)
    assert got["filetype"] == APR_REG and got["size"] == 12
    if got["valid"] & APR_FINFO_NAME:
        assert got["name"] == "file.txt"
    else:
        assert got["name"] is None


def test_finfo_stat_directory(apache, data):
    """A directory is APR_DIR (FINFO-filetype, APA-stat)."""
    path = data / "dir"
    got = stat_of(apache, path)
    assert got["filetype"] == APR_DIR
    assert got["inode"] == os.stat(path).st_ino
    assert got["protection"] == apr_protection(os.stat(path).st_mode)


def test_finfo_stat_symlink(apache, data):
    """Without APR_FINFO_LINK a symlink is followed; with it the link
    itself is described (APA-stat, APA-APR_FINFO)."""
    path = data / "link"
    followed = stat_of(apache, path)
    assert followed["filetype"] == APR_REG
    assert followed["inode"] == os.stat(path).st_ino
    assert followed["size"] == 12
    link = stat_of(apache, path, APR_FINFO_MIN | APR_FINFO_LINK)
    assert link["filetype"] == APR_LNK
    assert link["inode"] == os.lstat(path).st_ino
    assert link["size"] == os.lstat(path).st_size
    assert link["fname"] == str(path)


def test_finfo_stat_missing_file(apache, data):
    """A missing file is no error: filetype APR_NOFILE, every other member
    but fname None (APA-stat, FINFO-none)."""
    path = data / "no-such-file"
    got = stat_of(apache, path)
    assert got["filetype"] == APR_NOFILE
    assert got["fname"] == str(path)
    for key in MEMBERS:
        if key not in ("fname", "filetype"):
            assert got[key] is None, key


def test_finfo_repr_lists_members(apache, data):
    """repr() is a dict-like listing of all members (FINFO-repr)."""
    got = stat_of(apache, data / "file.txt")
    listed = ast.literal_eval(got["repr"])
    assert list(listed) == MEMBERS
    assert listed == {key: got[key] for key in MEMBERS}
    missing = ast.literal_eval(stat_of(apache, data / "nope")["repr"])
    assert missing["filetype"] == APR_NOFILE and missing["size"] is None


def test_finfo_sequence_access(apache, data):
    """f[0..12] in FINFO_* order, 12 being filetype; no len(); other
    indices raise IndexError (FINFO-seq, APA-FINFO)."""
    r = apache.get("/finfo/seq", params={"path": str(data / "file.txt")})
    got = r.json()
    m = got["members"]
    assert got["items"] == [m["protection"], m["inode"], m["device"],
                            m["nlink"], m["user"], m["group"], m["size"],
                            m["atime"], m["mtime"], m["ctime"], m["fname"],
                            m["name"], m["filetype"]]
    assert got["by_name"] == got["items"]
    assert got["items"][12] == APR_REG
    assert got["index13"][0] == "IndexError"
    assert got["negative"][0] == "IndexError"
    assert got["len"][0] == "TypeError"


def test_finfo_errors(apache, data):
    """Unknown attribute: AttributeError with the historical text; members
    are read-only; no construction; assigning anything but an mp_finfo to
    req.finfo is a TypeError; other stat failures raise OSError((status,
    "apr_stat() failed")) (FINFO-none, OBJ-types, REQ-attr-finfo,
    APA-stat)."""
    r = apache.get("/finfo/errors", params={"path": str(data / "file.txt")})
    got = r.json()
    assert got["unknown"][:2] == [
        "AttributeError", "class 'mp_finfo' has no attribute "
        "'no_such_member'"]
    assert got["set"][0] == "AttributeError"
    assert got["new"][0] == "TypeError"
    for key in ("assign_int", "assign_os_stat", "assign_none"):
        assert got[key][:2] == ["TypeError", "finfo must be a finfoobject"]
    # ELOOP from the self-referencing symlink.
    assert got["loop"][0] == "OSError"
    assert got["loop"][2] == [40, "apr_stat() failed"]
    assert got["bad_wanted"][0] == "TypeError"
    assert got["bad_name"][0] == "TypeError"
    assert got["same"] is True


def test_finfo_served_file_matches_os_stat(apache):
    """req.finfo of a served file is httpd's stat of it (REQ-attr-finfo,
    FINFO-seq)."""
    path = apache.htdocs / "finfo" / "files" / "sample.txt"
    r = apache.get("/finfo-files/sample.txt")
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["filename"] == str(path)
    finfo = got["finfo"]
    for key, value in expected(os.stat(path), path).items():
        assert finfo[key] == value, key
    assert got["seq"][6] == path.stat().st_size
    assert got["seq"][12] == APR_REG


def test_finfo_view_of_no_file(apache):
    """A URL that maps to no file: req.finfo says APR_NOFILE and the
    members are None (REQ-attr-finfo, FINFO-none)."""
    got = apache.get("/finfo/view/nothing/here").json()
    finfo = got["finfo"]
    assert finfo["filetype"] == APR_NOFILE
    for key in MEMBERS:
        if key not in ("fname", "filetype"):
            assert finfo[key] is None, key


def test_finfo_assign_copies_into_request(apache, data):
    """req.finfo = apache.stat(...) copies the data into the request; a
    view taken before shows it, being live (REQ-attr-finfo,
    FINFO-assign)."""
    path = data / "file.txt"
    got = apache.get("/finfo/assign", params={"path": str(path)}).json()
    assert got["before"] == APR_NOFILE
    after = got["after"]
    for key, value in expected(os.stat(path), path).items():
        assert after[key] == value, key
    assert got["self"] is None          # req.finfo = req.finfo is harmless


def test_finfo_fixup_swaps_file_for_default_handler(apache):
    """A fixup changes req.filename and assigns apache.stat() of it to
    req.finfo: httpd's own handler then sends the new file whole.  Left
    stale, it would send only as many bytes as the old file had; a
    missing target gives 404 (FINFO-assign, REQ-attr-finfo)."""
    swap = apache.htdocs / "finfo" / "swap"
    big = (swap / "big.txt").read_bytes()
    small = (swap / "small.txt").read_bytes()
    r = apache.get("/finfo-swap/small.txt")
    assert r.status_code == 200
    assert r.content == big
    assert int(r.headers["Content-Length"]) == len(big)
    stale = apache.get("/finfo-swap/small.txt?stale")
    assert stale.content == big[:len(small)]
    assert apache.get("/finfo-swap/small.txt?missing").status_code == 404


def test_finfo_view_outlives_request(apache):
    """A req.finfo view kept after its request raises RuntimeError
    instead of reading freed memory (REQ-attr-finfo, OBJ-types)."""
    # One keep-alive connection: the process that kept the view is asked.
    with requests.Session() as session:
        kept = session.get(apache.url + "/finfo/keep").json()["pid"]
        got = session.get(apache.url + "/finfo/stale").json()
    assert got["pid"] == kept
    assert got["error"][0] == "RuntimeError"


def test_finfo_constants(apache):
    """The file type constants come from _apache and are re-exported by
    apache; the APR_FINFO_* and FINFO_* values are APR's and the legacy
    indices (APC-APR_FILETYPE, APA-APR_FILETYPE, APA-APR_FINFO,
    APA-FINFO)."""
    got = apache.get("/finfo/constants").json()
    assert got["filetypes"] == {
        "APR_NOFILE": [0, 0], "APR_REG": [1, 1], "APR_DIR": [2, 2],
        "APR_CHR": [3, 3], "APR_BLK": [4, 4], "APR_PIPE": [5, 5],
        "APR_LNK": [6, 6], "APR_SOCK": [7, 7], "APR_UNKFILE": [127, 127]}
    assert got["apache"] == {
        "APR_FINFO_LINK": 0x1, "APR_FINFO_MTIME": 0x10,
        "APR_FINFO_CTIME": 0x20, "APR_FINFO_ATIME": 0x40,
        "APR_FINFO_SIZE": 0x100, "APR_FINFO_CSIZE": 0x200,
        "APR_FINFO_DEV": 0x1000, "APR_FINFO_INODE": 0x2000,
        "APR_FINFO_NLINK": 0x4000, "APR_FINFO_TYPE": 0x8000,
        "APR_FINFO_USER": 0x10000, "APR_FINFO_GROUP": 0x20000,
        "APR_FINFO_UPROT": 0x100000, "APR_FINFO_GPROT": 0x200000,
        "APR_FINFO_WPROT": 0x400000, "APR_FINFO_ICASE": 0x1000000,
        "APR_FINFO_NAME": 0x2000000, "APR_FINFO_MIN": 0x8170,
        "APR_FINFO_IDENT": 0x3000, "APR_FINFO_OWNER": 0x30000,
        "APR_FINFO_PROT": 0x700000, "APR_FINFO_NORM": 0x73b170,
        "APR_FINFO_DIRENT": 0x2000000,
        "FINFO_MODE": 0, "FINFO_INO": 1, "FINFO_DEV": 2, "FINFO_NLINK": 3,
        "FINFO_UID": 4, "FINFO_GID": 5, "FINFO_SIZE": 6, "FINFO_ATIME": 7,
        "FINFO_MTIME": 8, "FINFO_CTIME": 9, "FINFO_FNAME": 10,
        "FINFO_NAME": 11, "FINFO_FILETYPE": 12}
