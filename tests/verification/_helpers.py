"""Signature makers for the verification tests: ``openssl cms -sign`` and pyHanko over the test PKI.

Everything is produced at test time from the session PKI (``tests/fixtures/pki.py``); nothing is
committed. ``cades_sign`` builds CAdES with exactly the attributes a test asks for (policy, time-stamp,
values, countersignature), so each profile rule can be exercised.
"""

from __future__ import annotations

import hashlib
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

P2 = "2.16.792.1.61.0.1.5070.3.1.1"
P3 = "2.16.792.1.61.0.1.5070.3.2.1"
P4 = "2.16.792.1.61.0.1.5070.3.3.1"
POLICY_HASH = bytes.fromhex("ff39bd29463383f69b2052ac47439e06ce7c3b8646e888b6e5ae3e46ba08117a")


def policy_uri(oid: str) -> str:
    return f"http://www.eimza.gov.tr/EimzaPolitikalari/{oid.replace('.', '')}.pdf"


def openssl_sign(
    pki: Any,
    signer_name: str,
    data: bytes,
    tmp: Path,
    *,
    detached: bool = True,
    cades: bool = True,
    noattr: bool = False,
) -> bytes:
    """A CMS signature made by ``openssl cms -sign`` (``-cades`` adds signing-certificate-v2)."""
    s = pki.signer(signer_name)
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "in.bin").write_bytes(data)
    (tmp / "cert.pem").write_bytes(
        s.cert_pem if isinstance(s.cert_pem, bytes) else Path(s.cert_pem).read_bytes()
    )
    (tmp / "key.pem").write_bytes(s.key_pem if isinstance(s.key_pem, bytes) else Path(s.key_pem).read_bytes())
    (tmp / "chain.pem").write_bytes(
        s.chain_pem if isinstance(s.chain_pem, bytes) else Path(s.chain_pem).read_bytes()
    )
    cmd = [
        "openssl",
        "cms",
        "-sign",
        "-binary",
        "-in",
        str(tmp / "in.bin"),
        "-signer",
        str(tmp / "cert.pem"),
        "-inkey",
        str(tmp / "key.pem"),
        "-certfile",
        str(tmp / "chain.pem"),
        "-md",
        "sha256",
        "-outform",
        "DER",
        "-out",
        str(tmp / "out.p7s"),
    ]
    if not detached:
        cmd.append("-nodetach")
    if cades and not noattr:
        cmd.append("-cades")
    if noattr:
        cmd.append("-noattr")
    subprocess.run(cmd, check=True, capture_output=True)
    return (tmp / "out.p7s").read_bytes()


def _attr(type_: str, values: list[Any]) -> cms.CMSAttribute:
    return cms.CMSAttribute({"type": type_, "values": values})


def _raw_attr(oid: str, value_der: bytes) -> cms.CMSAttribute:
    oid_der = core.ObjectIdentifier(oid).dump()
    values = b"\x31" + _len(len(value_der)) + value_der
    body = oid_der + values
    return cms.CMSAttribute.load(b"\x30" + _len(len(body)) + body)


def _sign_bytes(private_key: Any, data: bytes) -> tuple[bytes, str]:
    if isinstance(private_key, rsa.RSAPrivateKey):
        return private_key.sign(data, padding.PKCS1v15(), hashes.SHA256()), "sha256_rsa"
    assert isinstance(private_key, ec.EllipticCurvePrivateKey)
    return private_key.sign(data, ec.ECDSA(hashes.SHA256())), "sha256_ecdsa"


def ess_v2(cert: asn1_x509.Certificate, algo: str = "sha256") -> cms.CMSAttribute:
    h = hashlib.new(algo, cert.dump()).digest()
    value = tsp.SigningCertificateV2(
        {
            "certs": [
                {
                    "hash_algorithm": {"algorithm": algo},
                    "cert_hash": h,
                    "issuer_serial": {
                        "issuer": [asn1_x509.GeneralName({"directory_name": cert.issuer})],
                        "serial_number": cert.serial_number,
                    },
                }
            ]
        }
    )
    return _attr("signing_certificate_v2", [value])


