"""CMS SignerInfo verification shared by CAdES, PAdES and time-stamp tokens.

One function, :func:`verify_signer_info`, checks a SignerInfo completely (integrity, signing-certificate
binding, time-stamps, certificate, profile, countersignatures) and returns a
:class:`~ebys_support.verification.report.SignatureReport`. The signed content is given as a function
from a digest algorithm name to the digest, so PAdES passes its byte-range digest, CAdES the content's
and a countersignature its parent's signature value's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509

from ebys_support.verification._certcheck import TimeInfo, certificate_facts, check_certificate, signer_facts
from ebys_support.verification._context import Context
from ebys_support.verification._crypto import (
    WEAK_HASHES,
    Cert,
    CryptoFailure,
    digest,
    load_cert,
    raw,
    verify_signature,
)
from ebys_support.verification.profiles import (
    ATTRIBUTE_OIDS,
    Profile,
    accepted_policy_hashes,
    policy_data,
    policy_uri,
    profile_for_policy,
)
from ebys_support.verification.report import SignatureReport
from ebys_support.verification.revocation import Evidence, RevocationStatus

__all__ = [
    "verify_signer_info",
    "verify_timestamp",
    "signed_data_certs",
    "signed_data_evidence",
    "attribute_values",
    "TimestampResult",
    "ProfileInput",
    "check_profile",
    "record_times",
]

OID_SIG_TST = "1.2.840.113549.1.9.16.2.14"
OID_COUNTER = "1.2.840.113549.1.9.6"
OID_CERT_VALUES = "1.2.840.113549.1.9.16.2.23"
OID_REV_VALUES = "1.2.840.113549.1.9.16.2.24"
OID_ADBE_REVINFO = "1.2.840.113583.1.1.8"
OID_OCSP_RI = "1.3.6.1.5.5.7.16.2"
OID_ARCHIVE = ("1.2.840.113549.1.9.16.2.27", "0.4.0.1733.2.4")


class _AnySeq(core.SequenceOf):
    _child_spec = core.Any


class _CertSeq(core.SequenceOf):
    _child_spec = asn1_x509.Certificate


class _PolicyQualifier(core.Sequence):
    _fields = [("id", core.ObjectIdentifier), ("qualifier", core.Any, {"optional": True})]


class _PolicyQualifiers(core.SequenceOf):
    _child_spec = _PolicyQualifier


class _SignaturePolicyId(core.Sequence):
    """RFC 5126 SignaturePolicyId (parsed here so that no registration in asn1crypto is needed)."""

    _fields = [
        ("sig_policy_id", core.ObjectIdentifier),
        ("sig_policy_hash", algos.DigestInfo),
        ("sig_policy_qualifiers", _PolicyQualifiers, {"optional": True}),
    ]


class _RevocationValues(core.Sequence):
    _fields = [
        ("crl_vals", _AnySeq, {"explicit": 0, "optional": True}),
        ("ocsp_vals", _AnySeq, {"explicit": 1, "optional": True}),
        ("other", core.Any, {"explicit": 2, "optional": True}),
    ]


def attribute_values(attrs: Any, oid: str) -> list[Any]:
    """Values of the attribute ``oid`` (dotted) in a CMSAttributes set; empty when absent."""
    out: list[Any] = []
    for values in attribute_index(attrs).get(oid, ()):
        out.extend(values)
    return out


def attribute_index(attrs: Any) -> dict[str, list[Any]]:
    """``{dotted OID: [value sets]}`` of a CMSAttributes set, built once per set; values stay unparsed
    until asked for."""
    if not attrs:
        return {}
    cached = attrs.__dict__.get("_ebys_index")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    index: dict[str, list[Any]] = {}
    for attr in attrs:
        index.setdefault(attr["type"].dotted, []).append(attr["values"])
    attrs.__dict__["_ebys_index"] = index
    return index


def _attr_oids(attrs: Any) -> list[str]:
    return list(attribute_index(attrs))


def signed_data_certs(sd: cms.SignedData) -> list[Cert]:
    out = []
    for choice in sd["certificates"] or ():
        if choice.name == "certificate":
            try:
                out.append(load_cert(raw(choice.chosen)))
            except CryptoFailure:
                continue
    return out


def signed_data_evidence(sd: cms.SignedData) -> tuple[list[Cert], Evidence]:
    """Certificates and revocation data the SignedData carries: its sets and every signer's values."""
    certs = signed_data_certs(sd)
    ev = Evidence.empty()
    for choice in sd["crls"] or ():
        if choice.name == "crl":
            ev.crls.append(raw(choice.chosen))
        elif choice.name == "other" and choice.chosen["other_rev_info_format"].dotted == OID_OCSP_RI:
            ev.ocsps.append(raw(choice.chosen["other_rev_info"]))
    for si in sd["signer_infos"]:
        _collect_values(si, certs, ev)
    return certs, ev


