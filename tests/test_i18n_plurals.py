"""Each shipped catalogue keeps its own plural rule when the host's translation folders have
no catalogue of ours: French says "0 message non lu" (zero is singular in French), German and
Spanish "0 ungelesene Nachrichten", "0 mensajes sin leer"; and a percentage is written in
each language's own form."""

from __future__ import annotations

from typing import Any

import pytest

from flask_order_messages.i18n import ngettext

from .conftest import make_app

UNREAD = ("%(num)d unread message", "%(num)d unread messages")


@pytest.mark.parametrize(
    "locale, words",
    [
        ("fr", ["0 message non lu", "1 message non lu", "2 messages non lus"]),
        ("de", ["0 ungelesene Nachrichten", "1 ungelesene Nachricht", "2 ungelesene Nachrichten"]),
        ("es", ["0 mensajes sin leer", "1 mensaje sin leer", "2 mensajes sin leer"]),
    ],
)
def test_each_language_counts_with_its_own_plural_rule(
    tmp_path: Any, locale: str, words: list[str]
) -> None:
    # The host's own translation folder exists but holds no catalogue of ours.
    (tmp_path / "host_translations" / locale / "LC_MESSAGES").mkdir(parents=True)
    app = make_app(
        tmp_path,
        BABEL_DEFAULT_LOCALE=locale,
        BABEL_TRANSLATION_DIRECTORIES=str(tmp_path / "host_translations"),
    )
    with app.test_request_context():
        assert [ngettext(*UNREAD, n) for n in (0, 1, 2)] == words


@pytest.mark.parametrize(
    "locale, shown",
    [("en", "80%"), ("fr", "80\u00a0%"), ("de", "80\u00a0%"), ("es", "80\u00a0%")],
)
def test_a_share_is_a_percentage_in_the_readers_language(
    tmp_path: Any, locale: str, shown: str
) -> None:
    """The insight page's "replies within target": French, German and Spanish put a space
    (that never breaks) before the sign."""
    from flask_order_messages.template_i18n import format_percent

    app = make_app(tmp_path, BABEL_DEFAULT_LOCALE=locale)
    with app.test_request_context():
        assert format_percent(0.8) == shown
        assert format_percent(0.755)[:2] == "76"
