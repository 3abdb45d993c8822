"""KamuSM certificate requests, the staff certificate inventory and the expiry watch.

- :mod:`~ebys_support.kamusm.tckn`: T.C. Kimlik No validator.
- :mod:`~ebys_support.kamusm.states`: request types, statuses and the one transition gate.
- :mod:`~ebys_support.kamusm.sla`: working-day calendar and the SLA clock.
- :mod:`~ebys_support.kamusm.certimport`: certificates from files, token inventories, verification reports.
- :mod:`~ebys_support.kamusm.store`: people, certificates and requests in the database (audited).
- :mod:`~ebys_support.kamusm.notify`: e-mail notifications over SMTP.
"""

from __future__ import annotations

from ebys_support.kamusm.states import (
    CertificateStatus,
    InvalidTransition,
    PaymentMode,
    RequestStatus,
    RequestType,
    UpdateReason,
    allowed_targets,
    check_transition,
)
from ebys_support.kamusm.store import KamusmConflict, Settings

__all__ = [
    "CertificateStatus",
    "InvalidTransition",
    "KamusmConflict",
    "PaymentMode",
    "RequestStatus",
    "RequestType",
    "Settings",
    "UpdateReason",
    "allowed_targets",
    "check_transition",
]
