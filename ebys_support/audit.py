"""Tamper-evident audit trail (iz kaydı).

Every change to people, certificates, requests and API keys, and every signing and verification done by
the service, is appended here: who (a person or an API key name), when, what, and the state before and
after. Records form a hash chain: each carries the SHA-256 of the record before it, so an edited, deleted,
inserted or reordered record breaks the chain and :func:`verify` names the first broken one.

The hash of a record is ``sha256(canonical JSON)`` of the record without its ``hash`` field, where the
canonical JSON is an object with sorted keys, no whitespace and UTF-8 text (``ensure_ascii=False``)::

    {"action":…,"actor":…,"after":…,"before":…,"entity":…,"entity_id":…,"prev_hash":"…","seq":N,"ts":"…"}

``before``/``after`` are the JSON values themselves (objects with sorted keys), ``ts`` is UTC ISO 8601 with
microseconds and a ``Z``, and the first record's ``prev_hash`` is 64 zeros (:data:`GENESIS`).
An auditor can recompute the chain from an :func:`export` with any JSON library.

Concurrent writers never fork the chain: the chain head (last ``seq`` and ``hash``) lives in a single-row
table ``audit_head`` that :func:`append` updates first, with ``UPDATE … RETURNING``. On PostgreSQL the
row lock serialises writers (READ COMMITTED re-reads the newest head after the wait); on SQLite the update
takes the database write lock. Either way the head is held until the caller's transaction commits or
rolls back, so a record is written together with the change it describes, or not at all. Call
:func:`append` as the last write of a transaction so the head is held briefly (and, on PostgreSQL, no
lock is taken after it, so writers cannot deadlock on it).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from json.encoder import encode_basestring as _encode_str  # type: ignore[attr-defined]
from typing import IO, Any

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from ebys_support.errors import EbysError, InputError, NotFound, UsageError
from ebys_support.storage import Base

__all__ = [
    "GENESIS",
    "AuditRecord",
    "VerifyResult",
    "append",
    "cli_actor",
    "canonical",
    "record_hash",
    "verify",
    "verify_records",
    "records",
    "get",
    "export",
    "read_export",
    "head",
    "audit_log",
    "audit_head",
]

#: ``prev_hash`` of the first record.
GENESIS = "0" * 64

audit_log = Table(
    "audit_log",
    Base.metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False),
    Column("ts", String(32), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(100), nullable=False),
    Column("entity", String(100), nullable=False),
    Column("entity_id", String(200), nullable=True),
    Column("before", Text, nullable=True),
    Column("after", Text, nullable=True),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_log_entity", "entity", "entity_id"),
    Index("ix_audit_log_ts", "ts"),
)

audit_head = Table(
    "audit_head",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

_Executor = Session | Connection


@dataclass(frozen=True)
class AuditRecord:
    """One record of the audit trail.

    :ivar seq: position in the chain, from 1, without gaps.
    :ivar ts: UTC time, ISO 8601 with microseconds and ``Z``.
    :ivar actor: who: a person (``"cli:ayse"``) or an API key (``"apikey:ebys-prod"``).
    :ivar action: what, e.g. ``"request.transition"``, ``"apikey.create"``, ``"sign.pades"``.
    :ivar entity: kind of thing changed, e.g. ``"request"``, ``"person"``, ``"apikey"``.
    :ivar entity_id: its id, as text, when there is one.
    :ivar before: its state before (``None`` for creations and events).
    :ivar after: its state after (``None`` for deletions).
    :ivar prev_hash: hash of the record before.
    :ivar hash: SHA-256 of this record's canonical JSON.
    """

    seq: int
    ts: str
    actor: str
    action: str
    entity: str
    entity_id: str | None
    before: Any
    after: Any
    prev_hash: str
    hash: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "ts": self.ts,
            "actor": self.actor,
            "action": self.action,
            "entity": self.entity,
            "entity_id": self.entity_id,
            "before": self.before,
            "after": self.after,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of :func:`verify`.

    :ivar ok: the whole chain is intact.
    :ivar records: how many records were checked.
    :ivar first_broken: ``seq`` of the first broken record (``None`` when intact; for a deleted tail,
        the ``seq`` the head expects).
    :ivar problem: stable code of what is wrong: ``audit.hash_mismatch`` (the record's content changed),
        ``audit.chain_break`` (its ``prev_hash`` is not the hash of the record before: a record was
        inserted, deleted or moved), ``audit.sequence_gap`` (a ``seq`` is missing or repeated),
        ``audit.head_mismatch`` (the last record is not the chain head: records were removed from or
        added to the end), ``audit.anchor_mismatch`` (a record differs from a hash noted earlier: the
        chain was rewritten).
    :ivar head_seq: ``seq`` of the chain head.
    :ivar head_hash: hash of the chain head: keep it to anchor a later verification.
    """

    ok: bool
    records: int
    first_broken: int | None = None
    problem: str | None = None
    head_seq: int = 0
    head_hash: str = GENESIS
    details: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "records": self.records,
            "first_broken": self.first_broken,
            "problem": self.problem,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "details": dict(self.details or {}),
        }


