"""SDP catalogues: the file plan of an institution, as immutable :class:`SdpEntry` records.

A :class:`Catalogue` records where it came from (``source``, ``revision``) and which main subjects it holds
completely (``covers``): a code whose main subject is covered and that is not in the catalogue is unknown;
a code outside the covered subjects cannot be checked and is reported as such, never silently "known".
The ranges that make a code ``general`` (000-099), ``main_service`` (100-599) or ``support`` (600-999) are
data too (``categories``), because no source documents whether the 2019/2020 plans changed them.

The JSON form (``to_json``/``from_json``) is what ``ebys-support sdp import`` writes and ``--catalogue``
reads::

    {"format": "ebys-support/sdp-catalogue", "version": 1, "name": ..., "title": ..., "source": ...,
     "revision": ..., "licence": ..., "covers": ["000-099", "105"],
     "categories": [{"name": "general", "start": "000", "end": "099"}, ...],
     "entries": [{"code": "010.06.01", "title": "İç", "retention_raw": null, ...}, ...]}
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ._errors import InvalidCatalogue, UnknownCode, ValidationError
from ._syntax import level_of, parent_of, short, split
from ._turkish import search_key, sort_key

__all__ = [
    "FORMAT",
    "VERSION",
    "SdpEntry",
    "Category",
    "Catalogue",
    "make_entry",
    "parse_ranges",
    "format_ranges",
    "word_forms",
]

FORMAT = "ebys-support/sdp-catalogue"
VERSION = 1

_RETENTION_CODE = re.compile(r"[A-Z][0-9]?")
_CODE_QUERY = re.compile(r"[0-9]{1,3}(?:\.[0-9]{0,2}){0,3}")


@dataclass(frozen=True, slots=True)
class SdpEntry:
    """One code of a file plan."""

    #: The numeric code, e.g. ``"010.06.01"``.
    code: str
    #: The subject title as the source writes it (may be empty where the source gives none).
    title: str
    #: 0 for a main code (``"010"``), 1-3 for the sub-levels.
    level: int
    #: The parent code, ``None`` for a main code.
    parent: str | None
    #: ``"general"``, ``"main_service"``, ``"support"`` (from the catalogue's ranges), or ``None``.
    category: str | None
    #: Retention in years when ``retention_raw`` is a number, else ``None``.
    retention_years: int | None
    #: Saklama Süresi as written (``"10"``, ``"B"``) or ``None``.
    retention_raw: str | None
    #: Saklama Kodu (``"A3"``, ``"C"``, ``"D"``) or ``None``.
    retention_code: str | None
    #: ``False`` for file-name-only codes, which may not appear in a Sayı.
    usable_in_sayi: bool = True
    #: ``False`` when the plan no longer uses the code.
    active: bool = True
    #: Footnote or remark (dip not, açıklama).
    note: str = ""
    #: Identifier of the source the row comes from (e.g. ``"S1"`` or ``"detsis"``).
    source: str = ""
    #: Where that source can be read, when known.
    source_url: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of the entry."""
        return {name: getattr(self, name) for name in _ENTRY_FIELDS}


_ENTRY_FIELDS = tuple(f.name for f in dataclasses.fields(SdpEntry))


@dataclass(frozen=True, slots=True)
class Category:
    """A named range of main subjects, e.g. ``general`` 000-099."""

    name: str
    start: int
    end: int

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "start": f"{self.start:03d}", "end": f"{self.end:03d}"}


def make_entry(
    code: str,
    title: str,
    *,
    retention_raw: str | None = None,
    retention_code: str | None = None,
    usable_in_sayi: bool = True,
    active: bool = True,
    note: str = "",
    source: str = "",
    source_url: str = "",
) -> SdpEntry:
    """Build an entry, deriving ``level``, ``parent`` and ``retention_years`` from the code and raw text.

    :raises InvalidCatalogue: the code is not a plain SDP code or the retention fields are malformed.
    """
    try:
        numeric, special = split(code)
    except ValidationError as exc:
        raise InvalidCatalogue(
            "catalogue row has a malformed code", {"code": short(code), "reason": exc.code}
        ) from exc
    if special is not None:
        raise InvalidCatalogue(
            "catalogue row code has a special part", {"code": numeric, "reason": "special"}
        )
    raw = (retention_raw or "").strip() or None
    years: int | None = None
    if raw is not None:
        if raw.isascii() and raw.isdigit():
            years = int(raw)
            raw = str(years)
        elif not raw.isprintable() or len(raw) > 16:
            raise InvalidCatalogue("retention period is malformed", {"code": numeric, "reason": "retention"})
    rcode = (retention_code or "").strip().upper() or None
    if rcode is not None and not _RETENTION_CODE.fullmatch(rcode):
        raise InvalidCatalogue("retention code is malformed", {"code": numeric, "reason": "retention_code"})
    return SdpEntry(
        code=numeric,
        title=" ".join(title.split()),
        level=level_of(numeric),
        parent=parent_of(numeric),
        category=None,
        retention_years=years,
        retention_raw=raw,
        retention_code=rcode,
        usable_in_sayi=usable_in_sayi,
        active=active,
        note=" ".join(note.split()),
        source=source,
        source_url=source_url,
    )


