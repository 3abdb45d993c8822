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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain, compress, islice, repeat, starmap
from operator import add, contains, ge, is_, itemgetter, lt, mul, not_, sub
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


class _Sink:
    """A file-like object for :func:`csv.writer` whose ``write`` is any callable."""

    __slots__ = ("write",)

    def __init__(self, write: Callable[[str], Any]) -> None:
        self.write = write


class _Writer:
    """CSV (one header line, then rows, then ``summary:<group>`` rows) or JSON (``{..., "rows": [...],
    "summary": {...}}``), written as the audit goes. Rows are rendered to text first (:meth:`render`,
    :meth:`render_due`) so that a chunk can put its rows in line order before :meth:`emit`."""

    def __init__(self, fh: IO[str], kind: str, head: Mapping[str, Any]) -> None:
        self.fh = fh
        self.kind = kind
        self.first = True
        self.tails: dict[tuple[str, str], str] = {}  # (retention code, disposition) → its CSV text
        self.suffixes: dict[int, str] = {}  # row code → the text of a due row after its fields
        self.rendered: list[str] = []  # the csv writer's output, one row at a time
        self.csv = csv.writer(_Sink(self.rendered.append))
        if kind == "csv":
            csv.writer(fh).writerow(REPORT_COLUMNS)
        else:
            text = json.dumps(dict(head), ensure_ascii=False)
            fh.write(text[:-1] + ', "rows": [\n')

    def render(self, values: tuple[Any, ...]) -> str:
        """One report row as text."""
        if self.kind == "csv":
            text = ",".join(map(str, values))
            if text.count(",") == len(values) - 1 and not _NEEDS_QUOTING.search(text) and None not in values:
                return text + "\r\n"  # what the csv module writes when no field needs quoting
            self.csv.writerow(values)
            return self.rendered.pop()
        item = {k: v for k, v in zip(REPORT_COLUMNS, values, strict=False) if v != ""}
        return json.dumps(item, ensure_ascii=False)

    def render_due(
        self, lines: list[int], fields: list[tuple[str, ...]], ends: list[int], marks: list[tuple[str, str]]
    ) -> list[str]:
        """Due rows: ``("due", line, *fields, "", "", end, *mark)``, a mark being ``(retention code,
        disposition)``.

        CSV rows whose fields need no quoting are joined directly (the csv module would write the same
        text); the end of a row, the same for every row of a mark, is rendered once per mark."""
        if self.kind == "csv":
            bodies = list(map(",".join, fields))
            joined = "\x1f".join(bodies)
            if joined.count(",") == (len(FIELDS) - 1) * len(bodies) and not _NEEDS_QUOTING.search(joined):
                tails = list(map(self.tail, marks))
                return list(starmap("due,{},{},,,{},{}".format, zip(lines, bodies, ends, tails, strict=True)))
        return list(
            map(
                self.render,
                map(
                    add,
                    map(add, zip(repeat("due"), lines, strict=False), fields),
                    zip(repeat(""), repeat(""), ends, map(itemgetter(0), marks), map(itemgetter(1), marks)),
                ),
            )
        )

    def tail(self, mark: tuple[str, str]) -> str:
        """``"retention code,disposition\\r\\n"`` as the csv module writes it."""
        text = self.tails.get(mark)
        if text is None:
            text = self.tails[mark] = self.render(mark)
        return text

    def render_due_lines(
        self,
        lines: list[int],
        bodies: Iterable[str],
        codes: list[int],
        shapes: list[_Shape],
        others: list[tuple[int, str]],
    ) -> list[str]:
        """CSV due rows from their fields already joined by commas, none of which needs quoting, and their
        row codes (:meth:`_Auditor.chunk`), merged in line order with ``others`` (``(line, text)`` rows in
        line order): the text after the fields is rendered once per code, and each run of due rows between
        two other rows by one format operation."""
        suffixes = self.suffixes
        found = list(map(suffixes.get, codes))
        if None in found:
            if len(suffixes) > _CACHE_LIMIT:
                suffixes.clear()
            for code in set(compress(codes, map(is_, found, repeat(None)))):
                end, index = divmod(code, _SHAPES)
                shape = shapes[index]
                suffixes[code] = f",,,{end}," + self.tail((shape[3], shape[4]))
            found = list(map(suffixes.__getitem__, codes))
        values = tuple(chain.from_iterable(zip(lines, bodies, found, strict=False)))
        texts: list[str] = []
        at = 0
        for line, text in others:
            cut = bisect_right(lines, line, at)
            if cut > at:
                texts.append("due,%d,%s%s" * (cut - at) % values[3 * at : 3 * cut])
            texts.append(text)
            at = cut
        if at < len(lines):
            texts.append("due,%d,%s%s" * (len(lines) - at) % values[3 * at :])
        return texts

    def emit(self, texts: list[str]) -> None:
        """Write rendered rows."""
        if not texts:
            return
        if self.kind == "csv":
            self.fh.write("".join(texts))
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
        fh = open(export, encoding="utf-8-sig", errors="replace", newline="", buffering=1 << 20)  # noqa: SIM115
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
_YEAR_STOP = 100_000  # end years from here on are not counted
# Row codes of the chunk path (see _Auditor.chunk): end year * _SHAPES + shape, or _BAD and above.
_SHAPES = 1 << 14  # shapes (what the summary counts of a valid row) a run may have
_MAX_PERIOD = 40_000  # longer retention periods are left to one()
_NO_PERIOD_END = 60_000  # the end year of a row without a retention period: never due, never counted
_BAD_DATE, _BAD_KEY, _BAD_RECORD = 1 << 58, 1 << 60, 1 << 100
_BAD = _BAD_DATE  # row codes from here on: a problem its key's error decides (see known_error()), or a row
# checked by one()
_KNOWN_ERROR = 1 << 59  # _BAD_KEY + index * _KNOWN_ERROR: a key whose error decides its rows (chunk())
_RECORD_PENALTY = dict.fromkeys(range(-1000, 0), 0) | dict.fromkeys(range(1, 13), 0)
_DIGITS = "0123456789"
_CHUNK = 2048  # rows a chunk of the csv path
_BLOCK = 1 << 16  # characters read at a time by the block path
_NEEDS_QUOTING = re.compile('["\r\n]')  # with the comma count of render_due
# What a checked Sayı head or SDP code contributes to a record:
# (ok, years to add to the record's year or _NO_PERIOD, retention code, disposition key, warnings,
#  status, sdp text); status: 0 has a period, 1 not checked against the catalogue, 2 no period in years.
_Hit = tuple[bool, int, str, str, tuple[str, ...], int, str]
_ERROR_HIT: _Hit = (False, _ERROR_ADD, "", "", (), 0, "")
_Error = tuple[str, dict[str, Any]]
_Shape = tuple[bool, int, tuple[str, ...], str, str]
_short = document_number._short


