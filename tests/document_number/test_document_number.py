"""Official document numbers (Sayı): the real numbers of DOMAIN.md §3, normalisation, errors, checks."""

from __future__ import annotations

import dataclasses
import doctest

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import detsis
import sdp_codes
from ebys_support import archive_audit, document_number
from ebys_support.document_number import SayiRules, parse, validate
from tests.detsis import synthetic

STARTER = sdp_codes.default_catalogue()

# (number, era, electronic, detsis, sdp, record) -- real numbers quoted in DOMAIN.md §3
REAL = [
    ("E-66452182-821.05-84954673", "2020", True, "66452182", "821.05", "84954673"),  # İstanbul İl MEM
    ("E-84037561-821.05-84654968", "2020", True, "84037561", "821.05", "84654968"),  # MEB Ortaöğretim GM
    ("E-40453693-255.01.02-7937", "2020", True, "40453693", "255.01.02", "7937"),  # Millî Piyango
    ("E-23444165-045.01-2409752", "2020", True, "23444165", "045.01", "2409752"),  # İzmir BB Yapı Kontrol
    ("E-91587970-115.01.02-2365301", "2020", True, "91587970", "115.01.02", "2365301"),  # İzmir BB İmar
    ("E-15481264-115.99-42272", "2020", True, "15481264", "115.99", "42272"),  # Bayındır Belediyesi
    ("93200476-301.03-E.68", "2015", True, "93200476", "301.03", "68"),
    ("27566166-807.01-1", "2015", False, "27566166", "807.01", "1"),  # ODTÜ
    ("65220229-934.01-01", "2015", False, "65220229", "934.01", "01"),  # Doğuş Üniversitesi
    ("22671628-805.03/1250", "2011", False, "22671628", "805.03", "1250"),  # il sağlık md.
    ("84516765-301.05/26", "2011", False, "84516765", "301.05", "26"),
]


def test_module_doctests() -> None:
    for module in (document_number, sdp_codes, sdp_codes.retention, sdp_codes.catalogue, archive_audit):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0 and result.attempted > 0, module.__name__


@pytest.mark.parametrize(("text", "era", "electronic", "number", "sdp", "record"), REAL)
def test_real_numbers(text: str, era: str, electronic: bool, number: str, sdp: str, record: str) -> None:
    n = parse(text)
    assert (n.era, n.electronic, n.detsis, n.sdp, n.record, n.normalized) == (
        era,
        electronic,
        number,
        sdp,
        record,
        text,
    )
    assert n.warnings == () and n.special is None


def test_legacy_number() -> None:
    n = parse("B.08.6.YÖK.2.DĞ.0.78-806.01.05-01")  # YÖK unit, 2012
    assert (n.era, n.detsis, n.communication_code, n.sdp, n.record) == (
        "legacy",
        None,
        "B.08.6.YÖK.2.DĞ.0.78",
        "806.01.05",
        "01",
    )
    assert n.warnings == (document_number.LEGACY_FORMAT,)


@pytest.mark.parametrize(
    "text",
    [
        "Sayı: E-23444165-045.01-2409752",
        "Sayı : E-23444165-045.01-2409752",
        "SAYI: E - 23444165 - 045.01 - 2409752",
        "  e-23444165–045.01—2409752 ",
        "Sayi:E\u201323444165 \u2014 045.01-2409752",
        "E-23444165-045.01-\u00a02409752",
    ],
)
def test_what_printed_letters_contain(text: str) -> None:
    assert parse(text).normalized == "E-23444165-045.01-2409752"


def test_e_dot_variants_and_slash_forms() -> None:
    assert parse("93200476-301.03-e. 68").normalized == "93200476-301.03-E.68"
    n = parse("84516765-301.05-123/456")
    assert (n.era, n.record, n.unit_record, n.general_record) == ("2015", "123/456", "123", "456")
    n = parse("E-84516765-301.05-123/456")
    assert (n.era, n.unit_record) == ("2020", "123")
    with pytest.raises(document_number.InvalidRecord):
        parse("E-84516765-301.05-123/456", rules=SayiRules(slash_in_2020=False))