def parse_ranges(values: Iterable[str]) -> tuple[tuple[int, int], ...]:
    """Parse main-subject ranges: ``"000-099"``, ``"105"``, or ``"all"`` (000-999).

    >>> parse_ranges(["000-099", "105", "600-999"])
    ((0, 99), (105, 105), (600, 999))
    """
    out: list[tuple[int, int]] = []
    for value in values:
        if not isinstance(value, str):
            raise InvalidCatalogue("range must be text", {"range": short(value), "reason": "range"})
        text = value.strip()
        if text.lower() == "all":
            out.append((0, 999))
            continue
        start, _, end = text.partition("-")
        start, end = start.strip(), (end.strip() or start.strip())
        if not (re.fullmatch(r"[0-9]{3}", start) and re.fullmatch(r"[0-9]{3}", end)) or int(start) > int(end):
            raise InvalidCatalogue(
                "range must look like 000-099 or 105", {"range": short(value), "reason": "range"}
            )
        out.append((int(start), int(end)))
    return tuple(sorted(set(out)))


def format_ranges(ranges: Iterable[tuple[int, int]]) -> list[str]:
    """The text form of ranges, merging adjacent ones.

    >>> format_ranges([(10, 10), (0, 0), (11, 11), (105, 105)])
    ['000', '010-011', '105']
    """
    merged: list[list[int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [f"{a:03d}" if a == b else f"{a:03d}-{b:03d}" for a, b in merged]


# The possessive ending of a Turkish compound noun ("Meclis Kararları", "Bina Bakımı", "İl Genel
# Meclisi"), after search_key folding: -sı/-si/-su/-sü after a vowel, -ı/-i/-u/-ü after a consonant.
_COMPOUND_ENDINGS = ("si", "su", "i", "u")
#: Shortest stem left after removing a compound ending (``"mali"`` stays whole).
MIN_STEM = 4


def word_forms(word: str) -> tuple[str, ...]:
    """The forms a folded query word may match: itself and, when it ends in a Turkish compound-noun
    ending (``-ı -i -u -ü``, ``-sı -si -su -sü``) leaving at least :data:`MIN_STEM` letters, the word
    without it. Plan titles name the head noun alone ("Kararlar" under "Meclisler") while people type
    the compound ("meclis kararları").

    >>> word_forms("kararlari"), word_forms("meclis"), word_forms("mali")
    (('kararlari', 'kararlar'), ('meclis',), ('mali',))
    >>> word_forms("sozlesmesi")
    ('sozlesmesi', 'sozlesme')
    """
    for ending in _COMPOUND_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            return word, word[: -len(ending)]
    return (word,)


@dataclass(frozen=True, slots=True)
class _Indexed:
    entry: SdpEntry
    own_key: str
    path_key: str
    order: tuple[tuple[tuple[int, ...], str], str]


class Catalogue:
    """An immutable SDP catalogue.

    :param entries: the codes (``level``, ``parent`` and ``category`` are recomputed here).
    :param name: short name (``"starter"``, the file name of an import).
    :param title: human-readable description.
    :param source: where the rows come from.
    :param revision: the source's revision or a content hash.
    :param licence: the data licence as far as known.
    :param covers: main-subject ranges held completely (see :func:`parse_ranges`).
    :param categories: the ``general``/``main_service``/``support`` ranges.
    :param implicit_other: treat ``X.99`` (Diğer) as present under every held code ``X`` that has
        sub-codes, as the plan puts "99 Diğer" at every sub-level; for transcriptions that leave it out.
    :raises InvalidCatalogue: duplicate codes.
    """

    __slots__ = (
        "name",
        "title",
        "source",
        "revision",
        "licence",
        "coverage",
        "categories",
        "implicit_other",
        "_entries",
        "_children",
        "_index",
    )

    def __init__(
        self,
        entries: Iterable[SdpEntry],
        *,
        name: str,
        title: str = "",
        source: str = "",
        revision: str = "",
        licence: str = "",
        covers: Iterable[tuple[int, int]] = (),
        categories: Iterable[Category] = (),
        implicit_other: bool = False,
    ) -> None:
        self.name = name
        self.implicit_other = implicit_other
        self.title = title
        self.source = source
        self.revision = revision
        self.licence = licence
        self.coverage: tuple[tuple[int, int], ...] = tuple(sorted(set(covers)))
        self.categories: tuple[Category, ...] = tuple(categories)
        table: dict[str, SdpEntry] = {}
        for entry in entries:
            if entry.code in table:
                raise InvalidCatalogue(
                    "duplicate code in catalogue", {"code": entry.code, "reason": "duplicate"}
                )
            category = self.category_of(entry.code)
            if (entry.category, entry.level, entry.parent) != (
                category,
                level_of(entry.code),
                parent_of(entry.code),
            ):
                entry = dataclasses.replace(
                    entry, category=category, level=level_of(entry.code), parent=parent_of(entry.code)
                )
            table[entry.code] = entry
        self._entries: dict[str, SdpEntry] = dict(sorted(table.items()))
        children: dict[str, list[str]] = {}
        for code, entry in self._entries.items():
            if entry.parent is not None:
                children.setdefault(entry.parent, []).append(code)
        self._children: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in children.items()}
        self._index: tuple[_Indexed, ...] | None = None

    # -- mapping-like access -------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[SdpEntry]:
        return iter(self._entries.values())

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code in self._entries

    def __repr__(self) -> str:
        return f"<Catalogue {self.name!r} revision={self.revision!r} entries={len(self)}>"

    def get(self, code: str, default: SdpEntry | None = None) -> SdpEntry | None:
        """The entry for the numeric ``code`` (exactly as compacted), or ``default``."""
        return self._entries.get(code, default)

    def lookup(self, code: str) -> SdpEntry:
        """The entry for ``code``; a special part is ignored.

        :raises UnknownCode: the catalogue has no such code.
        :raises InvalidFormat: ``code`` is not an SDP code.
        """
        numeric, _special = split(code)
        entry = self._entries.get(numeric)
        if entry is None:
            raise UnknownCode("no such code in the catalogue", {"code": numeric, "catalogue": self.name})
        return entry

    def implied(self, code: str) -> SdpEntry | None:
        """The implicit ``X.99`` Diğer entry for ``code`` when :attr:`implicit_other` allows it."""
        if not (self.implicit_other and code.endswith(".99")):
            return None
        parent = self._entries.get(code[:-3])
        if parent is None or parent.code not in self._children:
            return None
        return dataclasses.replace(
            parent,
            code=code,
            title="Diğer",
            level=level_of(code),
            parent=parent.code,
            retention_years=None,
            retention_raw=None,
            retention_code=None,
            usable_in_sayi=True,
            active=True,
            note="Kaynakta yazılı değil; planın her alt düzeyindeki 99 Diğer kodu.",
        )

    def has_children(self, code: str) -> bool:
        return code in self._children

    def children(self, code: str) -> tuple[SdpEntry, ...]:
        """The direct sub-codes of the numeric ``code``, in code order (empty for a leaf or unknown code)."""
        return tuple(self._entries[c] for c in self._children.get(code, ()))

    def ancestors(self, code: str) -> tuple[SdpEntry, ...]:
        """The entries above ``code`` that the catalogue holds, from the main code down."""
        out: list[SdpEntry] = []
        parent = parent_of(code)
        while parent is not None:
            entry = self._entries.get(parent)
            if entry is not None:
                out.append(entry)
            parent = parent_of(parent)
        return tuple(reversed(out))

    def roots(self) -> tuple[SdpEntry, ...]:
        """Entries whose parent is not in the catalogue (main codes, or orphans of a partial plan)."""
        return tuple(e for e in self._entries.values() if e.parent is None or e.parent not in self._entries)

    def walk(self, code: str | None = None) -> Iterator[tuple[int, SdpEntry]]:
        """Depth-first ``(depth, entry)`` pairs under ``code`` (including it), or of the whole catalogue."""
        starts = self.roots() if code is None else (self.lookup(code),)
        stack = [(0, e) for e in reversed(starts)]
        while stack:
            depth, entry = stack.pop()
            yield depth, entry
            stack.extend((depth + 1, child) for child in reversed(self.children(entry.code)))

    # -- coverage and categories ---------------------------------------------------------------------
    def covers(self, code: str) -> bool:
        """Whether the catalogue holds the whole subtree of ``code``'s main subject."""
        main = int(code[:3])
        return any(start <= main <= end for start, end in self.coverage)

    def category_of(self, code: str) -> str | None:
        """The category name of ``code``'s main subject, from the catalogue's ranges."""
        main = int(code[:3])
        for category in self.categories:
            if category.start <= main <= category.end:
                return category.name
        return None

    # -- search --------------------------------------------------------------------------------------
    def _indexed(self) -> tuple[_Indexed, ...]:
        if self._index is None:
            items = []
            for entry in self._entries.values():
                path = "\n".join(search_key(a.title) for a in self.ancestors(entry.code))
                items.append(
                    _Indexed(entry, search_key(entry.title), path, (sort_key(entry.title), entry.code))
                )
            self._index = tuple(items)
        return self._index

    def search(self, text: str, limit: int | None = None) -> list[SdpEntry]:
        """Entries matching ``text``, by Turkish rules; see :mod:`sdp_codes` for the exact rule.

        A query that looks like a code (``"050.01"``, ``"05"``) matches codes starting with it, in code
        order. Otherwise each word of the query, folded with :func:`sdp_codes._turkish.search_key` (or,
        see :func:`word_forms`, without its Turkish compound-noun ending), must occur in the entry's title
        or in a parent's title, and at least one word in the entry's own title; results are sorted by
        title in the Turkish alphabet, then by code.
        """
        if not isinstance(text, str):
            return []
        query = search_key(text)
        if not query:
            return []
        if _CODE_QUERY.fullmatch(query):
            found = [e for e in self._entries.values() if e.code.startswith(query)]
            return found[:limit] if limit is not None else found
        words = [word_forms(w) for w in query.split()]
        hits = [
            item
            for item in self._indexed()
            if any(f in item.own_key for forms in words for f in forms)
            and all(any(f in item.own_key or f in item.path_key for f in forms) for forms in words)
        ]
        hits.sort(key=lambda item: item.order)
        result = [item.entry for item in hits]
        return result[:limit] if limit is not None else result

    # -- JSON ----------------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """The JSON form (see the module docstring)."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "name": self.name,
            "title": self.title,
            "source": self.source,
            "revision": self.revision,
            "licence": self.licence,
            "covers": format_ranges(self.coverage),
            "categories": [c.to_dict() for c in self.categories],
            "implicit_other": self.implicit_other,
            "entries": [
                {k: v for k, v in e.to_dict().items() if k not in ("level", "parent", "category")}
                for e in self._entries.values()
            ],
        }

    @classmethod
    def from_json(cls, data: object) -> Catalogue:
        """Build a catalogue from its JSON form.

        :raises InvalidCatalogue: not a catalogue of a known format/version, or a malformed row.
        """
        if not isinstance(data, Mapping) or data.get("format") != FORMAT:
            raise InvalidCatalogue("not an SDP catalogue", {"reason": "format"})
        if data.get("version") != VERSION:
            raise InvalidCatalogue("unsupported catalogue version", {"reason": "version"})
        rows = data.get("entries")
        if not isinstance(rows, list):
            raise InvalidCatalogue("catalogue has no entries list", {"reason": "entries"})
        entries = []
        for number, row in enumerate(rows, start=1):
            entries.append(_entry_from_json(row, number))
        return cls(
            entries,
            name=_text(data, "name") or "catalogue",
            title=_text(data, "title"),
            source=_text(data, "source"),
            revision=_text(data, "revision"),
            licence=_text(data, "licence"),
            covers=parse_ranges(_str_list(data.get("covers", []), "covers")),
            categories=_categories(data.get("categories", [])),
            implicit_other=data.get("implicit_other", False) is True,
        )


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidCatalogue("catalogue field must be text", {"reason": key})
    return value


