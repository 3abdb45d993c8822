"""Token errors with stable codes, and the one table that maps python-pkcs11 exceptions to them.

python-pkcs11 raises one exception class per ``CKR_*`` return value and most carry an empty message, so
the class is the only reliable signal: :data:`PKCS11_ERRORS` maps each class (looked up along the MRO)
to one of the :class:`TokenError` subclasses below, and :func:`from_pkcs11` is the single place where a
``pkcs11.PKCS11Error`` becomes one of ours. Everything that talks to a module (the token doctor, the
signers of :mod:`ebys_support.signing`) uses this table, so the same card fault always carries the same
code and the same remedy.

>>> import pkcs11
>>> err = from_pkcs11(pkcs11.PinLocked())
>>> err.code, type(err).__name__
('token.pin_locked', 'PinLocked')
>>> from_pkcs11(pkcs11.MechanismInvalid()).code
'token.mechanism_invalid'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import pkcs11.exceptions as p11

from ebys_support.errors import EXIT_INTERNAL, EXIT_INVALID, EbysError

__all__ = [
    "TokenError",
    "ModuleNotFound",
    "ModuleLoadFailed",
    "NoSlots",
    "TokenNotPresent",
    "TokenNotFound",
    "MultipleTokens",
    "TokenNotRecognized",
    "TokenNotInitialized",
    "TokenRemoved",
    "DeviceFault",
    "PinError",
    "PinNotInitialized",
    "PinIncorrect",
    "PinLocked",
    "PinFinalTry",
    "PinFormat",
    "PinExpired",
    "PinRequired",
    "NotLoggedIn",
    "AlreadyLoggedIn",
    "MechanismInvalid",
    "KeyMissing",
    "CertificateMissing",
    "NoSigningCertificate",
    "MultipleObjects",
    "SelfTestFailed",
    "SessionFault",
    "PKCS11_ERRORS",
    "from_pkcs11",
]


class TokenError(EbysError):
    """A smart card, USB token or PKCS#11 module is not usable as needed.

    The token is a local dependency: for the service that is a 503; for the CLI exit 1 (the thing
    examined is at fault, not our program).
    """

    code: ClassVar[str] = "token.error"
    exit_code: ClassVar[int] = EXIT_INVALID
    http_status: ClassVar[int] = 503


class ModuleNotFound(TokenError):
    """No PKCS#11 module file at the given path (middleware not installed, or a wrong path)."""

    code = "token.module_not_found"
    exit_code = EXIT_INTERNAL


class ModuleLoadFailed(TokenError):
    """The file exists but cannot be loaded as a PKCS#11 module (wrong architecture, not a module)."""

    code = "token.module_load_failed"
    exit_code = EXIT_INTERNAL


class NoSlots(TokenError):
    """The module reports no slot at all: no reader attached, or the smart-card service is stopped."""

    code = "token.no_slots"


class TokenNotPresent(TokenError):
    """Readers are there, but no card is inserted."""

    code = "token.not_present"


class TokenNotFound(TokenError):
    """No token with the requested label or serial number."""

    code = "token.not_found"


class MultipleTokens(TokenError):
    """Several tokens match; a label or serial number must choose one."""

    code = "token.multiple"


class TokenNotRecognized(TokenError):
    """A card is inserted but the module does not know it (wrong middleware for this card)."""

    code = "token.not_recognized"


class TokenNotInitialized(TokenError):
    """The token has never been initialised (blank card)."""

    code = "token.not_initialized"


class TokenRemoved(TokenError):
    """The card was pulled out during the operation."""

    code = "token.removed"


class DeviceFault(TokenError):
    """The card or reader reported a hardware or general failure."""

    code = "token.device_error"


class PinError(TokenError):
    """Base of the PIN problems; HTTP 403 because the credential, not the server, is at fault."""

    code = "token.pin_error"
    http_status = 403


class PinNotInitialized(PinError):
    """The user PIN was never set: a new card whose PIN has not been fetched from KamuSM."""

    code = "token.pin_not_initialized"


class PinIncorrect(PinError):
    """The card rejected the PIN (one try was used)."""

    code = "token.pin_incorrect"


class PinLocked(PinError):
    """The PIN is blocked; only the PUK, through KamuSM, unblocks it."""

    code = "token.pin_locked"


class PinFinalTry(PinError):
    """One more wrong PIN would block the card, so nothing logs in automatically."""

    code = "token.pin_final_try"