def _collect_values(si: cms.SignerInfo, certs: list[Cert], ev: Evidence) -> None:
    for v in attribute_values(si["unsigned_attrs"], OID_CERT_VALUES):
        for c in _CertSeq.load(raw(v)):
            try:
                certs.append(load_cert(raw(c)))
            except CryptoFailure:
                continue
    for oid in (OID_REV_VALUES, OID_ADBE_REVINFO):
        attrs = si["unsigned_attrs"] if oid == OID_REV_VALUES else si["signed_attrs"]
        for v in attribute_values(attrs, oid):
            rv = _RevocationValues.load(raw(v))
            for c in rv["crl_vals"] or ():
                ev.crls.append(raw(c))
            for o in rv["ocsp_vals"] or ():
                ev.ocsps.append(raw(o))
    for cs in attribute_values(si["unsigned_attrs"], OID_COUNTER):
        _collect_values(cs, certs, ev)


def find_signer(sid: cms.SignerIdentifier, certs: list[Cert]) -> Cert | None:
    if sid.name == "issuer_and_serial_number":
        issuer = raw(sid.chosen["issuer"])
        serial = sid.chosen["serial_number"].native
        for c in certs:
            if c.serial == serial and c.issuer_der == issuer:
                return c
        # Some tools re-encode the issuer (PrintableString vs UTF8String): accept the same text in
        # another string type, but not RFC 5280's case-insensitive matches (the SID is not signed).
        name = sid.chosen["issuer"].native
        for c in certs:
            if c.serial == serial and c.asn1.issuer.native == name:
                return c
        return None
    ski = sid.chosen.native
    for c in certs:
        if c.ski == ski:
            return c
    return None


def _signed_attrs_der(si: cms.SignerInfo) -> bytes:
    encoded = raw(si["signed_attrs"])
    return b"\x31" + encoded[1:]  # signed as an explicit SET OF, stored as [0] IMPLICIT


@dataclass(frozen=True)
class TimestampResult:
    valid: bool
    time: datetime | None
    tsa: str | None
    code: str
    kind: str = "signature"

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.kind,
            "time": self.time.isoformat() if self.time else "1970-01-01T00:00:00+00:00",
            "tsa": self.tsa,
            "valid": self.valid,
            "code": self.code,
        }


def _tst_core(ctx: Context, token: cms.ContentInfo) -> tuple[str | None, datetime | None, Cert | None, Any]:
    """Checks of a time-stamp token that do not depend on what it stamps; cached per token."""
    key = hashlib.sha256(raw(token)).hexdigest()
    cache = ctx.verifier._tst_cache
    hit = cache.get(key)
    if hit is not None:
        return hit
    result: tuple[str | None, datetime | None, Cert | None, Any]
    try:
        result = _tst_core_uncached(ctx, token)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        result = ("verify.timestamp.malformed", None, None, str(exc))
    if result[0] == "verify.timestamp.tsa_revocation_unknown":
        return result  # may be answered on a later try: not cached
    if len(cache) > 20_000:
        cache.clear()
    cache[key] = result
    return result


