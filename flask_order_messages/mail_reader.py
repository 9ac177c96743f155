"""Whose language a mail is written in: its recipient's.

A mail is rendered inside :func:`.i18n.for_reader` with the locale and time zone the
``user_locale`` / ``user_timezone`` hooks give for its recipient; an address no user is
found for (a ``staff_recipients`` address, say) gets the shop's ``BABEL_DEFAULT_LOCALE`` and
``BABEL_DEFAULT_TIMEZONE``.  A hook's answer that is no locale or IANA zone (``xx_YY-evil``,
10 KB of text) is the default too: a mail is never lost to a bad hook answer.  The outbox row
keeps both (its ``locale`` and ``timezone``), beside the subject and body written in them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import current_app

from .i18n import SOURCE_LOCALE, for_reader, valid_locale, valid_timezone
from .models import CUSTOMER
from .state import current_order_messages as ext


def default_reader() -> tuple[str, str]:
    """(locale, time zone) of the shop: Flask-Babel's defaults (``en``, ``UTC`` unset)."""
    babel = current_app.extensions.get("babel")
    locale = getattr(babel, "default_locale", None) or current_app.config.get(
        "BABEL_DEFAULT_LOCALE"
    )
    tz = getattr(babel, "default_timezone", None) or current_app.config.get(
        "BABEL_DEFAULT_TIMEZONE"
    )
    return valid_locale(str(locale or "")) or SOURCE_LOCALE, valid_timezone(str(tz or "")) or "UTC"


def reader_of(user: Any) -> tuple[str, str]:
    """(locale, time zone) for ``user`` (None: the shop's): the hooks' answers where valid."""
    locale, tz = default_reader()
    if user is None:
        return locale, tz
    chosen_locale = valid_locale(ext.hooks.user_locale(user))
    chosen_tz = valid_timezone(ext.hooks.user_timezone(user))
    return chosen_locale or locale, chosen_tz or tz


def reader_at(email: str, audience: str = "", customer: Any = None) -> tuple[str, str]:
    """(locale, time zone) for a mail to ``email``: the customer's for the customer, else the
    user found for the address (the ``staff_user_for_email`` hook, then any user with that
    address), else the shop's."""
    if audience == CUSTOMER and customer is not None:
        return reader_of(customer)
    user = ext.hooks.staff_user_for_email(email) or ext.user_by_email(email)
    return reader_of(user)


@contextmanager
def writing_for(reader: tuple[str, str]) -> Iterator[dict[str, str]]:
    """Render inside the block in ``reader``'s language and time zone; yields the outbox
    row's ``locale`` and ``timezone`` columns."""
    locale, tz = reader
    with for_reader(locale, tz):
        yield {"locale": locale, "timezone": tz}


@contextmanager
def in_shop_language() -> Iterator[None]:
    """Write text that is stored and shown to everyone (an event's words in a thread) in the
    shop's language, whoever's request writes it."""
    with for_reader(default_reader()[0], None):
        yield
