"""Official document numbers ("Sayı") of Turkish public correspondence.

Four shapes have been in use (DOMAIN.md §3; Resmî Yazışmalarda Uygulanacak Usul ve Esaslar Hakkında
Yönetmelik 2004/2015/2020, Genelge 2011/1):

=========  ==============================================  ==========================================
era        shape                                           example
=========  ==============================================  ==========================================
``2020``   ``E-`` DETSİS ``-`` SDP ``-`` record            ``E-66452182-821.05-84954673``
``2015``   DETSİS ``-`` SDP ``-`` ``E.`` record            ``93200476-301.03-E.68``
``2015``   DETSİS ``-`` SDP ``-`` record (not e-signed)    ``27566166-807.01-1``, ``65220229-934.01-01``
``2015``   DETSİS ``-`` SDP ``-`` unit ``/`` general record
``2011``   DETSİS ``-`` SDP ``/`` record                   ``22671628-805.03/1250``
``legacy`` ``B.`` communication code ``-`` SDP ``-`` record ``B.08.6.YÖK.2.DĞ.0.78-806.01.05-01``
=========  ==============================================  ==========================================

DETSİS is 8 digits, the first not zero; the SDP code may carry a special part in ``[ ]``; the record number
is digits (leading zeros are kept: ``01``). Whether the ``/`` form survives in 2020 numbers is unconfirmed,
so :class:`SayiRules` decides (accepted by default).

What printed letters contain is accepted and normalised (the raw text is kept): a leading ``Sayı:`` or
``Sayı :`` label, spaces around ``-`` and ``/``, en or em dashes (and the Unicode hyphens and minus sign)
for ``-``, ``E. 68`` for ``E.68``, a lowercase ``e``. Anything else is an error with a stable code:
``sayi.invalid_format``, ``sayi.invalid_detsis``, ``sayi.invalid_sdp`` (the SDP error is in
``details["error"]``), ``sayi.invalid_record``. A legacy number parses with the warning
``sayi.legacy_format``. The EBYS "Belge Takip No" is not a Sayı.

>>> n = parse("E-66452182-821.05-84954673")  # İstanbul İl MEM, 22.09.2023
>>> n.era, n.electronic, n.detsis, n.sdp, n.record
('2020', True, '66452182', '821.05', '84954673')
>>> parse("Sayı : E – 23444165 – 045.01 – 2409752").normalized  # İzmir BB Yapı Kontrol
'E-23444165-045.01-2409752'
>>> n = parse("93200476-301.03-E. 68")
>>> n.era, n.electronic, n.normalized
('2015', True, '93200476-301.03-E.68')
>>> parse("65220229-934.01-01").record  # Doğuş Üniversitesi
'01'
>>> n = parse("22671628-805.03/1250")  # il sağlık müdürlüğü, 03.01.2013
>>> n.era, n.record
('2011', '1250')
>>> n = parse("B.08.6.YÖK.2.DĞ.0.78-806.01.05-01")
>>> n.era, n.communication_code, n.sdp, n.warnings
('legacy', 'B.08.6.YÖK.2.DĞ.0.78', '806.01.05', ('sayi.legacy_format',))
>>> parse("E-6645218-821.05-84954673")
Traceback (most recent call last):
    ...
ebys_support.document_number.InvalidDETSIS: The DETSİS number 6645218 in the Sayı is not valid: it must be 8 digits, the first not zero.
>>> validate("E-91587970-020-1", sdp_catalogue=sdp_codes.default_catalogue())
Traceback (most recent call last):
    ...
ebys_support.document_number.InvalidSDP: The SDP code 020 in the Sayı is not valid: SDP code 020 is used only as a file name; it may not appear in a document number (Sayı).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any, Protocol

import detsis as detsis_mod
import sdp_codes
from ebys_support import i18n
from ebys_support.errors import ValidationFailed
from ebys_support.i18n.turkish import upper

__all__ = [
    "DocumentNumber",
    "SayiRules",
    "SayiError",
    "InvalidFormat",
    "InvalidDETSIS",
    "InvalidSDP",
    "InvalidRecord",
    "DETSISRegistry",
    "LEGACY_FORMAT",
    "INACTIVE_UNIT",
    "normalize",
    "parse",
    "validate",
    "is_valid",
]

#: Warning: a pre-2011 number whose issuer is a communication code, not a DETSİS number.
LEGACY_FORMAT = "sayi.legacy_format"
#: Warning: the registry knows the DETSİS unit but marks it inactive (normal for old letters).
INACTIVE_UNIT = "sayi.inactive_unit"

ERAS = ("2020", "2015", "2011", "legacy")


class SayiError(ValidationFailed):
    """A Sayı that is not valid; ``details["input"]`` holds (the start of) the text."""

    code = "sayi.invalid"


class InvalidFormat(SayiError):
    code = "sayi.invalid_format"


class InvalidDETSIS(SayiError):
    """The DETSİS part is not 8 digits starting 1-9, or the registry rejects it (``details["error"]``)."""

    code = "sayi.invalid_detsis"

    def localized(self, lang: str = "en") -> str:
        return _with_reason(self, lang)


class InvalidSDP(SayiError):
    """The SDP part is not valid; ``details["error"]`` is the SDP error (``code``, ``details``)."""

    code = "sayi.invalid_sdp"

    def localized(self, lang: str = "en") -> str:
        return _with_reason(self, lang)


class InvalidRecord(SayiError):
    """The record part is missing, not digits, too long, or ``E.`` after an ``E-`` prefix
    (``details["reason"]``: ``missing``, ``missing_general``, ``digits``, ``length``, ``double_e``,
    ``slash``)."""

    code = "sayi.invalid_record"

    def localized(self, lang: str = "en") -> str:
        reason = self.details.get("reason")
        if reason == "missing":
            return i18n.message("ui.sayi.invalid_record.missing", lang, **self.details)
        key = f"ui.sayi.invalid_record.{reason}"
        if not i18n.has(key):
            return super().localized(lang)
        text = i18n.message(key, lang, **self.details)
        return i18n.message("ui.sayi.invalid_record.message", lang, **{**self.details, "reason": text})


def _with_reason(err: SayiError, lang: str) -> str:
    inner = err.details.get("error")
    reason = i18n.message(f"ui.{err.code}.reason", lang)
    if isinstance(inner, dict) and isinstance(inner.get("code"), str):
        found = inner.get("details")
        inner_details: dict[str, Any] = found if isinstance(found, dict) else {}
        reason = (
            i18n.message(inner["code"], lang, **inner_details) if i18n.has(inner["code"]) else inner["code"]
        )
    return i18n.message(err.code, lang, **{**err.details, "reason": reason})


class DETSISRegistry(Protocol):
    """What :func:`validate` needs of a registry (:class:`detsis.Registry` has it)."""

    def lookup(self, number: str) -> Any: ...

    def get(self, number: str, default: Any = None) -> Any: ...


@dataclass(frozen=True, slots=True)
class SayiRules:
    """The unconfirmed parts of the grammar, as settings."""

    #: Accept ``E-DETSİS-SDP-unit/general`` (the 2015 ``/`` form carried into 2020 numbers).
    slash_in_2020: bool = True
    #: Longest record number accepted (1-9 digits are seen in practice).
    max_record_digits: int = 12


DEFAULT_RULES = SayiRules()


@dataclass(frozen=True, slots=True)
class DocumentNumber:
    """A parsed Sayı."""

    #: The text as given.
    raw: str
    #: ``"2020"``, ``"2015"``, ``"2011"`` or ``"legacy"``.
    era: str
    #: Whether the number says the document was signed electronically (``E-`` or ``E.``).
    electronic: bool
    #: The DETSİS number of the unit that wrote the document (``None`` for legacy numbers).
    detsis: str | None
    #: The numeric SDP code.
    sdp: str
    #: The SDP special part without brackets, or ``None``.
    special: str | None
    #: The record part as written, without ``E.`` (``"84954673"``, ``"01"``, ``"123/456"``).
    record: str
    #: Unit registry number of the ``unit/general`` form.
    unit_record: str | None
    #: General registry number of the ``unit/general`` form.
    general_record: str | None
    #: The canonical text.
    normalized: str
    #: The communication code (``B.…``) of a legacy number.
    communication_code: str | None = None
    #: Warning codes (``sayi.legacy_format``, ``sdp.not_checked_against_catalogue``, ``sayi.inactive_unit``).
    warnings: tuple[str, ...] = ()
    #: The SDP title, when :func:`validate` had a catalogue that holds the code.
    sdp_title: str | None = None
    #: The unit's name, when :func:`validate` had a registry.
    unit_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON fields (without ``raw`` and ``warnings``, which results carry separately)."""
        return {
            "era": self.era,
            "electronic": self.electronic,
            "detsis": self.detsis,
            "sdp": self.sdp,
            "special": self.special,
            "record": self.record,
            "unit_record": self.unit_record,
            "general_record": self.general_record,
            "communication_code": self.communication_code,
            "sdp_title": self.sdp_title,
            "unit_name": self.unit_name,
        }


