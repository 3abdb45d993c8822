"""The Turkish electronic-signature usage profiles P1–P4, as data.

The values come from BTK's *Elektronik İmza Kullanım Profilleri Rehberi* (2012) and its P2–P4 signature
policies; they are kept in ``profiles.toml`` beside this module. Values the domain notes mark as
unconfirmed (the policy hash, the time-stamp delay, the grace period) can be overridden with
:func:`load_profiles`, which the CLI and the service feed from the ``[signing]`` config section.

>>> p = get_profile("P3")
>>> p.policy_oid, p.policy_uri
('2.16.792.1.61.0.1.5070.3.2.1', 'http://www.eimza.gov.tr/EimzaPolitikalari/216792161015070321.pdf')
>>> p.policy_hash.hex()[:16], int(p.grace_period.total_seconds())
('ff39bd29463383f6', 86400)
>>> get_profile("P1").policy_oid is None
True
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from ebys_support.errors import ConfigurationError
from ebys_support.signing.errors import UnsupportedProfile

if TYPE_CHECKING:
    from ebys_support.config import SigningConfig

__all__ = [
    "PROFILE_NAMES",
    "profiles_from_config",
    "PADES_LEVELS",
    "Profile",
    "get_profile",
    "load_profiles",
    "policy_uri_for",
]

#: Names accepted for ``profile``.
PROFILE_NAMES = ("P1", "P2", "P3", "P4")
#: PAdES baseline levels, weakest first.
PADES_LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")

Revocation = Literal["any", "crl", "ocsp"]


@dataclass(frozen=True)
class Profile:
    """One usage profile."""

    #: ``"P1"`` … ``"P4"``.
    name: str
    #: Human title (Turkish / English).
    title: str
    #: Signature policy OID, ``None`` for P1 (the policy attribute must then be absent).
    policy_oid: str | None
    #: SPuri, the policy document's address (``None`` for P1).
    policy_uri: str | None
    #: SHA-256 of the policy document as used in practice (``None`` for P1).
    policy_hash: bytes | None
    #: Revocation data the profile relies on: ``"crl"``, ``"ocsp"`` (at signing) or ``"any"``.
    revocation: Revocation
    #: Time to wait after the signature time-stamp before revocation data may be collected.
    grace_period: timedelta
    #: Whether ``upgrade`` to ES-XL is allowed only once :attr:`grace_period` has passed.
    upgrade_requires_grace: bool
    #: CAdES form produced at signing (``BES``, ``EPES-T``, ``ES-T``, ``ES-XL``).
    cades_level: str
    #: Lowest PAdES level that satisfies the profile.
    pades_level: str
    #: PAdES levels allowed at signing (B-LT/B-LTA only where validation data is allowed at signing).
    pades_levels: tuple[str, ...]
    #: Signed attributes that must be present.
    required_signed: frozenset[str]
    #: Signed attributes that must never be present.
    forbidden_signed: frozenset[str]
    #: Unsigned attributes present right after signing.
    required_unsigned: frozenset[str]
    #: Unsigned attributes that may be present.
    optional_unsigned: frozenset[str]
    #: Unsigned attributes of the final (upgraded) form.
    final_unsigned: frozenset[str]
    #: Unsigned attributes no profile allows.
    forbidden_unsigned: frozenset[str]
    #: Largest delay between signing time and signature time-stamp.
    timestamp_max_delay: timedelta

    @property
    def needs_timestamp(self) -> bool:
        """Whether a signature time-stamp is mandatory."""
        return "signature_time_stamp_token" in self.required_unsigned

    @property
    def needs_validation_data(self) -> bool:
        """Whether certificate and revocation values are embedded at signing (P4)."""
        return "revocation_values" in self.required_unsigned

    @property
    def allows_validation_data(self) -> bool:
        """Whether the final form may hold the CA chain and revocation data (P3, P4; never P1, P2).

        The Rehber forbids certificate and revocation references and values, and the chain and CRLs in
        the CMS ``certificates``/``crls``, in P1 and P2: those carry the signer's certificate only.
        """
        return "revocation_values" in self.final_unsigned

    @property
    def upgradable(self) -> bool:
        """Whether the profile's final form is ES-XL reached by a later upgrade (P3)."""
        return "revocation_values" in self.final_unsigned and not self.needs_validation_data

    def allowed_unsigned(self, *, final: bool = False) -> frozenset[str]:
        """Unsigned attributes allowed right after signing, or in the final form."""
        base = self.final_unsigned if final else self.required_unsigned
        return (base | self.optional_unsigned | self.required_unsigned) - self.forbidden_unsigned


