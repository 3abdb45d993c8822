"""Which files a batch pairs: detached XAdES by what its references cover, never by name alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ebys_support.signing import PKCS12Signer
from ebys_support.signing.xades import sign_xml
from ebys_support.verification.batch import collect, content_beside
from ebys_support.verification.xades import is_detached

DATA = b"<yazi><konu>Toplanti</konu><metin>Ek belgeler ektedir.</metin></yazi>"


@pytest.fixture(scope="module")
def signatures(pki: Any) -> dict[str, bytes]:
    s = pki.signer("ec")
    signer = PKCS12Signer(s.p12, s.p12_password)
    return {
        "detached": sign_xml(DATA, signer, "P1", mode="detached", uri="yazi.xml"),
        "enveloping": sign_xml(DATA, signer, "P1", mode="enveloping"),
        "enveloped": sign_xml(DATA, signer, "P1", mode="enveloped"),
    }


def test_detached_xades_is_paired(signatures: dict[str, bytes], tmp_path: Path) -> None:
    (tmp_path / "yazi.xml").write_bytes(DATA)
    (tmp_path / "yazi.xml.xades.xml").write_bytes(signatures["detached"])
    assert collect([tmp_path]) == [(tmp_path / "yazi.xml.xades.xml", tmp_path / "yazi.xml")]


@pytest.mark.parametrize("mode", ["enveloping", "enveloped"])
def test_attached_xades_is_not_paired(signatures: dict[str, bytes], tmp_path: Path, mode: str) -> None:
    (tmp_path / "yazi.xml").write_bytes(DATA)
    (tmp_path / "yazi.xml.xades.xml").write_bytes(signatures[mode])
    assert not is_detached(tmp_path / "yazi.xml.xades.xml")
    assert collect([tmp_path]) == [(tmp_path / "yazi.xml", None), (tmp_path / "yazi.xml.xades.xml", None)]


def test_detached_xades_without_its_content(signatures: dict[str, bytes], tmp_path: Path) -> None:
    (tmp_path / "yazi.xml.xades.xml").write_bytes(signatures["detached"])
    assert is_detached(tmp_path / "yazi.xml.xades.xml")
    assert collect([tmp_path]) == [(tmp_path / "yazi.xml.xades.xml", None)]


@pytest.mark.parametrize(
    "text",
    [
        b"",
        b"not xml at all",
        b"<yazi>no signature</yazi>",
        # An external entity is never fetched nor expanded, and the file is not taken as detached.
        b'<!DOCTYPE d [<!ENTITY x SYSTEM "http://localhost:9/x">]><ds:Signature '
        b'xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:Reference URI="&x;"/>'
        b"</ds:SignedInfo></ds:Signature>",
        # Truncated before the end of ds:SignedInfo.
        b'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>'
        b'<ds:Reference URI="yazi.xml"/>',
    ],
)
def test_unreadable_xades_stands_alone(tmp_path: Path, text: bytes) -> None:
    (tmp_path / "yazi.xml").write_bytes(DATA)
    signed = tmp_path / "yazi.xml.xades.xml"
    signed.write_bytes(text)
    assert content_beside(signed) is None
    assert collect([tmp_path]) == [(tmp_path / "yazi.xml", None), (signed, None)]


def test_only_the_top_of_the_file_is_read(tmp_path: Path) -> None:
    """The answer comes from the first signature's ds:SignedInfo; what follows is never parsed."""
    signed = tmp_path / "yazi.xml.xades.xml"
    signed.write_bytes(
        b'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>'
        b'<ds:Reference URI="#xades-props"/><ds:Reference URI="yazi.xml"/></ds:SignedInfo>'
        + b"<ds:Object>" * 10_000
        + b"\x00 broken"
    )
    assert is_detached(signed, chunk_size=256)


def test_countersignature_does_not_decide(tmp_path: Path) -> None:
    """Only the main signature counts: a countersignature referring outside does not make it detached."""
    signed = tmp_path / "yazi.xml.xades.xml"
    signed.write_bytes(
        b'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:xa="http://uri.etsi.org/01903/v1.3.2#">'
        b'<ds:Object><xa:CounterSignature><ds:Signature><ds:SignedInfo><ds:Reference URI="yazi.xml"/>'
        b"</ds:SignedInfo></ds:Signature></xa:CounterSignature></ds:Object></ds:Signature>"
    )
    assert not is_detached(signed)
