"""CAdES signatures to the Turkish profiles P1–P4: attached (``.imz``) and detached (``.p7s``).

The CMS structures are built directly with asn1crypto, so that a batch of signatures costs little more
than the signatures themselves: the attributes that do not change between documents are encoded once
per signer (:class:`CAdESSigner`), and each document adds only its message digest and signing time.

Signed attributes, per the Rehber (``profiles.toml``): content-type, message-digest,
signing-certificate-v2 (SHA-256 or stronger, never SHA-1), signing-time, and for P2–P4 the
signature-policy-identifier with the policy hash and SPuri. Unsigned: the signature time-stamp (P2–P4,
optional for P1); for P4 the ES-XL set — complete-certificate-references,
complete-revocation-references, certificate-values and revocation-values — with OCSP taken at signing,
and the chain and CRLs in the SignedData too. P3 is produced as ES-T and turned into ES-XL by
:func:`upgrade` once its grace period has passed.

Serial signatures are countersignatures (``counter-signature`` in the first SignerInfo); parallel
signatures are further SignerInfos over the same content.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from asn1crypto import algos, cms, core, x509

from ebys_support.errors import UsageError
from ebys_support.signing import _asn1
from ebys_support.signing.errors import (
    ContentMismatch,
    ContentRequired,
    GracePeriodNotOver,
    NotASignature,
    TimestampOutOfWindow,
    UnsupportedProfile,
)
from ebys_support.signing.profiles import Profile, get_profile
from ebys_support.signing.revocation import ValidationData, collect
from ebys_support.signing.signers import Signer
from ebys_support.signing.tsa import TSAClient, token_time

__all__ = [
    "CAdESSigner",
    "sign",
    "countersign",
    "add_parallel",
    "upgrade",
    "load_signature",
    "profile_of",
    "signed_content",
    "signer_infos",
]

_CHUNK = 1 << 20


def _der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def _attr(name: str, value: Any) -> bytes:
    return bytes(cms.CMSAttribute({"type": name, "values": [value]}).dump())


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _tsa(tsa: TSAClient | str | None) -> TSAClient | None:
    if tsa is None or isinstance(tsa, TSAClient):
        return tsa
    return TSAClient(tsa)


def _trust_pool(signer: Signer, trust: Iterable[x509.Certificate]) -> list[x509.Certificate]:
    from ebys_support.trust import bundled_roots

    return [*signer.chain, *trust, *bundled_roots()]


def signing_certificate_v2(cert: x509.Certificate, digest_algorithm: str = "sha256") -> Any:
    """The ``signing-certificate-v2`` value (SHA-1 refused)."""
    from pyhanko.sign.general import as_signing_certificate_v2

    if digest_algorithm in ("sha1", "md5"):
        raise UnsupportedProfile(
            details={"profile": "signing-certificate-v2", "digest": digest_algorithm, "reason": "weak_digest"}
        )
    return as_signing_certificate_v2(cert, digest_algorithm)


def policy_identifier(profile: Profile) -> Any:
    """The ``signature-policy-identifier`` value of a profile (policy OID, SHA-256 hash, SPuri)."""
    from pyhanko.sign.ades.cades_asn1 import SignaturePolicyIdentifier

    assert profile.policy_oid and profile.policy_hash is not None
    qualifiers = []
    if profile.policy_uri:
        qualifiers.append(
            {"sig_policy_qualifier_id": "sp_uri", "sig_qualifier": core.IA5String(profile.policy_uri)}
        )
    return SignaturePolicyIdentifier(
        name="signature_policy_id",
        value={
            "sig_policy_id": profile.policy_oid,
            "sig_policy_hash": {"digest_algorithm": {"algorithm": "sha256"}, "digest": profile.policy_hash},
            "sig_policy_qualifiers": qualifiers or None,
        },
    )


# ---------------------------------------------------------------------------------------------
# Unsigned attributes: time-stamp and ES-XL
# ---------------------------------------------------------------------------------------------


def check_timestamp_window(profile: Profile, signing_time: datetime, token: cms.ContentInfo) -> None:
    """Refuse a time-stamp taken more than the profile's delay after the signing time, or clearly before it.

    :raises TimestampOutOfWindow: the local clock is probably wrong.
    """
    delay = token_time(token) - signing_time
    if delay > profile.timestamp_max_delay or delay < -_CLOCK_SKEW:
        raise TimestampOutOfWindow(
            details={
                "delay": int(delay.total_seconds()),
                "limit": int(profile.timestamp_max_delay.total_seconds()),
            }
        )


_CLOCK_SKEW = timedelta(minutes=5)


def _timestamp_attr(tsa: TSAClient, signature: bytes, digest_algorithm: str) -> tuple[cms.CMSAttribute, Any]:
    token = tsa.timestamp(hashlib.new(digest_algorithm, signature).digest(), digest_algorithm)
    return cms.CMSAttribute({"type": "signature_time_stamp_token", "values": [token]}), token


def _issuer_serial(cert: x509.Certificate) -> dict[str, Any]:
    return {
        "issuer": [x509.GeneralName(name="directory_name", value=cert.issuer)],
        "serial": cert.serial_number,
    }


def _xl_attrs(data: ValidationData) -> list[cms.CMSAttribute]:
    """complete-certificate-refs, complete-revocation-refs, certificate-values, revocation-values."""
    cas = data.chain[1:]
    cert_refs = _asn1.CompleteCertificateRefs(
        [{"other_cert_hash": _asn1.other_hash(c.dump()), "issuer_serial": _issuer_serial(c)} for c in cas]
    )
    rev_refs = []
    for ref in data.refs:
        item: dict[str, Any] = {}
        if ref.crl is not None:
            tbs = ref.crl["tbs_cert_list"]
            ident: dict[str, Any] = {
                "crlissuer": tbs["issuer"],
                "crl_issued_time": core.UTCTime(tbs["this_update"].native),
            }
            number = ref.crl.crl_number_value
            if number is not None:
                ident["crl_number"] = number.native
            item["crlids"] = {
                "crls": [{"crl_hash": _asn1.other_hash(ref.crl.dump()), "crl_identifier": ident}]
            }
        if ref.ocsp is not None:
            basic = ref.ocsp.basic_ocsp_response
            tbs_r = basic["tbs_response_data"]
            item["ocspids"] = {
                "ocsp_responses": [
                    {
                        "ocsp_identifier": {
                            "ocsp_responder_id": tbs_r["responder_id"],
                            "produced_at": tbs_r["produced_at"],
                        },
                        "ocsp_rep_hash": _asn1.other_hash(basic.dump()),
                    }
                ]
            }
        rev_refs.append(item)
    crls = list(data.crls)
    basics = [o.basic_ocsp_response for o in data.ocsps]
    values: dict[str, Any] = {}
    if crls:
        values["crl_vals"] = crls
    if basics:
        values["ocsp_vals"] = basics
    return [
        cms.CMSAttribute({"type": "complete_certificate_references", "values": [cert_refs]}),
        cms.CMSAttribute(
            {"type": "complete_revocation_references", "values": [_asn1.CompleteRevocationRefs(rev_refs)]}
        ),
        cms.CMSAttribute({"type": "certificate_values", "values": [_asn1.CertificateValues(list(cas))]}),
        cms.CMSAttribute({"type": "revocation_values", "values": [_asn1.RevocationValues(values)]}),
    ]


def _revocation_choices(data: ValidationData) -> list[cms.RevocationInfoChoice]:
    out = [cms.RevocationInfoChoice(name="crl", value=c) for c in data.crls]
    for o in data.ocsps:
        out.append(
            cms.RevocationInfoChoice(
                name="other",
                value={"other_rev_info_format": "ocsp_response", "other_rev_info": o},
            )
        )
    return out


# ---------------------------------------------------------------------------------------------
# The lean signer
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Result:
    der: bytes
    validation: ValidationData | None

    @property
    def signer_info(self) -> cms.SignerInfo:
        return cms.SignerInfo.load(self.der)


def _tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _der_len(len(content)) + content


_OID_MESSAGE_DIGEST = bytes.fromhex("06092a864886f70d010904")
_OID_SIGNING_TIME = bytes.fromhex("06092a864886f70d010905")
_OID_SIGNED_DATA = bytes.fromhex("06092a864886f70d010702")
_OID_DATA = bytes.fromhex("06092a864886f70d010701")


def _message_digest_attr(digest: bytes) -> bytes:
    return _tlv(0x30, _OID_MESSAGE_DIGEST + _tlv(0x31, _tlv(0x04, digest)))


def _signing_time_attr(when: datetime) -> bytes:
    when = when.astimezone(UTC)
    if 1950 <= when.year < 2050:  # RFC 5652 §11.3: UTCTime until 2049, GeneralizedTime after
        value = _tlv(0x17, when.strftime("%y%m%d%H%M%SZ").encode("ascii"))
    else:
        value = _tlv(0x18, when.strftime("%Y%m%d%H%M%SZ").encode("ascii"))
    return _tlv(0x30, _OID_SIGNING_TIME + _tlv(0x31, value))


def _cert_set(certs: Iterable[x509.Certificate]) -> bytes:
    """The DER content of a CertificateSet: unique certificates in DER SET OF order."""
    return b"".join(sorted({bytes(c.dump()) for c in certs}))


class CAdESSigner:
    """Signs many documents with one signer and one profile, encoding the constant parts once.

    :param signer: the key (its session stays open across the batch).
    :param profile: ``"P1"`` … ``"P4"`` or a :class:`Profile` (e.g. one with configured values).
    :param tsa: the time-stamp authority (URL or :class:`TSAClient`), required for P2–P4.
    :param trust: CA certificates to complete the chain (P4), besides those of the signer and the
        bundled KamuSM roots.
    :param revocation_timeout: seconds for each OCSP/CRL request (P4).
    :raises UsageError: ``signing.tsa_required`` when the profile needs a time-stamp and no TSA is given.
    """

    def __init__(
        self,
        signer: Signer,
        profile: str | Profile = "P1",
        *,
        tsa: TSAClient | str | None = None,
        trust: Iterable[x509.Certificate] = (),
        revocation_timeout: float = 10.0,
    ) -> None:
        self.signer = signer
        self.profile = get_profile(profile)
        self.tsa = _tsa(tsa)
        if self.profile.needs_timestamp and self.tsa is None:
            raise UsageError("signing.tsa_required", details={"profile": self.profile.name})
        self.trust = tuple(trust)
        self.revocation_timeout = revocation_timeout
        md = signer.digest_algorithm
        self.digest_algorithm = md
        cert = signer.certificate
        self._sid = cms.SignerIdentifier(
            name="issuer_and_serial_number",
            value={"issuer": cert.issuer, "serial_number": cert.serial_number},
        )
        self._digest_algo = algos.DigestAlgorithm({"algorithm": md})
        self._sig_algo = signer.signature_algorithm(md)
        const = [_attr("signing_certificate_v2", signing_certificate_v2(cert, md))]
        if self.profile.policy_oid:
            const.append(_attr("signature_policy_identifier", policy_identifier(self.profile)))
        self._const_counter = const
        self._const = [_attr("content_type", "data"), *const]
        # P1/P2 forbid the chain and CRLs in the CMS (DOMAIN §5): the signer's certificate only.
        self._certs = [cert, *signer.chain] if self.profile.allows_validation_data else [cert]
        # Constant DER pieces of every SignerInfo and SignedData of this signer.
        self._sid_der = bytes(self._sid.dump())
        self._digest_algo_der = bytes(self._digest_algo.dump())
        self._sig_algo_der = bytes(self._sig_algo.dump())
        self._certs_der = _cert_set(self._certs)

    # -- one SignerInfo ----------------------------------------------------------------------
    def _signer_info(
        self, digest: bytes, *, counter: bool = False, signing_time: datetime | None = None
    ) -> _Result:
        when = signing_time or _now()
        parts = [
            *(self._const_counter if counter else self._const),
            _message_digest_attr(digest),
            _signing_time_attr(when),
        ]
        parts.sort()  # DER: the elements of a SET OF in ascending order of their encodings
        body = b"".join(parts)
        signature = self.signer.sign(_tlv(0x31, body), self.digest_algorithm)
        unsigned: list[cms.CMSAttribute] = []
        validation = None
        if self.tsa is not None:
            attr, token = _timestamp_attr(self.tsa, signature, self.digest_algorithm)
            check_timestamp_window(self.profile, when, token)
            unsigned.append(attr)
        if self.profile.needs_validation_data:
            validation = collect(
                self.signer.certificate,
                _trust_pool(self.signer, self.trust),
                method=self.profile.revocation,
                timeout=self.revocation_timeout,
            )
            unsigned.extend(_xl_attrs(validation))
        fields = [
            b"\x02\x01\x01",  # version 1: issuerAndSerialNumber
            self._sid_der,
            self._digest_algo_der,
            _tlv(0xA0, body),  # [0] IMPLICIT signedAttrs
            self._sig_algo_der,
            _tlv(0x04, signature),
        ]
        if unsigned:
            fields.append(_tlv(0xA1, b"".join(sorted(bytes(a.dump()) for a in unsigned))))
        return _Result(_tlv(0x30, b"".join(fields)), validation)

    def _certs_for(self, result: _Result) -> list[x509.Certificate]:
        if result.validation is not None:
            return [*self._certs, *result.validation.chain]
        return list(self._certs)

    # -- public -----------------------------------------------------------------------------
    def sign(self, content: bytes, *, detached: bool = False, signing_time: datetime | None = None) -> bytes:
        """A CAdES signature over ``content``: attached (``.imz``) or ``detached`` (``.p7s``), DER."""
        digest = hashlib.new(self.digest_algorithm, content).digest()
        return self.sign_digest(digest, None if detached else content, signing_time=signing_time)

    def sign_digest(
        self, digest: bytes, content: bytes | None = None, *, signing_time: datetime | None = None
    ) -> bytes:
        """A signature over a precomputed digest; attached when ``content`` is given."""
        result = self._signer_info(digest, signing_time=signing_time)
        encap = _OID_DATA
        if content is not None:
            encap += _tlv(0xA0, _tlv(0x04, content))
        certs = self._certs_der
        crls = b""
        if result.validation is not None:
            certs = _cert_set([*self._certs, *result.validation.chain])
            choices = _revocation_choices(result.validation)
            if choices:
                crls = _tlv(0xA1, b"".join(sorted(bytes(c.dump()) for c in choices)))
        signed_data = b"".join(
            (
                b"\x02\x01\x01",
                _tlv(0x31, self._digest_algo_der),
                _tlv(0x30, encap),
                _tlv(0xA0, certs),
                crls,
                _tlv(0x31, result.der),
            )
        )
        return _tlv(0x30, _OID_SIGNED_DATA + _tlv(0xA0, _tlv(0x30, signed_data)))

    def sign_file(self, path: str | Path, *, detached: bool = False) -> bytes:
        """Sign a file; the digest is computed in chunks (the content is read once more if attached)."""
        p = Path(path)
        h = hashlib.new(self.digest_algorithm)
        with p.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                h.update(chunk)
        return self.sign_digest(h.digest(), None if detached else p.read_bytes())

    def counter_signer_info(self, target: cms.SignerInfo) -> tuple[cms.SignerInfo, list[x509.Certificate]]:
        """A countersignature SignerInfo over ``target``'s signature value, and the certificates to add."""
        digest = hashlib.new(self.digest_algorithm, target["signature"].native).digest()
        result = self._signer_info(digest, counter=True)
        return result.signer_info, self._certs_for(result)

    def parallel_signer_info(self, digest: bytes) -> tuple[cms.SignerInfo, list[x509.Certificate], list[Any]]:
        """Another SignerInfo over a content digest, with its certificates and revocation choices."""
        result = self._signer_info(digest)
        choices = _revocation_choices(result.validation) if result.validation is not None else []
        return result.signer_info, self._certs_for(result), choices


