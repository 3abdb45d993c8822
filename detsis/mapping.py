"""The institution's own unit list mapped to DETSİS, and the checks that keep it right.

A mapping is the municipality's internal unit list: one row per internal unit, as CSV with the header
``internal_code,internal_name,detsis,internal_parent`` or as YAML with the same keys (a list of rows, or
``{"units": [...]}``). ``internal_parent`` names another row's ``internal_code`` (empty for the top).

:func:`check_mapping` reports each problem with a stable code:

=======================================  ============================================================
``detsis.mapping.invalid_detsis``        the row's DETSİS number is empty or malformed
``detsis.mapping.unknown_unit``          the registry has no such unit
``detsis.mapping.inactive_unit``         the unit is not active
``detsis.mapping.outside_institution``   the unit belongs to another institution
``detsis.mapping.duplicate_detsis``      a second internal unit maps to the same DETSİS number
``detsis.mapping.unknown_internal_parent``  ``internal_parent`` names no row of the mapping
``detsis.mapping.parent_not_ancestor``   the internal parent's unit is not an ancestor of the child's
``detsis.mapping.name_drift``            the registry's name differs beyond Turkish case and spacing
``detsis.mapping.unmapped_unit``         an active unit of the institution that no row maps to
=======================================  ============================================================

:func:`broken_mappings` says which rows a registry change breaks: the problems the new snapshot has and
the old one did not, on rows whose unit (or whose internal parent's unit) changed.
"""

from __future__ import annotations

import csv
import io
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any, Final

from . import _turkish
from ._errors import InvalidMapping, ValidationError
from ._files import read_text_file
from .diff import Change
from .ids import validate
from .registry import Registry

__all__ = [
    "MappingEntry",
    "UnitMapping",
    "Problem",
    "BrokenMapping",
    "load_mapping",
    "check_mapping",
    "broken_mappings",
    "summarize",
    "infer_institution",
    "PROBLEM_CODES",
    "HEADER",
]

#: The CSV header (and YAML keys) of a mapping.
HEADER: Final = ("internal_code", "internal_name", "detsis", "internal_parent")

INVALID_DETSIS: Final = "detsis.mapping.invalid_detsis"
UNKNOWN_UNIT: Final = "detsis.mapping.unknown_unit"
INACTIVE_UNIT: Final = "detsis.mapping.inactive_unit"
OUTSIDE_INSTITUTION: Final = "detsis.mapping.outside_institution"
DUPLICATE_DETSIS: Final = "detsis.mapping.duplicate_detsis"
UNKNOWN_INTERNAL_PARENT: Final = "detsis.mapping.unknown_internal_parent"
PARENT_NOT_ANCESTOR: Final = "detsis.mapping.parent_not_ancestor"
NAME_DRIFT: Final = "detsis.mapping.name_drift"
UNMAPPED_UNIT: Final = "detsis.mapping.unmapped_unit"
#: Every problem code :func:`check_mapping` reports.
PROBLEM_CODES: Final = (
    INVALID_DETSIS,
    UNKNOWN_UNIT,
    INACTIVE_UNIT,
    OUTSIDE_INSTITUTION,
    DUPLICATE_DETSIS,
    UNKNOWN_INTERNAL_PARENT,
    PARENT_NOT_ANCESTOR,
    NAME_DRIFT,
    UNMAPPED_UNIT,
)


@dataclass(frozen=True)
class MappingEntry:
    """One internal unit and the DETSİS unit it maps to."""

    #: The municipality's own code for the unit.
    internal_code: str
    #: The municipality's own name for the unit.
    internal_name: str
    #: The DETSİS number as written (compacted when valid).
    detsis: str
    #: ``internal_code`` of the parent row, ``None`` at the top.
    internal_parent: str | None = None
    #: 1-based line (CSV) or item number (YAML) in the source, for messages.
    line: int | None = None


