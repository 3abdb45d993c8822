"""Opening a PKCS#11 module and a token, reading its flags afresh, and the one PIN-safe login.

These helpers are shared by the token doctor and the signers (:mod:`ebys_support.signing`):

- :func:`load_module` loads a module once per process, mapping a missing file or a failed ``dlopen`` to
  ``token.module_not_found`` / ``token.module_load_failed``;
- :func:`open_token` finds one token by label or serial (slot ids are unstable: never by slot number);
- :func:`fresh_flags` re-reads the token's flags with ``slot.get_token()`` (``Token.flags`` is a
  snapshot taken when the ``Token`` object was made);
- :func:`pin_state` decodes the PIN counters, and :func:`login` makes **at most one** ``C_Login`` with a
  PIN the user gave, refusing outright when the card says the next wrong PIN would lock it, or that it is
  locked. The PIN is never logged, never stored and never part of an error's details.

All PKCS#11 calls of the process go through :data:`TOKEN_LOCK` where it matters (the service is
multi-threaded and login state is per token per process).
"""

from __future__ import annotations

import enum
import os
import threading
from dataclasses import dataclass
from typing import Any

import pkcs11
import pkcs11.exceptions as p11
from pkcs11 import SlotFlag, TokenFlag

from ebys_support.tokens.errors import (
    AlreadyLoggedIn,
    ModuleLoadFailed,
    ModuleNotFound,
    MultipleTokens,
    NoSlots,
    PinError,
    PinFinalTry,
    PinFormat,
    PinLocked,
    PinNotInitialized,
    PinRequired,
    TokenError,
    TokenNotFound,
    TokenNotPresent,
    from_pkcs11,
)

__all__ = [
    "TOKEN_LOCK",
    "PinState",
    "LoginResult",
    "load_module",
    "load_failure_cause",
    "open_token",
    "find_token",
    "present_tokens",
    "fresh_token",
    "fresh_flags",
    "flag_names",
    "pin_state",
    "check_pin_allowed",
    "login",
]

#: Serialises PKCS#11 work inside one process (the service's worker threads share the loaded modules).
TOKEN_LOCK = threading.RLock()


class PinState(enum.StrEnum):
    """What the token's flags say about the user PIN's try counter."""

    OK = "ok"
    COUNT_LOW = "count_low"
    FINAL_TRY = "final_try"
    LOCKED = "locked"
    NOT_INITIALIZED = "not_initialized"


@dataclass(frozen=True)
class LoginResult:
    """An open, logged-in session and how the PIN state was learned."""

    session: Any
    token: Any
    state_before: PinState


def load_module(path: str | os.PathLike[str]) -> Any:
    """Load (once per process) and initialise the PKCS#11 module at ``path``.

    :returns: the ``pkcs11.lib`` object.
    :raises ModuleNotFound: ``token.module_not_found`` when there is no such file.
    :raises ModuleLoadFailed: ``token.module_load_failed`` when it cannot be loaded as a PKCS#11 module
        (not a module, wrong architecture, missing dependencies); ``details["reason"]`` says why.
    """
    # Absolute, because dlopen() would search a bare or relative name in the system library path.
    text = os.path.abspath(os.path.expanduser(os.fspath(path)))
    if not os.path.isfile(text):
        raise ModuleNotFound(details={"module": text})
    try:
        return pkcs11.lib(text)
    except p11.PKCS11Error as exc:
        reason = str(exc) or type(exc).__name__
        cause = load_failure_cause(reason, loaded=type(exc) is not p11.PKCS11Error)
        raise ModuleLoadFailed(details={"module": text, "reason": reason, "cause": cause}) from exc
    except (OSError, RuntimeError) as exc:  # pragma: no cover - dlopen errors come as PKCS11Error
        cause = load_failure_cause(str(exc), loaded=False)
        raise ModuleLoadFailed(details={"module": text, "reason": str(exc), "cause": cause}) from exc


