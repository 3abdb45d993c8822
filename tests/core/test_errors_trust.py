from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from ebys_support import errors, trust


def test_translate_foreign_validation_errors() -> None:
    class ValidationError(ValueError):
        code = "sdp.invalid_format"
        details = {"code": "1"}

    err = errors.translate(ValidationError("bad"))
    assert isinstance(err, errors.ValidationFailed)
    assert err.code == "sdp.invalid_format"
    assert err.exit_code == errors.EXIT_INVALID


def test_translate_unknown_exception_hides_its_message() -> None:
    err = errors.translate(RuntimeError("secret PIN 123456"))
    assert err.code == "ebys.internal"
    assert "123456" not in repr(err.to_dict())


def test_errors_pickle() -> None:
    err = errors.NotFound("auth.unknown_key", details={"name": "x"})
    back = pickle.loads(pickle.dumps(err))
    assert (type(back), back.code, back.details) == (errors.NotFound, "auth.unknown_key", {"name": "x"})


def test_bundled_roots_are_pinned() -> None:
    roots = trust.bundled_roots()
    assert len(roots) == 4
    assert {trust.fingerprint(r) for r in roots} == trust.PINNED_FINGERPRINTS


def test_load_certificates_any_extension(tmp_path: Path) -> None:
    root = trust.bundled_roots()[0]
    (tmp_path / "a.cer").write_bytes(root.dump())
    (tmp_path / "b.txt").write_bytes(b"ignored in a directory")
    named = tmp_path / "c.weird"
    named.write_bytes(root.dump())
    assert len(trust.load_certificates(tmp_path)) == 1
    assert len(trust.load_certificates(named)) == 1
    assert len(trust.roots_with([tmp_path])) == 4


def test_load_certificates_errors(tmp_path: Path) -> None:
    with pytest.raises(errors.InputError) as info:
        trust.load_certificates(tmp_path / "missing.pem")
    assert info.value.code == "input.not_found"
    junk = tmp_path / "junk.pem"
    junk.write_bytes(b"not a certificate")
    with pytest.raises(errors.InputError) as info:
        trust.load_certificates(junk)
    assert info.value.code == "trust.unreadable"
    (tmp_path / "empty").mkdir()
    with pytest.raises(errors.InputError):
        trust.load_certificates(tmp_path / "empty")


def test_state_details_are_offered_as_text() -> None:
    err = errors.EbysError("token.pin_incorrect", details={"tries": "final_try"})
    assert "{tries_text}" not in err.localized("tr")
    assert "{tries_text}" not in err.localized("en")