def policy_attr(oid: str, hash_value: bytes = POLICY_HASH, uri: str | None = "default") -> cms.CMSAttribute:
    from pyhanko.sign.ades.cades_asn1 import SignaturePolicyIdentifier

    quals = []
    if uri is not None:
        quals.append(
            {
                "sig_policy_qualifier_id": "sp_uri",
                "sig_qualifier": core.IA5String(policy_uri(oid) if uri == "default" else uri),
            }
        )
    spi: dict[str, Any] = {
        "sig_policy_id": oid,
        "sig_policy_hash": {"digest_algorithm": {"algorithm": "sha256"}, "digest": hash_value},
    }
    if quals:
        spi["sig_policy_qualifiers"] = quals
    return _attr("signature_policy_identifier", [SignaturePolicyIdentifier({"signature_policy_id": spi})])


def signer_info(
    pki: Any,
    signer_name: str,
    data: bytes,
    *,
    content_type: str | None = "data",
    signing_time: datetime | None = None,
    policy: str | None = None,
    ess: str | None = "sha256",
    extra_signed: list[cms.CMSAttribute] | None = None,
) -> cms.SignerInfo:
    s = pki.signer(signer_name)
    attrs = []
    if content_type:
        attrs.append(_attr("content_type", [content_type]))
    attrs.append(_attr("message_digest", [hashlib.sha256(data).digest()]))
    attrs.append(_attr("signing_time", [core.UTCTime(signing_time or datetime.now(UTC))]))
    if ess:
        attrs.append(ess_v2(s.cert, ess))
    if policy:
        attrs.append(policy_attr(policy))
    attrs.extend(extra_signed or [])
    signed_attrs = cms.CMSAttributes(attrs)
    sig, alg = _sign_bytes(s.private_key, signed_attrs.dump())
    return cms.SignerInfo(
        {
            "version": "v1",
            "sid": {
                "issuer_and_serial_number": {"issuer": s.cert.issuer, "serial_number": s.cert.serial_number}
            },
            "digest_algorithm": {"algorithm": "sha256"},
            "signed_attrs": signed_attrs,
            "signature_algorithm": {"algorithm": "rsassa_pkcs1v15" if "rsa" in alg else alg},
            "signature": sig,
        }
    )


def timestamp_token(pki: Any, data: bytes) -> cms.ContentInfo:
    resp = pki.timestamp(data)
    return resp["time_stamp_token"]


def with_unsigned(si: cms.SignerInfo, attrs: list[cms.CMSAttribute]) -> cms.SignerInfo:
    current = list(si["unsigned_attrs"]) if si["unsigned_attrs"].native else []
    new = cms.SignerInfo.load(si.dump())
    new["unsigned_attrs"] = cms.CMSAttributes(current + attrs)
    return new


def add_timestamp(pki: Any, si: cms.SignerInfo) -> cms.SignerInfo:
    token = timestamp_token(pki, si["signature"].native)
    return with_unsigned(si, [_attr("signature_time_stamp_token", [token])])


def add_values(
    si: cms.SignerInfo, certs: list[asn1_x509.Certificate], crls: list[bytes], ocsps: list[bytes]
) -> cms.SignerInfo:
    """CAdES certificate-values and revocation-values (OCSP as BasicOCSPResponse) + empty refs."""
    from asn1crypto import ocsp as asn1_ocsp

    cert_values = _CertValues(list(certs))
    crl_seq = b"".join(crls)
    basic = []
    for o in ocsps:
        basic.append(asn1_ocsp.OCSPResponse.load(o)["response_bytes"]["response"].parsed.dump())
    parts = b""
    if crls:
        inner = b"\x30" + _len(len(crl_seq)) + crl_seq
        parts += b"\xa0" + _len(len(inner)) + inner
    if basic:
        body = b"".join(basic)
        inner = b"\x30" + _len(len(body)) + body
        parts += b"\xa1" + _len(len(inner)) + inner
    rev_values = b"\x30" + _len(len(parts)) + parts
    empty_seq = b"\x30\x00"
    return with_unsigned(
        si,
        [
            _raw_attr("1.2.840.113549.1.9.16.2.21", empty_seq),
            _raw_attr("1.2.840.113549.1.9.16.2.22", empty_seq),
            _raw_attr("1.2.840.113549.1.9.16.2.23", cert_values.dump()),
            _raw_attr("1.2.840.113549.1.9.16.2.24", rev_values),
        ],
    )


class _CertValues(core.SequenceOf):
    _child_spec = asn1_x509.Certificate