def _str_list(value: object, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidCatalogue("catalogue field must be a list of text", {"reason": key})
    return value


def _categories(value: object) -> tuple[Category, ...]:
    if not isinstance(value, list):
        raise InvalidCatalogue("categories must be a list", {"reason": "categories"})
    out = []
    for item in value:
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            raise InvalidCatalogue("malformed category", {"reason": "categories"})
        ((start, end),) = parse_ranges([f"{item.get('start')}-{item.get('end')}"])
        out.append(Category(item["name"], start, end))
    return tuple(out)


def _entry_from_json(row: object, number: int) -> SdpEntry:
    if not isinstance(row, Mapping) or not isinstance(row.get("code"), str):
        raise InvalidCatalogue("malformed catalogue row", {"row": number, "reason": "row"})
    try:
        title = _text(row, "title")
        texts = {k: _text(row, k) for k in ("note", "source", "source_url")}
        raw = row.get("retention_raw")
        rcode = row.get("retention_code")
        flags = {k: row.get(k, True) for k in ("usable_in_sayi", "active")}
        if not all(isinstance(v, bool) for v in flags.values()):
            raise InvalidCatalogue("flag must be true or false", {"reason": "flag"})
        if not (raw is None or isinstance(raw, str)) or not (rcode is None or isinstance(rcode, str)):
            raise InvalidCatalogue("retention must be text", {"reason": "retention"})
        return make_entry(
            row["code"],
            title,
            retention_raw=raw,
            retention_code=rcode,
            usable_in_sayi=bool(flags["usable_in_sayi"]),
            active=bool(flags["active"]),
            note=texts["note"],
            source=texts["source"],
            source_url=texts["source_url"],
        )
    except InvalidCatalogue as exc:
        exc.details.setdefault("row", number)
        raise
