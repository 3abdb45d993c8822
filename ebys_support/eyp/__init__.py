"""e-Yazışma packages (``.eyp``, encrypted ``.eyps``): structure, digests, metadata, signatures and seal.

:func:`check` reads a package (never extracting it, never fetching anything), refuses hostile ones
(:class:`UnsafeEntry`, :class:`TooLarge`, :class:`XmlForbidden`) and returns an :class:`EypReport` whose
findings carry the guide's rule numbers (K.n) and whose verdict is ``accepted`` only without critical findings.
"""

from __future__ import annotations

from ebys_support.eyp._container import Limits
from ebys_support.eyp.check import check
from ebys_support.eyp.errors import NotAPackage, TooLarge, UnsafeEntry, XmlForbidden
from ebys_support.eyp.report import (
    Attachment,
    EypReport,
    Finding,
    PackageSummary,
    Party,
    SignatureReport,
)

__all__ = [
    "check",
    "Limits",
    "EypReport",
    "Finding",
    "SignatureReport",
    "PackageSummary",
    "Party",
    "Attachment",
    "NotAPackage",
    "UnsafeEntry",
    "TooLarge",
    "XmlForbidden",
]
