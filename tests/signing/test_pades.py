"""PAdES B-B … B-LTA: validated by pyHanko (B-LT offline, from the DSS alone)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator import ValidationContext

from ebys_support.errors import UsageError
from ebys_support.signing import NotAPDF, TSAUnavailable, UnsupportedProfile, get_profile
from ebys_support.signing.pades import VisibleSignature, sign_pdf
from tests.signing.conftest import attr_names


@pytest.fixture(scope="module")
def signed_pdfs(pki: Any, p12: Any, pdf_bytes: bytes) -> dict[tuple[str, str], bytes]:
    out = {}
    for prof, level in (("P1", "B-B"), ("P2", "B-T"), ("P3", "B-T"), ("P4", "B-LT"), ("P4", "B-LTA")):
        result = sign_pdf(pdf_bytes, p12("rsa"), prof, level=level, tsa=pki.tsa_url, trust=[pki.root])
        assert result is not None
        out[(prof, level)] = result
    return out


def _reader(data: bytes) -> PdfFileReader:
    return PdfFileReader(io.BytesIO(data))


@pytest.mark.parametrize(
    ("profile", "level"), [("P1", "B-B"), ("P2", "B-T"), ("P3", "B-T"), ("P4", "B-LT"), ("P4", "B-LTA")]
)
def test_pyhanko_validates(signed_pdfs: Any, pki: Any, profile: str, level: str) -> None:
    r = _reader(signed_pdfs[(profile, level)])
    (sig,) = r.embedded_regular_signatures
    if level in ("B-LT", "B-LTA"):
        # Offline: everything needed comes from the DSS.
        vc = DocumentSecurityStore.read_dss(r).as_validation_context(
            {"trust_roots": [pki.root], "allow_fetching": False, "revocation_mode": "hard-fail"}
        )
    else:
        vc = ValidationContext(trust_roots=[pki.root], allow_fetching=True)
    status = validate_pdf_signature(sig, vc)
    assert status.bottom_line, status.pretty_print_details()
    # The CMS of the signature: ETSI.CAdES.detached, no signing-time, no unsigned attributes.
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    si = sig.signer_info
    names = attr_names(si)
    assert "signing_time" not in names
    assert attr_names(si, signed=False) == set()
    expected_attrs = {"content_type", "message_digest", "signing_certificate_v2"}
    if profile != "P1":
        expected_attrs.add("signature_policy_identifier")
    assert names == expected_attrs
    if profile != "P1":
        pid = [a for a in si["signed_attrs"] if a["type"].native == "signature_policy_identifier"][0]
        assert pid["values"][0].chosen["sig_policy_id"].dotted == get_profile(profile).policy_oid
    # The signature time-stamp is a document time-stamp.
    timestamps = r.embedded_timestamp_signatures
    expected = {"B-B": 0, "B-T": 1, "B-LT": 1, "B-LTA": 2}[level]
    assert len(timestamps) == expected
    for ts in timestamps:
        assert ts.sig_object["/SubFilter"] == "/ETSI.RFC3161"
        assert ts.sig_object["/Type"] == "/DocTimeStamp"
        ts_status = validate_pdf_timestamp(ts, ValidationContext(trust_roots=[pki.root], allow_fetching=True))
        assert ts_status.valid and ts_status.intact
    assert ("/DSS" in r.root) == (level in ("B-LT", "B-LTA"))


def test_visible_signature_on_a_chosen_page(pki: Any, p12: Any, pdf_bytes: bytes, tmp_path: Path) -> None:
    out = tmp_path / "imzali.pdf"
    sign_pdf(
        pdf_bytes,
        p12("ec"),
        "P1",
        output=out,
        visible=VisibleSignature(page=2, box=(40, 40, 300, 110), title="Bilgi İşlem Müdürü"),
    )
    r = _reader(out.read_bytes())
    (sig,) = r.embedded_regular_signatures
    annot = sig.sig_field
    kids = r.root["/Pages"]["/Kids"]
    assert "/Annots" not in kids[0]
    assert len(kids[1]["/Annots"]) == 1
    assert [int(x) for x in annot["/Rect"]] == [40, 40, 300, 110]
    assert "/AP" in annot
    assert validate_pdf_signature(sig, ValidationContext(trust_roots=[pki.root])).intact
    assert not list(tmp_path.glob("*.part"))


def test_file_output_is_atomic(p12: Any, tmp_path: Path) -> None:
    out = tmp_path / "out.pdf"
    with pytest.raises(NotAPDF) as exc:
        sign_pdf(b"this is not a pdf", p12("rsa"), "P1", output=out)
    assert exc.value.code == "signing.not_a_pdf"
    assert list(tmp_path.iterdir()) == []


def test_level_too_weak_for_profile(p12: Any, pdf_bytes: bytes, pki: Any) -> None:
    with pytest.raises(UnsupportedProfile):
        sign_pdf(pdf_bytes, p12("rsa"), "P4", level="B-B", tsa=pki.tsa_url)
    with pytest.raises(UnsupportedProfile):
        sign_pdf(pdf_bytes, p12("rsa"), "P2", level="B-X", tsa=pki.tsa_url)


def test_tsa_required_and_unavailable(p12: Any, pdf_bytes: bytes, dead_url: str, tmp_path: Path) -> None:
    with pytest.raises(UsageError) as exc:
        sign_pdf(pdf_bytes, p12("rsa"), "P2")
    assert exc.value.code == "signing.tsa_required"
    out = tmp_path / "x.pdf"
    with pytest.raises(TSAUnavailable):
        sign_pdf(pdf_bytes, p12("rsa"), "P2", tsa=dead_url, output=out)
    assert not out.exists() and not list(tmp_path.iterdir())


def test_bad_page(p12: Any, pdf_bytes: bytes) -> None:
    with pytest.raises(UsageError) as exc:
        sign_pdf(pdf_bytes, p12("rsa"), "P1", visible=VisibleSignature(page=9))
    assert exc.value.code == "signing.bad_page"


def test_second_signature_keeps_the_first(pki: Any, p12: Any, signed_pdfs: Any) -> None:
    first = signed_pdfs[("P2", "B-T")]
    second = sign_pdf(first, p12("ec"), "P1")
    assert second is not None and second.startswith(first)
    r = _reader(second)
    sigs = r.embedded_regular_signatures
    assert len(sigs) == 2
    assert len({s.field_name for s in sigs}) == 2
    vc = ValidationContext(trust_roots=[pki.root], allow_fetching=True)
    for sig in sigs:
        assert validate_pdf_signature(sig, vc).bottom_line


def test_upgrade_p3_pdf_after_grace(signed_pdfs: Any, pki: Any, tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from ebys_support.signing import GracePeriodNotOver
    from ebys_support.signing.pades import upgrade_pdf

    p3 = signed_pdfs[("P3", "B-T")]
    with pytest.raises(GracePeriodNotOver):
        upgrade_pdf(p3, "P4", trust=[pki.root])
    out = tmp_path / "p3-lt.pdf"
    upgrade_pdf(p3, "P4", output=out, trust=[pki.root], now=datetime.now(UTC) + timedelta(hours=25))
    r = _reader(out.read_bytes())
    assert "/DSS" in r.root
    (sig,) = r.embedded_regular_signatures
    vc = DocumentSecurityStore.read_dss(r).as_validation_context(
        {"trust_roots": [pki.root], "allow_fetching": False, "revocation_mode": "hard-fail"}
    )
    assert validate_pdf_signature(sig, vc).bottom_line
    with pytest.raises(UnsupportedProfile):
        upgrade_pdf(signed_pdfs[("P2", "B-T")], "P4", now=datetime.now(UTC) + timedelta(days=2))
    # Already long-term: unchanged.
    lt = signed_pdfs[("P4", "B-LT")]
    assert upgrade_pdf(lt, "P4") == lt


# -- review: levels per profile, /M, chain only where allowed, time-stamp window ----------------------


@pytest.mark.parametrize(
    ("profile", "level"), [("P1", "B-LT"), ("P1", "B-LTA"), ("P2", "B-LT"), ("P3", "B-LT"), ("P4", "B-T")]
)
def test_levels_the_profile_forbids(p12: Any, pdf_bytes: bytes, pki: Any, profile: str, level: str) -> None:
    # A /DSS is validation data: forbidden in P1/P2, and a P3 PDF gets it from `upgrade` after the grace.
    with pytest.raises(UnsupportedProfile) as exc:
        sign_pdf(pdf_bytes, p12("rsa"), profile, level=level, tsa=pki.tsa_url)
    assert exc.value.details["reason"] == "pades_level"
    allowed = ", ".join(get_profile(profile).pades_levels)
    assert f"allowed: {allowed}" in exc.value.localized("en")
    assert f"izin verilenler: {allowed}" in exc.value.localized("tr")


def test_p1_b_t_has_a_doc_timestamp_and_no_dss(p12: Any, pdf_bytes: bytes, pki: Any) -> None:
    out = sign_pdf(pdf_bytes, p12("ec"), "P1", level="b-t", tsa=pki.tsa_url)
    assert out is not None
    r = _reader(out)
    assert len(r.embedded_timestamp_signatures) == 1
    assert "/DSS" not in r.root


@pytest.mark.parametrize(("profile", "level"), [("P1", "B-B"), ("P2", "B-T"), ("P3", "B-T"), ("P4", "B-LT")])
def test_signing_time_is_the_pdf_m_and_chain_follows_the_profile(
    signed_pdfs: Any, pki: Any, profile: str, level: str
) -> None:
    from datetime import UTC, datetime, timedelta

    from pyhanko.pdf_utils.generic import parse_pdf_date

    r = _reader(signed_pdfs[(profile, level)])
    (sig,) = r.embedded_regular_signatures
    m = parse_pdf_date(str(sig.sig_object["/M"]))
    assert abs(datetime.now(UTC) - m) < timedelta(hours=1)
    for ts in r.embedded_timestamp_signatures:
        gen = ts.signed_data["encap_content_info"]["content"].parsed["gen_time"].native
        assert timedelta(seconds=-5) <= gen - m <= get_profile(profile).timestamp_max_delay
    subjects = [c.chosen.subject for c in sig.signed_data["certificates"]]
    assert len({s.dump() for s in subjects}) == len(subjects)  # no certificate twice
    if profile in ("P1", "P2"):
        assert subjects == [pki.signer("rsa").cert.subject]
    else:
        assert pki.ca.subject in subjects


def test_doc_timestamp_outside_the_window(p12: Any, pdf_bytes: bytes, pki: Any, tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from ebys_support.signing import TimestampOutOfWindow, TSAClient
    from tests.fixtures.pki import FAKE_TIME_HEADER

    tsa = TSAClient(pki.tsa_url)
    # A TSA three hours ahead of this computer's clock: /M would be 3 h before the time-stamp.
    tsa._http.headers[FAKE_TIME_HEADER] = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
    out = tmp_path / "late.pdf"
    with pytest.raises(TimestampOutOfWindow) as exc:
        sign_pdf(pdf_bytes, p12("rsa"), "P2", tsa=tsa, output=out)
    assert exc.value.code == "signing.timestamp_out_of_window"
    assert list(tmp_path.iterdir()) == []
    tsa.close()


def test_upgrade_pdf_refusals_explain(signed_pdfs: Any) -> None:
    from datetime import UTC, datetime, timedelta

    from ebys_support.signing.pades import upgrade_pdf

    later = datetime.now(UTC) + timedelta(days=2)
    with pytest.raises(UnsupportedProfile) as exc:
        upgrade_pdf(signed_pdfs[("P2", "B-T")], "P4", now=later)
    assert exc.value.details["reason"] == "upgrade_p2"
    with pytest.raises(UnsupportedProfile) as exc:
        upgrade_pdf(signed_pdfs[("P1", "B-B")], "P4", now=later)
    assert exc.value.details["reason"] == "upgrade_p1"
    with pytest.raises(UnsupportedProfile) as exc:
        upgrade_pdf(signed_pdfs[("P3", "B-T")], "B-LT")
    assert exc.value.details["reason"] == "upgrade_target"