@dataclass(frozen=True)
class UnitMapping:
    """A loaded mapping: its rows in file order."""

    entries: tuple[MappingEntry, ...]
    #: Where it was loaded from, for messages.
    source: str | None = None
    _by_code: dict[str, MappingEntry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_code", {e.internal_code: e for e in self.entries})

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[MappingEntry]:
        return iter(self.entries)

    def get(self, internal_code: str) -> MappingEntry | None:
        """The row with this internal code."""
        return self._by_code.get(internal_code)

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]], source: str | None = None) -> UnitMapping:
        """Build from mappings with the :data:`HEADER` keys.

        :raises InvalidMapping: a row without ``internal_code``, or an internal code used twice.
        """
        entries: list[MappingEntry] = []
        seen: dict[str, int] = {}
        for index, row in enumerate(rows, start=1):
            if not isinstance(row, Mapping):
                raise InvalidMapping(f"item {index} is not a mapping", {"line": index, "reason": "not_a_row"})
            line = row.get("_line", index)
            code = _cell(row.get("internal_code"))
            if not code:
                raise InvalidMapping(
                    f"line {line}: internal_code is empty", {"line": line, "reason": "empty_internal_code"}
                )
            if code in seen:
                raise InvalidMapping(
                    f"line {line}: internal code {code} already used on line {seen[code]}",
                    {
                        "line": line,
                        "internal_code": code,
                        "reason": "duplicate_internal_code",
                        "first": seen[code],
                    },
                )
            seen[code] = line
            number = _cell(row.get("detsis"))
            try:
                number = validate(number)
            except ValidationError:
                pass
            entries.append(
                MappingEntry(
                    internal_code=code,
                    internal_name=_cell(row.get("internal_name")),
                    detsis=number,
                    internal_parent=_cell(row.get("internal_parent")) or None,
                    line=line,
                )
            )
        return cls(tuple(entries), source)


def _cell(value: object) -> str:
    if value is None:
        return ""
    return str(value).strip()


def load_mapping(source: str | os.PathLike[str] | IO[str], format: str | None = None) -> UnitMapping:  # noqa: A002
    """Load a mapping from CSV or YAML.

    :param source: a path or an open text stream.
    :param format: ``"csv"`` or ``"yaml"``; from the file suffix (``.yml``/``.yaml`` → YAML) when ``None``.
    :raises InvalidMapping: unreadable file, wrong header, bad YAML, duplicate internal code.
    """
    if isinstance(source, str | os.PathLike):
        path = os.fspath(source)
        if format is None:
            format = "yaml" if path.lower().endswith((".yml", ".yaml")) else "csv"
        fmt = format
        return read_text_file(path, lambda stream: _load_stream(stream, fmt, path), InvalidMapping, "mapping")
    return _load_stream(source, format or "csv", None)


def _load_stream(stream: IO[str], format: str, path: str | None) -> UnitMapping:  # noqa: A002
    if format == "yaml":
        return UnitMapping.from_rows(_yaml_rows(stream.read()), path)
    if format != "csv":
        raise InvalidMapping(
            f"unknown mapping format {format!r}", {"reason": "format", "format": str(format)}
        )
    text = stream.read()
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    fields = [f.strip() for f in (reader.fieldnames or [])]
    missing = [name for name in HEADER if name not in fields]
    if missing:
        raise InvalidMapping(
            "the mapping's header must be " + ",".join(HEADER),
            {"reason": "header", "missing": missing, "expected": ",".join(HEADER)},
        )
    reader.fieldnames = fields

    def rows() -> Iterator[dict[str, Any]]:
        for row in reader:
            if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
                continue  # blank line
            yield {**row, "_line": reader.line_num}

    return UnitMapping.from_rows(rows(), path)


def _yaml_rows(text: str) -> list[Any]:
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InvalidMapping("the mapping is not valid YAML", {"reason": "yaml", "line": line}) from None
    if isinstance(data, Mapping):
        data = data.get("units")
    if data is None:
        data = []
    if not isinstance(data, list):
        raise InvalidMapping(
            "a YAML mapping is a list of units or {units: [...]}",
            {"reason": "shape", "expected": ",".join(HEADER)},
        )
    for item in data:
        if isinstance(item, Mapping):
            unknown = sorted(str(k) for k in item if k not in HEADER)
            if unknown:
                raise InvalidMapping(
                    "unknown keys in the mapping: " + ", ".join(unknown),
                    {"reason": "header", "unknown": unknown, "expected": ",".join(HEADER)},
                )
    return data


