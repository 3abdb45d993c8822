"""8 workers × 500 transitions on the same requests, on SQLite and PostgreSQL.

Each worker acts like a help-desk user: it reads a request (status and version) in one transaction and
moves it in another, naming the version it saw. Proofs: every refused write is a clean
``kamusm.conflict``; no update is lost (each request's version = 1 + its successful transitions, and its
history and the audit trail hold exactly those transitions); the audit chain verifies.
"""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import func, select

from ebys_support import audit, storage
from ebys_support.kamusm import store
from ebys_support.kamusm.models import Request, RequestEvent
from ebys_support.kamusm.store import KamusmConflict, Settings
from tests.kamusm.helpers import database, tckn

WORKERS = 8
ATTEMPTS = 500
REQUESTS = 4
NEXT = {"draft": "submitted", "submitted": "on_hold", "on_hold": "submitted"}
S = Settings()


def test_concurrent_transitions(db_url: str) -> None:
    with database(db_url) as (_engine, factory):
        with storage.session_scope(factory) as s:
            ids = []
            for n in range(REQUESTS):
                store.upsert_person(s, {"tckn": tckn(n), "name": f"K {n}"}, actor="setup")
                ids.append(store.create_request(s, S, actor="setup", type="pin_unblock", person=tckn(n)).id)
        ok: Counter[int] = Counter()
        conflicts = Counter[int]()
        other: list[BaseException] = []
        lock = threading.Lock()

        def worker(w: int) -> None:
            known: dict[int, tuple[str, int]] = {}
            for i in range(ATTEMPTS):
                rid = ids[(w + i) % REQUESTS]
                try:
                    if rid not in known:
                        with storage.session_scope(factory) as s:
                            r = store.get_request(s, rid)
                            known[rid] = (r.status, r.version)
                    status, version = known[rid]
                    target = NEXT[status]
                    if status == "submitted" and i % 2:
                        target = "draft"
                    with storage.session_scope(factory) as s:
                        r = store.transition(
                            s, S, rid, target, actor=f"cli:w{w}", note=f"{w}/{i}", expected_version=version
                        )
                        known[rid] = (r.status, r.version)
                    with lock:
                        ok[rid] += 1
                except KamusmConflict as exc:
                    assert exc.http_status == 409 and exc.details["entity"] == "request"
                    known.pop(rid, None)
                    with lock:
                        conflicts[rid] += 1
                except BaseException as exc:  # pragma: no cover - the assertion below reports it
                    other.append(exc)
                    return

        threads = [threading.Thread(target=worker, args=(w,)) for w in range(WORKERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not other, other[:3]
        assert sum(ok.values()) + sum(conflicts.values()) == WORKERS * ATTEMPTS
        assert sum(ok.values()) > WORKERS * ATTEMPTS // 4
        with storage.session_scope(factory) as s:
            for rid in ids:
                version = s.scalar(select(Request.version).where(Request.id == rid))
                moves = s.scalar(
                    select(func.count()).where(
                        RequestEvent.request_id == rid, RequestEvent.kind == "transition"
                    )
                )
                trail = audit.records(
                    s, entity="request", entity_id=rid, action="request.transition", limit=10**6
                )
                assert version == 1 + ok[rid] == 1 + moves == 1 + len(trail)
                # Each audit record continues from the state the one before it left.
                versions = sorted(rec.after["version"] for rec in trail)
                assert versions == list(range(2, 2 + ok[rid]))
            result = audit.verify(s)
            assert result.ok, result
            assert result.records == REQUESTS * 2 + sum(ok.values())
