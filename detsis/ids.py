"""DETSİS numbers (T.C. Devlet Teşkilatı Numarası), in the python-stdnum shape.

Every unit of the Turkish state, down to each directorate of a municipality, has a DETSİS number: 8 digits,
unique and never reused, the first digit not zero (``^[1-9][0-9]{7}$``). The numbers are issued by the
Presidency's Digital Transformation Office (CBDDO, Genelge 2022/18, https://cbddo.gov.tr/proje-aciklamasi/detsis);
the web service carries them as integers. No check digit is documented, so none is checked.

>>> validate("23444165")  # İzmir Büyükşehir Belediyesi, Yapı Kontrol Dairesi Başkanlığı
'23444165'
>>> compact(" 9158 7970 ")  # İmar ve Şehircilik Dairesi Başkanlığı
'91587970'
>>> validate(91587970)
'91587970'
>>> is_valid("01234567")
False
>>> validate("2344416")
Traceback (most recent call last):
    ...
detsis._errors.InvalidLength: DETSİS number must have 8 digits, not 7
"""

from __future__ import annotations

from ._errors import InvalidFormat, InvalidLength, ValidationError

__all__ = ["compact", "validate", "is_valid", "format"]

_SEPARATORS = str.maketrans("", "", " -.\t\u00a0")


def compact(number: str | int) -> str:
    """Remove spaces, dots and dashes; accept the web service's integers.

    :param number: the number as typed or as the service returns it.
    """
    if isinstance(number, bool):  # bool is an int; True is not a unit
        raise InvalidFormat("DETSİS number must be digits", {"input": str(number)})
    if isinstance(number, int):
        return str(number)
    if not isinstance(number, str):
        raise InvalidFormat("DETSİS number must be a string or an integer", {"input": repr(number)})
    return number.translate(_SEPARATORS).strip()


def validate(number: str | int) -> str:
    """Check the syntax of a DETSİS number and return its compact form.

    :param number: the number.
    :raises InvalidFormat: not digits, or the first digit is zero (code ``detsis.invalid_format``).
    :raises InvalidLength: not 8 digits (same code).
    """
    value = compact(number)
    if not value:
        raise InvalidFormat("DETSİS number is empty", {"input": str(number), "reason": "empty"})
    if not (value.isascii() and value.isdigit()):
        raise InvalidFormat(
            "DETSİS number must contain only digits", {"input": str(number), "reason": "digits"}
        )
    if len(value) != 8:
        raise InvalidLength(
            f"DETSİS number must have 8 digits, not {len(value)}",
            {"input": str(number), "reason": "length", "length": len(value)},
        )
    if value[0] == "0":
        raise InvalidFormat(
            "DETSİS number cannot start with 0", {"input": str(number), "reason": "leading_zero"}
        )
    return value


def is_valid(number: object) -> bool:
    """Whether ``number`` is a syntactically valid DETSİS number; never raises."""
    try:
        return bool(validate(number))  # type: ignore[arg-type]
    except ValidationError:
        return False


def format(number: str | int) -> str:  # noqa: A001 - the python-stdnum name
    """The display form: the 8 digits, ungrouped (no grouping is official)."""
    return validate(number)
