"""Every word a person reads, in their language; every date in their time zone (Flask-Babel).

The extension's strings live in their own gettext domain, ``order_messages``, whose catalogues
ship in ``flask_order_messages/translations``.  A host keeps its own Flask-Babel setup: its
locale and time-zone selectors decide the page's language, and an ``order_messages.po`` in one
of the host's ``BABEL_TRANSLATION_DIRECTORIES`` overrides any of ours (the host's directories
are merged after ours, and a later catalogue wins).  A host without Flask-Babel gets it set up
here, choosing the locale by the ``user_locale`` hook, then the request's ``Accept-Language``.

Python code marks strings with :func:`gettext` (imported as ``_``), :func:`ngettext` and, for
text made at import time (form labels), :func:`lazy_gettext`.  Templates call
``om_gettext("...")``, ``om_ngettext("...", "...", n)`` and ``om_pgettext("context", "...")``
(one English word, two words elsewhere) - names of our own, so a host's ``_``
and ``{% trans %}`` keep using the host's catalogue.  Mails are written inside
:func:`for_reader`, in their recipient's language and time zone.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

from babel import Locale, UnknownLocaleError, support
from babel import dates as babel_dates
from flask import Flask, current_app, has_app_context, has_request_context, request
from flask_babel import Babel, Domain, force_locale, get_babel, get_locale, get_timezone
from flask_babel.speaklater import LazyString

#: The gettext domain of the extension's catalogues (``order_messages.po``/``.mo``).
DOMAIN = "order_messages"
#: Where the shipped catalogues are: ``translations/<locale>/LC_MESSAGES/order_messages.mo``.
TRANSLATIONS = os.path.join(os.path.dirname(__file__), "translations")
#: The language the strings are written in.
SOURCE_LOCALE = "en"


def shipped_locales() -> list[str]:
    """The locales this package has a catalogue for, and English (the source)."""
    found = sorted(
        name
        for name in os.listdir(TRANSLATIONS)
        if os.path.isfile(os.path.join(TRANSLATIONS, name, "LC_MESSAGES", f"{DOMAIN}.mo"))
    )
    return [SOURCE_LOCALE, *found]


class _OurDomain(Domain):  # type: ignore[misc]
    """Our catalogues first, then the host's own ``order_messages`` catalogues (which win).

    The merged catalogue is cached per app (a process may hold several apps, as the tests do)."""

    def __init__(self) -> None:
        super().__init__(domain=DOMAIN)

    @property
    def translation_directories(self) -> list[str]:
        host = [d for d in get_babel().translation_directories if d != TRANSLATIONS]
        return [TRANSLATIONS, *host]

    def get_translations_cache(self, ctx: Any) -> dict[Any, Any]:
        cache: dict[Any, Any] = current_app.extensions.setdefault("order_messages_catalogues", {})
        return cache

    def get_translations(self) -> Any:
        """The merged catalogue, with the plural rule of the last catalogue that was found.

        Flask-Babel takes the rule of the last directory whether or not it had a catalogue, so
        a host folder without ours would give French the default ``n != 1`` ("0 messages non
        lus" instead of "0 message non lu")."""
        cache = self.get_translations_cache(None)
        key = (str(get_locale()), DOMAIN)
        if key not in cache:
            merged = support.Translations()
            for folder in self.translation_directories:
                catalogue = support.Translations.load(folder, [get_locale()], DOMAIN)
                if isinstance(catalogue, support.Translations):  # found (else NullTranslations)
                    merged.merge(catalogue)
                    merged.plural = catalogue.plural
            cache[key] = merged
        return cache[key]


_domain = _OurDomain()


def _babel_ready() -> bool:
    return has_app_context() and "babel" in current_app.extensions


def gettext(string: str, **variables: Any) -> str:
    """``string`` in the reader's language, ``%(name)s`` filled from ``variables``."""
    if not _babel_ready():
        return string % variables if variables else string
    return str(_domain.gettext(string, **variables))


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """The singular or (one of the) plural forms for ``num``, available as ``%(num)d``."""
    if not _babel_ready():
        variables.setdefault("num", num)
        return (singular if num == 1 else plural) % variables
    return str(_domain.ngettext(singular, plural, num, **variables))


def pgettext(context: str, string: str, **variables: Any) -> str:
    """:func:`gettext` for an English word that needs two words in another language (a
    dispute's "Expired" and a token's are not the same word in Spanish): ``context`` tells
    them apart."""
    if not _babel_ready():
        return string % variables if variables else string
    return str(_domain.pgettext(context, string, **variables))


def lazy_gettext(string: str, **variables: Any) -> LazyString:
    """:func:`gettext` at the moment the text is used (form labels made at import time)."""
    return LazyString(gettext, string, **variables)


def lazy_pgettext(context: str, string: str, **variables: Any) -> LazyString:
    """:func:`pgettext` at the moment the text is used."""
    return LazyString(pgettext, context, string, **variables)


def lazy_ngettext(singular: str, plural: str, num: int, **variables: Any) -> LazyString:
    """:func:`ngettext` at the moment the text is used."""
    return LazyString(ngettext, singular, plural, num, **variables)


# -- the reader: language and time zone -----------------------------------------------------


def locale_name() -> str:
    """The reader's locale, such as ``de`` or ``pt_BR`` (English outside a request)."""
    locale = get_locale() if _babel_ready() else None
    return str(locale) if locale is not None else SOURCE_LOCALE


def is_rtl() -> bool:
    """Whether the reader's language is written right to left (``dir="rtl"`` on our markup)."""
    locale = get_locale() if _babel_ready() else None
    return bool(locale is not None and locale.character_order == "right-to-left")


def text_direction() -> str:
    """``rtl`` or ``ltr``: the value of the ``dir`` attribute of our outermost elements."""
    return "rtl" if is_rtl() else "ltr"


def valid_locale(raw: object) -> str | None:
    """``raw`` as a locale name Babel knows (``de-AT`` -> ``de_AT``), or None."""
    if not isinstance(raw, str) or not raw.strip() or len(raw) > 35:
        return None
    try:
        return str(Locale.parse(raw.strip().replace("-", "_")))
    except (ValueError, TypeError, UnknownLocaleError):
        return None


def valid_timezone(raw: object) -> str | None:
    """``raw`` as an IANA time-zone name (``Europe/Berlin``), or None."""
    if not isinstance(raw, str) or not raw.strip() or len(raw) > 64:
        return None
    try:
        return _zone_name(babel_dates.get_timezone(raw.strip()))
    except (LookupError, ValueError):
        return None


def _zone_name(tz: Any) -> str:
    """The IANA name of a pytz or zoneinfo time zone."""
    return str(getattr(tz, "zone", None) or getattr(tz, "key", None) or tz)


def timezone_name() -> str:
    """The reader's time zone (UTC outside a request)."""
    if not _babel_ready():
        return "UTC"
    return _zone_name(get_timezone())


@contextmanager
def for_reader(locale: str | None, tz: str | None) -> Iterator[None]:
    """Write in ``locale`` and ``tz`` inside the block (a mail to someone other than the
    person whose request this is); ``None`` keeps the current one."""
    if not _babel_ready():
        yield
        return
    from flask_babel import _get_current_context

    ctx = _get_current_context()
    saved_tz = getattr(ctx, "babel_tzinfo", None)
    if tz is not None and ctx is not None:
        ctx.babel_tzinfo = babel_dates.get_timezone(tz)
    try:
        if locale is None:
            yield
        else:
            with force_locale(locale):
                yield
    finally:
        if ctx is not None:
            ctx.babel_tzinfo = saved_tz


def _aware(value: datetime) -> datetime:
    """Stored times are naive UTC; Babel needs to know that."""
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def format_datetime(value: datetime | None, with_time: bool = True) -> str:
    """A date (and time) in the reader's language and time zone: ``Aug 29, 2018, 2:05 PM``,
    ``29.08.2018, 14:05``."""
    if value is None:
        return ""
    if not _babel_ready():
        day = f"{value:%b} {value.day}, {value.year}"
        return f"{day}, {value:%H:%M}" if with_time else day
    locale = get_locale()
    tz = get_timezone()
    local = _aware(value).astimezone(tz)
    day = babel_dates.format_date(local.date(), "medium", locale=locale)
    if not with_time:
        return day
    # The medium date with the short time (no seconds), joined the locale's way.
    time = babel_dates.format_time(local, "short", tzinfo=tz, locale=locale)
    pattern = babel_dates.get_datetime_format("medium", locale=locale)
    return str(pattern).replace("{1}", day).replace("{0}", time)


def iso_datetime(value: datetime | None) -> str:
    """The machine-readable form for ``<time datetime="...">`` (UTC)."""
    return "" if value is None else _aware(value).isoformat()


def format_duration(seconds: float | timedelta, threshold: float = 0.85) -> str:
    """``3 hours``, ``2 days``: a duration in words, in the reader's language."""
    delta = seconds if isinstance(seconds, timedelta) else timedelta(seconds=float(seconds))
    locale = get_locale() if _babel_ready() else SOURCE_LOCALE
    return babel_dates.format_timedelta(delta, threshold=threshold, locale=locale or "en")


# -- setting it up --------------------------------------------------------------------------


def _selected_locale() -> str | None:
    """For a host without Flask-Babel: the ``user_locale`` hook, then ``Accept-Language``."""
    if not has_request_context():
        return None
    from flask_login import current_user

    from .state import current_order_messages as ext

    user = current_user if getattr(current_user, "is_authenticated", False) else None
    if user is not None:
        chosen = valid_locale(ext.hooks.user_locale(user))
        if chosen is not None:
            return chosen
    return request.accept_languages.best_match(shipped_locales())


def _selected_timezone() -> str | None:
    """For a host without Flask-Babel: the ``user_timezone`` hook (else the default)."""
    if not has_request_context():
        return None
    from flask_login import current_user

    from .state import current_order_messages as ext

    user = current_user if getattr(current_user, "is_authenticated", False) else None
    return valid_timezone(ext.hooks.user_timezone(user)) if user is not None else None


def install(app: Flask) -> None:
    """Set Flask-Babel up unless the host did, and give our templates their gettext."""
    if "babel" not in app.extensions:
        Babel(app, locale_selector=_selected_locale, timezone_selector=_selected_timezone)
    app.jinja_env.globals.update(
        om_gettext=gettext,
        om_ngettext=ngettext,
        om_pgettext=pgettext,
        om_dir=text_direction,
        om_locale=locale_name,
    )
