"""XAdES signatures (ETSI TS 101 903 v1.3.2) with lxml: BES, EPES and T; enveloping, enveloped, detached.

The signed properties carry ``SigningTime``, ``SigningCertificate`` (SHA-256 digest and issuer/serial)
and, for P2–P4, ``SignaturePolicyIdentifier`` (the policy OID as ``urn:oid:`` with
``Qualifier="OIDAsURN"``, the policy hash, and the SPuri). P2 and P3 add a ``SignatureTimeStamp`` over
the canonicalised ``ds:SignatureValue`` (XAdES-T); P1 adds one when a TSA is given. P4 asks for
ES-XL, which is produced in CAdES and PAdES only, so it is refused here.

Canonicalisation is exclusive C14N (without comments) throughout, so a signature's digests do not
depend on the namespaces of the document around it (enveloped mode).

=============  ==========================================================================
mode           what is signed, and where the signature is
=============  ==========================================================================
enveloping     the content sits in a ``ds:Object`` of the signature (XML as is, other data
               base64-encoded with the base64 transform)
enveloped      the signature is appended to the root element of the XML document it signs
               (``URI=""`` with the enveloped-signature transform)
detached       the content stays outside; the reference's URI is its file name
=============  ==========================================================================
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import quote

from asn1crypto import algos
from cryptography import x509 as cx509
from lxml import etree

from ebys_support.signing.errors import NotXML, UnsupportedProfile
from ebys_support.signing.profiles import Profile, get_profile
from ebys_support.signing.signers import Signer
from ebys_support.signing.tsa import TSAClient

__all__ = ["DS", "XADES", "sign_xml", "Mode"]

Mode = Literal["enveloping", "enveloped", "detached"]

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
BASE64 = "http://www.w3.org/2000/09/xmldsig#base64"
SIGNED_PROPS_TYPE = "http://uri.etsi.org/01903#SignedProperties"

_DIGEST_URI = {
    "sha256": "http://www.w3.org/2001/04/xmlenc#sha256",
    "sha384": "http://www.w3.org/2001/04/xmldsig-more#sha384",
    "sha512": "http://www.w3.org/2001/04/xmlenc#sha512",
}
_SIG_URI = {
    ("rsa", "sha256"): "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    ("rsa", "sha384"): "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
    ("rsa", "sha512"): "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
    ("ec", "sha256"): "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
    ("ec", "sha384"): "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
    ("ec", "sha512"): "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512",
    ("pss", "sha256"): "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1",
    ("pss", "sha384"): "http://www.w3.org/2007/05/xmldsig-more#sha384-rsa-MGF1",
    ("pss", "sha512"): "http://www.w3.org/2007/05/xmldsig-more#sha512-rsa-MGF1",
}


def _ds(tag: str) -> str:
    return f"{{{DS}}}{tag}"


def _xa(tag: str) -> str:
    return f"{{{XADES}}}{tag}"


def _c14n(el: etree._Element) -> bytes:
    return etree.tostring(el, method="c14n", exclusive=True, with_comments=False)


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrib: str) -> etree._Element:
    el = etree.SubElement(parent, tag, attrib)
    if text is not None:
        el.text = text
    return el


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _digest_method(parent: etree._Element, md: str) -> None:
    _sub(parent, _ds("DigestMethod"), Algorithm=_DIGEST_URI[md])


def _parse_xml(content: bytes) -> etree._ElementTree | None:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False, huge_tree=True)
    try:
        return etree.ElementTree(etree.fromstring(content, parser))
    except etree.XMLSyntaxError:
        return None


def _qualifying_properties(
    sig_id: str,
    ref_id: str,
    signer: Signer,
    profile: Profile,
    md: str,
    signing_time: datetime,
    mime_type: str | None,
) -> etree._Element:
    qp = etree.Element(_xa("QualifyingProperties"), {"Target": f"#{sig_id}"}, nsmap={"xades": XADES})
    sp = _sub(qp, _xa("SignedProperties"), Id=f"{sig_id}-SignedProperties")
    ssp = _sub(sp, _xa("SignedSignatureProperties"))
    _sub(ssp, _xa("SigningTime"), signing_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    sc = _sub(ssp, _xa("SigningCertificate"))
    cert_el = _sub(sc, _xa("Cert"))
    cd = _sub(cert_el, _xa("CertDigest"))
    der = signer.certificate.dump()
    _digest_method(cd, "sha256")
    _sub(cd, _ds("DigestValue"), _b64(hashlib.sha256(der).digest()))
    iss = _sub(cert_el, _xa("IssuerSerial"))
    cx = cx509.load_der_x509_certificate(der)
    _sub(iss, _ds("X509IssuerName"), cx.issuer.rfc4514_string())
    _sub(iss, _ds("X509SerialNumber"), str(cx.serial_number))
    if profile.policy_oid:
        assert profile.policy_hash is not None
        spi = _sub(ssp, _xa("SignaturePolicyIdentifier"))
        spid = _sub(spi, _xa("SignaturePolicyId"))
        pid = _sub(spid, _xa("SigPolicyId"))
        _sub(pid, _xa("Identifier"), f"urn:oid:{profile.policy_oid}", Qualifier="OIDAsURN")
        ph = _sub(spid, _xa("SigPolicyHash"))
        _digest_method(ph, "sha256")
        _sub(ph, _ds("DigestValue"), _b64(profile.policy_hash))
        if profile.policy_uri:
            quals = _sub(spid, _xa("SigPolicyQualifiers"))
            q = _sub(quals, _xa("SigPolicyQualifier"))
            _sub(q, _xa("SPURI"), profile.policy_uri)
    if mime_type:
        sdop = _sub(sp, _xa("SignedDataObjectProperties"))
        dof = _sub(sdop, _xa("DataObjectFormat"), ObjectReference=f"#{ref_id}")
        _sub(dof, _xa("MimeType"), mime_type)
    return qp


def sign_xml(
    content: bytes,
    signer: Signer,
    profile: str | Profile = "P1",
    *,
    mode: Mode = "enveloping",
    tsa: TSAClient | str | None = None,
    uri: str | None = None,
    mime_type: str | None = None,
    signing_time: datetime | None = None,
) -> bytes:
    """A XAdES signature over ``content``.

    :param content: the data to sign (XML for ``enveloped``; anything for the other modes).
    :param mode: ``enveloping``, ``enveloped`` or ``detached``.
    :param tsa: time-stamp authority; required for P2 and P3 (XAdES-T).
    :param uri: the reference URI of detached content (its file name); required for ``detached``.
    :param mime_type: recorded in ``DataObjectFormat`` (default ``text/xml`` for XML content, else
        ``application/octet-stream``).
    :return: the signature document (enveloping, detached) or the signed document (enveloped), UTF-8.
    :raises UnsupportedProfile: P4 (ES-XL is not produced in XAdES), or an unknown mode.
    :raises NotXML: ``enveloped`` with content that is not well-formed XML.
    """
    from ebys_support.errors import UsageError

    prof = get_profile(profile)
    if prof.needs_validation_data:
        raise UnsupportedProfile(details={"profile": prof.name, "format": "xades", "reason": "xades_p4"})
    if mode not in ("enveloping", "enveloped", "detached"):
        raise UnsupportedProfile(details={"profile": f"XAdES {mode}", "reason": "xades_mode"})
    tsa_client = TSAClient(tsa) if isinstance(tsa, str) else tsa
    if prof.needs_timestamp and tsa_client is None:
        raise UsageError("signing.tsa_required", details={"profile": prof.name})
    md = signer.digest_algorithm
    key = "pss" if signer.pss else signer.key_type
    sig_uri = _SIG_URI[(key, md)]
    token = secrets.token_hex(8)
    sig_id = f"Signature-{token}"
    ref_id = f"Reference-{token}"
    obj_id = f"Object-{token}"
    signing_time = signing_time or datetime.now(UTC).replace(microsecond=0)

    tree: etree._ElementTree | None = None
    if mode == "enveloped":
        tree = _parse_xml(content)
        if tree is None:
            raise NotXML()
    xml_content = _parse_xml(content) if mode == "enveloping" else None
    if mime_type is None:
        mime_type = (
            "text/xml" if (tree is not None or xml_content is not None) else "application/octet-stream"
        )

    sig = etree.Element(_ds("Signature"), {"Id": sig_id}, nsmap={"ds": DS})
    si = _sub(sig, _ds("SignedInfo"))
    _sub(si, _ds("CanonicalizationMethod"), Algorithm=EXC_C14N)
    _sub(si, _ds("SignatureMethod"), Algorithm=sig_uri)

    # Reference to the data.
    ref = _sub(si, _ds("Reference"), Id=ref_id)
    obj: etree._Element | None = None
    if mode == "enveloped":
        assert tree is not None
        ref.set("URI", "")
        transforms = _sub(ref, _ds("Transforms"))
        _sub(transforms, _ds("Transform"), Algorithm=ENVELOPED)
        _sub(transforms, _ds("Transform"), Algorithm=EXC_C14N)
        data_digest = hashlib.new(
            md, etree.tostring(tree, method="c14n", exclusive=True, with_comments=False)
        ).digest()
    elif mode == "detached":
        if not uri:
            raise UsageError("signing.uri_required", details={"mode": mode})
        ref.set("URI", quote(uri, safe="/:._-~"))
        data_digest = hashlib.new(md, content).digest()
    else:
        ref.set("URI", f"#{obj_id}")
        transforms = _sub(ref, _ds("Transforms"))
        obj = etree.Element(_ds("Object"), {"Id": obj_id}, nsmap={"ds": DS})
        if xml_content is not None:
            _sub(transforms, _ds("Transform"), Algorithm=EXC_C14N)
            obj.append(xml_content.getroot())
        else:
            _sub(transforms, _ds("Transform"), Algorithm=BASE64)
            obj.set("Encoding", BASE64)
            obj.set("MimeType", mime_type)
            obj.text = _b64(content)
            data_digest = hashlib.new(md, content).digest()
    _digest_method(ref, md)
    data_dv = _sub(ref, _ds("DigestValue"))

    # Reference to the signed properties.
    sp_ref = _sub(si, _ds("Reference"), Type=SIGNED_PROPS_TYPE, URI=f"#{sig_id}-SignedProperties")
    sp_tr = _sub(sp_ref, _ds("Transforms"))
    _sub(sp_tr, _ds("Transform"), Algorithm=EXC_C14N)
    _digest_method(sp_ref, md)
    sp_dv = _sub(sp_ref, _ds("DigestValue"))

    sv = _sub(sig, _ds("SignatureValue"), Id=f"{sig_id}-SignatureValue")
    ki = _sub(sig, _ds("KeyInfo"))
    x5 = _sub(ki, _ds("X509Data"))
    # P1/P2 forbid the chain as validation data (DOMAIN §5): the signer's certificate only.
    for c in (signer.certificate, *(signer.chain if prof.allows_validation_data else ())):
        _sub(x5, _ds("X509Certificate"), _b64(c.dump()))
    qp_obj = _sub(sig, _ds("Object"))
    qp = _qualifying_properties(sig_id, ref_id, signer, prof, md, signing_time, mime_type)
    qp_obj.append(qp)
    if obj is not None:
        sig.append(obj)

    # Place the signature where it belongs before canonicalising anything in it.
    if tree is not None:
        tree.getroot().append(sig)
        doc = tree
    else:
        doc = etree.ElementTree(sig)

    if obj is not None and xml_content is not None:
        data_digest = hashlib.new(md, _c14n(obj)).digest()
    data_dv.text = _b64(data_digest)
    sp_el = qp.find(_xa("SignedProperties"))
    assert sp_el is not None
    sp_dv.text = _b64(hashlib.new(md, _c14n(sp_el)).digest())

    raw = signer.sign(_c14n(si), md)
    if signer.key_type == "ec":
        # XML-DSig wants r‖s, each padded to the curve's size (RFC 4050 / RFC 6931).
        der = algos.DSASignature.load(raw)
        size = (signer.key_size + 7) // 8
        raw = int(der["r"].native).to_bytes(size, "big") + int(der["s"].native).to_bytes(size, "big")
    sv.text = _b64(raw)

    if tsa_client is not None:
        ts = tsa_client.timestamp(hashlib.new(md, _c14n(sv)).digest(), md)
        from ebys_support.signing.cades import check_timestamp_window

        check_timestamp_window(prof, signing_time, ts)
        up = _sub(qp, _xa("UnsignedProperties"))
        usp = _sub(up, _xa("UnsignedSignatureProperties"))
        sts = _sub(usp, _xa("SignatureTimeStamp"), Id=f"{sig_id}-SignatureTimeStamp")
        _sub(sts, _ds("CanonicalizationMethod"), Algorithm=EXC_C14N)
        _sub(sts, _xa("EncapsulatedTimeStamp"), _b64(ts.dump()))

    return etree.tostring(doc, xml_declaration=True, encoding="UTF-8")
