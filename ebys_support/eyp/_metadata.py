"""Ustveri, NihaiUstveri, BelgeHedef and BelgeImza: fields, codes per version, identifiers, and the summary."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from lxml import etree

from ebys_support.eyp import _validators, _xml
from ebys_support.eyp._rules import profile
from ebys_support.eyp.report import Attachment, PackageSummary, Party, Severity, SignatureReport
from ebys_support.i18n import turkish

if TYPE_CHECKING:
    from ebys_support.eyp.check import _Checker

__all__ = ["MetadataChecker", "PdfSniffer"]

_TURKISH_ALPHABET = "abcçdefgğhıijklmnoöprsştuüvyz"
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")


class PdfSniffer:
    """Looks at the üst yazı's bytes while they are hashed: a PDF, and a PDF/A identification in its XMP."""

    def __init__(self) -> None:
        self.head = b""
        self.pdfa = False
        self._tail = b""

    def feed(self, chunk: bytes) -> None:
        if len(self.head) < 8:
            self.head += chunk[: 8 - len(self.head)]
        if not self.pdfa:
            window = self._tail + chunk
            if b"pdfaid:part" in window or b"pdfaid:conformance" in window:
                self.pdfa = True
            self._tail = window[-32:]

    @property
    def is_pdf(self) -> bool:
        return self.head.startswith(b"%PDF-")


