"""The words of the templates: dates, durations and numbers in the reader's language and
time zone, and sentences that carry a little markup.

The filters ``om_date``, ``om_duration``, ``om_percent`` and ``om_number`` go through
:mod:`.i18n` (Babel); ``om_markup`` and ``om_nmarkup`` are ``om_gettext``/``om_ngettext``
for a sentence whose translation holds HTML tags of its own (``<strong>%(name)s</strong>
opened a dispute``): the translation is trusted like the template it stands in, every
variable is escaped (unless it is ``Markup`` already), so a name never becomes markup.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask import Flask
from markupsafe import Markup, escape

from . import event_words, i18n
from .i18n import gettext as _
from .webhooks.disabled import disabled_reason

#: Beyond this, a duration says days and hours; below it hours and minutes.
_DAY = 86400
_HOUR = 3600


def format_date(value: date | datetime | None, with_time: bool = True) -> str:
    """``Aug 29, 2018, 2:05 PM`` / ``29.08.2018, 14:05`` in the reader's time zone; a
    ``date`` (a calendar day, such as the insight page's) as it is, without a time."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return i18n.format_datetime(value, with_time)
    if not i18n._babel_ready():
        return f"{value:%b} {value.day}, {value.year}"
    return babel_dates.format_date(value, "medium", locale=i18n.locale_name())


def format_percent(share: float) -> str:
    """A share (0.8) as a whole percentage in the reader's language: ``80%``, ``80 %``."""
    if not i18n._babel_ready():
        return f"{round(share * 100)}%"
    return str(babel_numbers.format_percent(share, locale=i18n.locale_name()))


def format_number(value: int) -> str:
    """``1,000`` / ``1.000`` / ``1 000``: a whole number with the reader's digit grouping."""
    if not i18n._babel_ready():
        return f"{value:,}"
    return str(babel_numbers.format_decimal(value, locale=i18n.locale_name()))


def _part(seconds: int) -> str:
    return i18n.format_duration(timedelta(seconds=seconds), threshold=1)


def format_duration(seconds: float | None) -> str:
    """``under a minute``, ``42 minutes``, ``3 hours 12 minutes``, ``2 days 4 hours`` in the
    reader's language (the two largest units, rounded down to the minute); "–" for None."""
    if seconds is None:
        return "–"
    minutes = int(round(seconds) // 60)
    if minutes < 1:
        return _("under a minute")
    total = minutes * 60
    big = _DAY if total >= _DAY else _HOUR if total >= _HOUR else 60
    small = {_DAY: _HOUR, _HOUR: 60, 60: 0}[big]
    larger, rest = divmod(total, big)
    rest = rest // small * small if small else 0
    if not rest:
        return _part(larger * big)
    return _("%(larger)s %(smaller)s", larger=_part(larger * big), smaller=_part(rest))


def _escaped(variables: dict[str, Any]) -> dict[str, Any]:
    """Text escaped, numbers left as numbers (for ``%(num)d``), ``Markup`` as it is."""
    return {k: v if isinstance(v, (int, float)) else escape(v) for k, v in variables.items()}


def markup_gettext(string: str, **variables: Any) -> Markup:
    """A translated sentence with HTML of its own, ``variables`` escaped into it."""
    return Markup(i18n.gettext(string, **_escaped(variables)))


def markup_ngettext(singular: str, plural: str, num: int, **variables: Any) -> Markup:
    """:func:`markup_gettext` with a plural: ``%(num)d`` is the number."""
    return Markup(i18n.ngettext(singular, plural, num, **_escaped(variables)))


def register(app: Flask) -> None:
    app.jinja_env.filters["om_date"] = format_date
    app.jinja_env.filters["om_duration"] = format_duration
    app.jinja_env.filters["om_percent"] = format_percent
    app.jinja_env.filters["om_number"] = format_number
    app.jinja_env.globals.update(om_markup=markup_gettext, om_nmarkup=markup_ngettext)
    # A thread entry's words, its event's sentence in the reader's language (event_words).
    app.jinja_env.globals.update(
        om_entry_text=event_words.entry_text,
        om_event_sentence=event_words.event_sentence,
        om_entry_words=event_words.entry_words,
        om_disabled_reason=disabled_reason,  # a webhook endpoint's (webhooks/disabled.py)
    )
