"""Pure parts: T.C. Kimlik No, the transition tables, the working-day calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from ebys_support.errors import ConfigurationError
from ebys_support.kamusm import tckn
from ebys_support.kamusm.sla import WorkCalendar, load_holidays
from ebys_support.kamusm.states import (
    FINAL,
    TRANSITIONS,
    InvalidTransition,
    RequestStatus,
    RequestType,
    allowed_targets,
    check_transition,
    status_table,
)


def test_tckn() -> None:
    assert tckn.validate("100 000 001 46") == "10000000146"
    for bad, reason in (("1000000014", "length"), ("01000000146", "format"), ("1000000014a", "format"),
                        ("10000000147", "checksum")):  # fmt: skip
        with pytest.raises(tckn.InvalidTCKN) as err:
            tckn.validate(bad)
        assert err.value.code == "kamusm.invalid_tckn" and err.value.details["reason"] == reason
    for junk in ("", "x" * 11, "١٠٠٠٠٠٠٠١٤٦", None, 10000000146):
        assert tckn.is_valid(junk) in (False, True)  # never raises
    assert not tckn.is_valid("١٠٠٠٠٠٠٠١٤٦")


def test_every_type_reaches_closed_and_finals_are_final() -> None:
    for rtype, table in TRANSITIONS.items():
        seen, todo = set(), ["draft"]
        while todo:
            cur = todo.pop()
            if cur in seen:
                continue
            seen.add(cur)
            for mode in ("institution", "personal"):
                todo.extend(allowed_targets(rtype, cur, payment_mode=mode, held_from="submitted"))
        assert "closed" in seen and "cancelled" in seen, rtype
        for final in FINAL:
            assert allowed_targets(rtype, final) == ()
        assert set(table) <= {str(s) for s in RequestStatus}


def test_invalid_transition_names_allowed() -> None:
    with pytest.raises(InvalidTransition) as err:
        check_transition(RequestType.NEW, RequestStatus.DRAFT, RequestStatus.SHIPPED)
    assert err.value.code == "kamusm.invalid_transition"
    assert err.value.details["allowed_list"] == ["submitted", "cancelled"]
    assert "submitted, cancelled" in err.value.localized("en")
    assert "“iletildi” (submitted), “iptal edildi” (cancelled)" in err.value.localized("tr")
    # Payment mode decides whether awaiting_payment is on the path.
    assert "awaiting_payment" not in allowed_targets("new", "awaiting_applicant", payment_mode="institution")
    assert allowed_targets("new", "awaiting_applicant", payment_mode="personal")[0] == "awaiting_payment"
    assert "in_production" not in allowed_targets("new", "awaiting_applicant", payment_mode="personal")
    # on_hold goes back where it came from.
    assert allowed_targets("renewal", "on_hold", held_from="approved") == ("approved", "cancelled")
    assert allowed_targets("pin_unblock", "awaiting_applicant") == ("closed", "on_hold", "cancelled")
    assert "| draft | submitted, cancelled |" in status_table()


def test_calendar() -> None:
    cal = WorkCalendar(frozenset({date(2026, 3, 20)}))
    assert not cal.is_working_day(date(2026, 10, 29))  # Cumhuriyet Bayramı
    assert not cal.is_working_day(date(2026, 3, 20))  # configured (Ramazan Bayramı)
    assert not cal.is_working_day(date(2026, 3, 21))  # Saturday
    assert cal.is_working_day(date(2026, 3, 23))
    friday_noon = datetime(2026, 3, 13, 9, 0, tzinfo=UTC)  # 12:00 in Istanbul
    monday_noon = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
    assert cal.working_seconds(friday_noon, monday_noon) == pytest.approx(86400)
    assert cal.advance(friday_noon, 86400) == monday_noon
    assert cal.add_working_days(date(2026, 3, 19), 1) == date(2026, 3, 23)
    assert load_holidays(["2026-05-27"]) == frozenset({date(2026, 5, 27)})
    with pytest.raises(ConfigurationError):
        load_holidays(["27.05.2026"])
    with pytest.raises(ConfigurationError):
        WorkCalendar(timezone="Mars/Olympus").tz()
    assert cal.working_seconds(monday_noon, friday_noon) == 0
    assert cal.advance(monday_noon, 0) == monday_noon
    assert timedelta(0) == timedelta(0)


def test_settings_from_config(tmp_path: Path) -> None:
    from ebys_support.config import load
    from ebys_support.kamusm.store import Settings

    holidays = tmp_path / "tatil.txt"
    holidays.write_text("# Ramazan Bayramı\n2026-03-20\n", encoding="utf-8")
    cfg = load(
        str(tmp_path),
        environ={
            "EBYS_KAMUSM_SLA_DAYS_BY_TYPE": "pin_unblock=2",
            "EBYS_KAMUSM_HOLIDAYS_FILE": str(holidays),
            "EBYS_KAMUSM_HOLIDAYS": "2026-05-27",
        },
    )
    s = Settings.from_config(cfg)
    assert s.sla_for("pin_unblock") == 2 and s.sla_for("new") == 10
    assert s.calendar.holidays == frozenset({date(2026, 3, 20), date(2026, 5, 27)})
    with pytest.raises(ConfigurationError) as err:
        Settings.from_config(load(str(tmp_path), environ={"EBYS_KAMUSM_SLA_DAYS_BY_TYPE": "pin=x"}))
    assert err.value.code == "config.invalid_value"
    with pytest.raises(ConfigurationError):
        Settings.from_config(load(str(tmp_path), environ={"EBYS_KAMUSM_HOLIDAYS_FILE": "/nonexistent/x"}))


def test_working_seconds_matches_day_by_day() -> None:
    import random

    cal = WorkCalendar(frozenset({date(2026, 3, 20), date(2026, 5, 27), date(2027, 3, 10)}))
    tz = cal.tz()
    rnd = random.Random(5)
    for _ in range(300):
        a = datetime(2025, 12, 1, tzinfo=UTC) + timedelta(minutes=rnd.randint(0, 60 * 24 * 500))
        b = a + timedelta(minutes=rnd.randint(0, 60 * 24 * 120))
        slow, day = 0.0, a.astimezone(tz).date()
        while day <= b.astimezone(tz).date():
            if cal.is_working_day(day):
                lo = max(a, datetime.combine(day, datetime.min.time(), tz))
                hi = min(b, datetime.combine(day + timedelta(days=1), datetime.min.time(), tz))
                slow += max(0.0, (hi - lo).total_seconds())
            day += timedelta(days=1)
        assert cal.working_seconds(a, b) == pytest.approx(slow)
