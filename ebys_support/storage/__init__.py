"""Storage: SQLAlchemy 2 engine, session factory and Alembic migrations.

SQLite (the embedded default) runs in WAL mode with foreign keys on and a busy timeout; every transaction
starts with ``BEGIN IMMEDIATE`` so that two writers never deadlock on a lock upgrade (one waits for the
other instead). PostgreSQL is selected by a ``postgresql+psycopg://`` URL. Migrations are the hand-written
Alembic scripts in ``ebys_support/storage/migrations/versions/`` and run on start.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from ebys_support.errors import ServiceUnavailable
from ebys_support.storage.models import ApiKey, Base

__all__ = [
    "Base",
    "ApiKey",
    "make_engine",
    "migrate",
    "session_factory",
    "session_scope",
    "ping",
    "is_sqlite",
]

SQLITE_BUSY_TIMEOUT_MS = 30_000


def is_sqlite(engine: Engine) -> bool:
    """Whether ``engine`` talks to SQLite."""
    return engine.dialect.name == "sqlite"


def make_engine(url: str, *, echo: bool = False, **kwargs: Any) -> Engine:
    """An engine for ``url`` with our SQLite settings applied.

    A bare ``postgresql://`` URL is routed to the psycopg 3 driver.
    """
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        memory = database in ("", ":memory:") or "mode=memory" in str(parsed)
        options: dict[str, Any] = {
            "connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
        }
        if memory:
            options["poolclass"] = StaticPool
        options.update(kwargs)
        engine = create_engine(parsed, echo=echo, **options)
        _configure_sqlite(engine, wal=not memory)
        return engine
    options = {"pool_pre_ping": True}
    options.update(kwargs)
    return create_engine(parsed, echo=echo, **options)


def _configure_sqlite(engine: Engine, *, wal: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (see the module docstring).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if wal:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to ``engine`` (objects stay usable after commit)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose transaction commits on success and rolls back on any exception."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _alembic_config(engine: Engine) -> Any:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(resources.files("ebys_support.storage") / "migrations"))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema up to ``revision`` (default: the newest).

    :raises ServiceUnavailable: ``storage.migration_failed`` when the database refuses.
    """
    from alembic import command

    try:
        command.upgrade(_alembic_config(engine), revision)
    except SQLAlchemyError as exc:
        raise ServiceUnavailable(
            "storage.migration_failed",
            details={"reason": type(exc).__name__ + ": " + str(getattr(exc, "orig", None) or exc)[:200]},
        ) from exc


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (``None`` before the first migration)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def ping(engine: Engine) -> None:
    """Run a trivial query; :raises ServiceUnavailable: ``storage.unavailable``."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        raise ServiceUnavailable("storage.unavailable", details={"reason": type(exc).__name__}) from exc
