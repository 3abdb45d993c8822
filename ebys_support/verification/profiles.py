"""The P1–P4 profile rules as the verifier applies them, read from the data signing uses.

The profile table (policy OIDs, mandatory/forbidden attributes, revocation source, grace period,
time-stamp delay) lives once, in ``ebys_support/signing/profiles.toml`` (written for signing, issue 6),
read here as data; the qualified-certificate OIDs
and accepted policy hashes live in ``ebys_support/verification/policy.toml``. Both are read once.

>>> profile_for_policy("2.16.792.1.61.0.1.5070.3.3.1").name
'P4'
>>> profile_for_policy(None).name
'P1'
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

__all__ = ["Profile", "profiles", "profile_for_policy", "policy_data", "ATTRIBUTE_OIDS", "policy_uri"]

#: CMS attribute names used in the profile data, by OID (some are unknown to asn1crypto).
ATTRIBUTE_OIDS: dict[str, str] = {
    "1.2.840.113549.1.9.3": "content_type",
    "1.2.840.113549.1.9.4": "message_digest",
    "1.2.840.113549.1.9.5": "signing_time",
    "1.2.840.113549.1.9.6": "counter_signature",
    "1.2.840.113549.1.9.16.2.12": "signing_certificate",
    "1.2.840.113549.1.9.16.2.47": "signing_certificate_v2",
    "1.2.840.113549.1.9.16.2.15": "signature_policy_identifier",
    "1.2.840.113549.1.9.16.2.14": "signature_time_stamp_token",
    "1.2.840.113549.1.9.16.2.21": "complete_certificate_references",
    "1.2.840.113549.1.9.16.2.22": "complete_revocation_references",
    "1.2.840.113549.1.9.16.2.23": "certificate_values",
    "1.2.840.113549.1.9.16.2.24": "revocation_values",
    "1.2.840.113549.1.9.16.2.25": "cades_c_time_stamp",
    "1.2.840.113549.1.9.16.2.26": "time_stamped_certs_crls_refs",
    "1.2.840.113549.1.9.16.2.27": "archive_time_stamp",
    "0.4.0.1733.2.4": "archive_time_stamp_v3",
}


@dataclass(frozen=True)
class Profile:
    """One usage profile (Rehber), as data."""

    name: str
    title: str
    policy_oid: str | None
    policy_uri: str | None
    revocation: str  # "any" | "crl" | "ocsp"
    grace_period_seconds: int
    upgrade_requires_grace: bool
    cades_level: str
    pades_level: str
    required_signed: frozenset[str]
    forbidden_signed: frozenset[str]
    required_unsigned: frozenset[str]
    final_unsigned: frozenset[str]
    forbidden_unsigned: frozenset[str]
    timestamp_max_delay_seconds: int
    policy_hash: bytes | None


@lru_cache(maxsize=1)
def policy_data() -> dict[str, Any]:
    """The verification policy data (qualified OIDs, policy hashes, timing)."""
    text = (resources.files("ebys_support.verification") / "policy.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


_VALUE_ATTRS = frozenset(
    {
        "complete_certificate_references",
        "complete_revocation_references",
        "certificate_values",
        "revocation_values",
    }
)


@lru_cache(maxsize=1)
def _signing_data() -> dict[str, Any]:
    # Read as data, without importing ebys_support.signing: that package pulls in pyHanko (~0.8 s),
    # which every batch worker would pay for nothing.
    text = (resources.files("ebys_support") / "signing" / "profiles.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@lru_cache(maxsize=1)
def profiles() -> dict[str, Profile]:
    """Every profile by name (``P1``…``P4``), from ``ebys_support/signing/profiles.toml``.

    Mirrors :func:`ebys_support.signing.profiles.load_profiles` with its default values.
    """
    data = _signing_data()
    defaults = data.get("defaults", {})
    delay = int(
        defaults.get("timestamp_max_delay_seconds", policy_data()["timing"]["timestamp_max_delay_seconds"])
    )
    template = str(defaults.get("policy_uri_template", ""))
    policy_hash = (
        bytes.fromhex(str(defaults["policy_hash_sha256"])) if defaults.get("policy_hash_sha256") else None
    )
    never = frozenset(data.get("forbidden_everywhere", {}).get("unsigned", ()))
    out = {}
    for name, p in data["profiles"].items():
        oid = p.get("policy_oid") or None
        known_unsigned = set(p.get("required_unsigned", ())) | set(p.get("optional_unsigned", ()))
        known_unsigned |= set(p.get("final_unsigned", ()))
        out[name] = Profile(
            name=name,
            title=str(p.get("title", name)),
            policy_oid=oid,
            policy_uri=template.format(compact_oid=oid.replace(".", ""), oid=oid)
            if oid and template
            else None,
            revocation=str(p.get("revocation", "any")),
            grace_period_seconds=int(p.get("grace_period_seconds", 0)),
            upgrade_requires_grace=bool(p.get("upgrade_requires_grace", False)),
            cades_level=str(p.get("cades_level", "")),
            pades_level=str(p.get("pades_level", "")),
            required_signed=frozenset(p.get("required_signed", ())),
            forbidden_signed=frozenset(p.get("forbidden_signed", ())),
            required_unsigned=frozenset(p.get("required_unsigned", ())),
            final_unsigned=frozenset(p.get("final_unsigned", ())),
            # Values/refs a profile does not name are forbidden for it (Rehber: X), as are C-time-stamps.
            forbidden_unsigned=frozenset(never | (_VALUE_ATTRS - known_unsigned)),
            timestamp_max_delay_seconds=delay,
            policy_hash=policy_hash if oid else None,
        )
    return out


def profile_for_policy(oid: str | None) -> Profile | None:
    """The profile whose policy OID is ``oid`` (``None``: P1), or ``None`` for an unknown OID."""
    for p in profiles().values():
        if p.policy_oid == oid:
            return p
    return None


def policy_uri(oid: str) -> str:
    """The published policy URL (SPuri) expected for ``oid``."""
    for p in profiles().values():
        if p.policy_oid == oid and p.policy_uri:
            return p.policy_uri
    return ""


def accepted_policy_hashes() -> dict[str, frozenset[str]]:
    """Accepted policy-hash values (lower-case hex) per digest algorithm: ``policy.toml`` plus signing's."""
    data = policy_data().get("policy_hashes", {})
    out = {algo: frozenset(v.lower() for v in values) for algo, values in data.items()}
    signing_hashes = {p.policy_hash.hex() for p in profiles().values() if p.policy_hash}
    out["sha256"] = out.get("sha256", frozenset()) | signing_hashes
    return out
