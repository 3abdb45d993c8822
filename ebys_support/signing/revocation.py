"""Revocation data taken at signing: certificate chains, OCSP responses and CRLs.

P4 takes OCSP at signing; P3 collects CRLs when it is upgraded to ES-XL after its grace period. What is
fetched here is embedded (CAdES ``revocation-values``, PAdES ``/DSS``); its full validation is the
verifier's job. A responder that cannot be reached, or answers with anything but a usable response, is
``signing.revocation_unavailable``; a certificate reported revoked is ``signing.certificate_revoked``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import requests
from asn1crypto import crl, ocsp, x509

from ebys_support.signing.errors import CertificateRevoked, RevocationUnavailable

__all__ = ["ValidationData", "build_chain", "collect", "fetch_ocsp", "fetch_crl", "is_self_signed"]

Method = Literal["ocsp", "crl", "any"]


@dataclass(frozen=True)
class RevocationRef:
    """The revocation evidence used for one certificate of the chain."""

    certificate: x509.Certificate
    ocsp: ocsp.OCSPResponse | None = None
    crl: crl.CertificateList | None = None


@dataclass(frozen=True)
class ValidationData:
    """Chain and revocation evidence for a signer, signer first."""

    #: The signer's certificate followed by its CA certificates up to the root (when known).
    chain: tuple[x509.Certificate, ...]
    #: One entry per certificate that is not a trust anchor, in chain order.
    refs: tuple[RevocationRef, ...] = field(default=())

    @property
    def crls(self) -> tuple[crl.CertificateList, ...]:
        out: list[crl.CertificateList] = []
        seen: set[bytes] = set()
        for r in self.refs:
            if r.crl is not None and r.crl.dump() not in seen:
                seen.add(r.crl.dump())
                out.append(r.crl)
        return tuple(out)

    @property
    def ocsps(self) -> tuple[ocsp.OCSPResponse, ...]:
        return tuple(r.ocsp for r in self.refs if r.ocsp is not None)


def is_self_signed(cert: x509.Certificate) -> bool:
    """Whether subject and issuer are the same (a root)."""
    return bool(cert.self_issued)


def _issuer_of(cert: x509.Certificate, pool: Sequence[x509.Certificate]) -> x509.Certificate | None:
    candidates = [c for c in pool if c.subject == cert.issuer]
    aki = cert.authority_key_identifier
    if aki is not None and len(candidates) > 1:
        by_ski = [c for c in candidates if c.key_identifier == aki]
        candidates = by_ski or candidates
    return candidates[0] if candidates else None


def build_chain(cert: x509.Certificate, pool: Iterable[x509.Certificate]) -> tuple[x509.Certificate, ...]:
    """``cert`` followed by its issuers found in ``pool``, up to a self-signed root or a missing link."""
    pool_list = [c for c in pool]
    chain = [cert]
    seen = {cert.dump()}
    current = cert
    while not is_self_signed(current):
        issuer = _issuer_of(current, pool_list)
        if issuer is None or issuer.dump() in seen:
            break
        chain.append(issuer)
        seen.add(issuer.dump())
        current = issuer
    return tuple(chain)


def _get(session: requests.Session, url: str, timeout: float, **kwargs: object) -> bytes:
    try:
        if "data" in kwargs:
            res = session.post(url, timeout=timeout, **kwargs)  # type: ignore[arg-type]
        else:
            res = session.get(url, timeout=timeout)
    except requests.RequestException as exc:
        raise RevocationUnavailable(details={"url": url, "reason": type(exc).__name__}) from None
    if res.status_code != 200:
        raise RevocationUnavailable(details={"url": url, "reason": f"HTTP {res.status_code}"})
    return res.content


def _subject(cert: x509.Certificate) -> str:
    """The certificate's common name (with the serialNumber, the T.C. Kimlik No of a NES), else the whole
    subject: a name people recognise, without asn1crypto's English field labels."""
    native = cert.subject.native
    cn = native.get("common_name")
    if not cn:
        return str(cert.subject.human_friendly)
    serial = native.get("serial_number")
    return f"{cn} ({serial})" if serial else str(cn)


