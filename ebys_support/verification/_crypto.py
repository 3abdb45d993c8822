"""Low-level cryptography shared by every format: signature values, digests, certificate facts.

Everything here works on DER bytes and :mod:`cryptography` objects, caches parsed certificates by their
encoding, and never raises anything but :class:`CryptoFailure` for bad signatures or malformed input, so
the format modules can turn every failure into a check with a stable code.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from asn1crypto import algos, core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, encode_dss_signature

__all__ = [
    "CryptoFailure",
    "Cert",
    "load_cert",
    "digest",
    "hash_for",
    "verify_signature",
    "WEAK_HASHES",
]

#: Digest algorithms no longer accepted for signatures or certificate references (Tebliğ art. 6: SHA-2/3).
WEAK_HASHES = frozenset({"md2", "md5", "sha1"})

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
    "sha3_224": hashes.SHA3_224,
    "sha3_256": hashes.SHA3_256,
    "sha3_384": hashes.SHA3_384,
    "sha3_512": hashes.SHA3_512,
    "md5": hashes.MD5,
}

_HASHLIB_NAMES = {
    "sha3_224": "sha3_224",
    "sha3_256": "sha3_256",
    "sha3_384": "sha3_384",
    "sha3_512": "sha3_512",
}


class CryptoFailure(Exception):
    """A signature did not verify, or its algorithm/encoding is unusable; ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def raw(value: Any) -> bytes:
    """The original encoding of a parsed asn1crypto value.

    ``dump()`` may re-encode: asn1crypto normalises some strings (URIs in certificates, e.g. a host name
    in upper case) once their parent is parsed, which would change signed bytes. Take the bytes first.
    """
    contents = value.__dict__.get("_contents")
    if contents is None:
        contents = value.contents
    if contents is None:
        return bytes(value.dump())
    return bytes(value._header or b"") + bytes(contents) + bytes(value._trailer or b"")


def hash_for(name: str) -> hashes.HashAlgorithm:
    """The :mod:`cryptography` hash object for an asn1crypto hash name (``sha256``, ``sha3_256``...)."""
    try:
        return _HASHES[name]()
    except KeyError:
        raise CryptoFailure(f"unsupported digest algorithm {name}") from None


def digest(name: str, data: bytes) -> bytes:
    """``name`` digest of ``data`` (hashlib: fastest for the sizes we hash)."""
    try:
        return hashlib.new(_HASHLIB_NAMES.get(name, name), data).digest()
    except (ValueError, TypeError):
        raise CryptoFailure(f"unsupported digest algorithm {name}") from None


@dataclass(frozen=True, eq=False)
class Cert:
    """A certificate in both object models, with the facts validation asks for repeatedly.

    ``asn1`` is the asn1crypto object (names, extensions as parsed data), ``crypto`` the
    :mod:`cryptography` object (public key, fast signature checks).
    """

    der: bytes
    asn1: asn1_x509.Certificate
    crypto: x509.Certificate
    sha256: str
    subject_der: bytes
    issuer_der: bytes
    serial: int
    not_before: datetime
    not_after: datetime
    ski: bytes | None
    aki: bytes | None
    key: Any

    def __hash__(self) -> int:
        return hash(self.sha256)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Cert) and other.sha256 == self.sha256

    @property
    def public_key(self) -> Any:
        return self.key

    @functools.cached_property
    def is_ca(self) -> bool:
        """Whether basicConstraints says cA (only such certificates can issue others)."""
        bc = self.extension("basic_constraints")
        return bool(bc is not None and bc["ca"].native)

    @property
    def is_self_issued(self) -> bool:
        return self.subject_der == self.issuer_der

    @property
    def subject_text(self) -> str:
        return str(self.asn1.subject.human_friendly)

    @property
    def short_name(self) -> str:
        """The common name (or the whole subject when there is none), for messages."""
        cn = self.asn1.subject.native.get("common_name")
        if isinstance(cn, list):
            cn = cn[0] if cn else None
        return str(cn) if cn else self.subject_text

    @property
    def issuer_text(self) -> str:
        return str(self.asn1.issuer.human_friendly)

    def extension(self, name: str) -> Any:
        """The parsed value of an asn1crypto-known extension, or ``None``."""
        for ext in self.asn1["tbs_certificate"]["extensions"]:
            if ext["extn_id"].native == name or ext["extn_id"].dotted == name:
                return ext["extn_value"].parsed
        return None

    def has_critical_unknown(self, known: frozenset[str]) -> list[str]:
        """Dotted OIDs of critical extensions not in ``known``."""
        out = []
        for ext in self.asn1["tbs_certificate"]["extensions"]:
            if ext["critical"].native and ext["extn_id"].dotted not in known:
                out.append(ext["extn_id"].dotted)
        return out


@lru_cache(maxsize=4096)
def load_cert(der: bytes) -> Cert:
    """Parse a DER certificate once (cached by its bytes).

    :raises CryptoFailure: when the bytes are not a certificate either library accepts.
    """
    try:
        c = x509.load_der_x509_certificate(der)
        a = asn1_x509.Certificate.load(der)
        tbs = a["tbs_certificate"]
        ski = a.key_identifier
        aki = a.authority_key_identifier
        return Cert(
            der=der,
            asn1=a,
            crypto=c,
            sha256=hashlib.sha256(der).hexdigest(),
            subject_der=raw(tbs["subject"]),
            issuer_der=raw(tbs["issuer"]),
            serial=c.serial_number,
            not_before=c.not_valid_before_utc,
            not_after=c.not_valid_after_utc,
            ski=ski,
            aki=aki,
            key=c.public_key(),
        )
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, UnsupportedAlgorithm) as exc:
        raise CryptoFailure(f"unreadable certificate: {exc}") from exc


