"""The boundary between the pure :mod:`detsis` package and ebys-support: loading the configured snapshot and
mapping, turning :mod:`detsis` errors into :class:`~ebys_support.errors.EbysError` with messages, and the
JSON shapes the CLI and the HTTP service share.
"""

from __future__ import annotations

import os
from typing import Any

import detsis
from ebys_support import i18n
from ebys_support.errors import (
    ConfigurationError,
    EbysError,
    InputError,
    NotFound,
    UsageError,
    ValidationFailed,
)

__all__ = [
    "to_error",
    "load_registry",
    "load_mapping",
    "problem_to_dict",
    "check_report",
    "diff_report",
    "validate_results",
    "explain",
]

# Reasons of an unreadable snapshot or mapping that have their own explanation (ui.detsis.reason.<reason>).
_REASONS = frozenset(
    {
        "missing", "flag", "integer", "not_an_object", "empty", "columns", "cells", "encoding", "no_units",
        "extra_data", "header", "yaml", "not_a_row", "empty_internal_code", "duplicate_internal_code",
    }
)  # fmt: skip
# errno names of the commonest reasons a file cannot be opened (ui.detsis.os_error.<name>).
_OS_ERRORS = frozenset({"ENOENT", "EACCES", "EISDIR", "ENOTDIR"})


def explain(code: str, details: dict[str, Any], lang: str) -> str:
    """Why a snapshot or mapping cannot be used, in ``lang``, from a :mod:`detsis` error's code and details
    (what the ``{problem}`` of its message says)."""
    return _problem(code, details, lang)


class _UnreadableInput(InputError):
    """An unreadable snapshot or mapping (``detsis.invalid_snapshot`` or ``detsis.invalid_mapping``).

    :mod:`detsis` describes the trouble with a machine ``reason`` (with ``field``, ``index``, ``line`` or
    ``path`` where known); this error explains it in the reader's language and names only the places known.
    """

    def localized(self, lang: str = "en") -> str:
        details = self.details
        params = {**details, "problem": _problem(self.code, details, lang), "where": _where(details, lang)}
        return i18n.message(self.code, lang, **params)


def _problem(code: str, details: dict[str, Any], lang: str) -> str:
    reason = str(details.get("reason", ""))
    params = {key: _text(value) for key, value in details.items()}
    if "os_error" in details:
        name = str(details["os_error"])
        key = f"ui.detsis.os_error.{name}" if name in _OS_ERRORS else "ui.detsis.os_error.other"
        return i18n.message(key, lang, **params)
    if details.get("syntax") == "json":
        return i18n.message("ui.detsis.reason.json", lang, **params)
    if reason == "shape":
        return i18n.message(f"ui.detsis.reason.shape.{code.rsplit('.', 1)[-1]}", lang, **params)
    if reason == "header" and "unknown" in details:
        return i18n.message("ui.detsis.reason.unknown_keys", lang, **params)
    if reason == "format" and "field" not in details:
        return i18n.message("ui.detsis.reason.file_format", lang, **params)
    if reason in _REASONS:
        return i18n.message(f"ui.detsis.reason.{reason}", lang, **params)
    if "field" in details:  # a DETSİS number field: digits, length, leading_zero, empty, format
        return i18n.message("ui.detsis.reason.number", lang, **params)
    return reason or i18n.message("ui.detsis.reason.unknown", lang)


def _where(details: dict[str, Any], lang: str) -> str:
    if isinstance(details.get("index"), int):
        record = details["index"] + 1  # people count from 1
        if details.get("detsis"):
            return i18n.message(
                "ui.detsis.where.record_detsis", lang, record=record, detsis=details["detsis"]
            )
        return i18n.message("ui.detsis.where.record", lang, record=record)
    if isinstance(details.get("line"), int):
        return i18n.message("ui.detsis.where.line", lang, line=details["line"])
    return ""


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def to_error(exc: detsis.ValidationError) -> EbysError:
    """The :class:`EbysError` for a :mod:`detsis` error: unknown units are ``NotFound``, unreadable snapshots
    and mappings ``InputError`` (whose message explains the reason), the rest ``ValidationFailed``; details
    keep every fact."""
    details = dict(exc.details)
    if isinstance(exc, detsis.UnknownUnit):
        return NotFound(exc.code, str(exc), details)
    if type(exc) in (detsis.InvalidSnapshot, detsis.InvalidMapping):
        return _UnreadableInput(exc.code, str(exc), details)
    if isinstance(exc, detsis.InvalidSnapshot | detsis.InvalidMapping):
        return InputError(exc.code, str(exc), details)
    return ValidationFailed(exc.code, str(exc), details)


