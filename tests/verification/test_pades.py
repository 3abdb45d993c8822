"""PAdES: pyHanko-made and our own PDF signatures, byte ranges, later incremental updates, DSS offline."""

from __future__ import annotations

import io
import logging
from typing import Any

import pytest

from ebys_support.errors import InputError
from ebys_support.verification import TOTAL_FAILED, TOTAL_PASSED, Verifier
from tests.verification import _helpers as h


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return h.minimal_pdf(1)


@pytest.fixture(scope="module")
def signed_bb(pki: Any, pdf: bytes) -> bytes:
    return h.pyhanko_pdf(pki, "rsa", pdf)


def test_pyhanko_bb_passes(signed_bb: bytes, offline: Verifier) -> None:
    report = offline.verify(signed_bb)
    assert report.format == "PAdES"
    assert report.indication == TOTAL_PASSED, report.to_json()
    sig = report.signatures[0]
    assert sig.profile == "P1" and sig.level == "B-B"
    assert {c.code for c in sig.checks} >= {"verify.pdf.byte_range_ok", "verify.pdf.no_changes"}


def test_flipped_byte_in_signed_range(signed_bb: bytes, offline: Verifier) -> None:
    data = bytearray(signed_bb)
    i = data.index(b"/MediaBox")
    data[i + 15 : i + 16] = b"7" if data[i + 15 : i + 16] != b"7" else b"8"
    report = offline.verify(bytes(data))
    assert report.signatures[0].indication == TOTAL_FAILED, report.to_json()
    assert report.signatures[0].sub_indication == "HASH_FAILURE"


def test_incremental_update_after_signing(signed_bb: bytes, offline: Verifier) -> None:
    report = offline.verify(h.pdf_change_page(signed_bb))
    sig = report.signatures[0]
    assert (sig.indication, sig.sub_indication) == ("TOTAL_FAILED", "FORMAT_FAILURE"), report.to_json()
    assert "verify.pdf.modified" in {c.code for c in sig.checks}


def test_new_page_content_after_signing(
    signed_bb: bytes, offline: Verifier, caplog: pytest.LogCaptureFixture
) -> None:
    """New page content in a later revision: failed, told in words, and no pyHanko traceback logged."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    w = IncrementalPdfFileWriter(io.BytesIO(signed_bb))
    page = w.root["/Pages"]["/Kids"][0].get_object()
    page["/Contents"] = w.add_object(generic.StreamObject(stream_data=b"BT /F1 24 Tf 10 10 Td (SAHTE) Tj ET"))
    w.update_container(page)
    out = io.BytesIO()
    w.write(out)
    with caplog.at_level(logging.WARNING):
        report = offline.verify(out.getvalue())
    assert not [r for r in caplog.records if r.name.startswith("pyhanko")]
    sig = report.signatures[0]
    assert (sig.indication, sig.sub_indication) == ("TOTAL_FAILED", "FORMAT_FAILURE")
    check = next(c for c in sig.checks if c.code == "verify.pdf.modified")
    assert (
        check.message("tr")
        == "Belge imzadan sonra değiştirilmiş (sonradan 1 güncelleme: içerikte ya da yapıda değişiklik)."
    )
    assert "\n" not in check.message("en")


def test_two_signatures_and_later_signature_is_allowed(pki: Any, signed_bb: bytes, offline: Verifier) -> None:
    both = h.pyhanko_pdf(pki, "ec", signed_bb, field="Sig2")
    report = offline.verify(both)
    assert len(report.signatures) == 2
    assert report.indication == TOTAL_PASSED, report.to_json()
    first = report.signatures[0]
    assert "verify.pdf.allowed_updates" in {c.code for c in first.checks}


def test_pyhanko_lt_offline_from_dss(pki: Any, pdf: bytes, offline_bare: Verifier) -> None:
    signed = h.pyhanko_pdf(pki, "ec", pdf, lt=True)
    report = offline_bare.verify(signed)
    sig = report.signatures[0]
    assert report.indication == TOTAL_PASSED, report.to_json()
    assert sig.level == "B-LT"
    assert sig.signing_time is not None and sig.signing_time["source"] == "timestamp"


def test_revoked_signer_in_pdf(pki: Any, pdf: bytes, online: Verifier) -> None:
    report = online.verify(h.pyhanko_pdf(pki, "revoked", pdf, timestamp=True))
    assert (report.signatures[0].indication, report.signatures[0].sub_indication) == (
        "TOTAL_FAILED",
        "REVOKED",
    )


def test_unsigned_and_broken_pdfs(pdf: bytes, offline: Verifier) -> None:
    with pytest.raises(InputError) as err:
        offline.verify(pdf)
    assert err.value.code == "verify.not_signed"
    with pytest.raises(InputError) as err:
        offline.verify(b"%PDF-1.7\n garbage")
    assert err.value.code == "verify.unreadable_pdf"
