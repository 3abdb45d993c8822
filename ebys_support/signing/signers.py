"""Signers: a key and its certificate, able to produce raw signatures.

:class:`TokenSigner` talks to a PKCS#11 module (a smart card, a USB token, an HSM, SoftHSM2 in tests)
through python-pkcs11; :class:`PKCS12Signer` holds a key from a PKCS#12 file (an institution's e-seal, or
tests). Both log in once and serve a whole batch; both produce signatures in the form CMS, PAdES and
XAdES need (DER ``ECDSA-Sig-Value`` for EC, PKCS#1 v1.5 or PSS for RSA).

A signer is a context manager; closing a :class:`TokenSigner` logs out. The library never prompts:
the PIN is given by the caller and is never logged, stored on disk or put into an error.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from asn1crypto import algos, keys, x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.hazmat.primitives.serialization import pkcs12

from ebys_support.errors import InputError
from ebys_support.signing.errors import NoSigningCertificate, UnsupportedKey

__all__ = ["Signer", "PKCS12Signer", "TokenSigner", "digest_info", "can_sign"]

KeyType = Literal["rsa", "ec"]

_CURVES = {"secp256r1": "sha256", "secp384r1": "sha384", "secp521r1": "sha512"}
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


_DIGEST_INFO_PREFIX = {
    # DER of DigestInfo up to the digest octets (RFC 8017 §9.2 note 1).
    "sha256": bytes.fromhex("3031300d060960864801650304020105000420"),
    "sha384": bytes.fromhex("3041300d060960864801650304020205000430"),
    "sha512": bytes.fromhex("3051300d060960864801650304020305000440"),
}


def digest_info(digest_algorithm: str, digest: bytes) -> bytes:
    """DER ``DigestInfo`` for a PKCS#1 v1.5 signature over a precomputed digest.

    >>> import hashlib
    >>> d = hashlib.sha256(b"").digest()
    >>> digest_info("sha256", d) == algos.DigestInfo(
    ...     {"digest_algorithm": {"algorithm": "sha256"}, "digest": d}).dump()
    True
    """
    prefix = _DIGEST_INFO_PREFIX.get(digest_algorithm)
    if prefix is None:
        return bytes(
            algos.DigestInfo({"digest_algorithm": {"algorithm": digest_algorithm}, "digest": digest}).dump()
        )
    return prefix + digest


def can_sign(cert: x509.Certificate, *, require_non_repudiation: bool = False) -> bool:
    """Whether the certificate's key usage allows signing (nonRepudiation, or digitalSignature).

    A certificate without a key-usage extension is allowed unless ``require_non_repudiation``.
    """
    usage = cert.key_usage_value
    if usage is None:
        return not require_non_repudiation
    names = set(usage.native)
    if require_non_repudiation:
        return "non_repudiation" in names
    return bool(names & {"non_repudiation", "digital_signature"})


def _key_params(cert: x509.Certificate) -> tuple[KeyType, str]:
    """Key type and default digest for the certificate's public key; refuses what the Tebliğ forbids."""
    pub = cert.public_key
    algo = pub.algorithm
    if algo == "rsa":
        if pub.bit_size < 2048:
            raise UnsupportedKey(details={"key": f"RSA-{pub.bit_size}"})
        return "rsa", "sha256"
    if algo == "ec":
        curve = pub.curve[1] if pub.curve[0] == "named" else "?"
        if curve not in _CURVES:
            raise UnsupportedKey(details={"key": f"EC {curve}"})
        return "ec", _CURVES[curve]
    raise UnsupportedKey(details={"key": algo})


