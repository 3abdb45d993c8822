"""Our own verifier (ebys_support.verification) accepts what we sign, at the profile we claim."""

from __future__ import annotations

from typing import Any

import pytest

from ebys_support.signing import cades
from ebys_support.signing.pades import sign_pdf
from ebys_support.signing.xades import sign_xml

CONTENT = b"Belediye yazisi"


@pytest.fixture(scope="module")
def verifier(pki: Any) -> Any:
    from ebys_support.verification import Verifier

    return Verifier(trust=[pki.root], revocation="online")


def _show(report: Any) -> str:
    return str(report.to_dict() if hasattr(report, "to_dict") else report)


@pytest.mark.parametrize("profile", ["P1", "P2", "P3", "P4"])
def test_cades(verifier: Any, pki: Any, p12: Any, profile: str) -> None:
    sig = cades.sign(
        CONTENT, p12("rsa"), profile, tsa=pki.tsa_url if profile != "P1" else None, trust=[pki.root]
    )
    report = verifier.verify(sig)
    assert report.indication == "TOTAL_PASSED", _show(report)
    assert report.signatures[0].profile == profile, _show(report)


@pytest.mark.parametrize(
    ("profile", "level"), [("P1", "B-B"), ("P2", "B-T"), ("P4", "B-LT"), ("P4", "B-LTA")]
)
def test_pades(verifier: Any, pki: Any, p12: Any, pdf_bytes: bytes, profile: str, level: str) -> None:
    pdf = sign_pdf(pdf_bytes, p12("rsa"), profile, level=level, tsa=pki.tsa_url, trust=[pki.root])
    report = verifier.verify(pdf)
    assert report.indication == "TOTAL_PASSED", _show(report)
    assert report.signatures[0].profile == profile, _show(report)


@pytest.mark.parametrize("profile", ["P1", "P2"])
def test_xades(verifier: Any, pki: Any, p12: Any, profile: str) -> None:
    xml = sign_xml(
        b"<a>1</a>", p12("rsa"), profile, mode="enveloped", tsa=pki.tsa_url if profile != "P1" else None
    )
    report = verifier.verify(xml)
    assert report.indication == "TOTAL_PASSED", _show(report)
    assert report.signatures[0].profile == profile, _show(report)


def test_serial_parallel_and_upgraded(verifier: Any, pki: Any, p12: Any) -> None:
    from datetime import UTC, datetime, timedelta

    base = cades.sign(CONTENT, p12("rsa"), "P3", tsa=pki.tsa_url)
    serial = cades.countersign(base, p12("ec"), "P2", tsa=pki.tsa_url)
    report = verifier.verify(serial)
    assert report.indication == "TOTAL_PASSED", _show(report)
    assert len(report.signatures[0].counter_signatures) == 1, _show(report)
    parallel = cades.add_parallel(base, p12("ec384"), "P1")
    report = verifier.verify(parallel)
    assert report.indication == "TOTAL_PASSED", _show(report)
    assert len(report.signatures) == 2
    upgraded = cades.upgrade(base, "P4", trust=[pki.root], now=datetime.now(UTC) + timedelta(hours=25))
    report = _offline_verifier(pki).verify(upgraded, at=datetime.now(UTC))
    assert report.indication == "TOTAL_PASSED", _show(report)
    assert report.signatures[0].profile == "P3", _show(report)


def _offline_verifier(pki: Any) -> Any:
    from ebys_support.verification import Verifier

    return Verifier(trust=[pki.root], revocation="offline")
