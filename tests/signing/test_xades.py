"""XAdES BES/EPES/T, enveloping/enveloped/detached: verified by ``xmlsec1 --verify``."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from ebys_support.errors import UsageError
from ebys_support.signing import NotXML, UnsupportedProfile, get_profile
from ebys_support.signing.xades import DS, XADES, sign_xml

NS = {"ds": DS, "xades": XADES}
XML_DOC = "<?xml version='1.0' encoding='UTF-8'?>\n<yazi xmlns:e='urn:ebys'><e:konu>Çalışma İzni</e:konu></yazi>".encode()
BINARY = b"%PDF-1.7 binary \x00\x01\x02 content"


@pytest.mark.parametrize("key", ["rsa", "ec", "ec384"])
@pytest.mark.parametrize(
    ("mode", "content"),
    [("enveloping", XML_DOC), ("enveloping", BINARY), ("enveloped", XML_DOC), ("detached", BINARY)],
    ids=["enveloping-xml", "enveloping-binary", "enveloped", "detached"],
)
def test_xmlsec_verifies(
    pki: Any, p12: Any, xmlsec_verify: Any, tmp_path: Path, key: str, mode: str, content: bytes
) -> None:
    (tmp_path / "belge.bin").write_bytes(content)
    out = sign_xml(content, p12(key), "P1", mode=mode, uri="belge.bin")  # type: ignore[arg-type]
    path = tmp_path / "belge.xades.xml"
    path.write_bytes(out)
    res = xmlsec_verify(path)
    assert res.returncode == 0, res.stderr
    assert b"SignedInfo References (ok/all): 2/2" in res.stderr


@pytest.mark.parametrize("profile", ["P1", "P2", "P3"])
def test_profile_properties(pki: Any, p12: Any, xmlsec_verify: Any, tmp_path: Path, profile: str) -> None:
    prof = get_profile(profile)
    tsa = pki.tsa_url if profile != "P1" else None
    out = sign_xml(XML_DOC, p12("rsa"), profile, mode="enveloped", tsa=tsa)
    path = tmp_path / "s.xml"
    path.write_bytes(out)
    assert xmlsec_verify(path).returncode == 0
    doc = etree.fromstring(out)
    ssp = doc.find(".//xades:SignedSignatureProperties", NS)
    assert ssp is not None
    assert ssp.findtext("xades:SigningTime", namespaces=NS).endswith("Z")
    digest = ssp.find("xades:SigningCertificate/xades:Cert/xades:CertDigest", NS)
    assert digest.find("ds:DigestMethod", NS).get("Algorithm") == "http://www.w3.org/2001/04/xmlenc#sha256"
    assert (
        base64.b64decode(digest.findtext("ds:DigestValue", namespaces=NS))
        == hashlib.sha256(pki.signer("rsa").cert.dump()).digest()
    )
    policy = ssp.find("xades:SignaturePolicyIdentifier/xades:SignaturePolicyId", NS)
    sts = doc.find(".//xades:UnsignedSignatureProperties/xades:SignatureTimeStamp", NS)
    if profile == "P1":
        assert policy is None and sts is None
        return
    ident = policy.find("xades:SigPolicyId/xades:Identifier", NS)
    assert ident.get("Qualifier") == "OIDAsURN"
    assert ident.text == f"urn:oid:{prof.policy_oid}"
    assert policy.findtext("xades:SigPolicyHash/ds:DigestValue", namespaces=NS) == (
        "/zm9KUYzg/abIFKsR0OeBs58O4ZG6Ii25a4+RroIEXo="
    )
    assert policy.findtext(
        "xades:SigPolicyQualifiers/xades:SigPolicyQualifier/xades:SPURI", namespaces=NS
    ) == (prof.policy_uri)
    # XAdES-T: the time-stamp covers the canonicalised SignatureValue.
    from asn1crypto import cms

    token = cms.ContentInfo.load(base64.b64decode(sts.findtext("xades:EncapsulatedTimeStamp", namespaces=NS)))
    tst = token["content"]["encap_content_info"]["content"].parsed
    sv = doc.find(".//ds:SignatureValue", NS)
    c14n = etree.tostring(sv, method="c14n", exclusive=True, with_comments=False)
    assert tst["message_imprint"]["hashed_message"].native == hashlib.sha256(c14n).digest()


def test_p4_refused(pki: Any, p12: Any) -> None:
    with pytest.raises(UnsupportedProfile) as exc:
        sign_xml(XML_DOC, p12("rsa"), "P4", tsa=pki.tsa_url)
    assert exc.value.code == "signing.unsupported_profile"


def test_enveloped_needs_xml(p12: Any) -> None:
    with pytest.raises(NotXML) as exc:
        sign_xml(BINARY, p12("rsa"), "P1", mode="enveloped")
    assert exc.value.code == "signing.not_xml"


def test_detached_needs_uri(p12: Any) -> None:
    with pytest.raises(UsageError) as exc:
        sign_xml(BINARY, p12("rsa"), "P1", mode="detached")
    assert exc.value.code == "signing.uri_required"


def test_tampering_is_detected(p12: Any, xmlsec_verify: Any, tmp_path: Path) -> None:
    out = sign_xml(XML_DOC, p12("ec"), "P1", mode="enveloped")
    path = tmp_path / "t.xml"
    path.write_bytes(out.replace("Çalışma".encode(), b"Calisma"))
    assert xmlsec_verify(path).returncode != 0


@pytest.mark.parametrize("profile", ["P1", "P2", "P3"])
def test_key_info_chain_follows_the_profile(pki: Any, p12: Any, profile: str) -> None:
    tsa = pki.tsa_url if profile != "P1" else None
    doc = etree.fromstring(sign_xml(XML_DOC, p12("rsa"), profile, tsa=tsa))
    certs = [
        base64.b64decode(c.text) for c in doc.iterfind(".//ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS)
    ]
    assert certs[0] == pki.signer("rsa").cert.dump()
    assert len(certs) == (1 if profile in ("P1", "P2") else 3)


def test_xades_error_paths(pki: Any, p12: Any) -> None:
    with pytest.raises(UsageError) as exc:
        sign_xml(XML_DOC, p12("rsa"), "P2")
    assert exc.value.code == "signing.tsa_required"
    with pytest.raises(UnsupportedProfile) as uexc:
        sign_xml(XML_DOC, p12("rsa"), "P1", mode="inside")  # type: ignore[arg-type]
    assert uexc.value.details["reason"] == "xades_mode"
    assert "enveloping, enveloped ya da detached" in uexc.value.localized("tr")
    with pytest.raises(UnsupportedProfile) as uexc:
        sign_xml(XML_DOC, p12("rsa"), "P4", tsa=pki.tsa_url)
    assert "--format cades" in uexc.value.localized("en")