_DASHES = str.maketrans(
    {
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2007": " ",
        "\t": " ",
    }
)
_LABEL = re.compile(r"[Ss][Aa][Yy][ıiIİ]\s*:\s*")
_SPECIAL = re.compile(r"\[[^\]]*\]?")
_AROUND_SEPARATORS = re.compile(r"\s*([-/])\s*")
_RECORD_E = re.compile(r"(^|-)[eE]\.\s*(?=[0-9])")
_PREFIX_E = re.compile(r"^[eE]-")
_DIGITS = re.compile(r"[0-9]+")
_ALNUM = re.compile(r"[0-9A-Za-z]+")
_LEGACY = re.compile(r"B(?:\.[0-9A-ZÇĞİÖŞÜ]+)+")
# The common clean shapes, decided in one match (the audit parses millions of these).
_FAST = re.compile(r"(E-)?([1-9][0-9]{7})-([0-9]{3}(?:\.[0-9]{2}){0,3})-(E\.)?([0-9]{1,12})")
_PLACEHOLDER = "\x00"


class _Fail(Exception):
    """A parse failure without the cost of building the public error (the audit meets many)."""

    def __init__(self, cls: type[SayiError], details: dict[str, Any]) -> None:
        self.cls = cls
        self.details = details

    def error(self) -> SayiError:
        return self.cls(details=self.details)


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _normalize(text: str) -> str:
    """:func:`normalize`, failing with :class:`_Fail`."""
    if not isinstance(text, str):
        raise _Fail(InvalidFormat, {"input": _short(repr(text)), "reason": "type"})
    value = text.translate(_DASHES).strip()
    if not value.isprintable():
        raise _Fail(InvalidFormat, {"input": _short(repr(text)), "reason": "characters"})
    label = _LABEL.match(value)
    if label:
        value = value[label.end() :]
    special = _SPECIAL.search(value)
    kept = special.group(0) if special else ""
    if special:
        value = value[: special.start()].rstrip() + _PLACEHOLDER + value[special.end() :]
    value = _AROUND_SEPARATORS.sub(r"\1", value)
    value = _PREFIX_E.sub("E-", value)
    value = _RECORD_E.sub(r"\1E.", value)
    return value.replace(_PLACEHOLDER, kept) if special else value


