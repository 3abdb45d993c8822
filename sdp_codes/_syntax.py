"""The syntax of an SDP code, without any catalogue.

``^[0-9]{3}(\\.[0-9]{2}){0,3}$`` (a 3-digit main subject and up to three 2-digit sub-levels), optionally
followed by an institution-specific special part in square brackets (mahalle, ada/parsel, cilt/sayfa...).
Digits are ASCII only: a full-width or Arabic-Indic digit is a format error, not a code.
"""

from __future__ import annotations

import re

from ._errors import InvalidFormat, InvalidSpecialCode

__all__ = ["MAX_SPECIAL_LENGTH", "compact", "split", "short", "parent_of", "level_of"]

#: Longest special part accepted (characters inside the brackets). No source sets a limit; this one keeps
#: junk out of reports and is far above the mahalle / ada-parsel / cilt-sayfa texts seen in practice.
MAX_SPECIAL_LENGTH = 100

_NUMERIC = re.compile(r"[0-9]{3}(?:\.[0-9]{2}){0,3}")
_WS = re.compile(r"\s+")


def short(value: object, limit: int = 64) -> str:
    """``value`` as text fit for an error message: at most ``limit`` characters."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def compact(code: str) -> str:
    """Remove white space from the numeric part and fold it inside the special part.

    >>> compact(" 010.06 .01 ")
    '010.06.01'
    >>> compact("105 [ Ada 12  Parsel 5 ]")
    '105[Ada 12 Parsel 5]'
    """
    if not isinstance(code, str):
        raise InvalidFormat("SDP code must be text", {"code": short(code), "reason": "type"})
    text = code.strip()
    start = text.find("[")
    if start < 0:
        return _WS.sub("", text)
    numeric = _WS.sub("", text[:start])
    rest = text[start:]
    if rest.endswith("]") and rest.count("[") == 1 and rest.count("]") == 1:
        return f"{numeric}[{' '.join(rest[1:-1].split())}]"
    return numeric + rest  # malformed: left for split() to reject with the right code


def split(code: str) -> tuple[str, str | None]:
    """Check the syntax and return ``(numeric code, special part or None)``.

    :raises InvalidFormat: the numeric part is not an SDP code (``sdp.invalid_format``).
    :raises InvalidSpecialCode: the bracketed part is malformed (``sdp.invalid_special_code``).
    """
    value = compact(code)
    start = value.find("[")
    numeric = value if start < 0 else value[:start]
    if not _NUMERIC.fullmatch(numeric):
        raise InvalidFormat(
            "SDP code must be 3 digits followed by up to three .NN levels",
            {"code": short(code), "reason": "syntax"},
        )
    if start < 0:
        return numeric, None
    rest = value[start:]
    if not rest.endswith("]") or rest.count("[") != 1 or rest.count("]") != 1:
        raise InvalidSpecialCode(
            "special part must be one [ ... ] after the code",
            {"code": short(code), "reason": "brackets"},
        )
    inner = rest[1:-1]
    if not inner:
        raise InvalidSpecialCode("special part is empty", {"code": short(code), "reason": "empty"})
    if len(inner) > MAX_SPECIAL_LENGTH:
        raise InvalidSpecialCode(
            "special part is too long",
            {"code": short(code), "reason": "length", "max": MAX_SPECIAL_LENGTH},
        )
    if not inner.isprintable():
        raise InvalidSpecialCode(
            "special part holds control characters", {"code": short(code), "reason": "characters"}
        )
    return numeric, inner


def parent_of(numeric: str) -> str | None:
    """The parent of a syntactically valid numeric code (``None`` for a main code)."""
    return numeric[: numeric.rfind(".")] if "." in numeric else None


def level_of(numeric: str) -> int:
    """0 for a main code, 1-3 for the sub-levels."""
    return numeric.count(".")