# ---------------------------------------------------------------------------------------------
# Module-level helpers
# ---------------------------------------------------------------------------------------------


def sign(
    content: bytes,
    signer: Signer,
    profile: str | Profile = "P1",
    *,
    detached: bool = False,
    tsa: TSAClient | str | None = None,
    trust: Iterable[x509.Certificate] = (),
    signing_time: datetime | None = None,
) -> bytes:
    """One CAdES signature (see :class:`CAdESSigner`). Returns DER bytes."""
    return CAdESSigner(signer, profile, tsa=tsa, trust=trust).sign(
        content, detached=detached, signing_time=signing_time
    )


def load_signature(data: bytes) -> cms.ContentInfo:
    """Parse a CMS signature (DER or PEM ``CMS``/``PKCS7``).

    :raises NotASignature: when ``data`` is not a CMS SignedData.
    """
    from asn1crypto import pem

    try:
        if pem.detect(data):
            _, _, data = pem.unarmor(data)
        info = cms.ContentInfo.load(data)
        if info["content_type"].native != "signed_data":
            raise NotASignature(details={"reason": info["content_type"].native})
        sd = info["content"]
        if not len(sd["signer_infos"]):
            raise NotASignature(details={"reason": "no SignerInfo"})
        return info
    except (ValueError, TypeError, KeyError):
        raise NotASignature(details={"reason": "not CMS"}) from None


