"""XAdES: XML signatures (enveloped, enveloping, detached) with their qualifying properties.

XML-DSig core validation (references, canonicalisation, signature value) is done here with lxml's C14N
and :mod:`cryptography`; the XAdES properties (signing time, signing certificate, policy, time-stamps,
certificate and revocation values, countersignatures) feed the same certificate, time and profile checks
as CAdES. Canonical XML 1.1 is treated as 1.0 (they differ only for ``xml:id``/``xml:base``
inheritance). The parser never resolves entities nor touches the network.
"""

from __future__ import annotations

import base64
import binascii
import copy
from datetime import datetime
from pathlib import Path
from typing import Any

from asn1crypto import algos, cms
from lxml import etree

from ebys_support.errors import InputError
from ebys_support.verification._certcheck import TimeInfo, certificate_facts, check_certificate, signer_facts
from ebys_support.verification._cms import (
    ProfileInput,
    TimestampResult,
    check_profile,
    record_times,
    verify_timestamp,
)
from ebys_support.verification._context import Context
from ebys_support.verification._crypto import (
    WEAK_HASHES,
    Cert,
    CryptoFailure,
    digest,
    load_cert,
    raw_ecdsa_to_der,
    verify_signature,
)
from ebys_support.verification.profiles import profile_for_policy
from ebys_support.verification.report import Report, SignatureReport

__all__ = ["verify_xades", "parse_xml", "is_detached"]

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
XADES141 = "http://uri.etsi.org/01903/v1.4.1#"
NS = {"ds": DS, "xa": XADES, "xa141": XADES141}

_DIGESTS = {
    "http://www.w3.org/2000/09/xmldsig#sha1": "sha1",
    "http://www.w3.org/2001/04/xmldsig-more#sha224": "sha224",
    "http://www.w3.org/2001/04/xmlenc#sha256": "sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384": "sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512": "sha512",
    "http://www.w3.org/2007/05/xmldsig-more#sha3-256": "sha3_256",
    "http://www.w3.org/2007/05/xmldsig-more#sha3-384": "sha3_384",
    "http://www.w3.org/2007/05/xmldsig-more#sha3-512": "sha3_512",
}

_SIG_METHODS = {
    "http://www.w3.org/2000/09/xmldsig#rsa-sha1": ("sha1_rsa", "sha1"),
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha224": ("sha224_rsa", "sha224"),
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256": ("sha256_rsa", "sha256"),
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384": ("sha384_rsa", "sha384"),
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512": ("sha512_rsa", "sha512"),
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1": ("sha1_ecdsa", "sha1"),
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha224": ("sha224_ecdsa", "sha224"),
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256": ("sha256_ecdsa", "sha256"),
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384": ("sha384_ecdsa", "sha384"),
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512": ("sha512_ecdsa", "sha512"),
    "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1": ("pss", "sha256"),
    "http://www.w3.org/2007/05/xmldsig-more#sha384-rsa-MGF1": ("pss", "sha384"),
    "http://www.w3.org/2007/05/xmldsig-more#sha512-rsa-MGF1": ("pss", "sha512"),
}

_C14N = {
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315": (False, False),
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments": (False, True),
    "http://www.w3.org/2006/12/xml-c14n11": (False, False),
    "http://www.w3.org/2006/12/xml-c14n11#WithComments": (False, True),
    "http://www.w3.org/2001/10/xml-exc-c14n#": (True, False),
    "http://www.w3.org/2001/10/xml-exc-c14n#WithComments": (True, True),
}
_ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
_XPATH = "http://www.w3.org/TR/1999/REC-xpath-19991116"
_BASE64 = "http://www.w3.org/2000/09/xmldsig#base64"
_SIGNED_PROPS_TYPE = "http://uri.etsi.org/01903#SignedProperties"

#: Options of every XML parser here: no entities, no network, no DTD, no huge trees.
_PARSER_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
}
_PARSER = etree.XMLParser(**_PARSER_OPTIONS)


class _XmlError(Exception):
    pass


def parse_xml(data: bytes) -> Any:
    """Parse XML safely (no entities, no network, no DTD).

    :raises InputError: ``verify.unreadable_xml``.
    """
    try:
        return etree.fromstring(data, _PARSER).getroottree()
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise InputError("verify.unreadable_xml", details={"reason": str(exc)[:200]}) from exc


