"""sdp_codes: syntax, catalogue rules, Turkish search, loaders, retention, shipped data."""

from __future__ import annotations

import importlib.util
import json
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sdp_codes
from sdp_codes import loaders
from sdp_codes._turkish import sort_key
from sdp_codes.catalogue import Catalogue, make_entry, parse_ranges
from sdp_codes.retention import RetentionRules, default_rules

ROOT = Path(__file__).resolve().parents[2]
STARTER = sdp_codes.default_catalogue()
ESK = sdp_codes.builtin_catalogue("starter-et-ve-sut")


def _code(exc_info: pytest.ExceptionInfo[sdp_codes.ValidationError]) -> str:
    return exc_info.value.code


# -- syntax ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "compact", "formatted"),
    [
        ("010.06.01", "010.06.01", "010.06.01"),
        (" 045 . 01 ", "045.01", "045.01"),
        ("105[Ada 12 Parsel 5]", "105[Ada 12 Parsel 5]", "105 [Ada 12 Parsel 5]"),
        ("105 [  Ada 12   Parsel 5 ]", "105[Ada 12 Parsel 5]", "105 [Ada 12 Parsel 5]"),
        ("050.01.04.02", "050.01.04.02", "050.01.04.02"),
    ],
)
def test_compact_and_format(raw: str, compact: str, formatted: str) -> None:
    assert sdp_codes.compact(raw) == compact
    assert sdp_codes.format(raw) == formatted


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "10",
        "0100",
        "010.1",
        "010.001",
        "010.01.01.01.01",
        "010-01",
        "٠١٠",
        "０１０",
        "abc",
        "010.",
        ".010",
    ],
)
def test_invalid_format(raw: str) -> None:
    with pytest.raises(sdp_codes.InvalidFormat) as exc:
        sdp_codes.validate(raw)
    assert _code(exc) == "sdp.invalid_format"


@pytest.mark.parametrize(
    "raw", ["105[]", "105[ ]", "105[Ada", "105 [a]b", "105[[a]]", "105[" + "x" * 101 + "]", "105[a\x07]"]
)
def test_invalid_special_code(raw: str) -> None:
    with pytest.raises(sdp_codes.InvalidSpecialCode) as exc:
        sdp_codes.validate(raw)
    assert _code(exc) == "sdp.invalid_special_code"


def test_not_text_is_invalid_format() -> None:
    with pytest.raises(sdp_codes.InvalidFormat):
        sdp_codes.validate(10)  # type: ignore[arg-type]


# -- catalogue rules ------------------------------------------------------------------------------------
def test_leaf_known_and_entry_fields() -> None:
    checked = sdp_codes.check("050.01.04", for_sayi=True)
    assert checked.warnings == ()
    entry = checked.entry
    assert entry is not None
    assert (entry.title, entry.level, entry.parent, entry.category) == ("Kararlar", 2, "050.01", "general")
    assert (entry.source, entry.source_url.startswith("http://yorukali")) == ("S1", True)


def test_not_a_leaf() -> None:
    with pytest.raises(sdp_codes.NotALeaf) as exc:
        sdp_codes.validate("050.01")
    assert _code(exc) == "sdp.not_a_leaf"
    assert "050.01.04" in exc.value.details["children"]


def test_unknown_code_in_covered_subject() -> None:
    with pytest.raises(sdp_codes.UnknownCode) as exc:
        sdp_codes.validate("010.10")
    assert _code(exc) == "sdp.unknown_code"
    assert sdp_codes.get("010.10") is None
    with pytest.raises(sdp_codes.UnknownCode):
        sdp_codes.lookup("010.10")


def test_not_for_sayi_only_when_asked() -> None:
    assert sdp_codes.validate("020") == "020"
    with pytest.raises(sdp_codes.NotForSayi) as exc:
        sdp_codes.validate("020", for_sayi=True)
    assert _code(exc) == "sdp.not_for_sayi"
    with pytest.raises(sdp_codes.NotForSayi):
        sdp_codes.validate("107", ESK, for_sayi=True)  # Et ve Süt Kurumu: Tutanaklar †


def test_inactive() -> None:
    cat = Catalogue(
        [make_entry("010", "Mevzuat İşleri"), make_entry("010.02", "Tüzükler", active=False)],
        name="t",
        covers=parse_ranges(["010"]),
    )
    with pytest.raises(sdp_codes.Inactive) as exc:
        sdp_codes.validate("010.02", cat)
    assert _code(exc) == "sdp.inactive"