def signer_infos(info: cms.ContentInfo) -> Sequence[cms.SignerInfo]:
    """The SignerInfos of a parsed signature."""
    return list(info["content"]["signer_infos"])


def profile_of(signer_info: cms.SignerInfo) -> Profile:
    """The profile a SignerInfo claims through its signature policy (P1 when it has none).

    :raises UnsupportedProfile: for a policy OID that is not one of P2–P4.
    """
    attrs = signer_info["signed_attrs"]
    for a in attrs:
        if a["type"].native == "signature_policy_identifier":
            oid = a["values"][0].chosen["sig_policy_id"].dotted
            for name in ("P2", "P3", "P4"):
                if get_profile(name).policy_oid == oid:
                    return get_profile(name)
            raise UnsupportedProfile(details={"profile": oid, "reason": "unknown_policy"})
    return get_profile("P1")


def _rebuild(
    info: cms.ContentInfo,
    *,
    signer_infos_: list[cms.SignerInfo],
    add_certs: Iterable[x509.Certificate] = (),
    add_crls: Iterable[Any] = (),
    add_digest: algos.DigestAlgorithm | None = None,
) -> bytes:
    sd = info["content"]
    certs = [c.chosen for c in sd["certificates"]] if sd["certificates"] else []
    known = {c.dump() for c in certs}
    all_certs = list(sd["certificates"]) if sd["certificates"] else []
    for c in add_certs:
        if c.dump() not in known:
            known.add(c.dump())
            all_certs.append(cms.CertificateChoices(name="certificate", value=c))
    crls = list(sd["crls"]) if sd["crls"] else []
    crl_known = {c.dump() for c in crls}
    for c in add_crls:
        if c.dump() not in crl_known:
            crl_known.add(c.dump())
            crls.append(c)
    digests = list(sd["digest_algorithms"])
    if add_digest is not None and all(
        d["algorithm"].native != add_digest["algorithm"].native for d in digests
    ):
        digests.append(add_digest)
    versions = [si["version"].native for si in signer_infos_]
    new_sd: dict[str, Any] = {
        "version": "v3" if "v3" in versions else sd["version"].native,
        "digest_algorithms": digests,
        "encap_content_info": sd["encap_content_info"],
        "certificates": all_certs,
        "signer_infos": signer_infos_,
    }
    if crls:
        new_sd["crls"] = crls
    return bytes(cms.ContentInfo({"content_type": "signed_data", "content": new_sd}).dump())


