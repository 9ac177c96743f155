"""Business time: opening hours on working days in the shop's time zone, and arithmetic on it.

Pure: no Flask, no database.  Times in and out are naive UTC, as the database stores them;
the calendar converts to the shop's zone (``zoneinfo``) for each day, so a day on which the
clocks change has its real length (09:00-17:00 is eight hours of elapsed time on either side
of a change that happens at night).

* :func:`parse_target` reads a response target: ``"4h"``, ``"90m"``, ``"1h 30m"``, or an
  int of business minutes.
* :func:`parse_hours` / :func:`parse_days` read ``"09:00-17:00"`` and ``"mon-fri"`` /
  ``"mon,wed,fri"`` / ``"mon-fri,sun"``.
* :meth:`BusinessCalendar.add` is "``minutes`` of business time after ``start``";
  :meth:`BusinessCalendar.seconds_between` the business time between two moments.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: A calendar with no working day in this many days in a row is refused (a holiday hook that
#: says "always"), instead of looping for ever.
MAX_CLOSED_DAYS = 366

_TARGET = re.compile(r"^(?:(\d+)\s*h)?\s*(?:(\d+)\s*(?:m|min))?$")
_HOURS = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


def parse_target(value: object) -> int:
    """Business minutes of a target: an int of minutes (0: off), or a string such as ``"4h"``,
    ``"90m"``, ``"1h 30m"`` (``"0"`` or ``""``: off).  Raises ``ValueError`` otherwise."""
    if isinstance(value, bool):
        raise ValueError(f"expected minutes or a duration such as '4h', got {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"a target cannot be negative, got {value!r}")
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected minutes or a duration such as '4h', got {value!r}")
    text = value.strip().lower()
    if text in ("", "0"):
        return 0
    found = _TARGET.match(text)
    if found is None or not any(found.groups()):
        raise ValueError(f"expected a duration such as '4h', '90m' or '1h 30m', got {value!r}")
    hours, minutes = (int(g or 0) for g in found.groups())
    return hours * 60 + minutes


def parse_hours(value: object) -> tuple[time, time | None]:
    """``"09:00-17:00"`` -> (opens, closes); closing at ``24:00`` is midnight (None)."""
    found = _HOURS.match(value.strip()) if isinstance(value, str) else None
    if found is None:
        raise ValueError(f"expected opening hours such as '09:00-17:00', got {value!r}")
    h1, m1, h2, m2 = (int(g) for g in found.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
        raise ValueError(f"not a time of day in {value!r}")
    opens = time(h1, m1)
    closes = None if h2 == 24 else time(h2, m2)
    if closes is not None and closes <= opens:
        raise ValueError(f"the shop must close after it opens on the same day, got {value!r}")
    return opens, closes


def parse_days(value: object) -> frozenset[int]:
    """``"mon-fri"``, ``"mon,wed,fri"``, ``"mon-fri,sun"`` -> weekday numbers (Monday 0)."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected working days such as 'mon-fri', got {value!r}")
    days: set[int] = set()
    for part in value.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if first not in DAY_NAMES or (last and last not in DAY_NAMES):
            raise ValueError(
                f"expected day names out of {', '.join(DAY_NAMES)} such as 'mon-fri', got {value!r}"
            )
        a = DAY_NAMES.index(first)
        b = DAY_NAMES.index(last) if last else a
        days.update(d % 7 for d in range(a, b + 1 if b >= a else b + 8))
    return frozenset(days)


def _to_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


@dataclass(frozen=True)
class BusinessCalendar:
    """When the shop works: ``opens``-``closes`` (None: midnight) local time, on ``days``
    (weekday numbers), in ``zone``, except the dates ``holiday`` says are holidays."""

    zone: ZoneInfo
    opens: time
    closes: time | None
    days: frozenset[int]
    holiday: Callable[[date], bool] | None = None

    def is_working_day(self, day: date) -> bool:
        if day.weekday() not in self.days:
            return False
        return not (self.holiday is not None and self.holiday(day))

    def window(self, day: date) -> tuple[datetime, datetime]:
        """The working hours of local date ``day`` as aware UTC datetimes."""
        start = datetime.combine(day, self.opens, tzinfo=self.zone)
        if self.closes is None:
            end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.zone)
        else:
            end = datetime.combine(day, self.closes, tzinfo=self.zone)
        return start.astimezone(timezone.utc), end.astimezone(timezone.utc)

    def _windows(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The working windows from ``start`` (aware UTC) on, the first one clipped."""
        day = start.astimezone(self.zone).date() - timedelta(days=1)  # a window may span it
        closed = 0
        while True:
            if self.is_working_day(day):
                closed = 0
                opens, closes = self.window(day)
                if closes > start:
                    yield max(opens, start), closes
            else:
                closed += 1
                if closed > MAX_CLOSED_DAYS:
                    raise ValueError(f"no working day in the {MAX_CLOSED_DAYS} days after {day}")
            day += timedelta(days=1)

    def add(self, start: datetime, minutes: int) -> datetime:
        """The moment ``minutes`` of business time after ``start`` (naive UTC in and out).
        A start outside working hours counts from the next opening."""
        left = timedelta(minutes=minutes)
        begin = _to_utc(start)
        for opens, closes in self._windows(begin):
            if minutes == 0 or closes - opens >= left:
                return (opens + left).replace(tzinfo=None)
            left -= closes - opens
        raise AssertionError("unreachable")  # pragma: no cover -- _windows never ends

    def seconds_between(self, start: datetime, end: datetime) -> float:
        """Business seconds from ``start`` to ``end`` (naive UTC); 0 when end is not later."""
        begin, finish = _to_utc(start), _to_utc(end)
        total = timedelta()
        if finish <= begin:
            return 0.0
        for opens, closes in self._windows(begin):
            if opens >= finish:
                break
            total += min(closes, finish) - opens
        return total.total_seconds()