def _sdp_part(text: str, raw: str) -> tuple[str, str | None]:
    try:
        return sdp_codes.split(text)
    except sdp_codes.ValidationError as exc:
        raise _Fail(
            InvalidSDP,
            {
                "input": _short(raw),
                "sdp": _short(text),
                "error": {"code": exc.code, "details": exc.details},
            },
        ) from exc


def _record(text: str, raw: str, rules: SayiRules) -> None:
    if not text:
        raise _Fail(InvalidRecord, {"input": _short(raw), "record": "", "reason": "missing"})
    if not _DIGITS.fullmatch(text):
        raise _Fail(InvalidRecord, {"input": _short(raw), "record": _short(text), "reason": "digits"})
    if len(text) > rules.max_record_digits:
        raise _Fail(
            InvalidRecord,
            {
                "input": _short(raw),
                "record": _short(text),
                "reason": "length",
                "max": rules.max_record_digits,
            },
        )


def _split_sdp(rest: str) -> tuple[str, str, str] | None:
    """``(sdp text, separator, record text)``; the special part may hold ``-`` and ``/``."""
    start = 0
    close = rest.find("]") if "[" in rest else -1
    if close >= 0:
        start = close + 1
    for i in range(start, len(rest)):
        if rest[i] in "-/":
            return rest[:i], rest[i], rest[i + 1 :]
    return None