def _with_unsigned(si: cms.SignerInfo, extra: Sequence[cms.CMSAttribute]) -> cms.SignerInfo:
    """A new SignerInfo equal to ``si`` with unsigned attributes added (same-type values merged)."""
    existing = list(si["unsigned_attrs"]) if si["unsigned_attrs"].native is not None else []
    merged: list[cms.CMSAttribute] = []
    extra_by_type: dict[str, list[Any]] = {}
    for a in extra:
        extra_by_type.setdefault(a["type"].dotted, []).extend(list(a["values"]))
    for a in existing:
        t = a["type"].dotted
        if t in extra_by_type:
            values = [*list(a["values"]), *extra_by_type.pop(t)]
            merged.append(cms.CMSAttribute({"type": a["type"], "values": values}))
        else:
            merged.append(a)
    for a in extra:
        t = a["type"].dotted
        if t in extra_by_type:
            merged.append(cms.CMSAttribute({"type": a["type"], "values": extra_by_type.pop(t)}))
    fields = {
        "version": si["version"],
        "sid": si["sid"],
        "digest_algorithm": si["digest_algorithm"],
        "signed_attrs": si["signed_attrs"],
        "signature_algorithm": si["signature_algorithm"],
        "signature": si["signature"],
        "unsigned_attrs": merged,
    }
    return cms.SignerInfo(fields)