def _tst_core_uncached(
    ctx: Context, token: cms.ContentInfo
) -> tuple[str | None, datetime | None, Cert | None, Any]:
    if token["content_type"].native != "signed_data":
        return ("verify.timestamp.malformed", None, None, None)
    sd = token["content"]
    eci = sd["encap_content_info"]
    if eci["content_type"].native != "tst_info":
        return ("verify.timestamp.malformed", None, None, None)
    econtent = eci["content"]
    tst_info = tsp.TSTInfo.load(
        econtent.contents if isinstance(econtent, core.ParsableOctetString) else econtent.native
    )
    gen_time = tst_info["gen_time"].native
    imprint = tst_info["message_imprint"]
    sis = sd["signer_infos"]
    if len(sis) != 1:
        return ("verify.timestamp.malformed", gen_time, None, imprint)
    si = sis[0]
    certs = signed_data_certs(sd) + ctx.certs
    tsa = find_signer(si["sid"], certs)
    if tsa is None:
        return ("verify.timestamp.no_tsa_certificate", gen_time, None, imprint)
    econtent_bytes = econtent.contents if isinstance(econtent, core.ParsableOctetString) else econtent.native
    digest_alg = si["digest_algorithm"]["algorithm"].native
    md = attribute_values(si["signed_attrs"], "1.2.840.113549.1.9.4")
    if len(md) != 1 or md[0].native != digest(digest_alg, econtent_bytes):
        return ("verify.timestamp.digest_mismatch", gen_time, tsa, imprint)
    try:
        verify_signature(
            tsa.public_key,
            si["signature_algorithm"],
            si["signature"].native,
            _signed_attrs_der(si),
            digest_name=digest_alg,
        )
    except CryptoFailure:
        return ("verify.timestamp.signature_invalid", gen_time, tsa, imprint)
    eku = tsa.extension("extended_key_usage")
    if eku is None or "time_stamping" not in eku.native:
        return ("verify.timestamp.not_a_tsa", gen_time, tsa, imprint)
    ctx.verifier.trust.add_intermediates(certs)
    path = ctx.verifier.trust.build(tsa, online=ctx.verifier.revocation.mode == "online")
    if not path.ok:
        return ("verify.timestamp.untrusted", gen_time, tsa, imprint)
    for c in path.chain:
        if ctx.verifier.trust.is_anchor(c):
            continue
        if not (c.not_before <= gen_time <= c.not_after):
            return ("verify.timestamp.tsa_out_of_validity", gen_time, tsa, imprint)
    if ctx.verifier.revocation.mode != "off" and len(path.chain) > 1:
        st = ctx.verifier.revocation.status(tsa, path.chain[1], gen_time, evidence=ctx.evidence, now=ctx.now)
        if st.status == "revoked" and st.revoked_at is not None and st.revoked_at <= gen_time:
            return ("verify.timestamp.tsa_revoked", gen_time, tsa, imprint)
        if st.status == "unknown":
            # An unchecked TSA certificate proves no time (ETSI EN 319 102-1 §5.4): the time-stamp is
            # not used as a proof of existence.
            return ("verify.timestamp.tsa_revocation_unknown", gen_time, tsa, imprint)
    return (None, gen_time, tsa, imprint)


def verify_timestamp(
    ctx: Context, token: cms.ContentInfo, stamped: bytes | Callable[[str], bytes], kind: str
) -> TimestampResult:
    """Verify a time-stamp token over ``stamped`` (bytes, or a function giving its digest)."""
    code, gen_time, tsa, imprint = _tst_core(ctx, token)
    tsa_name = tsa.short_name if tsa else None
    if code is not None:
        return TimestampResult(False, gen_time, tsa_name, code, kind)
    try:
        algo = imprint["hash_algorithm"]["algorithm"].native
        expected = imprint["hashed_message"].native
        actual = stamped(algo) if callable(stamped) else digest(algo, stamped)
    except (CryptoFailure, ValueError, KeyError):
        return TimestampResult(False, gen_time, tsa_name, "verify.timestamp.malformed", kind)
    if actual != expected:
        return TimestampResult(False, gen_time, tsa_name, "verify.timestamp.imprint_mismatch", kind)
    return TimestampResult(True, gen_time, tsa_name, "verify.timestamp.ok", kind)


