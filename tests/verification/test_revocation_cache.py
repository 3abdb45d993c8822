"""Online revocation: fetched answers are cached on disk and shared; an unreachable responder is TRY_LATER;
XML and format errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ebys_support.errors import InputError
from ebys_support.verification import TOTAL_PASSED, Verifier, detect_format
from ebys_support.verification.revocation import classify, load_revocation_data
from tests.verification import _helpers as h

DATA = b"onbellek"


def test_disk_cache_is_shared_between_verifiers(pki: Any, tmp_path: Path) -> None:
    der = h.cades(pki, "rsa", DATA, attached=True)
    first = Verifier(trust=[pki.root], revocation="online", cache_dir=tmp_path, timeout=5)
    assert first.verify(der).indication == TOTAL_PASSED
    assert first.revocation.fetch_count >= 1
    assert any((tmp_path / "ocsp").iterdir())
    second = Verifier(trust=[pki.root], revocation="online", cache_dir=tmp_path, timeout=5)
    assert second.verify(der).indication == TOTAL_PASSED
    assert second.revocation.fetch_count == 0  # another worker's answers, read from the folder


def test_unreachable_responder_is_try_later(pki: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # A real network failure: every HTTP request goes to a proxy port where nothing listens.
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "")
    monkeypatch.delenv("no_proxy", raising=False)
    v = Verifier(trust=[pki.root], revocation="online", timeout=2)
    report = v.verify(h.cades(pki, "ec", DATA, attached=True))
    sig = report.signatures[0]
    assert (sig.indication, sig.sub_indication) == ("INDETERMINATE", "TRY_LATER")
    assert "verify.revocation.unreachable" in {c.code for c in sig.checks}


def test_revocation_data_files(pki: Any, tmp_path: Path, ca_crl: bytes) -> None:
    import base64

    pem = b"-----BEGIN X509 CRL-----\n" + base64.encodebytes(ca_crl) + b"-----END X509 CRL-----\n"
    (tmp_path / "a.pem").write_bytes(pem)
    (tmp_path / "b.ocsp").write_bytes(bytes(pki.fetch_ocsp("rsa")))
    (tmp_path / "notes.txt").write_bytes(b"ignored in a directory")
    found = load_revocation_data([tmp_path])
    assert sorted(classify(x) for x in found) == ["crl", "ocsp"]
    with pytest.raises(InputError) as err:
        load_revocation_data([tmp_path / "missing"])
    assert err.value.code == "input.not_found"


def test_xml_errors(offline: Verifier) -> None:
    with pytest.raises(InputError) as err:
        offline.verify(b"<a><b></a>")
    assert err.value.code == "verify.unreadable_xml"
    with pytest.raises(InputError) as err:
        offline.verify(b"<?xml version='1.0'?><a>no signature</a>")
    assert err.value.code == "verify.not_signed"
    with pytest.raises(InputError) as err:
        detect_format(b"\x00\x01binary")
    assert err.value.code == "verify.unknown_format"