def countersign(
    signature: bytes,
    signer: Signer,
    profile: str | Profile = "P1",
    *,
    tsa: TSAClient | str | None = None,
    trust: Iterable[x509.Certificate] = (),
    index: int = 0,
) -> bytes:
    """A serial signature: a countersignature over the ``index``-th SignerInfo (the first by default).

    :raises NotASignature: when ``signature`` is not CMS, or has no such SignerInfo.
    """
    info = load_signature(signature)
    infos = signer_infos(info)
    if not 0 <= index < len(infos):
        raise NotASignature(details={"reason": f"no SignerInfo #{index + 1}"})
    cs = CAdESSigner(signer, profile, tsa=tsa, trust=trust)
    counter, certs = cs.counter_signer_info(infos[index])
    attr = cms.CMSAttribute({"type": "counter_signature", "values": [counter]})
    new_infos = list(infos)
    new_infos[index] = _with_unsigned(infos[index], [attr])
    return _rebuild(info, signer_infos_=new_infos, add_certs=certs)


def _message_digest(si: cms.SignerInfo) -> bytes:
    for a in si["signed_attrs"]:
        if a["type"].native == "message_digest":
            return bytes(a["values"][0].native)
    raise NotASignature(details={"reason": "SignerInfo without message-digest"})


def signed_content(info: cms.ContentInfo, content: bytes | None = None) -> bytes:
    """The content a parsed signature signed: ``content`` checked against its first message digest, or
    the embedded content when ``content`` is ``None``.

    :raises ContentRequired: a detached signature and no ``content``.
    :raises ContentMismatch: ``content`` is not what the signature signed.
    """
    embedded = info["content"]["encap_content_info"]["content"]
    data = content
    if data is None:
        if embedded.native is None:
            raise ContentRequired()
        data = bytes(embedded.native)
    first = signer_infos(info)[0]
    first_md = first["digest_algorithm"]["algorithm"].native
    try:
        digest = hashlib.new(first_md, data).digest()
    except (ValueError, TypeError):
        raise NotASignature(details={"reason": f"digest algorithm {first_md}"}) from None
    if digest != _message_digest(first):
        raise ContentMismatch()
    return data