# ------------------------------------------------------------------------------------------- checks
@dataclass(frozen=True)
class Problem:
    """One problem found by :func:`check_mapping`."""

    #: One of :data:`PROBLEM_CODES`.
    code: str
    #: The row's internal code; ``None`` for :data:`UNMAPPED_UNIT`.
    internal_code: str | None
    #: The DETSİS number concerned.
    detsis: str | None
    #: Facts for the message (names, the other rows, the institution...).
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "internal_code": self.internal_code,
            "detsis": self.detsis,
            "details": dict(self.details),
        }


def check_mapping(mapping: UnitMapping, registry: Registry, institution: str | int) -> list[Problem]:
    """Check every row of ``mapping`` against ``registry`` for the institution ``institution``.

    Rows are reported in file order (a row may have several problems), then the institution's active units
    that no row maps to, by DETSİS number.

    :raises InvalidFormat: ``institution`` is not a DETSİS number.
    :raises UnknownUnit: ``institution`` is not in the registry.
    """
    wanted = registry.lookup(institution).detsis
    problems: list[Problem] = []
    add = problems.append
    first_by_detsis: dict[int, MappingEntry] = {}
    for entry in mapping:
        base = {"internal_name": entry.internal_name, "line": entry.line}
        unit = registry.get(entry.detsis) if _is_number(entry.detsis) else None
        if not _is_number(entry.detsis):
            add(
                Problem(
                    INVALID_DETSIS, entry.internal_code, entry.detsis or None, {**base, "value": entry.detsis}
                )
            )
        elif unit is None:
            add(Problem(UNKNOWN_UNIT, entry.internal_code, entry.detsis, base))
        else:
            details = {**base, "name": unit.name}
            if not unit.active:
                add(Problem(INACTIVE_UNIT, entry.internal_code, unit.number, details))
            actual = unit.institution or unit.detsis
            if actual != wanted:
                add(
                    Problem(
                        OUTSIDE_INSTITUTION,
                        entry.internal_code,
                        unit.number,
                        {**details, "institution": str(wanted), "actual_institution": str(actual)},
                    )
                )
            first = first_by_detsis.setdefault(unit.detsis, entry)
            if first is not entry:
                add(
                    Problem(
                        DUPLICATE_DETSIS,
                        entry.internal_code,
                        unit.number,
                        {**details, "other_internal_code": first.internal_code},
                    )
                )
            if entry.internal_name and _turkish.casefold(entry.internal_name) != _turkish.casefold(unit.name):
                add(
                    Problem(
                        NAME_DRIFT, entry.internal_code, unit.number, {**details, "registry_name": unit.name}
                    )
                )
        if entry.internal_parent is not None:
            parent = mapping.get(entry.internal_parent)
            if parent is None:
                add(
                    Problem(
                        UNKNOWN_INTERNAL_PARENT,
                        entry.internal_code,
                        entry.detsis or None,
                        {**base, "internal_parent": entry.internal_parent},
                    )
                )
            elif unit is not None and parent.detsis != unit.number:
                parent_unit = registry.get(parent.detsis) if _is_number(parent.detsis) else None
                if parent_unit is not None and all(
                    a.detsis != parent_unit.detsis for a in registry.ancestors(unit.detsis)
                ):
                    add(
                        Problem(
                            PARENT_NOT_ANCESTOR,
                            entry.internal_code,
                            unit.number,
                            {
                                **base,
                                "internal_parent": parent.internal_code,
                                "parent_detsis": parent_unit.number,
                                "registry_parent": None if unit.parent is None else str(unit.parent),
                            },
                        )
                    )
    mapped = set(first_by_detsis)
    unmapped = sorted(
        u.detsis
        for u in registry
        if u.active and (u.institution or u.detsis) == wanted and u.detsis not in mapped
    )
    for number in unmapped:
        unit = registry.lookup(number)
        add(Problem(UNMAPPED_UNIT, None, unit.number, {"name": unit.name, "institution": str(wanted)}))
    return problems


