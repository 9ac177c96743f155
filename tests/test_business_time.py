"""Business time: parsing the settings and adding targets over nights, weekends, DST changes."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from flask_order_messages.business_time import (
    BusinessCalendar,
    parse_days,
    parse_hours,
    parse_target,
)

BERLIN = ZoneInfo("Europe/Berlin")


def calendar(hours: str = "09:00-17:00", days: str = "mon-fri", **kw: object) -> BusinessCalendar:
    opens, closes = parse_hours(hours)
    return BusinessCalendar(BERLIN, opens, closes, parse_days(days), **kw)  # type: ignore[arg-type]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("value", "minutes"),
    [
        ("4h", 240),
        ("90m", 90),
        ("1h 30m", 90),
        ("2h30min", 150),
        (" 16H ", 960),
        (45, 45),
        (0, 0),
        ("0", 0),
        ("", 0),
    ],
)
def test_parse_target(value: object, minutes: int) -> None:
    assert parse_target(value) == minutes


@pytest.mark.parametrize("value", ["4 hours", "h", "-1h", -5, 1.5, True, None, "4d", "m30"])
def test_parse_target_refuses(value: object) -> None:
    with pytest.raises(ValueError):
        parse_target(value)


def test_parse_hours_and_days() -> None:
    assert parse_hours("09:00-17:30") == (time(9), time(17, 30))
    assert parse_hours("00:00-24:00") == (time(0), None)
    assert parse_days("mon-fri") == frozenset(range(5))
    assert parse_days("Mon, Wed,fri") == frozenset({0, 2, 4})
    assert parse_days("fri-mon") == frozenset({4, 5, 6, 0})
    assert parse_days("mon-fri,sun") == frozenset({0, 1, 2, 3, 4, 6})
    for bad in ("17:00-09:00", "9-17", "25:00-26:00", "09:00-24:30", None):
        with pytest.raises(ValueError):
            parse_hours(bad)
    for bad in ("", "monday", "mon-xyz", None):
        with pytest.raises(ValueError):
            parse_days(bad)


def test_inside_one_day() -> None:
    # Tuesday 2025-01-14 10:00 Berlin = 09:00 UTC; 4 h later is 14:00 Berlin = 13:00 UTC.
    assert calendar().add(utc("2025-01-14 09:00"), 240) == utc("2025-01-14 13:00")


def test_overnight_carries_the_rest_to_the_next_morning() -> None:
    # Tuesday 15:00 Berlin (14:00 UTC) + 4 h: 2 h today, 2 h from 09:00 Wednesday -> 11:00.
    assert calendar().add(utc("2025-01-14 14:00"), 240) == utc("2025-01-15 10:00")


def test_friday_evening_message_is_due_monday() -> None:
    # Friday 2025-01-17 19:30 Berlin, after closing: 4 h from Monday 09:00 -> 13:00 Berlin.
    assert calendar().add(utc("2025-01-17 18:30"), 240) == utc("2025-01-20 12:00")


def test_weekend_message_counts_from_monday_opening() -> None:
    assert calendar().add(utc("2025-01-18 11:00"), 60) == utc("2025-01-20 09:00")


def test_before_opening_counts_from_opening() -> None:
    assert calendar().add(utc("2025-01-14 05:00"), 30) == utc("2025-01-14 08:30")


def test_target_longer_than_a_day() -> None:
    # 20 business hours from Thursday 09:00 Berlin: Thu 8 h, Fri 8 h, Mon 4 h -> Mon 13:00.
    assert calendar().add(utc("2025-01-16 08:00"), 20 * 60) == utc("2025-01-20 12:00")


def test_spring_forward_keeps_local_opening_hours() -> None:
    # Sunday 2025-03-30 02:00 Berlin the clocks go forward: before, Berlin is UTC+1; after, +2.
    cal = calendar(days="mon-sun")
    # Saturday 16:00 Berlin (15:00 UTC) + 2 h: 1 h Saturday, 1 h from 09:00 Sunday (07:00 UTC).
    assert cal.add(utc("2025-03-29 15:00"), 120) == utc("2025-03-30 08:00")


def test_fall_back_keeps_local_opening_hours() -> None:
    # Sunday 2025-10-26 03:00 Berlin the clocks go back: from UTC+2 to UTC+1.
    cal = calendar(days="mon-sun")
    assert cal.add(utc("2025-10-25 14:00"), 120) == utc("2025-10-26 09:00")


def test_round_the_clock_over_a_dst_night() -> None:
    # Open all day every day: business time is elapsed time, even on the 23-hour day.
    cal = calendar(hours="00:00-24:00", days="mon-sun")
    assert cal.add(utc("2025-03-29 12:00"), 24 * 60) == utc("2025-03-30 12:00")
    assert cal.seconds_between(utc("2025-03-29 22:00"), utc("2025-03-30 02:00")) == 4 * 3600


def test_holiday_hook_skips_a_day() -> None:
    holidays = {date(2025, 1, 20)}
    cal = calendar(holiday=holidays.__contains__)
    assert cal.add(utc("2025-01-17 18:30"), 240) == utc("2025-01-21 12:00")


def test_a_calendar_without_working_days_is_refused() -> None:
    cal = calendar(holiday=lambda day: True)
    with pytest.raises(ValueError, match="no working day"):
        cal.add(utc("2025-01-14 09:00"), 60)


def test_seconds_between_over_a_weekend() -> None:
    cal = calendar()
    # Friday 16:00 Berlin to Monday 10:00 Berlin: 1 h + 1 h.
    assert cal.seconds_between(utc("2025-01-17 15:00"), utc("2025-01-20 09:00")) == 7200
    assert cal.seconds_between(utc("2025-01-20 09:00"), utc("2025-01-17 15:00")) == 0


def test_add_and_seconds_between_agree() -> None:
    cal = calendar()
    start = utc("2025-03-27 13:17")  # Thursday, over the DST weekend
    for minutes in (1, 59, 480, 481, 1500, 4000):
        due = cal.add(start, minutes)
        assert cal.seconds_between(start, due) == minutes * 60