class PinFormat(PinError):
    """The PIN has the wrong length or characters for this card."""

    code = "token.pin_format"
    http_status = 400


class PinExpired(PinError):
    """The card says the PIN must be changed before use."""

    code = "token.pin_expired"


class PinRequired(PinError):
    """The operation needs the user's PIN and none was given."""

    code = "token.pin_required"
    http_status = 400


class NotLoggedIn(PinError):
    """The card wants a login (or a re-login for this key) before the operation."""

    code = "token.not_logged_in"


class AlreadyLoggedIn(TokenError):
    """This process is already logged in to the token (login is per token per process)."""

    code = "token.already_logged_in"
    http_status = 409


class MechanismInvalid(TokenError):
    """The card does not offer the signature mechanism asked for."""

    code = "token.mechanism_invalid"


class KeyMissing(TokenError):
    """No key object pairs with the certificate (or the key asked for does not exist)."""

    code = "token.key_missing"
    http_status = 422


class CertificateMissing(TokenError):
    """The token holds no certificate (or none for the key asked for)."""

    code = "token.certificate_missing"
    http_status = 422


class NoSigningCertificate(TokenError):
    """The token's certificates cannot sign (for example only an encryption certificate)."""

    code = "token.no_signing_certificate"
    http_status = 422


class MultipleObjects(TokenError):
    """Several objects match where one was expected; select by CKA_ID."""

    code = "token.multiple_objects"
    http_status = 422


class SelfTestFailed(TokenError):
    """The token produced a signature that the certificate's public key does not verify."""

    code = "token.selftest_failed"


class SessionFault(TokenError):
    """The PKCS#11 session was closed or became invalid (card pulled, service restarted)."""

    code = "token.session_error"


#: python-pkcs11 exception class -> our error class. Looked up along the exception's MRO, so a class
#: missing here falls back to :class:`TokenError` with the PKCS#11 class name in ``details``.
PKCS11_ERRORS: Mapping[type[p11.PKCS11Error], type[TokenError]] = {
    p11.TokenNotPresent: TokenNotPresent,
    p11.NoSuchToken: TokenNotFound,
    p11.MultipleTokensReturned: MultipleTokens,
    p11.TokenNotRecognised: TokenNotRecognized,
    p11.DeviceRemoved: TokenRemoved,
    p11.DeviceError: DeviceFault,
    p11.DeviceMemory: DeviceFault,
    p11.FunctionFailed: DeviceFault,
    p11.GeneralError: DeviceFault,
    p11.SlotIDInvalid: TokenRemoved,
    p11.UserPinNotInitialized: PinNotInitialized,
    p11.PinIncorrect: PinIncorrect,
    p11.PinLocked: PinLocked,
    p11.PinLenRange: PinFormat,
    p11.PinInvalid: PinFormat,
    p11.PinExpired: PinExpired,
    p11.UserNotLoggedIn: NotLoggedIn,
    p11.UserAlreadyLoggedIn: AlreadyLoggedIn,
    p11.AnotherUserAlreadyLoggedIn: AlreadyLoggedIn,
    p11.MechanismInvalid: MechanismInvalid,
    p11.MechanismParamInvalid: MechanismInvalid,
    p11.FunctionNotSupported: MechanismInvalid,
    p11.KeyTypeInconsistent: MechanismInvalid,
    p11.NoSuchKey: KeyMissing,
    p11.KeyHandleInvalid: KeyMissing,
    p11.MultipleObjectsReturned: MultipleObjects,
    p11.SessionClosed: SessionFault,
    p11.SessionHandleInvalid: SessionFault,
    p11.SessionCount: SessionFault,
}


def from_pkcs11(exc: BaseException, **details: Any) -> TokenError:
    """Our :class:`TokenError` for a python-pkcs11 exception (unchanged when it already is ours).

    :param exc: the exception raised by python-pkcs11.
    :param details: facts to attach (``module``, ``token`` ...); ``pkcs11`` is set to the exception's
        class name so the original signal stays visible in JSON output and logs.
    """
    if isinstance(exc, TokenError):
        if details:
            exc.details.update(details)
        return exc
    target: type[TokenError] = TokenError
    for klass in type(exc).__mro__:
        mapped = PKCS11_ERRORS.get(klass)  # type: ignore[call-overload]
        if mapped is not None:
            target = mapped
            break
    return target(details={"pkcs11": type(exc).__name__, **details})
