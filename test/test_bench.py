"""make bench, short: test/bench/bench.py runs under the harness's MPM
with few requests, checks every case's body before timing it, and prints
its table (shown by `pytest -s` or `-rA`, and in the message of any
failure).  The asserts are only what holds on a noisy shared machine:
the seeds' ordering (SEED-perf-3x, SEED-ratio-handler, SEED-method-tool)
with a wide margin, and no failed request in a mod_python case; never an
absolute speed.
"""
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from conftest import MPM, ROOT, TROUBLE

BENCH = ROOT / "test" / "bench" / "bench.py"
SVG = "{http://www.w3.org/2000/svg}"

# Short: ab stops after 300 requests or 3 s (standard CGI manages a few
# dozen a second here), wrk runs 2 s on 8 connections (so prefork starts
# 16 processes per case, not 40).
SHORT = ["--requests", "300", "--ab-time", "3", "--duration", "2",
         "--connections", "8"]


def run_bench(tmp_path, cases):
    """Run bench.py on `cases`; returns (its JSON results for MPM, its
    stdout, the SVG's root element)."""
    out_json, out_svg = tmp_path / "bench.json", tmp_path / "bench.svg"
    command = [sys.executable, str(BENCH), "--mpm", MPM, *SHORT,
               "--json", str(out_json), "--svg", str(out_svg)]
    for case in cases:
        command += ["--case", case]
    proc = subprocess.run(command, capture_output=True, text=True,
                          timeout=300)
    print(proc.stdout)
    assert proc.returncode == 0, "bench.py failed:\n%s\n%s" % (
        proc.stdout, proc.stderr[-4000:])
    data = json.loads(out_json.read_text())
    return data, proc.stdout, ET.parse(out_svg).getroot()


def rows(data):
    """{(case, tool): result} of the one MPM run."""
    return {(r["case"], r["tool"]): r
            for r in data["mpms"][MPM]["results"]}


def check_common(data, stdout, svg, cases, mod_python):
    """Every case checked and measured by both tools, with a table row,
    a bar and a memory figure; no failed request in the mod_python cases;
    no Python error or crash in any server's log."""
    results = rows(data)
    assert data["checked"] == cases, stdout
    for case in cases:
        for tool in ("ab", "wrk"):
            r = results[case, tool]
            assert r["done"] > 0 and r["rate"] > 0, stdout
            # The server's processes were found and measured.
            assert r["procs"] >= 2 and r["rss_kb"] > 1024, stdout
            assert re.search(r"^\| %s \| %s \| [\d.]+ \|" % (
                re.escape(case), tool), stdout, re.M), stdout
            if case in mod_python:
                assert (r["failed"], r["non2xx"]) == (0, 0), \
                    "%s with %s failed requests:\n%s" % (case, tool, stdout)
    bars = svg.findall(".//%srect/%stitle" % (SVG, SVG))
    assert len(bars) == 2 * len(cases), stdout
    bad = [line for line in data["trouble"] if TROUBLE.search(line)]
    assert not bad, "error-log trouble:\n%s\n%s" % ("\n".join(bad), stdout)
    assert "How to read the table" in stdout


def test_bench_short_run(tmp_path):
    """The seed cases and the ceiling, short: the handler does at least 20
    times standard CGI's rate with ab (the seeds had 52x: SEED-perf-3x,
    SEED-ratio-handler), and the mod_python cases fail no request
    (SEED-method-variants)."""
    cases = ["static", "cgi", "handler", "publisher", "psp", "wsgi"]
    data, stdout, svg = run_bench(tmp_path, cases)
    check_common(data, stdout, svg, cases,
                 {"handler", "publisher", "psp", "wsgi"})
    results = rows(data)
    handler, cgi = results["handler", "ab"], results["cgi", "ab"]
    assert handler["rate"] >= 20 * cgi["rate"], \
        "handler %.1f/s is not 20x CGI %.1f/s:\n%s" % (
            handler["rate"], cgi["rate"], stdout)


def postgres_missing():
    sys.path.insert(0, str(BENCH.parent))
    import bench
    return not (bench.pg_bindir() and bench.has_psycopg2())


@pytest.mark.skipif(postgres_missing(),
                    reason="needs postgresql and python3-psycopg2 "
                           "(make bench installs them)")
def test_bench_pg_short_run(tmp_path):
    """One query per request against a PostgreSQL server the bench starts:
    the handler keeping its connection beats standard CGI connecting every
    time at least tenfold with ab (SEED-benefit-speed,
    SEED-benefit-persistence), and neither kept-connection case fails a
    request under wrk's 32 connections (a connection per thread)."""
    cases = ["pg-cgi", "pg-handler", "pg-publisher"]
    data, stdout, svg = run_bench(tmp_path, cases)
    check_common(data, stdout, svg, cases, {"pg-handler", "pg-publisher"})
    results = rows(data)
    handler, cgi = results["pg-handler", "ab"], results["pg-cgi", "ab"]
    assert handler["rate"] >= 10 * cgi["rate"], \
        "pg-handler %.1f/s is not 10x pg-cgi %.1f/s:\n%s" % (
            handler["rate"], cgi["rate"], stdout)
    assert "| vs pg-cgi |" in stdout
