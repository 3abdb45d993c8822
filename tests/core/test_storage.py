"""Storage on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import inspect, text

from ebys_support import apikeys, storage
from ebys_support.errors import Conflict, NotFound, ServiceUnavailable, UsageError


def test_migrate_and_api_keys(db_url: str) -> None:
    engine = storage.make_engine(db_url)
    storage.migrate(engine)
    storage.migrate(engine)  # idempotent
    assert "api_keys" in inspect(engine).get_table_names()
    factory = storage.session_factory(engine)
    with storage.session_scope(factory) as session:
        info, key = apikeys.create(session, "integration", "erp")
    assert len(key) >= 40 and key.startswith("ebys_")
    with storage.session_scope(factory) as session:
        stored = session.execute(text("SELECT key_hash FROM api_keys")).scalar_one()
        assert key not in stored
        found = apikeys.authenticate(session, key)
        assert found is not None and found.role == "integration" and found.created_at.tzinfo is not None
        assert apikeys.authenticate(session, key + "x") is None
        assert apikeys.authenticate(session, "junk") is None
    with pytest.raises(Conflict), storage.session_scope(factory) as session:
        apikeys.create(session, "admin", "erp")
    with pytest.raises(UsageError), storage.session_scope(factory) as session:
        apikeys.create(session, "root")
    with storage.session_scope(factory) as session:
        apikeys.revoke(session, "erp")
        assert apikeys.authenticate(session, key) is None
    with pytest.raises(NotFound), storage.session_scope(factory) as session:
        apikeys.revoke(session, "erp")
    engine.dispose()


def test_rollback_leaves_nothing(db_url: str) -> None:
    engine = storage.make_engine(db_url)
    storage.migrate(engine)
    factory = storage.session_factory(engine)
    with pytest.raises(RuntimeError), storage.session_scope(factory) as session:
        apikeys.create(session, "admin", "half")
        raise RuntimeError("crash in the middle")
    with storage.session_scope(factory) as session:
        assert apikeys.list_keys(session) == []
    engine.dispose()


def test_concurrent_writers_do_not_fail(db_url: str) -> None:
    engine = storage.make_engine(db_url)
    storage.migrate(engine)
    factory = storage.session_factory(engine)
    failures: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(10):
                with storage.session_scope(factory) as session:
                    apikeys.create(session, "integration", f"w{n}-{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
    with storage.session_scope(factory) as session:
        assert len(apikeys.list_keys(session)) == 40
    engine.dispose()


def test_ping_unreachable() -> None:
    engine = storage.make_engine("postgresql://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 2})
    with pytest.raises(ServiceUnavailable) as info:
        storage.ping(engine)
    assert info.value.code == "storage.unavailable"


def test_sqlite_wal_mode(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = storage.make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
