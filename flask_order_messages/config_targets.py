"""The response-target keys (a reply due on every thread, counted in business hours): their
defaults, merged into :data:`.config.DEFAULTS`, and their validation, which
:func:`.config.load_settings` calls.  ``current_settings.targets`` holds them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .business_time import BusinessCalendar, parse_days, parse_hours, parse_target

#: The keys and their defaults, without the prefix.
TARGET_DEFAULTS: dict[str, Any] = {
    # Business time staff have for the first answer in a thread, and for each answer after a
    # customer writes again: "4h", "90m", "1h 30m" or an int of minutes; 0 or None: no target.
    "FIRST_RESPONSE_TARGET": "4h",
    "NEXT_RESPONSE_TARGET": "8h",
    # When the shop works, local time: "09:00-17:00" ("00:00-24:00": all day).
    "BUSINESS_HOURS": "09:00-17:00",
    # Its working days: "mon-fri", "mon,wed,fri", "mon-sat,sun"...
    "BUSINESS_DAYS": "mon-fri",
    # Its time zone, an IANA name ("Europe/Berlin").
    "TIMEZONE": "UTC",
    # Days off: None, a list of dates (date objects or "2025-12-25"), or a callable taking a
    # date and returning True on a holiday.
    "HOLIDAYS": None,
}

#: Keys that no longer do anything, with what replaced them.  They are still accepted (a host
#: that sets one keeps starting, whatever its value); ``init_app`` logs a warning and
#: ``flask order-messages doctor`` names them.  Not mapped onto the new keys: a wall-clock
#: "answered within 24 h" is not 24 business hours (three working days), and the targets now
#: drive the due times in the list, the overdue view and the bell, not only a report.
RETIRED_KEYS: dict[str, str] = {
    "RESPONSE_TARGET_HOURS": (
        "the Response times page reports against ORDER_MESSAGES_FIRST_RESPONSE_TARGET and "
        "ORDER_MESSAGES_NEXT_RESPONSE_TARGET, counted in business hours"
    ),
}


def retired_keys_set(config: Mapping[str, Any]) -> list[str]:
    """The retired keys (with the prefix) that ``config`` sets."""
    from .config import PREFIX

    return sorted(PREFIX + key for key in RETIRED_KEYS if PREFIX + key in config)


@dataclass(frozen=True)
class TargetSettings:
    """The validated response-target keys."""

    first_minutes: int
    next_minutes: int
    calendar: BusinessCalendar

    @property
    def enabled(self) -> bool:
        return bool(self.first_minutes or self.next_minutes)

    def minutes(self, first: bool) -> int:
        """The target of a first answer (``first``) or of a next one; 0: none."""
        return self.first_minutes if first else self.next_minutes


def _holidays(value: Any) -> Callable[[date], bool] | None:
    if value is None or callable(value):
        return cast("Callable[[date], bool] | None", value)
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ValueError("expected None, a list of dates or a callable taking a date")
    days = set()
    for item in value:
        if isinstance(item, str):
            item = date.fromisoformat(item)
        if not isinstance(item, date):
            raise ValueError(f"{item!r} is not a date")
        days.add(item)
    return frozenset(days).__contains__


def target_settings(get: Callable[[str], Any]) -> TargetSettings:
    """The validated settings; raises :class:`.config.ConfigError` naming a wrong key."""
    from .config import PREFIX, ConfigError

    def checked(key: str, parse: Callable[[Any], Any]) -> Any:
        try:
            return parse(get(key))
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"{PREFIX}{key}: {exc}.") from None

    def zone(value: Any) -> ZoneInfo:
        if not isinstance(value, str) or not value:
            raise ValueError(f"expected a time zone name such as 'Europe/Berlin', got {value!r}")
        try:
            return ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None

    def target(value: Any) -> int:
        return 0 if value is None else parse_target(value)

    opens, closes = checked("BUSINESS_HOURS", parse_hours)
    return TargetSettings(
        first_minutes=checked("FIRST_RESPONSE_TARGET", target),
        next_minutes=checked("NEXT_RESPONSE_TARGET", target),
        calendar=BusinessCalendar(
            zone=checked("TIMEZONE", zone),
            opens=opens,
            closes=closes,
            days=checked("BUSINESS_DAYS", parse_days),
            holiday=checked("HOLIDAYS", _holidays),
        ),
    )