def record_times(
    rep: SignatureReport,
    ctx: Context,
    timestamps: list[TimestampResult],
    claimed: datetime | None,
    source: str,
) -> tuple[datetime | None, list[datetime]]:
    """Report the time-stamps and the signing time; return the proof of existence and the valid times.

    The earliest valid time-stamp is the proof of existence; without one the ``claimed`` time (from
    ``source``) stands, else the verification time.
    """
    for ts in timestamps:
        if ts.valid:
            rep.add(
                "timestamp",
                "passed",
                "verify.timestamp.ok",
                time=ts.time.isoformat() if ts.time else "-",
                tsa=ts.tsa or "-",
            )
        else:
            rep.add("timestamp", "indeterminate", ts.code, "SIG_CONSTRAINTS_FAILURE", tsa=ts.tsa or "-")
    rep.timestamps = [t.to_dict() for t in timestamps]
    valid_times = [t.time for t in timestamps if t.valid and t.time is not None]
    poe = min(valid_times) if valid_times else None
    if poe is not None:
        rep.signing_time = {
            "value": poe.isoformat(),
            "source": "timestamp",
            "claimed": claimed.isoformat() if claimed else None,
        }
    elif claimed is not None:
        rep.signing_time = {"value": claimed.isoformat(), "source": source, "claimed": claimed.isoformat()}
    else:
        rep.signing_time = {"value": ctx.now.isoformat(), "source": "verification_time", "claimed": None}
    return poe, valid_times


_ESS_CACHE: dict[tuple[bytes, str], tuple[Any, ...]] = {}


def _ess_check(rep: SignatureReport, si: cms.SignerInfo, signer: Cert) -> None:
    """The ESS binding; its outcome depends only on the attribute and the certificate, so it is cached
    (every signature of one signer carries the same attribute)."""
    sets = attribute_index(si["signed_attrs"]).get("1.2.840.113549.1.9.16.2.47")
    key = (raw(sets[0]) if sets and len(sets) == 1 else b"", signer.sha256)
    hit = _ESS_CACHE.get(key) if key[0] else None
    if hit is not None:
        rep.checks.append(hit[0])
        return
    before = len(rep.checks)
    _ess_check_uncached(rep, si, signer)
    if key[0] and len(rep.checks) == before + 1:
        if len(_ESS_CACHE) > 20_000:
            _ESS_CACHE.clear()
        _ESS_CACHE[key] = (rep.checks[-1],)


def _ess_check_uncached(rep: SignatureReport, si: cms.SignerInfo, signer: Cert) -> None:
    v2 = attribute_values(si["signed_attrs"], "1.2.840.113549.1.9.16.2.47")
    v1 = attribute_values(si["signed_attrs"], "1.2.840.113549.1.9.16.2.12")
    if not v2 and not v1:
        rep.add("signing_certificate", "indeterminate", "verify.ess.missing", "SIG_CONSTRAINTS_FAILURE")
        return
    if not v2:
        rep.add(
            "signing_certificate",
            "indeterminate",
            "verify.ess.sha1_reference",
            "SIG_CONSTRAINTS_FAILURE",
            algorithm="sha1",
        )
        return
    try:
        first = v2[0]["certs"][0]
        algo = first["hash_algorithm"]["algorithm"].native
        cert_hash = first["cert_hash"].native
        issuer_serial = first["issuer_serial"]
    except (KeyError, IndexError, ValueError, TypeError):
        rep.add("signing_certificate", "failed", "verify.ess.malformed", "FORMAT_FAILURE")
        return
    if algo in WEAK_HASHES:
        rep.add(
            "signing_certificate",
            "indeterminate",
            "verify.ess.sha1_reference",
            "SIG_CONSTRAINTS_FAILURE",
            algorithm=algo,
        )
        return
    try:
        matches = digest(algo, signer.der) == cert_hash
    except CryptoFailure:
        matches = False
    if matches and issuer_serial.native is not None:
        matches = issuer_serial["serial_number"].native == signer.serial
    if not matches:
        rep.add("signing_certificate", "indeterminate", "verify.ess.mismatch", "NO_SIGNING_CERTIFICATE_FOUND")
        return
    rep.add("signing_certificate", "passed", "verify.ess.ok", algorithm=algo)