def test_main_service_code_is_never_silently_known() -> None:
    checked = sdp_codes.check("821.05")  # E-66452182-821.05-84954673
    assert checked.entry is None
    assert checked.warnings == (sdp_codes.NOT_CHECKED,)
    assert checked.category == "support"
    assert sdp_codes.check("255.01.02").category == "main_service"


def test_institution_catalogue_covers_its_main_codes() -> None:
    entry = sdp_codes.check("105", ESK).entry
    assert entry is not None and entry.retention_years == 5 and entry.retention_code == "D"
    with pytest.raises(sdp_codes.UnknownCode):
        sdp_codes.validate("105.01", ESK)
    # 103 has a known child but is not claimed complete: other children are not checked
    assert sdp_codes.check("103.05", ESK).warnings == (sdp_codes.NOT_CHECKED,)
    with pytest.raises(sdp_codes.NotALeaf):
        sdp_codes.validate("103", ESK)
    # the same main code means something else in another institution's plan
    gthb = sdp_codes.builtin_catalogue("starter-gthb")
    assert sdp_codes.lookup("105", gthb).title == "Bitkisel Üretim Faaliyetleri"


def test_implicit_99_other() -> None:
    entry = sdp_codes.check("010.06.99").entry  # 99 Diğer exists at every sub-level
    assert entry is not None and entry.title == "Diğer" and entry.parent == "010.06"
    assert sdp_codes.lookup("010.06.99").title == "Diğer"
    with pytest.raises(sdp_codes.UnknownCode):
        sdp_codes.validate("042.99")  # 042 has no sub-levels


def test_special_part_is_kept() -> None:
    checked = sdp_codes.check("105 [Ada 12 Parsel 5]", sdp_codes.builtin_catalogue("starter-tapu-kadastro"))
    assert (checked.code, checked.numeric, checked.special) == (
        "105[Ada 12 Parsel 5]",
        "105",
        "Ada 12 Parsel 5",
    )
    assert checked.entry is not None and checked.entry.retention_raw == "B"


def test_children_walk_and_roots() -> None:
    assert [e.code for e in sdp_codes.children("010.06")] == ["010.06.01", "010.06.02"]
    assert sdp_codes.children("042") == ()
    tree = list(STARTER.walk("030"))
    assert [(d, e.code) for d, e in tree][:3] == [(0, "030"), (1, "030.01"), (1, "030.02")]
    assert [e.code for e in STARTER.roots()][:3] == ["000", "010", "020"]


# -- search (Turkish rules) -----------------------------------------------------------------------------
@pytest.mark.parametrize("query", ["BİLGİ NOTLARI", "bilgi notları", "bilgi notlari", "Bilgi   NOTLARI"])
def test_search_turkish_case_and_folding(query: str) -> None:
    assert [e.code for e in sdp_codes.search(query)] == ["041.02", "041"]


def test_search_the_issue_example() -> None:
    # A test-only plan row (not shipped data): the issue's own example title.
    cat = Catalogue([make_entry("050.01.04", "Meclis Kararları")], name="test")
    for query in ("MECLİS KARARLARI", "meclis kararları", "meclis kararlari"):
        assert [e.title for e in cat.search(query)] == ["Meclis Kararları"]
    assert cat.search("meclis kararları yok") == []  # every word must match


@pytest.mark.parametrize(
    "query", ["MECLİS KARARLARI", "meclis kararları", "meclis kararlari", "Meclis Kararı"]
)
def test_search_forgives_the_compound_noun_ending(query: str) -> None:
    # The shipped plan titles the leaf "Kararlar" under "Genel Kurullar, Senatolar, Meclisler".
    assert [e.code for e in sdp_codes.search(query)] == ["050.01.04"]


def test_compound_ending_is_only_dropped_from_long_words() -> None:
    from sdp_codes.catalogue import word_forms

    assert word_forms("raporu") == ("raporu", "rapor")
    assert word_forms("kurulu") == ("kurulu", "kurul")
    assert word_forms("mali") == ("mali",) and word_forms("ili") == ("ili",)
    assert [e.code for e in sdp_codes.search("faaliyet raporu")] == ["040"]
    assert sdp_codes.search("meclis kararlarim") == []


def test_search_uses_parent_titles_and_code_prefix() -> None:
    assert [e.code for e in sdp_codes.search("meclis kararlar")] == ["050.01.04"]
    assert [e.code for e in sdp_codes.search("050.01")][:2] == ["050.01", "050.01.01"]
    assert sdp_codes.search("") == [] and sdp_codes.search(None) == []  # type: ignore[arg-type]
    assert len(sdp_codes.search("diğer", limit=2)) == 2


