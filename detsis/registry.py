"""The DETSİS registry: units, their hierarchy, and snapshots of it.

A snapshot carries the web service's unit records (``KurumBirimWS``) under the service's own field names,
either as JSON (a bare array of records, or an object whose ``units`` array is wrapped with the snapshot's
``source`` and ``date``, as ``ebys-support detsis sync`` writes it) or as CSV with those column names:

``DETSISNo``, ``Ad``, ``ParentIdareKimlikKodu``, ``ParentIdareKimlikKodu2``, ``AnaKurumIdareKimlikKodu``,
``Seviye``, ``KurumHiyerarsik``, ``Aktifmi``, ``FaalOlupOlmadigi``, ``DisYazismaMuhatabiOlupOlmadigi``,
``Fk_KurumBirimTipID1``, ``Fk_KurumBirimTipID2``, ``KurumBirimTip3ler``, ``Fk_BulunduguYerID``, ``YerAdi``,
``Adres``.

``DETSISNo``, ``Ad``, ``ParentIdareKimlikKodu`` and ``Aktifmi`` are required; a root's parent is ``0`` or
empty. Flags accept ``1``/``0``, ``true``/``false``, ``E``/``H`` (Evet/Hayır) and JSON booleans. Loading
rejects duplicate numbers, parents that point nowhere and parent links that form a cycle, naming the units.

The registry is built for the national size (several hundred thousand units): records are parsed a
megabyte at a time into compact immutable :class:`DETSISUnit` tuples that keep numbers as the service's
integers, and the children and search indexes are built on first use.

>>> reg = Registry.from_records([
...     {"DETSISNo": 23444165, "Ad": "Yapı Kontrol Dairesi Başkanlığı", "ParentIdareKimlikKodu": 0,
...      "Aktifmi": "E"},
... ])
>>> reg.lookup("23444165").name
'Yapı Kontrol Dairesi Başkanlığı'
>>> [u.number for u in reg.search("YAPI KONTROL")]
['23444165']
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import json
import operator
import os
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any, NamedTuple, TypeVar

from . import _turkish
from ._errors import (
    DanglingParent,
    DuplicateUnit,
    InactiveUnit,
    InvalidSnapshot,
    NotInInstitution,
    ParentCycle,
    UnknownUnit,
    ValidationError,
)
from ._files import read_text_file
from ._jsonstream import read_json
from .ids import validate

__all__ = [
    "DETSISUnit",
    "Registry",
    "load",
    "dump_snapshot",
    "parse_flag",
    "unit_from_record",
    "FIELDS",
    "SNAPSHOT_FORMAT",
]

_T = TypeVar("_T")

#: The web service's field names, in the order a snapshot writes them.
FIELDS: tuple[str, ...] = (
    "DETSISNo",
    "Ad",
    "ParentIdareKimlikKodu",
    "ParentIdareKimlikKodu2",
    "AnaKurumIdareKimlikKodu",
    "Seviye",
    "KurumHiyerarsik",
    "Aktifmi",
    "FaalOlupOlmadigi",
    "DisYazismaMuhatabiOlupOlmadigi",
    "Fk_KurumBirimTipID1",
    "Fk_KurumBirimTipID2",
    "KurumBirimTip3ler",
    "Fk_BulunduguYerID",
    "YerAdi",
    "Adres",
)
_REQUIRED = ("DETSISNo", "Ad", "ParentIdareKimlikKodu", "Aktifmi")

#: The ``format`` field of the wrapped snapshots this package writes.
SNAPSHOT_FORMAT = "ebys-support/detsis-snapshot/1"

# Flag spellings seen in exports of the service and in spreadsheets; compared after Turkish lower-casing.
_TRUE = frozenset({"1", "true", "e", "evet", "yes", "y", "aktif", "t"})
_FALSE = frozenset({"0", "false", "h", "hayır", "hayir", "no", "n", "pasif", "f"})


def _no(number: int | None) -> str | None:
    return None if number is None else str(number)


class DETSISUnit(NamedTuple):
    """One unit of the registry: the web service's ``KurumBirimWS`` record under Python names.

    Numbers are the service's integers (``detsis``, ``parent``, ...); :attr:`number` gives the 8-digit
    string. A :class:`~typing.NamedTuple` rather than a frozen dataclass: as immutable, but built five times
    faster and smaller, which a 300,000-unit registry needs to load in well under three seconds.
    """

    #: ``DETSISNo``.
    detsis: int
    #: ``Ad``, the unit's name.
    name: str
    #: ``ParentIdareKimlikKodu``; ``None`` for a root.
    parent: int | None
    #: ``AnaKurumIdareKimlikKodu``, the institution (ana kurum) of the unit; ``None`` when unset.
    institution: int | None
    #: ``Seviye``, the level in the national hierarchy.
    level: int | None
    #: ``KurumHiyerarsik``, the ``>``-joined names from the top, as the service gives it.
    hierarchy: str
    #: ``Aktifmi``: the number is in use.
    active: bool
    #: ``FaalOlupOlmadigi``: the unit is in operation.
    operating: bool
    #: ``DisYazismaMuhatabiOlupOlmadigi``: the unit can be addressed in external correspondence.
    external_correspondent: bool
    #: ``Fk_KurumBirimTipID1`` (kategori; the meaning is unconfirmed, so the service's number is kept).
    type1: int | None
    #: ``Fk_KurumBirimTipID2`` (statü; unconfirmed).
    type2: int | None
    #: ``KurumBirimTip3ler`` type ids (tür; unconfirmed).
    type3: tuple[int, ...]
    #: ``ParentIdareKimlikKodu2``, the service's second parent link; ``None`` when unset.
    parent2: int | None
    #: ``Fk_BulunduguYerID``, the place code.
    place_id: int | None
    #: ``YerAdi``, the place name.
    place_name: str
    #: ``Adres``.
    address: str

    @property
    def number(self) -> str:
        """The DETSİS number as the 8-digit string (:func:`detsis.validate`'s form)."""
        return str(self.detsis)

    def to_record(self) -> dict[str, Any]:
        """The record under the web service's field names (what a snapshot stores)."""
        return {
            "DETSISNo": self.detsis,
            "Ad": self.name,
            "ParentIdareKimlikKodu": self.parent or 0,
            "ParentIdareKimlikKodu2": self.parent2 or 0,
            "AnaKurumIdareKimlikKodu": self.institution or 0,
            "Seviye": self.level,
            "KurumHiyerarsik": self.hierarchy,
            "Aktifmi": "1" if self.active else "0",
            "FaalOlupOlmadigi": self.operating,
            "DisYazismaMuhatabiOlupOlmadigi": self.external_correspondent,
            "Fk_KurumBirimTipID1": self.type1,
            "Fk_KurumBirimTipID2": self.type2,
            "KurumBirimTip3ler": list(self.type3),
            "Fk_BulunduguYerID": self.place_id,
            "YerAdi": self.place_name,
            "Adres": self.address,
        }

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly mapping under the Python names, DETSİS numbers as 8-digit strings."""
        data = self._asdict()
        data["detsis"] = str(self.detsis)
        data["parent"] = _no(self.parent)
        data["institution"] = _no(self.institution)
        data["parent2"] = _no(self.parent2)
        data["type3"] = list(self.type3)
        return data


# --------------------------------------------------------------------------------------------- parsing
def parse_flag(value: object, field: str = "flag") -> bool:
    """Read a yes/no flag: ``1``/``0``, ``true``/``false``, ``E``/``H`` (also Evet/Hayır, Aktif/Pasif).

    :raises InvalidSnapshot: anything else (``details`` names the field and the value).

    >>> parse_flag("E"), parse_flag("hayır"), parse_flag(1), parse_flag("True")
    (True, False, True, True)
    """
    if value is True or value is False:
        return value
    if type(value) is int and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        key = _turkish.lower(value.strip())
        if key in _TRUE:
            return True
        if key in _FALSE:
            return False
    raise InvalidSnapshot(
        f"{field}: not a yes/no flag: {value!r}", {"field": field, "value": str(value), "reason": "flag"}
    )


def _number(value: object, field: str) -> int | None:
    """A DETSİS number field; 0, empty and null mean none."""
    if value is None or value == "" or value == 0 or value == "0":
        return None
    if type(value) is int and 10_000_000 <= value <= 99_999_999:
        return value
    try:
        return int(validate(value))  # type: ignore[arg-type]
    except ValidationError as exc:
        raise InvalidSnapshot(
            f"{field}: not a DETSİS number: {value!r}",
            {"field": field, "value": str(value), "reason": exc.details.get("reason", "format")},
        ) from None


def _int(value: object, field: str) -> int | None:
    if value is None or value == "":
        return None
    if type(value) is int:
        return value
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            return int(text)
        except ValueError:
            pass
    raise InvalidSnapshot(
        f"{field}: not an integer: {value!r}", {"field": field, "value": str(value), "reason": "integer"}
    )


def _text(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _types3(value: object) -> tuple[int, ...]:
    if value is None or value == "" or value == []:
        return ()
    items: Iterable[object]
    if isinstance(value, str):
        items = [part for part in value.replace(";", ",").replace("|", ",").split(",") if part.strip()]
    elif isinstance(value, list | tuple):
        items = value
    else:
        items = [value]
    out = []
    for item in items:
        if isinstance(item, Mapping):  # the service's KurumBirimTip3WS objects
            item = item.get("Fk_KurumBirimTip3ID")
        number = _int(item, "KurumBirimTip3ler")
        if number is not None:
            out.append(number)
    return tuple(out)


_new_unit = tuple.__new__
_MISSING: Any = object()
_FLAGS: dict[object, bool] = {True: True, False: False}
for _spelling in _TRUE:
    _FLAGS[_spelling] = True
    _FLAGS[_spelling.upper()] = True
for _spelling in _FALSE:
    _FLAGS[_spelling] = False
    _FLAGS[_spelling.upper()] = False
_FLAGS.update({"True": True, "False": False, "Evet": True, "Hayır": False, "Aktif": True, "Pasif": False})
_ALL_FIELDS = operator.itemgetter(*FIELDS)
_LOW, _HIGH = 10_000_000, 99_999_999


def _fast_unit(record: Mapping[str, Any]) -> DETSISUnit | None:
    """:func:`unit_from_record` for complete, well-typed JSON records in one pass; ``None`` otherwise."""
    try:
        (number, name, parent, parent2, institution, level, hierarchy, active, operating, external,
         type1, type2, types3, place_id, place_name, address) = _ALL_FIELDS(record)  # fmt: skip
    except (KeyError, TypeError, IndexError):  # a missing field, or not an object at all
        return None
    flags = _FLAGS.get
    try:
        flag, operating_flag, external_flag = flags(active), flags(operating), flags(external)
    except TypeError:  # unhashable value
        return None
    if (
        type(number) is not int
        or not _LOW <= number <= _HIGH
        or type(parent) is not int
        or not (parent == 0 or _LOW <= parent <= _HIGH)
        or type(institution) is not int
        or not (institution == 0 or _LOW <= institution <= _HIGH)
        or type(parent2) is not int
        or not (parent2 == 0 or _LOW <= parent2 <= _HIGH)
        or flag is None
        or operating_flag is None
        or external_flag is None
        or type(name) is not str
        or not name
        or name.isspace()
        or not (type(level) is int or level is None)
        or not (type(type1) is int or type1 is None)
        or not (type(type2) is int or type2 is None)
        or not (type(place_id) is int or place_id is None)
        or type(hierarchy) is not str
        or type(place_name) is not str
        or type(address) is not str
        or (types3 and type(types3) is not list)
    ):
        return None
    values = (
        number, name, parent or None, institution or None, level, hierarchy, flag, operating_flag,
        external_flag, type1, type2, _types3(types3) if types3 else (), parent2 or None, place_id,
        place_name, address,
    )  # fmt: skip
    unit: DETSISUnit = _new_unit(DETSISUnit, values)
    return unit


def unit_from_record(record: Mapping[str, Any]) -> DETSISUnit:
    """Build a :class:`DETSISUnit` from a record under the web service's field names.

    :param record: a JSON object or a CSV row; numbers may be integers or strings.
    :raises InvalidSnapshot: a required field is missing or a field has a bad value (``details["field"]``).
    """
    unit = _fast_unit(record) if type(record) is dict else None
    if unit is not None:
        return unit
    get = record.get
    for field in _REQUIRED:
        if field not in record:
            raise InvalidSnapshot(f"record without {field}", {"field": field, "reason": "missing"})
    detsis = _number(get("DETSISNo"), "DETSISNo")
    if detsis is None:
        raise InvalidSnapshot("record without a DETSİS number", {"field": "DETSISNo", "reason": "missing"})
    name = get("Ad")
    if not isinstance(name, str) or not name.strip():
        raise InvalidSnapshot("record without a name", {"field": "Ad", "reason": "missing"})
    values = (
        detsis,
        name,
        _number(get("ParentIdareKimlikKodu"), "ParentIdareKimlikKodu"),
        _number(get("AnaKurumIdareKimlikKodu"), "AnaKurumIdareKimlikKodu"),
        _int(get("Seviye"), "Seviye"),
        _text(get("KurumHiyerarsik")),
        parse_flag(get("Aktifmi"), "Aktifmi"),
        _flag_or(get("FaalOlupOlmadigi"), True, "FaalOlupOlmadigi"),
        _flag_or(get("DisYazismaMuhatabiOlupOlmadigi"), False, "DisYazismaMuhatabiOlupOlmadigi"),
        _int(get("Fk_KurumBirimTipID1"), "Fk_KurumBirimTipID1"),
        _int(get("Fk_KurumBirimTipID2"), "Fk_KurumBirimTipID2"),
        _types3(get("KurumBirimTip3ler")),
        _number(get("ParentIdareKimlikKodu2"), "ParentIdareKimlikKodu2"),
        _int(get("Fk_BulunduguYerID"), "Fk_BulunduguYerID"),
        _text(get("YerAdi")),
        _text(get("Adres")),
    )
    result: DETSISUnit = _new_unit(DETSISUnit, values)
    return result


def _flag_or(value: object, default: bool, field: str) -> bool:
    if value is None or value == "":
        return default
    return parse_flag(value, field)


def _units_from_records(records: Iterable[Any], start: int = 0) -> Iterator[DETSISUnit]:
    fast = _fast_unit
    for index, record in enumerate(records, start):
        if type(record) is dict:
            unit = fast(record)
            if unit is not None:
                yield unit
                continue
        if not isinstance(record, Mapping):
            raise InvalidSnapshot(
                f"record {index} is not an object", {"index": index, "reason": "not_an_object"}
            )
        try:
            yield unit_from_record(record)
        except InvalidSnapshot as exc:
            details = dict(exc.details)
            details["index"] = index
            number = record.get("DETSISNo")
            if number not in (None, "") and "detsis" not in details:
                details["detsis"] = str(number)
            raise InvalidSnapshot(f"record {index}: {exc}", details, code=exc.code) from None


def _units_from_batches(batches: Iterable[list[Any]]) -> list[DETSISUnit]:
    """Convert a megabyte of records at a time; a batch with an odd record goes the careful way."""
    units: list[DETSISUnit] = []
    for batch in batches:
        converted = list(map(_fast_unit, batch))
        if None in converted:
            start = len(units)
            units.extend(_units_from_records(batch, start))
        else:
            units.extend(converted)  # type: ignore[arg-type]
    return units


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building a registry.

    Loading creates millions of objects and no reference cycles; left on, the collector walks the growing
    heap again and again and doubles the load time.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# ------------------------------------------------------------------------------------- reading files
def _read_csv(stream: IO[str]) -> Iterator[dict[str, Any]]:
    header = stream.readline()
    if not header.strip():
        raise InvalidSnapshot("the CSV snapshot is empty", {"reason": "empty"})
    delimiter = ";" if header.count(";") > header.count(",") else ","
    reader = csv.DictReader(_chain_line(header, stream), delimiter=delimiter)
    fields = [f.strip() for f in (reader.fieldnames or [])]
    missing = [f for f in _REQUIRED if f not in fields]
    if missing:
        raise InvalidSnapshot(
            "the CSV snapshot lacks columns: " + ", ".join(missing),
            {"reason": "columns", "missing": missing},
        )
    reader.fieldnames = fields
    for row in reader:
        if None in row:
            raise InvalidSnapshot(
                f"CSV line {reader.line_num} has more cells than the header",
                {"reason": "cells", "line": reader.line_num},
            )
        yield {k: v for k, v in row.items() if v is not None}


def _chain_line(first: str, rest: IO[str]) -> Iterator[str]:
    yield first
    yield from rest


def _sniff(stream: IO[str]) -> str:
    """``json`` or ``csv`` from the first non-blank character."""
    while True:
        ch = stream.read(1)
        if ch == "":
            raise InvalidSnapshot("the snapshot is empty", {"reason": "empty"})
        if ch == "\ufeff" or ch.isspace():
            continue
        return "json" if ch in "[{" else "csv"


# ----------------------------------------------------------------------------------------- registry
_FOLD_PAIRS = (
    ("ı", "i"),
    ("ç", "c"),
    ("ğ", "g"),
    ("ö", "o"),
    ("ş", "s"),
    ("ü", "u"),
    ("â", "a"),
    ("î", "i"),
    ("û", "u"),
)
# Each Turkish letter becomes an ASCII run that sorts right after its base letter (ç after every c...z run);
# a space sorts after the digits and before the letters, as in the Turkish sort key.
_COLLATE_PAIRS = (("ç", "c~"), ("ğ", "g~"), ("ı", "h~"), ("ö", "o~"), ("ş", "s~"), ("ü", "u~"), ("â", "a"),
                  ("î", "i"), ("û", "u"), (" ", ":"))  # fmt: skip


def _name_key(text: str) -> str:
    """:func:`_turkish.search_key`, with a fast path (``str.replace`` runs in C) for names that fold to
    plain ASCII, which is nearly all of them."""
    key = text.replace("İ", "i").replace("I", "i").lower()
    for letter, base in _FOLD_PAIRS:
        key = key.replace(letter, base)
    if key.isascii():
        return " ".join(key.split())
    return _turkish.search_key(text)


def _collation_key(text: str) -> str:
    """A string that sorts in the Turkish alphabet's order (a b c ç d ... ı i ... ş t u ü v y z), cheap to
    compare; :func:`_turkish.sort_key` ranks punctuation differently, which only reorders odd names."""
    key = " ".join(text.replace("I", "ı").replace("İ", "i").lower().split())
    for letter, run in _COLLATE_PAIRS:
        key = key.replace(letter, run)
    return key


_DETSIS = operator.itemgetter(0)
_PARENT = operator.itemgetter(2)


class Registry:
    """An immutable, validated set of DETSİS units with their hierarchy.

    Every method taking a unit accepts the number as an ``int`` or a string (spaces and dashes allowed).

    :param units: the units; numbers must be unique, parents present and acyclic.
    :param meta: the snapshot's wrapper fields (``source``, ``date``, ...), kept as given.
    :raises DuplicateUnit: two units share a number.
    :raises DanglingParent: a unit's parent is not among the units (all such units are named).
    :raises ParentCycle: parent links form a cycle (the cycle's units are named in order).
    """

    __slots__ = ("_units", "_children", "_search_keys", "_sample_numbers", "meta")

    def __init__(self, units: Iterable[DETSISUnit], meta: Mapping[str, Any] | None = None) -> None:
        if not isinstance(units, list | tuple):
            units = list(units)
        table = dict(zip(map(_DETSIS, units), units, strict=True))
        if len(table) != len(units):
            seen: set[int] = set()
            for index, unit in enumerate(units):
                if unit.detsis in seen:
                    raise DuplicateUnit(
                        f"DETSİS number {unit.detsis} appears twice",
                        {"detsis": str(unit.detsis), "index": index},
                    )
                seen.add(unit.detsis)
        self._units: dict[int, DETSISUnit] = table
        self._children: dict[int, list[int]] | None = None
        self._search_keys: dict[int, str] | None = None
        self._sample_numbers: list[int] | None = None
        self.meta: dict[str, Any] = dict(meta or {})
        self._check_links()

    # -- construction
    @classmethod
    def from_records(
        cls, records: Iterable[Mapping[str, Any]], meta: Mapping[str, Any] | None = None
    ) -> Registry:
        """Build from records under the web service's field names.

        :raises InvalidSnapshot: a bad record (``details["index"]`` is its 0-based position).
        """
        with _no_gc():
            return cls(list(_units_from_records(records)), meta)

    @classmethod
    def load(cls, source: str | os.PathLike[str] | IO[str], format: str | None = None) -> Registry:  # noqa: A002
        """Load a snapshot file: JSON (bare array or wrapped) or CSV.

        :param source: a path or an open text stream.
        :param format: ``"json"`` or ``"csv"``; guessed from the content when ``None``.
        :raises InvalidSnapshot: unreadable file, bad JSON/CSV, a bad record, bad links.
        """
        if isinstance(source, str | os.PathLike):
            path = os.fspath(source)
            return read_text_file(
                path, lambda stream: cls._load_stream(stream, format), InvalidSnapshot, "snapshot"
            )
        return cls._load_stream(source, format)

    @classmethod
    def _load_stream(cls, stream: IO[str], format: str | None) -> Registry:  # noqa: A002
        if format is None:
            if not stream.seekable():
                stream = io.StringIO(stream.read())
            start = stream.tell()
            format = _sniff(stream)
            stream.seek(start)
        meta: dict[str, Any] = {}
        with _no_gc():
            if format == "json":
                units = _units_from_batches(read_json(stream, meta))
            elif format == "csv":
                units = list(_units_from_records(_read_csv(stream)))
            else:
                raise InvalidSnapshot(
                    f"unknown snapshot format {format!r}", {"reason": "format", "format": str(format)}
                )
            return cls(units, meta)

    # -- mapping-like access
    def __len__(self) -> int:
        return len(self._units)

    def __iter__(self) -> Iterator[DETSISUnit]:
        return iter(self._units.values())

    def __contains__(self, number: object) -> bool:
        return self.get(number) is not None  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return f"<Registry of {len(self._units)} DETSİS units>"

    def numbers(self) -> Iterator[int]:
        """The DETSİS numbers, in snapshot order."""
        return iter(self._units)

    def get(self, number: str | int, default: _T | None = None) -> DETSISUnit | _T | None:
        """The unit, or ``default`` when the number is unknown or malformed; never raises."""
        if type(number) is int:
            return self._units.get(number, default)
        try:
            return self._units.get(int(validate(number)), default)
        except (ValidationError, TypeError):
            return default

    def lookup(self, number: str | int) -> DETSISUnit:
        """The unit with this number.

        :raises InvalidFormat: not a DETSİS number (code ``detsis.invalid_format``).
        :raises UnknownUnit: not in the registry (code ``detsis.unknown_unit``).
        """
        if type(number) is int:
            unit = self._units.get(number)
            if unit is not None:
                return unit
        key = int(validate(number))
        unit = self._units.get(key)
        if unit is None:
            raise UnknownUnit(f"no DETSİS unit {key}", {"detsis": str(key)})
        return unit

    def check(
        self, number: str | int, *, institution: str | int | None = None, active: bool = True
    ) -> DETSISUnit:
        """Validate a number against the registry: known, active, and in ``institution`` when given.

        :raises InvalidFormat: not a DETSİS number.
        :raises UnknownUnit: not in the registry.
        :raises InactiveUnit: the unit is not active (when ``active``).
        :raises NotInInstitution: the unit's institution is not ``institution``.
        """
        unit = self.lookup(number)
        if active and not unit.active:
            raise InactiveUnit(
                f"DETSİS unit {unit.detsis} is not active", {"detsis": unit.number, "name": unit.name}
            )
        if institution is not None:
            wanted = int(validate(institution))
            actual = unit.institution or unit.detsis
            if actual != wanted:
                raise NotInInstitution(
                    f"DETSİS unit {unit.detsis} is not in institution {wanted}",
                    {
                        "detsis": unit.number,
                        "name": unit.name,
                        "institution": str(wanted),
                        "actual": str(actual),
                    },
                )
        return unit

    # -- hierarchy
    def parent(self, number: str | int) -> DETSISUnit | None:
        """The parent unit, ``None`` for a root."""
        unit = self.lookup(number)
        return None if unit.parent is None else self._units[unit.parent]

    def ancestors(self, number: str | int) -> list[DETSISUnit]:
        """The ancestors, nearest first (parent, grandparent, ..., root)."""
        units = self._units
        out = []
        parent = self.lookup(number).parent
        while parent is not None:
            unit = units[parent]
            out.append(unit)
            parent = unit.parent
        return out

    def path(self, number: str | int) -> list[DETSISUnit]:
        """The units from the root down to this one, inclusive."""
        unit = self.lookup(number)
        out = self.ancestors(unit.detsis)
        out.reverse()
        out.append(unit)
        return out

    def children(self, number: str | int) -> list[DETSISUnit]:
        """The direct children, in Turkish alphabetical order of name."""
        unit = self.lookup(number)
        units = self._units
        kids = [units[n] for n in self._child_index().get(unit.detsis, ())]
        kids.sort(key=lambda u: (_collation_key(u.name), u.detsis))
        return kids

    def descendants(self, number: str | int, depth: int | None = None) -> list[DETSISUnit]:
        """All units below this one, depth first (children in Turkish order), at most ``depth`` levels down."""
        root = self.lookup(number)
        out: list[DETSISUnit] = []
        if depth is not None and depth < 1:
            return out
        stack: list[tuple[DETSISUnit, int]] = [(k, 1) for k in reversed(self.children(root.detsis))]
        while stack:
            unit, level = stack.pop()
            out.append(unit)
            if depth is None or level < depth:
                stack.extend((k, level + 1) for k in reversed(self.children(unit.detsis)))
        return out

    def depth_of(self, number: str | int) -> int:
        """How many ancestors the unit has (0 for a root)."""
        return len(self.ancestors(number))

    def roots(self) -> list[DETSISUnit]:
        """Units without a parent."""
        return [u for u in self._units.values() if u.parent is None]

    def institution_of(self, number: str | int) -> DETSISUnit:
        """The unit's institution (ana kurum): ``AnaKurumIdareKimlikKodu``, else the unit itself.

        :raises UnknownUnit: the unit, or its institution, is not in the registry.
        """
        unit = self.lookup(number)
        return self.lookup(unit.institution) if unit.institution else unit

    def units_of(self, institution: str | int) -> list[DETSISUnit]:
        """The units whose institution is ``institution`` (the institution itself included)."""
        wanted = self.lookup(institution).detsis
        return [u for u in self._units.values() if (u.institution or u.detsis) == wanted]

    # -- search
    def search(
        self, text: str, *, institution: str | int | None = None, active_only: bool = False
    ) -> list[DETSISUnit]:
        """Units matching ``text`` by Turkish rules, the same rule as the SDP search.

        The query and the names are compared by their search keys (Turkish lower case, letters with
        diacritics folded, white space collapsed), so ``"İMAR"``, ``"imar"`` and ``"Imar"`` all find
        ``"İmar ve Şehircilik Dairesi Başkanlığı"``. Each word of the query must occur in the unit's name or
        in the name of a unit above it, and at least one word in the unit's own name: ``"büyükşehir imar"``
        finds the İmar directorate of a Büyükşehir Belediyesi. A query that is a DETSİS number finds that
        unit first; then come names equal to the query, names starting with it, and the rest, each group in
        Turkish alphabetical order.
        """
        if not isinstance(text, str):
            return []
        key = _turkish.search_key(text)
        if not key:
            return []
        units = self._units
        wanted = self.lookup(institution).detsis if institution is not None else None
        index = self._search_index()
        words = list(dict.fromkeys(key.split()))
        exact = self.get(key.replace(" ", ""))
        hits: list[tuple[int, DETSISUnit]] = [] if exact is None else [(-1, exact)]
        if len(words) == 1:
            candidates: Iterable[int] = [number for number, own in index.items() if key in own]
        else:
            # Every match has each word in its name or above it. Start from the units whose name holds the
            # rarest word (estimated on a sample of names) and the units below them; check the rest on those.
            sample = [index[number] for number in self._sample()]
            pivot = min(words, key=lambda w: (sum(w in k for k in sample), -len(w)))
            seeds = [number for number, own in index.items() if pivot in own]
            reach = set(seeds)
            children = self._child_index()
            while seeds:
                for child in children.get(seeds.pop(), ()):
                    if child not in reach:
                        reach.add(child)
                        seeds.append(child)
            candidates = reach
        for number in candidates:
            unit = units[number]
            if unit is exact:
                continue
            own = index[number]
            if len(words) > 1:
                missing = [w for w in words if w not in own]
                if len(missing) == len(words):
                    continue  # at least one word in the unit's own name
                if missing:
                    above = [index[a.detsis] for a in self.ancestors(number)]
                    if not all(any(w in k for k in above) for w in missing):
                        continue
            rank = 0 if own == key else 1 if own.startswith(key) else 2
            hits.append((rank, unit))
        hits.sort(key=lambda h: (h[0], _collation_key(h[1].name), h[1].detsis))
        return [
            unit
            for _, unit in hits
            if (not active_only or unit.active)
            and (wanted is None or (unit.institution or unit.detsis) == wanted)
        ]

    # -- internals
    def _child_index(self) -> dict[int, list[int]]:
        index = self._children
        if index is None:
            index = {}
            for unit in self._units.values():
                if unit.parent is not None:
                    index.setdefault(unit.parent, []).append(unit.detsis)
            self._children = index
        return index

    def _sample(self) -> list[int]:
        """About 2,000 numbers spread over the registry, to estimate how common a search word is."""
        numbers = self._sample_numbers
        if numbers is None:
            numbers = list(self._units)[:: max(1, len(self._units) // 2000)]
            self._sample_numbers = numbers
        return numbers

    def _search_index(self) -> dict[int, str]:
        index = self._search_keys
        if index is None:
            index = {number: _name_key(u.name) for number, u in self._units.items()}
            self._search_keys = index
        return index

    def _check_links(self) -> None:
        units = self._units
        parents = set(map(_PARENT, units.values()))
        parents.discard(None)
        missing = parents.difference(units)
        if missing:
            dangling = [
                {"detsis": str(u.detsis), "parent": str(u.parent)}
                for u in units.values()
                if u.parent in missing
            ]
            listed = dangling[:20]
            raise DanglingParent(
                "units whose parent is not in the snapshot: "
                + ", ".join(f"{d['detsis']} (parent {d['parent']})" for d in listed),
                {
                    "units": listed,
                    "count": len(dangling),
                    "first": listed[0]["detsis"],
                    "listing": ", ".join(f"{d['detsis']} → {d['parent']}" for d in listed),
                },
            )
        # Only a unit that is some unit's parent can be on a cycle. Pointer jumping over those: each round
        # links every unit to its grandparent-so-far and drops the ones that reached a root, so a depth of
        # d takes log2(d) rounds at C speed. A round that drops nothing leaves only units on or above a cycle.
        up: dict[int, int | None] = {number: units[number].parent for number in parents}
        while up:
            jumped: dict[int, int | None] = {
                number: above
                for number, parent in up.items()
                if parent is not None and (above := up.get(parent)) is not None
            }
            if len(jumped) == len(up):
                self._raise_cycle(next(iter(jumped)))
            up = jumped

    def _raise_cycle(self, start: int) -> None:
        units = self._units
        trail: dict[int, int] = {}
        order: list[int] = []
        current: int | None = start
        while current is not None and current not in trail:
            trail[current] = len(order)
            order.append(current)
            current = units[current].parent
        assert current is not None
        cycle = [str(n) for n in order[trail[current] :]]
        raise ParentCycle(
            "parent links form a cycle: " + " > ".join([*cycle, cycle[0]]),
            {"units": cycle, "first": cycle[0], "cycle": " → ".join([*cycle, cycle[0]])},
        )


def load(source: str | os.PathLike[str] | IO[str], format: str | None = None) -> Registry:  # noqa: A002
    """Load a snapshot; see :meth:`Registry.load`."""
    return Registry.load(source, format)


def dump_snapshot(units: Iterable[DETSISUnit], stream: IO[str], meta: Mapping[str, Any] | None = None) -> int:
    """Write a wrapped JSON snapshot, the wrapper's fields first, then one unit a line; returns the count.

    :param meta: wrapper fields such as ``source``, ``date``, ``institution``; ``format`` is set.
    """
    head: dict[str, Any] = {"format": SNAPSHOT_FORMAT}
    head.update(meta or {})
    head.pop("units", None)
    stream.write("{\n")
    for key, value in head.items():
        stream.write(f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},\n")
    stream.write('"units": [')
    count = 0
    dumps = json.dumps
    for unit in units:
        stream.write(",\n" if count else "\n")
        stream.write(dumps(unit.to_record(), ensure_ascii=False))
        count += 1
    stream.write("\n]\n}\n")
    return count
