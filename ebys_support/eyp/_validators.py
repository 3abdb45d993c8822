"""Field validators used by the metadata checks: T.C. Kimlik No, KEP addresses, and the bridges to the
SDP (:mod:`sdp_codes`), DETSİS (:mod:`detsis`) and Sayı (:mod:`ebys_support.document_number`) validators.

Each bridge returns ``None`` when the value is fine, else ``(code, details)`` with the validator's own stable
code, which the finding carries as its ``reason``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = ["tckn_valid", "kep_problem", "detsis_problem", "sdp_problem", "parse_belge_no", "ParsedNumber"]

_EMAIL = re.compile(r"^[^@\s]+@([^@\s]+\.[^@\s]+)$")


def tckn_valid(value: str) -> bool:
    """Whether ``value`` is a T.C. Kimlik No: 11 digits, not starting with 0, both check digits right.

    >>> tckn_valid("10000000146"), tckn_valid("10000000147"), tckn_valid("01234567890")
    (True, False, False)
    """
    if len(value) != 11 or not value.isascii() or not value.isdigit() or value[0] == "0":
        return False
    d = [int(c) for c in value]
    tenth = ((d[0] + d[2] + d[4] + d[6] + d[8]) * 7 - (d[1] + d[3] + d[5] + d[7])) % 10
    return tenth == d[9] and sum(d[:10]) % 10 == d[10]


def kep_problem(value: str, domains: list[str]) -> str | None:
    """``None`` for a KEP address at a known KEP provider, else ``format`` or ``provider``."""
    match = _EMAIL.match(value.strip().lower())
    if match is None:
        return "format"
    domain = match.group(1)
    if not any(domain == d or domain.endswith("." + d) for d in domains):
        return "provider"
    return None


def _error(exc: Exception) -> tuple[str, dict[str, Any]]:
    code = getattr(exc, "code", None)
    details = getattr(exc, "details", None)
    return (
        code if isinstance(code, str) else "ebys.invalid",
        dict(details) if isinstance(details, dict) else {},
    )


def detsis_problem(number: str, registry: Any = None) -> tuple[str, dict[str, Any]] | None:
    """Check a DETSİS number's syntax, and with a registry snapshot that it exists and is active."""
    import detsis

    try:
        value = detsis.validate(number)
        if registry is not None:
            registry.check(value, active=True)
    except detsis.ValidationError as exc:
        return _error(exc)
    return None


def sdp_problem(
    code: str, catalogue: Any = None, *, for_sayi: bool = False
) -> tuple[str, dict[str, Any]] | None:
    """Check an SDP code's syntax, and against the catalogue (the shipped starter rows by default) that it
    exists, is a leaf, is active and, for a Sayı, may be used in one."""
    import sdp_codes

    try:
        sdp_codes.validate(code, catalogue, for_sayi=for_sayi)
    except sdp_codes.ValidationError as exc:
        return _error(exc)
    return None


@dataclass(frozen=True)
class ParsedNumber:
    """The parts of a Sayı (BelgeNo) the package checks use."""

    raw: str
    detsis: str | None
    sdp: str | None
    electronic: bool


def parse_belge_no(value: str) -> ParsedNumber | tuple[str, dict[str, Any]]:
    """Parse a Sayı with :func:`ebys_support.document_number.parse` (syntax only); an error as ``(code,
    details)``. The SDP code and the DETSİS number are checked by the caller, against the same catalogue and
    registry as the rest of the package."""
    from ebys_support import document_number

    try:
        parsed = document_number.parse(value)
    except document_number.SayiError as exc:
        return (exc.code, dict(exc.details))
    sdp = parsed.sdp if parsed.special is None else f"{parsed.sdp} [{parsed.special}]"
    return ParsedNumber(value, parsed.detsis, sdp, parsed.electronic)
