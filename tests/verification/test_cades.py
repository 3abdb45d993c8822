"""CAdES: our own CMS building blocks, ``openssl cms -sign`` output, tampering, profiles P1–P4."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from asn1crypto import cms

from ebys_support.errors import InputError, UsageError
from ebys_support.verification import TOTAL_FAILED, TOTAL_PASSED, Verifier, verify
from tests.verification import _helpers as h

DATA = b"Belediye meclis karari, sayi 2025/17.\n" * 50


def _sub(report: Any) -> tuple[str, str | None]:
    sig = report.signatures[0]
    return sig.indication, sig.sub_indication


def _codes(report: Any) -> set[str]:
    return {c.code for s in report.all_signatures() for c in s.checks}


def test_openssl_detached_cades_passes(pki: Any, online: Verifier, tmp_path: Any) -> None:
    der = h.openssl_sign(pki, "rsa", DATA, tmp_path)
    report = online.verify(der, content=DATA)
    assert report.format == "CAdES-detached"
    assert report.indication == TOTAL_PASSED, report.to_json()
    sig = report.signatures[0]
    assert sig.profile == "P1" and sig.level == "BES"
    assert sig.signer is not None and sig.signer["name"]
    tckn = pki.signer("rsa").tckn
    assert sig.signer["national_id"] == tckn[:2] + "*******" + tckn[-2:]
    assert report.exit_code == 0


def test_openssl_attached_ec_offline_with_crl(pki: Any, offline: Verifier, tmp_path: Any) -> None:
    der = h.openssl_sign(pki, "ec", DATA, tmp_path, detached=False)
    report = offline.verify(der)
    assert report.format == "CAdES-attached"
    assert report.indication == TOTAL_PASSED, report.to_json()
    checks = {c.id: c for c in report.signatures[0].checks}
    assert checks["revocation"].params["source"] == "crl"


def test_openssl_without_cades_attribute_is_indeterminate(pki: Any, online: Verifier, tmp_path: Any) -> None:
    der = h.openssl_sign(pki, "rsa", DATA, tmp_path, cades=False)
    report = online.verify(der, content=DATA)
    assert _sub(report) == ("INDETERMINATE", "SIG_CONSTRAINTS_FAILURE")
    assert "verify.ess.missing" in _codes(report)


def test_no_signed_attributes(pki: Any, offline: Verifier, tmp_path: Any) -> None:
    der = h.openssl_sign(pki, "rsa", DATA, tmp_path, noattr=True)
    report = offline.verify(der, content=DATA)
    assert _sub(report) == ("INDETERMINATE", "SIG_CONSTRAINTS_FAILURE")
    assert "verify.attributes.missing" in _codes(report)
    bad = offline.verify(der, content=DATA + b"x")
    assert _sub(bad) == ("TOTAL_FAILED", "SIG_CRYPTO_FAILURE")


def test_detached_without_content(pki: Any, offline: Verifier, tmp_path: Any) -> None:
    der = h.openssl_sign(pki, "rsa", DATA, tmp_path)
    report = offline.verify(der)
    assert _sub(report) == ("INDETERMINATE", "SIGNED_DATA_NOT_FOUND")
    assert report.exit_code == 3


def test_tampered_content_fails_hash(pki: Any, offline: Verifier, tmp_path: Any) -> None:
    der = h.openssl_sign(pki, "rsa", DATA, tmp_path)
    tampered = bytearray(DATA)
    tampered[10] ^= 0x01
    report = offline.verify(der, content=bytes(tampered))
    assert _sub(report) == ("TOTAL_FAILED", "HASH_FAILURE")
    assert report.exit_code == 1


def test_tampered_attached_content(pki: Any, offline: Verifier, tmp_path: Any) -> None:
    der = bytearray(h.openssl_sign(pki, "rsa", DATA, tmp_path, detached=False))
    i = bytes(der).index(DATA[:40])
    der[i + 5] ^= 0x01
    report = offline.verify(bytes(der))
    assert _sub(report) == ("TOTAL_FAILED", "HASH_FAILURE")


def test_attached_content_differs_from_given(pki: Any, offline: Verifier, tmp_path: Any) -> None:
    der = h.openssl_sign(pki, "rsa", DATA, tmp_path, detached=False)
    report = offline.verify(der, content=b"other")
    assert _sub(report) == ("TOTAL_FAILED", "HASH_FAILURE")


def test_tampered_signed_attribute(pki: Any, offline: Verifier) -> None:
    when = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
    der = bytearray(h.cades(pki, "rsa", DATA, signing_time=when))
    i = bytes(der).index(b"250304050607Z")
    der[i + 1] = ord("6")  # 2025 -> 2026: still a valid time, no longer what was signed
    report = offline.verify(bytes(der), content=DATA)
    assert _sub(report) == ("TOTAL_FAILED", "SIG_CRYPTO_FAILURE")


def test_tampered_signature_value(pki: Any, offline: Verifier) -> None:
    si = h.signer_info(pki, "rsa", DATA)
    sig = bytearray(si["signature"].native)
    sig[7] ^= 0x40
    si["signature"] = bytes(sig)
    der = h.signed_data(pki, [si])
    report = offline.verify(der, content=DATA)
    assert _sub(report) == ("TOTAL_FAILED", "SIG_CRYPTO_FAILURE")


def test_swapped_certificate(pki: Any, offline: Verifier) -> None:
    si = h.signer_info(pki, "rsa", DATA)
    ec = pki.signer("ec")
    ci = cms.ContentInfo.load(h.signed_data(pki, [si], names=("ec",)))
    assert all(c.chosen.dump() != pki.signer("rsa").cert.dump() for c in ci["content"]["certificates"])
    report = offline.verify(ci.dump(), content=DATA)
    assert _sub(report) == ("INDETERMINATE", "NO_SIGNING_CERTIFICATE_FOUND")
    # The signing-certificate attribute names the rsa certificate: a certificate swapped in with the
    # sid rewritten to it fails the ESS binding and the signature value.
    si2 = h.signer_info(pki, "rsa", DATA)
    si2["sid"] = {
        "issuer_and_serial_number": {"issuer": ec.cert.issuer, "serial_number": ec.cert.serial_number}
    }
    report = offline.verify(h.signed_data(pki, [si2], names=("ec",)), content=DATA)
    assert report.indication == TOTAL_FAILED
    assert {"verify.signature.invalid", "verify.ess.mismatch"} <= _codes(report)


def test_sha1_certificate_reference_fails(pki: Any, offline: Verifier) -> None:
    der = h.cades(pki, "rsa", DATA, ess="sha1")
    report = offline.verify(der, content=DATA)
    assert _sub(report) == ("INDETERMINATE", "SIG_CONSTRAINTS_FAILURE")
    assert "verify.ess.sha1_reference" in _codes(report)


def test_content_type_mismatch_is_format_failure(pki: Any, offline: Verifier) -> None:
    si = h.signer_info(pki, "rsa", DATA, content_type="signed_data")
    report = offline.verify(h.signed_data(pki, [si]), content=DATA)
    assert _sub(report) == ("TOTAL_FAILED", "FORMAT_FAILURE")


def test_weak_digest(pki: Any, offline: Verifier, tmp_path: Any) -> None:
    import subprocess

    s = pki.signer("rsa")
    (tmp_path / "c.pem").write_bytes(s.cert_pem if isinstance(s.cert_pem, bytes) else s.cert_pem.read_bytes())
    (tmp_path / "k.pem").write_bytes(s.key_pem if isinstance(s.key_pem, bytes) else s.key_pem.read_bytes())
    (tmp_path / "d").write_bytes(DATA)
    subprocess.run(
        [
            "openssl",
            "cms",
            "-sign",
            "-binary",
            "-cades",
            "-md",
            "sha1",
            "-in",
            str(tmp_path / "d"),
            "-signer",
            str(tmp_path / "c.pem"),
            "-inkey",
            str(tmp_path / "k.pem"),
            "-outform",
            "DER",
            "-out",
            str(tmp_path / "o"),
        ],
        check=True,
        capture_output=True,
    )
    report = offline.verify(tmp_path / "o", content=tmp_path / "d")
    assert report.indication != TOTAL_PASSED
    assert "verify.algorithm.weak_digest" in _codes(report)


@pytest.mark.parametrize(
    ("name", "timestamped", "expected"),
    [
        ("untrusted", False, ("INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND")),
        ("nonqc", False, ("INDETERMINATE", "CHAIN_CONSTRAINTS_FAILURE")),
        ("enc_only", False, ("INDETERMINATE", "CHAIN_CONSTRAINTS_FAILURE")),
        ("revoked", False, ("INDETERMINATE", "REVOKED_NO_POE")),
        ("revoked", True, ("TOTAL_FAILED", "REVOKED")),
        ("expired", False, ("INDETERMINATE", "OUT_OF_BOUNDS_NO_POE")),
        ("expired", True, ("TOTAL_FAILED", "EXPIRED")),
        ("notyet", False, ("TOTAL_FAILED", "NOT_YET_VALID")),
    ],
)
def test_certificate_sub_indications(
    pki: Any, online: Verifier, name: str, timestamped: bool, expected: tuple[str, str]
) -> None:
    si = h.signer_info(pki, name, DATA)
    if timestamped:
        si = h.add_timestamp(pki, si)
    report = online.verify(h.signed_data(pki, [si], names=(name,)), content=DATA)
    assert _sub(report) == expected, report.to_json()


def test_revoked_after_timestamp_stays_valid(pki: Any, online: Verifier) -> None:
    # As of 2024-05-01 (before the revocation on 2024-06-01) the certificate was good.
    si = h.signer_info(pki, "revoked", DATA)
    report = online.verify(
        h.signed_data(pki, [si], names=("revoked",)), content=DATA, at=datetime(2024, 5, 1, tzinfo=UTC)
    )
    assert report.signatures[0].sub_indication != "REVOKED"


def test_try_later_without_revocation_data(pki: Any, offline_bare: Verifier) -> None:
    report = offline_bare.verify(h.cades(pki, "rsa", DATA), content=DATA)
    assert _sub(report) == ("INDETERMINATE", "TRY_LATER")
    assert "verify.revocation.no_data" in _codes(report)


def test_revocation_off_is_never_total_passed(pki: Any) -> None:
    """A revoked signer must not come out valid because the caller switched revocation checking off."""
    v = Verifier(trust=[pki.root], revocation="off")
    for name in ("rsa", "revoked"):
        report = v.verify(h.cades(pki, name, DATA), content=DATA)
        assert _sub(report) == ("INDETERMINATE", "TRY_LATER"), name
        assert "verify.revocation.off" in _codes(report)


def test_p2_with_timestamp_passes(pki: Any, online: Verifier) -> None:
    si = h.add_timestamp(pki, h.signer_info(pki, "ec384", DATA, policy=h.P2))
    report = online.verify(h.signed_data(pki, [si], names=("ec384",)), content=DATA)
    sig = report.signatures[0]
    assert report.indication == TOTAL_PASSED, report.to_json()
    assert sig.profile == "P2" and sig.level == "ES-T"
    assert sig.signing_time is not None and sig.signing_time["source"] == "timestamp"
    assert sig.timestamps and sig.timestamps[0]["valid"]


def test_p2_without_timestamp(pki: Any, online: Verifier) -> None:
    report = online.verify(h.cades(pki, "rsa", DATA, policy=h.P2), content=DATA)
    assert _sub(report) == ("INDETERMINATE", "SIG_CONSTRAINTS_FAILURE")
    assert "verify.profile.missing_attributes" in _codes(report)


def test_p3_within_grace_period_warns(pki: Any, online: Verifier) -> None:
    si = h.add_timestamp(pki, h.signer_info(pki, "rsa", DATA, policy=h.P3))
    report = online.verify(h.signed_data(pki, [si]), content=DATA)
    assert report.indication == TOTAL_PASSED, report.to_json()
    assert "verify.profile.in_grace_period" in _codes(report)


def test_timestamp_too_late(pki: Any, online: Verifier) -> None:
    late = datetime.now(UTC) - timedelta(hours=3)
    si = h.add_timestamp(pki, h.signer_info(pki, "rsa", DATA, policy=h.P2, signing_time=late))
    report = online.verify(h.signed_data(pki, [si]), content=DATA)
    assert _sub(report) == ("INDETERMINATE", "SIG_CONSTRAINTS_FAILURE")
    assert "verify.profile.timestamp_too_late" in _codes(report)


def test_tampered_timestamp_is_not_a_proof(pki: Any, online: Verifier) -> None:
    si = h.signer_info(pki, "rsa", DATA, policy=h.P2)
    token = h.timestamp_token(pki, b"something else")
    si = h.with_unsigned(si, [cms.CMSAttribute({"type": "signature_time_stamp_token", "values": [token]})])
    report = online.verify(h.signed_data(pki, [si]), content=DATA)
    assert "verify.timestamp.imprint_mismatch" in _codes(report)
    assert report.indication != TOTAL_PASSED


@pytest.mark.parametrize(("oid", "hash_ok"), [("1.2.3.4.5", True), (h.P2, False)])
def test_policy_processing_error(pki: Any, online: Verifier, oid: str, hash_ok: bool) -> None:
    attr = h.policy_attr(oid, h.POLICY_HASH if hash_ok else b"\x00" * 32)
    si = h.add_timestamp(pki, h.signer_info(pki, "rsa", DATA, extra_signed=[attr]))
    report = online.verify(h.signed_data(pki, [si]), content=DATA)
    assert _sub(report) == ("INDETERMINATE", "POLICY_PROCESSING_ERROR")


def _p4(pki: Any, name: str = "rsa", *, with_ocsp: bool = True) -> bytes:
    s = pki.signer(name)
    si = h.add_timestamp(pki, h.signer_info(pki, name, DATA, policy=h.P4))
    ocsps = [bytes(pki.fetch_ocsp(name))] if with_ocsp else []
    si = h.add_values(
        si,
        [s.cert, *s.chain],
        [bytes(pki.fetch_crl("root"))] + ([] if with_ocsp else [bytes(pki.fetch_crl("ca"))]),
        ocsps,
    )
    return h.signed_data(pki, [si], names=(name,))


def test_p4_offline_from_embedded_values(pki: Any, offline_bare: Verifier) -> None:
    report = offline_bare.verify(_p4(pki), content=DATA)
    sig = report.signatures[0]
    assert report.indication == TOTAL_PASSED, report.to_json()
    assert sig.profile == "P4" and sig.level == "ES-XL"
    checks = {c.id: c for c in sig.checks}
    assert checks["revocation"].params == {"source": "ocsp", "origin": "embedded"}


def test_p4_without_ocsp_breaks_profile(pki: Any, offline_bare: Verifier) -> None:
    report = offline_bare.verify(_p4(pki, with_ocsp=False), content=DATA)
    assert _sub(report) == ("INDETERMINATE", "SIG_CONSTRAINTS_FAILURE")
    assert "verify.profile.revocation_source" in _codes(report)


def test_p1_with_values_is_forbidden(pki: Any, offline: Verifier) -> None:
    si = h.add_values(h.signer_info(pki, "rsa", DATA), [pki.signer("rsa").cert], [], [])
    report = offline.verify(h.signed_data(pki, [si]), content=DATA)
    assert "verify.profile.forbidden_attributes" in _codes(report)


def test_parallel_signatures_each_reported(pki: Any, offline: Verifier) -> None:
    good = h.signer_info(pki, "rsa", DATA)
    bad = h.signer_info(pki, "ec", DATA + b"!")
    report = offline.verify(h.signed_data(pki, [good, bad], names=("rsa", "ec")), content=DATA)
    assert sorted(s.indication for s in report.signatures) == ["TOTAL_FAILED", "TOTAL_PASSED"]
    assert report.indication == TOTAL_FAILED


def test_countersignatures_nested(pki: Any, offline: Verifier) -> None:
    si = h.signer_info(pki, "rsa", DATA)
    cs = h.signer_info(pki, "ec", si["signature"].native, content_type=None)
    cs = h.counter_sign(pki, cs, "ec384")
    si = h.with_unsigned(si, [cms.CMSAttribute({"type": "counter_signature", "values": [cs]})])
    report = offline.verify(h.signed_data(pki, [si], names=("rsa", "ec", "ec384")), content=DATA)
    top = report.signatures[0]
    assert report.indication == TOTAL_PASSED, report.to_json()
    assert len(top.counter_signatures) == 1 and len(top.counter_signatures[0].counter_signatures) == 1
    assert top.counter_signatures[0].signer["name"] == pki.signer("ec").cert.subject.native["common_name"]
    data = report.to_dict()
    assert (
        data["signatures"][0]["counter_signatures"][0]["counter_signatures"][0]["indication"]
        == "TOTAL_PASSED"
    )


def test_bad_countersignature_fails_the_file(pki: Any, offline: Verifier) -> None:
    si = h.signer_info(pki, "rsa", DATA)
    cs = h.signer_info(pki, "ec", b"not the signature value", content_type=None)
    si = h.with_unsigned(si, [cms.CMSAttribute({"type": "counter_signature", "values": [cs]})])
    report = offline.verify(h.signed_data(pki, [si], names=("rsa", "ec")), content=DATA)
    assert report.signatures[0].indication == TOTAL_PASSED
    assert report.signatures[0].counter_signatures[0].sub_indication == "HASH_FAILURE"
    assert report.indication == TOTAL_FAILED


def test_show_national_id_and_pem_input(pki: Any, offline: Verifier, tmp_path: Any) -> None:
    import base64

    der = h.cades(pki, "rsa", DATA, attached=True)
    pem = b"-----BEGIN CMS-----\n" + base64.encodebytes(der) + b"-----END CMS-----\n"
    tckn = pki.signer("rsa").tckn
    report = offline.verify(pem, show_national_id=True)
    assert report.signatures[0].signer["national_id"] == tckn
    assert tckn in report.to_json()
    report = offline.verify(base64.b64encode(der))
    assert report.indication == TOTAL_PASSED
    # Masked everywhere unless asked, the certificate's subject included.
    assert tckn not in report.to_json() and tckn not in json.dumps(report.to_dict("tr"), ensure_ascii=False)
    assert report.signatures[0].certificate is not None
    assert tckn[:2] + "*******" + tckn[-2:] in report.signatures[0].certificate["subject"]


def test_errors(pki: Any, tmp_path: Any) -> None:
    with pytest.raises(InputError) as err:
        verify(b"hello, not a signature", revocation="off")
    assert err.value.code == "verify.unknown_format"
    with pytest.raises(InputError) as err:
        verify(b"\x30\x03\x02\x01\x01", revocation="off")
    assert err.value.code == "verify.not_signed"
    with pytest.raises(InputError) as err:
        verify(tmp_path / "missing.p7s", revocation="off")
    assert err.value.code == "input.not_found"
    with pytest.raises(UsageError) as uerr:
        verify(b"x", revocation="sometimes")
    assert uerr.value.code == "verify.bad_revocation_mode"
    with pytest.raises(UsageError) as uerr:
        Verifier(revocation="off").verify(h.cades(pki, "rsa", DATA), at=datetime(2025, 1, 1))
    assert uerr.value.code == "verify.naive_time"
    (tmp_path / "junk.crl").write_bytes(b"junk")
    with pytest.raises(InputError) as err:
        Verifier(revocation="offline", revocation_data=[tmp_path / "junk.crl"])
    assert err.value.code == "verify.revocation_data_unreadable"
    big = tmp_path / "big"
    big.write_bytes(b"0")
    import ebys_support.verification._engine as engine

    old = engine.MAX_FILE_SIZE
    engine.MAX_FILE_SIZE = 0
    try:
        with pytest.raises(InputError) as err:
            Verifier(revocation="off").verify(big)
        assert err.value.code == "verify.too_large"
    finally:
        engine.MAX_FILE_SIZE = old


def test_intermediate_fetched_from_aia(pki: Any) -> None:
    """The CMS holds only the signer's certificate: the NES CA comes from the caIssuers address."""
    si = h.signer_info(pki, "ec384", DATA)
    der = h.signed_data(pki, [si], content=DATA, names=("ec384",), chain=False)
    offline_only = Verifier(trust=[pki.root], revocation="offline")
    assert _sub(offline_only.verify(der)) == ("INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND")
    fresh = Verifier(trust=[pki.root], revocation="online", timeout=5)
    report = fresh.verify(der)
    assert report.indication == TOTAL_PASSED, report.to_json()


