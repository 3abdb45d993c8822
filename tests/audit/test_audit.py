"""The audit trail: chain, verification, export, concurrency and tampering, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import threading

import pytest
from sqlalchemy import text

from ebys_support import audit, storage
from ebys_support.errors import EbysError, InputError, NotFound
from tests.kamusm.helpers import database


def _fill(factory, n: int) -> None:  # type: ignore[no-untyped-def]
    for i in range(n):
        with storage.session_scope(factory) as s:
            audit.append(
                s,
                actor="cli:ayşe",
                action="test.write",
                entity="thing",
                entity_id=i,
                after={"i": i, "ç": "ğ"},
            )


def test_chain_verify_export(db_url: str) -> None:
    with database(db_url) as (_engine, factory):
        with storage.session_scope(factory) as s:
            assert audit.verify(s).ok and audit.verify(s).records == 0
            first = audit.append(
                s, actor="cli:x", action="person.create", entity="person", entity_id=7, after={"a": 1}
            )
            assert first.seq == 1 and first.prev_hash == audit.GENESIS
        _fill(factory, 5)
        with storage.session_scope(factory) as s:
            result = audit.verify(s)
            assert result.ok and result.records == 6 and result.head_seq == 6
            assert audit.get(s, 1).after == {"a": 1}
            assert [r.seq for r in audit.records(s, entity="thing", limit=3)] == [6, 5, 4]
            out = io.StringIO()
            assert audit.export(s, out).ok
            part = io.StringIO()
            assert audit.export(s, part, from_seq=4).records == 3
            with pytest.raises(NotFound) as err:
                audit.get(s, 99)
            assert err.value.code == "audit.not_found"
        lines = out.getvalue().splitlines()
        assert len(lines) == 7 and audit.read_export(lines).ok
        assert audit.read_export(part.getvalue().splitlines()).ok
        # An auditor's recomputation: sha256 over the canonical JSON of the record without "hash".
        import hashlib
        import json

        rec = json.loads(lines[2])
        h = rec.pop("hash")
        canon = json.dumps(rec, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        assert hashlib.sha256(canon.encode()).hexdigest() == h
        # Tampering an export is found too.
        forged = lines[:3] + [lines[3].replace('"i":1', '"i":9')] + lines[4:]
        bad = audit.read_export(forged)
        assert not bad.ok and bad.first_broken == 3 and bad.problem == "audit.hash_mismatch"
        with pytest.raises(InputError) as err2:
            audit.read_export(["not json"])
        assert err2.value.code == "audit.export_unreadable"


def test_not_serialisable(db_url: str) -> None:
    with database(db_url) as (_engine, factory), storage.session_scope(factory) as s:
        with pytest.raises(EbysError) as err:
            audit.append(s, actor="x", action="y", entity="z", after={"bad": object()})
        assert err.value.code == "audit.not_serialisable"


def test_concurrent_writers_never_fork(db_url: str) -> None:
    with database(db_url) as (_engine, factory):
        errors: list[BaseException] = []

        def work() -> None:
            try:
                _fill(factory, 40)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        with storage.session_scope(factory) as s:
            result = audit.verify(s)
            assert result.ok and result.records == 320


@pytest.mark.parametrize(
    "attack", ["edit", "edit_hash_too", "delete", "delete_last", "insert", "reorder", "append"]
)
def test_tamper_is_found(db_url: str, attack: str) -> None:
    with database(db_url) as (engine, factory):
        _fill(factory, 10)
        with engine.begin() as conn:
            if attack == "edit":
                conn.execute(text("UPDATE audit_log SET actor = 'cli:mallory' WHERE seq = 4"))
                expected = (4, "audit.hash_mismatch")
            elif attack == "edit_hash_too":
                # Recompute the edited record's own hash: the next record's prev_hash still betrays it.
                row = conn.execute(text("SELECT * FROM audit_log WHERE seq = 4")).mappings().one()
                after = '{"i":3,"ç":"x"}'
                h = audit.record_hash(4, row["ts"], row["actor"], row["action"], row["entity"], row["entity_id"],
                                      row["before"], after, row["prev_hash"])  # fmt: skip
                conn.execute(
                    text("UPDATE audit_log SET after = :a, hash = :h WHERE seq = 4"), {"a": after, "h": h}
                )
                expected = (5, "audit.chain_break")
            elif attack == "delete":
                conn.execute(text("DELETE FROM audit_log WHERE seq = 6"))
                expected = (7, "audit.sequence_gap")
            elif attack == "delete_last":
                conn.execute(text("DELETE FROM audit_log WHERE seq = 10"))
                expected = (10, "audit.head_mismatch")
            elif attack == "insert":
                # Make room after record 5 and insert a forged record there.
                conn.execute(text("UPDATE audit_log SET seq = seq + 1000 WHERE seq > 5"))
                conn.execute(text("UPDATE audit_log SET seq = seq - 999 WHERE seq > 1000"))
                conn.execute(
                    text(
                        "INSERT INTO audit_log (seq, ts, actor, action, entity, entity_id, before, after, prev_hash, hash)"
                        " SELECT 6, ts, 'cli:mallory', action, entity, entity_id, before, after, hash, hash"
                        " FROM audit_log WHERE seq = 5"
                    )
                )
                expected = (6, "audit.hash_mismatch")
            elif attack == "reorder":
                conn.execute(text("UPDATE audit_log SET seq = -3 WHERE seq = 3"))
                conn.execute(text("UPDATE audit_log SET seq = 3 WHERE seq = 8"))
                conn.execute(text("UPDATE audit_log SET seq = 8 WHERE seq = -3"))
                expected = (3, "audit.chain_break")
            else:  # append a forged record after the end, hashes and all, without moving the head
                last = conn.execute(text("SELECT * FROM audit_log WHERE seq = 10")).mappings().one()
                h = audit.record_hash(11, last["ts"], "cli:mallory", "x", "y", None, None, None, last["hash"])
                conn.execute(
                    text(
                        "INSERT INTO audit_log (seq, ts, actor, action, entity, entity_id, before, after, prev_hash, hash)"
                        " VALUES (11, :ts, 'cli:mallory', 'x', 'y', NULL, NULL, NULL, :p, :h)"
                    ),
                    {"ts": last["ts"], "p": last["hash"], "h": h},
                )
                expected = (11, "audit.head_mismatch")
        with storage.session_scope(factory) as s:
            result = audit.verify(s)
        assert not result.ok
        assert (result.first_broken, result.problem) == expected, result


def test_missing_head(db_url: str) -> None:
    with database(db_url) as (engine, factory):
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_head"))
        with storage.session_scope(factory) as s:  # an empty trail gets its head back
            assert audit.append(s, actor="x", action="y", entity="z").seq == 1
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_head"))
        with storage.session_scope(factory) as s:
            result = audit.verify(s)
            assert not result.ok and result.problem == "audit.head_mismatch"
        with pytest.raises(EbysError) as err, storage.session_scope(factory) as s:
            audit.append(s, actor="x", action="y", entity="z")
        assert err.value.code == "audit.head_missing"


def test_anchor_catches_a_rewritten_chain(db_url: str) -> None:
    with database(db_url) as (engine, factory):
        _fill(factory, 6)
        with storage.session_scope(factory) as s:
            noted = audit.verify(s)
            assert audit.verify(s, anchors={noted.head_seq: noted.head_hash}).ok
        # Someone with write access rewrites record 3 and recomputes every hash after it, head included.
        with engine.begin() as conn:
            rows = conn.execute(text("SELECT * FROM audit_log ORDER BY seq")).mappings().all()
            prev = audit.GENESIS
            for row in rows:
                after = row["after"].replace('"i":2', '"i":7') if row["seq"] == 3 else row["after"]
                h = audit.record_hash(row["seq"], row["ts"], row["actor"], row["action"], row["entity"],
                                      row["entity_id"], row["before"], after, prev)  # fmt: skip
                conn.execute(
                    text("UPDATE audit_log SET after = :a, prev_hash = :p, hash = :h WHERE seq = :s"),
                    {"a": after, "p": prev, "h": h, "s": row["seq"]},
                )
                prev = h
            conn.execute(text("UPDATE audit_head SET hash = :h"), {"h": prev})
        with storage.session_scope(factory) as s:
            assert audit.verify(s).ok  # the chain alone cannot tell
            result = audit.verify(s, anchors={noted.head_seq: noted.head_hash})
            assert (result.ok, result.first_broken, result.problem) == (False, 6, "audit.anchor_mismatch")
            gone = audit.verify(s, anchors={99: noted.head_hash})
            assert (gone.first_broken, gone.problem) == (99, "audit.anchor_mismatch")
