"""Reading and writing SDP catalogues and retention rules as files (the I/O around :mod:`sdp_codes`).

* :func:`load_catalogue` -- a shipped catalogue by name (``starter``, ``starter-tapu-kadastro``...) or a JSON
  catalogue written by ``ebys-support sdp import``.
* :func:`read_plan` -- an institution's own plan: CSV or XLSX in the published column layout, or the JSON
  rows of DETSİS ``KurumSDPKodlariGetirWs`` (see :mod:`sdp_codes.loaders`).
* :func:`write_catalogue` -- the JSON form, written atomically.
* :func:`load_rules` -- retention rules (``sdp_codes/data/retention.json`` or a replacement).
"""

from __future__ import annotations

import csv
import errno
import hashlib
import io
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import sdp_codes
from ebys_support import i18n
from ebys_support.config import Config
from ebys_support.errors import InputError, UsageError
from sdp_codes import loaders
from sdp_codes.retention import RetentionRules, default_rules

__all__ = [
    "FORMATS",
    "CatalogueFileError",
    "atomic_text",
    "configured_catalogue",
    "load_catalogue",
    "load_rules",
    "read_plan",
    "write_catalogue",
]

#: Import formats: published layout as CSV or XLSX, DETSİS web-service rows as JSON.
FORMATS = ("csv", "xlsx", "detsis-json")


#: Errors of a write that say the output cannot take the file (not a problem of what is being read).
_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def _unwritable(path: Path, exc: OSError) -> InputError:
    return InputError(
        "sdp.output_unwritable",
        details={"path": str(path), "reason": exc.strerror or type(exc).__name__},
    )


@contextmanager
def atomic_text(path: str | Path, *, newline: str | None = None) -> Iterator[IO[str]]:
    """A UTF-8 text file that appears at ``path`` complete, or not at all (temp file + ``os.replace``).

    :raises InputError: ``sdp.output_unwritable`` when the folder is missing or read-only, the disk is
        full, or ``path`` is a folder; nothing is left behind.
    """
    target = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise _unwritable(target, exc) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as fh:
            try:
                yield fh
            except OSError as exc:
                if exc.errno in _FULL:
                    raise _unwritable(target, exc) from exc
                raise
            try:
                fh.flush()
                os.fsync(fh.fileno())
            except OSError as exc:
                raise _unwritable(target, exc) from exc
        try:
            os.replace(tmp, target)
        except OSError as exc:
            raise _unwritable(target, exc) from exc
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


class CatalogueFileError(InputError):
    """``sdp.invalid_catalogue`` for a file: the message names the file, the row when there is one, and
    what is wrong with it in the reader's language (``ui.sdp.catalogue.<reason>``)."""

    code = "sdp.invalid_catalogue"

    def localized(self, lang: str = "en") -> str:
        details = self.details
        reason = str(details.get("reason", "format"))
        key = f"ui.sdp.catalogue.{reason}"
        if not i18n.has(key):
            key = "ui.sdp.catalogue.field"
        text = i18n.message(key, lang, **details)
        row = details.get("row")
        where = "ui.sdp.catalogue.where_row" if isinstance(row, int) else "ui.sdp.catalogue.where"
        place = i18n.message(where, lang, path=details.get("path", "-"), row=row)
        return i18n.message(self.code, lang, reason=f"{place}: {text}")


def _invalid(exc: sdp_codes.ValidationError, path: Path) -> InputError:
    details: dict[str, Any] = {"reason": "format", **exc.details, "path": str(path)}
    return CatalogueFileError(details=details)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError("input.not_found", details={"path": str(path)}) from None
    except OSError as exc:
        raise InputError(
            "input.unreadable", details={"path": str(path), "reason": exc.strerror or "I/O"}
        ) from exc


def load_catalogue(spec: str | Path, *, base: Path | None = None) -> sdp_codes.Catalogue:
    """A shipped catalogue by name, or a JSON catalogue file (relative paths against ``base``).

    :raises InputError: ``input.not_found``, ``input.unreadable`` or ``sdp.invalid_catalogue``.
    """
    text = str(spec)
    path = Path(text).expanduser()
    if base is not None and not path.is_absolute():
        path = base / path
    if text in sdp_codes.BUILTIN_CATALOGUES and not path.exists():
        return sdp_codes.builtin_catalogue(text)
    raw = _read_bytes(path)
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError("input.unreadable", details={"path": str(path), "reason": str(exc)[:200]}) from exc
    try:
        return sdp_codes.Catalogue.from_json(data)
    except sdp_codes.ValidationError as exc:
        raise _invalid(exc, path) from exc


