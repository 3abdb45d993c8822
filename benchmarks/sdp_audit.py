"""Speed and memory of the archive retention audit, and of ``POST /v1/sdp/validate``.

Run: ``.venv/bin/python benchmarks/sdp_audit.py [--rows 1000000] [--small 100000] [--skip-service]``.

1. Generates an EBYS archive export of ``--rows`` records (and one of ``--small``) in a temporary folder:
   real DETSİS numbers and SDP codes from the project's domain reference, dates 2000-2025 (so many records
   are past their retention: a first audit), about 2 % bad rows (malformed Sayı, non-leaf codes, bad dates,
   file-name-only codes).
2. Baseline: reading the export with the ``csv`` module alone (every row, nothing else).
3. The audit of the same export (``ebys_support.archive_audit.run`` with the ``starter-et-ve-sut``
   catalogue, CSV report). Baseline and audit run interleaved, 3 times each; the best CPU time (process
   time, which a busy shared machine disturbs less than wall time) and the best wall time of each are
   printed with their ratio (target: at most 3x).
4. Peak memory (max RSS) of a separate process auditing the small and the large export (target: under
   200 MB, and not growing with the row count).
5. Starts the HTTP service on 127.0.0.1 (waitress, a temporary instance and API key) and times 50 requests
   of ``POST /v1/sdp/validate`` with 1,000 codes; prints the median (target: under 50 ms).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CATALOGUE = "starter-et-ve-sut"
# Real DETSİS numbers (DOMAIN.md §3).
UNITS = ["66452182", "84037561", "40453693", "23444165", "91587970", "15481264", "93200476", "27566166"]
# Leaves with retention (S3), leaves without (S1), codes outside the catalogue (from real numbers).
GOOD_CODES = ["101", "102", "104", "105", "106", "103.99"] * 4 + [
    "010.06.01",
    "045.01",
    "050.01.04",
    "821.05",
    "255.01.02",
    "301.03",
    "807.01",
]
BAD_SAYI = ["E-6645218-821.05-1", "E-66452182-821-5-1", "Sayı: yok", "E-66452182-010-77", "E-66452182-107-9"]


def generate(path: Path, rows: int, seed: int = 20261124) -> None:
    rnd = random.Random(seed)
    start = dt.date(2000, 1, 1).toordinal()
    span = dt.date(2025, 12, 31).toordinal() - start
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["id", "sayi", "sdp_code", "date", "unit"])
        for i in range(rows):
            unit = rnd.choice(UNITS)
            code = rnd.choice(GOOD_CODES)
            day = dt.date.fromordinal(start + rnd.randrange(span))
            date = day.isoformat() if rnd.random() < 0.7 else day.strftime("%d.%m.%Y")
            roll = rnd.random()
            if roll < 0.01:
                sayi, sdp = rnd.choice(BAD_SAYI), ""
            elif roll < 0.015:
                sayi, sdp, date = f"E-{unit}-{code}-{rnd.randrange(1, 10**8)}", "", "31.02.2020"
            elif roll < 0.02:
                sayi, sdp = "", "010"
            elif roll < 0.20:
                sayi, sdp = "", code
            elif roll < 0.30:
                sayi, sdp = f"{unit}-{code}-E.{rnd.randrange(1, 10**6)}", ""
            else:
                sayi, sdp = f"E-{unit}-{code}-{rnd.randrange(1, 10**8)}", ""
            out.writerow([f"R{i}", sayi, sdp, date, unit])


def csv_read(path: Path) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of reading every row with the csv module."""
    c0, t0 = time.process_time(), time.perf_counter()
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for _row in csv.reader(fh):
            pass
    return time.process_time() - c0, time.perf_counter() - t0