def policy_uri_for(oid: str, template: str) -> str:
    """The SPuri of a policy OID: the OID's digits without dots, in ``template``.

    >>> policy_uri_for("2.16.792.1.61.0.1.5070.3.1.1", "http://x/{compact_oid}.pdf")
    'http://x/216792161015070311.pdf'
    """
    return template.format(compact_oid=oid.replace(".", ""), oid=oid)


@lru_cache(maxsize=1)
def _raw() -> dict[str, object]:
    text = (resources.files("ebys_support.signing") / "profiles.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def load_profiles(
    *,
    policy_hash: bytes | None = None,
    policy_uri_template: str | None = None,
    timestamp_max_delay: timedelta | None = None,
    grace_period: timedelta | None = None,
) -> MappingProxyType[str, Profile]:
    """All profiles, with the unconfirmed values optionally overridden.

    :param policy_hash: the SHA-256 policy hash to embed (32 bytes); default: the Rehber PDF's hash.
    :param policy_uri_template: SPuri template with ``{compact_oid}``/``{oid}``.
    :param timestamp_max_delay: largest signing-time → time-stamp delay.
    :param grace_period: grace period of the profiles that have one (P2, P3).
    :raises UnsupportedProfile: if ``policy_hash`` is not 32 bytes.
    """
    raw = _raw()
    defaults = raw["defaults"]
    assert isinstance(defaults, dict)
    if policy_hash is None:
        policy_hash = bytes.fromhex(defaults["policy_hash_sha256"])
    if len(policy_hash) != 32:
        raise UnsupportedProfile(details={"profile": "policy_hash", "reason": "policy_hash"})
    template = policy_uri_template or defaults["policy_uri_template"]
    delay = timestamp_max_delay or timedelta(seconds=int(defaults["timestamp_max_delay_seconds"]))
    forbidden_all = raw["forbidden_everywhere"]
    assert isinstance(forbidden_all, dict)
    profiles_raw = raw["profiles"]
    assert isinstance(profiles_raw, dict)
    out: dict[str, Profile] = {}
    for name, p in profiles_raw.items():
        oid = p["policy_oid"] or None
        grace = timedelta(seconds=int(p["grace_period_seconds"]))
        if grace_period is not None and grace:
            grace = grace_period
        out[name] = Profile(
            name=name,
            title=p["title"],
            policy_oid=oid,
            policy_uri=policy_uri_for(oid, template) if oid else None,
            policy_hash=policy_hash if oid else None,
            revocation=p["revocation"],
            grace_period=grace,
            upgrade_requires_grace=bool(p["upgrade_requires_grace"]),
            cades_level=p["cades_level"],
            pades_level=p["pades_level"],
            pades_levels=tuple(p["pades_levels"]),
            required_signed=frozenset(p["required_signed"]),
            forbidden_signed=frozenset(p["forbidden_signed"]),
            required_unsigned=frozenset(p["required_unsigned"]),
            optional_unsigned=frozenset(p["optional_unsigned"]),
            final_unsigned=frozenset(p["final_unsigned"]),
            forbidden_unsigned=frozenset(forbidden_all["unsigned"]),
            timestamp_max_delay=delay,
        )
    return MappingProxyType(out)


def profiles_from_config(cfg: SigningConfig) -> MappingProxyType[str, Profile]:
    """The profiles with the unconfirmed values of the ``[signing]`` config section applied.

    :raises ConfigurationError: ``config.invalid_value`` naming ``signing.policy_hash`` when it is not
        64 hexadecimal digits (a SHA-256 value).
    """
    kwargs: dict[str, Any] = {}
    if cfg.policy_hash:
        try:
            value = bytes.fromhex(cfg.policy_hash)
        except ValueError:
            value = b""
        if len(value) != 32:
            raise ConfigurationError(
                "config.invalid_value",
                details={"key": "signing.policy_hash", "reason": "not a SHA-256 value in hex", "source": ""},
            )
        kwargs["policy_hash"] = value
    if cfg.policy_uri_template:
        kwargs["policy_uri_template"] = cfg.policy_uri_template
    if cfg.timestamp_max_delay:
        kwargs["timestamp_max_delay"] = timedelta(seconds=cfg.timestamp_max_delay)
    if cfg.grace_period_hours:
        kwargs["grace_period"] = timedelta(hours=cfg.grace_period_hours)
    return load_profiles(**kwargs)


@lru_cache(maxsize=1)
def _default_profiles() -> MappingProxyType[str, Profile]:
    return load_profiles()


def get_profile(name: str | Profile) -> Profile:
    """The profile called ``name`` (``"P1"`` … ``"P4"``, case-insensitive) with the default values.

    :raises UnsupportedProfile: for any other name.
    """
    if isinstance(name, Profile):
        return name
    key = str(name).strip().upper()
    try:
        return _default_profiles()[key]
    except KeyError:
        raise UnsupportedProfile(details={"profile": str(name)}) from None
