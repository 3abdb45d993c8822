"""The errors of :mod:`sdp_codes`: a small tree under :class:`ValidationError`, each with a stable ``code``.

Codes are API (added, never renamed). The package imports nothing of ebys-support; its callers turn these
errors into their own at the boundary, selecting the Turkish or English message by ``code`` and filling it
from ``details``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

__all__ = [
    "ValidationError",
    "InvalidFormat",
    "InvalidSpecialCode",
    "UnknownCode",
    "NotALeaf",
    "Inactive",
    "NotForSayi",
    "InvalidCatalogue",
]


class ValidationError(ValueError):
    """Base of every :mod:`sdp_codes` error.

    :param message: English text for logs and ``str()``; callers show catalogue messages instead.
    :param details: JSON-serialisable facts (the code, the reason, the line of a catalogue file).
    :param code: a more specific code than the class's, when one class serves several codes.
    """

    code: ClassVar[str] = "sdp.invalid"

    def __init__(
        self,
        message: str | None = None,
        details: Mapping[str, Any] | None = None,
        *,
        code: str | None = None,
    ) -> None:
        if code is not None:
            self.code = code  # type: ignore[misc]
        self.details: dict[str, Any] = dict(details or {})
        super().__init__(message or self.code)


class InvalidFormat(ValidationError):
    """Not an SDP code: a 3-digit main code, then up to three dot-separated 2-digit levels."""

    code = "sdp.invalid_format"


class InvalidSpecialCode(ValidationError):
    """The institution-specific part in square brackets is malformed (unclosed, empty, nested, too long)."""

    code = "sdp.invalid_special_code"


class UnknownCode(ValidationError):
    """The catalogue covers the code's main subject but has no such code."""

    code = "sdp.unknown_code"


class NotALeaf(ValidationError):
    """The code has sub-codes; only a leaf code may be used on a document."""

    code = "sdp.not_a_leaf"


class Inactive(ValidationError):
    """The catalogue marks the code as no longer in use."""

    code = "sdp.inactive"


class NotForSayi(ValidationError):
    """The code names a file only and may not appear in a document number (Sayı)."""

    code = "sdp.not_for_sayi"


class InvalidCatalogue(ValidationError):
    """A catalogue (JSON, CSV, XLSX or DETSİS rows) that cannot be read; ``details`` names the row."""

    code = "sdp.invalid_catalogue"
