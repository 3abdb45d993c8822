"""T.C. Kimlik No (Turkish personal identification number), in the python-stdnum shape.

Eleven digits, the first not zero; the tenth digit is ``(7 × (d1+d3+d5+d7+d9) − (d2+d4+d6+d8)) mod 10``
and the eleventh is the sum of the first ten ``mod 10`` (as in python-stdnum's ``tr/tckimlik.py``; the
Nüfus ve Vatandaşlık İşleri Genel Müdürlüğü publishes no formal text of the rule). :func:`validate` never
touches the network: whether a number belongs to a living person is KPS's business, not ours.

>>> validate("1000 000 0146")
'10000000146'
>>> is_valid("10000000147")
False
>>> format("10000000146")
'10000000146'
"""

from __future__ import annotations

from ebys_support.errors import ValidationFailed

__all__ = ["InvalidTCKN", "compact", "validate", "is_valid", "format", "checksum_digits"]


class InvalidTCKN(ValidationFailed):
    """Not a valid T.C. Kimlik No (``details["reason"]``: ``length``, ``format`` or ``checksum``)."""

    code = "kamusm.invalid_tckn"

    def localized(self, lang: str = "en") -> str:
        from ebys_support import i18n

        reason = str(self.details.get("reason", ""))
        key = f"ui.kamusm.tckn_reason.{reason}"
        text = i18n.message(key, lang) if i18n.has(key) else reason
        return i18n.message(self.code, lang, **{**self.details, "reason_text": text})


def compact(number: str) -> str:
    """Remove spaces, dots and dashes."""
    return "".join(ch for ch in str(number) if ch not in " .-\t").strip()


def checksum_digits(first_nine: str) -> str:
    """The two check digits for the first nine digits.

    >>> checksum_digits("100000001")
    '46'
    """
    d = [int(c) for c in first_nine]
    d10 = (7 * (d[0] + d[2] + d[4] + d[6] + d[8]) - (d[1] + d[3] + d[5] + d[7])) % 10
    d11 = (sum(d) + d10) % 10
    return f"{d10}{d11}"


def validate(number: str) -> str:
    """The compact form of a valid number.

    :raises InvalidTCKN: wrong length, a non-digit or leading zero, or wrong check digits.
    """
    value = compact(number)
    if len(value) != 11:
        raise InvalidTCKN(details={"value": value, "reason": "length"})
    if not value.isascii() or not value.isdigit() or value[0] == "0":
        raise InvalidTCKN(details={"value": value, "reason": "format"})
    if checksum_digits(value[:9]) != value[9:]:
        raise InvalidTCKN(details={"value": value, "reason": "checksum"})
    return value


def is_valid(number: str) -> bool:
    """Whether ``number`` is a valid T.C. Kimlik No (never raises)."""
    try:
        return bool(validate(number))
    except (ValidationFailed, TypeError, ValueError):
        return False


def format(number: str) -> str:
    """The printable form (the eleven digits)."""
    return compact(number)
