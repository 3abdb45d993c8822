"""Migrations 0002 (audit) and 0003 (KamuSM) build exactly the tables the models describe, and go down."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import ebys_support.audit
import ebys_support.kamusm.models  # noqa: F401  (registers the tables on Base.metadata)
from ebys_support import storage
from ebys_support.storage.models import Base

MINE = ("audit_log", "audit_head", "kamusm_people", "kamusm_certificates", "kamusm_requests",
        "kamusm_request_events", "kamusm_attachments")  # fmt: skip


def _diff_of_mine(engine) -> list[object]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(ctx, Base.metadata)

    def table_of(d: object) -> str | None:
        item = d[0] if isinstance(d, list) else d
        for part in item[1:] if isinstance(item, tuple) else ():
            name = getattr(part, "name", None) if not isinstance(part, str) else None
            table = getattr(part, "table", None)
            if table is not None:
                return str(table.name)
            if name in MINE:
                return str(name)
            if isinstance(part, str) and part in MINE:
                return part
        return None

    return [d for d in diffs if table_of(d) in MINE]


def test_migrations_match_models(db_url: str) -> None:
    engine = storage.make_engine(db_url)
    storage.migrate(engine)
    assert set(MINE) <= set(inspect(engine).get_table_names())
    assert _diff_of_mine(engine) == []
    assert ebys_support.audit.audit_head.name == "audit_head"
    from alembic import command

    command.downgrade(storage._alembic_config(engine), "0001")
    assert not set(MINE) & set(inspect(engine).get_table_names())
    storage.migrate(engine)
    engine.dispose()
