"""ebys_support.eyp.check: the shared samples' verdicts and one broken variant per finding code."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

import detsis
from ebys_support import i18n
from ebys_support.eyp import EypReport, check
from tests.eyp._pkg import DATA, Pkg

V1 = "paketv1x.eyp"
V2 = "paketv2x.eyp"
E1 = "sifrelipaketv1x.eyps"
E2 = "sifrelipaketv2x.eyps"

_SAMPLES: dict[str, Pkg] = {}


def sample(name: str) -> Pkg:
    if name not in _SAMPLES:
        _SAMPLES[name] = Pkg.sample(name)
    return _SAMPLES[name].copy()


def run(pkg: Pkg, **kwargs: object) -> EypReport:
    return check(pkg.build(), **kwargs)  # type: ignore[arg-type]


# -- the shared samples ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "version", "encrypted"),
    [(V1, "1.3", False), (V2, "2.0", False), (E1, "1.3", True), (E2, "2.0", True)],
)
def test_samples_are_structurally_sound(name: str, version: str, encrypted: bool) -> None:
    report = check(DATA / name)
    assert report.version == version
    assert report.encrypted is encrypted
    assert report.structure == "sound", [f.code for f in report.findings if f.severity == "critical"]


@pytest.mark.parametrize("name", [V1, V2])
def test_plain_samples_are_unsigned_placeholders(name: str) -> None:
    report = check(DATA / name)
    assert report.verdict == "rejected"
    assert {f.code for f in report.findings if f.severity == "critical"} == {"eyp.cms_not_signed_data"}
    assert report.signature is not None and report.signature.status == "malformed"
    assert report.seal is not None and report.seal.status == "malformed"
    assert not report.signed
    assert report.digests_checked > 0


def test_v2_sample_summary_and_digests() -> None:
    report = check(DATA / V2)
    assert report.digests_checked == 40  # 4 + 6 + 10 references, two digests each
    assert report.belge_id == "B586D8E7-ADE1-4B08-B2B8-57250B22F8DC"
    s = report.summary
    assert s.subject == "Olustur Versiyon 2X"
    assert s.number == "E-24312041-702.03-1"
    assert s.sender is not None and s.sender.identifier == "61648174"
    assert [r.kind for r in s.recipients] == ["person", "organisation", "institution"]
    assert [(a.number, a.part) for a in s.attachments] == [(1, "/Ekler/ek1.pdf"), (2, "/Ekler/ek2.pdf")]
    assert report.paraf is not None
    # The sample's Sayı carries another unit's DETSİS number than its sender's.
    assert "eyp.belge_no_sender" in report.codes()


@pytest.mark.parametrize("name", [E1, E2])
def test_encrypted_samples(name: str) -> None:
    report = check(DATA / name)
    assert report.verdict == "accepted"
    assert report.signature is None
    assert report.digests_unverifiable > 0
    # The samples' "encrypted" content is a plain zip: reported, since the letter would travel in clear.
    finding = next(f for f in report.findings if f.code == "eyp.encrypted_content_not_enveloped")
    assert finding.severity == "major" and finding.details["found"] == "zip"


def test_encrypted_v1_checks_outer_digest() -> None:
    report = check(DATA / E1)
    assert report.digests_checked == 1  # BelgeHedef is outside; the rest is inside the encrypted content
    broken = sample(E1).replace("BelgeHedef/BelgeHedef.xml", "ANKARA", "ANTALYA")
    assert "eyp.digest_mismatch" in run(broken).codes()


def test_accepts_path_bytes_and_file_object() -> None:
    data = (DATA / V2).read_bytes()
    with open(DATA / V2, "rb") as fh:
        reports = [check(DATA / V2), check(str(DATA / V2)), check(data), check(fh)]
    assert {r.codes().__repr__() for r in reports} == {reports[0].codes().__repr__()}


def test_report_json_in_both_languages() -> None:
    report = check(DATA / V1)
    en, tr = report.to_dict("en"), report.to_dict("tr")
    assert en["verdict"] == "rejected" and en["structure"] == "sound"
    assert set(en["findings"][0]) == {"rule", "severity", "code", "part", "message", "details"}
    assert en["findings"][0]["rule"] == "K.81"
    assert en["findings"][0]["message"] != tr["findings"][0]["message"]
    assert "{" not in "".join(f["message"] for f in tr["findings"])


# -- broken variants: one per finding code ---------------------------------------------------------------

_PAKET = "PaketOzeti/PaketOzeti.xml"
_NIHAI = "NihaiOzet/NihaiOzet.xml"
_UST = "Ustveri/Ustveri.xml"
_NU = "NihaiUstveri/NihaiUstveri.xml"
_RELS = "_rels/.rels"
_CORE2 = "package/services/metadata/core-properties/1ab86e621b584e9f811c3cb336120e1c.psmdcp"
_CORE1 = "package/services/metadata/core-properties/a75bf22a5f5a4f55aadd014337a0400d.psmdcp"
_SHA384 = "http://www.w3.org/2001/04/xmldsig-more#sha384"
_SHA512 = "http://www.w3.org/2001/04/xmlenc#sha512"
_SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
_SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
_BELGE2 = "B586D8E7-ADE1-4B08-B2B8-57250B22F8DC"
_EK1_2 = "82BEA7CB-30DD-49AE-9C90-0C000EFB9203"
_EK2_2 = "9483F31C-3734-41FA-A449-2FE4E962CB3B"


def _flip_byte(p: Pkg) -> Pkg:
    data = bytearray(p.get("Ekler/ek1.pdf"))
    data[1000] ^= 0x01
    return p.set("Ekler/ek1.pdf", bytes(data))


def _drop_digest_item(p: Pkg) -> Pkg:
    text = p.get(_PAKET).decode("utf-8-sig")
    item = re.search(
        r"<DigestItem>\s*<DigestMethod Algorithm=\"[^\"]+sha384\" />.*?</DigestItem>", text, re.S
    )
    assert item is not None
    return p.set(_PAKET, text.replace(item.group(0), "", 1).encode())


def _move_ustveri(p: Pkg) -> Pkg:
    p.rename(_UST, "Belgeler/Ustveri.xml")
    p.replace(_RELS, 'Target="/Ustveri/Ustveri.xml"', 'Target="/Belgeler/Ustveri.xml"')
    for summary in ("ParafOzeti/ParafOzeti.xml", _PAKET, _NIHAI):
        p.replace(summary, 'URI="/Ustveri/Ustveri.xml"', 'URI="/Belgeler/Ustveri.xml"')
    return p.redigest()


def _ustveri_edit(old: str, new: str) -> Callable[[Pkg], Pkg]:
    return lambda p: p.replace(_UST, old, new).redigest()


def _add_rel(xml: str) -> Callable[[Pkg], Pkg]:
    return lambda p: p.replace(_RELS, "</Relationships>", xml + "</Relationships>")


def _remove_part_and_rel(name: str, rel_target: str, rels: str = _RELS) -> Callable[[Pkg], Pkg]:
    def mutate(p: Pkg) -> Pkg:
        text = p.get(rels).decode("utf-8-sig")
        text = re.sub(r"<Relationship [^>]*Target=\"" + re.escape(rel_target) + r"\"[^>]*/>", "", text)
        p.set(rels, text.encode())
        return p.remove(name)

    return mutate


def _sdp_bilgisi(code: str) -> Callable[[Pkg], Pkg]:
    xml = (
        "<tipler:SdpBilgisi><tipler:AnaSdp><tipler:Kod>"
        + code
        + "</tipler:Kod><tipler:Ad>Konu</tipler:Ad></tipler:AnaSdp></tipler:SdpBilgisi>\n  <tipler:DogrulamaBilgisi>"
    )
    return _ustveri_edit("<tipler:DogrulamaBilgisi>", xml)


def _harici_reference(p: Pkg) -> Pkg:
    ref = (
        '<Reference URI="https://ornek.gov.tr/dosya.pdf" Type="http://eyazisma.dpt/bilesen#harici" '
        'xmlns="urn:dpt:eyazisma:schema:xsd:PaketOzeti-2"><DigestItem><DigestMethod Algorithm="'
        + _SHA384
        + '" /><DigestValue>AAAA</DigestValue></DigestItem><DigestItem><DigestMethod Algorithm="'
        + _SHA512
        + '" /><DigestValue>AAAA</DigestValue></DigestItem></Reference></NihaiOzet>'
    )
    return p.replace(_NIHAI, "</NihaiOzet>", ref)


def _duplicate_reference(p: Pkg) -> Pkg:
    text = p.get(_PAKET).decode("utf-8-sig")
    first = re.search(r"<Reference .*?</Reference>", text, re.S)
    assert first is not None
    return p.set(_PAKET, text.replace("</PaketOzeti>", first.group(0) + "</PaketOzeti>").encode())


def _remove_reference(uri: str, summary: str = _PAKET) -> Callable[[Pkg], Pkg]:
    def mutate(p: Pkg) -> Pkg:
        text = p.get(summary).decode("utf-8-sig")
        text = re.sub(
            r"<Reference URI=\"" + re.escape(uri) + r"\".*?</Reference>", "", text, count=1, flags=re.S
        )
        return p.set(summary, text.encode()).redigest()

    return mutate


def _withheld(p: Pkg) -> Pkg:
    p = _remove_part_and_rel("Ekler/ek2.pdf", "/Ekler/ek2.pdf")(p)
    konulmamis = (
        "<tipler:KonulmamisEkler><tipler:KonulmamisEk><tipler:EkId>"
        + _EK2_2
        + "</tipler:EkId></tipler:KonulmamisEk></tipler:KonulmamisEkler></tipler:Dagitim>"
    )
    return p.replace(_UST, "</tipler:Dagitim>", konulmamis).redigest()


def _undeclared(p: Pkg) -> Pkg:
    p.set("Ekler/ek3.pdf", p.get("Ekler/ek2.pdf"))
    return _add_rel(
        '<Relationship Type="http://eyazisma.dpt/iliskiler/ek" Target="/Ekler/ek3.pdf" Id="IdEk_X" />'
    )(p)


def _unsigned_attachment(p: Pkg) -> Pkg:
    return p.replace(
        _RELS,
        'Type="http://eyazisma.dpt/iliskiler/ek" Target="/Ekler/ek2.pdf"',
        'Type="http://eyazisma.dpt/iliskiler/imzasizEk" Target="/Ekler/ek2.pdf"',
    )


def _ustyazi_with_space(p: Pkg) -> Pkg:
    p.rename("UstYazi/ustyazi.pdf", "UstYazi/ust yazi.pdf")
    p.replace(_RELS, "/UstYazi/ustyazi.pdf", "/UstYazi/ust yazi.pdf")
    for summary in ("ParafOzeti/ParafOzeti.xml", _PAKET, _NIHAI):
        p.replace(summary, "/UstYazi/ustyazi.pdf", "/UstYazi/ust yazi.pdf")
    return p.redigest()


def _not_pdfa(p: Pkg) -> Pkg:
    data = p.get("UstYazi/ustyazi.pdf").replace(b"pdfaid:", b"pdfxid:")
    return p.set("UstYazi/ustyazi.pdf", data).redigest()


def _ilgi(label: str, ek_id: str | None = None) -> Callable[[Pkg], Pkg]:
    ek = f"<tipler:EkId>{ek_id}</tipler:EkId>" if ek_id else ""
    xml = (
        '<tipler:Ilgiler><tipler:Ilgi><tipler:Id Value="0AB2C2B4-8E2A-4D8C-9F33-3C0E2E6F4A11" EYazismaIdMi="false" />'
        f"<tipler:Etiket>{label}</tipler:Etiket>{ek}<tipler:Ad>Yazı</tipler:Ad></tipler:Ilgi></tipler:Ilgiler>"
        "\n  <tipler:Dil>"
    )
    return _ustveri_edit("<tipler:Dil>", xml)


CASES: list[tuple[str, str, Callable[[Pkg], Pkg], str, str, str | None]] = [
    # (id, sample, mutation, code, severity, rule)
    ("changed-byte", V2, _flip_byte, "eyp.digest_mismatch", "critical", "K.33"),
    ("changed-byte-v1", V1, _flip_byte, "eyp.digest_mismatch", "critical", "K.33"),
    ("digest-removed", V2, _drop_digest_item, "eyp.digest_missing", "critical", "K.33"),
    (
        "digest-value-removed-v1",
        V1,
        lambda p: p.replace(_PAKET, "tJtYRXOwRHnsigCLPdC6NDKNJ/7mxTSbwQ3fkGi+27Y=", ""),
        "eyp.digest_missing",
        "critical",
        "K.33",
    ),
    ("part-moved", V2, _move_ustveri, "eyp.part_misplaced", "critical", "K.18"),
    ("lowercase-guid", V2, _ustveri_edit(_BELGE2, _BELGE2.lower()), "eyp.guid_lowercase", "critical", "K.80"),
    ("guid-invalid", V2, _ustveri_edit(_BELGE2, "BELGE-1"), "eyp.guid_invalid", "critical", None),
    ("non-leaf-sdp", V2, _sdp_bilgisi("010"), "eyp.sdp_invalid", "critical", "K.19"),
    (
        "non-leaf-sdp-in-sayi",
        V1,
        _ustveri_edit("E-24312041-702.03-1", "E-61648174-010-1"),
        "eyp.sdp_invalid",
        "critical",
        "K.19",
    ),
    (
        "detsis-leading-zero",
        V2,
        _ustveri_edit("61648174", "01648174"),
        "eyp.detsis_invalid",
        "critical",
        None,
    ),
    ("wrong-tckn", V2, _ustveri_edit("11111111110", "11111111111"), "eyp.tckn_invalid", "major", None),
    (
        "content-types-missing",
        V2,
        lambda p: p.remove("[Content_Types].xml"),
        "eyp.content_types_missing",
        "critical",
        None,
    ),
    ("rels-missing", V2, lambda p: p.remove(_RELS), "eyp.rels_missing", "critical", None),
    (
        "xml-malformed",
        V2,
        lambda p: p.set(_UST, b"<UstVeri").redigest(),
        "eyp.xml_malformed",
        "critical",
        "K.19",
    ),
    (
        "relationship-unknown",
        V2,
        _add_rel(
            '<Relationship Type="http://eyazisma.dpt/iliskiler/bilinmeyen" Target="/UstYazi/ustyazi.pdf" Id="X1" />'
        ),
        "eyp.relationship_unknown",
        "warning",
        None,
    ),
    (
        "relationship-type-case",
        V2,
        lambda p: p.replace(_RELS, "iliskiler/ustveri", "iliskiler/UstVeri"),
        "eyp.relationship_type_case",
        "warning",
        None,
    ),
    (
        "relationship-external",
        V2,
        _add_rel(
            '<Relationship Type="http://eyazisma.dpt/iliskiler/ek" Target="http://ornek.invalid/ek.pdf" '
            'TargetMode="External" Id="X2" />'
        ),
        "eyp.relationship_external",
        "critical",
        None,
    ),
    (
        "relationship-target-missing",
        V2,
        _add_rel('<Relationship Type="http://eyazisma.dpt/iliskiler/ek" Target="/Ekler/yok.pdf" Id="X3" />'),
        "eyp.relationship_target_missing",
        "critical",
        None,
    ),
    (
        "part-missing",
        V2,
        _remove_part_and_rel(_NU, "/NihaiUstveri/NihaiUstveri.xml"),
        "eyp.part_missing",
        "critical",
        "K.82",
    ),
    (
        "part-duplicate",
        V2,
        _add_rel(
            '<Relationship Type="http://eyazisma.dpt/iliskiler/ustveri" Target="/Ustveri/Ustveri.xml" Id="X4" />'
        ),
        "eyp.part_duplicate",
        "critical",
        "K.16",
    ),
    (
        "part-forbidden",
        V2,
        lambda p: _add_rel(
            '<Relationship Type="http://eyazisma.dpt/iliskiler/belgeimza" Target="/Imzalar/BelgeImza.xml" Id="X5" />'
        )(p.set("Imzalar/BelgeImza.xml", sample(V1).get("Imzalar/BelgeImza.xml"))),
        "eyp.part_forbidden",
        "critical",
        None,
    ),
    (
        "part-forbidden-encrypted",
        E1,
        lambda p: _add_rel(
            '<Relationship Type="http://eyazisma.dpt/iliskiler/ustveri" Target="/Ustveri/Ustveri.xml" Id="X6" />'
        )(p.set("Ustveri/Ustveri.xml", sample(V1).get("Ustveri/Ustveri.xml"))),
        "eyp.part_forbidden",
        "critical",
        None,
    ),
    (
        "part-unreferenced",
        V2,
        lambda p: p.set("Diger/not.xml", b"<a/>"),
        "eyp.part_unreferenced",
        "warning",
        None,
    ),
    (
        "content-type-missing",
        V2,
        lambda p: p.set("Diger/not.txt", b"x"),
        "eyp.content_type_missing",
        "major",
        None,
    ),
    (
        "content-type-wrong",
        V2,
        lambda p: p.replace(
            "[Content_Types].xml",
            'Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"',
            'Extension="rels" ContentType="application/xml"',
        ),
        "eyp.content_type_wrong",
        "major",
        None,
    ),
    ("core-missing", V2, _remove_part_and_rel(_CORE2, "/" + _CORE2), "eyp.core_missing", "critical", None),
    (
        "core-version",
        V2,
        lambda p: p.replace(_CORE2, "<version>2.0</version>", "<version>9.9</version>"),
        "eyp.core_version",
        "critical",
        None,
    ),
    (
        "core-field-missing",
        V2,
        lambda p: p.replace(_CORE2, "<version>2.0</version>", "").redigest(),
        "eyp.core_field_missing",
        "critical",
        None,
    ),
    (
        "core-identifier",
        V2,
        lambda p: p.replace(_CORE2, _BELGE2, "0AB2C2B4-8E2A-4D8C-9F33-3C0E2E6F4A11").redigest(),
        "eyp.core_identifier",
        "critical",
        "K.68",
    ),
    (
        "core-subject",
        V2,
        lambda p: p.replace(_CORE2, "<dc:subject>Olustur", "<dc:subject>Başka").redigest(),
        "eyp.core_subject",
        "major",
        "K.69",
    ),
    (
        "core-category",
        V2,
        lambda p: p.replace(_CORE2, "<category>RESMIYAZISMA", "<category>BASKA").redigest(),
        "eyp.core_category",
        "critical",
        "K.71",
    ),
    (
        "core-content-type",
        V2,
        lambda p: p.replace(_CORE2, "application/eyazisma", "application/zip").redigest(),
        "eyp.core_content_type",
        "critical",
        "K.73",
    ),
    (
        "summary-malformed",
        V2,
        lambda p: p.replace(_PAKET, "xsd:PaketOzeti-2", "xsd:PaketOzeti-1").redigest(),
        "eyp.summary_malformed",
        "critical",
        "K.29",
    ),
    (
        "summary-id",
        V2,
        lambda p: p.replace(
            _PAKET, f'Id="{_BELGE2}"', 'Id="0AB2C2B4-8E2A-4D8C-9F33-3C0E2E6F4A11"'
        ).redigest(),
        "eyp.summary_id",
        "critical",
        "K.34",
    ),
    ("reference-external", V2, _harici_reference, "eyp.reference_external_forbidden", "critical", "K.45"),
    ("reference-duplicate", V2, _duplicate_reference, "eyp.reference_duplicate", "major", "K.33"),
    ("reference-unsigned", V2, _unsigned_attachment, "eyp.reference_unsigned_attachment", "critical", "K.33"),
    (
        "reference-target-missing",
        V2,
        lambda p: p.replace(_PAKET, 'URI="/Ekler/ek2.pdf"', 'URI="/Ekler/ek9.pdf"').redigest(),
        "eyp.reference_target_missing",
        "critical",
        "K.33",
    ),
    (
        "reference-required",
        V2,
        _remove_reference("/Ustveri/Ustveri.xml"),
        "eyp.reference_required_missing",
        "critical",
        "K.33",
    ),
    (
        "reference-required-nihai",
        V2,
        _remove_reference("/NihaiUstveri/NihaiUstveri.xml", _NIHAI),
        "eyp.reference_required_missing",
        "critical",
        "K.43",
    ),
    (
        "algorithm-unknown",
        V2,
        lambda p: p.replace(_PAKET, _SHA384, "urn:bilinmeyen"),
        "eyp.digest_algorithm_unknown",
        "critical",
        "K.33",
    ),
    (
        "algorithm-two-same",
        V2,
        lambda p: p.replace(_PAKET, _SHA384, _SHA512).redigest(),
        "eyp.digest_algorithm_rule",
        "critical",
        "K.33",
    ),
    (
        "algorithm-no-sha512",
        V2,
        lambda p: p.replace(_PAKET, _SHA512, _SHA256).redigest(),
        "eyp.digest_algorithm_rule",
        "critical",
        "K.33",
    ),
    (
        "algorithm-sha384-in-v1",
        V1,
        lambda p: p.replace(_PAKET, _SHA256, _SHA384).redigest(),
        "eyp.digest_algorithm_rule",
        "critical",
        "K.33",
    ),
    (
        "algorithm-obsolete",
        V1,
        lambda p: p.replace(_PAKET, _SHA256, _SHA1).redigest(),
        "eyp.digest_algorithm_obsolete",
        "warning",
        "K.33",
    ),
    (
        "metadata-malformed",
        V2,
        lambda p: p.replace(_NU, "xsd:NihaiUstveri-2", "xsd:NihaiUstveri-1").redigest(),
        "eyp.metadata_malformed",
        "critical",
        "K.85",
    ),
    (
        "field-missing",
        V2,
        _ustveri_edit("<tipler:Konu>Olustur Versiyon 2X</tipler:Konu>", ""),
        "eyp.field_missing",
        "critical",
        "K.19",
    ),
    (
        "field-forbidden",
        V2,
        _ustveri_edit(
            "<tipler:GuvenlikKodu>",
            "<tipler:BelgeNo>E-61648174-010.01-5</tipler:BelgeNo><tipler:GuvenlikKodu>",
        ),
        "eyp.field_forbidden",
        "critical",
        "K.19",
    ),
    (
        "field-invalid",
        V1,
        lambda p: p.replace(
            _UST, "<tipler:Tarih>2021-02-15T09:39:31.5398074Z", "<tipler:Tarih>dün"
        ).redigest(),
        "eyp.field_invalid",
        "critical",
        "K.19",
    ),
    (
        "field-obsolete",
        V2,
        _ustveri_edit(
            "<tipler:KKK>61648174</tipler:KKK>", "<tipler:KKK>61648174</tipler:KKK><tipler:BYK>1</tipler:BYK>"
        ),
        "eyp.field_obsolete",
        "major",
        None,
    ),
    (
        "enum-invalid",
        V2,
        _ustveri_edit("<tipler:GuvenlikKodu>YOK", "<tipler:GuvenlikKodu>TSD"),
        "eyp.enum_invalid",
        "critical",
        "K.19",
    ),
    (
        "enum-invalid-v1",
        V1,
        _ustveri_edit("<tipler:Ivedilik>NRM", "<tipler:Ivedilik>ACL"),
        "eyp.enum_invalid",
        "critical",
        "K.19",
    ),
    (
        "miat-missing",
        V2,
        _ustveri_edit("<tipler:Ivedilik>NRM", "<tipler:Ivedilik>GNL"),
        "eyp.miat_missing",
        "major",
        "K.19",
    ),
    (
        "organisation-scheme",
        V2,
        _ustveri_edit('schemeID="MERSIS"', 'schemeID="XYZ"'),
        "eyp.organisation_scheme",
        "warning",
        None,
    ),
    (
        "kep-invalid",
        V2,
        _ustveri_edit(
            "<tipler:Adres>MAH.", "<tipler:KepAdresi>huseyin@gmail.com</tipler:KepAdresi><tipler:Adres>MAH."
        ),
        "eyp.kep_invalid",
        "major",
        None,
    ),
    (
        "belge-no-invalid",
        V2,
        lambda p: p.replace(_NU, "<tipler:BelgeNo>E-24312041-702.03-1", "<tipler:BelgeNo>12-34").redigest(),
        "eyp.belge_no_invalid",
        "critical",
        "K.85",
    ),
    ("belge-no-sender", V2, lambda p: p, "eyp.belge_no_sender", "major", None),
    ("belge-no-sdp", V2, _sdp_bilgisi("041.01"), "eyp.belge_no_sdp_mismatch", "major", None),
    (
        "attachment-order",
        V2,
        _ustveri_edit("<tipler:SiraNo>2</tipler:SiraNo>", "<tipler:SiraNo>1</tipler:SiraNo>"),
        "eyp.attachment_order",
        "critical",
        "K.19",
    ),
    (
        "attachment-order-gap",
        V2,
        _ustveri_edit("<tipler:SiraNo>2</tipler:SiraNo>", "<tipler:SiraNo>3</tipler:SiraNo>"),
        "eyp.attachment_order",
        "warning",
        "K.19",
    ),
    ("id-duplicate", V2, _ustveri_edit(_EK2_2, _EK1_2), "eyp.id_duplicate", "critical", "K.61"),
    ("ilgi-label", V2, _ilgi("b"), "eyp.ilgi_label", "warning", "K.23"),
    (
        "ilgi-attachment",
        V2,
        _ilgi("a", "0AB2C2B4-8E2A-4D8C-9F33-3C0E2E6F4A99"),
        "eyp.ilgi_attachment_missing",
        "critical",
        "K.25",
    ),
    (
        "attachment-missing",
        V2,
        _remove_part_and_rel("Ekler/ek2.pdf", "/Ekler/ek2.pdf"),
        "eyp.attachment_missing",
        "critical",
        "K.23",
    ),
    ("attachment-withheld", V2, _withheld, "eyp.attachment_withheld", "warning", "K.23"),
    ("attachment-undeclared", V2, _undeclared, "eyp.attachment_undeclared", "critical", "K.24"),
    ("attachment-signed-flag", V2, _unsigned_attachment, "eyp.attachment_signed_flag", "major", None),
    ("ustyazi-name", V2, _ustyazi_with_space, "eyp.ustyazi_name", "major", "K.5"),
    (
        "ustyazi-not-pdf",
        V2,
        lambda p: p.set("UstYazi/ustyazi.pdf", b"merhaba").redigest(),
        "eyp.ustyazi_not_pdf",
        "major",
        "K.6",
    ),
    ("ustyazi-not-pdfa", V2, _not_pdfa, "eyp.ustyazi_not_pdfa", "warning", "K.6"),
    (
        "encrypted-content-name",
        E1,
        lambda p: p.rename(
            "SifreliIcerik/B6B02D6E-8E55-4666-B15D-A65EA84A9410.eyp",
            "SifreliIcerik/B6B02D6E-8E55-4666-B15D-A65EA84A9410",
        ).replace(_RELS, "A65EA84A9410.eyp", "A65EA84A9410"),
        "eyp.encrypted_content_name",
        "major",
        None,
    ),
    ("encrypted-not-enveloped", E2, lambda p: p, "eyp.encrypted_content_not_enveloped", "major", None),
    (
        "encrypted-info-invalid",
        E1,
        lambda p: p.replace("SifreliIcerikBilgisi/SifreliIcerikBilgisi.xml", 'Version="1.4"', ""),
        "eyp.encrypted_info_invalid",
        "major",
        None,
    ),
    (
        "cms-missing",
        V2,
        _remove_part_and_rel(
            "Imzalar/ImzaCades.imz", "../Imzalar/ImzaCades.imz", "PaketOzeti/_rels/PaketOzeti.xml.rels"
        ),
        "eyp.cms_missing",
        "critical",
        "K.81",
    ),
    ("cms-not-signed-data", V2, lambda p: p, "eyp.cms_not_signed_data", "critical", "K.100"),
]


@pytest.mark.parametrize(
    ("sample_name", "mutate", "code", "severity", "rule"),
    [pytest.param(s, m, c, sev, r, id=i) for i, s, m, c, sev, r in CASES],
)
def test_broken_variant(
    sample_name: str, mutate: Callable[[Pkg], Pkg], code: str, severity: str, rule: str | None
) -> None:
    report = run(mutate(sample(sample_name)))
    matching = [f for f in report.findings if f.code == code]
    assert matching, report.codes()
    assert any(f.severity == severity and f.rule == rule for f in matching), [
        (f.severity, f.rule) for f in matching
    ]
    for f in matching:
        assert "{" not in f.message("tr") and "{" not in f.message("en"), f.message("en")
    if severity == "critical":
        assert report.verdict == "rejected"


def test_relationship_type_case_keeps_package_sound() -> None:
    base = check(DATA / V2)
    report = run(sample(V2).replace(_RELS, "iliskiler/PaketOzeti", "iliskiler/paketozeti"))
    assert report.structure == "sound"
    assert report.digests_checked == base.digests_checked


def test_changed_byte_is_reported_by_every_summary() -> None:
    report = run(_flip_byte(sample(V2)))
    parts = {f.part for f in report.findings if f.code == "eyp.digest_mismatch"}
    assert parts == {"/PaketOzeti/PaketOzeti.xml", "/NihaiOzet/NihaiOzet.xml", "/ParafOzeti/ParafOzeti.xml"}
    assert report.structure == "unsound"


def test_withheld_attachment_is_not_a_missing_reference() -> None:
    report = run(_withheld(sample(V2)))
    assert "eyp.reference_target_missing" not in report.codes()
    assert "eyp.attachment_missing" not in report.codes()


def test_detsis_registry_unknown_and_inactive() -> None:
    records = [
        {
            "DETSISNo": 61648174,
            "Ad": "BİLGİ İŞLEM DAİRESİ BAŞKANLIĞI",
            "ParentIdareKimlikKodu": None,
            "Aktifmi": "1",
        },
        {"DETSISNo": 28119270, "Ad": "BİLGİ İŞLEM BAŞKANLIĞI", "ParentIdareKimlikKodu": None, "Aktifmi": "0"},
    ]
    closed = detsis.Registry.from_records(
        [
            {**records[0]},
            {**records[1], "Aktifmi": "1", "DisYazismaMuhatabiOlupOlmadigi": False},
        ]
    )
    finding = next(
        f
        for f in check(DATA / V2, detsis_registry=closed).findings
        if f.code == "eyp.detsis_not_correspondent"
    )
    assert finding.severity == "warning" and finding.details["value"] == "28119270"
    registry = detsis.Registry.from_records(records)
    report = check(DATA / V2, detsis_registry=registry)
    unknown = [f for f in report.findings if f.code == "eyp.detsis_unknown"]
    reasons = {(f.details["value"], f.details["reason"]) for f in unknown}
    assert ("24312041", "detsis.unknown_unit") in reasons  # the Sayı's unit
    assert ("28119270", "detsis.inactive_unit") in reasons
    assert all(f.severity == "major" for f in unknown)
    assert not any(f.details["value"] == "61648174" for f in unknown)


def test_messages_exist_for_every_code_used() -> None:
    codes = {c for _, _, _, c, _, _ in CASES}
    for code in codes:
        assert i18n.has(code), code
        texts = i18n.catalogue()[code]
        assert set(texts) >= {"en", "tr"}


def test_every_finding_code_has_a_test_and_messages() -> None:
    """Each ``eyp.*`` code the package can emit is provoked somewhere in tests/eyp and has both texts."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    source = "".join(p.read_text(encoding="utf-8") for p in (root / "ebys_support" / "eyp").glob("*.py"))
    codes = set(re.findall(r'"(eyp\.[a-z_]+)"', source))
    tests = "".join(p.read_text(encoding="utf-8") for p in Path(__file__).parent.glob("test_*.py"))
    assert len(codes) > 60
    assert sorted(c for c in codes if c not in tests) == []
    assert sorted(c for c in codes if not i18n.has(c)) == []


