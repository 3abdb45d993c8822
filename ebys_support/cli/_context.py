"""What every command gets as ``ctx.obj``: language, output mode, instance, lazily loaded config and DB."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ebys_support import i18n
from ebys_support.config import Config, default_instance, load

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

__all__ = ["CliContext", "pass_obj"]

T = TypeVar("T")


@dataclass
class CliContext:
    """Per-invocation state shared by all commands."""

    lang: str
    json: bool
    instance: Path
    debug: bool = False
    _config: Config | None = field(default=None, repr=False)
    _engine: Engine | None = field(default=None, repr=False)

    @classmethod
    def create(cls, *, lang: str | None, as_json: bool, instance: Path | None, debug: bool) -> CliContext:
        return cls(
            lang=i18n.normalize_lang(lang) if lang else i18n.lang_from_env(),
            json=as_json,
            instance=(instance.resolve() if instance else default_instance()),
            debug=debug,
        )

    def t(self, key: str, /, **params: Any) -> str:
        """The catalogue text of ``key`` in the user's language."""
        return i18n.message(key, self.lang, **params)

    def config(self) -> Config:
        """The instance configuration, loaded once."""
        if self._config is None:
            self._config = load(self.instance)
        return self._config

    def engine(self) -> Engine:
        """The database engine, migrated to the newest schema on first use."""
        if self._engine is None:
            from ebys_support import storage

            cfg = self.config()
            if not cfg.database.url:
                cfg.instance.mkdir(parents=True, exist_ok=True)
            engine = storage.make_engine(cfg.database_url, echo=cfg.database.echo)
            storage.migrate(engine)
            self._engine = engine
        return self._engine

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A database session committed on success, rolled back on error."""
        from ebys_support import storage

        with storage.session_scope(storage.session_factory(self.engine())) as session:
            yield session

    def emit(
        self, data: Any, text: str | Iterable[str] | Callable[[], Iterable[str] | str] | None = None
    ) -> None:
        """Print ``data`` as JSON with ``--json``, otherwise the human ``text``."""
        if self.json:
            click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
            return
        if callable(text):
            text = text()
        if text is None:
            return
        if isinstance(text, str):
            click.echo(text)
        else:
            for line in text:
                click.echo(line)

    def progress(
        self, iterable: Iterable[T], *, total: int | None = None, desc: str | None = None
    ) -> Iterable[T]:
        """``iterable`` wrapped in a progress bar on standard error, only when that is a terminal."""
        if not sys.stderr.isatty():
            return iterable
        from tqdm import tqdm

        return tqdm(
            iterable, total=total, desc=desc, unit="", file=sys.stderr, leave=False, dynamic_ncols=True
        )


pass_obj = click.make_pass_decorator(CliContext)
