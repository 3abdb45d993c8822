"""CAdES P1–P4: checked with ``openssl cms -verify`` and, attribute by attribute, with asn1crypto."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from asn1crypto import cms
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.x509 import load_der_x509_certificate

from ebys_support.errors import UsageError
from ebys_support.signing import (
    CertificateRevoked,
    ContentMismatch,
    ContentRequired,
    GracePeriodNotOver,
    NotASignature,
    RevocationUnavailable,
    TimestampOutOfWindow,
    TSAUnavailable,
    UnsupportedProfile,
    add_parallel,
    cades,
    countersign,
    get_profile,
    upgrade,
)
from ebys_support.signing.profiles import PROFILE_NAMES
from ebys_support.signing.tsa import token_time
from tests.signing.conftest import attr_names, attr_value, signer_infos

CONTENT = "Sayın İlgili, ekteki yazı bilginize sunulur. Çğıöşü".encode()
XL = {
    "complete_certificate_references",
    "complete_revocation_references",
    "certificate_values",
    "revocation_values",
}


@pytest.fixture(scope="module")
def signed(pki: Any, p12: Any) -> dict[tuple[str, bool], bytes]:
    """One attached and one detached signature per profile (signer rsa), made once for the module."""
    out = {}
    for prof in PROFILE_NAMES:
        tsa = pki.tsa_url if prof != "P1" else None
        s = cades.CAdESSigner(p12("rsa"), prof, tsa=tsa, trust=[pki.root])
        out[(prof, False)] = s.sign(CONTENT)
        out[(prof, True)] = s.sign(CONTENT, detached=True)
    return out


@pytest.mark.parametrize("profile", PROFILE_NAMES)
@pytest.mark.parametrize("detached", [False, True], ids=["imz", "p7s"])
def test_openssl_verifies(signed: Any, openssl_verify: Any, profile: str, detached: bool) -> None:
    sig = signed[(profile, detached)]
    res = openssl_verify(sig, CONTENT if detached else None)
    assert res.returncode == 0, res.stderr
    info = cms.ContentInfo.load(sig)
    embedded = info["content"]["encap_content_info"]["content"].native
    assert embedded == (None if detached else CONTENT)


@pytest.mark.parametrize("profile", PROFILE_NAMES)
def test_exactly_the_profile_attributes(signed: Any, pki: Any, profile: str) -> None:
    prof = get_profile(profile)
    (si,) = signer_infos(signed[(profile, False)])
    assert attr_names(si) == set(prof.required_signed)
    assert not attr_names(si) & prof.forbidden_signed
    unsigned = attr_names(si, signed=False)
    assert unsigned == set(prof.required_unsigned)
    assert not unsigned & prof.forbidden_unsigned
    # signing-certificate-v2 never with SHA-1, and it names our certificate.
    scv2 = attr_value(si, "signing_certificate_v2")["certs"][0]
    assert scv2["hash_algorithm"]["algorithm"].native == "sha256"
    cert = pki.signer("rsa").cert
    assert scv2["cert_hash"].native == hashlib.sha256(cert.dump()).digest()
    assert attr_value(si, "message_digest").native == hashlib.sha256(CONTENT).digest()


@pytest.mark.parametrize("profile", ["P2", "P3", "P4"])
def test_policy_identifier(signed: Any, profile: str) -> None:
    prof = get_profile(profile)
    (si,) = signer_infos(signed[(profile, True)])
    pid = attr_value(si, "signature_policy_identifier").chosen
    assert pid["sig_policy_id"].dotted == prof.policy_oid
    assert pid["sig_policy_hash"]["digest_algorithm"]["algorithm"].native == "sha256"
    assert pid["sig_policy_hash"]["digest"].native.hex() == (
        "ff39bd29463383f69b2052ac47439e06ce7c3b8646e888b6e5ae3e46ba08117a"
    )
    (qual,) = pid["sig_policy_qualifiers"]
    assert qual["sig_policy_qualifier_id"].native == "sp_uri"
    assert qual["sig_qualifier"].native == prof.policy_uri


def test_timestamp_covers_the_signature_and_is_in_time(signed: Any) -> None:
    (si,) = signer_infos(signed[("P2", False)])
    token = attr_value(si, "signature_time_stamp_token", signed=False)
    tst = token["content"]["encap_content_info"]["content"].parsed
    assert tst["message_imprint"]["hashed_message"].native == hashlib.sha256(si["signature"].native).digest()
    signing_time = attr_value(si, "signing_time").native
    assert timedelta(0) <= token_time(token) - signing_time <= get_profile("P2").timestamp_max_delay


def test_p4_es_xl_content(signed: Any, pki: Any) -> None:
    sig = signed[("P4", False)]
    (si,) = signer_infos(sig)
    cert_refs = attr_value(si, "complete_certificate_references", signed=False)
    rev_refs = attr_value(si, "complete_revocation_references", signed=False)
    cert_vals = attr_value(si, "certificate_values", signed=False)
    rev_vals = attr_value(si, "revocation_values", signed=False)
    # The CA chain (NES CA, root) is referenced and embedded; refs hash with SHA-256.
    assert [c.subject for c in cert_vals] == [pki.ca.subject, pki.root.subject]
    assert len(cert_refs) == 2
    for ref in cert_refs:
        assert ref["other_cert_hash"].name == "other_hash"
        assert ref["other_cert_hash"].chosen["hash_algorithm"]["algorithm"].native == "sha256"
    # OCSP taken at signing for the signer, one revocation ref per non-root certificate.
    assert len(rev_refs) == 2
    assert rev_refs[0]["ocspids"].native is not None
    ocsps = rev_vals["ocsp_vals"]
    assert len(ocsps) >= 1
    ocsp_hash = rev_refs[0]["ocspids"]["ocsp_responses"][0]["ocsp_rep_hash"].chosen["hash_value"].native
    assert ocsp_hash == hashlib.sha256(ocsps[0].dump()).digest()
    # CMS certificates carry the chain, CMS crls the revocation data.
    sd = cms.ContentInfo.load(sig)["content"]
    assert {c.chosen.subject.dump() for c in sd["certificates"]} >= {
        pki.ca.subject.dump(),
        pki.root.subject.dump(),
    }
    assert len(sd["crls"]) >= 1


def test_batch_signs_many_with_one_signer(pki: Any, p12: Any, openssl_verify: Any) -> None:
    s = cades.CAdESSigner(p12("ec"), "P1")
    sigs = [s.sign(f"belge {i}".encode()) for i in range(5)]
    assert len(set(sigs)) == 5
    for sig in sigs[:2]:
        assert openssl_verify(sig).returncode == 0


@pytest.mark.parametrize("name", ["ec", "ec384"])
def test_ec_keys(p12: Any, openssl_verify: Any, name: str) -> None:
    sig = cades.sign(CONTENT, p12(name), "P1")
    assert openssl_verify(sig).returncode == 0
    (si,) = signer_infos(sig)
    expected = "sha384_ecdsa" if name == "ec384" else "sha256_ecdsa"
    assert si["signature_algorithm"]["algorithm"].native == expected


def test_rsa_pss(p12: Any, openssl_verify: Any) -> None:
    sig = cades.sign(CONTENT, p12("rsa", pss=True), "P1")
    res = openssl_verify(sig)
    assert res.returncode == 0, res.stderr
    (si,) = signer_infos(sig)
    assert si["signature_algorithm"]["algorithm"].native == "rsassa_pss"


# -- serial and parallel --------------------------------------------------------------------------


def _verify_counter(counter: cms.SignerInfo, target: cms.SignerInfo, cert: Any) -> None:
    """Check a countersignature with pyca/cryptography: digest of the target signature, key signature."""
    assert "content_type" not in attr_names(counter)
    md = attr_value(counter, "message_digest").native
    assert md == hashlib.sha256(target["signature"].native).digest()
    signed_attrs = counter["signed_attrs"].untag().dump()
    key = load_der_x509_certificate(cert.dump()).public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(counter["signature"].native, signed_attrs, ec.ECDSA(hashes.SHA256()))
    else:
        key.verify(counter["signature"].native, signed_attrs, padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr,call-arg]


def test_countersignature(signed: Any, pki: Any, p12: Any, openssl_verify: Any) -> None:
    original = signed[("P2", False)]
    result = countersign(original, p12("ec"), "P2", tsa=pki.tsa_url)
    res = openssl_verify(result)
    assert res.returncode == 0, res.stderr
    (si,) = signer_infos(result)
    counter = attr_value(si, "counter_signature", signed=False)
    assert counter["signed_attrs"] is not None
    _verify_counter(counter, si, pki.signer("ec").cert)
    assert "signature_policy_identifier" in attr_names(counter)
    assert "signature_time_stamp_token" in attr_names(counter, signed=False)
    # The original signer's signed part is untouched.
    assert si["signed_attrs"].dump() == signer_infos(original)[0]["signed_attrs"].dump()
    # A second countersigner adds a second value to the same attribute.
    again = countersign(result, p12("ec384"), "P1")
    (si2,) = signer_infos(again)
    values = [a for a in si2["unsigned_attrs"] if a["type"].native == "counter_signature"][0]["values"]
    assert len(values) == 2
    assert openssl_verify(again).returncode == 0


def test_parallel_signature(signed: Any, pki: Any, p12: Any, openssl_verify: Any) -> None:
    result = add_parallel(signed[("P1", False)], p12("ec384"), "P1")
    infos = signer_infos(result)
    assert len(infos) == 2
    res = openssl_verify(result)
    assert res.returncode == 0, res.stderr
    algos = {d["algorithm"].native for d in cms.ContentInfo.load(result)["content"]["digest_algorithms"]}
    assert algos == {"sha256", "sha384"}
    detached = add_parallel(signed[("P2", True)], p12("ec"), "P2", content=CONTENT, tsa=pki.tsa_url)
    assert len(signer_infos(detached)) == 2
    assert openssl_verify(detached, CONTENT).returncode == 0


def test_parallel_needs_content_for_detached(signed: Any, p12: Any) -> None:
    with pytest.raises(ContentRequired) as exc:
        add_parallel(signed[("P1", True)], p12("ec"), "P1")
    assert exc.value.code == "signing.content_required"


def test_parallel_refuses_other_content(signed: Any, p12: Any) -> None:
    with pytest.raises(ContentMismatch) as exc:
        add_parallel(signed[("P1", True)], p12("ec"), "P1", content=b"another text")
    assert exc.value.code == "signing.content_mismatch"


def test_not_a_signature(p12: Any) -> None:
    with pytest.raises(NotASignature) as exc:
        countersign(b"%PDF-1.7 not cms", p12("ec"), "P1")
    assert exc.value.code == "signing.not_a_signature"


# -- upgrade ---------------------------------------------------------------------------------------


def test_upgrade_p3_refused_inside_grace_period(signed: Any) -> None:
    with pytest.raises(GracePeriodNotOver) as exc:
        upgrade(signed[("P3", False)], "P4")
    assert exc.value.code == "signing.grace_period_not_over"
    assert "until" in exc.value.details


def test_upgrade_p3_after_grace_period(signed: Any, pki: Any, openssl_verify: Any) -> None:
    original = signed[("P3", False)]
    (si0,) = signer_infos(original)
    later = token_time(attr_value(si0, "signature_time_stamp_token", signed=False)) + timedelta(
        hours=24, minutes=1
    )
    result = upgrade(original, "P4", trust=[pki.root], now=later)
    (si,) = signer_infos(result)
    prof = get_profile("P3")
    assert attr_names(si, signed=False) == set(prof.final_unsigned)
    assert XL <= attr_names(si, signed=False)
    assert si["signed_attrs"].dump() == si0["signed_attrs"].dump()
    # P3 relies on CRLs.
    rev_vals = attr_value(si, "revocation_values", signed=False)
    assert rev_vals["crl_vals"].native
    assert openssl_verify(result).returncode == 0
    # Upgrading again changes nothing.
    assert upgrade(result, "P4", trust=[pki.root], now=later) == result


def test_upgrade_refuses_other_targets_and_profiles(signed: Any) -> None:
    with pytest.raises(UnsupportedProfile):
        upgrade(signed[("P3", False)], "P5")
    with pytest.raises(UnsupportedProfile) as exc:
        upgrade(signed[("P1", False)], "P4", now=datetime.now(UTC) + timedelta(days=2))
    assert exc.value.code == "signing.unsupported_profile"
    # The Rehber forbids ES-XL data in P2 signatures.
    with pytest.raises(UnsupportedProfile):
        upgrade(signed[("P2", False)], "P4", now=datetime.now(UTC) + timedelta(days=2))


# -- error paths -----------------------------------------------------------------------------------


def test_profile_needs_tsa(p12: Any) -> None:
    with pytest.raises(UsageError) as exc:
        cades.CAdESSigner(p12("rsa"), "P2")
    assert exc.value.code == "signing.tsa_required"


def test_tsa_unavailable(p12: Any, dead_url: str) -> None:
    with pytest.raises(TSAUnavailable) as exc:
        cades.sign(CONTENT, p12("rsa"), "P2", tsa=dead_url)
    assert exc.value.code == "signing.tsa_unavailable"
    assert exc.value.details["url"] == dead_url


def test_revocation_unavailable(pki: Any, p12: Any) -> None:
    # `untrusted` has no OCSP responder, and P4 needs OCSP at signing.
    with pytest.raises(RevocationUnavailable) as exc:
        cades.sign(CONTENT, p12("untrusted"), "P4", tsa=pki.tsa_url, trust=[pki.untrusted_root])
    assert exc.value.code == "signing.revocation_unavailable"


def test_revoked_certificate_refused_at_signing(pki: Any, p12: Any) -> None:
    with pytest.raises(CertificateRevoked) as exc:
        cades.sign(CONTENT, p12("revoked"), "P4", tsa=pki.tsa_url, trust=[pki.root])
    assert exc.value.code == "signing.certificate_revoked"


def test_unknown_profile(p12: Any) -> None:
    with pytest.raises(UnsupportedProfile):
        cades.sign(CONTENT, p12("rsa"), "P7")


def test_timestamp_outside_the_window(pki: Any, p12: Any) -> None:
    # A signing time three hours before the time-stamp: the local clock is wrong (Rehber: at most 2 h).
    with pytest.raises(TimestampOutOfWindow) as exc:
        cades.sign(
            CONTENT, p12("rsa"), "P2", tsa=pki.tsa_url, signing_time=datetime.now(UTC) - timedelta(hours=3)
        )
    assert exc.value.code == "signing.timestamp_out_of_window"
    assert exc.value.details["limit"] == 7200


# -- review: chain and CRLs only where the profile allows validation data; explained refusals ----------


@pytest.mark.parametrize("profile", PROFILE_NAMES)
def test_cms_certificates_and_crls_follow_the_profile(signed: Any, pki: Any, profile: str) -> None:
    # DOMAIN §5: "CMS certificates + crls" are forbidden in P1/P2 (the signer's certificate only) and
    # required in the final P3/P4 forms.
    sd = cms.ContentInfo.load(signed[(profile, False)])["content"]
    subjects = [c.chosen.subject for c in sd["certificates"]]
    if profile in ("P1", "P2"):
        assert subjects == [pki.signer("rsa").cert.subject]
        assert not sd["crls"]
    else:
        assert pki.ca.subject in subjects
    if profile == "P4":
        assert len(sd["crls"]) >= 1


def test_p2_countersignature_and_parallel_add_no_chain(signed: Any, pki: Any, p12: Any) -> None:
    result = countersign(signed[("P1", False)], p12("ec"), "P1")
    result = add_parallel(result, p12("ec384"), "P2", tsa=pki.tsa_url)
    sd = cms.ContentInfo.load(result)["content"]
    subjects = {c.chosen.subject.dump() for c in sd["certificates"]}
    assert subjects == {pki.signer(n).cert.subject.dump() for n in ("rsa", "ec", "ec384")}
    assert not sd["crls"]


def test_upgrade_refusals_explain_why(signed: Any) -> None:
    later = datetime.now(UTC) + timedelta(days=2)
    with pytest.raises(UnsupportedProfile) as exc:
        upgrade(signed[("P2", False)], "P4", now=later)
    assert exc.value.code == "signing.unsupported_profile"
    assert exc.value.details["reason"] == "upgrade_p2"
    assert "forbids certificate and revocation references and values in P2" in exc.value.localized("en")
    assert "Rehber P2'de sertifika ve iptal bilgisi" in exc.value.localized("tr")
    with pytest.raises(UnsupportedProfile) as exc:
        upgrade(signed[("P1", False)], "P4", now=later)
    assert "P1 (BES)" in exc.value.localized("en")
    with pytest.raises(UnsupportedProfile) as exc:
        upgrade(signed[("P3", False)], "P3")
    assert exc.value.details["reason"] == "upgrade_target"
    assert "--to P4" in exc.value.localized("tr")
    # The generic message for an unknown profile name.
    with pytest.raises(UnsupportedProfile) as exc:
        get_profile("P9")
    assert exc.value.localized("en") == "Unknown or unsupported profile P9: use P1, P2, P3 or P4."


def test_p3_without_timestamp_cannot_be_upgraded(pki: Any, p12: Any) -> None:
    # A P3 SignerInfo stripped of its time-stamp (ES-EPES): ES-XL has nothing to build on.
    sig = cades.sign(CONTENT, p12("rsa"), "P3", tsa=pki.tsa_url)
    info = cms.ContentInfo.load(sig)
    (si,) = signer_infos(sig)
    bare = cms.SignerInfo({k: si[k] for k in si if k != "unsigned_attrs"})
    sd = info["content"]
    stripped = cms.ContentInfo(
        {
            "content_type": "signed_data",
            "content": {
                "version": sd["version"],
                "digest_algorithms": sd["digest_algorithms"],
                "encap_content_info": sd["encap_content_info"],
                "certificates": sd["certificates"],
                "signer_infos": [bare],
            },
        }
    ).dump()
    with pytest.raises(UnsupportedProfile) as exc:
        upgrade(stripped, "P4", now=datetime.now(UTC) + timedelta(days=2))
    assert exc.value.details["reason"] == "no_timestamp"
    assert "time-stamp" in exc.value.localized("en")


def test_parallel_content_checked_before_signing(signed: Any) -> None:
    info = cades.load_signature(signed[("P1", True)])
    with pytest.raises(ContentRequired):
        cades.signed_content(info)
    with pytest.raises(ContentMismatch):
        cades.signed_content(info, b"other")
    assert cades.signed_content(info, CONTENT) == CONTENT
