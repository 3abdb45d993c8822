"""Inventory of modules → slots → tokens → objects, read without ever logging in.

Without a login a card shows its certificates and public keys; private keys stay hidden until the user
logs in (``CKA_PRIVATE``). Keys and certificates are paired by ``CKA_ID`` and, where the key object
exposes its public part, by comparing the key material itself.

>>> inv = inventory(["/nonexistent/libakisp11.so"])
>>> inv.modules[0].module.error
'token.module_not_found'
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pkcs11.exceptions as p11
from asn1crypto.core import OctetString
from pkcs11 import Attribute, KeyType, ObjectClass, SlotFlag, TokenFlag

from ebys_support.tokens.certs import CertificateInfo, describe
from ebys_support.tokens.errors import TokenError, from_pkcs11
from ebys_support.tokens.modules import ModuleInfo, discover_modules
from ebys_support.tokens.session import TOKEN_LOCK, flag_names, load_module

__all__ = [
    "KeyInfo",
    "TokenCertificate",
    "TokenInfo",
    "SlotInfo",
    "ModuleInventory",
    "Inventory",
    "inventory",
    "read_objects",
    "describe_token",
]


@dataclass(frozen=True)
class KeyInfo:
    """A key object on the token.

    :ivar object_class: ``public`` or ``private``.
    :ivar always_authenticate: the key wants the PIN again for every signature (``None``: not stated).
    :ivar fingerprint: the public key's fingerprint when the object exposes it (see
        :func:`ebys_support.tokens.certs.public_key_id`).
    """

    id: str
    label: str
    object_class: str
    key_type: str
    size: int | None
    can_sign: bool | None
    always_authenticate: bool | None
    fingerprint: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "class": self.object_class,
            "type": self.key_type,
            "size": self.size,
            "sign": self.can_sign,
            "always_authenticate": self.always_authenticate,
        }


@dataclass(frozen=True)
class TokenCertificate:
    """A certificate object with its ``CKA_ID``/label and the key objects it pairs with."""

    id: str
    label: str
    info: CertificateInfo
    paired_keys: tuple[str, ...] = ()
    key_mismatch: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            **self.info.as_dict(),
            "paired_keys": list(self.paired_keys),
        }


@dataclass(frozen=True)
class TokenInfo:
    """A token (card) with its flags and visible objects."""

    label: str
    serial: str
    manufacturer: str
    model: str
    flags: int
    certificates: tuple[TokenCertificate, ...] = ()
    keys: tuple[KeyInfo, ...] = ()
    error: str | None = None

    @property
    def flag_names(self) -> list[str]:
        return flag_names(self.flags)

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "serial": self.serial,
            "manufacturer": self.manufacturer,
            "model": self.model,
            "flags": self.flag_names,
            "certificates": [c.as_dict() for c in self.certificates],
            "keys": [k.as_dict() for k in self.keys],
            "error": self.error,
        }


@dataclass(frozen=True)
class SlotInfo:
    """A slot (reader) and the token in it, if any."""

    slot_id: int
    description: str
    manufacturer: str
    token_present: bool
    token: TokenInfo | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "slot_id": self.slot_id,
            "description": self.description,
            "manufacturer": self.manufacturer,
            "token_present": self.token_present,
            "token": self.token.as_dict() if self.token else None,
            "error": self.error,
        }


@dataclass(frozen=True)
class ModuleInventory:
    module: ModuleInfo
    slots: tuple[SlotInfo, ...] = ()
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.module.as_dict(),
            "slots": [s.as_dict() for s in self.slots],
            "slots_error": self.error,
        }


@dataclass(frozen=True)
class Inventory:
    """Everything found, module by module."""

    modules: tuple[ModuleInventory, ...] = field(default_factory=tuple)

    def tokens(self) -> list[tuple[ModuleInventory, SlotInfo, TokenInfo]]:
        """Every readable token with its module and slot."""
        return [(m, s, s.token) for m in self.modules for s in m.slots if s.token is not None]

    def as_dict(self) -> dict[str, Any]:
        return {"modules": [m.as_dict() for m in self.modules]}


def _attr(obj: Any, attribute: Attribute, default: Any = None) -> Any:
    try:
        return obj[attribute]
    except (p11.AttributeTypeInvalid, p11.AttributeSensitive, p11.PKCS11Error, KeyError, TypeError):
        return default


def _key_fingerprint(obj: Any, key_type: Any) -> str | None:
    if key_type == KeyType.RSA:
        modulus = _attr(obj, Attribute.MODULUS)
        if modulus:
            return "rsa:" + hashlib.sha256(bytes(modulus).lstrip(b"\x00")).hexdigest()
        return None
    if key_type == KeyType.EC:
        point = _attr(obj, Attribute.EC_POINT)
        if not point:
            return None
        raw = bytes(point)
        try:
            raw = bytes(OctetString.load(raw))  # PKCS#11 says DER OCTET STRING; some modules give it raw
        except (ValueError, TypeError):
            pass
        return "ec:" + hashlib.sha256(raw).hexdigest()
    return None


def _key_info(obj: Any, object_class: str) -> KeyInfo:
    key_type = _attr(obj, Attribute.KEY_TYPE)
    type_name = {KeyType.RSA: "rsa", KeyType.EC: "ec", KeyType.DSA: "dsa"}.get(key_type, str(key_type))
    size: int | None = None
    if key_type == KeyType.RSA:
        bits = _attr(obj, Attribute.MODULUS_BITS)
        modulus = _attr(obj, Attribute.MODULUS)
        size = int(bits) if bits else (len(bytes(modulus).lstrip(b"\x00")) * 8 if modulus else None)
    elif key_type == KeyType.EC:
        params = _attr(obj, Attribute.EC_PARAMS)
        if params:
            from asn1crypto.keys import ECDomainParameters

            try:
                curve = ECDomainParameters.load(bytes(params)).chosen.native
                size = {"secp256r1": 256, "secp384r1": 384, "secp521r1": 521}.get(str(curve))
            except (ValueError, TypeError):
                size = None
    sign_attr = Attribute.SIGN if object_class == "private" else Attribute.VERIFY
    can_sign = _attr(obj, sign_attr)
    always = _attr(obj, Attribute.ALWAYS_AUTHENTICATE) if object_class == "private" else None
    key_id = _attr(obj, Attribute.ID, b"") or b""
    label = _attr(obj, Attribute.LABEL, "") or ""
    return KeyInfo(
        id=bytes(key_id).hex(),
        label=str(label),
        object_class=object_class,
        key_type=type_name,
        size=size,
        can_sign=None if can_sign is None else bool(can_sign),
        always_authenticate=None if always is None else bool(always),
        fingerprint=_key_fingerprint(obj, key_type),
    )


def read_objects(session: Any) -> tuple[tuple[TokenCertificate, ...], tuple[KeyInfo, ...]]:
    """The X.509 certificates and the public/private key objects visible in ``session``, paired.

    :raises TokenError: the module failed while listing objects.
    """
    keys: list[KeyInfo] = []
    raw_certs: list[tuple[str, str, CertificateInfo]] = []
    try:
        for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE}):
            value = _attr(obj, Attribute.VALUE)
            if not value:
                continue
            try:
                info = describe(bytes(value))
            except ValueError:
                continue
            cert_id = bytes(_attr(obj, Attribute.ID, b"") or b"").hex()
            raw_certs.append((cert_id, str(_attr(obj, Attribute.LABEL, "") or ""), info))
        for object_class, name in ((ObjectClass.PUBLIC_KEY, "public"), (ObjectClass.PRIVATE_KEY, "private")):
            for obj in session.get_objects({Attribute.CLASS: object_class}):
                keys.append(_key_info(obj, name))
    except p11.PKCS11Error as exc:
        raise from_pkcs11(exc) from exc
    certs = []
    for cert_id, label, info in raw_certs:
        paired = []
        mismatch = False
        for key in keys:
            if cert_id and key.id == cert_id:
                if key.fingerprint is not None and key.fingerprint != info.key_fingerprint:
                    mismatch = True
                    continue
                paired.append(key.object_class)
        certs.append(TokenCertificate(cert_id, label, info, tuple(sorted(set(paired))), mismatch))
    return tuple(certs), tuple(keys)


def describe_token(token: Any, *, objects: bool = True) -> TokenInfo:
    """A :class:`TokenInfo` for a ``pkcs11.Token``, reading its objects in a public session."""
    base: dict[str, Any] = {
        "label": token.label,
        "serial": bytes(token.serial).decode("ascii", "replace"),
        "manufacturer": token.manufacturer_id,
        "model": token.model,
        "flags": int(token.flags),
    }
    if not objects or not int(token.flags) & TokenFlag.TOKEN_INITIALIZED:
        # A blank token has no objects, and some modules refuse a session on it.
        return TokenInfo(**base)
    try:
        with token.open() as session:
            certs, keys = read_objects(session)
    except p11.PKCS11Error as exc:
        return TokenInfo(**base, error=from_pkcs11(exc).code)
    except TokenError as exc:
        return TokenInfo(**base, error=exc.code)
    return TokenInfo(**base, certificates=certs, keys=keys)


def _slots(lib: Any, objects: bool) -> list[SlotInfo]:
    out = []
    for slot in lib.get_slots():
        present = bool(slot.flags & SlotFlag.TOKEN_PRESENT)
        token_info = None
        error = None
        if present:
            try:
                token_info = describe_token(slot.get_token(), objects=objects)
            except p11.PKCS11Error as exc:
                error = from_pkcs11(exc).code
        out.append(
            SlotInfo(
                slot_id=int(slot.slot_id),
                description=slot.slot_description,
                manufacturer=slot.manufacturer_id,
                token_present=present,
                token=token_info,
                error=error,
            )
        )
    return out


def inventory(modules: Iterable[str] | None = None, *, objects: bool = True) -> Inventory:
    """Modules → slots → tokens → certificates and keys, without logging in.

    :param modules: module paths to examine; ``None`` means every module found on this machine (known
        middleware paths plus nothing else). Paths given explicitly are listed even when missing.
    :param objects: also list each token's certificates and keys.
    """
    given = list(modules) if modules is not None else None
    infos = discover_modules(given, known=given is None)
    result = []
    for info in infos:
        if not info.loads:
            result.append(ModuleInventory(info))
            continue
        with TOKEN_LOCK:
            try:
                slots = _slots(load_module(info.path), objects)
            except p11.PKCS11Error as exc:
                result.append(ModuleInventory(info, error=from_pkcs11(exc).code))
                continue
            except TokenError as exc:
                result.append(ModuleInventory(info, error=exc.code))
                continue
        result.append(ModuleInventory(info, tuple(slots)))
    return Inventory(tuple(result))