def _flip_signing_time(der: bytes) -> bytes:
    i = der.rindex(b"\x17\x0d")  # the UTCTime of the signing-time attribute (signer infos come last)
    data = bytearray(der)
    pos = i + 2 + 11  # a seconds digit
    data[pos] = ord("0") if data[pos] != ord("0") else ord("1")
    return bytes(data)


def _flip_signature_value(der: bytes) -> bytes:
    ci = cms.ContentInfo.load(der)
    sig = ci["content"]["signer_infos"][0]["signature"].native
    i = der.index(sig)
    data = bytearray(der)
    data[i + len(sig) // 2] ^= 0x01
    return bytes(data)


def _made_by(source: str, pki: Any, tmp_path: Any) -> bytes:
    if source == "openssl":
        return h.openssl_sign(pki, "rsa", DATA, tmp_path)
    if source == "pyhanko":
        from pyhanko.sign import signers

        s = pki.signer("rsa")
        signer = signers.SimpleSigner.load_pkcs12(str(s.p12), passphrase=s.p12_password.encode())
        assert signer is not None
        import asyncio

        ci = asyncio.run(signer.async_sign_general_data(DATA, "sha256", detached=True, use_cades=True))
        return bytes(ci.dump())
    from ebys_support.signing import PKCS12Signer
    from ebys_support.signing import cades as sign_cades

    s = pki.signer("rsa")
    return sign_cades.sign(DATA, PKCS12Signer(s.p12, s.p12_password), "P1", detached=True)


@pytest.mark.parametrize("source", ["openssl", "pyhanko", "ebys"])
def test_tampered_variants_of_each_source(pki: Any, offline: Verifier, tmp_path: Any, source: str) -> None:
    der = _made_by(source, pki, tmp_path)
    assert offline.verify(der, content=DATA).indication == TOTAL_PASSED
    flipped = bytearray(DATA)
    flipped[3] ^= 0x20
    assert _sub(offline.verify(der, content=bytes(flipped))) == ("TOTAL_FAILED", "HASH_FAILURE")
    assert _sub(offline.verify(_flip_signing_time(der), content=DATA)) == (
        "TOTAL_FAILED",
        "SIG_CRYPTO_FAILURE",
    )
    assert _sub(offline.verify(_flip_signature_value(der), content=DATA)) == (
        "TOTAL_FAILED",
        "SIG_CRYPTO_FAILURE",
    )
    # Another signer's certificate in place of the signer's.
    ci = cms.ContentInfo.load(der)
    other = pki.signer("ec").cert
    certs = [c for c in ci["content"]["certificates"] if c.chosen.dump() != pki.signer("rsa").cert.dump()]
    sd = ci["content"]
    sd["certificates"] = [*certs, cms.CertificateChoices({"certificate": other})]
    swapped = cms.ContentInfo({"content_type": "signed_data", "content": sd}).dump()
    assert _sub(offline.verify(swapped, content=DATA)) == ("INDETERMINATE", "NO_SIGNING_CERTIFICATE_FOUND")


def test_profile_data_matches_signing() -> None:
    """Verification reads signing's profiles.toml as data; it must agree with signing's loader."""
    from ebys_support.signing.profiles import load_profiles
    from ebys_support.verification.profiles import profiles

    for name, p in load_profiles().items():
        m = profiles()[name]
        assert (m.policy_oid, m.policy_uri, m.policy_hash, m.revocation) == (
            p.policy_oid,
            p.policy_uri,
            p.policy_hash,
            p.revocation,
        )
        assert m.grace_period_seconds == int(p.grace_period.total_seconds())
        assert m.timestamp_max_delay_seconds == int(p.timestamp_max_delay.total_seconds())
        assert (m.required_signed, m.forbidden_signed, m.required_unsigned, m.final_unsigned) == (
            p.required_signed,
            p.forbidden_signed,
            p.required_unsigned,
            p.final_unsigned,
        )


def test_timestamp_with_unchecked_tsa_is_not_a_proof(pki: Any, ca_crl: bytes) -> None:
    """Without revocation data for the TSA certificate the time-stamp proves no time."""
    si = h.add_timestamp(pki, h.signer_info(pki, "ec384", DATA, policy=h.P2))
    der = h.signed_data(pki, [si], names=("ec384",))
    verifier = Verifier(trust=[pki.root], revocation="offline", revocation_data=[ca_crl])
    report = verifier.verify(der, content=DATA)
    assert "verify.timestamp.tsa_revocation_unknown" in _codes(report)
    sig = report.signatures[0]
    assert sig.indication == "INDETERMINATE" and not sig.timestamps[0]["valid"]
    assert sig.signing_time is not None and sig.signing_time["source"] != "timestamp"
    # That answer is not cached: once the root's CRL (covering the TSA) is known, the same token proves.
    verifier.revocation.add_given(pki.fetch_crl("root"))
    report = verifier.verify(der, content=DATA)
    assert report.indication == TOTAL_PASSED, report.to_json()
    assert report.signatures[0].signing_time["source"] == "timestamp"