@dataclass
class ProfileInput:
    """What the profile rules look at, independent of the format."""

    policy_oid: str | None
    policy_hash_algo: str | None
    policy_hash: bytes | None
    spuris: list[str]
    signed: set[str]  # attribute names present (profiles.toml vocabulary)
    unsigned: set[str]
    claimed_time: datetime | None
    tst_times: list[datetime]
    revocation: RevocationStatus | None
    embedded_crl: bool
    embedded_ocsp: bool
    values_present: bool
    archive: bool
    pades: bool
    counter: bool = False


def check_profile(rep: SignatureReport, ctx: Context, p: ProfileInput) -> None:
    """Detect the profile from the policy identifier and apply its rules; set ``rep.profile``/``level``."""
    profile: Profile | None = profile_for_policy(p.policy_oid)
    if p.policy_oid is not None and profile is None:
        rep.add(
            "profile", "indeterminate", "verify.policy.unknown", "POLICY_PROCESSING_ERROR", oid=p.policy_oid
        )
        rep.level = _level(p, None)
        return
    assert profile is not None
    rep.profile = profile.name
    rep.add("profile", "passed", "verify.profile.detected", profile=profile.name, title=profile.title)
    if profile.policy_oid:
        accepted = accepted_policy_hashes().get(p.policy_hash_algo or "", frozenset())
        if p.policy_hash is None or p.policy_hash.hex() not in accepted:
            rep.add(
                "policy.hash",
                "indeterminate",
                "verify.policy.hash_mismatch",
                "POLICY_PROCESSING_ERROR",
                oid=profile.policy_oid,
            )
        else:
            rep.add("policy.hash", "passed", "verify.policy.hash_ok")
        expected_uri = policy_uri(profile.policy_oid)
        if not p.spuris:
            rep.add("policy.spuri", "indeterminate", "verify.policy.no_spuri", "SIG_CONSTRAINTS_FAILURE")
        elif expected_uri and expected_uri not in p.spuris:
            rep.add(
                "policy.spuri",
                "warning",
                "verify.policy.other_spuri",
                uri=", ".join(p.spuris),
                expected=expected_uri,
            )
        else:
            rep.add("policy.spuri", "passed", "verify.policy.spuri_ok", uri=p.spuris[0])
    required_signed = set(profile.required_signed)
    if p.pades:
        # PAdES: the signing time is the signature dictionary's /M (checked by the caller).
        required_signed.discard("signing_time")
    if p.counter:
        required_signed.discard("content_type")  # RFC 5652 §11.1: a countersignature has none
    missing = sorted(required_signed - p.signed)
    forbidden = sorted((profile.forbidden_signed & p.signed) | (profile.forbidden_unsigned & p.unsigned))
    if missing:
        rep.add(
            "profile.attributes",
            "indeterminate",
            "verify.profile.missing_attributes",
            "SIG_CONSTRAINTS_FAILURE",
            attributes=", ".join(missing),
        )
    if forbidden:
        rep.add(
            "profile.attributes",
            "indeterminate",
            "verify.profile.forbidden_attributes",
            "SIG_CONSTRAINTS_FAILURE",
            attributes=", ".join(forbidden),
        )
    have_unsigned = set(p.unsigned)
    if p.tst_times:
        have_unsigned.add("signature_time_stamp_token")
    if p.pades and p.values_present:
        have_unsigned |= {
            "certificate_values",
            "revocation_values",
            "complete_certificate_references",
            "complete_revocation_references",
        }
    missing_u = sorted(profile.required_unsigned - have_unsigned)
    if missing_u:
        rep.add(
            "profile.attributes",
            "indeterminate",
            "verify.profile.missing_attributes",
            "SIG_CONSTRAINTS_FAILURE",
            attributes=", ".join(missing_u),
        )
    elif not missing and not forbidden:
        rep.add("profile.attributes", "passed", "verify.profile.attributes_ok")
    final_missing = sorted(profile.final_unsigned - have_unsigned - set(missing_u))
    if final_missing:
        since = (ctx.now - (p.claimed_time or ctx.now)).total_seconds()
        if since > profile.grace_period_seconds:
            rep.add(
                "profile.upgrade",
                "indeterminate",
                "verify.profile.not_upgraded",
                "SIG_CONSTRAINTS_FAILURE",
                attributes=", ".join(final_missing),
            )
        else:
            rep.add(
                "profile.upgrade",
                "warning",
                "verify.profile.in_grace_period",
                attributes=", ".join(final_missing),
            )
    # Time-stamp no later than allowed after the signing time.
    if p.tst_times and p.claimed_time is not None:
        first = min(p.tst_times)
        delay = (first - p.claimed_time).total_seconds()
        skew = int(policy_data()["timing"]["clock_skew_seconds"])
        if delay > profile.timestamp_max_delay_seconds:
            rep.add(
                "profile.timing",
                "indeterminate",
                "verify.profile.timestamp_too_late",
                "SIG_CONSTRAINTS_FAILURE",
                seconds=int(delay),
                limit=profile.timestamp_max_delay_seconds,
            )
        elif delay < -skew:
            rep.add(
                "profile.timing",
                "indeterminate",
                "verify.profile.timestamp_before_signing",
                "SIG_CONSTRAINTS_FAILURE",
                seconds=int(-delay),
            )
        else:
            rep.add("profile.timing", "passed", "verify.profile.timing_ok", seconds=int(delay))
    # The revocation source the profile requires.
    if profile.revocation == "ocsp":
        if p.embedded_ocsp:
            rep.add("profile.revocation", "passed", "verify.profile.revocation_ok", source="OCSP")
        else:
            rep.add(
                "profile.revocation",
                "indeterminate",
                "verify.profile.revocation_source",
                "SIG_CONSTRAINTS_FAILURE",
                source="OCSP",
            )
    elif profile.revocation == "crl" and ctx.verifier.revocation.mode != "off":
        used = p.revocation.source if p.revocation else None
        if used == "crl" or p.embedded_crl:
            rep.add("profile.revocation", "passed", "verify.profile.revocation_ok", source="CRL")
        elif used is not None:
            rep.add(
                "profile.revocation",
                "indeterminate",
                "verify.profile.revocation_source",
                "SIG_CONSTRAINTS_FAILURE",
                source="CRL",
            )
    rep.level = _level(p, profile)


