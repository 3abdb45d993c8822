"""Self-tests of the card-like PIN counter wrapper (tests/pincounter/pincounter.c)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pkcs11
import pytest
from pkcs11 import TokenFlag
from pkcs11._pkcs11 import lib as Pkcs11Lib

from tests.fixtures.pincounter import PinCounter
from tests.fixtures.softhsm import SoftHSM, TokenInfo

PIN_BITS = TokenFlag.USER_PIN_COUNT_LOW | TokenFlag.USER_PIN_FINAL_TRY | TokenFlag.USER_PIN_LOCKED
WRONG = "999999"


def _flags(lib: Pkcs11Lib, label: str) -> TokenFlag:
    return TokenFlag(lib.get_token(token_label=label).flags) & PIN_BITS


def _login(lib: Pkcs11Lib, label: str, pin: str) -> None:
    with lib.get_token(token_label=label).open(user_pin=pin):
        pass


def _wrong(lib: Pkcs11Lib, label: str) -> None:
    with pytest.raises(pkcs11.PinIncorrect):
        _login(lib, label, WRONG)


def test_flags_lock_and_so_reset(
    pincounter: PinCounter, softhsm: SoftHSM, token_factory: Callable[..., TokenInfo]
) -> None:
    tok = token_factory("pc")
    lib = pkcs11.lib(pincounter.module)
    assert _flags(lib, tok.label) == TokenFlag(0)

    _wrong(lib, tok.label)
    assert _flags(lib, tok.label) == TokenFlag.USER_PIN_COUNT_LOW
    _wrong(lib, tok.label)
    assert _flags(lib, tok.label) == TokenFlag.USER_PIN_COUNT_LOW | TokenFlag.USER_PIN_FINAL_TRY
    assert pincounter.count(tok.serial) == 2

    # a correct PIN before the lock resets the count
    _login(lib, tok.label, tok.user_pin)
    assert _flags(lib, tok.label) == TokenFlag(0)
    assert pincounter.count(tok.serial) == 0

    for _ in range(3):
        _wrong(lib, tok.label)
    assert _flags(lib, tok.label) == TokenFlag.USER_PIN_LOCKED
    with pytest.raises(pkcs11.PinLocked):  # even the right PIN, as a card does
        _login(lib, tok.label, tok.user_pin)
    assert pincounter.count(tok.serial) == 3

    # the lock holds across processes (state file per token serial)
    listing = subprocess.run(
        ["pkcs11-tool", "--module", pincounter.module, "--list-token-slots"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    block = listing[listing.index(f"token label        : {tok.label}") :]
    assert "user PIN locked" in block.split("Slot ")[0]

    # SoftHSM itself (without the wrapper) never locked anything
    assert _flags(softhsm.lib(), tok.label) & TokenFlag.USER_PIN_LOCKED == TokenFlag(0)

    # the SO setting the user PIN unlocks (failed logins leaked sessions: reinitialize first)
    lib.reinitialize()
    with lib.get_token(token_label=tok.label).open(rw=True, so_pin=tok.so_pin) as so:
        so.init_pin("654321")
    assert _flags(lib, tok.label) == TokenFlag(0)
    _login(lib, tok.label, "654321")


def test_set_pin_counts_and_state_dir(
    pincounter: PinCounter, token_factory: Callable[..., TokenInfo], tmp_path: Path
) -> None:
    tok = token_factory("pcset")
    lib = pkcs11.lib(pincounter.module)
    with pincounter.using_state_dir(tmp_path / "other"):
        pincounter.set_count(tok.serial, 2)
        assert _flags(lib, tok.label) == TokenFlag.USER_PIN_COUNT_LOW | TokenFlag.USER_PIN_FINAL_TRY
        with lib.get_token(token_label=tok.label).open(rw=True) as sess:
            with pytest.raises(pkcs11.PinIncorrect):
                sess.set_pin(WRONG, "111111")
            assert _flags(lib, tok.label) == TokenFlag.USER_PIN_LOCKED
            with pytest.raises(pkcs11.PinLocked):
                sess.set_pin(tok.user_pin, "111111")
        assert (tmp_path / "other").is_dir()
    # the default state dir knows nothing of that token
    assert pincounter.count(tok.serial) == 0
    assert _flags(lib, tok.label) == TokenFlag(0)
    pincounter.reset(tok.serial)
