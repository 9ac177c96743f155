"""The command line in the shop's language (``BABEL_DEFAULT_LOCALE``): the inbound outcomes of
``mail-status``, the doctor's tags and the words around its findings, the schema lines of
``db``, ``fetch-mail``'s words; and a refused guest link in the reader's language.  English
stays byte for byte what scripts and .ci/plain-install read (tests/test_cli.py and others)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from flask_order_messages.extension import current_order_messages as ext

from .conftest import Browser, db, fresh_tables, make_app
from .test_i18n_german import GERMAN


@pytest.fixture
def german(tmp_path: Any) -> Iterator[Flask]:
    """A shop whose language is German, with the extension's tables."""
    app = make_app(tmp_path, BABEL_DEFAULT_LOCALE="de")
    with app.app_context():
        fresh_tables()
        yield app
        db.session.remove()
        db.engine.dispose()


def run(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["order-messages", *args])
    assert "Traceback" not in result.output, result.output
    return result.output


def test_mail_status_names_the_inbound_outcomes_in_the_shops_language(german: Flask) -> None:
    box = ext.models.InboundMail
    db.session.add(box(via="smtp", sender="carol@example.test", outcome="refused"))
    db.session.commit()
    out = run(german, "mail-status")
    assert (
        "eingehend: eingestellt 0, ignoriert 0, doppelt 0, abgelehnt 1, zurückgestellt 0" in out
    ), out
    assert re.search(r"smtp carol@example\.test: abgelehnt$", out, re.M), out
    # The counts stay in one column when a German word is longer than the English ones.
    assert re.search(r"^ausstehend     0\nwird gesendet  0\n", out, re.M), out


def test_the_doctors_tags_and_words_are_in_the_shops_language(german: Flask) -> None:
    out = run(german, "doctor")
    lines = out.splitlines()
    assert any(line.startswith("WARNUNG ") for line in lines), out
    assert not any(re.match(r"(WARN|ERROR)\b", line) for line in lines), out
    # The tags are one column wide, the continuation lines indented to match it.
    assert any(line.startswith("ok       Admin-Layout: ") for line in lines), out
    assert "admin layout" not in out and "the customer_order_url hook" not in out


def test_the_schema_lines_are_in_the_shops_language(german: Flask) -> None:
    assert run(german, "db", "current").strip() == (
        "base (keine order-messages-Tabellen aus Migrationen)"
    )
    stamped = run(german, "db", "stamp")
    assert re.fullmatch(r"order-messages-Schema auf Stand \d{4} \(head\)\n", stamped), stamped
    refused = run(german, "db", "upgrade", "nonsense")
    assert "zeigt, auf welchem Stand die Datenbank ist" in refused, refused


def test_fetch_mail_says_it_is_off_in_the_shops_language(german: Flask) -> None:
    assert "fetch-mail ist deaktiviert: Setzen Sie" in run(german, "fetch-mail")


def test_a_refused_guest_link_is_in_the_readers_language(app: Flask, browser: Browser) -> None:
    html = browser.get("/order-messages/t/not-a-token", headers=GERMAN).get_data(as_text=True)
    assert "Dieser Link ist ungültig." in html and "This link" not in html
