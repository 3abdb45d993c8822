"""CAdES (CMS SignedData) files: attached or detached, parallel and serial (countersigned) signatures.

Every SignerInfo is verified on its own (pyHanko's CMS validator rejects several SignerInfos), with the
certificates and revocation data of the whole file available to each: the CMS ``certificates`` and
``crls`` sets, CAdES ``certificate-values``/``revocation-values`` and OCSP responses carried as "other"
revocation information.
"""

from __future__ import annotations

from asn1crypto import cms, core

from ebys_support.errors import InputError
from ebys_support.verification._cms import signed_data_evidence, verify_signer_info
from ebys_support.verification._context import Context
from ebys_support.verification._crypto import digest
from ebys_support.verification.report import Report, SignatureReport

__all__ = ["load_signed_data", "verify_cades"]

#: What asn1crypto raises on malformed input (it is lazy: parsing errors surface on access).
_PARSE_ERRORS = (ValueError, TypeError, KeyError, IndexError, OverflowError, AttributeError, AssertionError)


def load_signed_data(der: bytes) -> cms.SignedData:
    """Parse a CMS ContentInfo holding SignedData.

    :raises InputError: ``verify.not_signed`` when the bytes are not CMS SignedData.
    """
    try:
        ci = cms.ContentInfo.load(der, strict=True)
        if ci["content_type"].native != "signed_data":
            raise InputError("verify.not_signed", details={"reason": "CMS content is not SignedData"})
        sd = ci["content"]
        for si in sd["signer_infos"]:  # parse the structure now, not half-way through the checks
            si["sid"].chosen  # noqa: B018
            si["digest_algorithm"]["algorithm"].native  # noqa: B018
        sd["encap_content_info"]["content_type"].native  # noqa: B018
        return sd
    except _PARSE_ERRORS as exc:
        raise InputError("verify.not_signed", details={"reason": str(exc) or type(exc).__name__}) from exc


def verify_cades(ctx: Context, der: bytes, content: bytes | None, name: str | None) -> Report:
    sd = load_signed_data(der)
    eci = sd["encap_content_info"]
    econtent = eci["content"]
    attached: bytes | None = None
    if econtent is not None and not isinstance(econtent, core.Void):
        attached = econtent.contents if isinstance(econtent, core.ParsableOctetString) else econtent.native
        if not isinstance(attached, bytes):
            attached = econtent.dump()
    report = Report(file=name, format="CAdES-attached" if attached is not None else "CAdES-detached")
    data = attached if attached is not None else (content if content is not None else ctx.detached_content)
    digests: dict[str, bytes] = {}

    def data_digest(algo: str) -> bytes | None:
        if data is None:
            return None
        if algo not in digests:
            digests[algo] = digest(algo, data)
        return digests[algo]

    try:
        certs, evidence = signed_data_evidence(sd)
    except _PARSE_ERRORS as exc:
        raise InputError(
            "verify.not_signed", details={"reason": str(exc)[:200] or type(exc).__name__}
        ) from exc
    ctx.add_certs(certs)
    ctx.evidence.crls.extend(evidence.crls)
    ctx.evidence.ocsps.extend(evidence.ocsps)
    for si in sd["signer_infos"]:
        rep: SignatureReport
        try:
            rep = verify_signer_info(ctx, sd, si, data_digest=data_digest, kind="cades")
        except _PARSE_ERRORS as exc:
            rep = SignatureReport()
            rep.add("format", "failed", "verify.format.malformed", "FORMAT_FAILURE", reason=str(exc)[:200])
        if attached is not None and content is not None and content != attached:
            rep.add("signed_data", "failed", "verify.content.differs", "HASH_FAILURE")
        report.signatures.append(rep)
    if not report.signatures:
        raise InputError("verify.not_signed", details={"reason": "no SignerInfo"})
    return report
