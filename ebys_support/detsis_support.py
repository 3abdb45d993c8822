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
]

_DEFAULTS = {
    "index": "-",
    "field": "-",
    "line": "-",
    "reason": "-",
    "expected": ",".join(detsis.mapping.HEADER),
}


def to_error(exc: detsis.ValidationError) -> EbysError:
    """The :class:`EbysError` for a :mod:`detsis` error: unknown units are ``NotFound``, unreadable snapshots
    and mappings ``InputError``, the rest ``ValidationFailed``; details keep every fact, with defaults for
    the message's placeholders."""
    details = (
        {**_DEFAULTS, **exc.details}
        if isinstance(exc, detsis.InvalidSnapshot | detsis.InvalidMapping)
        else dict(exc.details)
    )
    if isinstance(exc, detsis.UnknownUnit):
        return NotFound(exc.code, str(exc), details)
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
