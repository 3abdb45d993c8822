"""PKCS#11 module discovery: the known middleware of this OS (as data) plus configured paths.

The known modules and their per-OS install paths live in ``modules.toml`` next to this file, so a new
installer location is a data change. :func:`discover_modules` reports every candidate path that exists
(and every path given explicitly, existing or not) and whether it loads.
"""

from __future__ import annotations

import os
import sys
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from ebys_support.tokens.errors import TokenError
from ebys_support.tokens.session import TOKEN_LOCK, load_module

__all__ = [
    "KnownModule",
    "ModuleInfo",
    "known_modules",
    "candidate_paths",
    "discover_modules",
    "platform_key",
]


@dataclass(frozen=True)
class KnownModule:
    """A middleware we know, with its install paths on each platform."""

    name: str
    description: str
    paths: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class ModuleInfo:
    """One module path and what we learned about it.

    :ivar name: the known module's id (``akis``, ``opensc`` ...) or ``configured``/``given``.
    :ivar found: the file exists.
    :ivar loads: it loaded and initialised as a PKCS#11 module (None when not tried).
    :ivar error: the stable code when it did not load (``token.module_not_found``/``..._load_failed``).
    :ivar reason: the loader's explanation (the OS ``dlopen`` message) when it did not load.
    :ivar cause: that explanation sorted for the remedy: ``architecture``, ``not_pkcs11``,
        ``dependency``, ``initialize`` or ``unknown`` (see :func:`~ebys_support.tokens.session.load_failure_cause`).
    """

    name: str
    description: str
    path: str
    found: bool
    loads: bool | None = None
    error: str | None = None
    reason: str | None = None
    manufacturer: str | None = None
    library_description: str | None = None
    library_version: str | None = None
    cause: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "name": self.name,
            "description": self.description,
            "path": self.path,
            "found": self.found,
            "loads": self.loads,
            "error": self.error,
            "reason": self.reason,
            "manufacturer": self.manufacturer,
            "library_description": self.library_description,
            "library_version": self.library_version,
            "cause": self.cause,
        }


def platform_key(platform: str | None = None) -> str:
    """``linux``, ``windows`` or ``darwin`` for ``sys.platform`` (or the given value)."""
    value = platform or sys.platform
    if value.startswith("win"):
        return "windows"
    if value.startswith("darwin"):
        return "darwin"
    return "linux"


@lru_cache(maxsize=1)
def known_modules() -> tuple[KnownModule, ...]:
    """The middleware listed in the package's ``modules.toml``."""
    data = tomllib.loads((resources.files("ebys_support.tokens") / "modules.toml").read_text("utf-8"))
    result = []
    for entry in data.get("module", []):
        paths = {key: tuple(entry.get(key, ())) for key in ("linux", "windows", "darwin")}
        result.append(KnownModule(entry["name"], entry.get("description", entry["name"]), paths))
    return tuple(result)


def candidate_paths(platform: str | None = None) -> list[tuple[KnownModule, str]]:
    """Every known module path for the platform, with environment variables and ``~`` expanded."""
    key = platform_key(platform)
    out = []
    for module in known_modules():
        for raw in module.paths.get(key, ()):
            out.append((module, os.path.expanduser(os.path.expandvars(raw))))
    return out


def _probe(name: str, description: str, path: str) -> ModuleInfo:
    if not os.path.isfile(path):
        return ModuleInfo(name, description, path, found=False, loads=False, error="token.module_not_found")
    try:
        with TOKEN_LOCK:
            lib = load_module(path)
            version = "{}.{}".format(*lib.library_version)
            return ModuleInfo(
                name,
                description,
                path,
                found=True,
                loads=True,
                manufacturer=lib.manufacturer_id,
                library_description=lib.library_description,
                library_version=version,
            )
    except TokenError as exc:
        reason = exc.details.get("reason") or exc.details.get("pkcs11")
        return ModuleInfo(
            name,
            description,
            path,
            found=True,
            loads=False,
            error=exc.code,
            reason=reason,
            cause=exc.details.get("cause"),
        )


def discover_modules(
    extra: Iterable[str] | None = None, *, known: bool = True, platform: str | None = None, probe: bool = True
) -> list[ModuleInfo]:
    """The PKCS#11 modules on this machine.

    :param extra: paths from the configuration or the command line; reported even when missing.
    :param known: also look at the known middleware paths of this OS (only existing ones are listed).
    :param platform: a ``sys.platform`` value, for looking at another OS's list.
    :param probe: load each found module to report whether it loads (runs its ``C_Initialize``).
    """
    seen: set[str] = set()
    result: list[ModuleInfo] = []

    def add(name: str, description: str, path: str, must_list: bool) -> None:
        # dlopen() looks a bare or relative name up in the system library path, not in the current
        # folder: make it absolute so that the file examined is the file loaded.
        path = os.path.abspath(os.path.expanduser(path))
        real = os.path.realpath(path)
        if real in seen:
            return
        exists = os.path.isfile(path)
        if not exists and not must_list:
            return
        seen.add(real)
        if probe:
            result.append(_probe(name, description, path))
        else:
            result.append(ModuleInfo(name, description, path, found=exists))

    for path in extra or ():
        add("given", "", os.fspath(path), True)
    if known:
        for module, path in candidate_paths(platform):
            add(module.name, module.description, path, False)
    return result