def _len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def counter_sign(pki: Any, si: cms.SignerInfo, signer_name: str) -> cms.SignerInfo:
    cs = signer_info(pki, signer_name, si["signature"].native, content_type=None)
    return with_unsigned(si, [cms.CMSAttribute({"type": "counter_signature", "values": [cs]})])


def signed_data(
    pki: Any,
    signer_infos: list[cms.SignerInfo],
    *,
    content: bytes | None = None,
    names: tuple[str, ...] = ("rsa",),
    extra_certs: list[asn1_x509.Certificate] | None = None,
    chain: bool = True,
) -> bytes:
    """An attached (``content``) or detached SignedData holding the ``names`` signers' certificates.

    ``chain=False`` leaves out their CA certificates, as a token holding only the signer's certificate does.
    """
    certs: dict[bytes, asn1_x509.Certificate] = {}
    for n in names:
        s = pki.signer(n)
        for c in (s.cert, *s.chain) if chain else (s.cert,):
            certs[c.dump()] = c
    for c in extra_certs or ():
        certs[c.dump()] = c
    eci: dict[str, Any] = {"content_type": "data"}
    if content is not None:
        eci["content"] = content
    sd = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
            "encap_content_info": eci,
            "certificates": [cms.CertificateChoices({"certificate": c}) for c in certs.values()],
            "signer_infos": signer_infos,
        }
    )
    return cms.ContentInfo({"content_type": "signed_data", "content": sd}).dump()


def cades(pki: Any, signer_name: str, data: bytes, *, attached: bool = False, **kwargs: Any) -> bytes:
    si = signer_info(pki, signer_name, data, **kwargs)
    return signed_data(pki, [si], content=data if attached else None, names=(signer_name,))


def minimal_pdf(pages: int = 1) -> bytes:
    """A small valid PDF with ``pages`` empty A4 pages (pyHanko's writer)."""
    import io

    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.writer import PdfFileWriter

    w = PdfFileWriter()
    for _ in range(pages):
        page = generic.DictionaryObject(
            {
                generic.pdf_name("/Type"): generic.pdf_name("/Page"),
                generic.pdf_name("/MediaBox"): generic.ArrayObject(
                    [
                        generic.NumberObject(0),
                        generic.NumberObject(0),
                        generic.NumberObject(595),
                        generic.NumberObject(842),
                    ]
                ),
            }
        )
        w.insert_page(page)
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def pyhanko_pdf(
    pki: Any,
    signer_name: str,
    pdf: bytes,
    *,
    timestamp: bool = False,
    lt: bool = False,
    field: str = "Sig1",
    chain: bool = True,
) -> bytes:
    """A PAdES signature made by pyHanko itself (PKCS#12 signer), optionally B-T / B-LT."""
    import io

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers, timestamps
    from pyhanko.sign.fields import SigSeedSubFilter
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend

    s = pki.signer(signer_name)
    signer = signers.SimpleSigner.load_pkcs12(str(s.p12), passphrase=s.p12_password.encode())
    assert signer is not None
    if not chain:
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        signer = signers.SimpleSigner(signer.signing_cert, signer.signing_key, SimpleCertificateStore())
    meta = signers.PdfSignatureMetadata(
        field_name=field,
        subfilter=SigSeedSubFilter.PADES,
        embed_validation_info=lt,
        validation_context=(
            ValidationContext(
                trust_roots=[pki.root], allow_fetching=True, fetcher_backend=RequestsFetcherBackend()
            )
            if lt
            else None
        ),
    )
    tsa = timestamps.HTTPTimeStamper(pki.tsa_url) if (timestamp or lt) else None
    out = io.BytesIO()
    signers.PdfSigner(meta, signer, timestamper=tsa).sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)), output=out
    )
    return out.getvalue()


def pdf_change_page(pdf: bytes) -> bytes:
    """An incremental update after signing that changes the first page's size (content change)."""
    import io

    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    w = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page_ref = w.root["/Pages"]["/Kids"][0]
    page = page_ref.get_object()
    page["/MediaBox"] = generic.ArrayObject(
        [
            generic.NumberObject(0),
            generic.NumberObject(0),
            generic.NumberObject(100),
            generic.NumberObject(100),
        ]
    )
    w.update_container(page)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()