class MetadataChecker:
    def __init__(self, checker: _Checker, core: Mapping[str, str | None]) -> None:
        self.c = checker
        self.core = core
        self.major = checker.major
        self.profile = profile(checker.major)
        self.belge_id: str | None = None
        self.ustveri: etree._Element | None = None
        self.nihai: etree._Element | None = None
        self.hedef: etree._Element | None = None
        self.belge_imza: etree._Element | None = None
        self.ustveri_part: str | None = None
        self.nihai_part: str | None = None
        self.withheld: set[str] = set()
        self.ek_by_id: dict[str, etree._Element] = {}
        self.number: str | None = None
        self.parsed_number: _validators.ParsedNumber | None = None

    def add(
        self, code: str, severity: Severity, part: str | None, rule: str | None = None, **details: Any
    ) -> None:
        self.c.add(code, severity, part, rule, **details)

    # -- entry point ------------------------------------------------------------------------------------

    def run(self) -> None:
        c = self.c
        self.ustveri_part = c.kind_part("ustveri")
        if self.ustveri_part is not None:
            self.ustveri = self.root_of(self.ustveri_part, ("Ustveri",), "K.19")
        self.nihai_part = c.kind_part("nihaiustveri")
        if self.nihai_part is not None:
            self.nihai = self.root_of(self.nihai_part, ("NihaiUstveri",), "K.85")
        hedef_part = c.kind_part("belgehedef")
        if hedef_part is not None:
            self.hedef = self.root_of(hedef_part, ("BelgeHedef",), None)
            if self.hedef is not None:
                self.check_hedef(hedef_part, self.hedef)
        imza_part = c.kind_part("belgeimza")
        if imza_part is not None:
            self.belge_imza = self.root_of(imza_part, ("BelgeImza",), None)
            if self.belge_imza is not None:
                signatures = list(_xml.descendants(self.belge_imza, "Imza"))
                if not signatures:
                    self.add("eyp.field_missing", "critical", imza_part, None, field="ImzaListesi/Imza")
        if self.ustveri is not None and self.ustveri_part is not None:
            self.check_ustveri(self.ustveri_part, self.ustveri)
        if self.nihai is not None and self.nihai_part is not None:
            self.check_nihai(self.nihai_part, self.nihai)
        self.check_number()
        self.check_core()
        self.check_attachments()

    def root_of(self, part: str, names: tuple[str, ...], rule: str | None) -> etree._Element | None:
        root = self.c.load_xml(part, rule)
        if root is None:
            return None
        lowered = {n.lower() for n in names}
        if _xml.local(root).lower() not in lowered or not _xml.namespace(root).endswith(f"-{self.major}"):
            self.add(
                "eyp.metadata_malformed",
                "critical",
                part,
                rule,
                root=_xml.local(root),
                namespace=_xml.namespace(root),
                expected=names[0],
            )
            return None
        return root

    # -- Ustveri ----------------------------------------------------------------------------------------

    def required(
        self,
        el: etree._Element,
        name: str,
        part: str,
        rule: str | None = "K.19",
        severity: Severity = "critical",
    ) -> str | None:
        value = _xml.text(el, name)
        if not value:
            self.add("eyp.field_missing", severity, part, rule, field=name)
            return None
        return value

    def enum(
        self, value: str | None, allowed: tuple[str, ...], field: str, part: str, rule: str | None
    ) -> None:
        if value is not None and value not in allowed:
            self.add(
                "eyp.enum_invalid",
                "critical",
                part,
                rule,
                field=field,
                value=value,
                allowed=", ".join(allowed),
                version=self.c.version,
            )

    def check_ustveri(self, part: str, root: etree._Element) -> None:
        belge_id = self.required(root, "BelgeId", part)
        if belge_id:
            self.belge_id = belge_id
            self.c.guid(belge_id, part, "BelgeId")
        self.required(root, "Konu", part)
        for name in ("Tarih", "BelgeNo"):
            present = _xml.child(root, name) is not None
            if self.major == 1 and not present:
                self.add("eyp.field_missing", "critical", part, "K.19", field=name)
            elif self.major == 2 and present:
                self.add("eyp.field_forbidden", "critical", part, "K.19", field=name, version=self.c.version)
        tarih = _xml.text(root, "Tarih")
        if self.major == 1 and tarih and not _DATETIME.match(tarih):
            self.add("eyp.field_invalid", "critical", part, "K.19", field="Tarih", value=tarih)
        if self.major == 1:
            self.number = _xml.text(root, "BelgeNo") or None
        security = self.required(root, "GuvenlikKodu", part)
        self.enum(security, self.profile.security_codes, "GuvenlikKodu", part, "K.19")
        dagitimlar = list(_xml.descendants(root, "Dagitim"))
        if not dagitimlar:
            self.add("eyp.field_missing", "critical", part, "K.19", field="DagitimListesi/Dagitim")
        for dagitim in dagitimlar:
            urgency = _xml.text(dagitim, "Ivedilik")
            self.enum(urgency, self.profile.urgency, "Ivedilik", part, "K.19")
            self.enum(
                _xml.text(dagitim, "DagitimTuru"), self.profile.distribution, "DagitimTuru", part, "K.19"
            )
            if urgency == "GNL":
                miat = _xml.text(dagitim, "Miat")
                if not miat or miat.strip("0:. ") == "":
                    self.add("eyp.miat_missing", "major", part, "K.19", field=_xml.path_of(dagitim))
            for ek_id in _xml.descendants(dagitim, "EkId"):
                value = (ek_id.text or ek_id.get("Value") or "").strip()
                if value:
                    self.withheld.add(value.upper())
            if _party_element(dagitim) is None:
                self.add(
                    "eyp.field_missing",
                    "critical",
                    part,
                    "K.19",
                    field=_xml.path_of(dagitim) + "/(KurumKurulus)",
                )
        if _party_element(_xml.child(root, "Olusturan")) is None:
            self.add("eyp.field_missing", "critical", part, "K.19", field="Olusturan")
        self.required(root, "DosyaAdi", part)
        self.check_ekler(part, root)
        self.check_ilgiler(part, root)
        if self.major == 2:
            self.check_sdp_bilgisi(part, root)
            dogrulama = _xml.child(root, "DogrulamaBilgisi")
            if dogrulama is None or not _xml.text(dogrulama, "DogrulamaAdresi"):
                self.add("eyp.field_missing", "major", part, "K.19", field="DogrulamaBilgisi/DogrulamaAdresi")
        self.check_parties(part, root)

    def check_sdp_bilgisi(self, part: str, root: etree._Element) -> None:
        bilgi = _xml.child(root, "SdpBilgisi")
        ana = _xml.child(bilgi, "AnaSdp")
        if bilgi is None or ana is None:
            self.add("eyp.field_missing", "major", part, "K.19", field="SdpBilgisi/AnaSdp")
            return
        sdps = [ana, *_xml.descendants_of(bilgi, "DigerSdpler", "Sdp")]
        for sdp in sdps:
            code = _xml.text(sdp, "Kod")
            field = _xml.path_of(sdp) + "/Kod"
            if not code:
                self.add("eyp.field_missing", "critical", part, "K.19", field=field)
                continue
            self.check_sdp(code, part, field)
            if not _xml.text(sdp, "Ad"):
                self.add("eyp.field_missing", "major", part, "K.19", field=_xml.path_of(sdp) + "/Ad")

    def check_sdp(self, code: str, part: str, field: str, *, for_sayi: bool = False) -> None:
        problem = _validators.sdp_problem(code, self.c.sdp_catalogue, for_sayi=for_sayi)
        if problem is not None:
            reason, reason_details = problem
            self.add(
                "eyp.sdp_invalid",
                "critical",
                part,
                "K.19",
                field=field,
                value=code,
                reason=reason,
                reason_details=reason_details,
            )

    def check_ekler(self, part: str, root: etree._Element) -> None:
        ekler = list(_xml.descendants_of(root, "Ekler", "Ek"))
        numbers: list[int] = []
        ids: list[str] = [self.belge_id.upper()] if self.belge_id else []
        for ek in ekler:
            field = _xml.path_of(ek)
            id_el = _xml.child(ek, "Id")
            ek_id = ((id_el.get("Value") if id_el is not None else None) or _xml.text(ek, "Id") or "").strip()
            eyazisma_id = id_el is not None and (id_el.get("EYazismaIdMi") or "").strip().lower() == "true"
            if not ek_id:
                self.add("eyp.field_missing", "critical", part, "K.19", field=field + "/Id")
            else:
                ids.append(ek_id.upper())
                self.ek_by_id[ek_id.upper()] = ek
                if eyazisma_id or _validators_guidish(ek_id):
                    self.c.guid(ek_id, part, field + "/Id")
            kind = _xml.text(ek, "Tur")
            self.enum(kind, self.profile.attachment_kinds, "Tur", part, "K.19")
            signed = (_xml.text(ek, "ImzaliMi") or "").lower() == "true"
            if kind == "DED":
                for name in ("DosyaAdi", "MimeTuru"):
                    if not _xml.text(ek, name):
                        self.add("eyp.field_missing", "critical", part, "K.19", field=f"{field}/{name}")
            elif kind == "HRF" and not _xml.text(ek, "Referans"):
                self.add("eyp.field_missing", "critical", part, "K.19", field=f"{field}/Referans")
            if kind in ("FZK", "HRF") and signed:
                self.add(
                    "eyp.field_invalid", "critical", part, "K.19", field=f"{field}/ImzaliMi", value="true"
                )
            raw_no = _xml.text(ek, "SiraNo")
            try:
                number = int(raw_no or "")
            except ValueError:
                self.add(
                    "eyp.attachment_order", "critical", part, "K.19", reason="not_number", value=raw_no or ""
                )
                continue
            if number < 1:
                self.add(
                    "eyp.attachment_order", "critical", part, "K.19", reason="below_one", value=str(number)
                )
            numbers.append(number)
        if len(set(numbers)) != len(numbers):
            dupes = sorted({n for n in numbers if numbers.count(n) > 1})
            self.add(
                "eyp.attachment_order", "critical", part, "K.19", reason="duplicate", value=str(dupes[0])
            )
        elif numbers and sorted(numbers) != list(range(1, len(numbers) + 1)) and min(numbers) >= 1:
            self.add(
                "eyp.attachment_order",
                "warning",
                part,
                "K.19",
                reason="gap",
                value=", ".join(map(str, numbers)),
            )
        for ilgi in _xml.descendants_of(root, "Ilgiler", "Ilgi"):
            id_el = _xml.child(ilgi, "Id")
            value = (
                (id_el.get("Value") if id_el is not None else None) or _xml.text(ilgi, "Id") or ""
            ).strip()
            if value:
                ids.append(value.upper())
        seen: set[str] = set()
        for value in ids:
            if value in seen:
                self.add("eyp.id_duplicate", "critical", part, "K.61", value=value)
            seen.add(value)

    def check_ilgiler(self, part: str, root: etree._Element) -> None:
        ilgiler = list(_xml.descendants_of(root, "Ilgiler", "Ilgi"))
        labels: list[str] = []
        for ilgi in ilgiler:
            label = (_xml.text(ilgi, "Etiket") or "").strip()
            labels.append(label)
            ek_id = _xml.text(ilgi, "EkId")
            if ek_id and ek_id.upper() not in self.ek_by_id:
                self.add("eyp.ilgi_attachment_missing", "critical", part, "K.25", value=ek_id)
        if not labels:
            return
        lowered = [lbl.lower() for lbl in labels]
        if len(set(lowered)) != len(lowered):
            self.add("eyp.ilgi_label", "critical", part, "K.23", reason="duplicate", labels=", ".join(labels))
        elif lowered != list(_TURKISH_ALPHABET[: len(lowered)]):
            self.add("eyp.ilgi_label", "warning", part, "K.23", reason="order", labels=", ".join(labels))

    # -- parties (DETSİS, T.C. Kimlik No, KEP) ----------------------------------------------------------

    def check_parties(self, part: str, root: etree._Element) -> None:
        from ebys_support.eyp._rules import common

        data = common()
        for kurum in _xml.descendants(root, "KurumKurulus"):
            path = _xml.path_of(kurum)
            kkk = _xml.text(kurum, "KKK")
            if not kkk:
                self.add("eyp.field_missing", "critical", part, "K.19", field=path + "/KKK")
            elif self.check_detsis(kkk, part, path + "/KKK") and _xml.local(kurum.getparent()) == "Dagitim":
                self.check_correspondent(kkk, part, path + "/KKK")
            if _xml.child(kurum, "BYK") is not None:
                self.add(
                    "eyp.field_obsolete",
                    "major" if self.major == 2 else "warning",
                    part,
                    None,
                    field=path + "/BYK",
                )
            birim = _xml.text(kurum, "BirimKKK")
            if birim and self.major == 2:
                self.check_detsis(birim, part, path + "/BirimKKK")
        for tckn in _xml.descendants(root, "TCKN"):
            value = (tckn.text or "").strip()
            if value and not _validators.tckn_valid(value):
                self.add("eyp.tckn_invalid", "major", part, None, field=_xml.path_of(tckn), value=value)
        for org in _xml.descendants(root, "TuzelSahis"):
            id_el = _xml.child(org, "Id")
            scheme = (id_el.get("schemeID") or "").strip() if id_el is not None else ""
            if id_el is not None and scheme not in data["organisation_schemes"]:
                self.add(
                    "eyp.organisation_scheme",
                    "warning",
                    part,
                    None,
                    field=_xml.path_of(id_el),
                    value=scheme,
                    allowed=", ".join(data["organisation_schemes"]),
                )
        for kep in _xml.descendants(root, "KepAdresi"):
            value = (kep.text or "").strip()
            if value:
                reason = _validators.kep_problem(value, data["kep_domains"])
                if reason is not None:
                    self.add(
                        "eyp.kep_invalid",
                        "major",
                        part,
                        None,
                        field=_xml.path_of(kep),
                        value=value,
                        reason=reason,
                    )

    def check_correspondent(self, number: str, part: str, field: str) -> None:
        """With a registry: a recipient unit must accept external correspondence (DisYazismaMuhatabi)."""
        registry = self.c.detsis_registry
        get = getattr(registry, "get", None)
        unit = get(number) if callable(get) else None
        if unit is not None and getattr(unit, "external_correspondent", True) is False:
            self.add(
                "eyp.detsis_not_correspondent",
                "warning",
                part,
                None,
                field=field,
                value=number,
                name=getattr(unit, "name", ""),
            )

    def check_detsis(self, number: str, part: str, field: str) -> bool:
        """Report a DETSİS number that is invalid (or, with a registry, unknown or inactive); ``True`` if fine."""
        problem = _validators.detsis_problem(number, self.c.detsis_registry)
        if problem is None:
            return True
        reason, reason_details = problem
        severity: Severity = (
            "major" if reason in ("detsis.unknown_unit", "detsis.inactive_unit") else "critical"
        )
        code = "eyp.detsis_unknown" if severity == "major" else "eyp.detsis_invalid"
        self.add(
            code,
            severity,
            part,
            None,
            field=field,
            value=number,
            reason=reason,
            reason_details=reason_details,
        )
        return False

    def check_hedef(self, part: str, root: etree._Element) -> None:
        if not list(_xml.descendants(root, "Hedef")):
            self.add("eyp.field_missing", "critical", part, None, field="HedefListesi/Hedef")
        self.check_parties(part, root)

    # -- NihaiUstveri -----------------------------------------------------------------------------------

    def check_nihai(self, part: str, root: etree._Element) -> None:
        tarih = self.required(root, "Tarih", part, "K.85")
        if tarih and not _DATETIME.match(tarih):
            self.add("eyp.field_invalid", "critical", part, "K.85", field="Tarih", value=tarih)
        self.number = self.required(root, "BelgeNo", part, "K.85")
        if not list(_xml.descendants(root, "Imza")):
            self.add("eyp.field_missing", "critical", part, "K.85", field="BelgeImzalar/Imza")
        self.check_parties(part, root)

    def check_last_signature_time(self, signatures: Mapping[str, SignatureReport]) -> None:
        """2.x: NihaiUstveri/Tarih is the time of the last signature (warning when far from it)."""
        tolerance = self.profile.last_signature_tolerance_minutes
        tarih = _xml.text(self.nihai, "Tarih") if self.nihai is not None else None
        claimed = [s.signing_time for s in signatures.values() if s.role != "seal" and s.signing_time]
        if tolerance is None or not tarih or not claimed or not _DATETIME.match(tarih):
            return
        written = _parse_time(tarih)
        last = max(datetime.fromisoformat(t) for t in claimed)
        if written is None or abs((written - last).total_seconds()) > tolerance * 60:
            self.add(
                "eyp.last_signature_time",
                "warning",
                self.nihai_part,
                "K.85",
                value=tarih,
                signed=last.isoformat(),
                minutes=tolerance,
            )

    def metadata_signers(self) -> list[str]:
        """The signers the metadata names (BelgeImza in 1.x, NihaiUstveri/BelgeImzalar in 2.x)."""
        names = []
        for root in (self.belge_imza, self.nihai):
            if root is None:
                continue
            for imza in _xml.descendants(root, "Imza"):
                kisi = _xml.child(_xml.child(imza, "Imzalayan"), "Kisi")
                if kisi is not None:
                    names.append(_person_name(kisi))
        return names

    def check_signers(self, signatures: Mapping[str, SignatureReport]) -> None:
        """The e-signature's signer should be one the metadata names (names compared the Turkish way)."""
        signature = signatures.get("signature")
        named = self.metadata_signers()
        if signature is None or not signature.signers or not named:
            return
        keys = {turkish.search_key(n) for n in named}
        if not any(turkish.search_key(n) in keys for n in signature.signers):
            self.add(
                "eyp.signer_mismatch",
                "warning",
                signature.part,
                None,
                signers=", ".join(signature.signers),
                named=", ".join(named),
            )

    def check_number(self) -> None:
        if not self.number:
            return
        part = self.nihai_part if self.major == 2 else self.ustveri_part
        parsed = _validators.parse_belge_no(self.number)
        if isinstance(parsed, tuple):
            reason, reason_details = parsed
            rule = "K.85" if self.major == 2 else "K.19"
            self.add(
                "eyp.belge_no_invalid",
                "critical",
                part,
                rule,
                value=self.number,
                reason=reason,
                reason_details=reason_details,
            )
            return
        self.parsed_number = parsed
        if parsed.sdp:
            self.check_sdp(parsed.sdp, part or "", "BelgeNo", for_sayi=True)
        if parsed.detsis:
            self.check_detsis(parsed.detsis, part or "", "BelgeNo")
            sender = self.sender_numbers()
            if sender and parsed.detsis not in sender:
                self.add(
                    "eyp.belge_no_sender",
                    "major",
                    part,
                    None,
                    value=self.number,
                    detsis=parsed.detsis,
                    sender=", ".join(sorted(sender)),
                )
        if self.major == 2 and parsed.sdp and self.ustveri is not None:
            ana = _xml.text(_xml.child(_xml.child(self.ustveri, "SdpBilgisi"), "AnaSdp"), "Kod")
            if ana and ana != parsed.sdp:
                self.add(
                    "eyp.belge_no_sdp_mismatch",
                    "major",
                    part,
                    None,
                    value=self.number,
                    sdp=parsed.sdp,
                    ana=ana,
                )

    def sender_numbers(self) -> set[str]:
        if self.ustveri is None:
            return set()
        kurum = _xml.child(_xml.child(self.ustveri, "Olusturan"), "KurumKurulus")
        return {v for v in (_xml.text(kurum, "KKK"), _xml.text(kurum, "BirimKKK")) if v}

    # -- Core -------------------------------------------------------------------------------------------

    def check_core(self) -> None:
        c = self.c
        part = c.core_part
        if part is None:
            return
        core = self.core
        expected_category = c.common["category_encrypted"] if c.encrypted else c.common["category"]
        if (core.get("category") or "") != expected_category:
            self.add(
                "eyp.core_category",
                "critical",
                part,
                "K.71",
                found=core.get("category") or "",
                expected=expected_category,
            )
        if (core.get("contentType") or "") != c.common["content_type"]:
            self.add(
                "eyp.core_content_type",
                "critical",
                part,
                "K.73",
                found=core.get("contentType") or "",
                expected=c.common["content_type"],
            )
        for name in ("created", "creator"):
            if not core.get(name):
                self.add("eyp.core_field_missing", "warning", part, None, field=name)
        identifier = core.get("identifier")
        if c.encrypted:
            if identifier:
                c.guid(identifier, part, "identifier")
            return
        if not identifier:
            self.add("eyp.core_identifier", "critical", part, "K.68", found="", expected=self.belge_id or "")
        else:
            if self.belge_id and identifier.upper() != self.belge_id.upper():
                self.add(
                    "eyp.core_identifier", "critical", part, "K.68", found=identifier, expected=self.belge_id
                )
            c.guid(identifier, part, "identifier")
        konu = _xml.text(self.ustveri, "Konu") if self.ustveri is not None else None
        if konu is not None and (core.get("subject") or "") != konu:
            self.add(
                "eyp.core_subject", "major", part, "K.69", found=core.get("subject") or "", expected=konu
            )

    # -- attachments ------------------------------------------------------------------------------------

    def check_attachments(self) -> None:
        c = self.c
        if c.encrypted or self.ustveri is None:
            return
        part = self.ustveri_part
        matched: set[str] = set()
        for kind, prefix in (("ek", "idek_"), ("imzasizek", "idimzasizek_")):
            for rel in c.by_kind.get(kind, []):
                if rel.part is None or not c.pkg.has(rel.part):
                    continue
                ek = self.ek_for(rel.id, prefix, rel.part)
                if ek is None or _xml.text(ek, "Tur") != "DED":
                    self.add(
                        "eyp.attachment_undeclared",
                        "critical",
                        c.pkg.name_of(rel.part),
                        "K.24",
                        relationship=rel.id,
                    )
                    continue
                ek_key = self.key_of(ek)
                matched.add(ek_key)
                signed = (_xml.text(ek, "ImzaliMi") or "").lower() == "true"
                if signed != (kind == "ek"):
                    self.add(
                        "eyp.attachment_signed_flag",
                        "major",
                        c.pkg.name_of(rel.part),
                        None,
                        signed="true" if signed else "false",
                        kind=kind,
                    )
        for ek_key, ek in self.ek_by_id.items():
            if _xml.text(ek, "Tur") != "DED" or ek_key in matched:
                continue
            if ek_key in self.withheld:
                self.add(
                    "eyp.attachment_withheld",
                    "warning",
                    part,
                    "K.23",
                    uri=_xml.text(ek, "DosyaAdi") or ek_key,
                )
            else:
                self.add(
                    "eyp.attachment_missing",
                    "critical",
                    part,
                    "K.23",
                    id=ek_key,
                    file=_xml.text(ek, "DosyaAdi") or "",
                )

    def key_of(self, ek: etree._Element) -> str:
        for key, candidate in self.ek_by_id.items():
            if candidate is ek:
                return key
        return ""

    def ek_for(self, rel_id: str, prefix: str, target: str) -> etree._Element | None:
        lowered = rel_id.lower()
        if lowered.startswith(prefix):
            ek = self.ek_by_id.get(rel_id[len(prefix) :].upper())
            if ek is not None:
                return ek
        name = posixpath.basename(target).lower()
        for ek in self.ek_by_id.values():
            if (_xml.text(ek, "DosyaAdi") or "").lower() == name:
                return ek
        return None

    def is_withheld_attachment(self, uri: str) -> bool:
        name = posixpath.basename(uri).lower()
        for key, ek in self.ek_by_id.items():
            if key in self.withheld and (_xml.text(ek, "DosyaAdi") or "").lower() == name:
                return True
        return False

    # -- üst yazı ---------------------------------------------------------------------------------------

    def check_ustyazi(self, part: str, sniffer: PdfSniffer) -> None:
        name = posixpath.basename(part)
        if any(ch.isspace() for ch in name):
            self.add("eyp.ustyazi_name", "major", part, "K.5", name=name)
        if not sniffer.is_pdf:
            self.add("eyp.ustyazi_not_pdf", "major", part, "K.6")
        elif not sniffer.pdfa:
            self.add("eyp.ustyazi_not_pdfa", "warning", part, "K.6")

    # -- summary ----------------------------------------------------------------------------------------

    def summary(self, signatures: Mapping[str, SignatureReport]) -> PackageSummary:
        u = self.ustveri
        c = self.c
        attachments: list[Attachment] = []
        parts_by_id: dict[str, str] = {}
        for kind, prefix in (("ek", "idek_"), ("imzasizek", "idimzasizek_")):
            for rel in c.by_kind.get(kind, []):
                if rel.part and c.pkg.has(rel.part):
                    ek = self.ek_for(rel.id, prefix, rel.part)
                    if ek is not None:
                        parts_by_id[self.key_of(ek)] = c.pkg.name_of(rel.part)
        for key, ek in self.ek_by_id.items():
            raw_no = _xml.text(ek, "SiraNo")
            target = parts_by_id.get(key)
            attachments.append(
                Attachment(
                    number=int(raw_no) if raw_no and raw_no.isdigit() else None,
                    name=_xml.text(ek, "Ad") or "",
                    file_name=_xml.text(ek, "DosyaAdi"),
                    kind=_xml.text(ek, "Tur"),
                    signed=((_xml.text(ek, "ImzaliMi") or "").lower() == "true")
                    if _xml.child(ek, "ImzaliMi") is not None
                    else None,
                    part=target,
                    size=c.pkg.part_size(target) if target else None,
                )
            )
        attachments.sort(key=lambda a: (a.number is None, a.number or 0))
        references: list[str] = []
        if u is not None:
            for ilgi in _xml.descendants_of(u, "Ilgiler", "Ilgi"):
                label = _xml.text(ilgi, "Etiket") or ""
                references.append(
                    f"{label}) {_xml.text(ilgi, 'Ad') or _xml.text(ilgi, 'Aciklama') or ''}".strip()
                )
        signers = self.metadata_signers()
        for report in signatures.values():
            for name in report.signers:
                if name not in signers:
                    signers.append(name)
        date = (
            _xml.text(self.nihai, "Tarih")
            if self.nihai is not None
            else (_xml.text(u, "Tarih") if u is not None else None)
        )
        sdp_code = sdp_name = None
        if u is not None and self.major == 2:
            ana = _xml.child(_xml.child(u, "SdpBilgisi"), "AnaSdp")
            sdp_code, sdp_name = _xml.text(ana, "Kod"), _xml.text(ana, "Ad")
        if sdp_code is None and self.parsed_number is not None:
            sdp_code = self.parsed_number.sdp
        recipients = tuple(
            p
            for p in (_party(d, True) for d in (_xml.descendants(u, "Dagitim") if u is not None else []))
            if p
        )
        addressees = tuple(
            p
            for p in (
                _party(h) for h in (_xml.descendants(self.hedef, "Hedef") if self.hedef is not None else [])
            )
            if p
        )
        return PackageSummary(
            subject=_xml.text(u, "Konu") if u is not None else None,
            number=self.number,
            date=date,
            security=_xml.text(u, "GuvenlikKodu") if u is not None else None,
            sdp_code=sdp_code,
            sdp_name=sdp_name,
            sender=_party(_xml.child(u, "Olusturan")) if u is not None else None,
            recipients=recipients,
            addressees=addressees,
            attachments=tuple(attachments),
            references=tuple(references),
            signers=tuple(signers),
        )


