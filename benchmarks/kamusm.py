"""KamuSM requests and the audit trail at municipal scale.

Data: 50,000 people, 100,000 requests, 1,000,000 audit records (a valid chain), bulk-inserted into a fresh
SQLite database (or ``--url`` for PostgreSQL). Measures, each with a baseline from the same run:

- ``GET /v1/requests`` with two filters and paging, through HTTP on loopback (a real WSGI server):
  p50/p95 against ``GET /health`` (the same server, no query) — target p95 < 50 ms;
- ``audit.verify`` over the million records against hashing the same canonical texts in memory —
  target < 10 s;
- one transition with its history entry and audit record, committed, on SQLite against an empty
  committed transaction — target < 5 ms.

Run: ``.venv/bin/python benchmarks/kamusm.py [--people N --requests N --audit N --url URL]``.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ebys_support import apikeys, audit, storage  # noqa: E402
from ebys_support.kamusm import store  # noqa: E402
from ebys_support.kamusm.models import Person, Request  # noqa: E402
from ebys_support.kamusm.states import CLOCK_STOPPED, FINAL, TRANSITIONS  # noqa: E402
from ebys_support.kamusm.tckn import checksum_digits  # noqa: E402

UNITS = [f"Müdürlük {i:02d}" for i in range(40)]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def generate(engine, people: int, requests: int, records: int) -> None:  # type: ignore[no-untyped-def]
    rnd = random.Random(8)
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    rows = []
    for i in range(people):
        first9 = f"{100000000 + i:09d}"
        rows.append(
            {
                "tckn": first9 + checksum_digits(first9),
                "name": f"Kişi {i}",
                "unit": UNITS[i % len(UNITS)],
                "email": f"k{i}@belediye.test",
                "active": True,
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
        )
    with engine.begin() as conn:
        conn.execute(insert(Person), rows)
    types = list(TRANSITIONS)
    reqs = []
    open_keys: set[str] = set()
    for _i in range(requests):
        pid = rnd.randint(1, people)
        rtype = str(rnd.choice(types))
        status = str(rnd.choice(list(TRANSITIONS[rtype]) + ["closed", "cancelled"]))
        key = f"{pid}:{rtype}"
        if status not in FINAL and key not in open_keys:
            open_keys.add(key)
            okey: str | None = key
        else:
            status, okey = "closed", None
        created = now - timedelta(days=rnd.randint(0, 700))
        reqs.append(
            {
                "type": rtype,
                "status": status,
                "person_id": pid,
                "unit": UNITS[(pid - 1) % len(UNITS)],
                "payment_mode": "institution",
                "sla_days": 10,
                "sla_elapsed": 0.0,
                "open_key": okey,
                "created_at": created,
                "updated_at": created,
                "status_since": created,
                # Open requests in our hands have a running SLA clock (listing computes elapsed time).
                "clock_since": created if status not in CLOCK_STOPPED | FINAL | {"draft"} else None,
                "version": 1,
            }
        )
    with engine.begin() as conn:
        conn.execute(insert(Request), reqs)
    t1 = time.perf_counter()
    # The audit chain: computed here, inserted with the driver's executemany (indexes built afterwards).
    prev = audit.GENESIS
    batch = []
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_audit_log_entity"))
        conn.execute(text("DROP INDEX ix_audit_log_ts"))
    with engine.begin() as conn:
        dbapi = conn.connection.driver_connection
        cur = dbapi.cursor()  # type: ignore[union-attr]
        ph = "?" if engine.dialect.name == "sqlite" else "%s"
        sql = (
            "INSERT INTO audit_log (seq, ts, actor, action, entity, entity_id, before, after, prev_hash, hash) "
            f"VALUES ({', '.join([ph] * 10)})"
        )
        for seq in range(1, records + 1):
            ts = (now - timedelta(seconds=records - seq)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            eid = str(rnd.randint(1, requests))
            before = f'{{"status":"submitted","version":{seq % 9 + 1}}}'
            after = f'{{"status":"approved","version":{seq % 9 + 2}}}'
            h = audit.record_hash(
                seq, ts, "apikey:masa", "request.transition", "request", eid, before, after, prev
            )
            batch.append(
                (seq, ts, "apikey:masa", "request.transition", "request", eid, before, after, prev, h)
            )
            prev = h
            if len(batch) == 50_000:
                cur.executemany(sql, batch)
                batch.clear()
        if batch:
            cur.executemany(sql, batch)
        conn.execute(
            text("UPDATE audit_head SET seq = :s, hash = :h WHERE id = 1"), {"s": records, "h": prev}
        )
    print(f"setup: people+requests {t1 - t0:.1f} s, audit chain {time.perf_counter() - t1:.1f} s")


def serve(app):  # type: ignore[no-untyped-def]
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


def timed_get(conn: http.client.HTTPConnection, path: str, headers: dict[str, str]) -> float:
    t = time.perf_counter()
    conn.request("GET", path, headers=headers)
    resp = conn.getresponse()
    body = resp.read()
    assert resp.status == 200, (resp.status, body[:200])
    return (time.perf_counter() - t) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=50_000)
    ap.add_argument("--requests", type=int, default=100_000)
    ap.add_argument("--audit", type=int, default=1_000_000)
    ap.add_argument("--url", default=None, help="Database URL (default: a fresh SQLite file)")
    args = ap.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bench-kamusm-"))
    url = args.url or f"sqlite:///{folder / 'ebys.sqlite3'}"
    engine = storage.make_engine(url)
    storage.migrate(engine)
    generate(engine, args.people, args.requests, args.audit)
    factory = storage.session_factory(engine)
    with storage.session_scope(factory) as s:
        _info, key = apikeys.create(s, "integration", "bench")

    from service import create_app

    app = create_app({"instance": folder, "database": {"url": url}})
    server = serve(app)
    conn = http.client.HTTPConnection("127.0.0.1", server.server_port)
    headers = {"Authorization": f"Bearer {key}"}
    rnd = random.Random(1)
    for _ in range(20):
        timed_get(conn, "/health", {})
        timed_get(conn, "/v1/requests?status=submitted&type=renewal&per_page=50", headers)
    base = [timed_get(conn, "/health", {}) for _ in range(300)]
    statuses = ["submitted", "approved", "sent_to_kamusm", "draft", "in_production"]
    lists = []
    for i in range(300):
        if i % 2:
            path = f"/v1/requests?status={rnd.choice(statuses)}&type={rnd.choice(['new', 'renewal', 'pin_unblock'])}"
        else:
            path = f"/v1/requests?unit={quote(UNITS[rnd.randrange(len(UNITS))])}&status=submitted"
        path += f"&page={rnd.randint(1, 5)}&per_page=50"
        lists.append(timed_get(conn, path, headers))
    server.shutdown()
    print(
        f"HTTP list, two filters + paging (300): p50 {statistics.median(lists):.1f} ms, p95 {pct(lists, 95):.1f} ms"
        f"  | baseline GET /health p95 {pct(base, 95):.1f} ms  | ratio {pct(lists, 95) / pct(base, 95):.1f}x"
        f"  | target p95 < 50 ms: {'OK' if pct(lists, 95) < 50 else 'MISSED'}"
    )

    # audit verify over the whole chain, against hashing the same texts in memory.
    with storage.session_scope(factory) as s:
        t = time.perf_counter()
        result = audit.verify(s)
        verify_s = time.perf_counter() - t
    assert result.ok and result.records == args.audit + 1, result  # + the API key creation
    sample = [audit.canonical(i, "2026-01-01T00:00:00.000000Z", "apikey:masa", "request.transition", "request",
                              "1", '{"a":1}', '{"a":2}', audit.GENESIS) for i in range(100_000)]  # fmt: skip
    t = time.perf_counter()
    for c in sample:
        hashlib.sha256(c.encode()).hexdigest()
    hash_only = (time.perf_counter() - t) * args.audit / len(sample)
    print(
        f"audit verify ({result.records:,} records): {verify_s:.2f} s  | baseline hashing only {hash_only:.2f} s"
        f"  | ratio {verify_s / hash_only:.1f}x  | target < 10 s: {'OK' if verify_s < 10 else 'MISSED'}"
    )

    # One transition with its audit record, committed, on this database.
    settings = store.Settings()
    with storage.session_scope(factory) as s:
        store.upsert_person(s, {"tckn": "10000000146", "name": "Bench"}, actor="bench")
        rid = store.create_request(s, settings, actor="bench", type="pin_unblock", person="10000000146").id
    empty = []
    for _ in range(500):
        t = time.perf_counter()
        with storage.session_scope(factory) as s:
            s.execute(text("SELECT 1"))
        empty.append((time.perf_counter() - t) * 1000)
    moves = []
    for i in range(1000):
        t = time.perf_counter()
        with storage.session_scope(factory) as s:
            store.transition(s, settings, rid, "submitted" if i % 2 == 0 else "draft", actor="bench")
        moves.append((time.perf_counter() - t) * 1000)
    with storage.session_scope(factory) as s:
        assert audit.verify(s).ok
    print(
        f"transition + audit record ({engine.dialect.name}, 1000): mean {statistics.mean(moves):.2f} ms,"
        f" p95 {pct(moves, 95):.2f} ms  | baseline empty transaction {statistics.mean(empty):.2f} ms"
        f"  | ratio {statistics.mean(moves) / statistics.mean(empty):.1f}x"
        f"  | target < 5 ms: {'OK' if statistics.mean(moves) < 5 else 'MISSED'}"
    )
    engine.dispose()


if __name__ == "__main__":
    main()