class _Defaulting(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class _Block:
    """Rows of the export as the lines of a block with no quote character (see :meth:`_Auditor.run`):
    row ``i`` is ``texts[i].split(",")``, exactly what the csv module reads. ``text`` is the block itself
    when it has no blank line: its lines, each ended by ``"\n"`` or each by ``"\r\n"``; ``raw`` is the
    block as read."""

    __slots__ = ("raw", "text", "texts")

    def __init__(self, texts: list[str], text: str | None, raw: str) -> None:
        self.texts = texts
        self.text = text
        self.raw = raw  # the block as read

    def __len__(self) -> int:
        return len(self.texts)

    def __getitem__(self, i: int) -> list[str]:
        return self.texts[i].split(",")

    def __iter__(self) -> Iterator[list[str]]:
        return map(str.split, self.texts, repeat(","))

    def columns(self, width: int, indexes: tuple[int, ...]) -> list[list[str]]:
        """The fields at ``indexes`` of every row; a row of another width gives empty fields."""
        texts = self.texts
        n = len(texts)
        step = width - 1
        if self.text is not None and 0 < min(indexes) and max(indexes) < step:
            # Split at every comma, the line breaks stay inside the pieces that end a line and begin the
            # next. Each of those n pieces holds one of the block's n line breaks, and none other does,
            # exactly when every line has ``width - 1`` commas: then the inner columns are strides.
            flat = self.text.split(",")
            if len(flat) == n * step + 1 and all(map(contains, flat[step::step], repeat("\n"))):
                return [flat[i::step] for i in indexes]
        counts = list(map(str.count, texts, repeat(",")))
        if counts.count(step) != n:
            filler = "," * step
            texts = [t if c == step else filler for t, c in zip(texts, counts, strict=True)]
        flat = ",".join(texts).split(",")
        return [flat[i::width] for i in indexes]


class _Auditor:
    """The per-run state.

    Rows come in chunks: the lines of a quote-free block (:meth:`run`, :class:`_Block`), or :data:`_CHUNK`
    rows of the csv module (:meth:`run_csv`). A chunk is checked with C-level ``map``/``compress`` passes
    over its columns: the Sayı without its record digits (``"E-66452182-821.05-"``) or the SDP code is
    looked up in a bounded cache of checked keys, the date in a bounded cache of dates (filled a year at a
    time), and one integer per row (its row code, :meth:`chunk`) decides it and is counted. The rows these
    passes cannot decide go through :meth:`one`, the plain per-row check that is the reference for the
    chunk path (tests compare the two on the same exports); the problems :meth:`one` would report
    without looking further (a known error of the key, a whole Sayı that failed before, a bad date) are
    written directly when the report is a CSV file of the plain columns."""

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
        where = [index[f] for f in FIELDS]
        self.getter = None if None in where else itemgetter(*where)
        self.failed: dict[str, tuple[_Hit, _Error | None]] = {}  # whole Sayı → its failed check
        self.failed_tails: dict[str, tuple[str, str]] = {}  # whole Sayı → (error code, end of its CSV row)
        self.labels: dict[str, str] = {}
        self.units: dict[str, tuple[str, dict[str, Any]] | None] = {}
        self.hits: dict[str, _Hit] = {}
        self.dates: dict[str, int] = {}
        self.years: Counter[int] = Counter()
        self.status = [0, 0, 0]
        self.templates: dict[str, str] = {}
        self.pending: list[tuple[int, str]] | None = None
        self.key_errors: dict[str, _Error] = {}
        self.adds: dict[str, int] = {}  # key → what it adds to a row's code (see chunk())
        # the shapes of valid rows: what the summary counts (has a period, status, warnings, retention
        # code, disposition); 0 is unused
        self.shapes: list[_Shape] = [(False, 0, (), "", "")]
        self.shape_index: dict[_Shape, int] = {}
        self.due_below = self.as_of_year * _SHAPES
        self.year_codes: dict[str, int] = {}  # date → its part of a row code
        self.counts: Counter[int] = Counter()  # row codes of the rows the chunks decided
        self.known: list[tuple[str, str]] = [("", "")]  # see known_error()
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
        self.out(line, ("problem", line, *self.fields(row), code, text, "", "", ""))

    def fields(self, row: list[str]) -> tuple[str, ...]:
        """The record fields of a row, ``""`` for a missing one."""
        if self.getter is not None and len(row) == self.width:
            return self.getter(row)  # type: ignore[no-any-return]
        cell = self.cell
        return tuple(cell(row, f) for f in FIELDS)

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

    def whole_sayi(self, text: str) -> tuple[_Hit, _Error | None]:
        """:meth:`sayi`, with a bounded cache of whole numbers that fail (junk values repeat)."""
        found = self.failed.get(text)
        if found is None:
            found = self.sayi(text)
            error = found[1]
            if error is not None:
                if len(self.failed) > _CACHE_LIMIT:
                    self.failed.clear()
                    self.failed_tails.clear()
                self.failed[text] = found
                if self.plain_layout and self.writer.kind == "csv":  # as one() reports it (see chunk())
                    texts = {self.message(error[0], {**error[1], "line": line}) for line in (1, 2)}
                    if len(texts) == 1:
                        tail = "," + self.writer.render((error[0], texts.pop(), "", "", ""))
                        self.failed_tails[text] = (error[0], tail)
        return found

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
                self.known = [("", "")]
            if key[:1] == "\x01":
                hit, error = self.code(key[1:]) if len(key) > 1 else (_ERROR_HIT, None)
            else:
                hit, error = self.sayi(key + "0")
                if error is not None and error[0] not in ("sayi.invalid_sdp", "sayi.invalid_detsis"):
                    error = None
            self.hits[key] = hit
            # one() takes no key of a Sayı that is not printable (whose key is not printable either)
            printable = key[:1] == "\x01" or key.isprintable()
            self.adds[key] = self.encode(hit) if printable else _BAD_KEY
            if error is not None:
                self.key_errors[key] = error
                if printable:
                    self.adds[key] = self.known_error(key, error)
        return hit

    def known_error(self, key: str, error: _Error) -> int:
        """What a key whose error decides its rows adds to a row's code: ``_BAD_KEY + index *
        _KNOWN_ERROR``, ``index`` into :attr:`known` (the error code and the CSV text of the report row
        after its fields), when the message is the same on every row, the report a CSV file and the
        export's columns the plain ones; else _BAD_KEY (one() reports the rows)."""
        if not (self.plain_layout and self.writer.kind == "csv") or len(self.known) >= 1 << 20:
            return _BAD_KEY
        code, details = error
        if key[:1] == "\x01":  # as one() reports it
            texts = {self.message(code, {**details, "line": line}) for line in (1, 2)}
        else:  # the message of these two codes does not depend on the input or the line (message())
            texts = {self.message(code, {**details, "input": _short(key), "line": 1})}
        if len(texts) != 1:
            return _BAD_KEY
        self.known.append((code, "," + self.writer.render((code, texts.pop(), "", "", ""))))
        return _BAD_KEY + (len(self.known) - 1) * _KNOWN_ERROR

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
            self.out(line, ("due", line, *self.fields(row), "", "", end, hit[2], hit[3]))

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
                hit, error = self.whole_sayi(sayi)
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
    def encode(self, hit: _Hit) -> int:
        """What a key adds to a row's code (see :meth:`chunk`): period * _SHAPES + shape, or _BAD_KEY."""
        period = hit[1]
        if not hit[0] or not (period == _NO_PERIOD or -1 <= period < _MAX_PERIOD):
            return _BAD_KEY  # one() decides these rows
        shape = (period != _NO_PERIOD, hit[5], hit[4], hit[2], hit[3])
        index = self.shape_index.get(shape)
        if index is None:
            if len(self.shapes) >= _SHAPES:
                return _BAD_KEY
            index = self.shape_index[shape] = len(self.shapes)
            self.shapes.append(shape)
        return (period if shape[0] else _NO_PERIOD_END) * _SHAPES + index

    def year_code(self, text: str) -> int:
        """A date's part of a row code: year * _SHAPES, or _BAD_DATE. The bounded cache takes every date
        of the year in both canonical shapes at once, as :func:`parse_date` reads them."""
        codes = self.year_codes
        known = codes.get(text)
        if known is not None:  # filled with another date of its year
            return known
        if len(codes) > _CACHE_LIMIT:
            codes.clear()
        year = self.year(text)
        if year == _INVALID_DATE:
            codes[text] = _BAD_DATE
            return _BAD_DATE
        found = codes[text] = year * _SHAPES
        if len(text) == 10:
            first = dt.date(year, 1, 1).toordinal()
            for ordinal in range(first, dt.date(year, 12, 31).toordinal() + 1):
                day = dt.date.fromordinal(ordinal)
                codes[f"{year:04d}-{day.month:02d}-{day.day:02d}"] = found
                codes[f"{day.day:02d}.{day.month:02d}.{year:04d}"] = found
        return found

    def tally(self) -> None:
        """Add the row codes counted by the chunks to the summary."""
        summary = self.summary
        for code, n in self.counts.items():
            if code >= _BAD:  # one() checked the row
                continue
            end, index = divmod(code, _SHAPES)
            has_period, status, warnings, _rcode, disposition = self.shapes[index]
            summary.records += n
            summary.valid += n
            for w in warnings:
                summary.warnings[w] += n
            if not has_period:
                self.status[status] += n
                continue
            self.years[end] += n
            if end < self.as_of_year:
                summary.due += n
                summary.dispositions[disposition] += n
        self.counts.clear()

    def chunk(self, rows: list[list[str]] | _Block, lines: Sequence[int]) -> None:
        """Check a chunk of rows (see the class docstring)."""
        width = self.width
        block = rows if isinstance(rows, _Block) else None
        if self.partial or (block is None and (min(map(len, rows)) != width or max(map(len, rows)) != width)):
            for row, line in zip(rows, lines, strict=True):
                self.one(row, line)
            return
        i_id, i_sayi, i_sdp, i_date, i_unit = (self.index[f] for f in FIELDS)
        if block is not None:  # rows of another width have empty fields here, and go to one()
            sayis, codes, dates = block.columns(width, (i_sayi, i_sdp, i_date))  # type: ignore[arg-type]
        else:
            sayis = list(map(itemgetter(i_sayi), rows))  # type: ignore[arg-type]
            codes = list(map(itemgetter(i_sdp), rows))  # type: ignore[arg-type]
            dates = list(map(itemgetter(i_date), rows))  # type: ignore[arg-type]
        # A Sayı key never begins with "\x01", which begins a code key: a Sayı beginning so is not printable,
        # and no such key is used (key_hit)
        if "\x01" in (block.raw if block is not None else "".join(sayis)):
            for row, line in zip(rows, lines, strict=True):
                self.one(row, line)
            return
        n = len(sayis)
        years: list[Any] = list(map(self.year_codes.get, dates))
        if not all(years):  # None for a new date (no date gives 0)
            year_code = self.year_code
            for i in compress(range(n), map(is_, years, repeat(None))):
                years[i] = year_code(dates[i])
        keys = list(map(str.rstrip, sayis, repeat(_DIGITS)))
        code_only = 0  # rows with an SDP code and no Sayı
        if "" in sayis:  # code-only rows: "\x01" + code (a Sayı key has no control character)
            for i in compress(range(n), map(not_, sayis)):
                code = codes[i]
                keys[i] = "\x01" + code
                if code:
                    code_only += 1
        adds: list[Any] = list(map(self.adds.get, keys))
        if not all(adds):  # None for a new key (no key adds 0)
            for key in compress(keys, map(is_, adds, repeat(None))):
                self.key_hit(key)
            adds = list(map(self.adds.get, keys))
            if not all(adds):  # the cache was cleared while filling
                for row, line in zip(rows, lines, strict=True):
                    self.one(row, line)
                return
        # One integer per row decides it, the sum of: the date's year * _SHAPES (or _BAD_DATE); what its
        # key adds: its retention period (or _NO_PERIOD_END) * _SHAPES + the index of its shape in
        # self.shapes (or _BAD_KEY); and 0 when the record number has 1-12 digits (for a code-only row
        # the length difference is negative), else _BAD_RECORD. Below _BAD, the row is valid and the code
        # is its end year * _SHAPES + its shape: rows whose code is below as_of's year * _SHAPES are due.
        # The others, and rows with both a Sayı and an SDP code, go to one().
        digits = list(map(sub, map(len, sayis), map(len, keys)))
        outside = set(digits).difference(_RECORD_PENALTY)  # length differences of rows for one()
        if len(outside) > 4:
            penalties = map(_RECORD_PENALTY.get, digits, repeat(_BAD_RECORD))
            row_codes = list(map(add, map(add, years, adds), penalties))
        else:
            row_codes = list(map(add, years, adds))
            for value in outside:  # few rows: found with list.index
                at = -1
                for _ in range(digits.count(value)):
                    at = digits.index(value, at + 1)
                    row_codes[at] += _BAD_RECORD
        if len(codes) - codes.count("") != code_only:  # some row has a Sayı and an SDP code
            mixed = map(min, map(len, sayis), map(len, codes))
            row_codes = list(map(add, row_codes, map(mul, mixed, repeat(_BAD_RECORD))))
        pending: list[tuple[int, str]] = []
        if max(row_codes) >= _BAD:
            self.pending = pending
            try:
                plain_csv = block is not None and self.plain_layout and self.writer.kind == "csv"
                known = self.known if plain_csv else None
                texts_of = block.texts if block is not None else []
                summary = self.summary
                for i in compress(range(n), map(ge, row_codes, repeat(_BAD))):
                    index = (row_codes[i] - _BAD_KEY) // _KNOWN_ERROR
                    # Problems decided here (plain CSV reports of a block) are those one() reports
                    # without looking further: its key's error; the error of a whole Sayı that failed
                    # before; or the date of a row whose code or Sayı is valid.
                    if known is None:
                        self.one(rows[i], lines[i])
                        continue
                    line = lines[i]
                    if 0 < index < len(known):
                        code, tail = known[index]
                    elif (found := self.failed_tails.get(sayis[i])) is not None:
                        code, tail = found
                    elif 0 <= row_codes[i] - _BAD_DATE < _BAD_DATE:
                        code = "sdp.audit.invalid_date"
                        text = self.message(code, {"line": line, "date": dates[i][:40]})
                        tail = "," + self.writer.render((code, text, "", "", ""))
                    else:
                        self.one(rows[i], line)
                        continue
                    summary.records += 1
                    summary.problems += 1
                    summary.errors[code] += 1
                    pending.append((line, f"problem,{line},{texts_of[i]}{tail}"))
            finally:
                self.pending = None
        self.counts.update(row_codes)  # tally() skips the codes of rows one() checked
        if len(self.counts) > _CACHE_LIMIT:
            self.tally()
        texts: list[str] = []
        due_lines: list[int] = []
        if min(row_codes) < self.due_below:
            due = list(map(lt, row_codes, repeat(self.due_below)))
            due_lines = list(compress(lines, due))
            due_codes = list(compress(row_codes, due))
            source: list[Any] = rows if block is None else block.texts  # type: ignore[assignment]
            due_rows: Iterable[Any] = compress(source, due)
            if block is not None and self.plain_layout and self.writer.kind == "csv":
                # the lines themselves: no quote, no line break, a comma between fields and none in one
                texts = self.writer.render_due_lines(due_lines, due_rows, due_codes, self.shapes, pending)
                pending = []  # merged
            else:
                if block is not None:
                    due_rows = map(str.split, due_rows, repeat(","))
                if self.plain_layout:
                    fields = list(map(tuple, due_rows))
                else:
                    fields = list(map(itemgetter(i_id, i_sayi, i_sdp, i_date, i_unit), due_rows))  # type: ignore[arg-type]
                ends, marks = [], []
                for code in due_codes:
                    end, index = divmod(code, _SHAPES)
                    ends.append(end)
                    marks.append(self.shapes[index][3:5])
                texts = self.writer.render_due(due_lines, fields, ends, marks)  # type: ignore[arg-type]
        if pending:  # the problem rows, in line order (as are the due rows): merged in line order
            merged: list[str] = []
            at = 0
            for line, text in pending:
                cut = bisect_right(due_lines, line, at)
                merged += texts[at:cut]
                merged.append(text)
                at = cut
            merged += texts[at:]
            texts = merged
        self.writer.emit(texts)

    def run(self, progress: Callable[[int], None] | None) -> None:
        """Read the rest of the export after its header line.

        The export is read in blocks of :data:`_BLOCK` characters cut after a line break. A block with no
        quote character, no carriage return outside ``"\\r\\n"`` and no line longer than the csv
        module's field size limit is split into lines and fields with ``str.split``, which gives exactly
        the rows the csv module would (:class:`_Block`); from the first block that is not like that, the
        rest of the export goes through the csv module (:meth:`run_csv`)."""
        fh = self.fh
        if hasattr(fh, "_CHUNK_SIZE"):  # decode what is read a block at a time (CPython's TextIOWrapper)
            fh._CHUNK_SIZE = _BLOCK  # type: ignore[attr-defined]
        limit = csv.field_size_limit()
        done = 1  # lines read so far: the header
        data = ""  # read, not yet checked; it begins a line
        while True:
            more = fh.read(_BLOCK)
            if not more:
                break
            data = data + more if data else more
            cut = data.rfind("\n") + 1
            block = data[:cut]
            if not cut or '"' in block:  # NUL is an ordinary character to the csv module (Python 3.11+)
                break
            newline = "\n"
            if "\r" in block:
                newline = "\r\n"
                texts = block.split(newline)
                rest = "".join(texts)  # the block without its "\r\n" (searched faster than counted)
                if "\r" in rest:  # a carriage return alone
                    break
                if "\n" in rest:  # both kinds of line break
                    block = block.replace("\r\n", "\n")
                    newline = "\n"
                    texts = block.split(newline)
            else:
                texts = block.split(newline)
            texts.pop()
            if len(block) > limit and max(map(len, texts)) > limit:
                break
            data = data[cut:]
            numbers: Sequence[int] = range(done + 1, done + 1 + len(texts))
            done += len(texts)
            text: str | None = block
            if "" in texts:  # blank lines are not records
                numbers = list(compress(numbers, texts))
                texts = list(filter(None, texts))
                text = None
            if texts:
                self.chunk(_Block(texts, text, block), numbers)
            if progress is not None:
                progress(done)
        if data:  # the rest through the csv module, from a line start, its last line made whole
            self.run_csv(chain(io.StringIO(data + fh.readline(), newline=""), fh), done, progress)
        elif progress is not None:
            progress(done)
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
        self.tally()
        summary = self.summary
        summary.not_checked, summary.without_retention = self.status[1], self.status[2]
        summary.years.update({y: n for y, n in self.years.items() if 0 <= y < _YEAR_STOP})
        summary.labels = dict(self.labels)
