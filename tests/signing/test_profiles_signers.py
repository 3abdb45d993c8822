"""Profile data, configurable values, PKCS#12 signer errors, key rules, output names and atomic writes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import x509
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from ebys_support.errors import InputError, UsageError
from ebys_support.signing import (
    NoSigningCertificate,
    OutputIsInput,
    PKCS12Signer,
    UnsupportedKey,
    UnsupportedProfile,
    cades,
    get_profile,
    load_profiles,
)
from ebys_support.signing.batch import BatchOptions, FileSigner, output_path
from tests.signing.conftest import attr_value, signer_infos


def test_profile_table() -> None:
    p1, p2, p3, p4 = (get_profile(n) for n in ("P1", "P2", "P3", "P4"))
    assert p1.policy_oid is None and "signature_policy_identifier" in p1.forbidden_signed
    assert p2.policy_oid == "2.16.792.1.61.0.1.5070.3.1.1" and p2.revocation == "crl"
    assert p3.policy_oid == "2.16.792.1.61.0.1.5070.3.2.1" and p3.upgradable and p3.upgrade_requires_grace
    assert (
        p4.policy_oid == "2.16.792.1.61.0.1.5070.3.3.1"
        and p4.revocation == "ocsp"
        and p4.needs_validation_data
    )
    assert p4.policy_uri == "http://www.eimza.gov.tr/EimzaPolitikalari/216792161015070331.pdf"
    for p in (p1, p2, p3, p4):
        assert {"cades_c_time_stamp", "time_stamped_certs_crls_refs"} <= p.forbidden_unsigned
        assert p.timestamp_max_delay == dt.timedelta(hours=2)
    assert get_profile("p2") is p2


def test_configured_values(pki: Any, p12: Any) -> None:
    other = bytes(range(32))
    profiles = load_profiles(
        policy_hash=other,
        policy_uri_template="https://example.invalid/{oid}",
        timestamp_max_delay=dt.timedelta(minutes=10),
        grace_period=dt.timedelta(hours=1),
    )
    p2 = profiles["P2"]
    assert p2.policy_hash == other and p2.grace_period == dt.timedelta(hours=1)
    assert p2.policy_uri == "https://example.invalid/2.16.792.1.61.0.1.5070.3.1.1"
    assert profiles["P1"].grace_period == dt.timedelta(0)
    sig = cades.sign(b"x", p12("rsa"), p2, tsa=pki.tsa_url)
    pid = attr_value(signer_infos(sig)[0], "signature_policy_identifier").chosen
    assert pid["sig_policy_hash"]["digest"].native == other
    with pytest.raises(UnsupportedProfile):
        load_profiles(policy_hash=b"short")
    with pytest.raises(UnsupportedProfile) as exc:
        get_profile("P9")
    assert exc.value.code == "signing.unsupported_profile"


def test_pkcs12_errors(pki: Any, tmp_path: Path) -> None:
    s = pki.signer("rsa")
    with pytest.raises(InputError) as exc:
        PKCS12Signer(s.p12, "yanlış")
    assert exc.value.code == "signing.pkcs12_unreadable"
    with pytest.raises(InputError):
        PKCS12Signer(tmp_path / "yok.p12", "x")
    enc = pki.signer("enc_only")
    with pytest.raises(NoSigningCertificate):
        PKCS12Signer(enc.p12, enc.p12_password)


def _self_signed_p12(bits: int) -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    name = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "kısa anahtar")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        cx509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return pkcs12.serialize_key_and_certificates(b"k", key, cert, None, serialization.NoEncryption())


def test_weak_rsa_key_refused() -> None:
    with pytest.raises(UnsupportedKey) as exc:
        PKCS12Signer(_self_signed_p12(1024), None)
    assert exc.value.code == "signing.unsupported_key"
    assert "1024" in exc.value.details["key"]


def test_output_names_and_input_protection(pki: Any, p12: Any, tmp_path: Path) -> None:
    assert output_path("a/yazi.pdf", "pades", "o") == Path("o/yazi.pdf")
    assert output_path("a/yazi.pdf", "cades", "o") == Path("o/yazi.pdf.imz")
    assert output_path("a/yazi.pdf", "cades", "o", detached=True) == Path("o/yazi.pdf.p7s")
    assert output_path("a/rapor.xml", "xades", "o") == Path("o/rapor.xml.xades.xml")
    assert output_path("a/arsiv.tar.gz", "cades", "o") == Path("o/arsiv.tar.gz.imz")
    assert output_path("a/README", "xades", "o") == Path("o/README.xades.xml")
    with pytest.raises(UsageError) as exc:
        output_path("a.txt", "cms", "o")
    assert exc.value.code == "signing.unsupported_format"
    src = tmp_path / "yazi.pdf"
    src.write_bytes(b"%PDF-1.7")
    batch = FileSigner(p12("rsa"), BatchOptions(fmt="pades"), tmp_path)
    with pytest.raises(OutputIsInput) as exc2:
        batch.sign(src)
    assert exc2.value.code == "signing.output_is_input"
    # Another input of the batch is protected too.
    other = tmp_path / "b" / "yazi.pdf.imz"
    other.parent.mkdir()
    other.write_bytes(b"keep")
    batch2 = FileSigner(p12("rsa"), BatchOptions(fmt="cades"), other.parent, inputs=[src, other])
    with pytest.raises(OutputIsInput):
        batch2.sign(src)
    assert other.read_bytes() == b"keep"


def test_certificate_helpers(pki: Any) -> None:
    from ebys_support.signing.revocation import build_chain
    from ebys_support.signing.signers import can_sign

    cert: x509.Certificate = pki.signer("rsa").cert
    assert [c.subject for c in build_chain(cert, [pki.root, pki.ca])] == [
        cert.subject,
        pki.ca.subject,
        pki.root.subject,
    ]
    assert can_sign(cert, require_non_repudiation=True)
    assert not can_sign(pki.signer("enc_only").cert)
