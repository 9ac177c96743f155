"""The shipped German catalogue (``translations/de``): a German reader's pages and plurals come
out in German, in the formal "Sie", with one word for each thing (the glossary in the
catalogue's header).  Completeness and placeholders of every catalogue are checked in
``test_i18n_catalogues.py``; these are the German catalogue's own promises."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import refresh

from flask_order_messages import i18n

from . import committing as services
from .host_pages import P, page

PO = Path(i18n.TRANSLATIONS) / "de" / "LC_MESSAGES" / "order_messages.po"
GERMAN = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}

#: English term (in a msgid's words) -> the German word every translation of it uses (a
#: pattern, for the inflected forms: "interne Notiz", "internen Notizen"; "Anhang", "Anhänge").
GLOSSARY = {
    "staff-only note": r"interne[nr]? notiz",
    "dispute": r"streitf[aä]ll",
    "canned repl": r"textbaustein",
    "webhook": r"webhook",
    "endpoint": r"endpunkt",
    "access token": r"zugriffstoken",
    "unread": r"ungelesen",
    "overdue": r"überfällig",
    "attachment": r"anh[aä]ng",
    "order #": r"bestellung #",
}


def german_entries() -> list[tuple[str, str]]:
    """(msgid, msgstr) for every entry and every plural form of the German catalogue."""
    with PO.open("rb") as source:
        catalogue = read_po(source)
    pairs = []
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        pairs.extend((ids[min(n, len(ids) - 1)], text) for n, text in enumerate(strings))
    return pairs


def german_page(browser: Any, user: Any, url: str) -> str:
    """``url`` as ``user`` sees it with a German browser.  The tests keep one app context
    open, where Flask-Babel caches the locale it chose: forget it, so this request chooses."""
    refresh()
    return page(browser.login(user).get(url, headers=GERMAN))


def without_markup(text: str) -> str:
    return re.sub(r"<[^>]+>", " ", text)


def test_the_catalogue_addresses_the_reader_as_sie_never_du() -> None:
    informal = re.compile(r"\b(du|dich|dir|dein\w*)\b", re.IGNORECASE)
    found = [text for _, text in german_entries() if informal.search(without_markup(text))]
    assert found == []
    assert any(re.search(r"\bSie\b", text) for _, text in german_entries())


@pytest.mark.parametrize("english, german", sorted(GLOSSARY.items()))
def test_each_term_has_one_german_word(english: str, german: str) -> None:
    entries = [
        (msgid, text)
        for msgid, text in german_entries()
        if english in re.sub(r"%\(\w+\)[sd]", "", msgid).lower()
    ]
    assert entries, f"no msgid says {english!r} any more: update the glossary"
    strays = [text for msgid, text in entries if not re.search(german, text.lower())]
    assert strays == []


def test_german_has_two_plural_forms(app: Flask) -> None:
    one, many = "%(num)d unread message", "%(num)d unread messages"
    with app.test_request_context(headers=GERMAN):
        said = [i18n.ngettext(one, many, n) for n in (0, 1, 2, 21)]
    assert said == [
        "0 ungelesene Nachrichten",
        "1 ungelesene Nachricht",
        "2 ungelesene Nachrichten",
        "21 ungelesene Nachrichten",
    ]


def test_a_german_reader_gets_the_messages_list_in_german(
    app: Flask, browser: Any, staff: Any, order: Any, as_customer: Any
) -> None:
    services.post_message(order, as_customer, "Wo bleibt mein Paket?")
    html = german_page(browser, staff, f"{P}/admin/messages")
    for words in ("Als gelesen markieren", "Nur ungelesene", "Letzte Nachricht", "Neu"):
        assert words in html
    for english in ("Mark read", "Unread only", "Latest message"):
        assert english not in html


def test_a_german_customer_gets_their_order_page_in_german(
    app: Flask, browser: Any, customer: Any, order: Any, as_customer: Any
) -> None:
    services.post_message(order, as_customer, "Wo bleibt mein Paket?")
    html = german_page(browser, customer, f"{P}/orders/{order.id}")
    assert 'lang="de"' in html
    assert "Senden" in html
    assert "Streitfall eröffnen" in html
    assert ">Send<" not in html and "Submit" not in html
