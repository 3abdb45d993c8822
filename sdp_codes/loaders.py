"""Build catalogues from an institution's own file plan.

Pure functions over rows that the caller has already read (``ebys_support.sdp_catalogues`` reads CSV,
XLSX and JSON files):

* :func:`from_published_rows`: the published layout, one code per row, columns *Ana Dosya*, *1. Alt Konu*,
  *2. Alt Konu*, *3. Alt Konu*, the title, *Saklama Süresi*, *Saklama Kodu* (optionally *Açıklama* and
  *Aktif*). Headers are matched by Turkish search keys and many spellings; without a header row the seven
  columns are taken in that order. Excel's habit of turning ``010`` into ``10`` is undone (zero padding).
  Levels left empty *above* the first filled one are taken from the previous row, as in plans that write
  the main code once. A title ending in ``†`` marks a file-name-only code (not usable in a Sayı).
* :func:`from_detsis_rows`: the rows of DETSİS ``KurumSDPKodlariGetirWs``, a list of objects with ``ID,
  AnaKod, AltKod1, AltKod2, AltKod3, Kod, KonuAdi, Seviye, SaklamaSuresi, SaklamaZaman, SaklamaKodu, DipNot,
  Aciklama, Aktifmi, Tip, GrupBaslangici, GrupBitisi`` (or the service's reply ``{"SonucHatali",
  "Sonuclar", "HataMsj"}``). A row whose DipNot or Açıklama says "dosya adı" is taken as file-name-only
  (the web service has no documented field for it).

Unless ``covers`` is given, a catalogue built here claims completeness only for the main subjects it
holds (``"all"`` claims 000-999).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

from ._errors import InvalidCatalogue
from ._syntax import short
from ._turkish import search_key
from .catalogue import Catalogue, Category, SdpEntry, make_entry, parse_ranges

__all__ = ["from_published_rows", "from_detsis_rows", "default_categories"]

_ALIASES: dict[str, tuple[str, ...]] = {
    "main": ("anadosya", "anadosyakodu", "anakod", "anakonu", "anakonukodu", "dosyakodu"),
    "sub1": ("1altkonu", "altkonu1", "altkod1", "1altkod", "1altkonukodu"),
    "sub2": ("2altkonu", "altkonu2", "altkod2", "2altkod", "2altkonukodu"),
    "sub3": ("3altkonu", "altkonu3", "altkod3", "3altkod", "3altkonukodu"),
    "title": ("konuadi", "dosyaadi", "konu", "baslik", "ad", "adi", "konubasligi", "dosyakonusu", "konular"),
    "retention_raw": ("saklamasuresi", "saklamasure"),
    "retention_code": ("saklamakodu", "saklamakod"),
    "note": ("aciklama", "aciklamalar", "dipnot", "not", "notlar"),
    "active": ("aktif", "aktifmi", "durum"),
}
_POSITIONAL = ("main", "sub1", "sub2", "sub3", "title", "retention_raw", "retention_code")
_LEVELS = ("main", "sub1", "sub2", "sub3")
_FALSE = {"0", "false", "hayir", "h", "pasif", "yok", "no", "n", "f"}
_TRUE = {"1", "true", "evet", "e", "aktif", "var", "yes", "y", "t"}
_NAME_ONLY = re.compile(r"dosya\s*adi")


@cache
def default_categories() -> tuple[Category, ...]:
    """The shipped 000-099 / 100-599 / 600-999 categories (``sdp_codes/data/categories.json``)."""
    text = resources.files("sdp_codes").joinpath("data", "categories.json").read_text(encoding="utf-8")
    data = json.loads(text)
    return tuple(
        Category(c["name"], s, e)
        for c in data["categories"]
        for ((s, e),) in [parse_ranges([f"{c['start']}-{c['end']}"])]
    )


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _pad(value: str, width: int) -> str:
    return value.zfill(width) if value.isascii() and value.isdigit() and len(value) < width else value


def _flag(value: str, default: bool, row: int, column: str) -> bool:
    if not value:
        return default
    key = search_key(value)
    if key in _FALSE:
        return False
    if key in _TRUE:
        return True
    raise InvalidCatalogue(
        "flag must be yes or no", {"row": row, "column": column, "value": short(value), "reason": "flag"}
    )


def _header_map(row: Sequence[object]) -> dict[str, int] | None:
    keys = [re.sub(r"[^a-z0-9]", "", search_key(_cell(v))) for v in row]
    found: dict[str, int] = {}
    for field, aliases in _ALIASES.items():
        for index, key in enumerate(keys):
            if key in aliases and index not in found.values():
                found.setdefault(field, index)
    if "main" in found and "title" in found:
        return found
    return None


def _finish(
    entries: list[SdpEntry],
    *,
    name: str,
    title: str,
    source: str,
    revision: str,
    licence: str,
    covers: Iterable[str] | None,
) -> Catalogue:
    if not entries:
        raise InvalidCatalogue("the plan holds no codes", {"reason": "empty"})
    ranges = parse_ranges(covers) if covers is not None else tuple((int(e.code[:3]),) * 2 for e in entries)
    return Catalogue(
        entries,
        name=name,
        title=title,
        source=source,
        revision=revision,
        licence=licence,
        covers=ranges,
        categories=default_categories(),
    )


def _add(entries: list[SdpEntry], seen: dict[str, int], entry: SdpEntry, row: int) -> None:
    if entry.code in seen:
        raise InvalidCatalogue(
            "code appears twice",
            {"row": row, "code": entry.code, "first_row": seen[entry.code], "reason": "duplicate"},
        )
    seen[entry.code] = row
    entries.append(entry)


def from_published_rows(
    rows: Iterable[Sequence[object]],
    *,
    name: str,
    title: str = "",
    source: str = "",
    revision: str = "",
    licence: str = "",
    covers: Iterable[str] | None = None,
    first_row: int = 1,
) -> Catalogue:
    """Build a catalogue from rows in the published column layout (see the module docstring).

    :param rows: the cells of each row, header included when there is one.
    :param first_row: the number of the first row, for error details (a spreadsheet's line number).
    :raises InvalidCatalogue: a row has a malformed code, a gap in its levels, a duplicate code, or bad
        retention fields; ``details["row"]`` names it.
    """
    columns: dict[str, int] | None = None
    entries: list[SdpEntry] = []
    seen: dict[str, int] = {}
    previous = ["", "", "", ""]
    for number, raw in enumerate(rows, start=first_row):
        cells = [_cell(v) for v in raw]
        if not any(cells):
            continue
        if columns is None:
            columns = _header_map(raw)
            if columns is not None:
                continue
            columns = {field: i for i, field in enumerate(_POSITIONAL)}

        def get(field: str, _cells: list[str] = cells, _columns: dict[str, int] = columns) -> str:
            index = _columns.get(field)
            return _cells[index] if index is not None and index < len(_cells) else ""

        levels = [_pad(get(level), 3 if level == "main" else 2) for level in _LEVELS]
        first = next((i for i, v in enumerate(levels) if v), None)
        if first is None:
            raise InvalidCatalogue("row has a title but no code", {"row": number, "reason": "missing_code"})
        if first > 0:
            if not previous[first - 1]:
                raise InvalidCatalogue(
                    "row continues no previous code", {"row": number, "reason": "missing_code"}
                )
            levels[:first] = previous[:first]
        depth = max(i for i, v in enumerate(levels) if v)
        if not all(levels[: depth + 1]):
            raise InvalidCatalogue("row skips a level", {"row": number, "reason": "gap"})
        code = ".".join(levels[: depth + 1])
        previous = levels[: depth + 1] + [""] * (3 - depth)
        text = get("title")
        usable = True
        if text.endswith("†"):
            text, usable = text[:-1].rstrip(), False
        try:
            entry = make_entry(
                code,
                text,
                retention_raw=get("retention_raw"),
                retention_code=get("retention_code"),
                usable_in_sayi=usable,
                active=_flag(get("active"), True, number, "Aktif"),
                note=get("note"),
                source=source,
            )
        except InvalidCatalogue as exc:
            exc.details["row"] = number
            raise
        _add(entries, seen, entry, number)
    return _finish(
        entries, name=name, title=title, source=source, revision=revision, licence=licence, covers=covers
    )


def _detsis_code(row: Mapping[str, Any], number: int) -> str | None:
    kod = _cell(row.get("Kod"))
    if kod:
        parts = kod.split(".")
        return ".".join([_pad(parts[0], 3), *(_pad(p, 2) for p in parts[1:])])
    levels = []
    for key, width in (("AnaKod", 3), ("AltKod1", 2), ("AltKod2", 2), ("AltKod3", 2)):
        value = _cell(row.get(key))
        if value in ("", "0"):
            break
        levels.append(_pad(value, width))
    return ".".join(levels) if levels else None


def from_detsis_rows(
    data: object,
    *,
    name: str,
    title: str = "",
    source: str = "DETSİS KurumSDPKodlariGetirWs",
    revision: str = "",
    licence: str = "",
    covers: Iterable[str] | None = None,
) -> Catalogue:
    """Build a catalogue from DETSİS ``KurumSDPKodlariGetirWs`` rows (see the module docstring).

    :raises InvalidCatalogue: the reply reports an error, or a row is malformed (``details["row"]``).
    """
    rows: object = data
    if isinstance(data, Mapping):
        if data.get("SonucHatali") is True:
            raise InvalidCatalogue(
                "the DETSİS reply reports an error",
                {"reason": "detsis_error", "message": short(data.get("HataMsj"))},
            )
        rows = data.get("Sonuclar")
    if not isinstance(rows, list):
        raise InvalidCatalogue("expected a list of DETSİS SDP rows", {"reason": "format"})
    entries: list[SdpEntry] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, Mapping):
            raise InvalidCatalogue("DETSİS row is not an object", {"row": number, "reason": "row"})
        code = _detsis_code(row, number)
        if code is None:
            if row.get("GrupBaslangici") is not None or row.get("GrupBitisi") is not None:
                continue  # a group heading (range of main codes), not a code
            raise InvalidCatalogue("DETSİS row has no code", {"row": number, "reason": "missing_code"})
        notes = [n for n in (_cell(row.get("DipNot")), _cell(row.get("Aciklama"))) if n]
        when = _cell(row.get("SaklamaZaman"))
        if when:
            notes.append(f"SaklamaZaman: {when}")
        usable = not any(_NAME_ONLY.search(search_key(n)) for n in notes)
        try:
            entry = make_entry(
                code,
                _cell(row.get("KonuAdi")),
                retention_raw=_cell(row.get("SaklamaSuresi")),
                retention_code=_cell(row.get("SaklamaKodu")),
                usable_in_sayi=usable,
                active=_flag(_cell(row.get("Aktifmi")), True, number, "Aktifmi"),
                note=" — ".join(notes),
                source="detsis",
            )
        except InvalidCatalogue as exc:
            exc.details["row"] = number
            raise
        _add(entries, seen, entry, number)
    return _finish(
        entries, name=name, title=title, source=source, revision=revision, licence=licence, covers=covers
    )
