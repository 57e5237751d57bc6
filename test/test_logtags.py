"""Every log tag in the C sources is unique and documented
(doc/logtags.rst)."""
import collections
import re

from conftest import ROOT


def test_logtags_unique_and_documented():
    """MP_LOGNO tags name one message each and are all listed."""
    uses = collections.defaultdict(list)
    for path in sorted((ROOT / "src").glob("*.c")):
        for line_no, line in enumerate(path.read_text().splitlines(), 1):
            for tag in re.findall(r"MP_LOGNO\((\d{4})\)", line):
                uses[tag].append("%s:%d" % (path.name, line_no))
    assert uses, "no tags found"
    documented = set(re.findall(r"^MP(\d{4})\s",
                                (ROOT / "doc" / "logtags.rst").read_text(),
                                re.M))
    missing = sorted(set(uses) - documented)
    assert not missing, "tags not in doc/logtags.rst: %s" % missing
    # One message per tag: a tag used in two places must be the same
    # message logged at two sites (e.g. request and server variants).
    for tag, sites in uses.items():
        files = {s.split(":")[0] for s in sites}
        assert len(files) == 1, "MP%s used in several files: %s" % (tag,
                                                                    sites)
