"""ASN.1 types of CAdES ES-C/ES-X (ETSI TS 101 733 / RFC 5126 §6.2–6.3) missing from asn1crypto.

Importing this module registers the attributes with asn1crypto's ``CMSAttribute`` (as pyHanko does for
the ones it knows), so parsed signatures show them by name:

======================================  ===============================  ==============================
OID                                     name                             type
======================================  ===============================  ==============================
1.2.840.113549.1.9.16.2.21              complete_certificate_references  :class:`CompleteCertificateRefs`
1.2.840.113549.1.9.16.2.22              complete_revocation_references   :class:`CompleteRevocationRefs`
1.2.840.113549.1.9.16.2.23              certificate_values               :class:`CertificateValues`
1.2.840.113549.1.9.16.2.24              revocation_values                :class:`RevocationValues`
1.2.840.113549.1.9.16.2.25              cades_c_time_stamp               ``ContentInfo``
1.2.840.113549.1.9.16.2.26              time_stamped_certs_crls_refs     ``ContentInfo``
======================================  ===============================  ==============================
"""

from __future__ import annotations

from typing import ClassVar

import pyhanko.sign.ades.cades_asn1  # noqa: F401  (registers signature_policy_identifier)
from asn1crypto import algos, cms, core, crl, ocsp, tsp, x509  # noqa: F401  (tsp registers signing_certificate_v2)
from pyhanko.sign.ades.asn1_util import register_cms_attribute

__all__ = [
    "OtherHashAlgAndValue",
    "OtherHash",
    "OtherCertID",
    "CompleteCertificateRefs",
    "CrlIdentifier",
    "CrlValidatedID",
    "CRLListID",
    "OcspIdentifier",
    "OcspResponsesID",
    "OcspListID",
    "CrlOcspRef",
    "CompleteRevocationRefs",
    "CertificateValues",
    "RevocationValues",
    "other_hash",
]


class OtherHashAlgAndValue(core.Sequence):
    _fields: ClassVar[list] = [
        ("hash_algorithm", algos.DigestAlgorithm),
        ("hash_value", core.OctetString),
    ]


class OtherHash(core.Choice):
    _alternatives: ClassVar[list] = [
        ("sha1_hash", core.OctetString),
        ("other_hash", OtherHashAlgAndValue),
    ]


class OtherCertID(core.Sequence):
    _fields: ClassVar[list] = [
        ("other_cert_hash", OtherHash),
        ("issuer_serial", cms.IssuerSerial, {"optional": True}),
    ]


class CompleteCertificateRefs(core.SequenceOf):
    _child_spec = OtherCertID


class CrlIdentifier(core.Sequence):
    _fields: ClassVar[list] = [
        ("crlissuer", x509.Name),
        ("crl_issued_time", core.UTCTime),
        ("crl_number", core.Integer, {"optional": True}),
    ]


class CrlValidatedID(core.Sequence):
    _fields: ClassVar[list] = [
        ("crl_hash", OtherHash),
        ("crl_identifier", CrlIdentifier, {"optional": True}),
    ]


class _CrlValidatedIDs(core.SequenceOf):
    _child_spec = CrlValidatedID


class CRLListID(core.Sequence):
    _fields: ClassVar[list] = [("crls", _CrlValidatedIDs)]


class OcspIdentifier(core.Sequence):
    _fields: ClassVar[list] = [
        ("ocsp_responder_id", ocsp.ResponderId),
        ("produced_at", core.GeneralizedTime),
    ]


class OcspResponsesID(core.Sequence):
    _fields: ClassVar[list] = [
        ("ocsp_identifier", OcspIdentifier),
        ("ocsp_rep_hash", OtherHash, {"optional": True}),
    ]


class _OcspResponsesIDs(core.SequenceOf):
    _child_spec = OcspResponsesID


class OcspListID(core.Sequence):
    _fields: ClassVar[list] = [("ocsp_responses", _OcspResponsesIDs)]


class CrlOcspRef(core.Sequence):
    _fields: ClassVar[list] = [
        ("crlids", CRLListID, {"explicit": 0, "optional": True}),
        ("ocspids", OcspListID, {"explicit": 1, "optional": True}),
        ("other_rev", core.Any, {"explicit": 2, "optional": True}),
    ]


class CompleteRevocationRefs(core.SequenceOf):
    _child_spec = CrlOcspRef


class CertificateValues(core.SequenceOf):
    _child_spec = x509.Certificate


class _CertificateLists(core.SequenceOf):
    _child_spec = crl.CertificateList


class _BasicOCSPResponses(core.SequenceOf):
    _child_spec = ocsp.BasicOCSPResponse


class RevocationValues(core.Sequence):
    _fields: ClassVar[list] = [
        ("crl_vals", _CertificateLists, {"explicit": 0, "optional": True}),
        ("ocsp_vals", _BasicOCSPResponses, {"explicit": 1, "optional": True}),
        ("other_rev_vals", core.Any, {"explicit": 2, "optional": True}),
    ]


def other_hash(data: bytes, algorithm: str = "sha256") -> OtherHash:
    """``OtherHash`` with an explicit algorithm (never the bare SHA-1 form)."""
    import hashlib

    return OtherHash(
        name="other_hash",
        value={
            "hash_algorithm": {"algorithm": algorithm},
            "hash_value": hashlib.new(algorithm, data).digest(),
        },
    )


register_cms_attribute(
    "1.2.840.113549.1.9.16.2.21", "complete_certificate_references", CompleteCertificateRefs
)
register_cms_attribute("1.2.840.113549.1.9.16.2.22", "complete_revocation_references", CompleteRevocationRefs)
register_cms_attribute("1.2.840.113549.1.9.16.2.23", "certificate_values", CertificateValues)
register_cms_attribute("1.2.840.113549.1.9.16.2.24", "revocation_values", RevocationValues)
register_cms_attribute("1.2.840.113549.1.9.16.2.25", "cades_c_time_stamp", cms.ContentInfo)
register_cms_attribute("1.2.840.113549.1.9.16.2.26", "time_stamped_certs_crls_refs", cms.ContentInfo)
# asn1crypto builds an OID type's name → dotted map once, on first use; if anything used the type before
# this module was imported, that cached map lacks the names above, so add them to it.
if cms.CMSAttributeType._reverse_map is not None:
    for _dotted in (f"1.2.840.113549.1.9.16.2.{n}" for n in range(21, 27)):
        cms.CMSAttributeType._reverse_map[cms.CMSAttributeType._map[_dotted]] = _dotted
