"""What the token doctor needs to know about a certificate found on a token.

:func:`describe` turns DER bytes into a :class:`CertificateInfo`: subject, T.C. Kimlik No (the subject's
``serialNumber`` when it is 11 digits), issuer, serial, validity, key usage, policies, whether it is a
qualified certificate (see ``qualified.toml``) and a key fingerprint used to pair it with key objects.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from typing import Any

from asn1crypto import core, x509

__all__ = ["CertificateInfo", "describe", "public_key_id", "qualified_rules", "QC_EXTENSION"]

QC_EXTENSION = "1.3.6.1.5.5.7.1.3"


class _QcStatement(core.Sequence):
    # RFC 3739 QCStatement; parsed locally so that importing pyHanko (slow) is not needed here.
    _fields = [("statement_id", core.ObjectIdentifier), ("statement_info", core.Any, {"optional": True})]


class _QcStatements(core.SequenceOf):
    _child_spec = _QcStatement


@lru_cache(maxsize=1)
def qualified_rules() -> tuple[frozenset[str], dict[str, str]]:
    """``(required statement OIDs, {policy OID: kind})`` from the package's ``qualified.toml``."""
    data = tomllib.loads((resources.files("ebys_support.tokens") / "qualified.toml").read_text("utf-8"))
    return frozenset(data["required_statements"]), dict(data["policies"])


def public_key_id(cert: x509.Certificate) -> str:
    """A fingerprint of the certificate's public key that key objects can be compared with.

    RSA: SHA-256 of the modulus bytes; EC: SHA-256 of the uncompressed point.
    """
    info = cert.public_key
    if info.algorithm == "rsa":
        modulus = int(info["public_key"].parsed["modulus"].native)
        return "rsa:" + hashlib.sha256(modulus.to_bytes((modulus.bit_length() + 7) // 8, "big")).hexdigest()
    if info.algorithm == "ec":
        return "ec:" + hashlib.sha256(bytes(info["public_key"])).hexdigest()
    return info.algorithm + ":" + hashlib.sha256(info.dump()).hexdigest()


@dataclass(frozen=True)
class CertificateInfo:
    """A certificate as the help desk needs to see it."""

    der: bytes
    subject: str
    common_name: str | None
    tckn: str | None
    issuer: str
    issuer_name: str
    serial: str
    not_before: datetime
    not_after: datetime
    key_usage: tuple[str, ...]
    extended_key_usage: tuple[str, ...]
    policies: tuple[str, ...]
    qc_statements: tuple[str, ...]
    qualified: bool
    qualified_kind: str | None
    key_algorithm: str
    key_size: int
    key_fingerprint: str
    self_signed: bool
    is_ca: bool

    @property
    def certificate(self) -> x509.Certificate:
        """The parsed certificate (a fresh object each time: never mutate parsed ASN.1)."""
        return x509.Certificate.load(self.der)

    @property
    def can_sign(self) -> bool:
        """Key usage allows signatures (non-repudiation or digital signature); no key usage means any."""
        if not self.key_usage:
            return not self.is_ca
        return "non_repudiation" in self.key_usage or "digital_signature" in self.key_usage

    def validity_at(self, moment: datetime) -> str:
        """``"valid"``, ``"expired"`` or ``"not_yet_valid"`` at ``moment``."""
        if moment < self.not_before:
            return "not_yet_valid"
        if moment > self.not_after:
            return "expired"
        return "valid"

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON (no DER)."""
        return {
            "subject": self.subject,
            "common_name": self.common_name,
            "tckn": self.tckn,
            "issuer": self.issuer,
            "serial": self.serial,
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "key_usage": list(self.key_usage),
            "extended_key_usage": list(self.extended_key_usage),
            "policies": list(self.policies),
            "qualified": self.qualified,
            "qualified_kind": self.qualified_kind,
            "key_algorithm": self.key_algorithm,
            "key_size": self.key_size,
        }


def _qc_statements(cert: x509.Certificate) -> tuple[str, ...]:
    for ext in cert["tbs_certificate"]["extensions"]:
        if ext["extn_id"].dotted == QC_EXTENSION:
            try:
                # ``contents`` is the raw DER whether or not another library registered the extension.
                parsed = _QcStatements.load(ext["extn_value"].contents)
                return tuple(st["statement_id"].dotted for st in parsed)
            except (ValueError, TypeError, KeyError):
                return ()
    return ()


def _short_name(name: x509.Name) -> str:
    """The common name (else organisation, else the whole name) for messages read aloud."""
    native = name.native
    for key in ("common_name", "organization_name"):
        value = native.get(key)
        if isinstance(value, str) and value:
            return value
    return str(name.human_friendly)


def describe(der: bytes) -> CertificateInfo:
    """Parse certificate DER into a :class:`CertificateInfo`.

    :raises ValueError: the bytes are not an X.509 certificate.
    """
    cert = x509.Certificate.load(der)
    try:
        subject_native = cert.subject.native
        serial_number = subject_native.get("serial_number")
        tckn = None
        if isinstance(serial_number, str):
            digits = serial_number.strip()
            if len(digits) == 11 and digits.isdigit():
                tckn = digits
        key_usage = tuple(sorted(cert.key_usage_value.native)) if cert.key_usage_value else ()
        eku = tuple(cert.extended_key_usage_value.native) if cert.extended_key_usage_value else ()
        policies = (
            tuple(p["policy_identifier"].dotted for p in cert.certificate_policies_value)
            if cert.certificate_policies_value
            else ()
        )
        statements = _qc_statements(cert)
        required, known_policies = qualified_rules()
        kinds = [known_policies[p] for p in policies if p in known_policies]
        qualified = required.issubset(statements) and bool(kinds)
        validity = cert["tbs_certificate"]["validity"]
        info = cert.public_key
        if info.algorithm == "ec":
            curve = info.curve[1]
            size = {"secp256r1": 256, "secp384r1": 384, "secp521r1": 521}.get(str(curve), info.bit_size)
        else:
            size = info.bit_size
        return CertificateInfo(
            der=bytes(der),
            subject=cert.subject.human_friendly,
            common_name=subject_native.get("common_name"),
            tckn=tckn,
            issuer=cert.issuer.human_friendly,
            issuer_name=_short_name(cert.issuer),
            serial=format(cert.serial_number, "x"),
            not_before=validity["not_before"].native.astimezone(UTC),
            not_after=validity["not_after"].native.astimezone(UTC),
            key_usage=key_usage,
            extended_key_usage=eku,
            policies=policies,
            qc_statements=statements,
            qualified=qualified,
            qualified_kind=kinds[0] if qualified else None,
            key_algorithm=info.algorithm,
            key_size=size,
            key_fingerprint=public_key_id(cert),
            self_signed=cert.self_signed != "no",
            is_ca=cert.ca,
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"unusable certificate: {exc}") from exc


def now_utc() -> datetime:
    """The current time, timezone-aware (one place, so that callers can pass their own clock)."""
    return datetime.now(UTC)