def _level(p: ProfileInput, profile: Profile | None) -> str:
    t = bool(p.tst_times)
    if p.pades:
        if p.archive:
            return "B-LTA"
        if t and p.values_present:
            return "B-LT"
        return "B-T" if t else "B-B"
    if p.archive:
        return "ES-A"
    if t and p.values_present:
        return "ES-XL"
    if t:
        return "ES-T"
    return "EPES" if p.policy_oid else "BES"


def _policy_info(si: cms.SignerInfo) -> tuple[str | None, str | None, bytes | None, list[str]]:
    vals = attribute_values(si["signed_attrs"], "1.2.840.113549.1.9.16.2.15")
    if not vals:
        return None, None, None, []
    encoded = raw(vals[0])
    if encoded[:1] == b"\x05":  # signaturePolicyImplied (NULL)
        return None, None, None, []
    pid = _SignaturePolicyId.load(encoded)
    oid = pid["sig_policy_id"].dotted
    hash_algo = pid["sig_policy_hash"]["digest_algorithm"]["algorithm"].native
    hash_value = pid["sig_policy_hash"]["digest"].native
    uris = []
    for q in pid["sig_policy_qualifiers"] or ():
        if q["id"].dotted == "1.2.840.113549.1.9.16.5.1":  # id-spq-ets-uri
            uris.append(str(core.IA5String.load(raw(q["qualifier"])).native))
    return oid, hash_algo, hash_value, uris


@lru_cache(maxsize=256)
def _declared_digests(encoded: bytes) -> frozenset[str] | None:
    """OIDs of SignedData.digestAlgorithms, or ``None`` when a parameter is not absent/NULL (cached)."""
    algos_ = cms.DigestAlgorithms.load(encoded)
    if not all(_plain_params(d) for d in algos_):
        return None
    return frozenset(d["algorithm"].dotted for d in algos_)


