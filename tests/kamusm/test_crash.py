"""A writer killed with SIGKILL in the middle of transactions, again and again: the database opens, its
content is consistent (versions, history and audit trail agree) and the audit chain verifies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from ebys_support import audit, storage
from ebys_support.kamusm import store
from ebys_support.kamusm.models import Request, RequestEvent
from tests.kamusm.helpers import database, tckn

ROOT = Path(__file__).resolve().parents[2]
KILLS = 4


def _consistent(factory, ids: list[int]) -> int:  # type: ignore[no-untyped-def]
    with storage.session_scope(factory) as s:
        moves_total = 0
        for rid in ids:
            version = s.scalar(select(Request.version).where(Request.id == rid))
            moves = (
                s.scalar(
                    select(func.count()).where(
                        RequestEvent.request_id == rid, RequestEvent.kind == "transition"
                    )
                )
                or 0
            )
            notes = s.scalar(
                select(func.count()).where(RequestEvent.request_id == rid, RequestEvent.kind == "note")
            )
            trail = audit.records(
                s, entity="request", entity_id=rid, action="request.transition", limit=10**6
            )
            assert version == 1 + moves == 1 + len(trail)
            assert notes == moves  # the note shares the transition's transaction: both or neither
            moves_total += moves
        result = audit.verify(s)
        assert result.ok, result
        return moves_total


def test_sigkill_mid_transaction(db_url: str) -> None:
    with database(db_url) as (_engine, factory):
        with storage.session_scope(factory) as s:
            ids = []
            for n in range(2):
                store.upsert_person(s, {"tckn": tckn(n), "name": f"K {n}"}, actor="setup")
                ids.append(
                    store.create_request(s, store.Settings(), actor="setup", type="new", person=tckn(n)).id
                )
        done = 0
        for _round in range(KILLS):
            with subprocess.Popen(
                [sys.executable, "-m", "tests.kamusm.crash_writer", db_url, *map(str, ids)],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            ) as proc:
                assert proc.stdout is not None
                for _ in range(2):  # let it commit some, then kill it inside an open transaction
                    assert proc.stdout.readline() == b"IN\n"
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=30)
            assert proc.returncode == -signal.SIGKILL
            now_done = _consistent(factory, ids)
            assert now_done > done  # it made progress, and the killed transaction left nothing
            done = now_done
