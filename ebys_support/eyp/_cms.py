"""The package's CAdES files: e-imza over PaketOzeti, paraf over ParafOzeti, mühür over NihaiOzet.

Each must be an *attached* CMS SignedData whose eContent is exactly the bytes of the part it signs. The
structure and that binding are checked here; the cryptographic verification (signature value, chain,
revocation, timestamps) is :func:`ebys_support.verification.verify`'s, and without it the report says
``not_verified`` — a signature is never called valid unless it was verified.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from asn1crypto import cms

from ebys_support.errors import EbysError
from ebys_support.eyp._container import Package
from ebys_support.eyp._rules import profile
from ebys_support.eyp.report import Severity, SignatureReport

if TYPE_CHECKING:
    from ebys_support.eyp.check import _Checker

__all__ = ["SignatureChecker", "content_kind", "cades_level", "LEVELS"]

#: CAdES levels, weakest first (XL = CAdES-X Long: C refs plus certificate and revocation values).
LEVELS = ("BES", "EPES", "T", "C", "X", "XL", "A")

_ROLES = (
    # role, relationship kind, signed part kind, rule, level attribute of the profile
    ("signature", "imzacades", "paketozeti", "K.81", "signature_level"),
    ("paraf", "parafimzacades", "parafozeti", None, "paraf_level"),
    ("seal", "muhurcades", "nihaiozet", "K.100", "seal_level"),
)

_ATTR_POLICY = "1.2.840.113549.1.9.16.2.15"
_ATTR_TST = "1.2.840.113549.1.9.16.2.14"
_ATTR_CERT_REFS = "1.2.840.113549.1.9.16.2.21"
_ATTR_REV_REFS = "1.2.840.113549.1.9.16.2.22"
_ATTR_CERT_VALUES = "1.2.840.113549.1.9.16.2.23"
_ATTR_REV_VALUES = "1.2.840.113549.1.9.16.2.24"
_ATTR_ESC_TST = "1.2.840.113549.1.9.16.2.25"
_ATTR_TS_REFS = "1.2.840.113549.1.9.16.2.26"
_ATTR_ARCHIVE = {"1.2.840.113549.1.9.16.2.27", "1.2.840.113549.1.9.16.2.48", "0.4.0.1733.2.4"}


def content_kind(pkg: Package, part: str) -> str:
    """``enveloped`` for a CMS EnvelopedData (or AuthEnvelopedData), else what the part looks like."""
    data = pkg.read(part, pkg.limits.max_part_bytes)
    try:
        info = cms.ContentInfo.load(data, strict=True)
        ctype = info["content_type"].native
    except (ValueError, TypeError, KeyError):
        return "not_cms"
    if ctype in ("enveloped_data", "authenticated_enveloped_data"):
        return "enveloped"
    return str(ctype)


def _oids(attrs: Any) -> set[str]:
    out: set[str] = set()
    if attrs is None or attrs.native is None:
        return out
    for attr in attrs:
        out.add(attr["type"].dotted)
    return out


def cades_level(signer_info: cms.SignerInfo) -> str:
    """The CAdES level the signer's attributes amount to (structure only, nothing verified)."""
    signed = _oids(signer_info["signed_attrs"])
    unsigned = _oids(signer_info["unsigned_attrs"])
    if unsigned & _ATTR_ARCHIVE:
        return "A"
    has_refs = _ATTR_CERT_REFS in unsigned and _ATTR_REV_REFS in unsigned
    if has_refs and _ATTR_CERT_VALUES in unsigned and _ATTR_REV_VALUES in unsigned:
        return "XL"
    if has_refs and unsigned & {_ATTR_ESC_TST, _ATTR_TS_REFS}:
        return "X"
    if has_refs:
        return "C"
    if _ATTR_TST in unsigned:
        return "T"
    if _ATTR_POLICY in signed:
        return "EPES"
    return "BES"


def _signing_time(signer_infos: list[cms.SignerInfo]) -> str | None:
    """The latest ``signingTime`` the signers claim (ISO 8601), or ``None``."""
    times = []
    for si in signer_infos:
        attrs = si["signed_attrs"]
        if attrs.native is None:
            continue
        for attr in attrs:
            if attr["type"].native == "signing_time":
                times.append(attr["values"][0].native)
    return max(times).isoformat() if times else None


def _signer_names(signed_data: cms.SignedData) -> tuple[str, ...]:
    certs = [c.chosen for c in signed_data["certificates"] or [] if c.name == "certificate"]
    names: list[str] = []
    for si in signed_data["signer_infos"]:
        sid = si["sid"]
        for cert in certs:
            match = False
            if sid.name == "issuer_and_serial_number":
                match = (
                    cert.issuer == sid.chosen["issuer"]
                    and cert.serial_number == sid.chosen["serial_number"].native
                )
            elif sid.name == "subject_key_identifier":
                match = cert.key_identifier == sid.chosen.native
            if match:
                subject = cert.subject.native
                names.append(str(subject.get("common_name") or cert.subject.human_friendly))
                break
    return tuple(names)