def _is_external(uri: str | None) -> bool:
    """Whether a ds:Reference URI names data outside the document (the content of a detached signature)."""
    return uri is not None and uri != "" and not uri.startswith("#")


def is_detached(path: str | Path, *, chunk_size: int = 64 * 1024) -> bool:
    """Whether the XML signature file at ``path`` is detached: a ds:Reference of its first signature
    (countersignatures aside, as :func:`verify_xades` decides) points outside the document.

    The file is read only up to the end of that signature's ds:SignedInfo, with the same safe parser
    options as :func:`parse_xml`; a file that cannot be read or parsed that far is not detached.
    """
    parser = etree.XMLPullParser(events=("end",), tag=f"{{{DS}}}SignedInfo", **_PARSER_OPTIONS)
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(chunk_size):
                parser.feed(chunk)
                for _event, info in parser.read_events():
                    sig = info.getparent()
                    if sig is None or sig.tag != f"{{{DS}}}Signature" or _in_countersignature(sig):
                        continue
                    return any(_is_external(r.get("URI")) for r in info.findall("ds:Reference", NS))
    except (OSError, etree.XMLSyntaxError, ValueError):
        return False
    return False


def _in_countersignature(sig: Any) -> bool:
    return any(
        etree.QName(a).localname == "CounterSignature" for a in sig.iterancestors() if isinstance(a.tag, str)
    )


def _c14n(node: Any, algorithm: str | None, prefixes: list[str] | None = None) -> bytes:
    exclusive, comments = (
        _C14N.get(algorithm or "", (False, False)) if algorithm in _C14N or not algorithm else (None, None)
    )
    if exclusive is None:
        raise _XmlError(f"unsupported canonicalisation {algorithm}")
    return bytes(
        etree.tostring(
            node,
            method="c14n",
            exclusive=bool(exclusive),
            with_comments=bool(comments),
            inclusive_ns_prefixes=prefixes or None,
        )
    )