def _q(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical(
    seq: int,
    ts: str,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | None,
    before_json: str | None,
    after_json: str | None,
    prev_hash: str,
) -> str:
    """Canonical JSON of a record (without ``hash``); ``before_json``/``after_json`` are canonical JSON.

    >>> canonical(1, "2026-01-02T03:04:05.000000Z", "cli:ayşe", "person.create", "person", "7", None,
    ...           '{"name":"Ayşe"}', GENESIS)[:60]
    '{"action":"person.create","actor":"cli:ayşe","after":{"name"'
    """
    # encode_basestring is json's own C string encoder for ensure_ascii=False: same text as json.dumps.
    q = _encode_str
    return (
        f'{{"action":{q(action)},"actor":{q(actor)},'
        f'"after":{"null" if after_json is None else after_json},'
        f'"before":{"null" if before_json is None else before_json},'
        f'"entity":{q(entity)},"entity_id":{"null" if entity_id is None else q(entity_id)},'
        f'"prev_hash":{q(prev_hash)},"seq":{int(seq)},"ts":{q(ts)}}}'
    )


def record_hash(*fields: Any) -> str:
    """SHA-256 (hex) of :func:`canonical` ``(*fields)``."""
    return hashlib.sha256(canonical(*fields).encode("utf-8")).hexdigest()


def cli_actor() -> str:
    """The actor name of a command-line user: ``"cli:<login name>"``."""
    import getpass

    try:
        user = getpass.getuser()
    except (OSError, KeyError, ImportError):
        user = "unknown"
    return f"cli:{user}"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _json_or_none(value: Any) -> str | None:
    if value is None:
        return None
    try:
        return _dumps(_plain(value))
    except (TypeError, ValueError) as exc:
        raise EbysError("audit.not_serialisable", details={"type": type(value).__name__}) from exc


def _plain(value: Any) -> Any:
    """JSON-ready copy: datetimes and dates as ISO text, enums by value, sets as sorted lists."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(_plain(v) for v in value)
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("non-finite float")
        return value
    iso = getattr(value, "isoformat", None)
    if callable(iso):
        return iso()
    enum_value = getattr(value, "value", None)
    if isinstance(enum_value, str | int):
        return enum_value
    raise TypeError(type(value).__name__)


def _ensure_head(db: _Executor) -> None:
    """Create the head row of an empty trail (migrations insert it; ``create_all`` does not).

    :raises EbysError: ``audit.head_missing`` when records exist but the head is gone: recreating it
        from the last record would hide records removed from the end, so a person must look first.
    """
    if db.execute(select(audit_head.c.id).where(audit_head.c.id == 1)).first() is not None:
        return
    last = db.execute(select(audit_log.c.seq).order_by(audit_log.c.seq.desc()).limit(1)).first()
    if last is not None:
        raise EbysError("audit.head_missing", details={"last_seq": int(last[0])})
    bind = db.get_bind() if isinstance(db, Session) else db
    if bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        db.execute(pg_insert(audit_head).values(id=1, seq=0, hash=GENESIS).on_conflict_do_nothing())
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        db.execute(sqlite_insert(audit_head).values(id=1, seq=0, hash=GENESIS).on_conflict_do_nothing())


def append(
    session: _Executor,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | int | None = None,
    before: Any = None,
    after: Any = None,
) -> AuditRecord:
    """Append one record in the caller's transaction (the caller commits).

    Takes the chain head's lock until the transaction ends: call it as the transaction's last write.

    :param session: an ORM :class:`~sqlalchemy.orm.Session` or a Core :class:`~sqlalchemy.engine.Connection`.
    :param actor: who did it (``"cli:<os user>"``, ``"apikey:<api key name>"``, ...).
    :param action: what was done, dotted (``"request.transition"``).
    :param entity: the kind of thing (``"request"``).
    :param entity_id: its id.
    :param before: JSON-serialisable state before (datetimes become ISO text).
    :param after: JSON-serialisable state after.
    :raises EbysError: ``audit.not_serialisable`` when ``before``/``after`` cannot be JSON.
    """
    before_json = _json_or_none(before)
    after_json = _json_or_none(after)
    eid = None if entity_id is None else str(entity_id)
    # Plain driver SQL: this runs in every audited write, and the ORM's statement machinery would cost
    # more than the three statements themselves.
    if isinstance(session, Session):
        session.flush()
        conn = session.connection()
    else:
        conn = session
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    row = conn.exec_driver_sql("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash").first()
    if row is None:
        _ensure_head(session)
        return append(
            session, actor=actor, action=action, entity=entity, entity_id=eid, before=before, after=after
        )
    seq, prev = int(row[0]), str(row[1])
    ts = _now()
    h = record_hash(seq, ts, actor, action, entity, eid, before_json, after_json, prev)
    conn.exec_driver_sql(
        "INSERT INTO audit_log (seq, ts, actor, action, entity, entity_id, before, after, prev_hash, hash) "
        f"VALUES ({', '.join([mark] * 10)})",
        (seq, ts, actor, action, entity, eid, before_json, after_json, prev, h),
    )
    conn.exec_driver_sql(f"UPDATE audit_head SET hash = {mark} WHERE id = 1", (h,))
    return AuditRecord(
        seq,
        ts,
        actor,
        action,
        entity,
        eid,
        json.loads(before_json) if before_json else None,
        json.loads(after_json) if after_json else None,
        prev,
        h,
    )


def head(session: _Executor) -> tuple[int, str]:
    """``(seq, hash)`` of the chain head (``(0, GENESIS)`` when empty)."""
    row = session.execute(select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)).first()
    return (int(row[0]), str(row[1])) if row is not None else (0, GENESIS)


_COLUMNS = (
    audit_log.c.seq,
    audit_log.c.ts,
    audit_log.c.actor,
    audit_log.c.action,
    audit_log.c.entity,
    audit_log.c.entity_id,
    audit_log.c.before,
    audit_log.c.after,
    audit_log.c.prev_hash,
    audit_log.c.hash,
)


def _rows(
    session: _Executor, from_seq: int = 1, batch: int = 50_000, to_seq: int | None = None
) -> Iterator[tuple[Any, ...]]:
    """Records from ``from_seq`` (to ``to_seq``) in ``seq`` order, by keyset pages (constant memory, any
    database).

    Reads through the driver's own cursor: at a million records, SQLAlchemy's row objects would cost
    more than the hashing.
    """
    conn = session.connection() if isinstance(session, Session) else session
    raw = conn.connection.driver_connection
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    upper = "" if to_seq is None else f" AND seq <= {int(to_seq)}"
    sql = (
        "SELECT seq, ts, actor, action, entity, entity_id, before, after, prev_hash, hash FROM audit_log "
        f"WHERE seq > {mark}{upper} ORDER BY seq LIMIT {int(batch)}"
    )
    last = from_seq - 1
    cursor = raw.cursor()  # type: ignore[union-attr]
    try:
        while True:
            cursor.execute(sql, (last,))
            page = cursor.fetchall()
            if not page:
                return
            yield from page
            last = int(page[-1][0])
            if len(page) < batch:
                return
    finally:
        cursor.close()


def verify_records(
    rows: Iterable[tuple[Any, ...]],
    *,
    head_seq: int | None = None,
    head_hash: str | None = None,
    start_seq: int = 1,
    start_prev: str = GENESIS,
    anchors: Mapping[int, str] | None = None,
) -> VerifyResult:
    """Check a sequence of raw records ``(seq, ts, actor, action, entity, entity_id, before_json,
    after_json, prev_hash, hash)`` in the order given.

    :param head_seq: the expected last ``seq`` (the chain head), when known.
    :param head_hash: the expected last hash, when known.
    :param start_seq: ``seq`` of the first record expected (for a partial export).
    :param start_prev: ``prev_hash`` expected of the first record.
    :param anchors: ``{seq: hash}`` noted earlier outside the database (a printed or exported chain
        head): someone able to rewrite the table could recompute every hash, but not match these.
    """
    wanted = {int(k): str(v).lower() for k, v in (anchors or {}).items()}
    expected_seq = start_seq
    prev = start_prev
    n = 0
    sha = hashlib.sha256
    for seq, ts, actor, action, entity, eid, bj, aj, prev_hash, h in rows:
        n += 1
        seq = int(seq)
        if seq != expected_seq:
            return VerifyResult(
                False, n, seq, "audit.sequence_gap", head_seq or 0, head_hash or GENESIS,
                {"expected_seq": expected_seq, "found_seq": seq},
            )  # fmt: skip
        if prev_hash != prev:
            return VerifyResult(
                False, n, seq, "audit.chain_break", head_seq or 0, head_hash or GENESIS,
                {"expected_prev_hash": prev, "found_prev_hash": prev_hash},
            )  # fmt: skip
        try:
            actual = sha(
                canonical(seq, ts, actor, action, entity, eid, bj, aj, prev_hash).encode()
            ).hexdigest()
        except (TypeError, ValueError, UnicodeEncodeError):
            actual = "-"  # a field of the wrong type: it was not written by append()
        if actual != h:
            return VerifyResult(
                False, n, seq, "audit.hash_mismatch", head_seq or 0, head_hash or GENESIS,
                {"stored_hash": h, "computed_hash": actual},
            )  # fmt: skip
        if seq in wanted and wanted.pop(seq) != h:
            return VerifyResult(
                False, n, seq, "audit.anchor_mismatch", head_seq or 0, head_hash or GENESIS,
                {"stored_hash": h},
            )  # fmt: skip
        prev = h
        expected_seq += 1
    last_seq = expected_seq - 1
    if wanted:
        missing = min(wanted)
        return VerifyResult(
            False, n, missing, "audit.anchor_mismatch", head_seq or 0, head_hash or GENESIS,
            {"stored_hash": None},
        )  # fmt: skip
    if head_seq is not None and (last_seq != head_seq or (head_hash is not None and prev != head_hash)):
        broken = min(last_seq, head_seq) + 1 if last_seq != head_seq else last_seq
        return VerifyResult(
            False, n, broken, "audit.head_mismatch", head_seq, head_hash or GENESIS,
            {"last_seq": last_seq, "last_hash": prev},
        )  # fmt: skip
    return VerifyResult(True, n, None, None, last_seq, prev)


def verify(session: _Executor, *, anchors: Mapping[int, str] | None = None) -> VerifyResult:
    """Verify the whole chain in the database and name the first broken record.

    Reads in ``seq`` order by keyset pages; about a second per 150,000 records.

    :param anchors: ``{seq: hash}`` pairs kept outside the database (see :func:`verify_records`).
    """
    hseq, hhash = head(session)
    return verify_records(_rows(session), head_seq=hseq, head_hash=hhash, anchors=anchors)


def _record(row: tuple[Any, ...]) -> AuditRecord:
    seq, ts, actor, action, entity, eid, bj, aj, prev_hash, h = row
    return AuditRecord(
        int(seq),
        ts,
        actor,
        action,
        entity,
        eid,
        json.loads(bj) if bj else None,
        json.loads(aj) if aj else None,
        prev_hash,
        h,
    )


def get(session: _Executor, seq: int) -> AuditRecord:
    """One record by ``seq``.

    :raises NotFound: ``audit.not_found``.
    """
    row = session.execute(select(*_COLUMNS).where(audit_log.c.seq == seq)).first()
    if row is None:
        raise NotFound("audit.not_found", details={"seq": seq})
    return _record(tuple(row))


def _utc_text(value: str, name: str) -> str:
    """An ISO date or time as the stored ``ts`` text (UTC, microseconds, ``Z``) so that text order is time
    order.

    >>> _utc_text("2026-01-31", "since"), _utc_text("2026-01-31T08:00:00+03:00", "since")
    ('2026-01-31T00:00:00.000000Z', '2026-01-31T05:00:00.000000Z')
    """
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        raise UsageError("audit.bad_time", details={"option": name, "value": value}) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def records(
    session: _Executor,
    *,
    entity: str | None = None,
    entity_id: str | int | None = None,
    actor: str | None = None,
    action: str | None = None,
    since: str | None = None,
    until: str | None = None,
    limit: int = 100,
    newest_first: bool = True,
) -> list[AuditRecord]:
    """Records matching all the filters given (``since``/``until``: ISO dates or times, inclusive/exclusive;
    a time without an offset is UTC).

    :raises UsageError: ``audit.bad_time`` when ``since`` or ``until`` is no ISO date or time.
    """
    since = None if since is None else _utc_text(since, "since")
    until = None if until is None else _utc_text(until, "until")
    stmt = select(*_COLUMNS)
    if entity is not None:
        stmt = stmt.where(audit_log.c.entity == entity)
    if entity_id is not None:
        stmt = stmt.where(audit_log.c.entity_id == str(entity_id))
    if actor is not None:
        stmt = stmt.where(audit_log.c.actor == actor)
    if action is not None:
        stmt = stmt.where(audit_log.c.action == action)
    if since is not None:
        stmt = stmt.where(audit_log.c.ts >= since)
    if until is not None:
        stmt = stmt.where(audit_log.c.ts < until)
    stmt = stmt.order_by(audit_log.c.seq.desc() if newest_first else audit_log.c.seq).limit(max(1, limit))
    return [_record(tuple(r)) for r in session.execute(stmt).all()]


def export(session: _Executor, out: IO[str], *, from_seq: int = 1) -> VerifyResult:
    """Write the chain as JSON Lines for an auditor and return its verification.

    The first line is a header ``{"format": "ebys-support-audit/1", "hash": "sha256", "canonical": …,
    "from_seq": N, "head_seq": …, "head_hash": …}``; each further line is one record with every field
    (``before``/``after`` as JSON values), in ``seq`` order. :func:`read_export` checks such a file.
    """
    hseq, hhash = head(session)
    out.write(
        _dumps(
            {
                "format": "ebys-support-audit/1",
                "hash": "sha256",
                "canonical": "JSON object of all fields but hash; sorted keys; no whitespace; UTF-8",
                "from_seq": from_seq,
                "head_seq": hseq,
                "head_hash": hhash,
            }
        )
        + "\n"
    )

    def rows() -> Iterator[tuple[Any, ...]]:
        # Up to the head read above: records appended while the export runs belong to the next one.
        for r in _rows(session, from_seq, to_seq=hseq):
            seq, ts, actor, action, entity, eid, bj, aj, prev_hash, h = r
            out.write(
                f'{{"action":{_q(action)},"actor":{_q(actor)},"after":{aj if aj is not None else "null"},'
                f'"before":{bj if bj is not None else "null"},"entity":{_q(entity)},"entity_id":{_q(eid)},'
                f'"hash":"{h}","prev_hash":"{prev_hash}","seq":{int(seq)},"ts":{_q(ts)}}}\n'
            )
            yield r

    start_prev = GENESIS
    if from_seq > 1:
        prev_row = session.execute(select(audit_log.c.hash).where(audit_log.c.seq == from_seq - 1)).first()
        start_prev = str(prev_row[0]) if prev_row is not None else GENESIS
    result = verify_records(rows(), head_seq=hseq, head_hash=hhash, start_seq=from_seq, start_prev=start_prev)
    return result


def read_export(lines: Iterable[str], *, anchors: Mapping[int, str] | None = None) -> VerifyResult:
    """Verify an :func:`export` file (an iterable of its lines) on its own, without the database.

    :param anchors: ``{seq: hash}`` noted earlier (see :func:`verify_records`); each must lie in the file.

    :raises InputError: ``audit.export_unreadable`` when it is not such a file.
    """
    it = iter(lines)
    try:
        header = json.loads(next(it))
        if header.get("format") != "ebys-support-audit/1":
            raise ValueError("format")
        from_seq = int(header["from_seq"])
        head_seq, head_hash = int(header["head_seq"]), str(header["head_hash"])
    except (StopIteration, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError("audit.export_unreadable", details={"line": 1}) from exc

    def rows() -> Iterator[tuple[Any, ...]]:
        for lineno, line in enumerate(it, start=2):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
                yield (
                    int(r["seq"]),
                    r["ts"],
                    r["actor"],
                    r["action"],
                    r["entity"],
                    r["entity_id"],
                    None if r["before"] is None else _dumps(r["before"]),
                    None if r["after"] is None else _dumps(r["after"]),
                    r["prev_hash"],
                    r["hash"],
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise InputError("audit.export_unreadable", details={"line": lineno}) from exc

    # A partial export cannot know the hash before its first record: take it from that record.
    first: list[tuple[Any, ...]] = []
    gen = rows()
    for r in gen:
        first.append(r)
        break
    start_prev = first[0][8] if first and from_seq > 1 else GENESIS

    def chained() -> Iterator[tuple[Any, ...]]:
        yield from first
        yield from gen

    return verify_records(
        chained(),
        head_seq=head_seq,
        head_hash=head_hash,
        start_seq=from_seq,
        start_prev=start_prev,
        anchors=anchors,
    )
