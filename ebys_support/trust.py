"""Trust anchors: the bundled KamuSM NES roots and certificates a user adds.

The roots in ``ebys_support/data/trust/kamusm-nes-roots.pem`` are KamuSM's "Kamu SM Kök Sertifika Hizmet
Sağlayıcısı" versions 4–7, with their provenance and SHA-256 fingerprints in ``README.txt`` beside them.
At load time every bundled root is checked against the pinned fingerprints in :data:`PINNED_FINGERPRINTS`,
so an edited file can never silently add a root.

>>> sorted(r.subject.native["common_name"][-7:] for r in bundled_roots())
['Sürüm 4', 'Sürüm 5', 'Sürüm 6', 'Sürüm 7']
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path

from asn1crypto import pem, x509

from ebys_support.errors import InputError

__all__ = [
    "PINNED_FINGERPRINTS",
    "bundled_roots",
    "load_certificates",
    "parse_certificates",
    "fingerprint",
    "roots_with",
]

#: SHA-256 fingerprints of the bundled KamuSM NES roots (from the official store, see README.txt).
PINNED_FINGERPRINTS = frozenset(
    {
        "23044f859844c23a2d082e518627fe8d69f5b21a7f7af30ce204434c4055387d",  # Sürüm 7, P-384, to 2035
        "aa466d3b528dc947c7e1dca594c0deb4a1d2b987c119125fcd7435de92a23c60",  # Sürüm 6, P-384, to 2029
        "0f41d3bdb0687fd825303974cd052ccaca0a03b4125a2fd4a18f5063512318f3",  # Sürüm 5, RSA, expired 2023
        "fb3d224bbc9b70b0d11929865e23d3993145b0d45b0cc54a3b8db0b55cd7c90c",  # Sürüm 4, RSA, expired 2022
    }
)

_CERT_SUFFIXES = {".pem", ".crt", ".cer", ".der", ".cert", ".p7c"}


def fingerprint(cert: x509.Certificate) -> str:
    """Lower-case hex SHA-256 of the certificate's DER encoding."""
    return hashlib.sha256(cert.dump()).hexdigest()


@lru_cache(maxsize=1)
def bundled_roots() -> tuple[x509.Certificate, ...]:
    """The KamuSM NES roots shipped with the package, each verified against its pinned fingerprint."""
    data = (resources.files("ebys_support.data.trust") / "kamusm-nes-roots.pem").read_bytes()
    roots = tuple(parse_certificates(data, source="kamusm-nes-roots.pem"))
    for root in roots:
        if fingerprint(root) not in PINNED_FINGERPRINTS:
            raise RuntimeError(
                f"bundled root {root.subject.human_friendly} does not match a pinned fingerprint"
            )
    return roots


def parse_certificates(data: bytes, *, source: str = "<bytes>") -> list[x509.Certificate]:
    """Certificates from PEM (one or many) or DER bytes, whatever the file was called.

    :raises InputError: ``trust.unreadable`` when the bytes hold no certificate.
    """
    certs: list[x509.Certificate] = []
    try:
        if pem.detect(data):
            for type_name, _headers, der in pem.unarmor(data, multiple=True):
                if type_name in ("CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"):
                    cert = x509.Certificate.load(der)
                    cert.native  # noqa: B018 - parse fully now, not at first use
                    certs.append(cert)
        else:
            cert = x509.Certificate.load(data)
            cert.native  # noqa: B018
            certs.append(cert)
    except (ValueError, TypeError, OSError) as exc:
        raise InputError(
            "trust.unreadable", details={"path": source, "reason": str(exc) or type(exc).__name__}
        ) from exc
    if not certs:
        raise InputError("trust.unreadable", details={"path": source, "reason": "no certificate found"})
    return certs


def load_certificates(path: str | Path) -> list[x509.Certificate]:
    """Certificates from a PEM/DER file (any extension) or from every certificate file in a directory.

    In a directory, files with the usual certificate extensions are read (``.pem .crt .cer .der .cert``);
    a file given by name is read whatever its extension.

    :raises InputError: ``input.not_found`` or ``trust.unreadable``.
    """
    p = Path(path)
    if not p.exists():
        raise InputError("input.not_found", details={"path": str(p)})
    if p.is_dir():
        found: list[x509.Certificate] = []
        for child in sorted(p.iterdir()):
            if child.is_file() and child.suffix.lower() in _CERT_SUFFIXES:
                found.extend(load_certificates(child))
        if not found:
            raise InputError("trust.unreadable", details={"path": str(p), "reason": "no certificate files"})
        return found
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(
            "input.unreadable", details={"path": str(p), "reason": exc.strerror or str(exc)}
        ) from exc
    return parse_certificates(data, source=str(p))


def roots_with(extra: Iterable[str | Path] | None = None) -> list[x509.Certificate]:
    """The bundled roots plus the certificates found at each path of ``extra``, without duplicates."""
    result: list[x509.Certificate] = list(bundled_roots())
    seen = {fingerprint(c) for c in result}
    for path in extra or ():
        for cert in load_certificates(path):
            fp = fingerprint(cert)
            if fp not in seen:
                seen.add(fp)
                result.append(cert)
    return result