def configured_catalogue(config: Config, override: str | Path | None = None) -> sdp_codes.Catalogue:
    """``override``, else ``[sdp] catalogue`` of the instance, else the shipped ``starter`` catalogue."""
    spec = override if override else (config.sdp.catalogue or "starter")
    return load_catalogue(spec, base=None if override else config.instance)


def load_rules(path: str | Path | None = None) -> RetentionRules:
    """Retention rules from ``path`` (same form as ``sdp_codes/data/retention.json``), or the shipped ones.

    :raises InputError: unreadable file or not in that form (``sdp.invalid_catalogue``).
    """
    if not path:
        return default_rules()
    file = Path(path).expanduser()
    raw = _read_bytes(file)
    try:
        data = json.loads(raw.decode("utf-8-sig"))
        return RetentionRules.from_json(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError("input.unreadable", details={"path": str(file), "reason": str(exc)[:200]}) from exc
    except sdp_codes.ValidationError as exc:
        raise _invalid(exc, file) from exc


def _csv_rows(raw: bytes, path: Path) -> Iterable[list[str]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1254")  # Excel on Turkish Windows saves CSV in Windows-1254
    try:
        dialect: Any = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return list(csv.reader(io.StringIO(text, newline=""), dialect))


def _xlsx_rows(path: Path) -> Iterable[tuple[Any, ...]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise InputError(
            "input.unreadable", details={"path": str(path), "reason": "not an XLSX workbook"}
        ) from exc
    try:
        sheet = book.worksheets[0]
        return [tuple(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def detect_format(path: Path) -> str:
    """``csv``, ``xlsx`` or ``detsis-json`` from the file name.

    :raises UsageError: ``sdp.import_unsupported_format``.
    """
    suffix = path.suffix.lower()
    found = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".json": "detsis-json"}.get(
        suffix
    )
    if found is None:
        raise UsageError("sdp.import_unsupported_format", details={"path": str(path)})
    return found


def read_plan(
    path: str | Path,
    *,
    fmt: str | None = None,
    name: str | None = None,
    title: str = "",
    source: str | None = None,
    revision: str | None = None,
    licence: str = "",
    covers: Iterable[str] | None = None,
) -> sdp_codes.Catalogue:
    """Read an institution's plan into a catalogue.

    :param fmt: one of :data:`FORMATS`; by default from the file name (``.csv``, ``.xlsx``, ``.json``).
    :param name: the catalogue's name (default: the file name without extension).
    :param source: where the rows come from (default: the file name and format).
    :param revision: the plan's revision (default: ``sha256:`` and the start of the file's hash).
    :param covers: main-subject ranges the plan holds completely (default: the main codes it has;
        ``["all"]`` for 000-999).
    :raises InputError: unreadable file, or a malformed row (``sdp.invalid_catalogue`` naming the row).
    :raises UsageError: unknown format.
    """
    file = Path(path).expanduser()
    kind = fmt or detect_format(file)
    if kind not in FORMATS:
        raise UsageError("sdp.import_unsupported_format", details={"path": str(file)})
    raw = _read_bytes(file)
    meta: dict[str, Any] = {
        "name": name or file.stem,
        "title": title,
        "source": source or f"{file.name} ({kind})",
        "revision": revision or "sha256:" + hashlib.sha256(raw).hexdigest()[:16],
        "licence": licence,
        "covers": list(covers) if covers else None,
    }
    try:
        if kind == "csv":
            return loaders.from_published_rows(_csv_rows(raw, file), **meta)
        if kind == "xlsx":
            return loaders.from_published_rows(_xlsx_rows(file), **meta)
        try:
            data = json.loads(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(
                "input.unreadable", details={"path": str(file), "reason": str(exc)[:200]}
            ) from exc
        return loaders.from_detsis_rows(data, **meta)
    except sdp_codes.ValidationError as exc:
        raise _invalid(exc, file) from exc


def write_catalogue(catalogue: sdp_codes.Catalogue, path: str | Path) -> None:
    """Write the JSON form of ``catalogue`` to ``path`` atomically."""
    with atomic_text(path) as fh:
        json.dump(catalogue.to_json(), fh, ensure_ascii=False, indent=1)
        fh.write("\n")
