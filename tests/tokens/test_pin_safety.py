"""PIN safety on a card-like try counter (the PIN-counter wrapper over SoftHSM2).

The wrapper counts wrong user PINs per token like a card: COUNT_LOW after one, FINAL_TRY after two,
LOCKED (and ``CKR_PIN_LOCKED`` even for the right PIN) after three.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ebys_support.tokens import Status, diagnose, login, open_token
from ebys_support.tokens.errors import PinFinalTry, PinFormat, PinIncorrect, PinLocked, PinRequired
from tests.tokens.conftest import PIN, WRONG_PIN, Card, no_pin_in


def run(card: Card, pin: str | None) -> Any:
    d = diagnose(card.module, card.label, pin, online=False)
    no_pin_in(d)
    return d


def test_wrong_pin_uses_exactly_one_try(counted_card: Callable[[int], Card], pincounter: Any) -> None:
    card = counted_card(0)
    d = run(card, WRONG_PIN)
    assert pincounter.count(card.serial) == 1
    check = d.check("pin.state")
    assert (check.status, check.code) == (Status.FAIL, "token.pin_incorrect")
    assert check.details["login_attempted"] is True
    assert check.details["tries"] == "count_low"  # re-read from the token after the failure
    assert check.details["learned_from"] == "login_result+token_flags_reread"
    assert d.check("selftest.sign").status is Status.SKIPPED
    # The certificate checks still ran without a login.
    assert d.check("cert.signing").status is Status.OK


def test_wrong_pin_leaving_one_try_says_so(counted_card: Callable[[int], Card], pincounter: Any) -> None:
    card = counted_card(1)
    d = run(card, WRONG_PIN)
    assert pincounter.count(card.serial) == 2
    check = d.check("pin.state")
    assert check.code == "token.pin_incorrect" and check.details["tries"] == "final_try"
    assert "bloke olur" in (check.remedy("tr") or "")
    assert "one try left" in check.message("en")


def test_count_low_without_pin_warns(counted_card: Callable[[int], Card], pincounter: Any) -> None:
    card = counted_card(1)
    d = run(card, None)
    check = d.check("pin.state")
    assert (check.status, check.code) == (Status.WARN, "token.pin_count_low")
    assert pincounter.count(card.serial) == 1


def test_final_try_refuses_to_log_in_even_with_the_right_pin(
    counted_card: Callable[[int], Card], pincounter: Any
) -> None:
    card = counted_card(2)
    d = run(card, PIN)
    assert pincounter.count(card.serial) == 2  # no login happened at all
    check = d.check("pin.state")
    assert (check.status, check.code) == (Status.FAIL, "token.pin_final_try")
    assert check.details["login_attempted"] is False
    assert check.details["learned_from"] == "token_flags"
    assert d.check("selftest.sign").status is Status.SKIPPED


def test_locked_pin(counted_card: Callable[[int], Card], pincounter: Any) -> None:
    card = counted_card(3)
    d = run(card, PIN)
    assert pincounter.count(card.serial) == 3
    check = d.check("pin.state")
    assert (check.status, check.code) == (Status.FAIL, "token.pin_locked")
    assert check.details["login_attempted"] is False
    assert "PUK" in (check.remedy("tr") or "") and "PUK" in (check.remedy("en") or "")


def test_right_pin_resets_nothing_it_should_not(counted_card: Callable[[int], Card], pincounter: Any) -> None:
    card = counted_card(1)
    d = run(card, PIN)
    assert d.check("pin.state").status is Status.OK
    assert d.check("selftest.sign").status is Status.OK
    assert pincounter.count(card.serial) == 0  # a correct login resets the card's counter


def test_login_helper_refuses_at_final_try_and_locked(
    counted_card: Callable[[int], Card], pincounter: Any
) -> None:
    card = counted_card(2)
    token = open_token(card.module, label=card.label)
    with pytest.raises(PinFinalTry):
        login(token, PIN)
    pincounter.set_count(card.serial, 3)
    with pytest.raises(PinLocked):
        login(token, PIN)
    assert pincounter.count(card.serial) == 3


def test_login_helper_wrong_pin_reports_tries(counted_card: Callable[[int], Card], pincounter: Any) -> None:
    card = counted_card(0)
    token = open_token(card.module, label=card.label)
    with pytest.raises(PinIncorrect) as info:
        login(token, WRONG_PIN)
    assert info.value.details["tries"] == "count_low"
    assert WRONG_PIN not in str(info.value.to_dict()) and WRONG_PIN not in repr(info.value)
    assert pincounter.count(card.serial) == 1


@pytest.mark.parametrize(
    ("pin", "error"), [("", PinRequired), ("123 456", PinFormat), ("123456\n", PinFormat)]
)
def test_malformed_pin_never_reaches_the_card(
    counted_card: Callable[[int], Card], pincounter: Any, pin: str, error: type[Exception]
) -> None:
    card = counted_card(0)
    token = open_token(card.module, label=card.label)
    with pytest.raises(error):
        login(token, pin)
    d = run(card, pin)
    assert d.check("pin.state").status is Status.FAIL
    assert d.check("pin.state").details["login_attempted"] is False
    assert pincounter.count(card.serial) == 0