def _parse(text: str, rules: SayiRules = DEFAULT_RULES) -> DocumentNumber:
    """:func:`parse`, failing with :class:`_Fail`."""
    fast = _FAST.fullmatch(text) if isinstance(text, str) else None
    if fast is not None and not (fast.group(1) and fast.group(4)):
        prefix, number, sdp, e_dot, record = fast.groups()
        if len(record) <= rules.max_record_digits:
            return DocumentNumber(
                raw=text,
                era="2020" if prefix else "2015",
                electronic=bool(prefix or e_dot),
                detsis=number,
                sdp=sdp,
                special=None,
                record=record,
                unit_record=None,
                general_record=None,
                normalized=text,
            )
    value = _normalize(text)
    if value.startswith("B."):
        return _parse_legacy(text, value, rules)
    prefix = value.startswith("E-")
    body = value[2:] if prefix else value
    number, sep, rest = body.partition("-")
    if not sep or not number or not _ALNUM.fullmatch(number):
        raise _Fail(InvalidFormat, {"input": _short(text), "reason": "structure"})
    if not _DIGITS.fullmatch(number) or not detsis_mod.is_valid(number):
        raise _Fail(InvalidDETSIS, {"input": _short(text), "detsis": _short(number)})
    parts = _split_sdp(rest)
    if parts is None:
        raise _Fail(InvalidFormat, {"input": _short(text), "reason": "structure"})
    sdp_text, sep, record = parts
    sdp, special = _sdp_part(sdp_text, text)
    sdp_out = sdp if special is None else f"{sdp}[{special}]"
    unit_record = general_record = None
    if sep == "/":
        if prefix:
            raise _Fail(InvalidFormat, {"input": _short(text), "reason": "era_mix"})
        _record(record, text, rules)
        era, electronic, normalized = "2011", False, f"{number}-{sdp_out}/{record}"
    elif record[:2] == "E.":
        if prefix:
            raise _Fail(
                InvalidRecord, {"input": _short(text), "record": _short(record), "reason": "double_e"}
            )
        record = record[2:]
        _record(record, text, rules)
        era, electronic, normalized = "2015", True, f"{number}-{sdp_out}-E.{record}"
    else:
        unit, slash, general = record.partition("/")
        _record(unit, text, rules)
        if slash:
            if prefix and not rules.slash_in_2020:
                raise _Fail(
                    InvalidRecord, {"input": _short(text), "record": _short(record), "reason": "slash"}
                )
            if not general:
                raise _Fail(
                    InvalidRecord,
                    {"input": _short(text), "record": _short(record), "reason": "missing_general"},
                )
            _record(general, text, rules)
            unit_record, general_record = unit, general
        era, electronic = ("2020", True) if prefix else ("2015", False)
        normalized = f"{'E-' if prefix else ''}{number}-{sdp_out}-{record}"
    return DocumentNumber(
        raw=text,
        era=era,
        electronic=electronic,
        detsis=number,
        sdp=sdp,
        special=special,
        record=record,
        unit_record=unit_record,
        general_record=general_record,
        normalized=normalized,
    )