def add_parallel(
    signature: bytes,
    signer: Signer,
    profile: str | Profile = "P1",
    *,
    content: bytes | None = None,
    tsa: TSAClient | str | None = None,
    trust: Iterable[x509.Certificate] = (),
) -> bytes:
    """A parallel signature: one more SignerInfo over the same content.

    :param content: the signed content; required when ``signature`` is detached, and checked against
        the existing signature's message digest either way.
    :raises ContentRequired: detached signature without ``content``.
    :raises ContentMismatch: ``content`` is not what the existing signature signed.
    """
    info = load_signature(signature)
    data = signed_content(info, content)
    cs = CAdESSigner(signer, profile, tsa=tsa, trust=trust)
    digest = hashlib.new(cs.digest_algorithm, data).digest()
    new_si, certs, crls = cs.parallel_signer_info(digest)
    return _rebuild(
        info,
        signer_infos_=[*signer_infos(info), new_si],
        add_certs=certs,
        add_crls=crls,
        add_digest=algos.DigestAlgorithm({"algorithm": cs.digest_algorithm}),
    )


def _signature_timestamp(si: cms.SignerInfo) -> cms.ContentInfo | None:
    unsigned = si["unsigned_attrs"]
    if unsigned.native is None:
        return None
    for a in unsigned:
        if a["type"].native == "signature_time_stamp_token":
            return a["values"][0]  # type: ignore[no-any-return]
    return None