class Signer:
    """Base class: a certificate, the certificates around it, and a way to sign.

    Subclasses implement :meth:`_sign_digest`.
    """

    #: The signer's certificate.
    certificate: x509.Certificate
    #: Other certificates known with the key (intermediate and root CAs), signer's excluded.
    chain: tuple[x509.Certificate, ...]
    #: ``"rsa"`` or ``"ec"``.
    key_type: KeyType
    #: Digest used by default: SHA-256, or SHA-384 for P-384 keys.
    digest_algorithm: str
    #: RSA-PSS instead of PKCS#1 v1.5 (RSA only).
    pss: bool

    def __init__(
        self,
        certificate: x509.Certificate,
        chain: Iterable[x509.Certificate] = (),
        *,
        pss: bool = False,
        digest_algorithm: str | None = None,
    ) -> None:
        self.certificate = certificate
        own = certificate.dump()
        seen = {own}
        chain_list = []
        for c in chain:
            d = c.dump()
            if d not in seen:
                seen.add(d)
                chain_list.append(c)
        self.chain = tuple(chain_list)
        self.key_type, default_digest = _key_params(certificate)
        if digest_algorithm is not None and digest_algorithm not in _HASHES:
            raise UnsupportedKey(details={"key": f"digest {digest_algorithm}"})
        self.digest_algorithm = digest_algorithm or default_digest
        if pss and self.key_type != "rsa":
            raise UnsupportedKey(details={"key": "PSS needs an RSA key"})
        self.pss = pss
        self._lock = threading.Lock()
        self._sig_algo: dict[str, algos.SignedDigestAlgorithm] = {}

    # -- description ---------------------------------------------------------------------------
    @property
    def key_size(self) -> int:
        """Key size in bits."""
        return int(self.certificate.public_key.bit_size)

    @property
    def signature_size(self) -> int:
        """Upper bound of a signature's length in bytes (for size estimates without signing)."""
        n = (self.key_size + 7) // 8
        return n if self.key_type == "rsa" else 2 * n + 9

    def signature_algorithm(self, digest_algorithm: str | None = None) -> algos.SignedDigestAlgorithm:
        """The CMS ``SignatureAlgorithmIdentifier`` for this key and digest."""
        md = digest_algorithm or self.digest_algorithm
        cached = self._sig_algo.get(md)
        if cached is not None:
            return cached
        if self.key_type == "ec":
            algo = algos.SignedDigestAlgorithm({"algorithm": f"{md}_ecdsa"})
        elif self.pss:
            algo = algos.SignedDigestAlgorithm(
                {
                    "algorithm": "rsassa_pss",
                    "parameters": algos.RSASSAPSSParams(
                        {
                            "hash_algorithm": {"algorithm": md},
                            "mask_gen_algorithm": {
                                "algorithm": "mgf1",
                                "parameters": {"algorithm": md},
                            },
                            "salt_length": hashlib.new(md).digest_size,
                        }
                    ),
                }
            )
        else:
            algo = algos.SignedDigestAlgorithm({"algorithm": f"{md}_rsa"})
        self._sig_algo[md] = algo
        return algo

    # -- signing -------------------------------------------------------------------------------
    def sign(self, data: bytes, digest_algorithm: str | None = None) -> bytes:
        """Sign ``data`` (hashed here with ``digest_algorithm``, default :attr:`digest_algorithm`)."""
        md = digest_algorithm or self.digest_algorithm
        return self.sign_digest(hashlib.new(md, data).digest(), md)

    def sign_digest(self, digest: bytes, digest_algorithm: str | None = None) -> bytes:
        """Sign a precomputed digest; ECDSA signatures come back DER-encoded."""
        md = digest_algorithm or self.digest_algorithm
        if md not in _HASHES:
            raise UnsupportedKey(details={"key": f"digest {md}"})
        with self._lock:
            return self._sign_digest(digest, md)

    def _sign_digest(self, digest: bytes, digest_algorithm: str) -> bytes:
        raise NotImplementedError

    # -- lifecycle -----------------------------------------------------------------------------
    def close(self) -> None:
        """Release the key (logs out of a token). Idempotent."""

    def __enter__(self) -> Signer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.certificate.subject.human_friendly!r}>"


class PKCS12Signer(Signer):
    """A signer whose key sits in a PKCS#12 file (an institution's e-seal, or tests).

    :param source: path of the ``.p12``/``.pfx`` file, or its bytes.
    :param password: the file's password (``None`` for none).
    :param extra_certs: more CA certificates to send with signatures.
    :param pss: RSA-PSS instead of PKCS#1 v1.5.
    :raises InputError: ``signing.pkcs12_unreadable`` when the file cannot be read or decrypted.
    :raises NoSigningCertificate: when the certificate's key usage does not allow signing.
    """

    def __init__(
        self,
        source: str | Path | bytes,
        password: str | bytes | None = None,
        *,
        extra_certs: Iterable[x509.Certificate] = (),
        pss: bool = False,
        digest_algorithm: str | None = None,
    ) -> None:
        name = "<bytes>" if isinstance(source, bytes) else str(source)
        try:
            data = source if isinstance(source, bytes) else Path(source).read_bytes()
        except OSError as exc:
            raise InputError(
                "signing.pkcs12_unreadable", details={"path": name, "reason": exc.strerror or str(exc)}
            ) from None
        pw = password.encode() if isinstance(password, str) else password
        try:
            key, cert, others = pkcs12.load_key_and_certificates(data, pw)
        except ValueError:
            raise InputError(
                "signing.pkcs12_unreadable", details={"path": name, "reason": "wrong password or not PKCS#12"}
            ) from None
        if key is None or cert is None:
            raise NoSigningCertificate(details={"source": name})
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise UnsupportedKey(details={"key": type(key).__name__})
        certificate = x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
        if not can_sign(certificate):
            raise NoSigningCertificate(details={"source": name})
        chain = [x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in others]
        super().__init__(certificate, [*chain, *extra_certs], pss=pss, digest_algorithm=digest_algorithm)
        self._key = key

    def _sign_digest(self, digest: bytes, digest_algorithm: str) -> bytes:
        h = _HASHES[digest_algorithm]()
        key = self._key
        if isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(digest, ec.ECDSA(Prehashed(h)))
        pad: padding.AsymmetricPadding
        if self.pss:
            pad = padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size)
        else:
            pad = padding.PKCS1v15()
        return key.sign(digest, pad, Prehashed(h))

    @property
    def private_key_info(self) -> keys.PrivateKeyInfo:
        """The key as asn1crypto ``PrivateKeyInfo`` (for libraries that want it)."""
        der = self._key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return keys.PrivateKeyInfo.load(der)


