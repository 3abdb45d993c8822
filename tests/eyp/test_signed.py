"""Packages signed for real with the test PKI (``openssl cms -sign -nodetach``), valid and tampered."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ebys_support.eyp import EypReport, check
from ebys_support.i18n import turkish

# Imported at collection time on purpose: ebys_support.signing registers CAdES attribute names with
# asn1crypto when imported, and that fails once asn1crypto has cached its name map (after a verification).
from ebys_support.signing import cades
from ebys_support.signing.signers import PKCS12Signer
from tests.eyp._pkg import Pkg, openssl_sign

_PAKET = "PaketOzeti/PaketOzeti.xml"
_NIHAI = "NihaiOzet/NihaiOzet.xml"


@pytest.fixture(scope="module")
def signing_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("eyp-sign")


@pytest.fixture(scope="module")
def signed_v2(pki: Any, signing_dir: Path) -> Pkg:
    return Pkg.sample("paketv2x.eyp").sign(pki.signer("rsa"), seal=pki.signer("ec"), tmp=signing_dir)


@pytest.fixture(scope="module")
def signed_v1(pki: Any, signing_dir: Path) -> Pkg:
    return Pkg.sample("paketv1x.eyp").sign(pki.signer("ec384"), tmp=signing_dir)


def _run(pkg: Pkg, pki: Any, **kwargs: Any) -> EypReport:
    return check(pkg.build(), trust=(pki.root,), **kwargs)


def test_signed_v2_is_bound_and_structurally_sound(signed_v2: Pkg, pki: Any) -> None:
    report = _run(signed_v2, pki)
    assert report.structure == "sound"
    assert "eyp.cms_not_signed_data" not in report.codes()
    assert "eyp.cms_content_mismatch" not in report.codes()
    for sig in (report.signature, report.paraf, report.seal):
        assert sig is not None
        assert sig.content_bound is True
        assert sig.level_found == "BES"
        # Offline (the default) and no revocation data in the CMS: not provably valid, nor invalid.
        assert sig.status == "indeterminate"
        assert sig.verification is not None
    assert report.signature is not None and report.signature.level_required == "XL"
    assert report.seal is not None and report.seal.level_required == "A"
    assert pki.signer("rsa").cert.subject.native["common_name"] in report.signature.signers
    # openssl writes CAdES-BES; 2.x asks for X Long (e-imza) and A (mühür): reported, not fatal.
    low = [f for f in report.findings if f.code == "eyp.cms_level_low"]
    assert {f.details["role"] for f in low} == {"signature", "paraf", "seal"}
    assert all(f.severity == "major" for f in low)
    indeterminate = [f for f in report.findings if f.code == "eyp.cms_indeterminate"]
    assert {f.details["reason"] for f in indeterminate} == {"verify.revocation.no_data"}
    assert report.verdict == "accepted" and not report.signed


def test_signed_v2_verified_online(signed_v2: Pkg, pki: Any) -> None:
    report = _run(signed_v2, pki, revocation="online")
    assert [s.status for s in (report.signature, report.paraf, report.seal) if s] == ["valid"] * 3
    assert report.signed
    assert not any(f.code.startswith("eyp.cms_") and f.code != "eyp.cms_level_low" for f in report.findings)
    data = report.to_dict("tr")
    assert data["signature"]["verification"]["indication"] == "TOTAL_PASSED"


def test_signature_value_changed(signed_v2: Pkg, pki: Any, signing_dir: Path) -> None:
    """A byte of the signature value is flipped (the CMS still parses and still carries PaketOzeti)."""
    der = bytearray(signed_v2.get("Imzalar/ImzaCades.imz"))
    der[-3] ^= 0x01
    broken = signed_v2.copy().set("Imzalar/ImzaCades.imz", bytes(der)).redigest(_NIHAI)
    broken.set("Muhur/MuhurCades.imz", openssl_sign(broken.get(_NIHAI), pki.signer("ec"), signing_dir))
    report = _run(broken, pki, revocation="online")
    invalid = [f for f in report.findings if f.code == "eyp.cms_invalid"]
    assert [(f.details["role"], f.rule, f.severity) for f in invalid] == [("signature", "K.81", "critical")]
    assert report.signature is not None and report.signature.status == "invalid"
    assert report.signature.content_bound is True
    assert report.seal is not None and report.seal.status == "valid"
    assert report.verdict == "rejected" and report.structure == "sound"


def test_revoked_signer(pki: Any, signing_dir: Path) -> None:
    """Signed after revocation, with no time-stamp to prove otherwise: never valid (ETSI REVOKED_NO_POE)."""
    pkg = Pkg.sample("paketv1x.eyp").sign(pki.signer("revoked"), seal=pki.signer("ec"), tmp=signing_dir)
    report = _run(pkg, pki, revocation="online")
    assert report.signature is not None and report.signature.status == "indeterminate"
    finding = next(f for f in report.findings if f.code == "eyp.cms_indeterminate")
    assert finding.details == {"role": "signature", "reason": "verify.revocation.revoked_no_poe"}
    assert report.seal is not None and report.seal.status == "valid"
    assert not report.signed


def test_structure_only_check_says_so(signed_v2: Pkg, pki: Any) -> None:
    report = _run(signed_v2, pki, verify_signatures=False)
    assert report.signature is not None and report.signature.status == "not_verified"
    assert report.signature.verification is None and report.signature.content_bound is True
    finding = next(f for f in report.findings if f.code == "eyp.cms_not_verified")
    assert finding.severity == "major"
    assert "not performed" in finding.message("en")
    assert "doğrulama yapılmadı" in finding.message("tr")
    assert not report.signed  # never called valid without verification


def test_nihai_ustveri_date_against_the_last_signature(signed_v2: Pkg, pki: Any, signing_dir: Path) -> None:
    stale = _run(signed_v2, pki)  # the sample says 2021; it was signed now
    finding = next(f for f in stale.findings if f.code == "eyp.last_signature_time")
    assert (finding.severity, finding.rule, finding.part) == (
        "warning",
        "K.85",
        "/NihaiUstveri/NihaiUstveri.xml",
    )
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.1234567Z")
    fresh = Pkg.sample("paketv2x.eyp").replace(
        "NihaiUstveri/NihaiUstveri.xml", "<tipler:Tarih>2021-02-15T09:39:32.1367712Z", f"<tipler:Tarih>{now}"
    )
    report = _run(fresh.sign(pki.signer("rsa"), seal=pki.signer("ec"), tmp=signing_dir), pki)
    assert "eyp.last_signature_time" not in report.codes()
    assert report.signature is not None and report.signature.signing_time is not None


def test_signer_named_in_the_metadata(signed_v1: Pkg, pki: Any, signing_dir: Path) -> None:
    """The sample names "Ali İhsan TOKDEMİR"; the test PKI's signer is someone else: a warning."""
    report = _run(signed_v1, pki)
    finding = next(f for f in report.findings if f.code == "eyp.signer_mismatch")
    assert finding.severity == "warning" and "TOKDEMİR" in finding.details["named"]
    cn = pki.signer("ec384").cert.subject.native["common_name"]
    upper = turkish.upper(cn)  # the metadata in capitals, as EBYS often write names
    ilk, _, soyadi = upper.rpartition(" ")
    renamed = Pkg.sample("paketv1x.eyp").replace("Imzalar/BelgeImza.xml", ">Ali İhsan<", f">{ilk}<")
    renamed.replace("Imzalar/BelgeImza.xml", ">TOKDEMİR<", f">{soyadi}<")
    report = _run(renamed.sign(pki.signer("ec384"), tmp=signing_dir), pki)
    assert "eyp.signer_mismatch" not in report.codes()