def load_registry(path: str | os.PathLike[str] | None) -> detsis.Registry:
    """Load a snapshot, with errors as :class:`EbysError`.

    :raises ConfigurationError: no path (``detsis.registry_not_configured``).
    :raises InputError: unreadable or invalid snapshot.
    """
    if not path:
        raise ConfigurationError("detsis.registry_not_configured")
    try:
        return detsis.load(path)
    except detsis.ValidationError as exc:
        raise to_error(exc) from None


def load_mapping(path: str | os.PathLike[str] | None) -> detsis.UnitMapping:
    """Load a mapping (CSV or YAML), with errors as :class:`EbysError`."""
    if not path:
        raise UsageError("detsis.mapping_not_configured")
    try:
        return detsis.load_mapping(path)
    except detsis.ValidationError as exc:
        raise to_error(exc) from None


def problem_to_dict(problem: detsis.Problem, lang: str) -> dict[str, Any]:
    """``{"code", "internal_code", "detsis", "message", "details"}``."""
    params = {"internal_code": problem.internal_code, "detsis": problem.detsis, **problem.details}
    return {
        "code": problem.code,
        "internal_code": problem.internal_code,
        "detsis": problem.detsis,
        "message": i18n.message(problem.code, lang, **params),
        "details": dict(problem.details),
    }


def check_report(
    mapping: detsis.UnitMapping, registry: detsis.Registry, institution: str | int, lang: str
) -> dict[str, Any]:
    """The ``check-mapping`` report: ``{"problems": [...], "summary": {...}}``."""
    try:
        problems = detsis.check_mapping(mapping, registry, institution)
        wanted = registry.lookup(institution)
    except detsis.ValidationError as exc:
        raise to_error(exc) from None
    summary = detsis.summarize(mapping, problems)
    summary["institution"] = wanted.number
    summary["institution_name"] = wanted.name
    return {"problems": [problem_to_dict(p, lang) for p in problems], "summary": summary}


def diff_report(
    old: detsis.Registry,
    new: detsis.Registry,
    mapping: detsis.UnitMapping | None,
    lang: str,
    institution: str | int | None = None,
) -> dict[str, Any]:
    """The ``diff`` report: ``{"changes": [{"kind", "detsis", "old", "new"}], "broken_mappings": [...]}``."""
    changes = detsis.diff(old, new)
    broken: list[dict[str, Any]] = []
    if mapping is not None:
        try:
            found = detsis.broken_mappings(changes, mapping, old, new, institution)
        except detsis.ValidationError as exc:
            raise to_error(exc) from None
        for item in found:
            entry = problem_to_dict(item.problem, lang)
            entry["changes"] = list(item.changes)
            broken.append(entry)
    counts = {kind: 0 for kind in detsis.KINDS}
    for change in changes:
        counts[change.kind] += 1
    return {
        "changes": [c.to_dict() for c in changes],
        "broken_mappings": broken,
        "summary": {"changes": len(changes), "by_kind": counts, "broken_mappings": len(broken)},
    }


def validate_results(
    inputs: list[str],
    lang: str,
    registry: detsis.Registry | None = None,
    institution: str | int | None = None,
) -> list[dict[str, Any]]:
    """One result per input, like the SDP commands:
    ``{"input", "valid", "normalized", "error": null|{"code","message"}, "warnings", ...unit fields}``."""
    results = []
    for text in inputs:
        result: dict[str, Any] = {
            "input": text,
            "valid": False,
            "normalized": None,
            "error": None,
            "warnings": [],
        }
        try:
            result["normalized"] = detsis.validate(text)
            if registry is not None:
                unit = registry.check(text, institution=institution)
                result["name"] = unit.name
                result["institution"] = str(unit.institution or unit.detsis)
            result["valid"] = True
        except detsis.ValidationError as exc:
            err = to_error(exc)
            result["error"] = {"code": err.code, "message": err.localized(lang), "details": err.details}
        results.append(result)
    return results
