"""Revocation status from CRLs and OCSP responses: embedded, given by the caller, or fetched.

Every CRL and OCSP response is parsed and its signature checked once (cached by its bytes); a status is
then a dictionary look-up and a comparison of times. Online, OCSP is asked first (CRL first when the
profile requires a CRL), with timeouts; responses are cached in memory and, with a ``cache_dir``, on disk
(files replaced atomically), so service workers and batch processes share what one of them fetched.

A status answers "was this certificate revoked at time T?": a CRL is usable for T when it was issued at
or after T, or when T falls inside its ``thisUpdate``–``nextUpdate`` window; the same for an OCSP
response. ``revoked_at`` is reported so the verifier can tell revocation before and after the
signature's proof of existence.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from asn1crypto import core, pem
from asn1crypto import ocsp as asn1_ocsp
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp as x509_ocsp

from ebys_support.errors import InputError
from ebys_support.verification._crypto import Cert, CryptoFailure, digest, load_cert, raw, verify_signature

__all__ = [
    "KAMUSM_FETCH_HOSTS",
    "RevocationStatus",
    "RevocationChecker",
    "Evidence",
    "load_revocation_data",
    "classify",
    "bad_fetch_hosts",
    "host_allowed",
]

_SKEW = timedelta(minutes=5)

#: Hosts KamuSM publishes its OCSP responders, CRLs and CA certificates on (and their subdomains): what
#: the service fetches by default, since the URLs come from certificates inside untrusted uploads.
KAMUSM_FETCH_HOSTS: tuple[str, ...] = (
    "eimza.gov.tr",
    "*.eimza.gov.tr",
    "kamusm.gov.tr",
    "*.kamusm.gov.tr",
    "kamusm.bilgem.tubitak.gov.tr",
)

_MAX_REDIRECTS = 3


def host_allowed(url: str, patterns: Iterable[str] | None) -> bool:
    """Whether ``url`` is an http(s) URL whose host matches one of ``patterns``.

    A pattern is a host name (matched exactly, case-insensitively), ``*.name`` (any subdomain of
    ``name``, not ``name`` itself) or ``*`` (any host). ``None`` allows every http(s) URL.

    >>> host_allowed("http://ocsp.kamusm.gov.tr/", KAMUSM_FETCH_HOSTS)
    True
    >>> host_allowed("http://169.254.169.254/latest", KAMUSM_FETCH_HOSTS)
    False
    >>> host_allowed("http://kamusm.gov.tr.example.com/", KAMUSM_FETCH_HOSTS)
    False
    """
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".").lower()
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not host:
        return False
    if patterns is None:
        return True
    for pattern in patterns:
        pat = pattern.strip().rstrip(".").lower().strip("[]")  # an IPv6 literal may come bracketed
        if pat == "*" or pat == host:
            return True
        if pat.startswith("*.") and host.endswith(pat[1:]) and len(host) > len(pat) - 1:
            return True
    return False


_HOST_PATTERN = re.compile(r"^(\*|(\*\.)?[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?\.?|\[[0-9a-f:.]+\])$")


def bad_fetch_hosts(patterns: Iterable[str]) -> list[str]:
    """The patterns that are not a host name, ``*.name`` or ``*`` (to report a configuration typo).

    >>> bad_fetch_hosts(["kamusm.gov.tr", "*.eimza.gov.tr", "http://x/", '["localhost"]'])
    ['http://x/', '["localhost"]']
    """
    return [p for p in patterns if not _HOST_PATTERN.match(p.strip().lower())]


def url_host(url: str) -> str:
    """The host of ``url`` for messages (``-`` when it has none)."""
    try:
        return urlsplit(url).hostname or "-"
    except ValueError:
        return "-"


@dataclass(frozen=True)
class RevocationStatus:
    """``status`` is ``good``, ``revoked`` or ``unknown``; ``code`` names why for ``unknown``."""

    status: str
    source: str | None = None  # "crl" | "ocsp"
    origin: str | None = None  # "embedded" | "given" | "fetched"
    revoked_at: datetime | None = None
    reason: str | None = None
    issued: datetime | None = None
    code: str = "verify.revocation.good"
    host: str | None = None  # for ``verify.revocation.host_not_allowed``: the host not fetched from


@dataclass
class Evidence:
    """Revocation data and certificates a signature carries (CMS, CAdES values, DSS, XAdES values)."""

    crls: list[bytes]
    ocsps: list[bytes]  # full OCSPResponse or BasicOCSPResponse DER

    @classmethod
    def empty(cls) -> Evidence:
        return cls([], [])


@dataclass(frozen=True)
class _CRL:
    der: bytes
    sha256: str
    obj: x509.CertificateRevocationList
    issuer: x509.Name
    this_update: datetime
    next_update: datetime | None
    is_delta: bool
    idp: x509.IssuingDistributionPoint | None = None
    unknown_critical: bool = False


@dataclass(frozen=True)
class _OCSPSingle:
    serial: int
    name_hash: bytes
    key_hash: bytes
    hash_algo: str
    status: str
    revoked_at: datetime | None
    reason: str | None
    this_update: datetime
    next_update: datetime | None


@dataclass(frozen=True)
class _OCSP:
    der: bytes
    sha256: str
    basic: asn1_ocsp.BasicOCSPResponse
    produced_at: datetime
    singles: tuple[_OCSPSingle, ...]
    certs: tuple[Cert, ...]


def classify(data: bytes) -> str:
    """``crl``, ``ocsp`` or ``unknown`` for DER or PEM bytes."""
    try:
        der = _unpem(data)
        if len(der) < 4 or der[0] != 0x30:
            return "unknown"
        seq = core.Sequence.load(der)
        first_tag = seq.contents[0] if seq.contents else 0
        if first_tag == 0x0A:  # ENUMERATED responseStatus: an OCSPResponse
            asn1_ocsp.OCSPResponse.load(der)["response_status"].native  # noqa: B018
            return "ocsp"
        try:
            x509.load_der_x509_crl(der)
            return "crl"
        except ValueError:
            basic = asn1_ocsp.BasicOCSPResponse.load(der)
            basic["tbs_response_data"]["produced_at"].native  # noqa: B018
            return "ocsp"
    except (ValueError, TypeError, KeyError, IndexError, OverflowError):
        return "unknown"


def _unpem(data: bytes) -> bytes:
    if pem.detect(data):
        _, _, der = pem.unarmor(data)
        return bytes(der)
    return data


def load_revocation_data(paths: Iterable[str | Path]) -> list[bytes]:
    """DER CRLs and OCSP responses from files (DER or PEM) or directories of them.

    :raises InputError: ``input.not_found`` for a missing path, ``verify.revocation_data_unreadable``
        for a file that is neither a CRL nor an OCSP response.
    """
    out: list[bytes] = []
    for path in paths:
        p = Path(path)
        if not p.exists():
            raise InputError("input.not_found", details={"path": str(p)})
        files = sorted(c for c in p.rglob("*") if c.is_file()) if p.is_dir() else [p]
        for f in files:
            data = f.read_bytes()
            blocks = [bytes(b[2]) for b in pem.unarmor(data, multiple=True)] if pem.detect(data) else [data]
            for der in blocks:
                if classify(der) == "unknown":
                    if p.is_dir():
                        continue  # other files in a directory are ignored
                    raise InputError("verify.revocation_data_unreadable", details={"path": str(f)})
                out.append(der)
    return out


def _name_hash(cert: Cert, algo: str) -> bytes:
    return digest(algo, cert.subject_der)


def _key_hash(cert: Cert, algo: str) -> bytes:
    spki = cert.asn1["tbs_certificate"]["subject_public_key_info"]["public_key"]
    return digest(algo, bytes(spki.contents[1:]))  # BIT STRING without the unused-bits octet


class RevocationChecker:
    """Answers revocation questions for one process, sharing parsed data and fetched responses.

    :param mode: ``online`` (fetch when nothing usable is at hand), ``offline`` (embedded and given
        data only) or ``off``.
    :param given: DER CRLs/OCSP responses from the caller (used in both modes).
    :param cache_dir: folder for fetched responses shared between processes (optional).
    :param timeout: seconds for each network request.
    :param fetch_hosts: host patterns (see :func:`host_allowed`) whose URLs may be fetched; ``None``
        allows any host. URLs to other hosts are never requested (redirects included).
    """

    def __init__(
        self,
        mode: str = "online",
        *,
        given: Iterable[bytes] = (),
        cache_dir: str | Path | None = None,
        timeout: float = 10.0,
        fetch_hosts: Iterable[str] | None = None,
    ) -> None:
        if mode not in ("online", "offline", "off"):
            from ebys_support.errors import UsageError

            raise UsageError("verify.bad_revocation_mode", details={"mode": mode})
        self.mode = mode
        self.timeout = timeout
        self.fetch_hosts = tuple(fetch_hosts) if fetch_hosts is not None else None
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self._lock = threading.RLock()
        self._crls: dict[str, _CRL] = {}
        self._ocsps: dict[str, _OCSP] = {}
        self._crl_sig_ok: dict[tuple[str, str], bool] = {}
        self._ocsp_sig_ok: dict[tuple[str, str], bool] = {}
        self._given_crls: list[_CRL] = []
        self._given_ocsps: list[_OCSP] = []
        self._fetched_crls: dict[str, tuple[float, _CRL | None]] = {}
        self._fetched_ocsps: dict[tuple[str, int], tuple[float, _OCSP | None]] = {}
        self._failed_urls: dict[str, float] = {}
        self.fetch_count = 0
        for der in given:
            self.add_given(der)

    # -- parsing (cached by content) -------------------------------------------------------------

    def _crl(self, der: bytes) -> _CRL | None:
        key = hashlib.sha256(der).hexdigest()
        hit = self._crls.get(key)
        if hit is not None:
            return hit
        try:
            obj = x509.load_der_x509_crl(der)
            is_delta = any(e.oid.dotted_string == "2.5.29.27" for e in obj.extensions)
            idp = None
            unknown_critical = False
            for ext in obj.extensions:
                if isinstance(ext.value, x509.IssuingDistributionPoint):
                    idp = ext.value
                elif ext.critical and ext.oid.dotted_string not in _KNOWN_CRL_EXTENSIONS:
                    unknown_critical = True
            parsed = _CRL(
                der,
                key,
                obj,
                obj.issuer,
                obj.last_update_utc,
                obj.next_update_utc,
                is_delta,
                idp,
                unknown_critical,
            )
        except (ValueError, TypeError, UnsupportedAlgorithm):
            return None
        if len(self._crls) > 10_000:
            self._crls.clear()
        self._crls[key] = parsed
        return parsed

    def _ocsp(self, der: bytes) -> _OCSP | None:
        key = hashlib.sha256(der).hexdigest()
        hit = self._ocsps.get(key)
        if hit is not None:
            return hit
        try:
            parsed = _parse_ocsp(der, key)
        except (ValueError, TypeError, KeyError, AttributeError, CryptoFailure):
            return None
        if parsed is None:
            return None
        if len(self._ocsps) > 50_000:
            self._ocsps.clear()
        self._ocsps[key] = parsed
        return parsed

    def add_given(self, der: bytes) -> None:
        der = _unpem(der)
        kind = classify(der)
        if kind == "crl":
            c = self._crl(der)
            if c is not None:
                self._given_crls.append(c)
        elif kind == "ocsp":
            o = self._ocsp(der)
            if o is not None:
                self._given_ocsps.append(o)

    # -- evaluation -------------------------------------------------------------------------------

    def _crl_signed_by(self, crl: _CRL, issuer: Cert) -> bool:
        key = (crl.sha256, issuer.sha256)
        hit = self._crl_sig_ok.get(key)
        if hit is None:
            hit = crl.issuer == issuer.crypto.subject
            if hit:
                ku = issuer.extension("key_usage")
                if ku is not None and "crl_sign" not in ku.native:
                    hit = False
            if hit:
                try:
                    hit = bool(crl.obj.is_signature_valid(issuer.public_key))
                except (TypeError, ValueError, UnsupportedAlgorithm):
                    hit = False
            self._crl_sig_ok[key] = hit
        return hit

    def _from_crl(self, crl: _CRL, cert: Cert, issuer: Cert, at: datetime, now: datetime, origin: str):
        if crl.is_delta or crl.unknown_critical or not _crl_covers(crl, cert):
            return None
        if not self._crl_signed_by(crl, issuer):
            return None
        if crl.this_update > now + _SKEW:
            return None
        usable = crl.this_update >= at - _SKEW or (crl.next_update is not None and crl.next_update >= at)
        if not usable:
            return None
        entry = crl.obj.get_revoked_certificate_by_serial_number(cert.serial)
        if entry is None:
            return RevocationStatus("good", "crl", origin, issued=crl.this_update)
        reason = None
        try:
            ext = entry.extensions.get_extension_for_class(x509.CRLReason)
            reason = ext.value.reason.name
        except (x509.ExtensionNotFound, ValueError):
            pass
        if reason == "remove_from_crl":
            return RevocationStatus("good", "crl", origin, issued=crl.this_update)
        return RevocationStatus(
            "revoked",
            "crl",
            origin,
            revoked_at=entry.revocation_date_utc,
            reason=reason,
            issued=crl.this_update,
            code="verify.revocation.revoked",
        )

    def _ocsp_signed(self, resp: _OCSP, issuer: Cert, now: datetime) -> bool:
        key = (resp.sha256, issuer.sha256)
        hit = self._ocsp_sig_ok.get(key)
        if hit is None:
            hit = _check_ocsp_signature(resp, issuer)
            self._ocsp_sig_ok[key] = hit
        return hit

    def _from_ocsp(self, resp: _OCSP, cert: Cert, issuer: Cert, at: datetime, now: datetime, origin: str):
        for single in resp.singles:
            if single.serial != cert.serial:
                continue
            try:
                if single.name_hash != _name_hash(issuer, single.hash_algo):
                    continue
                if single.key_hash != _key_hash(issuer, single.hash_algo):
                    continue
            except CryptoFailure:
                continue
            if not self._ocsp_signed(resp, issuer, now):
                return None
            if single.this_update > now + _SKEW:
                return None
            usable = single.this_update >= at - _SKEW or (
                single.next_update is not None and single.next_update >= at
            )
            if not usable:
                return None
            if single.status == "good":
                return RevocationStatus("good", "ocsp", origin, issued=resp.produced_at)
            if single.status == "revoked":
                return RevocationStatus(
                    "revoked",
                    "ocsp",
                    origin,
                    revoked_at=single.revoked_at,
                    reason=single.reason,
                    issued=resp.produced_at,
                    code="verify.revocation.revoked",
                )
            return RevocationStatus("unknown", "ocsp", origin, code="verify.revocation.ocsp_unknown")
        return None

    def status(
        self,
        cert: Cert,
        issuer: Cert,
        at: datetime,
        *,
        evidence: Evidence | None = None,
        prefer: str | None = None,
        now: datetime | None = None,
    ) -> RevocationStatus:
        """The status of ``cert`` (issued by ``issuer``) at time ``at``.

        Order: embedded data, data given by the caller, fetched data (online mode). The first usable
        answer wins; a ``revoked`` answer from any usable source wins over ``good``.
        """
        now = now or datetime.now(UTC)
        answers: list[RevocationStatus] = []
        for der in evidence.ocsps if evidence else ():
            o = self._ocsp(der)
            if o is not None and (s := self._from_ocsp(o, cert, issuer, at, now, "embedded")):
                answers.append(s)
        for der in evidence.crls if evidence else ():
            c = self._crl(der)
            if c is not None and (s := self._from_crl(c, cert, issuer, at, now, "embedded")):
                answers.append(s)
        for o in self._given_ocsps:
            if s := self._from_ocsp(o, cert, issuer, at, now, "given"):
                answers.append(s)
        for c in self._given_crls:
            if s := self._from_crl(c, cert, issuer, at, now, "given"):
                answers.append(s)
        decided = _decide(answers, prefer)
        if decided is not None and (decided.status != "unknown" or self.mode != "online"):
            if prefer is None or decided.source == prefer or self.mode != "online":
                return decided
        if self.mode != "online":
            return decided or RevocationStatus("unknown", code="verify.revocation.no_data")
        fetched = self._fetch(cert, issuer, at, now, prefer)
        if fetched is not None:
            answers.append(fetched)
        decided = _decide(answers, prefer)
        if decided is not None:
            return decided
        urls = _ocsp_urls(cert) + _crl_urls(cert)
        if not urls:
            return RevocationStatus("unknown", code="verify.revocation.no_source")
        blocked = [u for u in urls if not self.allowed(u)]
        if len(blocked) == len(urls):
            host = ", ".join(sorted({url_host(u) for u in blocked}))
            return RevocationStatus("unknown", code="verify.revocation.host_not_allowed", host=host)
        return RevocationStatus("unknown", code="verify.revocation.unreachable")

    def allowed(self, url: str) -> bool:
        """Whether ``url`` may be fetched under ``fetch_hosts``."""
        return host_allowed(url, self.fetch_hosts)

    # -- network ----------------------------------------------------------------------------------

    def _fetch(self, cert: Cert, issuer: Cert, at: datetime, now: datetime, prefer: str | None):
        order = ("crl", "ocsp") if prefer == "crl" else ("ocsp", "crl")
        for kind in order:
            if kind == "ocsp":
                for url in _ocsp_urls(cert):
                    o = self._fetch_ocsp(url, cert, issuer, now)
                    if o is not None and (s := self._from_ocsp(o, cert, issuer, at, now, "fetched")):
                        return s
            else:
                for url in _crl_urls(cert):
                    c = self._fetch_crl(url, now)
                    if c is not None and (s := self._from_crl(c, cert, issuer, at, now, "fetched")):
                        return s
        return None

    def _cache_path(self, kind: str, key: str) -> Path | None:
        if self.cache_dir is None:
            return None
        return self.cache_dir / kind / (hashlib.sha256(key.encode()).hexdigest() + ".der")

    def _write_cache(self, path: Path | None, der: bytes) -> None:
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(der)
            os.replace(tmp, path)
        except OSError:
            pass  # a cache that cannot be written only costs a fetch

    def _read_cache(self, path: Path | None) -> bytes | None:
        if path is None:
            return None
        try:
            return path.read_bytes()
        except OSError:
            return None

    def _recently_failed(self, url: str) -> bool:
        t = self._failed_urls.get(url)
        return t is not None and time.monotonic() - t < 60

    def _fetch_crl(self, url: str, now: datetime) -> _CRL | None:
        hit = self._fetched_crls.get(url)
        if (
            hit is not None
            and hit[1] is not None
            and (hit[1].next_update is None or hit[1].next_update > now)
        ):
            return hit[1]
        path = self._cache_path("crl", url)
        cached = self._read_cache(path)
        if cached is not None:
            c = self._crl(cached)
            if c is not None and c.next_update is not None and c.next_update > now:
                self._fetched_crls[url] = (time.monotonic(), c)
                return c
        if self._recently_failed(url):
            return None
        der = self._get(url, None)
        c = self._crl(_unpem(der)) if der else None
        if c is None:
            self._failed_urls[url] = time.monotonic()
            return None
        self._fetched_crls[url] = (time.monotonic(), c)
        self._write_cache(path, c.der)
        return c

    def _fetch_ocsp(self, url: str, cert: Cert, issuer: Cert, now: datetime) -> _OCSP | None:
        key = (issuer.sha256, cert.serial)
        hit = self._fetched_ocsps.get(key)
        if hit is not None and hit[1] is not None and _ocsp_fresh(hit[1], hit[0], now):
            return hit[1]
        path = self._cache_path("ocsp", f"{issuer.sha256}:{cert.serial}")
        cached = self._read_cache(path)
        if cached is not None:
            o = self._ocsp(cached)
            mtime = path.stat().st_mtime if path is not None and path.exists() else 0.0
            if o is not None and _ocsp_fresh(o, time.monotonic() - (time.time() - mtime), now):
                self._fetched_ocsps[key] = (time.monotonic(), o)
                return o
        if self._recently_failed(url):
            return None
        try:
            req = (
                x509_ocsp.OCSPRequestBuilder()
                .add_certificate(cert.crypto, issuer.crypto, hashes.SHA1())  # noqa: S303 - CertID, not security
                .build()
                .public_bytes(serialization.Encoding.DER)
            )
        except (ValueError, TypeError):
            return None
        der = self._get(url, req)
        o = self._ocsp(der) if der else None
        if o is None:
            self._failed_urls[url] = time.monotonic()
            return None
        self._fetched_ocsps[key] = (time.monotonic(), o)
        self._write_cache(path, o.der)
        return o

    def _get(self, url: str, ocsp_request: bytes | None) -> bytes | None:
        import requests

        # Every URL, a redirect's target included, is checked against the allowed hosts: the URLs come
        # from certificates inside the files being verified, which anyone may have made.
        for _ in range(_MAX_REDIRECTS + 1):
            if not self.allowed(url):
                return None
            self.fetch_count += 1
            try:
                if ocsp_request is None:
                    r = requests.get(url, timeout=self.timeout, allow_redirects=False)
                else:
                    r = requests.post(
                        url,
                        data=ocsp_request,
                        headers={"Content-Type": "application/ocsp-request"},
                        timeout=self.timeout,
                        allow_redirects=False,
                    )
                if r.is_redirect and r.headers.get("Location"):
                    url = urljoin(url, r.headers["Location"])
                    continue
                if r.status_code != 200:
                    return None
                return r.content
            except requests.RequestException:
                return None
        return None

    def fetch_certificates(self, url: str) -> list[bytes]:
        """Certificates at a caIssuers URL (DER, PEM or a certs-only PKCS#7), for path building."""
        der = self._get(url, None) if self.mode == "online" else None
        if not der:
            return []
        try:
            if pem.detect(der):
                return [bytes(b[2]) for b in pem.unarmor(der, multiple=True)]
            try:
                load_cert(der)
                return [der]
            except CryptoFailure:
                from asn1crypto import cms

                sd = cms.ContentInfo.load(der)["content"]
                return [raw(c.chosen) for c in sd["certificates"] if c.name == "certificate"]
        except (ValueError, TypeError, KeyError):
            return []


#: CRL extensions we understand (a CRL with another critical one is not used, RFC 5280 §5.2).
_KNOWN_CRL_EXTENSIONS = frozenset(
    {
        "2.5.29.20",  # cRLNumber
        "2.5.29.27",  # deltaCRLIndicator
        "2.5.29.28",  # issuingDistributionPoint
        "2.5.29.35",  # authorityKeyIdentifier
        "2.5.29.18",  # issuerAltName
        "2.5.29.46",  # freshestCRL
        "1.3.6.1.5.5.7.1.1",  # authorityInfoAccess
    }
)


def _crl_covers(crl: _CRL, cert: Cert) -> bool:
    """Whether a (possibly partitioned) CRL's scope includes ``cert`` (RFC 5280 §5.2.5, §6.3.3).

    A CRL limited to CA or end-entity certificates, to some reasons, to attribute certificates, an
    indirect CRL, or one for another distribution point does not say that ``cert`` is not revoked.
    """
    idp = crl.idp
    if idp is None:
        return True
    if idp.only_contains_attribute_certs or idp.indirect_crl or idp.only_some_reasons:
        return False
    if idp.only_contains_ca_certs and not cert.is_ca:
        return False
    if idp.only_contains_user_certs and cert.is_ca:
        return False
    if idp.full_name:
        names = {str(g.value) for g in idp.full_name if isinstance(g, x509.UniformResourceIdentifier)}
        points = set(_crl_urls(cert))
        if names and points and not names & points:
            return False
    return True


def _ocsp_fresh(o: _OCSP, fetched_monotonic: float, now: datetime) -> bool:
    nexts = [s.next_update for s in o.singles if s.next_update is not None]
    if nexts:
        return min(nexts) > now
    return time.monotonic() - fetched_monotonic < 300


def _decide(answers: list[RevocationStatus], prefer: str | None) -> RevocationStatus | None:
    if not answers:
        return None
    revoked = [a for a in answers if a.status == "revoked"]
    if revoked:
        return min(revoked, key=lambda a: a.revoked_at or datetime.max.replace(tzinfo=UTC))
    good = [a for a in answers if a.status == "good"]
    if good:
        if prefer:
            preferred = [a for a in good if a.source == prefer]
            if preferred:
                return preferred[0]
        return good[0]
    return answers[0]


def _ocsp_urls(cert: Cert) -> list[str]:
    aia = cert.extension("authority_information_access")
    return [
        str(d["access_location"].native)
        for d in aia or ()
        if d["access_method"].native == "ocsp" and str(d["access_location"].native).startswith("http")
    ]


def _crl_urls(cert: Cert) -> list[str]:
    urls: list[str] = []
    for dp in cert.extension("crl_distribution_points") or ():
        name = dp["distribution_point"]
        if name.name != "full_name":
            continue
        for gn in name.chosen:
            if gn.name == "uniform_resource_identifier" and str(gn.native).startswith("http"):
                urls.append(str(gn.native))
    return urls


def _parse_ocsp(der: bytes, key: str) -> _OCSP | None:
    basic: Any
    if core.Sequence.load(der).contents[:1] == b"\x0a":  # a full OCSPResponse
        top = asn1_ocsp.OCSPResponse.load(der)
        if top["response_status"].native != "successful":
            return None
        basic = top["response_bytes"]["response"].parsed
    else:
        basic = asn1_ocsp.BasicOCSPResponse.load(der)
    tbs = basic["tbs_response_data"]
    singles = []
    for sr in tbs["responses"]:
        cid = sr["cert_id"]
        cs = sr["cert_status"]
        revoked_at = None
        reason = None
        if cs.name == "revoked":
            revoked_at = cs.chosen["revocation_time"].native
            r = cs.chosen["revocation_reason"]
            reason = r.native if r.native is not None else None
        singles.append(
            _OCSPSingle(
                serial=int(cid["serial_number"].native),
                name_hash=bytes(cid["issuer_name_hash"].native),
                key_hash=bytes(cid["issuer_key_hash"].native),
                hash_algo=cid["hash_algorithm"]["algorithm"].native,
                status=cs.name,
                revoked_at=revoked_at,
                reason=reason,
                this_update=sr["this_update"].native,
                next_update=sr["next_update"].native,
            )
        )
    certs = []
    for c in basic["certs"] or ():
        try:
            certs.append(load_cert(raw(c)))
        except CryptoFailure:
            continue
    return _OCSP(der, key, basic, tbs["produced_at"].native, tuple(singles), tuple(certs))


def _check_ocsp_signature(resp: _OCSP, issuer: Cert) -> bool:
    basic = resp.basic
    rid = basic["tbs_response_data"]["responder_id"]
    signer: Cert | None = None

    def matches(c: Cert) -> bool:
        if rid.name == "by_key":
            try:
                return bool(rid.native == _key_hash(c, "sha1"))
            except CryptoFailure:
                return False
        return bool(raw(rid.chosen) == c.subject_der)

    if matches(issuer):
        signer = issuer
    else:
        for c in resp.certs:
            if not matches(c):
                continue
            # A delegated responder: issued by the CA, with the OCSP-signing purpose.
            if c.issuer_der != issuer.subject_der:
                continue
            eku = c.extension("extended_key_usage")
            if eku is None or "ocsp_signing" not in eku.native:
                continue
            try:
                verify_signature(
                    issuer.public_key,
                    c.asn1["signature_algorithm"],
                    c.crypto.signature,
                    c.crypto.tbs_certificate_bytes,
                )
            except CryptoFailure:
                continue
            if not (c.not_before - _SKEW <= resp.produced_at <= c.not_after + _SKEW):
                continue
            signer = c
            break
    if signer is None:
        return False
    try:
        verify_signature(
            signer.public_key,
            basic["signature_algorithm"],
            basic["signature"].native,
            raw(basic["tbs_response_data"]),
        )
    except CryptoFailure:
        return False
    return True


def wrap_basic_ocsp(basic_der: bytes) -> bytes:
    """A full OCSPResponse around a BasicOCSPResponse (CAdES revocation values hold the basic form)."""
    return asn1_ocsp.OCSPResponse(
        {
            "response_status": "successful",
            "response_bytes": {
                "response_type": "basic_ocsp_response",
                "response": core.OctetString(basic_der),
            },
        }
    ).dump()
