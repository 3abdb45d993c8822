"""OPC pieces of a package: content types and relationships (types compared case-insensitively)."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from lxml import etree

from ebys_support.eyp import _xml
from ebys_support.eyp._container import part_key, resolve_target

__all__ = ["Relationship", "ContentTypes", "parse_relationships", "rels_part_of"]


@dataclass(frozen=True)
class Relationship:
    """One ``<Relationship>``.

    :ivar source: ``/`` or the source part's name.
    :ivar rels_part: the ``.rels`` part it was read from.
    :ivar type: the type as written.
    :ivar target: the target as written.
    :ivar part: the resolved part name (``None`` when the target escapes the package or is external).
    :ivar id: ``Id``.
    :ivar external: ``TargetMode="External"`` (never fetched).
    """

    source: str
    rels_part: str
    type: str
    target: str
    part: str | None
    id: str
    external: bool

    @property
    def key(self) -> str | None:
        return part_key(self.part) if self.part is not None else None


def rels_part_of(source: str) -> str:
    """The ``.rels`` part holding the relationships of ``source`` (``/`` for the package)."""
    if source == "/":
        return "/_rels/.rels"
    folder, name = posixpath.split(source)
    return posixpath.join(folder, "_rels", name + ".rels")


def parse_relationships(root: etree._Element, source: str, rels_part: str) -> list[Relationship]:
    out: list[Relationship] = []
    for el in root:
        if _xml.local(el) != "Relationship":
            continue
        target = (el.get("Target") or "").strip()
        external = (el.get("TargetMode") or "").strip().lower() == "external"
        part = None if external or not target else resolve_target(source, target)
        out.append(
            Relationship(
                source=source,
                rels_part=rels_part,
                type=(el.get("Type") or "").strip(),
                target=target,
                part=part,
                id=(el.get("Id") or "").strip(),
                external=external,
            )
        )
    return out


class ContentTypes:
    """``[Content_Types].xml``: defaults by extension and overrides by part name, both case-insensitive."""

    def __init__(self, root: etree._Element | None) -> None:
        self.defaults: dict[str, str] = {}
        self.overrides: dict[str, str] = {}
        if root is None:
            return
        for el in root:
            name = _xml.local(el)
            if name == "Default":
                self.defaults[(el.get("Extension") or "").lower()] = (el.get("ContentType") or "").strip()
            elif name == "Override":
                self.overrides[part_key(el.get("PartName") or "")] = (el.get("ContentType") or "").strip()

    def of(self, part: str) -> str | None:
        override = self.overrides.get(part_key(part))
        if override:
            return override
        base = posixpath.basename(part)
        ext = base.rpartition(".")[2].lower() if "." in base else ""
        return self.defaults.get(ext) or None
