"""Certificate paths: from a signer certificate to a trust anchor, built once and cached.

The anchors are the bundled KamuSM NES roots (:func:`ebys_support.trust.bundled_roots`) plus any the caller
gives. Intermediates come from the signature itself, from the caller, and (online) from the
``caIssuers`` address of the certificate's AIA extension. A path found is cached by the signer
certificate's fingerprint together with its time-independent checks (signatures, CA flags, key usage,
path length, unknown critical extensions); validity periods and revocation depend on the validation time
and are checked by the verifier for each signature.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from asn1crypto import x509 as asn1_x509

from ebys_support.verification._crypto import Cert, CryptoFailure, load_cert, raw, verify_signature

__all__ = ["KNOWN_EXTENSIONS", "PathResult", "TrustStore"]

#: Extensions a critical flag does not make us reject (we process or they do not restrict the path).
KNOWN_EXTENSIONS = frozenset(
    {
        "2.5.29.14",  # subjectKeyIdentifier
        "2.5.29.15",  # keyUsage
        "2.5.29.16",  # privateKeyUsagePeriod
        "2.5.29.17",  # subjectAltName
        "2.5.29.18",  # issuerAltName
        "2.5.29.19",  # basicConstraints
        "2.5.29.31",  # cRLDistributionPoints
        "2.5.29.32",  # certificatePolicies
        "2.5.29.35",  # authorityKeyIdentifier
        "2.5.29.37",  # extKeyUsage
        "2.5.29.46",  # freshestCRL
        "2.5.29.9",  # subjectDirectoryAttributes
        "1.3.6.1.5.5.7.1.1",  # authorityInfoAccess
        "1.3.6.1.5.5.7.1.3",  # qcStatements
        "1.3.6.1.5.5.7.48.1.5",  # id-pkix-ocsp-nocheck
    }
)

_MAX_DEPTH = 8


@dataclass(frozen=True)
class PathResult:
    """A path (signer first, anchor last) or the reason none was found.

    ``sub_indication``/``code`` are set when the path is missing or breaks a constraint.
    """

    chain: tuple[Cert, ...]
    sub_indication: str | None = None
    code: str | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.sub_indication is None


class TrustStore:
    """Trust anchors, a pool of known intermediates, and cached path building.

    Thread-safe; meant to be shared by every verification of a process (batch, service worker).

    :param anchors: trust anchors (asn1crypto certificates or DER bytes).
    :param fetch_issuer: optional callable returning DER certificates found at a caIssuers URL
        (online mode only).
    :param fetch_allowed: optional callable telling whether a caIssuers URL may be fetched; a path that
        could only be completed from a URL it refuses is reported as ``verify.chain.host_not_allowed``.
    """

    def __init__(
        self,
        anchors: Iterable[asn1_x509.Certificate | bytes],
        *,
        fetch_issuer: Callable[[str], list[bytes]] | None = None,
        fetch_allowed: Callable[[str], bool] | None = None,
    ) -> None:
        self._lock = threading.RLock()
        self.anchors: dict[str, Cert] = {}
        self._anchors_by_subject: dict[bytes, list[Cert]] = {}
        self._pool: dict[str, Cert] = {}
        self._pool_by_subject: dict[bytes, list[Cert]] = {}
        self._issued: dict[tuple[str, str], bool] = {}
        self._paths: dict[str, PathResult] = {}
        self._fetch_issuer = fetch_issuer
        self._fetch_allowed = fetch_allowed
        for anchor in anchors:
            self.add_anchor(anchor)

    def add_anchor(self, cert: asn1_x509.Certificate | bytes) -> Cert:
        c = load_cert(cert if isinstance(cert, bytes) else raw(cert))
        with self._lock:
            if c.sha256 not in self.anchors:
                self.anchors[c.sha256] = c
                self._anchors_by_subject.setdefault(c.subject_der, []).append(c)
                self._paths.clear()
        return c

    def add_intermediates(self, certs: Iterable[Cert]) -> None:
        """Make certificates available for path building (they are not trusted by being added)."""
        with self._lock:
            for c in certs:
                if c.sha256 in self._pool or c.sha256 in self.anchors or not c.is_ca:
                    continue
                if len(self._pool) > 50_000:  # a bound for long-running services
                    self._pool.clear()
                    self._pool_by_subject.clear()
                self._pool[c.sha256] = c
                self._pool_by_subject.setdefault(c.subject_der, []).append(c)
                # A new intermediate may complete a path that failed before.
                self._paths = {k: v for k, v in self._paths.items() if v.ok}

    def is_anchor(self, cert: Cert) -> bool:
        return cert.sha256 in self.anchors

    def issued_by(self, child: Cert, parent: Cert) -> bool:
        """Whether ``parent``'s key verifies ``child``'s signature (and the names chain); cached."""
        key = (child.sha256, parent.sha256)
        hit = self._issued.get(key)
        if hit is not None:
            return hit
        ok = child.issuer_der == parent.subject_der
        if ok and child.aki is not None and parent.ski is not None and child.aki != parent.ski:
            ok = False
        if ok:
            try:
                verify_signature(
                    parent.public_key,
                    child.asn1["signature_algorithm"],
                    child.crypto.signature,
                    child.crypto.tbs_certificate_bytes,
                )
            except CryptoFailure:
                ok = False
        self._issued[key] = ok
        return ok

    def _candidates(self, cert: Cert) -> list[Cert]:
        out = list(self._anchors_by_subject.get(cert.issuer_der, ()))
        out += self._pool_by_subject.get(cert.issuer_der, ())
        return out

    def _search(
        self, cert: Cert, seen: set[str], depth: int, online: bool, blocked: list[str]
    ) -> list[Cert] | None:
        if cert.sha256 in self.anchors:
            return [cert]
        if depth > _MAX_DEPTH:
            return None
        candidates = self._candidates(cert)
        if not candidates and online and self._fetch_issuer is not None:
            fetched = []
            for url in _ca_issuers(cert):
                if self._fetch_allowed is not None and not self._fetch_allowed(url):
                    blocked.append(url)
                    continue
                for der in self._fetch_issuer(url):
                    try:
                        fetched.append(load_cert(der))
                    except CryptoFailure:
                        continue
            self.add_intermediates(fetched)
            candidates = self._candidates(cert)
        for cand in candidates:
            if cand.sha256 in seen or not self.issued_by(cert, cand):
                continue
            rest = self._search(cand, seen | {cand.sha256}, depth + 1, online, blocked)
            if rest is not None:
                return [cert, *rest]
        return None

    def build(self, leaf: Cert, *, online: bool = False) -> PathResult:
        """The path from ``leaf`` to an anchor with its time-independent checks (cached)."""
        hit = self._paths.get(leaf.sha256)
        if hit is not None:
            return hit
        with self._lock:
            blocked: list[str] = []
            found = self._search(leaf, {leaf.sha256}, 0, online, blocked)
            if found is None and blocked:
                hosts = ", ".join(sorted({urlsplit(u).hostname or "-" for u in blocked}))
                result = PathResult(
                    (leaf,), "NO_CERTIFICATE_CHAIN_FOUND", "verify.chain.host_not_allowed", hosts
                )
            elif found is None:
                result = PathResult((leaf,), "NO_CERTIFICATE_CHAIN_FOUND", "verify.chain.not_found")
            else:
                result = _constraints(tuple(found), self)
            self._paths[leaf.sha256] = result
            return result


def _ca_issuers(cert: Cert) -> list[str]:
    aia = cert.extension("authority_information_access")
    urls = []
    for desc in aia or ():
        if desc["access_method"].native == "ca_issuers":
            loc = desc["access_location"]
            if loc.name == "uniform_resource_identifier" and str(loc.native).startswith("http"):
                urls.append(str(loc.native))
    return urls


def _constraints(chain: tuple[Cert, ...], store: TrustStore) -> PathResult:
    """RFC 5280 checks that do not depend on time, for every certificate below the anchor."""
    for i, cert in enumerate(chain):
        if store.is_anchor(cert):
            break  # a trust anchor's own constraints are not enforced (RFC 5280 §6.1)
        unknown = cert.has_critical_unknown(KNOWN_EXTENSIONS)
        if unknown:
            return PathResult(
                chain, "CHAIN_CONSTRAINTS_FAILURE", "verify.chain.unknown_critical", ", ".join(unknown)
            )
        if i == 0:
            continue
        bc = cert.extension("basic_constraints")
        if bc is None or not bc["ca"].native:
            return PathResult(chain, "CHAIN_CONSTRAINTS_FAILURE", "verify.chain.not_ca", cert.short_name)
        ku = cert.extension("key_usage")
        if ku is not None and "key_cert_sign" not in ku.native:
            return PathResult(chain, "CHAIN_CONSTRAINTS_FAILURE", "verify.chain.not_ca", cert.short_name)
        path_len = bc["path_len_constraint"].native
        if path_len is not None:
            below = sum(1 for c in chain[1:i] if not c.is_self_issued)
            if below > path_len:
                return PathResult(
                    chain, "CHAIN_CONSTRAINTS_FAILURE", "verify.chain.path_length", cert.short_name
                )
    return PathResult(chain)
