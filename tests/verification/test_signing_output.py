"""What we sign, we verify: ebys_support.signing's CAdES, PAdES and XAdES output at the level it claims."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from ebys_support.signing import PKCS12Signer
from ebys_support.signing import cades as sign_cades
from ebys_support.signing.pades import sign_pdf
from ebys_support.signing.xades import sign_xml
from ebys_support.verification import TOTAL_FAILED, TOTAL_PASSED, Verifier, detect_format
from tests.verification import _helpers as h

DATA = b"<yazi><konu>Toplanti</konu><metin>Ek belgeler ektedir.</metin></yazi>"


@pytest.fixture(scope="module")
def p12(pki: Any) -> Any:
    cache: dict[str, PKCS12Signer] = {}

    def make(name: str) -> PKCS12Signer:
        if name not in cache:
            s = pki.signer(name)
            cache[name] = PKCS12Signer(s.p12, s.p12_password)
        return cache[name]

    return make


@pytest.mark.parametrize(
    ("profile", "level"), [("P1", "ES-T"), ("P2", "ES-T"), ("P3", "ES-T"), ("P4", "ES-XL")]
)
def test_cades_profiles(pki: Any, p12: Any, online: Verifier, profile: str, level: str) -> None:
    der = sign_cades.sign(DATA, p12("rsa"), profile, detached=True, tsa=pki.tsa_url, trust=[pki.ca, pki.root])
    report = online.verify(der, content=DATA)
    sig = report.signatures[0]
    assert report.indication == TOTAL_PASSED, report.to_json()
    assert (sig.profile, sig.level) == (profile, level)


def test_cades_p4_offline(pki: Any, p12: Any, offline_bare: Verifier) -> None:
    der = sign_cades.sign(DATA, p12("ec"), "P4", tsa=pki.tsa_url, trust=[pki.ca, pki.root])
    report = offline_bare.verify(der)
    assert report.indication == TOTAL_PASSED, report.to_json()


def test_attached_cades_of_a_pdf_is_cms(pki: Any, p12: Any, online: Verifier) -> None:
    """An attached .imz of a PDF holds "%PDF-" in its first bytes; it is still a CMS signature."""
    pdf = h.minimal_pdf(1)
    der = sign_cades.sign(pdf, p12("rsa"), "P1")
    assert b"%PDF-" in der[:1024]
    assert detect_format(der) == "cms"
    assert detect_format(pdf) == "pdf"
    report = online.verify(der)
    assert report.indication == TOTAL_PASSED, report.to_json()
    assert report.format == "CAdES-attached"


@pytest.mark.parametrize(("profile", "level"), [("P1", "B-B"), ("P2", "B-T"), ("P4", "B-LT")])
def test_pades_levels(pki: Any, p12: Any, online: Verifier, profile: str, level: str) -> None:
    pdf = h.minimal_pdf(1)
    signed = sign_pdf(pdf, p12("rsa"), profile, tsa=pki.tsa_url, trust=[pki.ca, pki.root])
    assert signed is not None
    report = online.verify(signed)
    sig = report.signatures[0]
    assert report.indication == TOTAL_PASSED, report.to_json()
    assert sig.profile == profile
    assert sig.level in (level, "B-LTA")


@pytest.mark.parametrize("mode", ["enveloped", "enveloping", "detached"])
@pytest.mark.parametrize("profile", ["P1", "P2"])
def test_xades_modes(pki: Any, p12: Any, online: Verifier, tmp_path: Path, mode: str, profile: str) -> None:
    kwargs: dict[str, Any] = {"mode": mode, "tsa": pki.tsa_url}
    if mode == "detached":
        kwargs["uri"] = "yazi.xml"
    signed = sign_xml(DATA, p12("ec"), profile, **kwargs)
    report = online.verify(signed, content=DATA if mode == "detached" else None)
    assert report.format == f"XAdES-{mode}"
    assert report.indication == TOTAL_PASSED, report.to_json()
    assert report.signatures[0].profile == profile


def test_xades_enveloping_binary(pki: Any, p12: Any, online: Verifier) -> None:
    """Non-XML content is enveloped base64-encoded (base64 transform); the decoded octets are checked."""
    pdf = h.minimal_pdf(1)
    signed = sign_xml(pdf, p12("rsa"), "P1", mode="enveloping")
    report = online.verify(signed)
    assert (report.format, report.indication) == ("XAdES-enveloping", TOTAL_PASSED), report.to_json()
    encoded = base64.b64encode(pdf)
    tampered = signed.replace(encoded[:40], base64.b64encode(b"X" * 30), 1)
    assert tampered != signed
    report = online.verify(tampered)
    assert (report.signatures[0].indication, report.signatures[0].sub_indication) == (
        "TOTAL_FAILED",
        "HASH_FAILURE",
    )


def test_xades_tampered(pki: Any, p12: Any, online: Verifier) -> None:
    signed = sign_xml(DATA, p12("rsa"), "P1", mode="enveloped")
    tampered = signed.replace(b"Toplanti", b"Toplantx")
    report = online.verify(tampered)
    assert (report.signatures[0].indication, report.signatures[0].sub_indication) == (
        "TOTAL_FAILED",
        "HASH_FAILURE",
    )
    i = signed.index(b"<ds:SignatureValue")
    j = signed.index(b">", i) + 5
    flipped = signed[:j] + (b"A" if signed[j : j + 1] != b"A" else b"B") + signed[j + 1 :]
    report = online.verify(flipped)
    assert report.indication == TOTAL_FAILED
    detached = sign_xml(DATA, p12("rsa"), "P1", mode="detached", uri="yazi.xml")
    report = online.verify(detached)
    assert report.signatures[0].sub_indication == "SIGNED_DATA_NOT_FOUND"


def test_xades_signature_wrapping_is_refused(pki: Any, p12: Any, online: Verifier) -> None:
    from lxml import etree

    signed = sign_xml(DATA, p12("rsa"), "P1", mode="enveloping")
    tree = etree.fromstring(signed)
    ds = "{http://www.w3.org/2000/09/xmldsig#}"
    obj = next(
        o for o in tree.iter(f"{ds}Object") if o.get("Id") and o.find(".//{*}QualifyingProperties") is None
    )
    evil = etree.SubElement(tree, f"{ds}Object", Id=obj.get("Id"))
    evil.text = "başka içerik"
    report = online.verify(etree.tostring(tree))
    assert report.signatures[0].sub_indication == "FORMAT_FAILURE"


def test_sign_detached_then_verify_the_folder(cli: Any, pki: Any, tmp_path: Path) -> None:
    """``sign --detached`` names its output ``NAME.p7s`` after the input's full name, so a batch
    ``verify --recursive`` over a folder holding the original pairs the two without ``--content``."""
    src = tmp_path / "gelen"
    src.mkdir()
    (src / "yazi.pdf").write_bytes(h.minimal_pdf(1))
    (src / "ek.txt").write_bytes(DATA)
    s = pki.signer("rsa")
    p12 = tmp_path / "imzaci.p12"
    p12.write_bytes(s.p12.read_bytes() if isinstance(s.p12, Path) else s.p12)
    out = tmp_path / "imzali"
    inputs = [str(src / "yazi.pdf"), str(src / "ek.txt")]
    r = cli(
        "sign",
        *inputs,
        "--detached",
        "--pkcs12",
        str(p12),
        "--pin-stdin",
        "--out",
        str(out),
        stdin=s.p12_password,
    )
    assert r.exit_code == 0, r.stderr
    r = cli(
        "sign",
        str(src / "yazi.pdf"),
        "--pkcs12",
        str(p12),
        "--pin-stdin",
        "--out",
        str(out),
        stdin=s.p12_password,
    )
    assert r.exit_code == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["ek.txt.p7s", "yazi.pdf.imz", "yazi.pdf.p7s"]
    for name in ("yazi.pdf", "ek.txt"):
        (out / name).write_bytes((src / name).read_bytes())  # the originals beside their signatures
    jsonl = tmp_path / "sonuc.jsonl"
    r = cli(
        "verify", str(out), "--recursive", "--jobs", "1", "--jsonl", str(jsonl), "--trust", str(pki.trust_dir)
    )
    assert r.exit_code == 0, r.stdout + r.stderr
    rows = {Path(x["file"]).name: x for x in map(json.loads, jsonl.read_text(encoding="utf-8").splitlines())}
    assert sorted(rows) == ["ek.txt.p7s", "yazi.pdf.imz", "yazi.pdf.p7s"]  # the originals are content
    assert {n: (x["format"], x["indication"]) for n, x in rows.items()} == {
        "ek.txt.p7s": ("CAdES-detached", TOTAL_PASSED),
        "yazi.pdf.imz": ("CAdES-attached", TOTAL_PASSED),
        "yazi.pdf.p7s": ("CAdES-detached", TOTAL_PASSED),
    }
    # One file: the original beside the signature is found without --content, too.
    r = cli("verify", str(out / "yazi.pdf.p7s"), "--trust", str(pki.trust_dir))
    assert r.exit_code == 0, r.stdout + r.stderr


def test_sign_xades_then_verify_the_folder(cli: Any, pki: Any, tmp_path: Path) -> None:
    """``sign --format xades`` names its output ``NAME.xades.xml``: a batch pairs a detached one with
    ``NAME`` beside it, while an enveloping or enveloped one is verified alone and ``NAME`` on its own."""
    src = tmp_path / "gelen"
    src.mkdir()
    (src / "ek.txt").write_bytes(b"Ek belgeler ektedir.\n")
    (src / "yazi.pdf").write_bytes(h.minimal_pdf(1))
    (src / "rapor.xml").write_bytes(DATA)
    s = pki.signer("rsa")
    p12 = tmp_path / "imzaci.p12"
    p12.write_bytes(s.p12.read_bytes() if isinstance(s.p12, Path) else s.p12)
    out = tmp_path / "imzali"
    sign = ("sign", "--format", "xades", "--pkcs12", str(p12), "--pin-stdin", "--out", str(out))
    for name, extra in (("ek.txt", ["--detached"]), ("yazi.pdf", []), ("rapor.xml", ["--enveloped"])):
        r = cli(*sign, *extra, str(src / name), stdin=s.p12_password)
        assert r.exit_code == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "ek.txt.xades.xml",
        "rapor.xml.xades.xml",
        "yazi.pdf.xades.xml",
    ]
    for name in ("ek.txt", "yazi.pdf", "rapor.xml"):
        (out / name).write_bytes((src / name).read_bytes())  # the originals beside their signatures
    jsonl = tmp_path / "sonuc.jsonl"
    r = cli(
        "verify", str(out), "--recursive", "--jobs", "1", "--jsonl", str(jsonl), "--trust", str(pki.trust_dir)
    )
    rows = {Path(x["file"]).name: x for x in map(json.loads, jsonl.read_text(encoding="utf-8").splitlines())}
    # ek.txt is the content of the detached signature; rapor.xml and yazi.pdf are files of their own.
    assert sorted(rows) == [
        "ek.txt.xades.xml",
        "rapor.xml",
        "rapor.xml.xades.xml",
        "yazi.pdf",
        "yazi.pdf.xades.xml",
    ]
    assert {n: (x["format"], x["indication"]) for n, x in rows.items() if "error" not in x} == {
        "ek.txt.xades.xml": ("XAdES-detached", TOTAL_PASSED),  # found its content: paired
        "rapor.xml.xades.xml": ("XAdES-enveloped", TOTAL_PASSED),
        "yazi.pdf.xades.xml": ("XAdES-enveloping", TOTAL_PASSED),
    }
    assert rows["rapor.xml"]["error"]["code"] == rows["yazi.pdf"]["error"]["code"] == "verify.not_signed"
    assert r.exit_code == 4, r.stdout + r.stderr
    # One file: the original beside a detached XAdES is found without --content, too.
    r = cli("--json", "verify", str(out / "ek.txt.xades.xml"), "--trust", str(pki.trust_dir))
    assert r.exit_code == 0, r.stdout + r.stderr
    assert json.loads(r.stdout)["format"] == "XAdES-detached"