def test_special_part() -> None:
    n = parse("E-91587970-105 [Ada 12 - Parsel 5]-77")
    assert (n.sdp, n.special, n.record, n.normalized) == (
        "105",
        "Ada 12 - Parsel 5",
        "77",
        "E-91587970-105[Ada 12 - Parsel 5]-77",
    )


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("hello", "sayi.invalid_format"),
        ("", "sayi.invalid_format"),
        ("E-66452182", "sayi.invalid_format"),
        ("E-12345678-805.03/1250", "sayi.invalid_format"),  # 2020 prefix with the 2011 slash
        ("B.08.x!-806.01-1", "sayi.invalid_format"),
        ("E-66452182-821.05-84954673\x07", "sayi.invalid_format"),
        ("E-6645218-821.05-84954673", "sayi.invalid_detsis"),
        ("E-06645218-821.05-84954673", "sayi.invalid_detsis"),
        ("E-664521820-821.05-84954673", "sayi.invalid_detsis"),
        ("E-ABCDEFGH-821.05-1", "sayi.invalid_detsis"),
        ("E-66452182-821.5-84954673", "sayi.invalid_sdp"),
        ("E-66452182-821.05.01.01.01-1", "sayi.invalid_sdp"),
        ("E-66452182-105[]-1", "sayi.invalid_sdp"),
        ("E-66452182-821.05-", "sayi.invalid_record"),
        ("E-66452182-821.05-84954673x", "sayi.invalid_record"),
        ("E-66452182-821.05-1234567890123", "sayi.invalid_record"),
        ("E-66452182-821.05-E.5", "sayi.invalid_record"),
        ("22671628-805.03/12a", "sayi.invalid_record"),
        ("E-66452182-821.05-١٢", "sayi.invalid_record"),
    ],
)
def test_error_codes(text: str, code: str) -> None:
    with pytest.raises(document_number.SayiError) as exc:
        parse(text)
    assert exc.value.code == code
    assert exc.value.localized("tr") and exc.value.localized("en")
    assert not document_number.is_valid(text)


def test_invalid_sdp_carries_the_sdp_error() -> None:
    with pytest.raises(document_number.InvalidSDP) as exc:
        validate("E-23444165-050.01-5", sdp_catalogue=STARTER)
    assert exc.value.details["error"]["code"] == "sdp.not_a_leaf"
    assert "050.01" in exc.value.localized("tr") and "alt kodları" in exc.value.localized("tr")
    with pytest.raises(document_number.InvalidSDP) as exc:
        validate("E-23444165-020-5", sdp_catalogue=STARTER)
    assert exc.value.details["error"]["code"] == "sdp.not_for_sayi"


def test_validate_with_catalogue_and_registry() -> None:
    n = validate("E-23444165-045.01-2409752", sdp_catalogue=STARTER)
    assert n.sdp_title == "Teknik ve Mesleki"
    n = validate("E-66452182-821.05-84954673", sdp_catalogue=STARTER)
    assert n.warnings == (sdp_codes.NOT_CHECKED,)
    registry = detsis.Registry.from_records(synthetic.records())
    n = validate("E-40000011-045.01-5", detsis_registry=registry)
    assert n.unit_name is not None and n.unit_name.startswith("Sentetik")
    n = validate("E-40000013-045.01-5", detsis_registry=registry)  # inactive: old letters stay valid
    assert n.warnings == (document_number.INACTIVE_UNIT,)
    with pytest.raises(document_number.InvalidDETSIS) as exc:
        validate("E-66452182-821.05-84954673", detsis_registry=registry)
    assert exc.value.details["error"]["code"] == "detsis.unknown_unit"


def test_fast_path_agrees_with_the_full_grammar() -> None:
    for text, *_ in REAL:
        fast = parse(text)
        slow = parse(" " + text)  # the leading space takes the normalising path
        assert dataclasses.replace(slow, raw=text) == fast


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.text(max_size=60),
        st.text(alphabet="0123456789.-/E e[]Bİ:Sayı\u2013\u2014", max_size=50),
        st.integers(),
        st.none(),
        st.binary(max_size=10),
    )
)
def test_junk_never_raises_from_is_valid(value: object) -> None:
    assert isinstance(document_number.is_valid(value), bool)
    assert isinstance(document_number.is_valid(value, sdp_catalogue=STARTER), bool)
    if isinstance(value, str):
        assert archive_audit.parse_date(value) is None or len(value.strip()) >= 8


@pytest.mark.parametrize(
    ("text", "reason", "tr"),
    [
        (
            "E-66452182-821.05-",
            "missing",
            "“E-66452182-821.05-” sayısında SDP kodundan sonra kayıt numarası yok.",
        ),
        ("E-66452182-821.05-12x", "digits", "Sayıdaki “12x” kayıt numarası geçersiz: yalnızca rakamlardan"),
        ("E-66452182-821.05-1234567890123", "length", "kayıt numarası geçersiz: 12 haneden uzun."),
        (
            "E-66452182-821.05-E.12",
            "double_e",
            "E- ile başlayan bir sayıda kayıt numarasının önüne ayrıca E.",
        ),
        ("66452182-821.05-12/", "missing_general", "“12/” kayıt numarası geçersiz: “/” işaretinden sonra"),
        ("E-66452182-821.05-12/34", "slash", "birim/genel kayıt numarası (…/…) biçimi kabul edilmiyor."),
    ],
)
def test_record_errors_name_the_reason(text: str, reason: str, tr: str) -> None:
    with pytest.raises(document_number.InvalidRecord) as info:
        parse(text, rules=SayiRules(slash_in_2020=False))
    assert info.value.details["reason"] == reason
    assert tr in info.value.localized("tr")
    assert "{" not in info.value.localized("en") and "{" not in info.value.localized("tr")
