"""Turkish and English messages, selected by a stable key.

The catalogue is every ``*.toml`` file in ``ebys_support/i18n/catalogue/`` (one per area). Each top-level
table is a key (an error code such as ``token.pin_locked`` or a label such as ``ui.cli.error``) with an
``en`` and a ``tr`` text; placeholders are ``str.format`` names filled from keyword arguments, and a name
with no value is left as written so that a message never fails to render.

>>> message("auth.invalid_key", "tr")
'API anahtarı eksik ya da geçersiz.'
>>> normalize_lang("tr-TR,tr;q=0.9,en;q=0.8")
'tr'
>>> normalize_lang("en-US,tr;q=0.5")
'en'
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any

__all__ = ["LANGUAGES", "message", "has", "catalogue", "normalize_lang", "lang_from_env"]

LANGUAGES = ("en", "tr")


class _Defaulting(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@lru_cache(maxsize=1)
def catalogue() -> Mapping[str, Mapping[str, str]]:
    """All keys with their texts, loaded once from the package data (immutable)."""
    merged: dict[str, Mapping[str, str]] = {}
    origin: dict[str, str] = {}
    folder = resources.files("ebys_support.i18n") / "catalogue"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        data = tomllib.loads(entry.read_text(encoding="utf-8"))
        for key, texts in data.items():
            if key in merged:
                raise RuntimeError(f"message key {key!r} is defined in {origin[key]} and {entry.name}")
            if not isinstance(texts, dict):
                raise RuntimeError(f"message key {key!r} in {entry.name} is not a table")
            merged[key] = MappingProxyType({str(k): str(v) for k, v in texts.items()})
            origin[key] = entry.name
    return MappingProxyType(merged)


def has(key: str) -> bool:
    """Whether the catalogue has ``key``."""
    return key in catalogue()


def message(key: str, lang: str = "en", /, **params: Any) -> str:
    """The text of ``key`` in ``lang`` with ``params`` filled in.

    Falls back to English, then to the key itself, so a missing text is visible but never an exception.
    """
    texts = catalogue().get(key)
    if texts is None:
        return key
    template = texts.get(normalize_lang(lang)) or texts.get("en") or key
    try:
        return template.format_map(_Defaulting(params))
    except (ValueError, IndexError, AttributeError, KeyError):
        return template


def normalize_lang(value: str | None) -> str:
    """``"tr"`` or ``"en"`` from a language tag, a locale name or an ``Accept-Language`` header."""
    if not value:
        return "en"
    best_lang, best_q = "en", -1.0
    for position, part in enumerate(value.split(",")):
        piece = part.strip()
        if not piece:
            continue
        tag, _, params = piece.partition(";")
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                q = 0.0
        primary = tag.strip().lower().replace("_", "-").split("-")[0].split(".")[0]
        if primary in LANGUAGES and q > 0 and q > best_q:
            best_lang, best_q = primary, q - position * 1e-6
    return best_lang


def lang_from_env(environ: Mapping[str, str] | None = None) -> str:
    """The language for a command-line user: ``EBYS_LANG``, else a Turkish locale, else English."""
    env = os.environ if environ is None else environ
    explicit = env.get("EBYS_LANG")
    if explicit:
        return normalize_lang(explicit)
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if value:
            return "tr" if value.lower().startswith("tr") else "en"
    return "en"
