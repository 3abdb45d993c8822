"""Helpers shared by the ``people``, ``certs``, ``requests`` and ``audit`` commands."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ebys_support.cli._context import CliContext
from ebys_support.errors import InputError

__all__ = [
    "settings",
    "table",
    "write_atomic",
    "status_label",
    "type_label",
    "cert_status_label",
    "read_input",
]


def settings(obj: CliContext) -> Any:
    from ebys_support.kamusm.store import Settings

    return Settings.from_config(obj.config())


def status_label(obj: CliContext, status: str | None) -> str:
    return obj.t(f"ui.kamusm.status.{status}") if status else "-"


def type_label(obj: CliContext, rtype: str | None) -> str:
    return obj.t(f"ui.kamusm.type.{rtype}") if rtype else "-"


def cert_status_label(obj: CliContext, status: str | None) -> str:
    return obj.t(f"ui.kamusm.certstatus.{status}") if status else "-"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """A plain aligned text table."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]


def write_atomic(
    path: Path, writer: Callable[[Any], None], *, encoding: str = "utf-8", newline: str = ""
) -> None:
    """Write a text file completely or not at all (temporary file in the same folder, then rename)."""
    folder = path.resolve().parent
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(
            "kamusm.output_unwritable", details={"path": str(path), "reason": exc.strerror}
        ) from exc
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline=newline) as fh:
            writer(fh)
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise InputError(
                "kamusm.output_unwritable", details={"path": str(path), "reason": exc.strerror}
            ) from exc
        raise


def read_input(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise InputError("input.not_found", details={"path": str(path)}) from exc
    except OSError as exc:
        raise InputError("input.unreadable", details={"path": str(path), "reason": exc.strerror}) from exc
