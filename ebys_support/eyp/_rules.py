"""The parts of a package per version, their relationships and places, and the data in ``rules.toml``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any

__all__ = [
    "PartKind",
    "KINDS",
    "Profile",
    "profile",
    "common",
    "algorithms",
    "required_parts",
    "forbidden_parts",
]


@dataclass(frozen=True)
class PartKind:
    """A kind of part, found through its relationship.

    :ivar name: our name for it (lower case).
    :ivar suffix: the canonical spelling of the relationship type after the base URI.
    :ivar source: ``"/"`` for package relationships, else the kind whose part holds the relationship.
    :ivar place: the exact part name, or a folder (ending with ``/``) it must be in; per major version.
    :ivar single: at most one part of this kind.
    :ivar rule_missing: the guide's rule for a missing part.
    :ivar rule_place: the guide's rule for a part in the wrong place.
    """

    name: str
    suffix: str
    source: str
    place: tuple[str, str]
    single: bool = True
    rule_missing: str | None = None
    rule_place: str | None = None

    def place_for(self, major: int) -> str:
        return self.place[0] if major == 1 else self.place[1]


def _same(place: str) -> tuple[str, str]:
    return (place, place)


KINDS: dict[str, PartKind] = {
    k.name: k
    for k in (
        PartKind("ustyazi", "ustyazi", "/", _same("/UstYazi/"), rule_missing="K.2", rule_place="K.4"),
        PartKind(
            "ustveri", "ustveri", "/", _same("/Ustveri/Ustveri.xml"), rule_missing="K.16", rule_place="K.18"
        ),
        PartKind(
            "nihaiustveri",
            "nihaiustveri",
            "/",
            _same("/NihaiUstveri/NihaiUstveri.xml"),
            rule_missing="K.82",
            rule_place="K.84",
        ),
        PartKind("belgehedef", "belgehedef", "/", _same("/BelgeHedef/BelgeHedef.xml")),
        PartKind("belgeimza", "belgeimza", "/", _same("/Imzalar/BelgeImza.xml")),
        PartKind(
            "paketozeti",
            "PaketOzeti",
            "/",
            _same("/PaketOzeti/PaketOzeti.xml"),
            rule_missing="K.26",
            rule_place="K.28",
        ),
        PartKind("parafozeti", "parafozeti", "/", _same("/ParafOzeti/ParafOzeti.xml")),
        PartKind(
            "nihaiozet",
            "nihaiozet",
            "/",
            _same("/NihaiOzet/NihaiOzet.xml"),
            rule_missing="K.98",
            rule_place="K.38",
        ),
        PartKind(
            "imzacades", "imzacades", "paketozeti", _same("/Imzalar/ImzaCades.imz"), rule_missing="K.81"
        ),
        PartKind("parafimzacades", "parafimzacades", "parafozeti", _same("/Paraflar/ParafImzaCades.imz")),
        PartKind(
            "muhurcades",
            "muhurcades",
            "nihaiozet",
            ("/Muhurler/MuhurCades.imz", "/Muhur/MuhurCades.imz"),
            rule_missing="K.100",
        ),
        PartKind("ek", "ek", "/", _same("/Ekler/"), single=False, rule_place="K.12"),
        PartKind("imzasizek", "imzasizEk", "/", _same("/ImzasizEkler/"), single=False),
        PartKind("sifreliicerik", "sifreliicerik", "/", _same("/SifreliIcerik/")),
        PartKind(
            "sifreliicerikbilgisi",
            "sifreliicerikbilgisi",
            "/",
            _same("/SifreliIcerikBilgisi/SifreliIcerikBilgisi.xml"),
        ),
    )
}

#: Parts every package of a (major version, encrypted) pair must have (signatures are checked apart).
_REQUIRED: dict[tuple[int, bool], frozenset[str]] = {
    (1, False): frozenset({"ustyazi", "ustveri", "belgehedef", "belgeimza", "paketozeti", "nihaiozet"}),
    (2, False): frozenset({"ustyazi", "ustveri", "nihaiustveri", "paketozeti", "nihaiozet"}),
    (1, True): frozenset({"paketozeti", "belgehedef", "sifreliicerik", "sifreliicerikbilgisi"}),
    (2, True): frozenset({"nihaiozet", "belgehedef", "sifreliicerik", "sifreliicerikbilgisi"}),
}

_PLAIN_ONLY = frozenset({"ustyazi", "ustveri", "nihaiustveri", "ek", "imzasizek", "belgeimza", "parafozeti"})

#: Parts a (major version, encrypted) pair must not have.
_FORBIDDEN: dict[tuple[int, bool], frozenset[str]] = {
    (1, False): frozenset(
        {"nihaiustveri", "parafozeti", "parafimzacades", "sifreliicerik", "sifreliicerikbilgisi"}
    ),
    (2, False): frozenset({"belgeimza", "sifreliicerik", "sifreliicerikbilgisi"}),
    (1, True): _PLAIN_ONLY,
    (2, True): _PLAIN_ONLY,
}


def required_parts(major: int, encrypted: bool) -> frozenset[str]:
    return _REQUIRED[(major, encrypted)]


def forbidden_parts(major: int, encrypted: bool) -> frozenset[str]:
    return _FORBIDDEN[(major, encrypted)]


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    return tomllib.loads((resources.files("ebys_support.eyp") / "rules.toml").read_text(encoding="utf-8"))


def common() -> dict[str, Any]:
    return dict(_data()["common"])


def algorithms() -> MappingProxyType[str, dict[str, Any]]:
    """Digest algorithm URI → ``{"name": hashlib name, "obsolete": bool}``."""
    return MappingProxyType(dict(_data()["algorithms"]))


@dataclass(frozen=True)
class Profile:
    """The rules of one major version."""

    major: int
    versions: tuple[str, ...]
    security_codes: tuple[str, ...]
    urgency: tuple[str, ...]
    distribution: tuple[str, ...]
    attachment_kinds: tuple[str, ...]
    digest_algorithms: tuple[str, ...]
    digests_per_reference: int
    required_digest: str | None
    signature_level: str | None
    paraf_level: str | None
    seal_level: str | None
    last_signature_tolerance_minutes: int | None


@lru_cache(maxsize=2)
def profile(major: int) -> Profile:
    raw = _data()[f"v{major}"]
    return Profile(
        major=major,
        versions=tuple(raw["versions"]),
        security_codes=tuple(raw["security_codes"]),
        urgency=tuple(raw["urgency"]),
        distribution=tuple(raw["distribution"]),
        attachment_kinds=tuple(raw["attachment_kinds"]),
        digest_algorithms=tuple(raw["digest_algorithms"]),
        digests_per_reference=int(raw["digests_per_reference"]),
        required_digest=raw.get("required_digest") or None,
        signature_level=raw.get("signature_level") or None,
        paraf_level=raw.get("paraf_level") or None,
        seal_level=raw.get("seal_level") or None,
        last_signature_tolerance_minutes=raw.get("last_signature_tolerance_minutes"),
    )
