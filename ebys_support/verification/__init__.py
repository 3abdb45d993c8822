"""Signature verification: CAdES, PAdES and XAdES against the Turkish profiles P1–P4.

::

    from ebys_support.verification import verify

    report = verify("letter.pdf", revocation="offline")
    report.indication      # "TOTAL_PASSED", "TOTAL_FAILED" or "INDETERMINATE"

See :func:`verify`, :class:`Verifier` (reusable, with shared caches) and
:class:`~ebys_support.verification.report.Report`.
"""

from __future__ import annotations

from ebys_support.verification._engine import Verifier, detect_format, verify
from ebys_support.verification.report import (
    INDETERMINATE,
    REPORT_SCHEMA,
    SUB_INDICATIONS,
    TOTAL_FAILED,
    TOTAL_PASSED,
    Check,
    Report,
    SignatureReport,
)

__all__ = [
    "verify",
    "Verifier",
    "detect_format",
    "Report",
    "SignatureReport",
    "Check",
    "REPORT_SCHEMA",
    "SUB_INDICATIONS",
    "TOTAL_PASSED",
    "TOTAL_FAILED",
    "INDETERMINATE",
]