def audit(path: Path, out: Path) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of the audit, CSV report."""
    import sdp_codes
    from ebys_support import archive_audit

    cat = sdp_codes.builtin_catalogue(CATALOGUE)
    c0, t0 = time.process_time(), time.perf_counter()
    archive_audit.run(path, out, catalogue=cat, as_of=dt.date(2026, 1, 1))
    return time.process_time() - c0, time.perf_counter() - t0


def peak_rss_mb(path: Path, out: Path) -> float:
    code = (
        f"import sys, resource, datetime as dt; sys.path.insert(0, {str(ROOT)!r})\n"
        "import sdp_codes; from ebys_support import archive_audit\n"
        f"cat = sdp_codes.builtin_catalogue({CATALOGUE!r})\n"
        f"archive_audit.run({str(path)!r}, {str(out)!r}, catalogue=cat, as_of=dt.date(2026, 1, 1))\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return int(done.stdout.strip().splitlines()[-1]) / 1024  # Linux reports KiB


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def service_median(tmp: Path, requests: int = 50) -> tuple[float, float]:
    from ebys_support import apikeys, config, storage

    instance = tmp / "instance"
    instance.mkdir()
    cfg = config.load(instance)
    engine = storage.make_engine(cfg.database_url)
    storage.migrate(engine)
    with storage.session_scope(storage.session_factory(engine)) as session:
        _info, token = apikeys.create(session, "integration", "bench")
    engine.dispose()
    port = _free_port()
    env = {**os.environ, "EBYS_INSTANCE": str(instance)}
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from ebys_support.cli import run; run()",
            "--instance",
            str(instance),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/health", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        rnd = random.Random(1)
        codes = [rnd.choice(GOOD_CODES + ["010", "020", "999.9", "105 [Ada 5]"]) for _ in range(1000)]
        body = json.dumps({"codes": codes, "for_sayi": True}).encode()
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        times = []
        for i in range(requests + 3):
            req = urllib.request.Request(base + "/v1/sdp/validate", data=body, headers=headers, method="POST")
            t0 = time.perf_counter()
            with urllib.request.urlopen(req, timeout=10) as resp:
                data = json.loads(resp.read())
            elapsed = time.perf_counter() - t0
            assert len(data["results"]) == 1000
            if i >= 3:  # warm-up
                times.append(elapsed)
        return statistics.median(times) * 1000, min(times) * 1000
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--skip-service", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sdp-bench-") as name:
        tmp = Path(name)
        big, small = tmp / "export-big.csv", tmp / "export-small.csv"
        t0 = time.perf_counter()
        generate(big, args.rows)
        generate(small, args.small)
        print(
            f"generated {args.rows:,} + {args.small:,} rows in {time.perf_counter() - t0:.1f} s "
            f"({big.stat().st_size / 1e6:.0f} MB)"
        )
        base_runs, audit_runs = [], []
        for _ in range(3):  # interleaved, so both see the same machine load
            base_runs.append(csv_read(big))
            audit_runs.append(audit(big, tmp / "report.csv"))
        base_cpu, base_wall = min(r[0] for r in base_runs), min(r[1] for r in base_runs)
        audit_cpu, audit_wall = min(r[0] for r in audit_runs), min(r[1] for r in audit_runs)
        with open(tmp / "report.csv", encoding="utf-8") as fh:
            report_rows = sum(1 for _ in fh) - 1
        print(
            f"baseline csv.reader read of {args.rows:,} rows: {base_cpu:.2f} s CPU ({base_wall:.2f} s wall)"
        )
        print(
            f"audit of {args.rows:,} rows: {audit_cpu:.2f} s CPU ({audit_wall:.2f} s wall), {report_rows:,} report rows"
        )
        print(
            f"ratio audit / csv read: {audit_cpu / base_cpu:.2f}x CPU, {audit_wall / base_wall:.2f}x wall (target <= 3x)"
        )
        rss_small = peak_rss_mb(small, tmp / "r-small.csv")
        rss_big = peak_rss_mb(big, tmp / "r-big.csv")
        print(
            f"peak RSS auditing {args.small:,} rows: {rss_small:.0f} MB; {args.rows:,} rows: {rss_big:.0f} MB "
            f"(ratio {rss_big / rss_small:.2f}; target < 200 MB and flat)"
        )
        if not args.skip_service:
            median, best = service_median(tmp)
            print(
                f"POST /v1/sdp/validate, 1,000 codes, 50 requests: median {median:.1f} ms, best {best:.1f} ms "
                "(target < 50 ms)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
