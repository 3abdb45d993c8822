"""Working-day calendar and the SLA clock of a request.

The clock measures the directorate's own time: it runs while a request is open and not waiting on KamuSM
or on the applicant (:data:`~ebys_support.kamusm.states.CLOCK_STOPPED`), from its first submission, and
only on working days in the institution's time zone. Saturdays, Sundays and holidays do not count.
The statutory national holidays (Law 2429, *Ulusal Bayram ve Genel Tatiller Hakkında Kanun*: 1 January,
23 April, 1 May, 19 May, 15 July, 30 August, 29 October) are built in; the religious holidays move every
year and are announced each year, so they (and any administrative leave) come from the configuration
(``kamusm.holidays``, ``kamusm.holidays_file``).

>>> from datetime import date
>>> cal = WorkCalendar(frozenset({date(2026, 5, 27)}))
>>> cal.is_working_day(date(2026, 5, 19)), cal.is_working_day(date(2026, 5, 27))
(False, False)
>>> cal.add_working_days(date(2026, 4, 22), 2)
datetime.date(2026, 4, 27)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ebys_support.errors import ConfigurationError

__all__ = ["NATIONAL_HOLIDAYS", "WorkCalendar", "DAY", "load_holidays"]

#: (month, day) of the statutory national holidays (Law 2429).
NATIONAL_HOLIDAYS = ((1, 1), (4, 23), (5, 1), (5, 19), (7, 15), (8, 30), (10, 29))
DAY = 86_400.0


def load_holidays(dates: Iterable[str], file: str | Path | None = None) -> frozenset[date]:
    """Holiday dates from ISO texts and, optionally, a file with one date per line (``#`` comments).

    :raises ConfigurationError: ``config.invalid_value`` naming the bad date.
    """
    texts = list(dates)
    if file:
        try:
            for line in Path(file).read_text(encoding="utf-8").splitlines():
                line = line.split("#", 1)[0].strip()
                if line:
                    texts.append(line)
        except OSError as exc:
            raise ConfigurationError(
                "config.invalid_value",
                details={"key": "kamusm.holidays_file", "reason": f"cannot read {file}", "source": str(file)},
            ) from exc
    out: set[date] = set()
    for text in texts:
        try:
            out.add(date.fromisoformat(text.strip()))
        except ValueError as exc:
            raise ConfigurationError(
                "config.invalid_value",
                details={"key": "kamusm.holidays", "reason": f"not a date: {text!r}", "source": "config"},
            ) from exc
    return frozenset(out)


@dataclass(frozen=True)
class WorkCalendar:
    """Working days: Monday to Friday except national and configured holidays, in ``timezone``."""

    holidays: frozenset[date] = frozenset()
    timezone: str = "Europe/Istanbul"
    weekend: frozenset[int] = field(default=frozenset({5, 6}))

    def tz(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigurationError(
                "config.invalid_value",
                details={
                    "key": "kamusm.timezone",
                    "reason": f"unknown zone {self.timezone}",
                    "source": "config",
                },
            ) from exc

    def is_working_day(self, day: date) -> bool:
        if day.weekday() in self.weekend or day in self.holidays:
            return False
        return (day.month, day.day) not in NATIONAL_HOLIDAYS

    def add_working_days(self, start: date, n: int) -> date:
        """The date ``n`` working days after ``start``."""
        day = start
        while n > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days lie in ``[start, end)`` (by weeks, not day by day).

        >>> WorkCalendar().working_days_between(date(2026, 10, 26), date(2026, 11, 2))
        4
        """
        n = (end - start).days
        if n <= 0:
            return 0
        weeks, rest = divmod(n, 7)
        count = weeks * (7 - len(self.weekend))
        for i in range(rest):
            if (start + timedelta(days=weeks * 7 + i)).weekday() not in self.weekend:
                count += 1
        off = {d for d in self.holidays if start <= d < end}
        for year in range(start.year, end.year + 1):
            for month, day in NATIONAL_HOLIDAYS:
                d = date(year, month, day)
                if start <= d < end:
                    off.add(d)
        return count - sum(1 for d in off if d.weekday() not in self.weekend)

    def working_seconds(self, start: datetime, end: datetime) -> float:
        """Seconds of working days between two instants (local calendar days count whole)."""
        if end <= start:
            return 0.0
        tz = self.tz()
        a, b = start.astimezone(tz), end.astimezone(tz)
        first, last = a.date(), b.date()
        if first == last:
            return (b - a).total_seconds() if self.is_working_day(first) else 0.0
        total = 0.0
        if self.is_working_day(first):
            total += (datetime.combine(first + timedelta(days=1), time(0), tz) - a).total_seconds()
        if self.is_working_day(last):
            total += (b - datetime.combine(last, time(0), tz)).total_seconds()
        return total + DAY * self.working_days_between(first + timedelta(days=1), last)

    def advance(self, start: datetime, seconds: float) -> datetime:
        """The instant when ``seconds`` of working time have passed after ``start`` (UTC)."""
        tz = self.tz()
        cur = start.astimezone(tz)
        left = max(0.0, seconds)
        for _ in range(10_000):
            day = cur.date()
            next_midnight = datetime.combine(day + timedelta(days=1), time(0), tz)
            if self.is_working_day(day):
                span = (next_midnight - cur).total_seconds()
                if left <= span:
                    return (cur + timedelta(seconds=left)).astimezone(UTC)
                left -= span
            cur = next_midnight
        return cur.astimezone(UTC)