def _verify(data: bytes, trust: Any, revocation: str) -> Any:
    """The :mod:`ebys_support.verification` report of ``data``, or ``None`` when that is not available."""
    try:
        from ebys_support.verification import verify
    except ImportError:  # pragma: no cover - shipped with the package
        return None
    try:
        return verify(data, trust=trust, revocation=revocation)
    except EbysError as exc:
        return _Unverifiable(exc)


class _Unverifiable:
    """Verification refused the file (e.g. ``verify.not_signed``): indeterminate, with the error."""

    indication = "INDETERMINATE"

    def __init__(self, error: EbysError) -> None:
        self.error = error

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        return {"indication": self.indication, "error": self.error.to_dict(lang), "signatures": []}


def _reason(verification: Any) -> str:
    """The first failing check's code (or the ETSI sub-indication) that explains the verdict."""
    error = getattr(verification, "error", None)
    if isinstance(error, EbysError):
        return error.code
    for sig in getattr(verification, "signatures", []) or []:
        for check in sig.failing():
            if check.status in ("failed", "indeterminate"):
                return str(check.code)
        sub = getattr(sig, "sub_indication", None)
        if sub:
            return str(sub)
    return ""


class SignatureChecker:
    def __init__(self, checker: _Checker) -> None:
        self.c = checker
        self.profile = profile(checker.major)

    def add(self, code: str, severity: Severity, part: str | None, rule: str | None, **details: Any) -> None:
        self.c.add(code, severity, part, rule, **details)

    def run(self) -> dict[str, SignatureReport]:
        out: dict[str, SignatureReport] = {}
        for role, kind, signed_kind, rule, level_attr in _ROLES:
            signed_part = self.c.kind_part(signed_kind)
            if signed_part is None:
                continue
            required_level = getattr(self.profile, level_attr)
            out[role] = self.one(role, kind, signed_part, rule, required_level)
        return out

    def one(
        self, role: str, kind: str, signed_part: str, rule: str | None, required: str | None
    ) -> SignatureReport:
        c = self.c
        part = c.kind_part(kind)
        if part is None:
            if not c.by_kind.get(kind):  # a dangling relationship was reported already
                self.add("eyp.cms_missing", "critical", signed_part, rule, role=role)
            return SignatureReport(role, None, signed_part, "missing", level_required=required)
        data = c.pkg.read(part, c.pkg.limits.max_signature_bytes)
        try:
            info = cms.ContentInfo.load(data, strict=True)
            if info["content_type"].native != "signed_data":
                raise ValueError("not SignedData")
            signed_data = info["content"]
            signer_infos = list(signed_data["signer_infos"])
            if not signer_infos:
                raise ValueError("no SignerInfo")
            encap = signed_data["encap_content_info"]
            content = encap["content"]
            econtent = None if content.native is None else bytes(content.contents)
        except (ValueError, TypeError, KeyError, OverflowError) as exc:
            self.add("eyp.cms_not_signed_data", "critical", part, rule, role=role, reason=str(exc)[:120])
            return SignatureReport(role, part, signed_part, "malformed", level_required=required)
        level = max((cades_level(si) for si in signer_infos), key=LEVELS.index)
        signers = _signer_names(signed_data)
        signing_time = _signing_time(signer_infos)
        bound: bool | None
        if econtent is None:
            bound = None
            self.add("eyp.cms_detached", "critical", part, rule, role=role, signed_part=signed_part)
        else:
            bound = econtent == c.raw_bytes(signed_part)
            if not bound:
                self.add(
                    "eyp.cms_content_mismatch", "critical", part, rule, role=role, signed_part=signed_part
                )
        if required and LEVELS.index(level) < LEVELS.index(required):
            self.add("eyp.cms_level_low", "major", part, None, role=role, required=required, found=level)
        verification = None
        if econtent is not None and c.verify_signatures:
            verification = _verify(data, c.trust, c.revocation)
        if verification is None:
            status = "not_verified"
            if econtent is not None:
                self.add("eyp.cms_not_verified", "major", part, None, role=role)
        else:
            status = _STATUS.get(str(verification.indication), "indeterminate")
            if status == "invalid":
                self.add("eyp.cms_invalid", "critical", part, rule, role=role, reason=_reason(verification))
            elif status == "indeterminate":
                self.add(
                    "eyp.cms_indeterminate", "major", part, None, role=role, reason=_reason(verification)
                )
        if bound is False and status == "valid":
            status = "invalid"  # a valid CMS over other bytes does not sign this package
        return SignatureReport(
            role,
            part,
            signed_part,
            status,
            content_bound=bound,
            level_required=required,
            level_found=level,
            signers=signers,
            verification=verification,
            signing_time=signing_time,
        )


_STATUS = {"TOTAL_PASSED": "valid", "TOTAL_FAILED": "invalid", "INDETERMINATE": "indeterminate"}