def _parse_time(value: str) -> datetime | None:
    """An ``xs:dateTime`` (with up to 7 fraction digits, as .NET writes) as an aware datetime (UTC if bare)."""
    m = re.match(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$", value)
    if m is None:
        return None
    micro = (m.group(2) or "")[:7]  # Python reads at most 6 fraction digits
    zone = m.group(3) or "Z"
    try:
        parsed = datetime.fromisoformat(m.group(1) + micro + ("+00:00" if zone == "Z" else zone))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _validators_guidish(value: str) -> bool:
    return len(value) == 36 and value.count("-") == 4


def _party_element(el: etree._Element | None) -> etree._Element | None:
    if el is None:
        return None
    for name in ("KurumKurulus", "GercekSahis", "TuzelSahis"):
        found = _xml.child(el, name)
        if found is not None:
            return found
    return None


def _person_name(kisi: etree._Element) -> str:
    parts = [_xml.text(kisi, n) or "" for n in ("OnEk", "IlkAdi", "IkinciAdi", "Soyadi")]
    return " ".join(p for p in parts if p)


def _party(el: etree._Element | None, recipient: bool = False) -> Party | None:
    found = _party_element(el)
    if found is None or el is None:
        return None
    kind = _xml.local(found)
    extra: dict[str, Any] = {}
    if recipient:
        extra = {"distribution": _xml.text(el, "DagitimTuru"), "urgency": _xml.text(el, "Ivedilik")}
    if kind == "KurumKurulus":
        return Party(
            "institution",
            _xml.text(found, "Adi") or "",
            _xml.text(found, "KKK"),
            _xml.text(found, "BirimKKK"),
            **extra,
        )
    if kind == "GercekSahis":
        kisi = _xml.child(found, "Kisi")
        return Party(
            "person", _person_name(kisi) if kisi is not None else "", _xml.text(found, "TCKN"), **extra
        )
    return Party("organisation", _xml.text(found, "Adi") or "", _xml.text(found, "Id"), **extra)
