"""SDP codes (Standart Dosya Planı, the standard file plan of Turkish public institutions).

The python-stdnum shape: :func:`compact`, :func:`validate` (returns the compact code or raises),
:func:`is_valid` (never raises), :func:`format`, and catalogue look-ups (:func:`lookup` raises, :func:`get`
returns a default). Sources: the 2005/2012 plan as published per institution on KAYSİS
(https://www.kaysis.gov.tr/SDP/Anasayfa.aspx) and DETSİS ``KurumSDPKodlariGetirWs``.

**Syntax.** A 3-digit main subject then up to three dot-separated 2-digit levels (``010``, ``010.06``,
``010.06.01``, ``050.01.04.02``), optionally followed by an institution-specific special part in square
brackets (``105 [Ada 12 Parsel 5]``). **Catalogue checks.** With a catalogue that covers the code's main
subject, unknown codes, codes with sub-codes (only leaves may be used on a document), inactive codes and,
with ``for_sayi=True``, file-name-only codes are errors. Main-service codes (100-599) differ per
institution: when the catalogue does not cover the code, it is valid with the warning
``sdp.not_checked_against_catalogue``. Without ``catalogue``, the shipped ``starter`` catalogue is used
(the common area 000-099 rows of the plan; see ``scripts/update_sdp.py``).

**Search** (:func:`search`) follows Turkish rules (:mod:`sdp_codes._turkish`): text is lower-cased with
``I``→``ı`` and ``İ``→``i``, then ç ğ ı ö ş ü â î û are folded to c g i o s u a i u and white space runs
become one space; a word ending in a Turkish compound-noun ending (``-ı -i -u -ü``, ``-sı -si -su -sü``)
also matches without it when at least four letters remain (``kararları`` finds "Kararlar"); every word of
the query must occur in the entry's title or a parent's title, and at least one in its own title. So
``BİLGİ NOTLARI``, ``bilgi notları`` and ``bilgi notlari`` find "Bilgi Notları", and ``MECLİS KARARLARI``,
``meclis kararları`` and ``meclis kararlari`` find 050.01.04 "Kararlar" under "... Meclisler".
Results are sorted by title in the Turkish alphabet (a b c ç d e f g ğ h ı i j k l m n o ö p r s ş t u ü v
y z), then by code. A query that looks like a code (``050.01``) lists the codes starting with it.

>>> validate("010.06.01")
'010.06.01'
>>> validate(" 045 .01 ")
'045.01'
>>> is_valid("010")  # 010 Mevzuat İşleri has sub-codes
False
>>> validate("020", for_sayi=True)
Traceback (most recent call last):
    ...
sdp_codes._errors.NotForSayi: SDP code 020 names a file only
>>> check("821.05").warnings  # from E-66452182-821.05-84954673; 821 is outside the starter rows
('sdp.not_checked_against_catalogue',)
>>> lookup("045.01").title
'Teknik ve Mesleki'
>>> format("105[ Ada 12  Parsel 5 ]")
'105 [Ada 12 Parsel 5]'
>>> [e.code for e in search("bilgi notlari")]
['041.02', '041']
>>> [(e.code, e.title) for e in search("MECLİS KARARLARI")]
[('050.01.04', 'Kararlar')]
>>> [e.title for e in children("050.01")][:2]
['Seçim ve Atama', 'Davetler ve Gündemler']
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from ._errors import (
    Inactive,
    InvalidCatalogue,
    InvalidFormat,
    InvalidSpecialCode,
    NotALeaf,
    NotForSayi,
    UnknownCode,
    ValidationError,
)
from ._syntax import MAX_SPECIAL_LENGTH, compact, split
from .catalogue import Catalogue, Category, SdpEntry, make_entry
from .retention import Disposition, RetentionRules, default_rules

__all__ = [
    "BUILTIN_CATALOGUES",
    "MAX_SPECIAL_LENGTH",
    "NOT_CHECKED",
    "Catalogue",
    "Category",
    "Checked",
    "Disposition",
    "Inactive",
    "InvalidCatalogue",
    "InvalidFormat",
    "InvalidSpecialCode",
    "NotALeaf",
    "NotForSayi",
    "RetentionRules",
    "SdpEntry",
    "UnknownCode",
    "ValidationError",
    "builtin_catalogue",
    "check",
    "children",
    "compact",
    "default_catalogue",
    "default_rules",
    "format",
    "get",
    "is_valid",
    "lookup",
    "make_entry",
    "search",
    "split",
    "validate",
]

#: Names of the catalogues shipped in ``sdp_codes/data/`` (written by ``scripts/update_sdp.py``).
BUILTIN_CATALOGUES = ("starter", "starter-tapu-kadastro", "starter-et-ve-sut", "starter-gthb")

#: Warning code: the catalogue does not cover the code's main subject, so it was checked for syntax only.
NOT_CHECKED = "sdp.not_checked_against_catalogue"


@cache
def builtin_catalogue(name: str) -> Catalogue:
    """A shipped catalogue by name (loaded once; catalogues are immutable).

    :raises InvalidCatalogue: no such shipped catalogue.
    """
    if name not in BUILTIN_CATALOGUES:
        raise InvalidCatalogue("no such built-in catalogue", {"reason": "unknown_builtin", "name": name})
    text = resources.files("sdp_codes").joinpath("data", f"{name}.json").read_text(encoding="utf-8")
    return Catalogue.from_json(json.loads(text))


def default_catalogue() -> Catalogue:
    """The ``starter`` catalogue: the common-area rows of the plan."""
    return builtin_catalogue("starter")


@dataclass(frozen=True, slots=True)
class Checked:
    """The outcome of :func:`check` for a valid code."""

    #: The compact code, special part included (``"105[Ada 12]"``).
    code: str
    #: The numeric part (``"105"``).
    numeric: str
    #: The special part without brackets, or ``None``.
    special: str | None
    #: The catalogue entry, or ``None`` when the catalogue does not cover the code.
    entry: SdpEntry | None
    #: ``"general"``, ``"main_service"``, ``"support"`` or ``None``, from the catalogue's ranges.
    category: str | None
    #: Warning codes, e.g. :data:`NOT_CHECKED`.
    warnings: tuple[str, ...] = ()


def check(code: str, catalogue: Catalogue | None = None, *, for_sayi: bool = False) -> Checked:
    """Validate ``code`` and return what is known about it (see the module docstring for the rules).

    :param code: the code as typed.
    :param catalogue: the plan to check against; ``None`` for the ``starter`` catalogue.
    :param for_sayi: also refuse file-name-only codes, which may not appear in a document number.
    :raises InvalidFormat: ``sdp.invalid_format``.
    :raises InvalidSpecialCode: ``sdp.invalid_special_code``.
    :raises UnknownCode: ``sdp.unknown_code`` (only where the catalogue covers the main subject).
    :raises NotALeaf: ``sdp.not_a_leaf``.
    :raises Inactive: ``sdp.inactive``.
    :raises NotForSayi: ``sdp.not_for_sayi``.
    """
    numeric, special = split(code)
    cat = default_catalogue() if catalogue is None else catalogue
    compact_code = numeric if special is None else f"{numeric}[{special}]"
    entry = cat.get(numeric)
    if entry is None:
        entry = cat.implied(numeric)
    if entry is None:
        if cat.covers(numeric):
            raise UnknownCode(
                f"SDP code {numeric} is not in the catalogue", {"code": numeric, "catalogue": cat.name}
            )
        return Checked(compact_code, numeric, special, None, cat.category_of(numeric), (NOT_CHECKED,))
    if cat.has_children(numeric):
        raise NotALeaf(
            f"SDP code {numeric} has sub-codes",
            {"code": numeric, "children": [c.code for c in cat.children(numeric)][:20]},
        )
    if not entry.active:
        raise Inactive(f"SDP code {numeric} is no longer in use", {"code": numeric})
    if for_sayi and not entry.usable_in_sayi:
        raise NotForSayi(f"SDP code {numeric} names a file only", {"code": numeric})
    return Checked(compact_code, numeric, special, entry, entry.category)


def validate(code: str, catalogue: Catalogue | None = None, *, for_sayi: bool = False) -> str:
    """Check ``code`` (see :func:`check`) and return its compact form."""
    return check(code, catalogue, for_sayi=for_sayi).code


def is_valid(code: object, catalogue: Catalogue | None = None, *, for_sayi: bool = False) -> bool:
    """Whether ``code`` passes :func:`validate`; never raises."""
    try:
        return bool(validate(code, catalogue, for_sayi=for_sayi))  # type: ignore[arg-type]
    except ValidationError:
        return False


def format(code: str) -> str:  # noqa: A001 - the python-stdnum name
    """The display form: the compact code, and the special part after one space.

    :raises InvalidFormat: not an SDP code.
    :raises InvalidSpecialCode: malformed special part.
    """
    numeric, special = split(code)
    return numeric if special is None else f"{numeric} [{special}]"


def lookup(code: str, catalogue: Catalogue | None = None) -> SdpEntry:
    """The catalogue entry for ``code`` (a special part is ignored).

    :raises UnknownCode: the catalogue has no such code.
    :raises InvalidFormat: not an SDP code.
    """
    cat = default_catalogue() if catalogue is None else catalogue
    try:
        return cat.lookup(code)
    except UnknownCode:
        numeric, _special = split(code)
        implied = cat.implied(numeric)
        if implied is None:
            raise
        return implied


def get(code: object, default: SdpEntry | None = None, catalogue: Catalogue | None = None) -> SdpEntry | None:
    """Like :func:`lookup`, but return ``default`` instead of raising (also for malformed codes)."""
    try:
        return lookup(code, catalogue)  # type: ignore[arg-type]
    except ValidationError:
        return default


def children(code: str, catalogue: Catalogue | None = None) -> tuple[SdpEntry, ...]:
    """The direct sub-codes of ``code``, in code order.

    :raises InvalidFormat: not an SDP code.
    """
    numeric, _special = split(code)
    cat = default_catalogue() if catalogue is None else catalogue
    return cat.children(numeric)


def search(text: str, catalogue: Catalogue | None = None, *, limit: int | None = None) -> list[SdpEntry]:
    """Entries whose title matches ``text`` by Turkish rules (see the module docstring)."""
    cat = default_catalogue() if catalogue is None else catalogue
    return cat.search(text, limit=limit)