def fetch_ocsp(
    cert: x509.Certificate,
    issuer: x509.Certificate,
    *,
    timeout: float = 10.0,
    session: requests.Session | None = None,
) -> ocsp.OCSPResponse:
    """An OCSP response for ``cert`` from the responder named in its AIA.

    :raises RevocationUnavailable: no responder, unreachable, or not a successful response.
    :raises CertificateRevoked: the responder says the certificate is revoked.
    """
    urls = list(cert.ocsp_urls)
    if not urls:
        raise RevocationUnavailable(details={"certificate": _subject(cert), "reason": "no OCSP responder"})
    req = ocsp.OCSPRequest(
        {
            "tbs_request": {
                "request_list": [
                    {
                        "req_cert": {
                            "hash_algorithm": {"algorithm": "sha1"},
                            "issuer_name_hash": issuer.subject.sha1,
                            "issuer_key_hash": issuer.public_key.sha1,
                            "serial_number": cert.serial_number,
                        }
                    }
                ]
            }
        }
    )
    http = session or requests.Session()
    last: RevocationUnavailable | None = None
    for url in urls:
        try:
            body = _get(
                http, url, timeout, data=req.dump(), headers={"Content-Type": "application/ocsp-request"}
            )
        except RevocationUnavailable as exc:
            last = exc
            continue
        try:
            resp = ocsp.OCSPResponse.load(body)
            status = resp["response_status"].native
            if status != "successful":
                raise RevocationUnavailable(details={"url": url, "reason": f"OCSP {status}"})
            single = resp.basic_ocsp_response["tbs_response_data"]["responses"][0]
            if single["cert_id"]["serial_number"].native != cert.serial_number:
                raise RevocationUnavailable(
                    details={"url": url, "reason": "OCSP answer for another certificate"}
                )
            cert_status = single["cert_status"].name
        except (ValueError, TypeError, KeyError, IndexError):
            raise RevocationUnavailable(details={"url": url, "reason": "malformed OCSP response"}) from None
        if cert_status == "revoked":
            raise CertificateRevoked(details={"certificate": _subject(cert), "source": "OCSP"})
        if cert_status != "good":
            raise RevocationUnavailable(details={"url": url, "reason": f"OCSP status {cert_status}"})
        return resp
    assert last is not None
    raise last


def fetch_crl(
    cert: x509.Certificate,
    *,
    timeout: float = 10.0,
    session: requests.Session | None = None,
) -> crl.CertificateList:
    """The CRL from ``cert``'s distribution points, checked for ``cert``'s serial number.

    :raises RevocationUnavailable: no distribution point, unreachable, or not a CRL.
    :raises CertificateRevoked: the certificate is on the CRL.
    """
    urls = [dp.url for dp in cert.crl_distribution_points if dp.url]
    if not urls:
        raise RevocationUnavailable(
            details={"certificate": _subject(cert), "reason": "no CRL distribution point"}
        )
    http = session or requests.Session()
    last: RevocationUnavailable | None = None
    for url in urls:
        try:
            body = _get(http, url, timeout)
        except RevocationUnavailable as exc:
            last = exc
            continue
        try:
            cl = crl.CertificateList.load(body)
            revoked = cl["tbs_cert_list"]["revoked_certificates"]
            serials = {r["user_certificate"].native for r in revoked} if revoked else set()
        except (ValueError, TypeError, KeyError):
            raise RevocationUnavailable(details={"url": url, "reason": "malformed CRL"}) from None
        if cert.serial_number in serials:
            raise CertificateRevoked(details={"certificate": _subject(cert), "source": "CRL"})
        return cl
    assert last is not None
    raise last


def collect(
    cert: x509.Certificate,
    pool: Iterable[x509.Certificate],
    *,
    method: Method = "ocsp",
    timeout: float = 10.0,
) -> ValidationData:
    """Chain and revocation evidence for ``cert``, fetched now.

    :param method: ``"ocsp"`` — OCSP for the signer's certificate (mandatory), OCSP or CRL for CAs;
        ``"crl"`` — CRLs, OCSP where a certificate has no CRL; ``"any"`` — OCSP first, then CRL.
    """
    chain = build_chain(cert, pool)
    http = requests.Session()
    refs: list[RevocationRef] = []
    try:
        for i, c in enumerate(chain):
            if is_self_signed(c):
                continue
            if i + 1 >= len(chain):
                raise RevocationUnavailable(details={"certificate": _subject(c), "reason": "issuer unknown"})
            issuer = chain[i + 1]
            refs.append(_one(c, issuer, method=method, strict=(i == 0), timeout=timeout, http=http))
    finally:
        http.close()
    return ValidationData(chain=chain, refs=tuple(refs))


def _one(
    cert: x509.Certificate,
    issuer: x509.Certificate,
    *,
    method: Method,
    strict: bool,
    timeout: float,
    http: requests.Session,
) -> RevocationRef:
    order: tuple[str, ...]
    if method == "crl":
        order = ("crl", "ocsp")
    elif method == "ocsp" and strict:
        order = ("ocsp",)
    else:
        order = ("ocsp", "crl")
    last: RevocationUnavailable | None = None
    for kind in order:
        try:
            if kind == "ocsp":
                return RevocationRef(cert, ocsp=fetch_ocsp(cert, issuer, timeout=timeout, session=http))
            return RevocationRef(cert, crl=fetch_crl(cert, timeout=timeout, session=http))
        except RevocationUnavailable as exc:
            last = exc
    assert last is not None
    raise last
