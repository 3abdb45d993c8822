"""Per-file verification context shared by the format modules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from ebys_support.verification._crypto import Cert
from ebys_support.verification.revocation import Evidence

if TYPE_CHECKING:
    from ebys_support.verification._engine import Verifier


@dataclass
class Context:
    """What one file's verification knows: the verifier (caches), times, and embedded material.

    :param now: the verification time: ``at`` when the caller gave one, else the current time.
    :param certs: certificates found in the file (CMS sets, CAdES/XAdES values, PDF DSS).
    """

    verifier: Verifier
    now: datetime
    at_given: bool
    certs: list[Cert] = field(default_factory=list)
    evidence: Evidence = field(default_factory=Evidence.empty)
    format: str = ""
    show_national_id: bool = False
    detached_content: bytes | None = None  # used only when the signature carries no content

    def add_certs(self, certs: list[Cert]) -> None:
        known = {c.sha256 for c in self.certs}
        for c in certs:
            if c.sha256 not in known:
                self.certs.append(c)
                known.add(c.sha256)