def _b64(text: str | None) -> bytes:
    try:
        return base64.b64decode("".join((text or "").split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _XmlError("invalid base64") from exc


_AMBIGUOUS = object()


def _ids(tree: Any) -> dict[str, Any]:
    """Elements by ``Id``/``ID``/``id``; an identifier used twice maps to a marker, never to an element
    (a reference to it could be redirected to wrapped content: signature wrapping)."""
    out: dict[str, Any] = {}
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        for attr in ("Id", "ID", "id"):
            v = el.get(attr)
            if v is not None:
                out[v] = _AMBIGUOUS if v in out and out[v] is not el else el
    return out


def _remove_keep_tail(el: Any) -> None:
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _index_path(el: Any) -> list[int]:
    path = []
    while el.getparent() is not None:
        parent = el.getparent()
        path.append(parent.index(el))
        el = parent
    return path[::-1]


def _follow(root: Any, path: list[int]) -> Any:
    el = root
    for i in path:
        if i >= len(el):
            return None
        el = el[i]
    return el


def _reference_octets(
    ref: Any, sig: Any, tree: Any, ids: dict[str, Any], content: bytes | None
) -> bytes | None:
    uri = ref.get("URI")
    transforms = ref.findall("ds:Transforms/ds:Transform", NS)
    algos_ = [t.get("Algorithm") for t in transforms]
    if uri is not None and uri != "" and not uri.startswith("#"):
        if content is None:
            return None
        if any(a in _C14N for a in algos_):
            node = parse_xml(content)
            for a in algos_:
                if a in _C14N:
                    return _c14n(node, a)
        return content
    if uri == "" or uri is None:
        doc = copy.deepcopy(tree)
        target = doc.getroot()
        enveloped = _ENVELOPED in algos_ or _XPATH in algos_
        if enveloped:
            found = _follow(doc.getroot(), _index_path(sig))
            if found is not None:
                _remove_keep_tail(found)
        c14n_algo = next((a for a in algos_ if a in _C14N), None)
        unsupported = [a for a in algos_ if a not in _C14N and a not in (_ENVELOPED, _XPATH)]
        if unsupported:
            raise _XmlError(f"unsupported transform {unsupported[0]}")
        return _c14n(
            doc if c14n_algo is None else target,
            c14n_algo or "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
        )
    target = ids.get(uri[1:])
    if target is None:
        raise _XmlError(f"reference {uri} not found")
    if target is _AMBIGUOUS:
        raise _XmlError(f"reference {uri} names more than one element")
    node = target
    if _BASE64 in algos_:
        # Enveloping over non-XML data: the decoded text of the ds:Object is what was digested.
        if algos_ != [_BASE64]:
            raise _XmlError("unsupported transform chain with base64")
        return _b64(str(node.xpath("string()")))
    if _ENVELOPED in algos_:
        node = copy.deepcopy(target)
        for inner in node.iter(f"{{{DS}}}Signature"):
            if inner.get("Id") == sig.get("Id"):
                _remove_keep_tail(inner)
                break
    c14n_algo = None
    prefixes = None
    for t in transforms:
        a = t.get("Algorithm")
        if a in _C14N:
            c14n_algo = a
            inc = t.find("{http://www.w3.org/2001/10/xml-exc-c14n#}InclusiveNamespaces")
            if inc is not None:
                prefixes = (inc.get("PrefixList") or "").split()
        elif a not in (_ENVELOPED,):
            raise _XmlError(f"unsupported transform {a}")
    return _c14n(node, c14n_algo or "http://www.w3.org/TR/2001/REC-xml-c14n-20010315", prefixes)


def _text(el: Any, path: str) -> str | None:
    found = el.find(path, NS)
    return found.text.strip() if found is not None and found.text else None


def _cert_digest_check(rep: SignatureReport, ssp: Any, signer: Cert) -> bool:
    """XAdES SigningCertificate(V2): the first Cert's digest must match the signer; SHA-1 fails."""
    cert_el = None
    for path in ("xa:SigningCertificateV2/xa:Cert", "xa:SigningCertificate/xa:Cert"):
        cert_el = ssp.find(path, NS) if ssp is not None else None
        if cert_el is not None:
            break
    if cert_el is None:
        rep.add("signing_certificate", "indeterminate", "verify.ess.missing", "SIG_CONSTRAINTS_FAILURE")
        return False
    method = cert_el.find("xa:CertDigest/ds:DigestMethod", NS)
    algo = _DIGESTS.get(method.get("Algorithm") if method is not None else "", "unknown")
    if algo in WEAK_HASHES or algo == "unknown":
        rep.add(
            "signing_certificate",
            "indeterminate",
            "verify.ess.sha1_reference",
            "SIG_CONSTRAINTS_FAILURE",
            algorithm=algo,
        )
        return False
    try:
        value = _b64(_text(cert_el, "xa:CertDigest/ds:DigestValue"))
    except _XmlError:
        value = b""
    if digest(algo, signer.der) != value:
        rep.add("signing_certificate", "indeterminate", "verify.ess.mismatch", "NO_SIGNING_CERTIFICATE_FOUND")
        return False
    rep.add("signing_certificate", "passed", "verify.ess.ok", algorithm=algo)
    return True


def _verify_signature_element(
    ctx: Context,
    sig: Any,
    tree: Any,
    ids: dict[str, Any],
    content: bytes | None,
    counter: bool = False,
    parent_value: Any = None,
) -> SignatureReport:
    """One ``ds:Signature``; for a countersignature, ``parent_value`` is the countersigned
    ``ds:SignatureValue``, which one of its references must cover (XAdES ``CountersignedSignature``)."""
    rep = SignatureReport()
    rep.label = sig.get("Id")
    signed_info = sig.find("ds:SignedInfo", NS)
    sig_value_el = sig.find("ds:SignatureValue", NS)
    if signed_info is None or sig_value_el is None:
        rep.add(
            "format",
            "failed",
            "verify.format.malformed",
            "FORMAT_FAILURE",
            reason="SignedInfo/SignatureValue",
        )
        return rep
    qp = sig.find("ds:Object/xa:QualifyingProperties", NS)
    sp = qp.find("xa:SignedProperties", NS) if qp is not None else None
    ssp = sp.find("xa:SignedSignatureProperties", NS) if sp is not None else None
    usp = qp.find("xa:UnsignedProperties/xa:UnsignedSignatureProperties", NS) if qp is not None else None

    # Certificates: KeyInfo and CertificateValues.
    certs: list[Cert] = []
    for el in sig.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS) + (
        usp.findall("xa:CertificateValues/xa:EncapsulatedX509Certificate", NS) if usp is not None else []
    ):
        try:
            certs.append(load_cert(_b64(el.text)))
        except (_XmlError, CryptoFailure):
            continue
    ctx.add_certs(certs)
    if usp is not None:
        for el in usp.findall("xa:RevocationValues/xa:CRLValues/xa:EncapsulatedCRLValue", NS):
            try:
                ctx.evidence.crls.append(_b64(el.text))
            except _XmlError:
                continue
        for el in usp.findall("xa:RevocationValues/xa:OCSPValues/xa:EncapsulatedOCSPValue", NS):
            try:
                ctx.evidence.ocsps.append(_b64(el.text))
            except _XmlError:
                continue

    # References.
    signed_props_covered = False
    all_ok = True
    data_refs = 0  # references to what is signed, not to the signature's own SignedProperties
    bound = False  # a countersignature's reference to its parent's SignatureValue, digest verified
    for ref in signed_info.findall("ds:Reference", NS):
        uri = ref.get("URI")
        target = ids.get(uri[1:]) if uri and uri.startswith("#") else None
        is_props = ref.get("Type") == _SIGNED_PROPS_TYPE or (sp is not None and target is sp)
        if not is_props:
            data_refs += 1
        method = ref.find("ds:DigestMethod", NS)
        algo = _DIGESTS.get(method.get("Algorithm") if method is not None else "")
        if algo is None:
            rep.add(
                "format",
                "failed",
                "verify.format.bad_algorithm",
                "FORMAT_FAILURE",
                algorithm=str(method.get("Algorithm") if method is not None else "-"),
            )
            all_ok = False
            continue
        if algo in WEAK_HASHES:
            rep.add(
                "algorithm",
                "indeterminate",
                "verify.algorithm.weak_digest",
                "CRYPTO_CONSTRAINTS_FAILURE",
                algorithm=algo,
            )
        try:
            octets = _reference_octets(ref, sig, tree, ids, content)
            expected = _b64(_text(ref, "ds:DigestValue"))
        except (_XmlError, InputError) as exc:
            rep.add("format", "failed", "verify.format.malformed", "FORMAT_FAILURE", reason=str(exc)[:200])
            all_ok = False
            continue
        if octets is None:
            rep.add("signed_data", "indeterminate", "verify.content.missing", "SIGNED_DATA_NOT_FOUND")
            all_ok = False
            continue
        if digest(algo, octets) != expected:
            rep.add("message_digest", "failed", "verify.digest.mismatch", "HASH_FAILURE")
            all_ok = False
        elif parent_value is not None and target is parent_value:
            bound = True
        if (
            ref.get("Type") == _SIGNED_PROPS_TYPE
            and sp is not None
            and ref.get("URI") == "#" + (sp.get("Id") or "")
        ):
            signed_props_covered = True
    if all_ok:
        rep.add("message_digest", "passed", "verify.digest.ok", algorithm="XML-DSig")
    if sp is not None and not signed_props_covered:
        rep.add("format", "failed", "verify.format.signed_properties", "FORMAT_FAILURE")
    if data_refs == 0:
        # Only the signature's own properties are signed: it vouches for no document at all.
        rep.add("signed_data", "failed", "verify.xades.no_signed_data", "FORMAT_FAILURE")
    if counter and not bound:
        rep.add("counter_signature", "failed", "verify.xades.countersignature_not_bound", "FORMAT_FAILURE")

    # Signer certificate: the one whose key verifies; the XAdES reference says which it must be.
    method_el = signed_info.find("ds:SignatureMethod", NS)
    method = _SIG_METHODS.get(method_el.get("Algorithm") if method_el is not None else "")
    c14n_el = signed_info.find("ds:CanonicalizationMethod", NS)
    signer: Cert | None = None
    if method is None:
        rep.add(
            "format",
            "failed",
            "verify.format.bad_algorithm",
            "FORMAT_FAILURE",
            algorithm=str(method_el.get("Algorithm") if method_el is not None else "-"),
        )
        return rep
    try:
        si_octets = _c14n(signed_info, c14n_el.get("Algorithm") if c14n_el is not None else None)
        sig_bytes = _b64(sig_value_el.text)
    except _XmlError as exc:
        rep.add("format", "failed", "verify.format.malformed", "FORMAT_FAILURE", reason=str(exc))
        return rep
    name, hash_name = method
    if name == "pss":
        from ebys_support.verification._crypto import hash_for

        h = hash_for(hash_name)
        alg = algos.SignedDigestAlgorithm(
            {
                "algorithm": "rsassa_pss",
                "parameters": {
                    "hash_algorithm": {"algorithm": hash_name},
                    "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {"algorithm": hash_name}},
                    "salt_length": h.digest_size,
                },
            }
        )
    else:
        alg = algos.SignedDigestAlgorithm({"algorithm": name})
    candidates = certs or list(ctx.certs)
    last_error = "no certificate in KeyInfo"
    for cand in candidates:
        value = sig_bytes
        if "ecdsa" in name:
            try:
                value = raw_ecdsa_to_der(sig_bytes)
            except CryptoFailure:
                value = sig_bytes
        try:
            verify_signature(cand.public_key, alg, value, si_octets, digest_name=hash_name)
            signer = cand
            break
        except CryptoFailure as exc:
            last_error = exc.reason
    if signer is None:
        if not candidates:
            rep.add(
                "signer_certificate",
                "indeterminate",
                "verify.signer_certificate.not_found",
                "NO_SIGNING_CERTIFICATE_FOUND",
            )
        else:
            signer = candidates[0]
            rep.add(
                "signature_value",
                "failed",
                "verify.signature.invalid",
                "SIG_CRYPTO_FAILURE",
                reason=last_error,
            )
    else:
        rep.add("signature_value", "passed", "verify.signature.ok")
    if hash_name in WEAK_HASHES:
        rep.add(
            "algorithm",
            "indeterminate",
            "verify.algorithm.weak_digest",
            "CRYPTO_CONSTRAINTS_FAILURE",
            algorithm=hash_name,
        )
    if signer is None:
        return rep
    rep.signer = signer_facts(signer, ctx.show_national_id)
    rep.certificate = certificate_facts(signer, show_national_id=ctx.show_national_id)
    _cert_digest_check(rep, ssp, signer)

    claimed: datetime | None = None
    st = _text(ssp, "xa:SigningTime") if ssp is not None else None
    if st:
        try:
            claimed = datetime.fromisoformat(st.replace("Z", "+00:00"))
            if claimed.tzinfo is None:
                from datetime import UTC

                claimed = claimed.replace(tzinfo=UTC)
        except ValueError:
            rep.add("format", "failed", "verify.format.malformed", "FORMAT_FAILURE", reason="SigningTime")
    timestamps: list[TimestampResult] = []
    for ts_el in usp.findall("xa:SignatureTimeStamp", NS) if usp is not None else []:
        c14n_ts = ts_el.find("ds:CanonicalizationMethod", NS)
        try:
            stamped = _c14n(sig_value_el, c14n_ts.get("Algorithm") if c14n_ts is not None else None)
            token = cms.ContentInfo.load(_b64(_text(ts_el, "xa:EncapsulatedTimeStamp")))
            timestamps.append(verify_timestamp(ctx, token, stamped, "signature"))
        except (_XmlError, ValueError, TypeError) as exc:
            timestamps.append(TimestampResult(False, None, None, "verify.timestamp.malformed"))
            del exc
    poe, valid_times = record_times(rep, ctx, timestamps, claimed, "xades")

    # Policy.
    policy_oid = policy_algo = None
    policy_hash: bytes | None = None
    spuris: list[str] = []
    spi = ssp.find("xa:SignaturePolicyIdentifier/xa:SignaturePolicyId", NS) if ssp is not None else None
    if spi is not None:
        ident = _text(spi, "xa:SigPolicyId/xa:Identifier") or ""
        policy_oid = ident[8:] if ident.lower().startswith("urn:oid:") else ident
        hm = spi.find("xa:SigPolicyHash/ds:DigestMethod", NS)
        policy_algo = _DIGESTS.get(hm.get("Algorithm") if hm is not None else "")
        try:
            policy_hash = _b64(_text(spi, "xa:SigPolicyHash/ds:DigestValue"))
        except _XmlError:
            policy_hash = None
        spuris = [
            e.text.strip()
            for e in spi.findall("xa:SigPolicyQualifiers/xa:SigPolicyQualifier/xa:SPURI", NS)
            if e.text
        ]
    prof = profile_for_policy(policy_oid)
    prefer = "crl" if prof is not None and prof.revocation == "crl" else None
    chain, status = check_certificate(rep, ctx, signer, TimeInfo(poe, claimed), prefer_revocation=prefer)
    rep.certificate["chain"] = [c.subject_text for c in chain[1:]]

    signed_names = {"content_type", "message_digest"}
    if claimed is not None:
        signed_names.add("signing_time")
    if ssp is not None and ssp.find("xa:SigningCertificateV2", NS) is not None:
        signed_names.add("signing_certificate_v2")
    elif ssp is not None and ssp.find("xa:SigningCertificate", NS) is not None:
        signed_names.add("signing_certificate_v2")  # v1 with a SHA-2 digest is checked above
    if spi is not None:
        signed_names.add("signature_policy_identifier")
    unsigned: set[str] = set()
    mapping = {
        "SignatureTimeStamp": "signature_time_stamp_token",
        "CertificateValues": "certificate_values",
        "RevocationValues": "revocation_values",
        "CompleteCertificateRefs": "complete_certificate_references",
        "CompleteCertificateRefsV2": "complete_certificate_references",
        "CompleteRevocationRefs": "complete_revocation_references",
        "SigAndRefsTimeStamp": "cades_c_time_stamp",
        "SigAndRefsTimeStampV2": "cades_c_time_stamp",
        "RefsOnlyTimeStamp": "time_stamped_certs_crls_refs",
        "RefsOnlyTimeStampV2": "time_stamped_certs_crls_refs",
        "CounterSignature": "counter_signature",
    }
    archive = False
    for child in usp if usp is not None else []:
        if not isinstance(child.tag, str):
            continue
        local = etree.QName(child).localname
        if local in mapping:
            unsigned.add(mapping[local])
        if local == "ArchiveTimeStamp":
            archive = True
    check_profile(
        rep,
        ctx,
        ProfileInput(
            policy_oid=policy_oid,
            policy_hash_algo=policy_algo,
            policy_hash=policy_hash,
            spuris=spuris,
            signed=signed_names,
            unsigned=unsigned,
            claimed_time=claimed,
            tst_times=valid_times,
            revocation=status,
            embedded_crl=status is not None and status.source == "crl" and status.origin == "embedded",
            embedded_ocsp=status is not None and status.source == "ocsp" and status.origin == "embedded",
            values_present={"certificate_values", "revocation_values"} <= unsigned,
            archive=archive,
            pades=False,
        ),
    )
    if rep.level and not rep.level.startswith("ES-") and rep.level in ("BES", "EPES"):
        pass
    for cs in usp.findall("xa:CounterSignature/ds:Signature", NS) if usp is not None else []:
        rep.counter_signatures.append(
            _verify_signature_element(ctx, cs, tree, ids, content, counter=True, parent_value=sig_value_el)
        )
    return rep


def verify_xades(ctx: Context, data: bytes, content: bytes | None, name: str | None) -> Report:
    tree = parse_xml(data)
    root = tree.getroot()
    sigs = [s for s in root.iter(f"{{{DS}}}Signature") if not _in_countersignature(s)]
    if not sigs:
        raise InputError("verify.not_signed", details={"reason": "no ds:Signature element"})
    ids = _ids(tree)
    fmt = "XAdES-enveloped"
    first_refs = sigs[0].findall("ds:SignedInfo/ds:Reference", NS)
    uris = [r.get("URI") for r in first_refs]
    if root.tag == f"{{{DS}}}Signature":
        fmt = "XAdES-enveloping"
    if any(_is_external(u) for u in uris):
        fmt = "XAdES-detached"
    report = Report(file=name, format=fmt)
    if content is None:
        content = ctx.detached_content
    for sig in sigs:
        rep = _verify_signature_element(ctx, sig, tree, ids, content)
        partial = _partial_scope(sig, root, ids)
        if partial is not None:
            rep.add("signed_data_scope", "warning", "verify.xades.partial_scope", elements=partial)
        report.signatures.append(rep)
    return report


def _partial_scope(sig: Any, root: Any, ids: dict[str, Any]) -> str | None:
    """For a signature inside a document: the parts it covers when that is not the whole document.

    A signature over one element of a letter leaves the rest of the letter open to change; the verdict
    stays the signature's, but the reader is told what was actually signed.
    """
    if sig is root:
        return None  # enveloping: what it signs is inside the signature
    covered: list[str] = []
    for ref in sig.findall("ds:SignedInfo/ds:Reference", NS):
        uri = ref.get("URI")
        if uri is None or uri == "":
            return None  # the whole document
        if not uri.startswith("#"):
            return None  # detached: the external file is the signed data
        if ref.get("Type") == _SIGNED_PROPS_TYPE:
            continue
        target = ids.get(uri[1:])
        if target is root:
            return None
        if target is not None and target is not _AMBIGUOUS:
            if any(a is sig for a in target.iterancestors()):
                continue  # an ds:Object of the signature itself
            covered.append(etree.QName(target).localname + uri)
    return ", ".join(covered) if covered else None
