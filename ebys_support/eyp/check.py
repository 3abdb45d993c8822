"""Checking an e-Yazışma package (``.eyp``, encrypted ``.eyps``) against the guide's rules.

>>> from pathlib import Path
>>> report = check(Path("tests/data/eyp/paketv2x.eyp"))
>>> report.version, report.structure, report.verdict
('2.0', 'sound', 'rejected')
>>> sorted({f.code for f in report.findings if f.severity == "critical"})
['eyp.cms_not_signed_data']
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import posixpath
import re
from collections.abc import Mapping
from typing import Any

from lxml import etree

from ebys_support.eyp import _cms, _metadata, _xml
from ebys_support.eyp._container import Limits, Package, open_package, part_key
from ebys_support.eyp._opc import ContentTypes, Relationship, parse_relationships, rels_part_of
from ebys_support.eyp._rules import KINDS, algorithms, common, forbidden_parts, profile, required_parts
from ebys_support.eyp.errors import NotAPackage
from ebys_support.eyp.report import (
    EypReport,
    Finding,
    PackageSummary,
    Severity,
    SignatureReport,
    sort_findings,
)

__all__ = ["check", "Limits"]

GUID_RE = re.compile(r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$")

_CT_RELS = "application/vnd.openxmlformats-package.relationships+xml"
_CT_CORE = "application/vnd.openxmlformats-package.core-properties+xml"

#: The summaries and their rules: (structure, id, content).
_SUMMARY_RULES = {
    "paketozeti": ("K.29", "K.34", "K.33"),
    "nihaiozet": ("K.39", "K.44", "K.43"),
    "parafozeti": (None, None, None),
}
#: The rule broken by a malformed XML part, by its expected place.
_XML_RULES = {
    "/ustveri/ustveri.xml": "K.19",
    "/nihaiustveri/nihaiustveri.xml": "K.85",
    "/paketozeti/paketozeti.xml": "K.29",
    "/nihaiozet/nihaiozet.xml": "K.39",
}
_SUMMARY_ROOTS = {"paketozeti": "PaketOzeti", "nihaiozet": "NihaiOzet", "parafozeti": "ParafOzeti"}


def check(
    package: Any,
    *,
    sdp_catalogue: Any = None,
    detsis_registry: Any = None,
    trust: Any = None,
    revocation: str = "offline",
    limits: Limits | None = None,
    verify_signatures: bool = True,
) -> EypReport:
    """Check an e-Yazışma package and report every problem found.

    :param package: the package as bytes, a path, or a binary file object (read, never extracted).
    :param sdp_catalogue: an SDP catalogue (:mod:`sdp_codes`) to check that codes exist and are leaves.
    :param detsis_registry: a DETSİS registry snapshot (:mod:`detsis`) to check numbers exist and are active.
    :param trust: extra trust anchors for signature verification (certificates or a path).
    :param revocation: ``offline`` (default; no network), ``online`` or ``off``.
    :param limits: size and depth limits for hostile input.
    :param verify_signatures: verify the e-signature, paraf and seal cryptographically
        (:func:`ebys_support.verification.verify`); ``False`` checks their structure and binding only, and
        says so (``eyp.cms_not_verified``).
    :raises NotAPackage: not a zip file / not an e-Yazışma package (``eyp.not_a_package``).
    :raises UnsafeEntry: a hostile zip entry (``eyp.unsafe_entry``).
    :raises TooLarge: over the size or ratio limits (``eyp.too_large``).
    :raises XmlForbidden: an XML part with a DTD/entities or too deep (``eyp.xml_forbidden``).
    """
    with open_package(package, limits or Limits()) as pkg:
        checker = _Checker(pkg, sdp_catalogue, detsis_registry, trust, revocation)
        checker.verify_signatures = verify_signatures
        return checker.run()


class _Checker:
    def __init__(
        self, pkg: Package, sdp_catalogue: Any, detsis_registry: Any, trust: Any, revocation: str
    ) -> None:
        self.pkg = pkg
        self.sdp_catalogue = sdp_catalogue
        self.detsis_registry = detsis_registry
        self.trust = trust
        self.revocation = revocation
        self.verify_signatures = True
        self.findings: list[Finding] = []
        self.common = common()
        self.rels: list[Relationship] = []
        self.by_kind: dict[str, list[Relationship]] = {}
        self.xml: dict[str, etree._Element | None] = {}
        self.raw: dict[str, bytes] = {}
        self.malformed: dict[str, str] = {}
        self.major = 2
        self.version: str | None = None
        self.encrypted = False
        self.belge_id: str | None = None
        self.digests_checked = 0
        self.digests_unverifiable = 0

    # -- helpers ----------------------------------------------------------------------------------------

    def add(
        self, code: str, severity: Severity, part: str | None = None, rule: str | None = None, **details: Any
    ) -> None:
        self.findings.append(Finding(rule=rule, severity=severity, code=code, part=part, details=details))

    def kind_part(self, kind: str) -> str | None:
        """The (first) part of ``kind`` that is present in the package."""
        for rel in self.by_kind.get(kind, []):
            if rel.part is not None and self.pkg.has(rel.part):
                return self.pkg.name_of(rel.part)
        return None

    def kind_parts(self, kind: str) -> list[str]:
        return [
            self.pkg.name_of(r.part) for r in self.by_kind.get(kind, []) if r.part and self.pkg.has(r.part)
        ]

    def load_xml(self, part: str, rule: str | None = None, *, report: bool = True) -> etree._Element | None:
        """The parsed part (cached); a malformed part is reported the first time it is used."""
        key = part_key(part)
        if key not in self.xml:
            data = self.pkg.read(part, self.pkg.limits.max_xml_bytes, "xml_size")
            self.raw[key] = data
            try:
                self.xml[key] = _xml.parse(
                    data,
                    part,
                    max_bytes=self.pkg.limits.max_xml_bytes,
                    max_depth=self.pkg.limits.max_xml_depth,
                )
            except _xml.XmlMalformed as exc:
                self.xml[key] = None
                self.malformed[key] = exc.reason
        if report and key in self.malformed:
            reason = self.malformed.pop(key)
            self.add("eyp.xml_malformed", "critical", part, rule or _XML_RULES.get(key), reason=reason)
        return self.xml[key]

    def raw_bytes(self, part: str) -> bytes | None:
        return self.raw.get(part_key(part))

    # -- the run ----------------------------------------------------------------------------------------

    def run(self) -> EypReport:
        pkg = self.pkg
        has_ct = pkg.has("/[Content_Types].xml")
        has_rels = pkg.has("/_rels/.rels")
        if not has_ct and not has_rels:
            raise NotAPackage(details={"reason": "not_opc"})
        # Vet every XML part up front: a DTD anywhere refuses the package, whatever references it.
        for key, name in pkg.names.items():
            if key.endswith((".xml", ".rels", ".psmdcp")):
                self.load_xml(name, report=False)
        content_types = ContentTypes(self.load_xml("/[Content_Types].xml") if has_ct else None)
        if not has_ct:
            self.add("eyp.content_types_missing", "critical", "/[Content_Types].xml")
        if not has_rels:
            self.add("eyp.rels_missing", "critical", "/_rels/.rels")
            return self.report(PackageSummary(), {})
        self.read_relationships("/")
        if self.xml.get("/_rels/.rels") is None:
            return self.report(PackageSummary(), {})  # malformed: reported, nothing more can be found
        if not any(r.type.lower().startswith(self.common["relationship_base"].lower()) for r in self.rels):
            raise NotAPackage(details={"reason": "no_eyazisma_parts"})
        core = self.check_core_and_version()
        for kind in ("paketozeti", "parafozeti", "nihaiozet"):
            source = self.kind_part(kind)
            if source is not None:
                self.read_relationships(source)
        self.check_relationships()
        self.check_parts()
        self.check_content_types(content_types)
        meta = _metadata.MetadataChecker(self, core)
        meta.run()
        self.belge_id = meta.belge_id
        self.check_summaries(meta)
        signatures = _cms.SignatureChecker(self).run() if not self.encrypted else {}
        if self.encrypted:
            self.check_encrypted()
        meta.check_last_signature_time(signatures)
        meta.check_signers(signatures)
        summary = meta.summary(signatures)
        return self.report(summary, signatures)

    def report(self, summary: PackageSummary, signatures: Mapping[str, SignatureReport]) -> EypReport:
        return EypReport(
            version=self.version,
            encrypted=self.encrypted,
            belge_id=self.belge_id,
            findings=sort_findings(self.findings),
            signature=signatures.get("signature"),
            seal=signatures.get("seal"),
            paraf=signatures.get("paraf"),
            summary=summary,
            digests_checked=self.digests_checked,
            digests_unverifiable=self.digests_unverifiable,
            parts=len(self.pkg.parts),
        )

    # -- relationships ----------------------------------------------------------------------------------

    def read_relationships(self, source: str) -> None:
        rels_part = rels_part_of(source)
        if not self.pkg.has(rels_part):
            return
        root = self.load_xml(rels_part)
        if root is None:
            return
        base = self.common["relationship_base"]
        core_type = self.common["core_relationship"]
        suffixes = {k.suffix.lower(): k for k in KINDS.values()}
        for rel in parse_relationships(root, source, self.pkg.name_of(rels_part)):
            self.rels.append(rel)
            lowered = rel.type.lower()
            kind_name: str | None = None
            if lowered == core_type.lower():
                kind_name = "core"
            elif lowered.startswith(base.lower()):
                suffix = rel.type[len(base) :]
                kind = suffixes.get(suffix.lower())
                if kind is None:
                    self.add("eyp.relationship_unknown", "warning", rel.rels_part, type=rel.type)
                    continue
                expected_source = "/" if kind.source == "/" else None
                if expected_source == "/" and source != "/":
                    continue
                kind_name = kind.name
                if suffix != kind.suffix:
                    self.add(
                        "eyp.relationship_type_case",
                        "warning",
                        rel.rels_part,
                        type=rel.type,
                        expected=base + kind.suffix,
                    )
            if kind_name is not None:
                self.by_kind.setdefault(kind_name, []).append(rel)

    def check_relationships(self) -> None:
        for kind_name, rels in self.by_kind.items():
            for rel in rels:
                if rel.external:
                    self.add(
                        "eyp.relationship_external",
                        "critical",
                        rel.rels_part,
                        target=rel.target,
                        kind=kind_name,
                    )
                elif rel.part is None or not self.pkg.has(rel.part):
                    rule = KINDS[kind_name].rule_missing if kind_name in KINDS else None
                    self.add(
                        "eyp.relationship_target_missing",
                        "critical",
                        rel.rels_part,
                        rule,
                        target=rel.target,
                        kind=kind_name,
                    )

    # -- core properties and version --------------------------------------------------------------------

    def check_core_and_version(self) -> dict[str, str | None]:
        core: dict[str, str | None] = {}
        core_rels = self.by_kind.get("core", [])
        core_part = self.kind_part("core")
        if len(core_rels) > 1:
            self.add("eyp.part_duplicate", "critical", "/_rels/.rels", kind="core", count=len(core_rels))
        if core_part is None:
            self.add("eyp.core_missing", "critical")
        else:
            root = self.load_xml(core_part)
            if root is not None:
                for el in root:
                    core[_xml.local(el)] = (el.text or "").strip()
        self.core_part = core_part
        category = core.get("category")
        self.encrypted = bool(
            (category or "").upper() == self.common["category_encrypted"] or self.by_kind.get("sifreliicerik")
        )
        declared = core.get("version")
        major: int | None = None
        for candidate in (1, 2):
            if declared in profile(candidate).versions:
                major = candidate
        if major is None:
            inferred = self.infer_major()
            if declared:
                self.add("eyp.core_version", "critical", core_part, value=declared)
            elif core_part is not None:
                self.add("eyp.core_field_missing", "critical", core_part, field="version")
            major = inferred
            self.version = f"{major}.x"
        else:
            self.version = declared
        self.major = major
        return core

    def infer_major(self) -> int:
        for kind in ("ustveri", "paketozeti", "nihaiozet"):
            part = self.kind_part(kind)
            if part is None:
                continue
            root = self.load_xml(part)
            if root is not None:
                ns = _xml.namespace(root)
                if ns.endswith("-1"):
                    return 1
                if ns.endswith("-2"):
                    return 2
        return 2 if self.by_kind.get("nihaiustveri") or self.by_kind.get("parafozeti") else 1

    # -- parts ------------------------------------------------------------------------------------------

    def check_parts(self) -> None:
        required = required_parts(self.major, self.encrypted)
        forbidden = forbidden_parts(self.major, self.encrypted)
        for name, kind in KINDS.items():
            rels = self.by_kind.get(name, [])
            if name in forbidden and rels:
                self.add(
                    "eyp.part_forbidden",
                    "critical",
                    self.pkg.name_of(rels[0].part) if rels[0].part else None,
                    kind=name,
                    version=self.version,
                    encrypted=self.encrypted,
                )
                continue
            if not rels:
                if name in required:
                    self.add(
                        "eyp.part_missing",
                        "critical",
                        kind.place_for(self.major),
                        kind.rule_missing,
                        kind=name,
                    )
                continue
            if kind.single and len(rels) > 1:
                self.add(
                    "eyp.part_duplicate",
                    "critical",
                    rels[0].rels_part,
                    kind.rule_missing,
                    kind=name,
                    count=len(rels),
                )
            place = kind.place_for(self.major)
            for rel in rels:
                if rel.part is None or not self.pkg.has(rel.part):
                    continue
                actual = self.pkg.name_of(rel.part)
                ok = (
                    part_key(actual).startswith(part_key(place)) and "/" not in actual[len(place) :]
                    if place.endswith("/")
                    else part_key(actual) == part_key(place)
                )
                if not ok:
                    # A seal in the other version's folder is a writer's slip, not a broken package.
                    severity: Severity = "major" if name == "muhurcades" else "critical"
                    self.add(
                        "eyp.part_misplaced", severity, actual, kind.rule_place, kind=name, expected=place
                    )
        # Parts nothing points at: reported, since a receiving EBYS ignores (or refuses) them.
        targeted = {r.key for r in self.rels if r.key}
        for key, name in self.pkg.names.items():
            if key == "/[content_types].xml" or key.endswith(".rels") or key in targeted:
                continue
            self.add("eyp.part_unreferenced", "warning", name)

    def check_content_types(self, content_types: ContentTypes) -> None:
        if not content_types.defaults and not content_types.overrides:
            return
        for key, name in self.pkg.names.items():
            if key == "/[content_types].xml":
                continue
            ct = content_types.of(name)
            if ct is None:
                self.add("eyp.content_type_missing", "major", name)
            elif key.endswith(".rels") and ct.lower() != _CT_RELS:
                self.add("eyp.content_type_wrong", "major", name, found=ct, expected=_CT_RELS)
            elif self.core_part is not None and key == part_key(self.core_part) and ct.lower() != _CT_CORE:
                self.add("eyp.content_type_wrong", "major", name, found=ct, expected=_CT_CORE)

    # -- digests ----------------------------------------------------------------------------------------

    def check_summaries(self, meta: _metadata.MetadataChecker) -> None:
        prof = profile(self.major)
        algs = algorithms()
        # part key -> algorithm names needed; then (key, alg) -> [(summary part, uri, expected bytes, rule)]
        needed: dict[str, set[str]] = {}
        expectations: list[tuple[str, str, str, bytes, str | None]] = []
        unsigned = {r.key for r in self.by_kind.get("imzasizek", []) if r.key}
        for kind in ("paketozeti", "parafozeti", "nihaiozet"):
            part = self.kind_part(kind)
            if part is None:
                continue
            rule_struct, rule_id, rule_content = _SUMMARY_RULES[kind]
            root = self.load_xml(part, rule_struct)
            if root is None:
                continue
            if _xml.local(root) != _SUMMARY_ROOTS[kind] or not _xml.namespace(root).endswith(
                f"-{self.major}"
            ):
                self.add(
                    "eyp.summary_malformed",
                    "critical",
                    part,
                    rule_struct,
                    root=_xml.local(root),
                    namespace=_xml.namespace(root),
                )
                continue
            summary_id = (root.get("Id") or "").strip()
            if not self.encrypted or summary_id:
                if not summary_id:
                    self.add(
                        "eyp.summary_id", "critical", part, rule_id, found="", expected=meta.belge_id or ""
                    )
                elif meta.belge_id and summary_id.upper() != meta.belge_id.upper():
                    self.add(
                        "eyp.summary_id", "critical", part, rule_id, found=summary_id, expected=meta.belge_id
                    )
                else:
                    self.guid(summary_id, part, "Id")
            seen: set[str] = set()
            references = _xml.children(root, "Reference")
            if not references:
                self.add(
                    "eyp.summary_malformed",
                    "critical",
                    part,
                    rule_struct,
                    root=_xml.local(root),
                    reason="empty",
                )
            for ref in references:
                uri = (ref.get("URI") or "").strip()
                ref_type = (ref.get("Type") or "").strip()
                external = ref_type.lower() == self.common["reference_external"].lower()
                items = self.digest_items(ref)
                if not self.check_algorithms(items, prof, part, uri, rule_content):
                    continue
                if external:
                    if kind == "nihaiozet":
                        self.add("eyp.reference_external_forbidden", "critical", part, "K.45", uri=uri)
                    continue
                key = part_key(uri)
                if key in seen:
                    self.add("eyp.reference_duplicate", "major", part, rule_content, uri=uri)
                seen.add(key)
                if key in unsigned and kind != "nihaiozet":
                    self.add("eyp.reference_unsigned_attachment", "critical", part, rule_content, uri=uri)
                if key not in self.pkg.parts:
                    if self.encrypted:
                        self.digests_unverifiable += len(items)
                    elif meta.is_withheld_attachment(uri):
                        self.add("eyp.attachment_withheld", "warning", part, "K.23", uri=uri)
                    else:
                        self.add("eyp.reference_target_missing", "critical", part, rule_content, uri=uri)
                    continue
                for alg_uri, value in items:
                    name = algs[alg_uri]["name"]
                    needed.setdefault(key, set()).add(name)
                    expectations.append((part, uri, name, value or b"", rule_content))
            if not self.encrypted:
                self.check_required_references(kind, part, seen, rule_content)
        # Hash each part once, with every algorithm any summary asked for.
        computed: dict[tuple[str, str], bytes] = {}
        sniffer = _metadata.PdfSniffer()
        ustyazi = self.kind_part("ustyazi")
        ustyazi_key = part_key(ustyazi) if ustyazi else None
        for key, names in needed.items():
            sniff = sniffer.feed if key == ustyazi_key else None
            for alg, digest in self.pkg.digests(self.pkg.names[key], sorted(names), sniff).items():
                computed[(key, alg)] = digest
        if ustyazi is not None and ustyazi_key not in needed:
            self.pkg.digests(ustyazi, [], sniffer.feed)
        if ustyazi is not None:
            meta.check_ustyazi(ustyazi, sniffer)
        reported: set[tuple[str, str]] = set()
        for part, uri, alg, value, rule in expectations:
            self.digests_checked += 1
            if computed[(part_key(uri), alg)] != value and (part, uri) not in reported:
                reported.add((part, uri))
                self.add("eyp.digest_mismatch", "critical", part, rule, uri=uri, algorithm=alg)

    def digest_items(self, ref: etree._Element) -> list[tuple[str, bytes | None]]:
        """``(algorithm URI, digest bytes or None when missing/malformed)`` per digest of a reference."""
        holders = _xml.children(ref, "DigestItem") if self.major == 2 else [ref]
        if self.major == 2 and not holders:
            holders = [ref]  # a 1.x-shaped reference in a 2.x summary: reported by the count check
        out: list[tuple[str, bytes | None]] = []
        for holder in holders:
            method = _xml.child(holder, "DigestMethod")
            alg = (method.get("Algorithm") or "").strip() if method is not None else ""
            raw = _xml.text(holder, "DigestValue")
            value: bytes | None = None
            if raw:
                try:
                    value = base64.b64decode("".join(raw.split()), validate=True)
                except (binascii.Error, ValueError):
                    value = None
            out.append((alg, value))
        return out

    def check_algorithms(
        self, items: list[tuple[str, bytes | None]], prof: Any, part: str, uri: str, rule: str | None
    ) -> bool:
        """Whether the reference's digests can be compared; reports what is wrong with them."""
        algs = algorithms()
        ok = True
        if len(items) != prof.digests_per_reference or any(not alg for alg, _ in items):
            self.add(
                "eyp.digest_missing",
                "critical",
                part,
                rule,
                uri=uri,
                found=sum(1 for alg, v in items if alg and v is not None),
                expected=prof.digests_per_reference,
            )
            return False
        names = []
        for alg_uri, value in items:
            info = algs.get(alg_uri)
            if info is None or info["name"] not in hashlib.algorithms_available:
                self.add("eyp.digest_algorithm_unknown", "critical", part, rule, uri=uri, algorithm=alg_uri)
                ok = False
                continue
            name = info["name"]
            names.append(name)
            if name not in prof.digest_algorithms:
                self.add(
                    "eyp.digest_algorithm_rule",
                    "critical",
                    part,
                    rule,
                    uri=uri,
                    algorithm=name,
                    reason="version",
                )
                ok = False
            elif info["obsolete"]:
                self.add(
                    "eyp.digest_algorithm_obsolete",
                    "major" if self.major == 2 else "warning",
                    part,
                    rule,
                    uri=uri,
                    algorithm=name,
                )
            if value is None:
                self.add(
                    "eyp.digest_missing", "critical", part, rule, uri=uri, algorithm=name, found=0, expected=1
                )
                ok = False
        if self.major == 2 and len(names) == len(items):
            if len(set(names)) != len(names):
                self.add("eyp.digest_algorithm_rule", "critical", part, rule, uri=uri, reason="distinct")
                ok = False
            if prof.required_digest and prof.required_digest not in names:
                self.add(
                    "eyp.digest_algorithm_rule",
                    "critical",
                    part,
                    rule,
                    uri=uri,
                    reason="required",
                    algorithm=prof.required_digest,
                )
                ok = False
        return ok

    def check_required_references(self, kind: str, part: str, seen: set[str], rule: str | None) -> None:
        wanted: list[str] = []
        if kind == "parafozeti":
            wanted += ["ustyazi", "ustveri"]
        else:
            wanted += ["ustyazi", "ustveri", "ek", "parafozeti", "parafimzacades"]
            if self.major == 1:
                wanted.append("belgehedef")
            if kind == "nihaiozet":
                wanted += ["paketozeti", "imzacades", "core"]
                wanted += ["belgeimza"] if self.major == 1 else ["nihaiustveri"]
        for name in wanted:
            for target in self.kind_parts(name):
                if part_key(target) not in seen:
                    self.add("eyp.reference_required_missing", "critical", part, rule, uri=target, kind=name)

    # -- identifiers ------------------------------------------------------------------------------------

    def guid(self, value: str, part: str | None, field: str) -> bool:
        """Report a value that is not an upper-case GUID (K.80); ``True`` when it is one."""
        if not GUID_RE.match(value):
            self.add("eyp.guid_invalid", "critical", part, None, field=field, value=value)
            return False
        if value != value.upper():
            self.add("eyp.guid_lowercase", "critical", part, "K.80", field=field, value=value)
            return False
        return True

    # -- encrypted packages -----------------------------------------------------------------------------

    def check_encrypted(self) -> None:
        content = self.kind_part("sifreliicerik")
        if content is not None:
            name = posixpath.basename(content)
            stem = name[:-4] if self.major == 1 and name.lower().endswith(".eyp") else name
            if self.major == 1 and not name.lower().endswith(".eyp"):
                self.add("eyp.encrypted_content_name", "major", content, expected="<GUID>.eyp")
            self.guid(stem, content, "SifreliIcerik")
            head = self.pkg.read_head(content, 4096)
            kind = _cms.content_kind(self.pkg, content)
            if kind != "enveloped":
                self.add(
                    "eyp.encrypted_content_not_enveloped",
                    "major",
                    content,
                    found="zip" if head.startswith(b"PK\x03\x04") else kind,
                )
        info = self.kind_part("sifreliicerikbilgisi")
        if info is not None:
            root = self.xml.get(part_key(info))
            if root is not None:
                missing = [a for a in ("Yontem", "Version") if not (root.get(a) or "").strip()]
                if _xml.local(root) != "SifreliIcerikBilgisi" or missing:
                    self.add("eyp.encrypted_info_invalid", "major", info, missing=", ".join(missing))
