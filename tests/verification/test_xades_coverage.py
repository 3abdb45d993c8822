"""XAdES references must cover what the signature claims: the data, and a countersignature's parent.

The signatures are made with ``ebys_support.signing.xades`` and then changed and re-signed here with the
test PKI's keys, so only the property under test differs from a valid signature.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from ebys_support.signing import PKCS12Signer
from ebys_support.signing.xades import sign_xml
from ebys_support.verification import TOTAL_FAILED, TOTAL_PASSED, Verifier

DS = "http://www.w3.org/2000/09/xmldsig#"
XA = "http://uri.etsi.org/01903/v1.3.2#"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
DATA = b"<yazi><konu>Ihale</konu><metin>Teklifler 3 gun icinde verilir.</metin></yazi>"


def _signed(pki: Any) -> bytes:
    s = pki.signer("rsa")
    return sign_xml(DATA, PKCS12Signer(s.p12, s.p12_password), "P1", mode="enveloped")


def _sign_info(pki: Any, signed_info: Any) -> str:
    key = pki.signer("rsa").private_key
    assert isinstance(key, rsa.RSAPrivateKey)
    octets = etree.tostring(signed_info, method="c14n", exclusive=True)
    return base64.b64encode(key.sign(octets, padding.PKCS1v15(), hashes.SHA256())).decode()


def _codes(report: Any) -> set[str]:
    return {c.code for s in report.all_signatures() for c in s.checks}


def test_signature_over_its_own_properties_only_fails(pki: Any, online: Verifier) -> None:
    root = etree.fromstring(_signed(pki))
    sig = root.find(f"{{{DS}}}Signature")
    signed_info = sig.find(f"{{{DS}}}SignedInfo")
    for ref in signed_info.findall(f"{{{DS}}}Reference"):
        if ref.get("Type") != "http://uri.etsi.org/01903#SignedProperties":
            signed_info.remove(ref)
    sig.find(f"{{{DS}}}SignatureValue").text = _sign_info(pki, signed_info)
    report = online.verify(etree.tostring(root))
    sig_report = report.signatures[0]
    assert "verify.signature.ok" in _codes(report)  # the cryptography is sound ...
    assert (sig_report.indication, sig_report.sub_indication) == (TOTAL_FAILED, "FORMAT_FAILURE")
    assert "verify.xades.no_signed_data" in _codes(report)  # ... but it signs no data


def _countersign(pki: Any, root: Any, target_id: str) -> None:
    """Add a countersignature whose only reference points at the element ``target_id``."""
    parent = root.find(f"{{{DS}}}Signature")
    target = next(el for el in root.iter() if el.get("Id") == target_id)
    cs = etree.Element(f"{{{DS}}}Signature", nsmap={"ds": DS}, Id="Karsi-Imza")
    si = etree.SubElement(cs, f"{{{DS}}}SignedInfo")
    etree.SubElement(si, f"{{{DS}}}CanonicalizationMethod", Algorithm=EXC_C14N)
    etree.SubElement(
        si, f"{{{DS}}}SignatureMethod", Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    )
    ref = etree.SubElement(
        si, f"{{{DS}}}Reference", URI="#" + target_id, Type="http://uri.etsi.org/01903#CountersignedSignature"
    )
    etree.SubElement(ref, f"{{{DS}}}DigestMethod", Algorithm="http://www.w3.org/2001/04/xmlenc#sha256")
    etree.SubElement(ref, f"{{{DS}}}DigestValue")
    etree.SubElement(cs, f"{{{DS}}}SignatureValue")
    x509_data = etree.SubElement(etree.SubElement(cs, f"{{{DS}}}KeyInfo"), f"{{{DS}}}X509Data")
    cert = etree.SubElement(x509_data, f"{{{DS}}}X509Certificate")
    cert.text = base64.b64encode(pki.signer("rsa").cert.dump()).decode()
    qp = parent.find(f"{{{DS}}}Object/{{{XA}}}QualifyingProperties")
    up = qp.find(f"{{{XA}}}UnsignedProperties")
    if up is None:
        up = etree.SubElement(qp, f"{{{XA}}}UnsignedProperties")
    usp = up.find(f"{{{XA}}}UnsignedSignatureProperties")
    if usp is None:
        usp = etree.SubElement(up, f"{{{XA}}}UnsignedSignatureProperties")
    etree.SubElement(usp, f"{{{XA}}}CounterSignature").append(cs)
    # Digest the target as the verifier reads it: inclusive C14N 1.0 in its document context.
    octets = etree.tostring(target, method="c14n")
    ref.find(f"{{{DS}}}DigestValue").text = base64.b64encode(hashlib.sha256(octets).digest()).decode()
    cs.find(f"{{{DS}}}SignatureValue").text = _sign_info(pki, si)


def test_countersignature_must_cover_the_parent_signature_value(pki: Any, online: Verifier) -> None:
    root = etree.fromstring(_signed(pki))
    value_id = root.find(f"{{{DS}}}Signature/{{{DS}}}SignatureValue").get("Id")
    _countersign(pki, root, value_id)
    bound = online.verify(etree.tostring(root))
    counter = bound.signatures[0].counter_signatures[0]
    assert "verify.xades.countersignature_not_bound" not in _codes(bound)
    assert {"verify.signature.ok", "verify.digest.ok"} <= {c.code for c in counter.checks}
    assert bound.signatures[0].indication == TOTAL_PASSED

    root = etree.fromstring(_signed(pki))
    props_id = root.find(f".//{{{XA}}}SignedProperties").get("Id")
    _countersign(pki, root, props_id)  # signs something of the parent, but not its signature value
    unbound = online.verify(etree.tostring(root))
    counter = unbound.signatures[0].counter_signatures[0]
    assert counter.indication == TOTAL_FAILED
    assert "verify.xades.countersignature_not_bound" in {c.code for c in counter.checks}
    assert unbound.indication == TOTAL_FAILED  # the countersignature's failure is the file's


def test_signature_over_part_of_the_document_warns(pki: Any, online: Verifier) -> None:
    root = etree.fromstring(_signed(pki))
    assert "verify.xades.partial_scope" not in _codes(online.verify(etree.tostring(root)))
    root.find("konu").set("Id", "konu-1")
    sig = root.find(f"{{{DS}}}Signature")
    signed_info = sig.find(f"{{{DS}}}SignedInfo")
    ref = next(
        r
        for r in signed_info.findall(f"{{{DS}}}Reference")
        if r.get("Type") != "http://uri.etsi.org/01903#SignedProperties"
    )
    ref.set("URI", "#konu-1")
    transforms = ref.find(f"{{{DS}}}Transforms")
    if transforms is not None:
        ref.remove(transforms)
    octets = etree.tostring(root.find("konu"), method="c14n")
    ref.find(f"{{{DS}}}DigestValue").text = base64.b64encode(hashlib.sha256(octets).digest()).decode()
    sig.find(f"{{{DS}}}SignatureValue").text = _sign_info(pki, signed_info)
    root.find("metin").text = "Teklifler 30 gun icinde verilir."  # unsigned: changed at will
    report = online.verify(etree.tostring(root))
    check = next(c for c in report.signatures[0].checks if c.id == "signed_data_scope")
    assert (check.status, check.code) == ("warning", "verify.xades.partial_scope")
    assert "konu#konu-1" in check.message("tr") and "yalnızca bir bölümünü" in check.message("tr")
