"""The errors of :mod:`detsis`: a small tree under :class:`ValidationError`, each with a stable ``code``.

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
    "InvalidLength",
    "UnknownUnit",
    "InactiveUnit",
    "NotInInstitution",
    "InvalidSnapshot",
    "DuplicateUnit",
    "ParentCycle",
    "DanglingParent",
    "InvalidMapping",
]


class ValidationError(ValueError):
    """Base of every :mod:`detsis` error.

    :param message: English text for logs and ``str()``; callers show catalogue messages instead.
    :param details: JSON-serialisable facts (the unit numbers involved, the field, the line).
    :param code: a more specific code than the class's, when one class serves several codes.
    """

    code: ClassVar[str] = "detsis.invalid"

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
    """Not a DETSİS number: 8 digits, the first not zero."""

    code = "detsis.invalid_format"


class InvalidLength(InvalidFormat):
    """A DETSİS number of the wrong length (same code as :class:`InvalidFormat`)."""


class UnknownUnit(ValidationError):
    """The registry has no unit with this number."""

    code = "detsis.unknown_unit"


class InactiveUnit(ValidationError):
    """The unit exists but is not active."""

    code = "detsis.inactive_unit"


class NotInInstitution(ValidationError):
    """The unit does not belong to the institution (ana kurum) asked for."""

    code = "detsis.not_in_institution"


class InvalidSnapshot(ValidationError):
    """A registry snapshot that cannot be read or holds a bad record (``details`` names it)."""

    code = "detsis.invalid_snapshot"


class DuplicateUnit(InvalidSnapshot):
    """Two records of a snapshot carry the same DETSİS number."""

    code = "detsis.duplicate_unit"


class ParentCycle(InvalidSnapshot):
    """Parent links of a snapshot form a cycle; ``details["units"]`` lists the cycle."""

    code = "detsis.parent_cycle"


class DanglingParent(InvalidSnapshot):
    """A unit's parent is not in the snapshot; ``details["units"]`` lists ``{detsis, parent}`` pairs."""

    code = "detsis.dangling_parent"


class InvalidMapping(ValidationError):
    """A unit mapping file that cannot be read (bad header, duplicate internal code, bad YAML)."""

    code = "detsis.invalid_mapping"