def test_signed_v1_has_no_level_requirement(signed_v1: Pkg, pki: Any) -> None:
    report = _run(signed_v1, pki)
    assert report.structure == "sound"
    assert report.signature is not None and report.signature.content_bound is True
    assert report.signature.level_required is None
    assert "eyp.cms_level_low" not in report.codes()


def test_paketozeti_changed_after_signing(signed_v2: Pkg, pki: Any, signing_dir: Path) -> None:
    """The summary is edited after signing and the seal redone: the e-signature no longer covers it."""
    tampered = signed_v2.copy().replace(_PAKET, "</PaketOzeti>", "</PaketOzeti>\n")
    tampered.redigest(_NIHAI).set(
        "Muhur/MuhurCades.imz", openssl_sign(tampered.get(_NIHAI), pki.signer("ec"), signing_dir)
    )
    report = _run(tampered, pki)
    mismatch = [f for f in report.findings if f.code == "eyp.cms_content_mismatch"]
    assert [(f.details["role"], f.rule, f.severity) for f in mismatch] == [("signature", "K.81", "critical")]
    assert report.signature is not None and report.signature.content_bound is False
    assert report.signature.status != "valid"
    assert report.seal is not None and report.seal.content_bound is True
    assert report.verdict == "rejected"


def test_attachment_changed_after_signing(signed_v2: Pkg, pki: Any) -> None:
    tampered = signed_v2.copy()
    data = bytearray(tampered.get("Ekler/ek2.pdf"))
    data[500] ^= 0xFF
    report = _run(tampered.set("Ekler/ek2.pdf", bytes(data)), pki)
    assert "eyp.digest_mismatch" in report.codes()
    assert report.structure == "unsound" and report.verdict == "rejected"


