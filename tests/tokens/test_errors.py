"""The one table mapping python-pkcs11 exceptions to our stable codes."""

from __future__ import annotations

import pkcs11
import pkcs11.exceptions as p11
import pytest

from ebys_support import i18n
from ebys_support.tokens import errors
from ebys_support.tokens.errors import PKCS11_ERRORS, TokenError, from_pkcs11

EXPECTED = {
    p11.TokenNotPresent: "token.not_present",
    p11.NoSuchToken: "token.not_found",
    p11.MultipleTokensReturned: "token.multiple",
    p11.TokenNotRecognised: "token.not_recognized",
    p11.DeviceRemoved: "token.removed",
    p11.DeviceError: "token.device_error",
    p11.FunctionFailed: "token.device_error",
    p11.GeneralError: "token.device_error",
    p11.UserPinNotInitialized: "token.pin_not_initialized",
    p11.PinIncorrect: "token.pin_incorrect",
    p11.PinLocked: "token.pin_locked",
    p11.PinLenRange: "token.pin_format",
    p11.PinInvalid: "token.pin_format",
    p11.PinExpired: "token.pin_expired",
    p11.UserNotLoggedIn: "token.not_logged_in",
    p11.UserAlreadyLoggedIn: "token.already_logged_in",
    p11.MechanismInvalid: "token.mechanism_invalid",
    p11.MechanismParamInvalid: "token.mechanism_invalid",
    p11.NoSuchKey: "token.key_missing",
    p11.MultipleObjectsReturned: "token.multiple_objects",
    p11.SessionClosed: "token.session_error",
    p11.SessionHandleInvalid: "token.session_error",
    p11.ArgumentsBad: "token.error",
}


@pytest.mark.parametrize(("exc", "code"), list(EXPECTED.items()), ids=lambda v: getattr(v, "__name__", v))
def test_mapped_by_class(exc: type[Exception], code: str) -> None:
    err = from_pkcs11(exc(), module="/x.so")
    assert err.code == code
    assert err.details["pkcs11"] == exc.__name__ and err.details["module"] == "/x.so"
    assert i18n.has(code)
    assert err.localized("tr") != err.localized("en")


def test_every_class_in_the_table_and_module_has_both_languages() -> None:
    classes = {v for v in PKCS11_ERRORS.values()} | {
        getattr(errors, name) for name in errors.__all__ if isinstance(getattr(errors, name), type)
    }
    for klass in classes:
        assert issubclass(klass, TokenError)
        for lang in ("tr", "en"):
            assert i18n.message(klass.code, lang) != klass.code, klass


def test_ours_pass_through_and_gain_details() -> None:
    ours = errors.PinLocked()
    assert from_pkcs11(ours, token="x") is ours and ours.details["token"] == "x"


def test_status_and_exit_codes() -> None:
    assert errors.PinLocked.http_status == 403 and errors.PinLocked.exit_code == 1
    assert errors.ModuleLoadFailed.exit_code == 5
    assert errors.NoSlots.http_status == 503


def test_pkcs11_reexports_same_classes() -> None:
    assert pkcs11.PinLocked is p11.PinLocked
