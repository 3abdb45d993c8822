"""What :func:`ebys_support.eyp.check` returns: findings, the signature reports, a summary and a verdict.

A finding is ``{rule, severity, code, part, message, details}``: ``rule`` is the e-Yazışma guide's rule
number (``"K.33"``) where one exists, ``severity`` is ``critical`` (the package must be refused), ``major``
(an error the receiving EBYS may tolerate) or ``warning``; ``code`` is stable English (API: added, never
renamed) and selects the Turkish or English message from ``ebys_support/i18n/catalogue/eyp.toml``.

The verdict is ``accepted`` only when no finding is critical. ``structure`` says whether the package is
sound apart from its signatures (``sound`` when no critical finding concerns the container, the digests or
the metadata), which is what a package written by a tool without a signing step can reach at best.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ebys_support import i18n

__all__ = [
    "Severity",
    "Finding",
    "SignatureReport",
    "Party",
    "Attachment",
    "PackageSummary",
    "EypReport",
    "SIGNATURE_CODES",
]

Severity = Literal["critical", "major", "warning"]
_SEVERITY_ORDER = {"critical": 0, "major": 1, "warning": 2}

#: Finding codes about signatures and seals; every other critical finding makes the structure unsound.
SIGNATURE_CODES = frozenset(
    {
        "eyp.cms_missing",
        "eyp.cms_not_signed_data",
        "eyp.cms_detached",
        "eyp.cms_content_mismatch",
        "eyp.cms_invalid",
        "eyp.cms_indeterminate",
        "eyp.cms_not_verified",
        "eyp.cms_level_low",
    }
)


def _text(key: str, lang: str, details: Mapping[str, Any]) -> str:
    params = dict(details)
    role = details.get("role")
    if isinstance(role, str):
        params["role_name"] = i18n.message(f"ui.eyp.role.{role}", lang)
    if details.get("encrypted") is True:
        params["encrypted_text"] = i18n.message("ui.eyp.part_forbidden.encrypted", lang)
    elif "encrypted" in details:
        params["encrypted_text"] = ""
    kind = details.get("kind")
    if isinstance(kind, str):
        label = f"ui.eyp.kind.{kind}"
        params["kind_name"] = i18n.message(label, lang) if i18n.has(label) else kind
    reason = details.get("reason")
    if isinstance(reason, str):
        reason_details = details.get("reason_details")
        inner = reason_details.get("error") if isinstance(reason_details, Mapping) else None
        if isinstance(inner, Mapping) and isinstance(inner.get("code"), str) and i18n.has(inner["code"]):
            params["reason_text"] = i18n.message(inner["code"], lang, **dict(inner.get("details") or {}))
        elif i18n.has(reason):
            inner_params = dict(reason_details or {})
            if "reason" not in inner_params and i18n.has(f"ui.{reason}.reason"):
                inner_params["reason"] = i18n.message(f"ui.{reason}.reason", lang)
            params["reason_text"] = i18n.message(reason, lang, **inner_params)
        elif i18n.has(f"ui.eyp.reason.{reason}"):
            params["reason_text"] = i18n.message(f"ui.eyp.reason.{reason}", lang, **params)
        else:
            params["reason_text"] = reason
    return i18n.message(key, lang, **params)


@dataclass(frozen=True)
class Finding:
    """One problem found in a package.

    :ivar rule: the guide's rule number (``"K.33"``) or ``None`` when the guide has none.
    :ivar severity: ``critical``, ``major`` or ``warning``.
    :ivar code: stable code, e.g. ``eyp.digest_mismatch``.
    :ivar part: the part concerned (``/Ustveri/Ustveri.xml``) or ``None`` for the whole package.
    :ivar details: JSON-serialisable facts; they fill the message placeholders.
    """

    rule: str | None
    severity: Severity
    code: str
    part: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    def message(self, lang: str = "en") -> str:
        """The message in ``lang`` (``tr`` or ``en``)."""
        return _text(self.code, lang, {"part": self.part or "", **self.details})

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "code": self.code,
            "part": self.part,
            "message": self.message(lang),
            "details": dict(self.details),
        }


@dataclass(frozen=True)
class SignatureReport:
    """The e-signature, paraf signature or seal of a package.

    :ivar role: ``signature`` (e-imza over PaketOzeti), ``paraf`` (over ParafOzeti) or ``seal`` (mühür over
        NihaiOzet).
    :ivar part: the ``.imz`` part.
    :ivar signed_part: the part whose bytes the CMS must carry as its content.
    :ivar status: ``valid``, ``invalid``, ``indeterminate``, ``not_verified`` (structure checked, no
        cryptographic verification was performed) or ``missing``/``malformed``.
    :ivar content_bound: the CMS carries exactly the bytes of ``signed_part``.
    :ivar level_required: the CAdES level the guide requires (``XL`` = CAdES-X Long, ``A``) or ``None``.
    :ivar level_found: the level the CMS's attributes amount to (``BES`` … ``A``).
    :ivar signers: the signers' names (certificate subject common names) as the CMS states them.
    :ivar verification: the :class:`ebys_support.verification.Report` when verification ran.
    :ivar signing_time: the signing time the CMS claims (``signingTime``, ISO 8601), not proven.
    """

    role: str
    part: str | None
    signed_part: str | None
    status: str
    content_bound: bool | None = None
    level_required: str | None = None
    level_found: str | None = None
    signers: tuple[str, ...] = ()
    verification: Any = None
    signing_time: str | None = None

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        return {
            "role": self.role,
            "part": self.part,
            "signed_part": self.signed_part,
            "status": self.status,
            "content_bound": self.content_bound,
            "level_required": self.level_required,
            "level_found": self.level_found,
            "signers": list(self.signers),
            "signing_time": self.signing_time,
            "verification": self.verification.to_dict(lang) if self.verification is not None else None,
        }


@dataclass(frozen=True)
class Party:
    """A sender, recipient or addressee as the metadata names it.

    :ivar kind: ``institution`` (KurumKurulus), ``person`` (GercekSahis) or ``organisation`` (TuzelSahis).
    :ivar name: the name as written.
    :ivar identifier: DETSİS number (institution), T.C. Kimlik No (person) or the organisation's id.
    :ivar unit: the unit's DETSİS number (``BirimKKK``, 2.x) when given.
    :ivar distribution: ``GRG`` (gereği) or ``BLG`` (bilgi) for recipients.
    :ivar urgency: ``Ivedilik`` for recipients.
    """

    kind: str
    name: str
    identifier: str | None = None
    unit: str | None = None
    distribution: str | None = None
    urgency: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "identifier": self.identifier,
            "unit": self.unit,
            "distribution": self.distribution,
            "urgency": self.urgency,
        }


@dataclass(frozen=True)
class Attachment:
    """An attachment (Ek) listed in the metadata.

    :ivar number: ``SiraNo``.
    :ivar name: ``Ad`` (the label, e.g. "Ek 1").
    :ivar file_name: ``DosyaAdi``.
    :ivar kind: ``DED`` (file in the package), ``FZK`` (physical) or ``HRF`` (external reference).
    :ivar signed: ``ImzaliMi``.
    :ivar part: the part holding the file, ``None`` when it is not in the package.
    :ivar size: the file's size in bytes when it is in the package.
    """

    number: int | None
    name: str
    file_name: str | None
    kind: str | None
    signed: bool | None
    part: str | None = None
    size: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "name": self.name,
            "file_name": self.file_name,
            "kind": self.kind,
            "signed": self.signed,
            "part": self.part,
            "size": self.size,
        }


@dataclass(frozen=True)
class PackageSummary:
    """What a clerk looks for in a package: subject, number, date, sender, recipients, attachments."""

    subject: str | None = None
    number: str | None = None
    date: str | None = None
    security: str | None = None
    sdp_code: str | None = None
    sdp_name: str | None = None
    sender: Party | None = None
    recipients: tuple[Party, ...] = ()
    addressees: tuple[Party, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    references: tuple[str, ...] = ()
    signers: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "number": self.number,
            "date": self.date,
            "security": self.security,
            "sdp_code": self.sdp_code,
            "sdp_name": self.sdp_name,
            "sender": self.sender.to_dict() if self.sender else None,
            "recipients": [p.to_dict() for p in self.recipients],
            "addressees": [p.to_dict() for p in self.addressees],
            "attachments": [a.to_dict() for a in self.attachments],
            "references": list(self.references),
            "signers": list(self.signers),
        }


@dataclass(frozen=True)
class EypReport:
    """The result of checking one package.

    :ivar version: the package's version as declared (``"1.3"``, ``"2.0"``), or the major version
        inferred from the metadata (``"1.x"``/``"2.x"``) when the Core properties do not say.
    :ivar encrypted: an encrypted package (``RESMIYAZISMA/SIFRELI``).
    :ivar belge_id: the BelgeId.
    :ivar findings: every problem, most severe first.
    :ivar signature: the e-signature report (``None`` for encrypted packages, where it is inside).
    :ivar seal: the seal (mühür) report.
    :ivar paraf: the paraf signature report (2.x packages with a ParafOzeti).
    :ivar summary: the metadata a clerk looks for.
    :ivar digests_checked: digests compared with part bytes.
    :ivar digests_unverifiable: digests of parts that are inside the encrypted content.
    """

    version: str | None
    encrypted: bool
    belge_id: str | None
    findings: tuple[Finding, ...]
    signature: SignatureReport | None = None
    seal: SignatureReport | None = None
    paraf: SignatureReport | None = None
    summary: PackageSummary = field(default_factory=PackageSummary)
    digests_checked: int = 0
    digests_unverifiable: int = 0
    parts: int = 0

    @property
    def verdict(self) -> Literal["accepted", "rejected"]:
        """``accepted`` only when no finding is critical."""
        return "rejected" if any(f.severity == "critical" for f in self.findings) else "accepted"

    @property
    def accepted(self) -> bool:
        return self.verdict == "accepted"

    @property
    def structure(self) -> Literal["sound", "unsound"]:
        """``sound`` when no critical finding concerns anything but the signatures and the seal."""
        bad = any(f.severity == "critical" and f.code not in SIGNATURE_CODES for f in self.findings)
        return "unsound" if bad else "sound"

    @property
    def signed(self) -> bool:
        """The e-signature was verified cryptographically and is valid."""
        return self.signature is not None and self.signature.status == "valid"

    def codes(self) -> list[str]:
        """The finding codes, in order (handy in scripts and tests)."""
        return [f.code for f in self.findings]

    def counts(self) -> dict[str, int]:
        out = {"critical": 0, "major": 0, "warning": 0}
        for f in self.findings:
            out[f.severity] += 1
        return out

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        return {
            "version": self.version,
            "encrypted": self.encrypted,
            "belge_id": self.belge_id,
            "verdict": self.verdict,
            "structure": self.structure,
            "counts": self.counts(),
            "findings": [f.to_dict(lang) for f in self.findings],
            "signature": self.signature.to_dict(lang) if self.signature else None,
            "seal": self.seal.to_dict(lang) if self.seal else None,
            "paraf": self.paraf.to_dict(lang) if self.paraf else None,
            "summary": self.summary.to_dict(),
            "digests_checked": self.digests_checked,
            "digests_unverifiable": self.digests_unverifiable,
            "parts": self.parts,
        }


def sort_findings(findings: list[Finding]) -> tuple[Finding, ...]:
    """Most severe first, then in the order found (stable)."""
    return tuple(sorted(findings, key=lambda f: _SEVERITY_ORDER[f.severity]))