def test_search_sorts_by_turkish_alphabet() -> None:
    titles = [e.title for e in sdp_codes.search("ler")]
    assert titles == sorted(titles, key=sort_key)
    assert sort_key("Şartnameler") > sort_key("Sözleşmeler") > sort_key("Seçim ve Atama")
    assert sort_key("Çay") > sort_key("Cam") and sort_key("İdari") > sort_key("Istatistik")


# -- JSON form, loaders ---------------------------------------------------------------------------------
def test_json_round_trip() -> None:
    again = Catalogue.from_json(json.loads(json.dumps(ESK.to_json())))
    assert list(again) == list(ESK)
    assert (again.name, again.revision, again.coverage, again.implicit_other) == (
        ESK.name,
        ESK.revision,
        ESK.coverage,
        True,
    )


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"format": "other"},
        {"format": "ebys-support/sdp-catalogue", "version": 9, "entries": []},
        {"format": "ebys-support/sdp-catalogue", "version": 1, "entries": {}},
        {"format": "ebys-support/sdp-catalogue", "version": 1, "entries": [{"code": "01"}]},
        {"format": "ebys-support/sdp-catalogue", "version": 1, "entries": [{"code": "010", "active": "no"}]},
        {"format": "ebys-support/sdp-catalogue", "version": 1, "entries": [{"code": "010"}, {"code": "010"}]},
        {"format": "ebys-support/sdp-catalogue", "version": 1, "entries": [], "covers": ["99-1"]},
        {
            "format": "ebys-support/sdp-catalogue",
            "version": 1,
            "entries": [{"code": "010", "retention_code": "??"}],
        },
    ],
)
def test_invalid_catalogue(data: object) -> None:
    with pytest.raises(sdp_codes.InvalidCatalogue) as exc:
        Catalogue.from_json(data)
    assert _code(exc) == "sdp.invalid_catalogue"


def test_published_rows_with_header_padding_carry_forward_and_dagger() -> None:
    rows = [
        [
            "Ana Dosya",
            "1. Alt Konu",
            "2. Alt Konu",
            "3. Alt Konu",
            "Konu Adı",
            "Saklama Süresi",
            "Saklama Kodu",
        ],
        [10, None, None, None, "Mevzuat İşleri", None, None],
        [None, 6, None, None, "Genelgeler", None, None],
        [None, None, 1, None, "İç", 10.0, "a3"],
        [None, None, 2, None, "Dış", "B", "A3"],
        ["", "", "", "", "", "", ""],
        ["020", "", "", "", "Olurlar, Onaylar †", "5", "D"],
    ]
    cat = loaders.from_published_rows(rows, name="plan")
    assert [e.code for e in cat] == ["010", "010.06", "010.06.01", "010.06.02", "020"]
    inner = cat.get("010.06.01")
    assert inner is not None and (inner.retention_years, inner.retention_code) == (10, "A3")
    olur = cat.get("020")
    assert olur is not None and olur.title == "Olurlar, Onaylar" and not olur.usable_in_sayi
    assert cat.coverage == ((10, 10), (20, 20))
    with pytest.raises(sdp_codes.UnknownCode):
        sdp_codes.validate("010.07", cat)


def test_published_rows_without_header_are_positional() -> None:
    cat = loaders.from_published_rows(
        [["045", "01", "", "", "Teknik ve Mesleki", "10", "C"]], name="p", covers=["all"]
    )
    assert cat.coverage == ((0, 999),)
    with pytest.raises(sdp_codes.UnknownCode):
        sdp_codes.validate("999.01", cat)


@pytest.mark.parametrize(
    "rows",
    [
        [["Ana Dosya", "Konu Adı"], ["", "Başlıksız"]],  # no code
        [["Ana Dosya", "1. Alt Konu", "2. Alt Konu", "Konu Adı"], ["010", "", "01", "x"]],  # gap
        [["Ana Dosya", "Konu Adı"], ["010", "a"], ["010", "b"]],  # duplicate
        [["Ana Dosya", "Konu Adı", "Saklama Kodu"], ["010", "a", "A33"]],  # bad retention code
        [["Ana Dosya", "Konu Adı", "Aktif"], ["010", "a", "belki"]],  # bad flag
        [["Ana Dosya", "Konu Adı"]],  # empty plan
    ],
)
def test_published_rows_errors_name_the_row(rows: list[list[object]]) -> None:
    with pytest.raises(sdp_codes.InvalidCatalogue) as exc:
        loaders.from_published_rows(rows, name="bad")
    assert exc.value.details.get("row", 2) >= 2


