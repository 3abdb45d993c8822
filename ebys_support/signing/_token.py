"""The PKCS#11 side of :class:`~ebys_support.signing.signers.TokenSigner` (python-pkcs11).

Tokens are selected by label or serial (slot ids are unstable); the key by ``CKA_ID`` or its
certificate's label, else the certificate with nonRepudiation is chosen. Every python-pkcs11 exception
becomes a ``token.*`` error through :func:`ebys_support.tokens.errors.from_pkcs11`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pkcs11
from asn1crypto import algos, x509
from pkcs11 import Attribute, CertificateType, Mechanism, ObjectClass
from pkcs11.mechanisms import MGF

from ebys_support.signing.errors import NoSigningCertificate, UnsupportedKey
from ebys_support.signing.signers import can_sign, digest_info
from ebys_support.tokens import errors as terr
from ebys_support.tokens.session import TOKEN_LOCK, login, open_token

__all__ = ["open_session", "find_key", "sign_digest", "close_session", "FoundKey"]

_HASH_MECH = {
    "sha256": (Mechanism.SHA256, MGF.SHA256, 32),
    "sha384": (Mechanism.SHA384, MGF.SHA384, 48),
    "sha512": (Mechanism.SHA512, MGF.SHA512, 64),
}


@dataclass(frozen=True)
class FoundKey:
    """The key chosen on a token, with its certificate and the token's other certificates."""

    key: Any
    certificate: x509.Certificate
    others: tuple[x509.Certificate, ...]
    always_authenticate: bool
    mechanisms: frozenset[Any]


def open_session(
    module: str,
    *,
    token_label: str | None,
    token_serial: str | None,
    pin: str | None,
) -> Any:
    """Open a logged-in session on the token chosen by label or serial.

    Uses the token layer (:mod:`ebys_support.tokens.session`): at most one ``C_Login``, never when the
    card says the PIN is locked or one more wrong PIN would lock it.
    """
    token = open_token(module, token_label, token_serial)
    if pin is None:
        raise terr.PinRequired(details={"module": module, "token": token_label or token_serial or ""})
    return login(token, pin).session


def _cert_of(obj: Any) -> x509.Certificate:
    return x509.Certificate.load(bytes(obj[Attribute.VALUE]))


def _attr(obj: Any, attr: Any, default: Any) -> Any:
    try:
        return obj[attr]
    except (pkcs11.PKCS11Error, KeyError, NotImplementedError):
        return default


def find_key(session: Any, *, key_id: bytes | None, cert_label: str | None) -> FoundKey:
    """Find the signing key and its certificate.

    :raises NoSigningCertificate: when no certificate that can sign is on the token (or the chosen one
        cannot sign).
    """
    try:
        cert_objs = list(
            session.get_objects(
                {Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.CERTIFICATE_TYPE: CertificateType.X_509}
            )
        )
        certs = [
            (bytes(_attr(o, Attribute.ID, b"")), str(_attr(o, Attribute.LABEL, "")), _cert_of(o))
            for o in cert_objs
        ]
        keys = list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY}))
        key_ids = {bytes(_attr(k, Attribute.ID, b"")): k for k in keys}
        if key_id is not None:
            chosen = [c for c in certs if c[0] == key_id]
            if not chosen:
                if key_id in key_ids:
                    raise terr.CertificateMissing(details={"key_id": key_id.hex()})
                raise terr.KeyMissing(details={"key_id": key_id.hex()})
        elif cert_label is not None:
            chosen = [c for c in certs if c[1] == cert_label]
            if not chosen:
                raise terr.CertificateMissing(details={"cert_label": cert_label})
        else:
            chosen = [c for c in certs if c[0] in key_ids and can_sign(c[2], require_non_repudiation=True)]
            if not chosen:
                raise NoSigningCertificate(details={"token": session.token.label})
        if len(chosen) > 1:
            raise terr.MultipleObjects(details={"certificates": len(chosen)})
        cid, _label, cert = chosen[0]
        if not can_sign(cert):
            raise NoSigningCertificate(details={"certificate": cert.subject.human_friendly})
        key = key_ids.get(cid)
        if key is None:
            raise terr.KeyMissing(details={"key_id": cid.hex()})
        always = bool(_attr(key, Attribute.ALWAYS_AUTHENTICATE, False))
        mechanisms = frozenset(session.token.slot.get_mechanisms())
        others = tuple(c[2] for c in certs if c[2].dump() != cert.dump())
        return FoundKey(key, cert, others, always, mechanisms)
    except pkcs11.PKCS11Error as exc:
        raise terr.from_pkcs11(exc) from None


def sign_digest(
    key: Any,
    digest: bytes,
    digest_algorithm: str,
    *,
    key_type: str,
    pss: bool,
    mechanisms: frozenset[Any],
    pin: str | None,
    module: str,
) -> bytes:
    """One signature over a precomputed digest.

    EC keys use raw ``CKM_ECDSA`` (cards and SoftHSM2 rarely offer the hashed forms); the r‖s output is
    re-encoded as DER. RSA uses ``CKM_RSA_PKCS`` over a ``DigestInfo`` (or ``CKM_RSA_PKCS_PSS``), falling
    A module without the raw mechanism is refused with ``signing.unsupported_key`` (the digest is computed
    here, so the hashed mechanisms cannot be used).
    """
    kwargs: dict[str, Any] = {}
    if pin is not None:
        kwargs["pin"] = pin
    with TOKEN_LOCK:
        return _sign(key, digest, digest_algorithm, key_type, pss, mechanisms, kwargs, module)


def _sign(
    key: Any,
    digest: bytes,
    digest_algorithm: str,
    key_type: str,
    pss: bool,
    mechanisms: frozenset[Any],
    kwargs: dict[str, Any],
    module: str,
) -> bytes:
    try:
        if key_type == "ec":
            if Mechanism.ECDSA not in mechanisms:
                raise UnsupportedKey(details={"key": "CKM_ECDSA not offered by the module"})
            raw = key.sign(digest, mechanism=Mechanism.ECDSA, **kwargs)
            return bytes(algos.DSASignature.from_p1363(bytes(raw)).dump())
        if pss:
            if Mechanism.RSA_PKCS_PSS not in mechanisms:
                raise UnsupportedKey(details={"key": "CKM_RSA_PKCS_PSS not offered by the module"})
            return bytes(
                key.sign(
                    digest,
                    mechanism=Mechanism.RSA_PKCS_PSS,
                    mechanism_param=_HASH_MECH[digest_algorithm],
                    **kwargs,
                )
            )
        if Mechanism.RSA_PKCS not in mechanisms:
            raise UnsupportedKey(details={"key": "CKM_RSA_PKCS not offered by the module"})
        return bytes(key.sign(digest_info(digest_algorithm, digest), mechanism=Mechanism.RSA_PKCS, **kwargs))
    except pkcs11.PKCS11Error as exc:
        raise terr.from_pkcs11(exc, module=module) from None


def close_session(session: Any) -> None:
    """Close the session (logging out); errors on a pulled card are ignored."""
    with TOKEN_LOCK:
        try:
            session.close()
        except pkcs11.PKCS11Error:
            pass