def _plain_params(algo: Any) -> bool:
    """Digest algorithm parameters must be absent or NULL (RFC 5754)."""
    params = algo["parameters"]
    return isinstance(params, core.Void) or raw(params) == b"\x05\x00"


def _structure_check(rep: SignatureReport, sd: cms.SignedData, si: cms.SignerInfo, kind: str) -> None:
    """RFC 5652 consistency: versions match the identifiers used, the digest algorithm is declared."""

    def malformed(reason: str) -> None:
        rep.add("format", "failed", "verify.format.malformed", "FORMAT_FAILURE", reason=reason)

    if not _plain_params(si["digest_algorithm"]):
        malformed("digest algorithm parameters")
    si_version = si["version"].native
    expected = "v1" if si["sid"].name == "issuer_and_serial_number" else "v3"
    if si_version != expected:
        malformed(f"SignerInfo version {si_version}")
    if kind != "counter":
        if sd["version"].native not in ("v1", "v3", "v4", "v5"):
            malformed("SignedData version")
        declared = _declared_digests(raw(sd["digest_algorithms"]))
        if declared is None:
            malformed("digest algorithm parameters")
        elif si["digest_algorithm"]["algorithm"].dotted not in declared:
            malformed("digest algorithm not declared in SignedData")


def verify_signer_info(
    ctx: Context,
    sd: cms.SignedData,
    si: cms.SignerInfo,
    *,
    data_digest: Callable[[str], bytes | None],
    kind: str = "cades",
    extra_timestamps: Callable[[], list[TimestampResult]] | None = None,
    pdf_time: datetime | None = None,
) -> SignatureReport:
    """Verify one SignerInfo completely; see the module docstring.

    :param kind: ``cades``, ``counter`` (a countersignature) or ``pades``.
    :param extra_timestamps: PAdES: document time-stamps covering this signature.
    :param pdf_time: PAdES: the signature dictionary's ``/M``.
    """
    rep = SignatureReport()
    sa = si["signed_attrs"]
    signer = find_signer(si["sid"], ctx.certs)
    if signer is None:
        rep.add(
            "signer_certificate",
            "indeterminate",
            "verify.signer_certificate.not_found",
            "NO_SIGNING_CERTIFICATE_FOUND",
        )
    else:
        rep.signer = signer_facts(signer, ctx.show_national_id)
        rep.certificate = certificate_facts(signer, show_national_id=ctx.show_national_id)
    digest_alg = si["digest_algorithm"]["algorithm"].native
    _structure_check(rep, sd, si, kind)
    if digest_alg in WEAK_HASHES:
        rep.add(
            "algorithm",
            "indeterminate",
            "verify.algorithm.weak_digest",
            "CRYPTO_CONSTRAINTS_FAILURE",
            algorithm=digest_alg,
        )
    try:
        content_digest = data_digest(digest_alg)
    except CryptoFailure:
        rep.add("format", "failed", "verify.format.bad_algorithm", "FORMAT_FAILURE", algorithm=digest_alg)
        return rep

    if not sa:
        rep.add("signed_attributes", "indeterminate", "verify.attributes.missing", "SIG_CONSTRAINTS_FAILURE")
        if content_digest is None:
            rep.add("signed_data", "indeterminate", "verify.content.missing", "SIGNED_DATA_NOT_FOUND")
        elif signer is not None:
            try:
                verify_signature(
                    signer.public_key,
                    si["signature_algorithm"],
                    si["signature"].native,
                    content_digest,
                    digest_name=digest_alg,
                    prehashed=True,
                )
                rep.add("signature_value", "passed", "verify.signature.ok")
            except CryptoFailure as exc:
                rep.add(
                    "signature_value",
                    "failed",
                    "verify.signature.invalid",
                    "SIG_CRYPTO_FAILURE",
                    reason=exc.reason,
                )
        return rep

    ct = attribute_values(sa, "1.2.840.113549.1.9.3")
    md = attribute_values(sa, "1.2.840.113549.1.9.4")
    if kind != "counter":
        econtent_type = sd["encap_content_info"]["content_type"].dotted
        if len(ct) != 1 or ct[0].dotted != econtent_type:
            rep.add("format", "failed", "verify.format.content_type", "FORMAT_FAILURE")
    if len(md) != 1:
        rep.add("format", "failed", "verify.format.message_digest", "FORMAT_FAILURE")
    elif content_digest is None:
        rep.add("signed_data", "indeterminate", "verify.content.missing", "SIGNED_DATA_NOT_FOUND")
    elif md[0].native != content_digest:
        rep.add("message_digest", "failed", "verify.digest.mismatch", "HASH_FAILURE")
    else:
        rep.add("message_digest", "passed", "verify.digest.ok", algorithm=digest_alg)
    if signer is None:
        return rep
    try:
        verify_signature(
            signer.public_key,
            si["signature_algorithm"],
            si["signature"].native,
            _signed_attrs_der(si),
            digest_name=digest_alg,
        )
        rep.add("signature_value", "passed", "verify.signature.ok")
    except CryptoFailure as exc:
        rep.add(
            "signature_value", "failed", "verify.signature.invalid", "SIG_CRYPTO_FAILURE", reason=exc.reason
        )
    _ess_check(rep, si, signer)

    # Times: the signed claim, then time-stamps (the earliest valid one is the proof of existence).
    claimed: datetime | None = None
    st_vals = attribute_values(sa, "1.2.840.113549.1.9.5")
    if st_vals:
        claimed = st_vals[0].native
    source = "signed_attribute"
    if pdf_time is not None:
        claimed, source = (claimed or pdf_time), ("signed_attribute" if claimed else "pdf")
    timestamps: list[TimestampResult] = []
    sig_value = si["signature"].native
    for tok in attribute_values(si["unsigned_attrs"], OID_SIG_TST):
        timestamps.append(verify_timestamp(ctx, tok, sig_value, "signature"))
    if extra_timestamps is not None:
        timestamps.extend(extra_timestamps())
    poe, valid_times = record_times(rep, ctx, timestamps, claimed, source)

    policy_oid, policy_algo, policy_hash, spuris = _policy_info(si)
    prof = profile_for_policy(policy_oid)
    prefer = "crl" if prof is not None and prof.revocation == "crl" else None
    chain, status = check_certificate(rep, ctx, signer, TimeInfo(poe, claimed), prefer_revocation=prefer)
    if rep.certificate is not None:
        rep.certificate["chain"] = [c.subject_text for c in chain[1:]]

    names = {ATTRIBUTE_OIDS.get(o, o) for o in _attr_oids(sa)}
    unsigned = {ATTRIBUTE_OIDS.get(o, o) for o in _attr_oids(si["unsigned_attrs"])}
    embedded_ocsp = status is not None and status.source == "ocsp" and status.origin == "embedded"
    embedded_crl = status is not None and status.source == "crl" and status.origin == "embedded"
    if ctx.verifier.revocation.mode == "off":
        embedded_ocsp = bool(ctx.evidence.ocsps)
        embedded_crl = bool(ctx.evidence.crls)
    check_profile(
        rep,
        ctx,
        ProfileInput(
            policy_oid=policy_oid,
            policy_hash_algo=policy_algo,
            policy_hash=policy_hash,
            spuris=spuris,
            signed=names,
            unsigned=unsigned,
            claimed_time=claimed,
            tst_times=valid_times,
            revocation=status,
            embedded_crl=embedded_crl,
            embedded_ocsp=embedded_ocsp,
            values_present=(
                {"certificate_values", "revocation_values"} <= unsigned
                if kind != "pades"
                else bool(ctx.evidence.crls or ctx.evidence.ocsps)
            ),
            archive=any(o in OID_ARCHIVE for o in _attr_oids(si["unsigned_attrs"])),
            pades=kind == "pades",
            counter=kind == "counter",
        ),
    )

    def parent_digest(algo: str) -> bytes | None:
        return digest(algo, sig_value)

    for cs in attribute_values(si["unsigned_attrs"], OID_COUNTER):
        rep.counter_signatures.append(
            verify_signer_info(ctx, sd, cs, data_digest=parent_digest, kind="counter")
        )
    return rep