def _pss_params(params: Any, default_hash: str) -> tuple[str, padding.PSS]:
    hash_name = default_hash
    mgf_hash = default_hash
    salt = 20
    if params is not None and not isinstance(params, core.Void):
        p = (
            algos.RSASSAPSSParams.load(params.dump())
            if not isinstance(params, algos.RSASSAPSSParams)
            else params
        )
        hash_name = p["hash_algorithm"]["algorithm"].native
        mgf = p["mask_gen_algorithm"]
        mgf_hash = mgf["parameters"]["algorithm"].native
        salt = int(p["salt_length"].native)
    return hash_name, padding.PSS(mgf=padding.MGF1(hash_for(mgf_hash)), salt_length=salt)


def verify_signature(
    public_key: Any,
    algorithm: algos.SignedDigestAlgorithm,
    signature: bytes,
    data: bytes,
    *,
    digest_name: str | None = None,
    prehashed: bool = False,
) -> str:
    """Verify ``signature`` over ``data`` (or over its digest when ``prehashed``) with ``public_key``.

    :param algorithm: the signature algorithm identifier (asn1crypto); when it names no hash (plain
        ``rsassa_pkcs1v15`` in CMS), ``digest_name`` supplies it.
    :returns: the hash name used.
    :raises CryptoFailure: when the signature does not verify or the algorithm is unusable.
    """
    try:
        sig_algo = algorithm.signature_algo
    except (ValueError, KeyError) as exc:
        raise CryptoFailure(f"unknown signature algorithm {algorithm['algorithm'].dotted}") from exc
    hash_name = digest_name
    if sig_algo not in ("rsassa_pss", "ed25519", "ed448"):
        try:
            hash_name = algorithm.hash_algo
        except (ValueError, KeyError):
            hash_name = digest_name
    try:
        if sig_algo == "rsassa_pss":
            hash_name, pad = _pss_params(algorithm["parameters"], digest_name or "sha1")
            if not isinstance(public_key, rsa.RSAPublicKey):
                raise CryptoFailure("key does not match the RSA-PSS algorithm")
            h = hash_for(hash_name)
            public_key.verify(signature, data, pad, Prehashed(h) if prehashed else h)
        elif sig_algo == "rsassa_pkcs1v15":
            if not isinstance(public_key, rsa.RSAPublicKey):
                raise CryptoFailure("key does not match the RSA algorithm")
            h = hash_for(hash_name or "sha256")
            public_key.verify(signature, data, padding.PKCS1v15(), Prehashed(h) if prehashed else h)
        elif sig_algo == "ecdsa":
            if not isinstance(public_key, ec.EllipticCurvePublicKey):
                raise CryptoFailure("key does not match the ECDSA algorithm")
            h = hash_for(hash_name or "sha256")
            public_key.verify(signature, data, ec.ECDSA(Prehashed(h) if prehashed else h))
        elif sig_algo == "dsa":
            if not isinstance(public_key, dsa.DSAPublicKey):
                raise CryptoFailure("key does not match the DSA algorithm")
            h = hash_for(hash_name or "sha256")
            public_key.verify(signature, data, Prehashed(h) if prehashed else h)
        elif sig_algo in ("ed25519", "ed448"):
            if prehashed:
                raise CryptoFailure("EdDSA cannot verify a pre-hashed value")
            if not isinstance(public_key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
                raise CryptoFailure("key does not match the EdDSA algorithm")
            public_key.verify(signature, data)
            hash_name = "sha512" if sig_algo == "ed25519" else "shake256"
        else:
            raise CryptoFailure(f"unsupported signature algorithm {sig_algo}")
    except InvalidSignature:
        raise CryptoFailure("signature value does not verify") from None
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise CryptoFailure(f"signature cannot be checked: {exc}") from exc
    return hash_name or "sha256"


def raw_ecdsa_to_der(raw: bytes) -> bytes:
    """XML-DSig ECDSA values are r‖s; :mod:`cryptography` wants DER."""
    half = len(raw) // 2
    if half == 0 or len(raw) % 2:
        raise CryptoFailure("malformed ECDSA signature value")
    return encode_dss_signature(int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big"))


def key_description(public_key: Any) -> str:
    """``RSA 2048``, ``EC secp256r1``... for the report."""
    if isinstance(public_key, rsa.RSAPublicKey):
        return f"RSA {public_key.key_size}"
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return f"EC {public_key.curve.name}"
    if isinstance(public_key, dsa.DSAPublicKey):
        return f"DSA {public_key.key_size}"
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return "Ed25519"
    if isinstance(public_key, ed448.Ed448PublicKey):
        return "Ed448"
    return type(public_key).__name__


def key_strength_ok(public_key: Any) -> bool:
    """Tebliğ art. 6 minimums for a signer key: RSA ≥ 2048, DSA ≥ 3072, EC ≥ 256 bits."""
    if isinstance(public_key, rsa.RSAPublicKey):
        return bool(public_key.key_size >= 2048)
    if isinstance(public_key, dsa.DSAPublicKey):
        return bool(public_key.key_size >= 3072)
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return bool(public_key.curve.key_size >= 256)
    return isinstance(public_key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey)


def utcnow() -> datetime:
    return datetime.now(UTC)
