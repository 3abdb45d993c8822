"""Self-tests of the generated test PKI (tests/fixtures/pki.py)."""

from __future__ import annotations

import asyncio
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from asn1crypto import cms, tsp, x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, pkcs12
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import RevokedError
from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend

from tests.fixtures.pki import TestPKI

NES_POLICY = "2.16.792.1.2.1.1.5.7.1.1"
QC_COMPLIANCE = "0.4.0.1862.1.1"
BTK_STATEMENT = "2.16.792.1.61.0.1.5070.1.1"


def _tckn_ok(value: str) -> bool:
    d = [int(c) for c in value]
    if len(d) != 11 or d[0] == 0:
        return False
    d10 = ((d[0] + d[2] + d[4] + d[6] + d[8]) * 7 - (d[1] + d[3] + d[5] + d[7])) % 10
    return d[9] == d10 and d[10] == sum(d[:10]) % 10


def _ext(cert: x509.Certificate, name: str) -> x509.Extension | None:
    for ext in cert["tbs_certificate"]["extensions"]:
        if ext["extn_id"].native == name:
            return ext
    return None


def test_nes_signer_profile(pki: TestPKI) -> None:
    tcknos = set()
    for name in ("rsa", "ec", "ec384", "revoked", "expired", "notyet", "nonqc", "enc_only", "untrusted"):
        signer = pki.signer(name)
        subject = signer.cert.subject.native
        assert subject["country_name"] == "TR"
        assert subject["serial_number"] == signer.tckn
        assert _tckn_ok(signer.tckn)
        tcknos.add(signer.tckn)
        assert subject["common_name"]
        ku = _ext(signer.cert, "key_usage")
        assert ku is not None and ku["critical"].native
        policies = {p["policy_identifier"].dotted for p in signer.cert.certificate_policies_value}
        assert NES_POLICY in policies
        qc = _ext(signer.cert, "qc_statements")
        if name in ("nonqc", "enc_only"):
            assert qc is None
        else:
            assert qc is not None
            ids = {s["statement_id"].dotted for s in qc["extn_value"].parsed}
            assert ids == {QC_COMPLIANCE, BTK_STATEMENT}
        if name == "enc_only":
            assert signer.cert.key_usage_value.native == {"key_encipherment"}
        else:
            assert "non_repudiation" in signer.cert.key_usage_value.native
    assert len(tcknos) == 9
    assert pki.signer("rsa").cert.public_key.algorithm == "rsa"
    assert pki.signer("rsa").cert.public_key.bit_size == 2048
    assert pki.signer("ec").cert.public_key.curve[1] == "secp256r1"
    assert pki.signer("ec384").cert.public_key.curve[1] == "secp384r1"


def test_hierarchy_and_urls(pki: TestPKI) -> None:
    rsa = pki.signer("rsa")
    assert rsa.chain == (pki.ca, pki.root)
    assert pki.root.subject.native["common_name"] == "Kamu SM Test Kök Sertifika Hizmet Sağlayıcısı"
    assert pki.ca.subject.native["common_name"] == "Kamu Elektronik Sertifika Hizmet Sağlayıcısı - Test"
    assert rsa.cert.ocsp_urls == [pki.ocsp_url]
    assert rsa.cert.crl_distribution_points[0]["distribution_point"].native == [pki.crl_url]
    assert pki.ocsp_url.startswith("http://localhost:")
    untrusted = pki.signer("untrusted")
    assert untrusted.chain == (pki.untrusted_root,)
    assert untrusted.cert.issuer != pki.ca.subject
    eku = _ext(pki.tsa_cert, "extended_key_usage")
    assert eku is not None and eku["critical"].native and eku["extn_value"].native == ["time_stamping"]
    now = datetime.now(UTC)
    exp = pki.signer("expired").cert["tbs_certificate"]["validity"]
    assert exp["not_after"].native < now
    nyt = pki.signer("notyet").cert["tbs_certificate"]["validity"]
    assert nyt["not_before"].native > now
    assert pki.trust_dir.joinpath("root.pem").read_bytes() == pki.root_pem.read_bytes()


