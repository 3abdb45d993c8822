"""Sign a random challenge on the token and verify it with the certificate's public key.

Handles the two things that break signing on real cards:

- keys marked ``CKA_ALWAYS_AUTHENTICATE`` want the PIN again (a context-specific login) for every
  signature; the PIN passed here has already been accepted by the user login, so this spends no try;
- EC keys on modules that only offer raw ``CKM_ECDSA`` (SoftHSM2, many cards): hash first, sign the
  digest, and convert the ``r‖s`` output to DER for verification.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

import pkcs11.exceptions as p11
from asn1crypto import keys as asn1_keys
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass

from ebys_support.tokens.errors import KeyMissing, MechanismInvalid, SelfTestFailed, from_pkcs11

__all__ = ["SelfTestResult", "sign_challenge", "spki_der"]

# DigestInfo prefix of SHA-256 (RFC 8017 §9.2 note 1), for modules with only raw CKM_RSA_PKCS.
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


@dataclass(frozen=True)
class SelfTestResult:
    """How the self-test went: mechanism used and whether the key wanted the PIN again."""

    mechanism: str
    reauthenticated: bool
    key_type: str


def _verify(public_key_der: bytes, signature: bytes, data: bytes, is_ec: bool) -> bool:
    public = serialization.load_der_public_key(public_key_der)
    try:
        if is_ec:
            assert isinstance(public, ec.EllipticCurvePublicKey)
            public.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        else:
            assert isinstance(public, rsa.RSAPublicKey)
            public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def _to_der_ecdsa(raw: bytes) -> bytes:
    half = len(raw) // 2
    r = int.from_bytes(raw[:half], "big")
    s = int.from_bytes(raw[half:], "big")
    return utils.encode_dss_signature(r, s)


def sign_challenge(session: Any, key_id: bytes, public_key_der: bytes, pin: str) -> SelfTestResult:
    """Sign 32 random bytes with the private key ``key_id`` and verify the result.

    :param session: a logged-in ``pkcs11.Session``.
    :param key_id: the ``CKA_ID`` shared by the certificate and its key.
    :param public_key_der: the certificate's SubjectPublicKeyInfo (DER).
    :param pin: the PIN the user login accepted; used only for keys that demand re-authentication.
    :raises KeyMissing, MechanismInvalid, SelfTestFailed, TokenError:
    """
    challenge = secrets.token_bytes(32)
    try:
        key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, id=key_id)
    except p11.NoSuchKey as exc:
        raise KeyMissing(details={"id": key_id.hex()}) from exc
    except p11.PKCS11Error as exc:
        raise from_pkcs11(exc) from exc
    try:
        always = bool(key[Attribute.ALWAYS_AUTHENTICATE])
    except p11.PKCS11Error:
        always = False
    is_ec = key.key_type == KeyType.EC
    if key.key_type not in (KeyType.EC, KeyType.RSA):
        raise MechanismInvalid(details={"key_type": str(key.key_type)})
    try:
        offered = session.token.slot.get_mechanisms()
    except p11.PKCS11Error:
        offered = set()
    digest = hashlib.sha256(challenge).digest()
    if is_ec:
        if Mechanism.ECDSA_SHA256 in offered:
            mechanism, payload = Mechanism.ECDSA_SHA256, challenge
        else:
            mechanism, payload = Mechanism.ECDSA, digest
    elif Mechanism.SHA256_RSA_PKCS in offered:
        mechanism, payload = Mechanism.SHA256_RSA_PKCS, challenge
    else:
        mechanism, payload = Mechanism.RSA_PKCS, _SHA256_DIGEST_INFO + digest

    reauthenticated = always

    def sign(with_pin: bool) -> bytes:
        return bytes(key.sign(payload, mechanism=mechanism, pin=pin if with_pin else None))

    try:
        try:
            signature = sign(always)
        except p11.UserNotLoggedIn:
            if always:
                raise
            # The key demands re-authentication without saying so in CKA_ALWAYS_AUTHENTICATE.
            reauthenticated = True
            signature = sign(True)
    except p11.PKCS11Error as exc:
        raise from_pkcs11(exc, mechanism=mechanism.name) from exc
    if is_ec:
        signature = _to_der_ecdsa(signature)
    if not _verify(public_key_der, signature, challenge, is_ec):
        raise SelfTestFailed(details={"mechanism": mechanism.name})
    return SelfTestResult(mechanism.name, reauthenticated, "ec" if is_ec else "rsa")


def spki_der(cert_der: bytes) -> bytes:
    """The SubjectPublicKeyInfo DER of a certificate."""
    from asn1crypto import x509

    info: asn1_keys.PublicKeyInfo = x509.Certificate.load(cert_der).public_key
    return bytes(info.dump())