def test_part_names_and_targets_compared_case_insensitively() -> None:
    pkg = sample(V2)
    pkg.replace(_RELS, 'Target="/Ustveri/Ustveri.xml"', 'Target="/USTVERI/ustveri.XML"')
    pkg.replace(_PAKET, 'URI="/Ustveri/Ustveri.xml"', 'URI="/ustveri/USTVERI.xml"')
    report = run(pkg.redigest())
    assert report.structure == "sound"
    assert "eyp.part_misplaced" not in report.codes()
    assert report.digests_checked == check(DATA / V2).digests_checked


def test_malformed_xml_is_reported_where_it_matters() -> None:
    junk = run(sample(V2).set("Diger/bozuk.xml", b"<a"))
    assert "eyp.xml_malformed" not in junk.codes() and "eyp.part_unreferenced" in junk.codes()
    rels = run(sample(V2).set(_RELS, b"<Relationships"))
    assert rels.codes() == ["eyp.xml_malformed"] and rels.verdict == "rejected"


def test_lowercase_core_identifier() -> None:
    report = run(
        sample(V1)
        .replace(_CORE1, "737B9A9F-C88A-4258-B9BC-AEAF7908094E", "737b9a9f-c88a-4258-b9bc-aeaf7908094e")
        .redigest()
    )
    finding = next(f for f in report.findings if f.code == "eyp.guid_lowercase")
    assert finding.details["field"] == "identifier" and finding.rule == "K.80"
    assert "eyp.core_identifier" not in report.codes()