def test_detsis_rows() -> None:
    reply = {
        "SonucHatali": False,
        "HataMsj": None,
        "Sonuclar": [
            {"ID": 1, "AnaKod": "", "GrupBaslangici": 0, "GrupBitisi": 99, "KonuAdi": "Genel Konular"},
            {
                "ID": 2,
                "AnaKod": 10,
                "AltKod1": None,
                "Kod": None,
                "KonuAdi": "Mevzuat İşleri",
                "Aktifmi": True,
            },
            {
                "ID": 3,
                "AnaKod": 10,
                "AltKod1": 1,
                "KonuAdi": "Kanunlar",
                "SaklamaSuresi": 10,
                "SaklamaKodu": "C",
            },
            {"ID": 4, "Kod": "20", "KonuAdi": "Olurlar, Onaylar", "DipNot": "Dosya adı olarak kullanılır"},
            {"ID": 5, "Kod": "010.02", "KonuAdi": "Tüzükler", "Aktifmi": "0", "SaklamaZaman": "Yıl"},
        ],
    }
    cat = loaders.from_detsis_rows(reply, name="kurum")
    assert [e.code for e in cat] == ["010", "010.01", "010.02", "020"]
    assert not sdp_codes.is_valid("020", cat, for_sayi=True)
    with pytest.raises(sdp_codes.Inactive):
        sdp_codes.validate("010.02", cat)
    kanun = cat.get("010.01")
    assert kanun is not None and kanun.retention_years == 10 and kanun.source == "detsis"


@pytest.mark.parametrize(
    "data",
    [{"SonucHatali": True, "HataMsj": "Yetkisiz"}, "not rows", [1], [{"KonuAdi": "kodsuz"}]],
)
def test_detsis_rows_errors(data: object) -> None:
    with pytest.raises(sdp_codes.InvalidCatalogue):
        loaders.from_detsis_rows(data, name="x")


# -- retention ------------------------------------------------------------------------------------------
def test_retention_rules() -> None:
    rules = default_rules()
    assert not rules.confirmed
    assert rules.end_year(2014, 10) == 2024 and not rules.is_due(2014, 10, as_of_year=2024)
    other = RetentionRules.from_json(
        {"codes": {"D": {"disposition": "x", "en": "x", "tr": "x"}}, "period_starts": "record_year"}
    )
    assert other.end_year(2014, 10) == 2023 and other.disposition("D").key == "x"
    for bad in ({}, {"codes": {"D": {}}}, {"codes": {}, "period_starts": "later"}):
        with pytest.raises(sdp_codes.InvalidCatalogue):
            RetentionRules.from_json(bad)


# -- shipped data ---------------------------------------------------------------------------------------
def test_shipped_data_is_what_the_script_writes() -> None:
    spec = importlib.util.spec_from_file_location("update_sdp", ROOT / "scripts" / "update_sdp.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    for name in sdp_codes.BUILTIN_CATALOGUES:
        shipped = json.loads(resources.files("sdp_codes").joinpath("data", f"{name}.json").read_text("utf-8"))
        shipped.pop("_comment")
        assert shipped == json.loads(json.dumps(script.build(name).to_json(), ensure_ascii=False))
        assert all(e["source"] in script.SOURCES and e["source_url"] for e in shipped["entries"])
    retention = json.loads(resources.files("sdp_codes").joinpath("data", "retention.json").read_text("utf-8"))
    assert retention == script.RETENTION


def test_unknown_builtin() -> None:
    with pytest.raises(sdp_codes.InvalidCatalogue):
        sdp_codes.builtin_catalogue("nope")


# -- junk -----------------------------------------------------------------------------------------------
JUNK = st.one_of(
    st.text(max_size=60),
    st.text(alphabet="0123456789.[] -/Eeİı\x00\u2013", max_size=40),
    st.binary(max_size=20),
    st.integers(),
    st.none(),
    st.lists(st.integers(), max_size=3),
)


@settings(max_examples=300, deadline=None)
@given(JUNK)
def test_junk_never_raises_from_is_valid(value: object) -> None:
    for cat in (STARTER, ESK):
        result = sdp_codes.is_valid(value, cat)
        assert isinstance(result, bool)
        sdp_codes.is_valid(value, cat, for_sayi=True)
    assert sdp_codes.get(value) is None or isinstance(value, str)
    if isinstance(value, str):
        STARTER.search(value)