class TokenSigner(Signer):
    """A signer on a PKCS#11 token: smart card, USB token, HSM.

    The session is opened and the user logged in once, at construction (through the token layer,
    :mod:`ebys_support.tokens.session`: one ``C_Login`` at most, never on a locked or final-try PIN); every signature of the batch
    reuses it. Keys marked ``CKA_ALWAYS_AUTHENTICATE`` get the PIN again for each signature (a context
    login, as the card demands); nothing else spends a PIN try.

    :param module: path of the PKCS#11 module (``libakisp11.so``, ``libsofthsm2.so``).
    :param token_label: the token's label; or
    :param token_serial: its serial number.
    :param key_id: ``CKA_ID`` of the key and certificate (bytes or hex); or
    :param cert_label: label of the certificate. With neither, the certificate with nonRepudiation is
        chosen.
    :param pin: the user PIN (never logged).
    :param pss: RSA-PSS instead of PKCS#1 v1.5.
    :param extra_certs: CA certificates to add to those found on the token.
    :raises ebys_support.tokens.errors.TokenError: for any token failure (``token.*`` codes).
    :raises NoSigningCertificate: when no certificate on the token can sign.
    """

    def __init__(
        self,
        module: str | Path,
        *,
        token_label: str | None = None,
        token_serial: str | None = None,
        key_id: bytes | str | None = None,
        cert_label: str | None = None,
        pin: str | None,
        pss: bool = False,
        digest_algorithm: str | None = None,
        extra_certs: Iterable[x509.Certificate] = (),
    ) -> None:
        from ebys_support.signing import _token

        if isinstance(key_id, str):
            try:
                key_id = bytes.fromhex(key_id)
            except ValueError:
                raise InputError("signing.bad_key_id", details={"key_id": key_id}) from None
        self.module = str(module)
        self._pin = pin
        self._session: Any = None
        session = _token.open_session(
            self.module,
            token_label=token_label,
            token_serial=token_serial,
            pin=pin,
        )
        self._session = session
        try:
            found = _token.find_key(session, key_id=key_id, cert_label=cert_label)
            certificate = found.certificate
            self._key = found.key
            self._always_authenticate = found.always_authenticate
            if not self._always_authenticate:
                self._pin = None  # logged in: keep the PIN only for keys that ask for it again
            self._mechanisms = found.mechanisms
            super().__init__(
                certificate,
                [*found.others, *extra_certs],
                pss=pss,
                digest_algorithm=digest_algorithm,
            )
        except BaseException:
            self.close()
            raise

    @property
    def always_authenticate(self) -> bool:
        """Whether the key demands the PIN for each signature."""
        return bool(self._always_authenticate)

    def _sign_digest(self, digest: bytes, digest_algorithm: str) -> bytes:
        from ebys_support.signing import _token

        if self._session is None:
            from ebys_support.tokens.errors import SessionFault

            raise SessionFault(details={"module": self.module})
        return _token.sign_digest(
            self._key,
            digest,
            digest_algorithm,
            key_type=self.key_type,
            pss=self.pss,
            mechanisms=self._mechanisms,
            pin=self._pin if self._always_authenticate else None,
            module=self.module,
        )

    def close(self) -> None:
        session, self._session = self._session, None
        self._pin = None
        if session is not None:
            from ebys_support.signing import _token

            _token.close_session(session)