def test_seal_over_the_wrong_part(signed_v2: Pkg, pki: Any, signing_dir: Path) -> None:
    wrong = signed_v2.copy().set(
        "Muhur/MuhurCades.imz", openssl_sign(signed_v2.get(_PAKET), pki.signer("ec"), signing_dir)
    )
    wrong.redigest(_NIHAI)  # NihaiOzet does not digest the seal: unchanged
    report = _run(wrong, pki)
    mismatch = [f for f in report.findings if f.code == "eyp.cms_content_mismatch"]
    assert [(f.details["role"], f.rule) for f in mismatch] == [("seal", "K.100")]


def test_detached_signature(signed_v2: Pkg, pki: Any, signing_dir: Path) -> None:
    signer = pki.signer("rsa")
    src = signing_dir / "paket.xml"
    src.write_bytes(signed_v2.get(_PAKET))
    out = signing_dir / "detached.der"
    subprocess.run(
        ["openssl", "cms", "-sign", "-binary", "-in", str(src), "-signer", str(signer.cert_pem),
         "-inkey", str(signer.key_pem), "-outform", "DER", "-out", str(out)],
        check=True, capture_output=True,
    )  # fmt: skip
    detached = signed_v2.copy().set("Imzalar/ImzaCades.imz", out.read_bytes()).redigest(_NIHAI)
    detached.set("Muhur/MuhurCades.imz", openssl_sign(detached.get(_NIHAI), pki.signer("ec"), signing_dir))
    report = _run(detached, pki)
    finding = next(f for f in report.findings if f.code == "eyp.cms_detached")
    assert finding.severity == "critical" and finding.rule == "K.81"
    assert report.signature is not None and report.signature.content_bound is None


def test_enveloped_content_is_accepted_as_encrypted(pki: Any, signing_dir: Path) -> None:
    """An encrypted package whose content really is CMS EnvelopedData has no such finding."""
    signer = pki.signer("rsa")
    pkg = Pkg.sample("sifrelipaketv2x.eyps")
    name = "SifreliIcerik/E6927802-A3DA-4CDE-9B88-AAA26DAF6DB8"
    src = signing_dir / "inner.eyp"
    src.write_bytes(pkg.get(name))
    out = signing_dir / "inner.p7m"
    subprocess.run(
        ["openssl", "cms", "-encrypt", "-binary", "-aes256", "-in", str(src), "-outform", "DER",
         "-out", str(out), str(signer.cert_pem)],
        check=True, capture_output=True,
    )  # fmt: skip
    report = check(pkg.set(name, out.read_bytes()).build())
    assert "eyp.encrypted_content_not_enveloped" not in report.codes()
    assert report.verdict == "accepted"


def test_cades_x_long_signature_meets_the_level(signed_v2: Pkg, pki: Any, signing_dir: Path) -> None:
    """An e-signature made by ebys_support.signing with profile P4 (CAdES-X Long, time-stamped, with its
    certificate and revocation values) meets the 2.x level and verifies offline from what it carries."""
    rsa = pki.signer("rsa")
    der = cades.sign(
        signed_v2.get(_PAKET),
        PKCS12Signer(rsa.p12, rsa.p12_password),
        "P4",
        tsa=pki.tsa_url,
        trust=[pki.root, pki.ca],
    )
    pkg = signed_v2.copy().set("Imzalar/ImzaCades.imz", der).redigest(_NIHAI)
    pkg.set("Muhur/MuhurCades.imz", openssl_sign(pkg.get(_NIHAI), pki.signer("ec"), signing_dir))
    report = _run(pkg, pki)  # offline
    assert report.signature is not None
    assert (report.signature.status, report.signature.level_found) == ("valid", "XL")
    assert report.signed
    low = {f.details["role"] for f in report.findings if f.code == "eyp.cms_level_low"}
    assert low == {"paraf", "seal"}