#: Pieces of the operating system's loader messages (glibc, Windows, macOS) and what they mean.
_LOAD_FAILURE_SIGNS: tuple[tuple[str, str], ...] = (
    ("wrong elf class", "architecture"),
    ("not a valid win32 application", "architecture"),
    ("winerror 193", "architecture"),
    ("incompatible architecture", "architecture"),
    ("c_getfunctionlist", "not_pkcs11"),
    ("invalid elf header", "not_pkcs11"),
    ("file too short", "not_pkcs11"),
    ("not a mach-o file", "not_pkcs11"),
    ("position-independent executable", "not_pkcs11"),
    ("cannot open shared object file", "dependency"),
    ("winerror 126", "dependency"),
    ("library not loaded", "dependency"),
)


def load_failure_cause(reason: str, *, loaded: bool) -> str:
    """Why a module did not load, for the remedy: ``architecture`` (32/64-bit mismatch), ``not_pkcs11``
    (not a PKCS#11 module at all), ``dependency`` (a library it needs is missing), ``initialize`` (it
    loaded but its ``C_Initialize`` failed) or ``unknown``.

    >>> load_failure_cause("x.so: wrong ELF class: ELFCLASS32", loaded=False)
    'architecture'
    >>> load_failure_cause("x.so: undefined symbol: C_GetFunctionList", loaded=False)
    'not_pkcs11'
    """
    if loaded:
        return "initialize"
    text = reason.lower()
    for sign, cause in _LOAD_FAILURE_SIGNS:
        if sign in text:
            return cause
    return "unknown"


def present_tokens(lib: Any) -> list[Any]:
    """The tokens in slots that report a card present, in slot order.

    A token the module cannot read (not recognised, pulled out meanwhile) is skipped here; the doctor
    examines such slots itself.

    :raises NoSlots: ``token.no_slots`` when the module reports no slot at all.
    """
    try:
        slots = lib.get_slots()
    except p11.PKCS11Error as exc:
        raise from_pkcs11(exc) from exc
    if not slots:
        raise NoSlots()
    tokens = []
    for slot in slots:
        if not slot.flags & SlotFlag.TOKEN_PRESENT:
            continue
        try:
            tokens.append(slot.get_token())
        except (p11.TokenNotPresent, p11.TokenNotRecognised, p11.DeviceRemoved):
            continue
    return tokens


def find_token(lib: Any, label: str | None = None, serial: str | bytes | None = None) -> Any:
    """The one token matching ``label`` and/or ``serial`` (or the only initialised token when neither).

    :raises NoSlots: no slot at all.
    :raises TokenNotPresent: slots but no card.
    :raises TokenNotFound: no token with this label/serial (``details["available"]`` lists labels).
    :raises MultipleTokens: several tokens match.
    """
    tokens = present_tokens(lib)
    if not tokens:
        raise TokenNotPresent()
    want_serial = serial.encode() if isinstance(serial, str) else serial
    if label is None and want_serial is None:
        candidates = [t for t in tokens if t.flags & TokenFlag.TOKEN_INITIALIZED] or tokens
    else:
        candidates = [
            t
            for t in tokens
            if (label is None or t.label == label) and (want_serial is None or t.serial == want_serial)
        ]
    if not candidates:
        raise TokenNotFound(
            details={
                "label": label,
                "serial": want_serial.decode("ascii", "replace") if want_serial else None,
                "available": ", ".join(t.label for t in tokens if t.label.strip()) or "-",
            }
        )
    if len(candidates) > 1:
        raise MultipleTokens(details={"available": ", ".join(t.label for t in candidates)})
    return candidates[0]


def open_token(
    module_path: str | os.PathLike[str], label: str | None = None, serial: str | bytes | None = None
) -> Any:
    """Load the module at ``module_path`` and return the ``pkcs11.Token`` chosen by label/serial.

    Nothing is logged in; pass the token to :func:`login` when a PIN is needed.

    :raises TokenError: a subclass with a stable code (see :mod:`ebys_support.tokens.errors`).
    """
    lib = load_module(module_path)
    with TOKEN_LOCK:
        return find_token(lib, label, serial)


def fresh_token(token: Any) -> Any:
    """The same token re-read from its slot (new flags, new label); raises our errors if it is gone."""
    try:
        return token.slot.get_token()
    except p11.PKCS11Error as exc:
        raise from_pkcs11(exc) from exc