def _is_number(text: str) -> bool:
    return len(text) == 8 and text.isascii() and text.isdigit() and text[0] != "0"


def summarize(mapping: UnitMapping, problems: Iterable[Problem]) -> dict[str, Any]:
    """Counts for a check report: rows, problems, problems per code, rows with at least one problem."""
    problems = list(problems)
    by_code = Counter(p.code for p in problems)
    rows = {p.internal_code for p in problems if p.internal_code is not None}
    return {
        "entries": len(mapping),
        "problems": len(problems),
        "entries_with_problems": len(rows),
        "by_code": {code: by_code[code] for code in PROBLEM_CODES if by_code[code]},
    }


@dataclass(frozen=True)
class BrokenMapping:
    """A mapping row that a registry change breaks."""

    #: The row's internal code.
    internal_code: str
    #: The row's DETSİS number.
    detsis: str
    #: The change kinds behind it (of the row's unit or of its internal parent's unit).
    changes: tuple[str, ...]
    #: The new problem, as :func:`check_mapping` reports it on the new snapshot.
    problem: Problem

    def to_dict(self) -> dict[str, Any]:
        return {
            "internal_code": self.internal_code,
            "detsis": self.detsis,
            "changes": list(self.changes),
            "code": self.problem.code,
            "details": dict(self.problem.details),
        }


def broken_mappings(
    changes: Iterable[Change],
    mapping: UnitMapping,
    old: Registry,
    new: Registry,
    institution: str | int | None = None,
) -> list[BrokenMapping]:
    """The rows of ``mapping`` that the ``changes`` from ``old`` to ``new`` break.

    A row is broken when the new snapshot gives it a problem the old one did not (the unit removed,
    deactivated, moved out of the institution or away from the internal parent's unit, renamed away from
    the internal name) and its unit, or its internal parent's unit, is among the changed ones.

    :param institution: the institution; by default the one most rows' units belong to in ``old``.
    """
    by_unit: dict[str, list[str]] = {}
    for change in changes:
        by_unit.setdefault(change.detsis, []).append(change.kind)
    if not by_unit:
        return []
    if institution is None:
        institution = infer_institution(mapping, old)
        if institution is None:
            return []
    wanted = int(validate(institution))
    old_problems = _problem_keys(mapping, old, wanted)
    new_problems = check_mapping(mapping, new, wanted) if wanted in new else []
    out: list[BrokenMapping] = []
    for problem in new_problems:
        if problem.internal_code is None:
            continue
        key = (problem.code, problem.internal_code)
        if key in old_problems:
            continue
        entry = mapping.get(problem.internal_code)
        if entry is None:
            continue
        kinds = list(by_unit.get(entry.detsis, ()))
        if entry.internal_parent is not None:
            parent = mapping.get(entry.internal_parent)
            if parent is not None:
                kinds += [k for k in by_unit.get(parent.detsis, ()) if k not in kinds]
        if kinds:
            out.append(BrokenMapping(entry.internal_code, entry.detsis, tuple(kinds), problem))
    return out


def _problem_keys(mapping: UnitMapping, registry: Registry, institution: int) -> set[tuple[str, str | None]]:
    if institution not in registry:
        return set()
    return {(p.code, p.internal_code) for p in check_mapping(mapping, registry, institution)}


def infer_institution(mapping: UnitMapping, registry: Registry) -> str | None:
    """The institution that most of the mapping's known units belong to, or ``None``."""
    counts = Counter(
        unit.institution or unit.detsis
        for unit in (registry.get(e.detsis) for e in mapping if _is_number(e.detsis))
        if unit is not None
    )
    if not counts:
        return None
    return str(counts.most_common(1)[0][0])