def _parse_legacy(text: str, value: str, rules: SayiRules) -> DocumentNumber:
    code, sep, rest = value.partition("-")
    code = upper(code)
    if not sep or not _LEGACY.fullmatch(code):
        raise _Fail(InvalidFormat, {"input": _short(text), "reason": "legacy_code"})
    parts = _split_sdp(rest)
    if parts is None:
        raise _Fail(InvalidFormat, {"input": _short(text), "reason": "structure"})
    sdp_text, sep, record = parts
    sdp, special = _sdp_part(sdp_text, text)
    _record(record, text, rules)
    sdp_out = sdp if special is None else f"{sdp}[{special}]"
    return DocumentNumber(
        raw=text,
        era="legacy",
        electronic=False,
        detsis=None,
        sdp=sdp,
        special=special,
        record=record,
        unit_record=None,
        general_record=None,
        normalized=f"{code}-{sdp_out}{sep}{record}",
        communication_code=code,
        warnings=(LEGACY_FORMAT,),
    )


def normalize(text: str) -> str:
    """The text with label, spacing, dash and ``e`` variants of printed letters removed.

    >>> normalize("Sayı: e-66452182 — 821.05 - 84954673")
    'E-66452182-821.05-84954673'

    :raises InvalidFormat: not text, or holds control characters.
    """
    try:
        return _normalize(text)
    except _Fail as fail:
        raise fail.error() from None


def parse(text: str, *, rules: SayiRules = DEFAULT_RULES) -> DocumentNumber:
    """Parse a Sayı (see the module docstring); syntax only, no catalogue or registry.

    :raises InvalidFormat: ``sayi.invalid_format``.
    :raises InvalidDETSIS: ``sayi.invalid_detsis``.
    :raises InvalidSDP: ``sayi.invalid_sdp``.
    :raises InvalidRecord: ``sayi.invalid_record``.
    """
    try:
        return _parse(text, rules)
    except _Fail as fail:
        raise fail.error() from None


def validate(
    text: str,
    *,
    sdp_catalogue: sdp_codes.Catalogue | None = None,
    detsis_registry: DETSISRegistry | None = None,
    rules: SayiRules = DEFAULT_RULES,
) -> DocumentNumber:
    """Parse ``text`` and, when given, check its SDP code against ``sdp_catalogue`` (leaf, active, usable
    in a Sayı) and its DETSİS number against ``detsis_registry`` (any object with the
    :class:`detsis.Registry` ``lookup``/``get`` interface).

    :raises SayiError: as :func:`parse`; ``sayi.invalid_sdp`` carries the catalogue's SDP error and
        ``sayi.invalid_detsis`` the registry's (e.g. ``detsis.unknown_unit``) in ``details["error"]``.
    """
    number = parse(text, rules=rules)
    warnings = list(number.warnings)
    sdp_title = unit_name = None
    if sdp_catalogue is not None:
        code = number.sdp if number.special is None else f"{number.sdp}[{number.special}]"
        try:
            checked = sdp_codes.check(code, sdp_catalogue, for_sayi=True)
        except sdp_codes.ValidationError as exc:
            raise InvalidSDP(
                details={
                    "input": _short(text),
                    "sdp": code,
                    "error": {"code": exc.code, "details": exc.details},
                }
            ) from exc
        warnings.extend(checked.warnings)
        sdp_title = checked.entry.title if checked.entry is not None else None
    if detsis_registry is not None and number.detsis is not None:
        try:
            unit = detsis_registry.lookup(number.detsis)
        except ValueError as exc:
            code_attr = getattr(exc, "code", "detsis.unknown_unit")
            details = getattr(exc, "details", {})
            raise InvalidDETSIS(
                details={
                    "input": _short(text),
                    "detsis": number.detsis,
                    "error": {
                        "code": str(code_attr),
                        "details": dict(details) if isinstance(details, dict) else {},
                    },
                }
            ) from exc
        unit_name = getattr(unit, "name", None)
        if getattr(unit, "active", True) is False:
            warnings.append(INACTIVE_UNIT)
    if warnings == list(number.warnings) and sdp_title is None and unit_name is None:
        return number
    return dataclasses.replace(number, warnings=tuple(warnings), sdp_title=sdp_title, unit_name=unit_name)


def is_valid(text: object, **kwargs: Any) -> bool:
    """Whether :func:`validate` accepts ``text``; never raises."""
    try:
        return bool(validate(text, **kwargs))  # type: ignore[arg-type]
    except SayiError:
        return False