def test_ocsp_good_and_revoked(pki: TestPKI) -> None:
    assert pki.ocsp_status("rsa") == "good"
    resp = pki.ocsp_response(pki.signer("revoked").cert)
    assert resp["response_status"].native == "successful"
    basic = resp["response_bytes"]["response"].parsed
    single = basic["tbs_response_data"]["responses"][0]
    assert single["cert_status"].name == "revoked"
    assert single["cert_status"].chosen["revocation_reason"].native == "key_compromise"
    assert basic["certs"][0].dump() == pki.ocsp_cert.dump()
    assert pki.ocsp_status("untrusted") == "unauthorized"


def test_crl_lists_revoked_and_is_current(pki: TestPKI) -> None:
    crl = pki.crl()
    now = datetime.now(UTC)
    tbs = crl["tbs_cert_list"]
    assert tbs["this_update"].native <= now < tbs["next_update"].native
    revoked = {r["user_certificate"].native for r in tbs["revoked_certificates"]}
    assert pki.signer("revoked").cert.serial_number in revoked
    assert pki.signer("rsa").cert.serial_number not in revoked
    assert crl.issuer == pki.ca.subject


def test_tsa_answers(pki: TestPKI) -> None:
    resp = pki.timestamp(b"hello")
    assert resp["status"]["status"].native == "granted"
    token = resp["time_stamp_token"]
    assert token["content_type"].native == "signed_data"
    signed: cms.SignedData = token["content"]
    tst_info: tsp.TSTInfo = signed["encap_content_info"]["content"].parsed
    assert tst_info["message_imprint"]["hash_algorithm"]["algorithm"].native == "sha256"
    certs = [c.chosen for c in signed["certificates"]]
    assert any(c.dump() == pki.tsa_cert.dump() for c in certs)


def test_unknown_signer(pki: TestPKI) -> None:
    with pytest.raises(KeyError):
        pki.signer("nobody")


def test_tsa_token_verifies_with_openssl(pki: TestPKI, tmp_path: Path) -> None:
    data = tmp_path / "data.txt"
    data.write_bytes(b"zaman damgasi")
    reply = tmp_path / "reply.tsr"
    reply.write_bytes(pki.timestamp(data.read_bytes()).dump())
    out = subprocess.run(
        ["openssl", "ts", "-verify", "-data", str(data), "-in", str(reply), "-CAfile", str(pki.root_pem)],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Verification: OK" in out.stdout


def test_pyhanko_validates_chain_with_fetching(pki: TestPKI) -> None:
    ctx = ValidationContext(
        trust_roots=[pki.root],
        allow_fetching=True,
        revocation_mode="require",
        fetcher_backend=RequestsFetcherBackend(),
    )
    good = CertificateValidator(pki.signer("rsa").cert, intermediate_certs=[pki.ca], validation_context=ctx)
    asyncio.run(good.async_validate_usage({"non_repudiation"}))
    revoked = CertificateValidator(
        pki.signer("revoked").cert, intermediate_certs=[pki.ca], validation_context=ctx
    )
    with pytest.raises(RevokedError):
        asyncio.run(revoked.async_validate_usage({"non_repudiation"}))


def test_past_moment_and_p12(pki: TestPKI) -> None:
    # before its revocation date the revoked signer was good
    before = datetime(2024, 3, 1, tzinfo=UTC)
    resp = pki.ocsp_response("revoked", at=before)
    single = resp["response_bytes"]["response"].parsed["tbs_response_data"]["responses"][0]
    assert single["cert_status"].name == "good"
    signer = pki.signer("ec")
    key, cert, extra = pkcs12.load_key_and_certificates(signer.p12.read_bytes(), signer.p12_password.encode())
    assert cert is not None and cert.public_bytes(Encoding.DER) == signer.cert.dump()
    assert [c.public_bytes(Encoding.DER) for c in extra] == [c.dump() for c in signer.chain]
    assert key is not None
    assert key.public_key().public_bytes(
        Encoding.DER, PublicFormat.SubjectPublicKeyInfo
    ) == signer.private_key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
