"""Parsing XML parts of a hostile package: no DTD, no entities, no network, bounded size and depth."""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from ebys_support.eyp.errors import TooLarge, XmlForbidden

__all__ = ["parse", "local", "child", "children", "text", "descendants", "XmlMalformed"]

# Markers of a DTD or an entity declaration in the encodings an XML part may use. A package never needs a
# DTD, so any of them refuses the part before lxml sees it.
_FORBIDDEN = tuple(
    marker.encode(enc)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for enc in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
)


class XmlMalformed(Exception):
    """The part is not well-formed XML (a finding, not a refusal)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=True,
        collect_ids=False,
    )


def parse(data: bytes, part: str, *, max_bytes: int, max_depth: int) -> etree._Element:
    """Parse ``data`` safely and return the root element.

    :raises TooLarge: the part is larger than ``max_bytes``.
    :raises XmlForbidden: a DTD or entity declaration, or nesting deeper than ``max_depth``.
    :raises XmlMalformed: not well-formed.
    """
    if len(data) > max_bytes:
        raise TooLarge(
            details={"part": part, "entry": part, "reason": "xml_size", "size": len(data), "limit": max_bytes}
        )
    for marker in _FORBIDDEN:
        if marker in data:
            raise XmlForbidden(details={"part": part, "reason": "dtd"})
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise XmlMalformed(str(exc).splitlines()[0][:200]) from None
    if root is None:  # pragma: no cover - fromstring raises on empty input
        raise XmlMalformed("empty document")
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise XmlForbidden(details={"part": part, "reason": "dtd"})
    depth = 0
    for event, _el in etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        if depth > max_depth:
            raise XmlForbidden(details={"part": part, "reason": "depth", "limit": max_depth})
    return root


def local(el: etree._Element) -> str:
    """The local name of an element (namespaces vary between versions and writers)."""
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def namespace(el: etree._Element) -> str:
    tag = el.tag
    if not isinstance(tag, str) or not tag.startswith("{"):
        return ""
    return tag[1:].partition("}")[0]


def children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if local(c) == name]


def child(el: etree._Element | None, name: str) -> etree._Element | None:
    if el is None:
        return None
    for c in el:
        if local(c) == name:
            return c
    return None


def descendants_of(el: etree._Element | None, container: str, name: str) -> list[etree._Element]:
    """The ``name`` elements below ``el``'s child ``container`` (empty when either is absent)."""
    holder = child(el, container)
    return [] if holder is None else list(descendants(holder, name))


def text(el: etree._Element | None, name: str | None = None) -> str | None:
    """The stripped text of ``el`` (or of its child ``name``); ``None`` when absent."""
    target = child(el, name) if name is not None else el
    if target is None:
        return None
    return (target.text or "").strip()


def descendants(el: etree._Element, name: str) -> Iterator[etree._Element]:
    for d in el.iter():
        if local(d) == name:
            yield d


def path_of(el: etree._Element) -> str:
    """A readable path like ``DagitimListesi/Dagitim[2]/KurumKurulus/KKK`` (below the root)."""
    parts: list[str] = []
    node: etree._Element | None = el
    while node is not None and node.getparent() is not None:
        parent = node.getparent()
        assert parent is not None
        name = local(node)
        same = [c for c in parent if local(c) == name]
        parts.append(f"{name}[{same.index(node) + 1}]" if len(same) > 1 else name)
        node = parent
    return "/".join(reversed(parts))