def _has_xl(si: cms.SignerInfo) -> bool:
    unsigned = si["unsigned_attrs"]
    if unsigned.native is None:
        return False
    return any(a["type"].native == "revocation_values" for a in unsigned)


def _signer_cert(info: cms.ContentInfo, si: cms.SignerInfo) -> x509.Certificate:
    sid = si["sid"]
    certs = [c.chosen for c in info["content"]["certificates"] or [] if c.name == "certificate"]
    if sid.name == "issuer_and_serial_number":
        iss = sid.chosen
        for c in certs:
            if c.issuer == iss["issuer"] and c.serial_number == iss["serial_number"].native:
                return c
    else:
        for c in certs:
            if c.key_identifier == sid.chosen.native:
                return c
    raise NotASignature(details={"reason": "signer certificate not embedded"})


def upgrade(
    signature: bytes,
    to: str = "P4",
    *,
    trust: Iterable[x509.Certificate] = (),
    now: datetime | None = None,
    profiles: Mapping[str, Profile] | None = None,
    revocation_timeout: float = 10.0,
) -> bytes:
    """Turn a P3 signature (ES-T) into ES-XL with certificate and revocation data fetched now.

    Every SignerInfo claiming P3 is upgraded; ones already carrying ES-XL data are left alone.
    P3 uses CRLs (OCSP where a certificate has none).

    :param to: the target form; only ``"P4"`` (ES-XL) is supported.
    :param trust: CA certificates to complete the chains, besides those embedded and the bundled roots.
    :param now: the current time (for tests).
    :param profiles: profiles with configured values (grace period), default the built-in ones.
    :raises UnsupportedProfile: ``to`` is not ``"P4"``; the signature is P1 (no policy), or P2 (the Rehber
        forbids ES-XL data in P2), or has no signature time-stamp.
    :raises GracePeriodNotOver: a P3 signature's grace period has not passed since its time-stamp.
    """
    from ebys_support.trust import bundled_roots

    if str(to).upper() != "P4":
        raise UnsupportedProfile(details={"profile": str(to), "reason": "upgrade_target"})
    info = load_signature(signature)
    now = now or datetime.now(UTC)
    embedded = [c.chosen for c in info["content"]["certificates"] or [] if c.name == "certificate"]
    pool = [*embedded, *trust, *bundled_roots()]
    new_infos: list[cms.SignerInfo] = []
    add_certs: list[x509.Certificate] = []
    add_crls: list[Any] = []
    changed = False
    for si in signer_infos(info):
        prof = profile_of(si)
        if profiles is not None:
            prof = profiles.get(prof.name, prof)
        if _has_xl(si):
            new_infos.append(si)
            continue
        if not prof.upgradable and not prof.needs_validation_data:
            # P1 (BES) has no policy to keep; P2 is short-term: the Rehber forbids certificate and
            # revocation references and values in it, so it can never become ES-XL.
            raise UnsupportedProfile(details={"profile": prof.name, "reason": f"upgrade_{prof.name.lower()}"})
        ts = _signature_timestamp(si)
        if ts is None:
            raise UnsupportedProfile(details={"profile": prof.name, "reason": "no_timestamp"})
        if prof.upgrade_requires_grace:
            until = token_time(ts) + prof.grace_period
            if now < until:
                raise GracePeriodNotOver(details={"until": until.isoformat(timespec="seconds")})
        cert = _signer_cert(info, si)
        data = collect(cert, pool, method=prof.revocation, timeout=revocation_timeout)
        new_infos.append(_with_unsigned(si, _xl_attrs(data)))
        add_certs.extend(data.chain)
        add_crls.extend(_revocation_choices(data))
        changed = True
    if not changed:
        return signature if not _is_pem(signature) else bytes(info.dump())
    return _rebuild(info, signer_infos_=new_infos, add_certs=add_certs, add_crls=add_crls)


def _is_pem(data: bytes) -> bool:
    return data.lstrip()[:5] == b"-----"
