"""Per-application state shared by the views: config, database, lazily loaded data sets."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ebys_support import storage
from ebys_support.config import Config

__all__ = ["AppState", "get_state"]

T = TypeVar("T")


@dataclass
class AppState:
    """What the application holds between requests."""

    config: Config
    engine: Engine
    _factory: sessionmaker[Session] | None = None
    _cache: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._factory = storage.session_factory(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed on success, rolled back on error."""
        assert self._factory is not None
        with storage.session_scope(self._factory) as session:
            yield session

    def cached(self, name: str, loader: Callable[[], T]) -> T:
        """``loader()`` run once per application (thread-safe), e.g. a registry snapshot."""
        try:
            return self._cache[name]  # type: ignore[no-any-return]
        except KeyError:
            pass
        with self._lock:
            if name not in self._cache:
                self._cache[name] = loader()
            return self._cache[name]  # type: ignore[no-any-return]

    def forget(self, name: str) -> None:
        """Drop a cached data set so the next use reloads it."""
        with self._lock:
            self._cache.pop(name, None)


def get_state() -> AppState:
    """The state of the current application."""
    return current_app.extensions["ebys"]  # type: ignore[no-any-return]
