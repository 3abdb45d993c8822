"""The archive retention audit: check every record of an EBYS archive export and list what is due.

The export is a CSV file with a header line, one record a row. Default columns ``id, sayi, sdp_code, date,
unit`` (map other names with ``columns``); ``sayi`` or ``sdp_code`` may be empty, not both; ``date`` is
``YYYY-MM-DD`` or ``DD.MM.YYYY``. For each record the audit checks the Sayı (:mod:`ebys_support.document_number`,
against the catalogue and, when given, the DETSİS registry) or the SDP code (:mod:`sdp_codes`); when the
catalogue gives the code a retention period in years, it computes the last year of the period and, once
that year is over (before ``as_of``), the disposition the code's Saklama Kodu implies
(:class:`sdp_codes.RetentionRules`; the meanings are unconfirmed data).

The report has one row per problem (with its line number and error code) or due record, and a summary:
counts per error code, warning code, disposition and end-of-retention year. It is written atomically
(complete or absent) as CSV or JSON, and the audit streams: memory stays flat whatever the row count.
Caches of checked codes and dates make repeated values cheap; they are bounded.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import compress, islice, repeat, starmap
from operator import add, and_, is_, itemgetter, not_, sub
from pathlib import Path
from typing import IO, Any

import sdp_codes
from ebys_support import document_number, i18n
from ebys_support.errors import InputError, UsageError
from ebys_support.sdp_catalogues import atomic_text
from sdp_codes.retention import RetentionRules

__all__ = [
    "FIELDS",
    "REPORT_COLUMNS",
    "AuditSummary",
    "parse_columns",
    "parse_date",
    "run",
]

#: The record fields and their default column names.
FIELDS = ("id", "sayi", "sdp_code", "date", "unit")
#: Columns of the CSV report.
REPORT_COLUMNS = (
    "kind",
    "line",
    "id",
    "sayi",
    "sdp_code",
    "date",
    "unit",
    "code",
    "message",
    "retention_end_year",
    "retention_code",
    "disposition",
)
_CACHE_LIMIT = 100_000
_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_TR = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")


@dataclass
class AuditSummary:
    """Counts over the whole export."""

    as_of: dt.date
    catalogue: str
    catalogue_revision: str
    records: int = 0
    valid: int = 0
    problems: int = 0
    due: int = 0
    #: Valid records whose code the catalogue does not cover (checked for form only).
    not_checked: int = 0
    #: Valid records whose code has no retention period in years.
    without_retention: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    warnings: Counter[str] = field(default_factory=Counter)
    dispositions: Counter[str] = field(default_factory=Counter)
    years: Counter[int] = field(default_factory=Counter)
    #: Disposition key → its description in the report's language.
    labels: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "catalogue": self.catalogue,
            "catalogue_revision": self.catalogue_revision,
            "records": self.records,
            "valid": self.valid,
            "problems": self.problems,
            "due": self.due,
            "not_checked": self.not_checked,
            "without_retention": self.without_retention,
            "errors": dict(sorted(self.errors.items())),
            "warnings": dict(sorted(self.warnings.items())),
            "dispositions": dict(sorted(self.dispositions.items())),
            "retention_end_years": {str(k): v for k, v in sorted(self.years.items())},
            "disposition_labels": dict(sorted(self.labels.items())),
        }


def parse_date(text: str) -> dt.date | None:
    """``YYYY-MM-DD`` or ``DD.MM.YYYY`` (surrounding spaces allowed), else ``None``.

    >>> parse_date("2024-11-21"), parse_date("21.11.2024"), parse_date("2024-02-30")
    (datetime.date(2024, 11, 21), datetime.date(2024, 11, 21), None)
    """
    value = text.strip()
    m = _ISO.fullmatch(value)
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    else:
        m = _TR.fullmatch(value)
        if not m:
            return None
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
    try:
        return dt.date(y, mo, d)
    except ValueError:
        return None


def parse_columns(spec: str | Mapping[str, str] | None) -> dict[str, str]:
    """The field → column-name map: defaults, overridden by ``"sayi=Belge No,date=Tarih"``.

    :raises UsageError: ``sdp.audit.invalid_columns``.
    """
    out = {f: f for f in FIELDS}
    if not spec:
        return out
    pairs = spec.items() if isinstance(spec, Mapping) else [p.partition("=")[::2] for p in spec.split(",")]
    for key, value in pairs:
        key, value = key.strip(), value.strip()
        if key not in out or not value:
            raise UsageError("sdp.audit.invalid_columns", details={"value": str(spec)[:200]})
        out[key] = value
    return out


class _Writer:
    """CSV (one header line, then rows, then ``summary:<group>`` rows) or JSON (``{..., "rows": [...],
    "summary": {...}}``), written as the audit goes. Rows are rendered to text first (:meth:`render`,
    :meth:`render_due`) so that a chunk can put its rows in line order before :meth:`emit`."""

    def __init__(self, fh: IO[str], kind: str, head: Mapping[str, Any]) -> None:
        self.fh = fh
        self.kind = kind
        self.first = True
        self.tails: dict[
            str, str
        ] = {}  # chunk key → "retention code,disposition\r\n" as the csv module writes it
        self.buffer = io.StringIO()
        self.csv = csv.writer(self.buffer)
        if kind == "csv":
            csv.writer(fh).writerow(REPORT_COLUMNS)
        else:
            text = json.dumps(dict(head), ensure_ascii=False)
            fh.write(text[:-1] + ', "rows": [\n')

    def render(self, values: tuple[Any, ...]) -> str:
        """One report row as text."""
        if self.kind == "csv":
            self.buffer.seek(0)
            self.buffer.truncate()
            self.csv.writerow(values)
            return self.buffer.getvalue()
        item = {k: v for k, v in zip(REPORT_COLUMNS, values, strict=False) if v != ""}
        return json.dumps(item, ensure_ascii=False)

    def render_due(
        self,
        lines: list[int],
        fields: list[tuple[str, ...]],
        ends: list[int],
        keys: list[str],
        hits: Mapping[str, _Hit],
    ) -> list[str]:
        """Due rows: ``("due", line, *fields, "", "", end, retention code, disposition)``.

        CSV rows whose fields need no quoting are joined directly (the csv module would write the same
        text); the end of a row, the same for every row of a key, is rendered once per key."""
        if self.kind == "csv":
            bodies = list(map(",".join, fields))
            joined = "\x1f".join(bodies)
            if joined.count(",") == (len(FIELDS) - 1) * len(bodies) and not _NEEDS_QUOTING.search(joined):
                tails = list(map(self.tails.get, keys))
                if None in tails:
                    for key in compress(keys, map(is_, tails, repeat(None))):
                        hit = hits[key]
                        self.tails[key] = self.render((hit[2], hit[3]))
                    tails = list(map(self.tails.get, keys))
                return list(starmap("due,{},{},,,{},{}".format, zip(lines, bodies, ends, tails, strict=True)))
        due_hits = list(map(hits.__getitem__, keys))
        return list(
            map(
                self.render,
                map(
                    add,
                    map(add, zip(repeat("due"), lines, strict=False), fields),
                    zip(
                        repeat(""),
                        repeat(""),
                        ends,
                        map(itemgetter(2), due_hits),
                        map(itemgetter(3), due_hits),
                        strict=False,
                    ),
                ),
            )
        )

    def emit(self, texts: list[str]) -> None:
        """Write rendered rows."""
        if not texts:
            return
        if self.kind == "csv":
            self.fh.writelines(texts)
            return
        self.fh.write(("" if self.first else ",\n") + ",\n".join(texts))
        self.first = False

    def close(self, summary: dict[str, Any]) -> None:
        if self.kind == "csv":
            rows = []
            blank = ("",) * 5
            for group in ("errors", "warnings", "dispositions", "retention_end_years"):
                for key, count in summary[group].items():
                    rows.append((f"summary:{group}", "", *blank, key, count, "", "", ""))
            for key in ("records", "valid", "problems", "due", "not_checked", "without_retention"):
                rows.append(("summary:totals", "", *blank, key, summary[key], "", "", ""))
            for key, label in summary["disposition_labels"].items():
                rows.append(("summary:disposition_labels", "", *blank, key, label, "", "", ""))
            self.emit([self.render(r) for r in rows])
            return
        self.fh.write('\n], "summary": ' + json.dumps(summary, ensure_ascii=False) + "}\n")


def _header_index(header: list[str], columns: Mapping[str, str], path: Path) -> dict[str, int | None]:
    names = [h.strip() for h in header]
    folded = [i18n.turkish.casefold(h) for h in names]
    index: dict[str, int | None] = {}
    for key in FIELDS:
        wanted = columns[key]
        if wanted in names:
            index[key] = names.index(wanted)
        elif i18n.turkish.casefold(wanted) in folded:
            index[key] = folded.index(i18n.turkish.casefold(wanted))
        else:
            index[key] = None
    required = ["date"]
    if index["sayi"] is None and index["sdp_code"] is None:
        required.append("sayi")
    for key in FIELDS:
        explicit = columns[key] != key
        if index[key] is None and (key in required or explicit):
            raise InputError(
                "sdp.audit.missing_column", details={"path": str(path), "column": columns[key], "field": key}
            )
    return index


def run(
    export: str | Path,
    out: str | Path,
    *,
    catalogue: sdp_codes.Catalogue | None = None,
    rules: RetentionRules | None = None,
    as_of: dt.date | None = None,
    columns: str | Mapping[str, str] | None = None,
    lang: str = "en",
    detsis_registry: document_number.DETSISRegistry | None = None,
    progress: Callable[[int], None] | None = None,
) -> AuditSummary:
    """Audit ``export`` and write the report to ``out`` (``.csv`` or ``.json``, atomically).

    :param catalogue: the file plan (default: the shipped ``starter`` catalogue).
    :param rules: retention rules (default: the shipped, unconfirmed ones).
    :param as_of: the audit date (default: today); records whose period ended before its year are due.
    :param columns: field → column-name map, or ``"sayi=Belge No,date=Tarih"``.
    :param lang: language of the report's messages.
    :param detsis_registry: when given, each Sayı's DETSİS number must be in it.
    :param progress: called with the number of lines read so far, after each chunk (a progress bar).
    :raises UsageError: bad ``columns`` or an ``out`` that is neither ``.csv`` nor ``.json``.
    :raises InputError: the export is missing, empty, or lacks a required column.
    """
    export, out = Path(export), Path(out)
    kind = out.suffix.lower().lstrip(".")
    if kind not in ("csv", "json"):
        raise UsageError("sdp.audit.unsupported_output", details={"path": str(out)})
    cols = parse_columns(columns)
    cat = catalogue if catalogue is not None else sdp_codes.default_catalogue()
    rules = rules if rules is not None else sdp_codes.default_rules()
    as_of = as_of or dt.date.today()
    summary = AuditSummary(as_of=as_of, catalogue=cat.name, catalogue_revision=cat.revision)
    try:
        fh = open(export, encoding="utf-8-sig", errors="replace", newline="")  # noqa: SIM115
    except FileNotFoundError:
        raise InputError("input.not_found", details={"path": str(export)}) from None
    except OSError as exc:
        raise InputError(
            "input.unreadable", details={"path": str(export), "reason": exc.strerror or "I/O"}
        ) from exc
    with fh:
        header = next(csv.reader([fh.readline()]), None)
        if not header:
            raise InputError("sdp.audit.no_header", details={"path": str(export)})
        index = _header_index(header, cols, export)
        head = {"as_of": as_of.isoformat(), "catalogue": cat.name, "catalogue_revision": cat.revision}
        with atomic_text(out, newline="") as outfh:
            writer = _Writer(outfh, kind, head)
            _Auditor(fh, len(header), index, writer, summary, cat, rules, lang, detsis_registry).run(progress)
            writer.close(summary.to_dict())
    return summary


_INVALID_DATE = -(10**7)
_NO_PERIOD = -(10**6)  # "years to add" of a code without a retention period: its end year is never counted
_ERROR_ADD = -(10**8)  # "years to add" of a Sayı or code that failed its check
_BAD_RECORD = -(10**9)
_DECIDED = -2 * 10**6
_GOOD = range(_DECIDED + 1, 100_000)  # sums of valid rows: a year plus a period, or a year + _NO_PERIOD
_RECORD_PENALTY = dict.fromkeys(range(-1000, 0), 0) | dict.fromkeys(range(1, 13), 0)
_DIGITS = "0123456789"
_CHUNK = 2048
_NEEDS_QUOTING = re.compile('["\r\n]')  # with the comma count of render_due
_BAD_DATE = -(10**9)
_ISO_TAG, _TR_TAG, _FEB29 = 10**7, 3 * 10**7, -(10**8)
_FIRST5, _AFTER5 = itemgetter(slice(0, 5)), itemgetter(slice(5, None))


def _date_halves() -> tuple[dict[str, int], dict[str, int]]:
    """Lookup tables whose two values for a date's first five and remaining characters add up to its year:
    ``"2015-" + "03-01"`` (YYYY-MM-DD) and ``"01.03" + ".2015"`` (DD.MM.YYYY), years 1900-2199. The tags
    cancel only within one format, 29 February is pushed out of range (the leap year is checked by
    :func:`parse_date`), and a half missing from its table gives ``_BAD_DATE``."""
    head: dict[str, int] = {}
    tail: dict[str, int] = {}
    for year in range(1900, 2200):
        head[f"{year:04d}-"] = year + _ISO_TAG
        tail[f".{year:04d}"] = year + _TR_TAG
    for month, days in enumerate((31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31), start=1):
        for day in range(1, days + 1):
            leap = _FEB29 if (month, day) == (2, 29) else 0
            tail[f"{month:02d}-{day:02d}"] = -_ISO_TAG + leap
            head[f"{day:02d}.{month:02d}"] = -_TR_TAG + leap
    return head, tail


_DATE_HEAD, _DATE_TAIL = _date_halves()
# What a checked Sayı head or SDP code contributes to a record:
# (ok, years to add to the record's year or _NO_PERIOD, retention code, disposition key, warnings,
#  status, sdp text); status: 0 has a period, 1 not checked against the catalogue, 2 no period in years.
_Hit = tuple[bool, int, str, str, tuple[str, ...], int, str]
_ERROR_HIT: _Hit = (False, _ERROR_ADD, "", "", (), 0, "")
_Error = tuple[str, dict[str, Any]]
_short = document_number._short


class _Defaulting(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class _Auditor:
    """The per-run state.

    Rows are read in chunks of :data:`_CHUNK`. A chunk whose rows all have the header's width is checked
    with C-level ``map``/``compress`` passes over its columns: the Sayı without its record digits
    (``"E-66452182-821.05-"``) or the SDP code is looked up in a bounded cache of checked keys, the year
    comes from the two halves of a canonical date (:func:`_date_halves`), and one integer sum per row
    decides it. The rows these passes cannot decide (problems, 29 February, other date shapes, a Sayı and
    an SDP code together) go through :meth:`one`, the plain per-row check that is the reference for the
    chunk path (a test compares the two on the same export)."""

    def __init__(
        self,
        fh: IO[str],
        width: int,
        index: Mapping[str, int | None],
        writer: _Writer,
        summary: AuditSummary,
        cat: sdp_codes.Catalogue,
        rules: RetentionRules,
        lang: str,
        registry: document_number.DETSISRegistry | None,
    ) -> None:
        self.fh = fh
        self.width = width
        self.index = index
        self.writer = writer
        self.summary = summary
        self.cat = cat
        self.rules = rules
        self.lang = lang
        self.registry = registry
        self.offset = 0 if rules.period_starts == "next_year" else -1
        self.partial = None in index.values()  # optional columns missing: rows go one by one
        # the export's columns are exactly id, sayi, sdp_code, date, unit in that order
        self.plain_layout = width == len(FIELDS) and [index[f] for f in FIELDS] == list(range(width))
        self.as_of_year = summary.as_of.year
        self.labels: dict[str, str] = {}
        self.units: dict[str, tuple[str, dict[str, Any]] | None] = {}
        self.hits: dict[str, _Hit] = {}
        self.dates: dict[str, int] = {}
        self.years: Counter[int] = Counter()
        self.status = [0, 0, 0]
        self.templates: dict[str, str] = {}
        self.pending: list[tuple[int, str]] | None = None
        self.key_errors: dict[str, _Error] = {}
        self.adds: dict[str, int] = {}  # key → its hit's years to add (the one field the chunk path needs)
        self.messages: dict[tuple[str, str, str], str] = {}

    # -- checks ---------------------------------------------------------------------------------------
    def cell(self, row: list[str], field: str) -> str:
        i = self.index[field]
        return row[i] if i is not None and i < len(row) else ""

    def problem(self, row: list[str], line: int, code: str, details: dict[str, Any]) -> None:
        summary = self.summary
        summary.problems += 1
        summary.errors[code] += 1
        text = self.message(code, details)
        cell = self.cell
        self.out(line, ("problem", line) + tuple(cell(row, f) for f in FIELDS) + (code, text, "", "", ""))

    def message(self, code: str, details: dict[str, Any]) -> str:
        """The localized message, with templates and nested-error texts cached (problems can be many)."""
        if code in ("sayi.invalid_sdp", "sayi.invalid_detsis"):
            inner = details.get("error")
            key = (code, str(details.get("sdp", details.get("detsis"))), str(inner))
            text = self.messages.get(key)
            if text is None:
                cls = (
                    document_number.InvalidSDP
                    if code == "sayi.invalid_sdp"
                    else document_number.InvalidDETSIS
                )
                text = self.messages[key] = cls(details=details).localized(self.lang)
            return text
        template = self.templates.get(code)
        if template is None:
            texts = i18n.catalogue().get(code, {})
            template = self.templates[code] = texts.get(self.lang) or texts.get("en") or code
        try:
            return template.format_map(_Defaulting(details))
        except (ValueError, IndexError, AttributeError, KeyError):
            return template

    def out(self, line: int, values: tuple[Any, ...]) -> None:
        """A report row: written now, or held while a chunk puts its rows in line order."""
        text = self.writer.render(values)
        if self.pending is None:
            self.writer.emit([text])
        else:
            self.pending.append((line, text))

    def hit_for(self, entry: sdp_codes.SdpEntry | None, warnings: tuple[str, ...], sdp_text: str) -> _Hit:
        if entry is None:
            return (True, _NO_PERIOD, "", "", warnings, 1, sdp_text)
        if entry.retention_years is None:
            return (True, _NO_PERIOD, "", "", warnings, 2, sdp_text)
        rcode = entry.retention_code or ""
        disposition = self.rules.disposition(entry.retention_code)
        self.labels[disposition.key] = disposition.label(self.lang)
        return (True, entry.retention_years + self.offset, rcode, disposition.key, warnings, 0, sdp_text)

    def check_unit(self, number: str) -> tuple[str, dict[str, Any]] | None:
        if self.registry is None:
            return None
        if number in self.units:
            return self.units[number]
        if len(self.units) > _CACHE_LIMIT:
            self.units.clear()
        try:
            self.registry.lookup(number)
            found = None
        except ValueError as exc:
            details = getattr(exc, "details", None)
            found = (
                str(getattr(exc, "code", "detsis.unknown_unit")),
                dict(details) if isinstance(details, dict) else {},
            )
        self.units[number] = found
        return found

    def sayi(self, text: str) -> tuple[_Hit, _Error | None]:
        """Check a whole Sayı: its outcome, and the error ``(code, details)`` when it fails."""
        try:
            number = document_number._parse(text)
        except document_number._Fail as fail:
            return _ERROR_HIT, (fail.cls.code, fail.details)
        sdp_text = number.sdp if number.special is None else f"{number.sdp}[{number.special}]"
        try:
            checked = sdp_codes.check(sdp_text, self.cat, for_sayi=True)
        except sdp_codes.ValidationError as exc:
            inner = {"code": exc.code, "details": exc.details}
            return _ERROR_HIT, ("sayi.invalid_sdp", {"input": _short(text), "sdp": sdp_text, "error": inner})
        if number.detsis is not None:
            unit_error = self.check_unit(number.detsis)
            if unit_error is not None:
                inner = {"code": unit_error[0], "details": unit_error[1]}
                details = {"input": _short(text), "detsis": number.detsis, "error": inner}
                return _ERROR_HIT, ("sayi.invalid_detsis", details)
        return self.hit_for(checked.entry, checked.warnings + number.warnings, sdp_text), None

    def code(self, text: str) -> tuple[_Hit, _Error | None]:
        """Check an SDP code: its outcome, and the error ``(code, details)`` when it fails."""
        try:
            checked = sdp_codes.check(text, self.cat)
        except sdp_codes.ValidationError as exc:
            return _ERROR_HIT, (exc.code, exc.details)
        return self.hit_for(checked.entry, checked.warnings, checked.code), None

    def key_hit(self, key: str) -> _Hit:
        """The cached outcome for a chunk key: a Sayı without its record digits, or ``"\x01" + code``.

        Errors that the key alone decides are kept too (:attr:`key_errors`): an SDP code's, and a
        Sayı's DETSİS or SDP error, which lie before the record number; their ``input`` is the key's."""
        hit = self.hits.get(key)
        if hit is None:
            if len(self.hits) > _CACHE_LIMIT:
                self.hits.clear()
                self.adds.clear()
                self.key_errors.clear()
            if key[:1] == "\x01":
                hit, error = self.code(key[1:]) if len(key) > 1 else (_ERROR_HIT, None)
            else:
                hit, error = self.sayi(key + "0")
                if error is not None and error[0] not in ("sayi.invalid_sdp", "sayi.invalid_detsis"):
                    error = None
            self.hits[key] = hit
            self.adds[key] = hit[1]
            if error is not None:
                self.key_errors[key] = error
        return hit

    def year(self, text: str) -> int:
        found = self.dates.get(text)
        if found is None:
            if len(self.dates) > _CACHE_LIMIT:
                self.dates.clear()
            parsed = parse_date(text)
            found = self.dates[text] = parsed.year if parsed is not None else _INVALID_DATE
        return found

    def count(self, hit: _Hit, year: int, row: list[str], line: int, sayi: str, code: str) -> None:
        summary = self.summary
        summary.valid += 1
        for w in hit[4]:
            summary.warnings[w] += 1
        if hit[1] == _NO_PERIOD:
            self.status[hit[5]] += 1
            return
        end = year + hit[1]
        self.years[end] += 1
        if end < self.as_of_year:
            summary.due += 1
            summary.dispositions[hit[3]] += 1
            self.out(
                line, ("due", line) + tuple(self.cell(row, f) for f in FIELDS) + ("", "", end, hit[2], hit[3])
            )

    def one(self, row: list[str], line: int) -> None:
        """Check one row (the reference behaviour; the chunk path must agree with it)."""
        self.summary.records += 1
        if len(row) != self.width:
            self.problem(
                row,
                line,
                "sdp.audit.malformed_row",
                {"line": line, "fields": len(row), "expected": self.width},
            )
            return
        sayi, code = self.cell(row, "sayi"), self.cell(row, "sdp_code")
        if sayi:
            key = sayi.rstrip(_DIGITS)
            hit: _Hit | None = None
            if 0 < len(sayi) - len(key) <= 12 and sayi.isprintable():  # as in chunk(): the key decides
                hit = self.key_hit(key)
                if not hit[0]:
                    known = self.key_errors.get(key)
                    if known is not None:
                        self.problem(row, line, known[0], {**known[1], "input": _short(sayi), "line": line})
                        return
                    hit = None
            if hit is None:
                hit, error = self.sayi(sayi)
                if error is not None:
                    self.problem(row, line, error[0], {**error[1], "line": line})
                    return
            if code and code != hit[6]:
                try:
                    same = sdp_codes.compact(code) == hit[6]
                except sdp_codes.ValidationError:
                    same = False
                if not same:
                    details = {"line": line, "sdp_code": code.strip()[:40], "sayi_sdp": hit[6]}
                    self.problem(row, line, "sdp.audit.code_mismatch", details)
                    return
        elif code:
            hit = self.key_hit("\x01" + code)
            if not hit[0]:
                known = self.key_errors.get("\x01" + code) or self.code(code)[1]
                if known is not None:
                    self.problem(row, line, known[0], {**known[1], "line": line})
                return
        else:
            self.problem(row, line, "sdp.audit.missing_code", {"line": line})
            return
        date_text = self.cell(row, "date")
        year = self.year(date_text)
        if year == _INVALID_DATE:
            self.problem(row, line, "sdp.audit.invalid_date", {"line": line, "date": date_text[:40]})
            return
        self.count(hit, year, row, line, sayi, code)

    # -- the chunk path ------------------------------------------------------------------------------
    def chunk(self, rows: list[list[str]], lines: list[int]) -> None:
        """Check a chunk of rows (see the class docstring)."""
        width = self.width
        if min(map(len, rows)) != width or max(map(len, rows)) != width or self.partial:
            for row, line in zip(rows, lines, strict=True):
                self.one(row, line)
            return
        i_id, i_sayi, i_sdp, i_date, i_unit = (self.index[f] for f in FIELDS)
        sayis = list(map(itemgetter(i_sayi), rows))  # type: ignore[arg-type]
        if not all(map(str.isprintable, sayis)):  # keeps "\x01" + code keys apart
            for row, line in zip(rows, lines, strict=True):
                self.one(row, line)
            return
        codes = list(map(itemgetter(i_sdp), rows))  # type: ignore[arg-type]
        dates = list(map(itemgetter(i_date), rows))  # type: ignore[arg-type]
        keys = list(map(str.rstrip, sayis, repeat(_DIGITS)))
        code_only = 0  # rows with an SDP code and no Sayı
        if "" in sayis:  # code-only rows: "\x01" + code (a Sayı key has no control character)
            for i in compress(range(len(rows)), map(not_, sayis)):
                code = codes[i]
                keys[i] = "\x01" + code
                if code:
                    code_only += 1
        adds: list[Any] = list(map(self.adds.get, keys))
        if None in adds:
            for key in compress(keys, map(is_, adds, repeat(None))):
                self.key_hit(key)
            adds = list(map(self.adds.get, keys))
        # The year of a canonical date from its two halves (see _date_halves); anything else, or 29
        # February, falls outside _GOOD and goes to one(), which parses the date.
        years = map(
            add,
            map(_DATE_HEAD.get, map(_FIRST5, dates), repeat(_BAD_DATE)),
            map(_DATE_TAIL.get, map(_AFTER5, dates), repeat(_BAD_DATE)),
        )
        if None in adds:  # the cache was cleared while filling
            for row, line in zip(rows, lines, strict=True):
                self.one(row, line)
            return
        # One sum per row decides it: year (or a date sentinel) + years to add (or _NO_PERIOD, _ERROR_ADD)
        # + 0 when the record number has 1-12 digits (for a code-only row the length difference is
        # negative) else _BAD_RECORD. In _GOOD the row is valid; the others, and rows carrying both a
        # Sayı and an SDP code (compared in one()), are checked one by one.
        ends = list(
            map(
                add,
                map(add, years, adds),
                map(_RECORD_PENALTY.get, map(sub, map(len, sayis), map(len, keys)), repeat(_BAD_RECORD)),
            )
        )
        good = list(map(_GOOD.__contains__, ends))
        mixed = len(codes) - codes.count("") != code_only  # some row has a Sayı and an SDP code
        if mixed:
            good = list(map(and_, good, map(not_, map(min, map(len, sayis), map(len, codes)))))
        decided = good.count(True)
        pending: list[tuple[int, str]] = []
        if decided != len(rows):
            self.pending = pending
            try:
                for i in compress(range(len(rows)), map(not_, good)):
                    self.one(rows[i], lines[i])
            finally:
                self.pending = None
            if mixed:  # a mixed row may have a valid end: keep only the rows decided here
                rows = list(compress(rows, good))
                lines = list(compress(lines, good))
                keys = list(compress(keys, good))
                ends = list(compress(ends, good))
            # otherwise every row not decided here has an end outside _GOOD: never counted nor due
        summary = self.summary
        summary.records += decided
        summary.valid += decided
        for key, n in Counter(keys if mixed else compress(keys, good)).items():
            hit = self.hits[key]
            for w in hit[4]:
                summary.warnings[w] += n
            if hit[1] == _NO_PERIOD:
                self.status[hit[5]] += n
        self.years.update(ends)
        due = list(map(range(0, self.as_of_year).__contains__, ends))
        texts: list[str] = []
        due_lines: list[int] = []
        if any(due):
            due_keys = list(compress(keys, due))
            due_lines = list(compress(lines, due))
            summary.due += len(due_keys)
            hits = self.hits
            for key, n in Counter(due_keys).items():
                summary.dispositions[hits[key][3]] += n
            due_rows = compress(rows, due)
            if self.plain_layout:
                fields = list(map(tuple, due_rows))
            else:
                fields = list(map(itemgetter(i_id, i_sayi, i_sdp, i_date, i_unit), due_rows))  # type: ignore[arg-type]
            texts = self.writer.render_due(due_lines, fields, list(compress(ends, due)), due_keys, hits)
        for line, text in pending:  # few: the rows one() reported, put in line order
            at = bisect_right(due_lines, line)
            due_lines.insert(at, line)
            texts.insert(at, text)
        self.writer.emit(texts)

    def run(self, progress: Callable[[int], None] | None) -> None:
        """Read the rest of the export after its header line."""
        self.run_csv(self.fh, 1, progress)
        self.finish()

    def run_csv(self, source: Iterable[str], first: int, progress: Callable[[int], None] | None) -> None:
        """The rest of the export through the csv module; ``first`` lines were read before."""
        reader = csv.reader(source)
        while True:
            start = reader.line_num
            rows: list[list[str]] = []
            failed = False
            try:
                rows.extend(islice(reader, _CHUNK))
            except csv.Error:
                failed = True
            if rows:
                if reader.line_num - start - failed == len(rows):
                    lines = list(range(first + start + 1, first + start + 1 + len(rows)))
                else:  # quoted fields spanning lines: count their line breaks
                    lines, at = [], first + start
                    for row in rows:
                        at += 1
                        lines.append(at)
                        at += sum(f.count("\n") for f in row)
                if not all(rows):  # blank lines are not records
                    pairs = [(r, n) for r, n in zip(rows, lines, strict=True) if r]
                    rows, lines = [r for r, _ in pairs], [n for _, n in pairs]
                if rows:
                    self.chunk(rows, lines)
            if failed:
                line = first + reader.line_num
                self.summary.records += 1
                self.problem(
                    [], line, "sdp.audit.malformed_row", {"line": line, "fields": 0, "expected": self.width}
                )
            if progress is not None:
                progress(first + reader.line_num)
            if not rows and not failed:
                break

    def finish(self) -> None:
        summary = self.summary
        summary.not_checked, summary.without_retention = self.status[1], self.status[2]
        summary.years.update({y: n for y, n in self.years.items() if 0 <= y < _GOOD.stop})
        summary.labels = dict(self.labels)