def fresh_flags(token: Any) -> TokenFlag:
    """The token's flags as the module reports them now (not the snapshot in ``token.flags``)."""
    return TokenFlag(int(fresh_token(token).flags))


def flag_names(flags: int) -> list[str]:
    """The names of the set :class:`pkcs11.TokenFlag` bits, in bit order (unknown bits as hex)."""
    names = []
    rest = int(flags)
    for member in TokenFlag:
        if member.value and int(flags) & member.value == member.value and member.name:
            names.append(member.name)
            rest &= ~member.value
    if rest:
        names.append(hex(rest))
    return names


def pin_state(flags: int) -> PinState:
    """The user PIN state from token flags (locked beats final try beats count low)."""
    if not flags & TokenFlag.USER_PIN_INITIALIZED:
        return PinState.NOT_INITIALIZED
    if flags & TokenFlag.USER_PIN_LOCKED:
        return PinState.LOCKED
    if flags & TokenFlag.USER_PIN_FINAL_TRY:
        return PinState.FINAL_TRY
    if flags & TokenFlag.USER_PIN_COUNT_LOW:
        return PinState.COUNT_LOW
    return PinState.OK


def check_pin_allowed(flags: int) -> PinState:
    """Refuse a login the card says would be unsafe or pointless; return the state otherwise.

    :raises PinNotInitialized: the user PIN was never set.
    :raises PinLocked: the PIN is blocked.
    :raises PinFinalTry: one wrong PIN would block it: we never spend that try automatically.
    """
    state = pin_state(flags)
    if state is PinState.NOT_INITIALIZED:
        raise PinNotInitialized(details={"tries": state.value})
    if state is PinState.LOCKED:
        raise PinLocked(details={"tries": state.value, "login_attempted": False})
    if state is PinState.FINAL_TRY:
        raise PinFinalTry(details={"tries": state.value, "login_attempted": False})
    return state


def _check_pin_text(pin: str) -> None:
    # Refuse, without touching the card, PINs no card accepts: an empty one, or one carrying white
    # space or control characters (a pasted line ending). Length rules are the card's to enforce.
    if not pin:
        raise PinRequired()
    if any(ch.isspace() or not ch.isprintable() for ch in pin):
        raise PinFormat(details={"reason": "whitespace"})


def login(token: Any, pin: str, *, rw: bool = False) -> LoginResult:
    """Log in to ``token`` with the user's ``pin``: one ``C_Login`` at most, and only when safe.

    The flags are read afresh first; a locked, final-try or uninitialised PIN raises without any login.
    After a failed login the flags are read again and ``details["tries"]`` tells the state the card
    reports now (``details["flags_reported"]`` is False when the card did not even set ``COUNT_LOW``
    after a wrong PIN: its counters cannot be trusted).

    :param token: a ``pkcs11.Token`` (e.g. from :func:`open_token`).
    :param pin: the PIN the user typed. It appears in no error, log or detail.
    :raises PinRequired, PinFormat, PinNotInitialized, PinLocked, PinFinalTry, PinIncorrect, TokenError:
    """
    _check_pin_text(pin)
    with TOKEN_LOCK:
        current = fresh_token(token)
        before = check_pin_allowed(int(current.flags))
        try:
            session = current.open(rw=rw, user_pin=pin)
        except p11.PKCS11Error as exc:
            err = from_pkcs11(exc)
            # python-pkcs11 opens the session and logs in in one call: only a PIN verdict (or "already
            # logged in") proves that C_Login ran; a session or device error may have come before it.
            attempted = isinstance(err, PinError | AlreadyLoggedIn)
            details: dict[str, Any] = {"login_attempted": attempted, "tries_before": before.value}
            try:
                after = pin_state(int(fresh_flags(current)))
                # A card that rejected a PIN must at least report COUNT_LOW; one that does not cannot be
                # trusted about its remaining tries.
                silent = after is PinState.OK and isinstance(exc, p11.PinIncorrect)
                details["tries"] = "unknown" if silent else after.value
                details["flags_reported"] = not silent
            except TokenError:
                details["tries"] = "unknown"
            err.details.update(details)
            raise err from exc
        return LoginResult(session=session, token=current, state_before=before)
