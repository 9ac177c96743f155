"""Durations in the reader's language, through Babel's short units of CLDR: the response
targets' business time (``4 hr``, ``1 hr 30 min``) and the compact time left or overdue
(``2 days 4 hr``; ``2 Tg. 4 Std.`` in German) of the list, the thread and the insight page."""

from __future__ import annotations

from babel.units import format_unit

from ..i18n import gettext, locale_name


def business_duration(minutes: int) -> str:
    """Business time in hours and minutes ("4 hr", "1 hr 30 min", "45 min"; "4 Std.",
    "1 h 30 min"), never in days (a day of business time is not 24 hours); "" for 0."""
    if not minutes:
        return ""
    hours, rest = divmod(minutes, 60)
    parts = [_unit(hours, "duration-hour")] if hours else []
    if rest:
        parts.append(_unit(rest, "duration-minute"))
    return " ".join(parts)


def _unit(value: int, unit: str) -> str:
    """``13 days``, ``22 hr``, ``10 min`` (``13 Tg.``, ``22 Std.``): ``value`` of the CLDR
    ``unit`` in its short form, in the reader's language."""
    return str(format_unit(value, unit, length="short", locale=locale_name()))


def format_duration(seconds: float | None) -> str:
    """A duration in short, in the reader's language (Babel's short units of CLDR): ``under
    a minute``, ``42 min``, ``3 hr 12 min``, ``2 days 4 hr`` (``2 Tg. 4 Std.``): the two
    largest units, rounded down to the minute; "–" for None."""
    if seconds is None:
        return "–"
    minutes = int(round(seconds) // 60)
    if minutes < 1:
        return gettext("under a minute")
    hours, minutes = divmod(minutes, 60)
    parts = [(hours, "duration-hour"), (minutes, "duration-minute")]
    if hours >= 24:
        days, hours = divmod(hours, 24)
        parts = [(days, "duration-day"), (hours, "duration-hour")]
    larger, smaller = (_unit(n, unit) if n else "" for n, unit in parts)
    if not (larger and smaller):
        return larger or smaller
    return gettext("%(larger)s %(smaller)s", larger=larger, smaller=smaller)
