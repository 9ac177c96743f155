"""Words that used to be kept as finished text, now written in the reader's language: thread
events (stored as their kind and parameters), a webhook endpoint's "off" reason, file types,
canned-reply placeholders, the doctor's check names, the CLI's counters, and "Expired" with
a context (a dispute's and a token's are two words in Spanish)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_babel import force_locale

from flask_order_messages import event_words, i18n
from flask_order_messages.extension import current_order_messages as ext
from flask_order_messages.filetypes import sniff
from flask_order_messages.models import utcnow
from flask_order_messages.services import canned
from flask_order_messages.webhooks.disabled import GONE, disabled_reason, turned_off

from . import committing as services
from .conftest import db
from .host_pages import P
from .test_i18n_german import german_page

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _entries(order: Any) -> list[Any]:
    m, t = ext.models.Message, ext.models.Thread
    db.session.expire_all()
    stmt = sa.select(m).join(t, t.id == m.thread_id).where(t.order_id == order.id).order_by(m.id)
    return list(db.session.execute(stmt).scalars())


def test_team_events_keep_their_parameters_and_read_in_the_readers_language(
    app: Flask, browser: Any, staff: Any, order: Any, as_staff: Any, as_customer: Any
) -> None:
    services.post_message(order, as_customer, "Wo bleibt mein Paket?")
    services.assign(order, as_staff, "me")
    services.set_status(order, as_staff, "closed")
    services.open_dispute(order, as_customer, "Kaputt")
    services.close_dispute(order, as_staff, outcome="resolved_for_customer", note="Ersetzt")
    events = [e for e in _entries(order) if e.event and e.event != "dispute_opened"]
    assert [e.event for e in events] == ["assigned", "status_changed", "dispute_closed"]
    # Kept: the shop's language in the body, the parameters beside it.
    assert events[0].body == "Admin Admin assigned this thread to themselves"
    assert json.loads(events[1].event_args) == {"name": "Admin Admin", "status": "closed"}
    html = german_page(browser, staff, f"{P}/admin/orders/{order.id}")
    for german in (
        "Admin Admin hat die Unterhaltung selbst übernommen",
        "Geschlossen von Admin Admin",
        "Ergebnis: Zugunsten der Kundschaft entschieden.",
    ):
        assert german in html, german
    for english in ("assigned this thread to themselves", "Closed by", "Outcome:"):
        assert english not in html
    with app.test_request_context(headers={"Accept-Language": "de"}):
        assert event_words.entry_text(events[2]).startswith("Ergebnis: ")


def test_an_event_kept_as_text_only_shows_its_stored_text(app: Flask, as_staff: Any, order: Any):
    services.assign(order, as_staff, "me")
    (entry,) = [e for e in _entries(order) if e.event == "assigned"]
    entry.event_args, entry.body = None, "Zugewiesen, wie es war"
    db.session.commit()
    with force_locale("fr"):
        assert event_words.entry_text(entry) == "Zugewiesen, wie es war"
        assert event_words.event_sentence(entry) == ""


def test_a_dispute_closed_for_quiet_says_so_in_each_language(
    app: Flask, order: Any, as_customer: Any
) -> None:
    services.open_dispute(order, as_customer, "Kaputt")
    assert services.expire_disputes(2, now=utcnow() + timedelta(days=3))
    (closed,) = [e for e in _entries(order) if e.event == "dispute_closed"]
    assert "nobody wrote in this thread for 2 days" in closed.body  # the shop's language
    with force_locale("es"):
        text = event_words.entry_text(closed)
    assert text.startswith("Resultado: Caducada.") and "2 días" in text, text


def test_expired_is_two_words_in_spanish(app: Flask) -> None:
    from flask_order_messages.services import outcome_label

    with force_locale("es"):
        assert outcome_label("expired") == "Caducada"  # una reclamación
        assert i18n.pgettext("access token", "Expired") == "Caducado"  # un token


def test_a_webhook_turned_off_says_why_in_the_readers_language(app: Flask) -> None:
    values = turned_off(GONE, at="2027-03-01T12:30:00")
    endpoint = ext.models.WebhookEndpoint(url="https://h.example/x", secret="s", events=" x ")
    for name, value in values.items():
        setattr(endpoint, name, value)
    assert values["disabled_reason"].startswith("The receiver answered 410 Gone on Mar 1, 2027")
    with force_locale("de"):
        assert disabled_reason(endpoint).startswith("Der Empfänger hat am 01.03.2027")
        endpoint.disabled_code = None  # turned off before the code was kept
        assert disabled_reason(endpoint) == values["disabled_reason"]


def test_file_types_placeholders_and_doctor_names_are_in_the_readers_language(
    app: Flask,
) -> None:
    from flask_order_messages import doctor

    with force_locale("de"):
        file_type = sniff(PNG)
        assert file_type is not None and file_type.label == "PNG-Bild"
        assert str(canned.PLACEHOLDERS["order_number"]) == "die Bestellnummer"
        assert doctor.check_name("read state") == "Lesestatus"
        assert doctor.check_name("hook user_email") == "Hook user_email"


def test_cli_counters_are_in_the_shops_language(tmp_path: Any) -> None:
    from .conftest import fresh_tables, make_app

    german = make_app(tmp_path, BABEL_DEFAULT_LOCALE="de")
    with german.app_context():
        fresh_tables()
        runner = german.test_cli_runner()
        result = runner.invoke(args=["order-messages", "send-mail", "--retry-failed"])
        assert result.exit_code == 0, result.output
        assert "0 fehlgeschlagene E-Mails wiederbelebt" in result.output
        assert "gesendet 0, fehlgeschlagen 0" in result.output
        status = runner.invoke(args=["order-messages", "webhook-status"]).output
        assert "ausstehend" in status and "pending" not in status
        db.session.remove()
        db.engine.dispose()
