"""Words made in Python come out in the reader's language; mails in their recipient's language
and time zone.

The catalogues here are a host's own ``order_messages.mo`` in ``tmp_path`` (a host's
``BABEL_TRANSLATION_DIRECTORIES`` are merged after ours, and win), so these tests need no
shipped catalogue:

* a pseudo-localised one, every msgid of ``order_messages.pot`` wrapped as ``⟦msgid⟧``: a
  string a person reads that comes out unwrapped was never marked (or ``make messages`` was
  not run);
* a small German one for the mails, with host templates that use ``om_gettext`` and a date.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from babel import dates as babel_dates
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask

from flask_order_messages import i18n, services
from flask_order_messages.extension import current_order_messages as ext
from flask_order_messages.mail_reader import reader_at, reader_of

from . import committing
from .conftest import Browser, User, db, fresh_tables, make_app, make_order
from .host_pages import P, page

POT = Path(i18n.TRANSLATIONS) / "order_messages.pot"
PSEUDO = "eo"  # a locale Babel knows and no one ships: only the test's catalogue has it


def wrapped(text: str) -> str:
    return f"⟦{text}⟧"


def write_catalogue(folder: Path, locale: str, messages: dict[Any, Any]) -> None:
    """``folder/<locale>/LC_MESSAGES/order_messages.mo`` with ``messages`` (msgid: msgstr;
    a plural's msgid and msgstr are tuples)."""
    catalog = Catalog(locale=locale, domain=i18n.DOMAIN)
    for msgid, msgstr in messages.items():
        catalog.add(msgid, msgstr)
    target = folder / locale / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    with open(target / f"{i18n.DOMAIN}.mo", "wb") as out:
        write_mo(out, catalog)


def pseudo_messages() -> dict[Any, Any]:
    """Every msgid of the template, wrapped in ⟦ ⟧ (each plural form too)."""
    with open(POT, "rb") as source:
        template = read_po(source)
    found: dict[Any, Any] = {}
    for message in template:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            singular, plural = message.id
            found[tuple(message.id)] = (wrapped(singular), wrapped(plural))
        else:
            found[message.id] = wrapped(message.id)
    return found


def _app_with(tmp_path: Path, folder: Path, **config: Any) -> Any:
    app = make_app(tmp_path, BABEL_TRANSLATION_DIRECTORIES=str(folder), **config)
    with app.app_context():
        fresh_tables()
    return app


@pytest.fixture
def pseudo_app(tmp_path: Path) -> Any:
    """The shop speaks the pseudo language (``BABEL_DEFAULT_LOCALE``): pages, JSON, the CLI."""
    folder = tmp_path / "host_translations"
    write_catalogue(folder, PSEUDO, pseudo_messages())
    app = _app_with(tmp_path, folder, BABEL_DEFAULT_LOCALE=PSEUDO)
    with app.test_request_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _person(name: str, admin: bool = False) -> User:
    user = User(name=name, email=f"{name.split()[0].lower()}@example.test", is_admin=admin)
    db.session.add(user)
    db.session.commit()
    return user


# -- pseudo-localisation: every Python-made string a person reads is marked -------------------


def test_a_refused_empty_post_says_so_in_the_readers_language(pseudo_app: Flask) -> None:
    customer = _person("Carol Customer")
    order = make_order(customer)
    browser = Browser(pseudo_app).login(customer)
    response = browser.post(f"{P}/orders/{order.id}/messages", {"body": "   "})
    assert response.status_code == 303
    # Back to the order page with the draft; this host has none, so the extension's own.
    draft = urlsplit(response.headers["Location"]).query
    html = page(browser.get(f"{P}/orders/{order.id}?{draft}"))
    assert wrapped(wrapped("Your message") + " cannot be empty.") in html


def test_a_notice_after_saving_is_in_the_readers_language(pseudo_app: Flask) -> None:
    staff = _person("Admin Admin", admin=True)
    browser = Browser(pseudo_app).login(staff)
    html = page(browser.get(f"{P}/admin/canned-replies?saved=1"))
    assert wrapped("The canned reply was saved.") in html


def test_labels_made_in_python_are_in_the_readers_language(pseudo_app: Flask) -> None:
    from flask_order_messages.services.status import status_label

    assert status_label("waiting") == wrapped("Waiting on customer")
    assert services.outcome_label("withdrawn") == wrapped("Withdrawn")
    counts = {"unread_threads": 1, "open_disputes": 2}
    assert services.bell_label(counts) == wrapped(
        "Messages: %(unread)s unread, %(disputes)s open disputes"
    ).replace("%(unread)s", "1").replace("%(disputes)s", "2")
    from flask_order_messages.notices import bulk_notice

    assert bulk_notice("read", 3) == "⟦3 threads marked read.⟧"
    assert bulk_notice("closed", 0) == wrapped(
        "No threads closed (the ticked ones were so already)."
    )
    # A default hook's label, made at import time, is read in the reader's language.
    nameless = User(name="", email="", is_admin=True)
    assert ext.hooks.display_name(nameless) == wrapped("Store staff")


def test_a_form_refusal_is_in_the_readers_language(pseudo_app: Flask) -> None:
    staff = _person("Admin Admin", admin=True)
    browser = Browser(pseudo_app).login(staff)
    response = browser.get(f"{P}/admin/messages?page=abc")
    assert wrapped("The page must be a whole number.") in page(response)


def test_a_cli_message_is_in_the_shops_language(pseudo_app: Flask) -> None:
    result = pseudo_app.test_cli_runner().invoke(args=["order-messages", "reset-read-floors"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("⟦Reset 0 read floors.⟧"), result.output


def test_an_api_problem_is_in_the_readers_language_and_its_type_stays_english(
    pseudo_app: Flask,
) -> None:
    from .api_support import PROBLEM, Api

    customer = _person("Carol Customer")
    order = make_order(customer)
    api = Api(Browser(pseudo_app).login(customer))
    response = api.post(f"/orders/{order.id}/messages", {"body": ""})
    assert response.status_code == 400
    body = response.get_json()
    assert body["type"] == PROBLEM + "validation"
    assert body["title"] == wrapped("Invalid request")
    assert body["detail"] == wrapped(wrapped("Your message") + " cannot be empty.")


# -- mail in its recipient's language and time zone -------------------------------------------

GERMAN = {
    "Messages about order #%(number)s": "Nachrichten zur Bestellung #%(number)s",
    "%(name)s wrote on %(when)s:": "%(name)s schrieb am %(when)s:",
    "The store": "Der Laden",
}
#: Host templates for the new-entry mail, written with ``om_gettext`` and a date, so that
#: these tests do not hang on the wording of the extension's own mail templates.
SUBJECT = '{{ om_gettext("Messages about order #%(number)s", number=order_number) }}'
BODY = (
    '{{ om_gettext("%(name)s wrote on %(when)s:", name=author_name, '
    "when=test_when(entry.created_at)) }}\n\n{{ entry.body }}\n"
)


@pytest.fixture
def mail_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A German-speaking customer in Berlin; English staff in New York; the shop's default
    English in UTC."""
    folder = tmp_path / "host_translations"
    write_catalogue(folder, "de", GERMAN)
    templates = tmp_path / "host_templates" / "order_messages" / "mail"
    templates.mkdir(parents=True)
    (templates / "subject.txt").write_text(SUBJECT)
    (templates / "new_entry.txt").write_text(BODY)
    (templates / "new_entry.html").write_text("<p>" + BODY + "</p>")
    app = _app_with(tmp_path, folder)
    app.template_folder = str(tmp_path / "host_templates")
    app.add_template_global(i18n.format_datetime, "test_when")
    locales = {"carol@example.test": "de"}
    zones = {"carol@example.test": "Europe/Berlin", "admin@example.test": "America/New_York"}
    with app.test_request_context():
        monkeypatch.setattr(ext.hooks, "user_locale", lambda user: locales.get(user.email))
        monkeypatch.setattr(ext.hooks, "user_timezone", lambda user: zones.get(user.email))
        yield app
        db.session.remove()
        db.engine.dispose()


def outbox_for(address: str) -> list[Any]:
    box = ext.models.MailOutbox
    db.session.expire_all()
    stmt = sa.select(box).where(box.recipient == address).order_by(box.id)
    return list(db.session.execute(stmt).scalars())


def local_time(value: datetime, zone: str, locale: str) -> str:
    """The pages' form: the medium date and the short time (no seconds) in ``zone``."""
    local = value.replace(tzinfo=timezone.utc).astimezone(babel_dates.get_timezone(zone))
    day = babel_dates.format_date(local.date(), "medium", locale=locale)
    time = babel_dates.format_time(local, "short", locale=locale)
    return str(babel_dates.get_datetime_format("medium", locale=locale)).format(time, day)


def test_each_mail_is_in_its_recipients_language_and_time_zone(mail_app: Flask) -> None:
    staff = _person("Admin Admin", admin=True)
    customer = _person("Carol Customer")
    order = make_order(customer)
    asked = committing.post_message(order, services.customer_actor(customer), "Wo ist es?")
    answer = committing.post_message(order, services.staff_actor(staff), "Heute versandt.")

    (to_staff,) = outbox_for(staff.email)
    assert (to_staff.locale, to_staff.timezone) == ("en", "America/New_York")
    assert to_staff.subject == f"Messages about order #{order.id:05d}"
    when = local_time(asked.created_at, "America/New_York", "en")
    assert to_staff.body_text.startswith(f"Carol Customer wrote on {when}:")

    (to_customer,) = outbox_for(customer.email)
    assert (to_customer.locale, to_customer.timezone) == ("de", "Europe/Berlin")
    assert to_customer.subject == f"Nachrichten zur Bestellung #{order.id:05d}"
    when = local_time(answer.created_at, "Europe/Berlin", "de")
    assert to_customer.body_text.startswith(f"Admin Admin schrieb am {when}:")
    assert "Heute versandt." in to_customer.body_text
    # The request that wrote them is left in its own language and zone.
    assert i18n.locale_name() == "en" and i18n.timezone_name() == "UTC"


def test_a_mail_no_person_wrote_names_the_store_in_each_language(mail_app: Flask) -> None:
    from flask_order_messages.mail import queue_for_entry
    from flask_order_messages.transactions import commit

    staff = _person("Admin Admin", admin=True)
    system = services.Actor(user=None, id=None, role="staff")  # a script's entry
    for name in ("Carol Customer", "Dan Customer"):  # German, and the shop's English
        customer = _person(name)
        order = make_order(customer)
        entry = committing.post_message(order, services.staff_actor(staff), "Hallo")
        queue_for_entry(entry, order, system)
        commit()
    _, to_carol = outbox_for("carol@example.test")  # Admin's mail, then the store's
    assert to_carol.body_text.startswith("Der Laden schrieb am")
    _, to_dan = outbox_for("dan@example.test")
    assert to_dan.body_text.startswith("The store wrote on")


def test_an_address_no_user_has_gets_the_shops_language_and_zone(
    tmp_path: Path, mail_app: Flask
) -> None:
    assert reader_at("nobody@example.test") == ("en", "UTC")
    assert reader_of(None) == ("en", "UTC")
    mail_app.config["BABEL_DEFAULT_TIMEZONE"] = "Europe/Vienna"  # read where Babel keeps it
    babel = mail_app.extensions["babel"]
    old = babel.default_timezone
    babel.default_timezone = "Europe/Vienna"
    try:
        assert reader_at("nobody@example.test") == ("en", "Europe/Vienna")
    finally:
        babel.default_timezone = old


@pytest.mark.parametrize(
    "answer",
    ["xx_YY-evil", "x" * 10240, "de\r\nBcc: evil@example.test", "../../etc/passwd", 42, b"de"],
)
def test_a_hostile_hook_answer_is_the_shops_default_and_never_raises(
    mail_app: Flask, monkeypatch: pytest.MonkeyPatch, answer: Any
) -> None:
    staff = _person("Admin Admin", admin=True)
    customer = _person("Carol Customer")
    monkeypatch.setattr(ext.hooks, "user_locale", lambda user: answer)
    monkeypatch.setattr(ext.hooks, "user_timezone", lambda user: answer)
    assert reader_of(customer) == ("en", "UTC")
    order = make_order(customer)
    committing.post_message(order, services.staff_actor(staff), "Shipped.")
    (row,) = outbox_for(customer.email)
    assert (row.locale, row.timezone) == ("en", "UTC")
    assert row.subject == f"Messages about order #{order.id:05d}"
    # A page for the customer still renders, in the default language.
    html = page(Browser(mail_app).login(customer).get(f"{P}/orders/{order.id}"))
    assert "Shipped." in html


def test_the_outbox_keeps_the_mails_words_for_a_retry(mail_app: Flask) -> None:
    from flask_order_messages.mail_compose import build_message

    staff = _person("Admin Admin", admin=True)
    customer = _person("Carol Customer")
    order = make_order(customer)
    committing.post_message(order, services.staff_actor(staff), "Heute.")
    (row,) = outbox_for(customer.email)
    # Sent later, from a request in another language: the same German words go out.
    with i18n.for_reader("en", "UTC"):
        message = build_message(row)
    assert message.subject == row.subject == f"Nachrichten zur Bestellung #{order.id:05d}"
    assert message.body == row.body_text


def test_a_product_with_no_name_is_called_so_in_each_readers_language(mail_app: Flask) -> None:
    """No ``product_name`` hook: "Product <key>" in the German customer's mail, page and API,
    in English in the English staff member's mail (written in the same request)."""
    from flask_order_messages.services import questions
    from flask_order_messages.transactions import commit

    from .api_support import API

    staff = _person("Admin Admin", admin=True)
    customer = _person("Carol Customer")
    asked = questions.ask("sku-9", services.customer_actor(customer), "Passt es?")
    commit()
    thread = db.session.get(ext.models.Thread, asked.thread_id)
    questions.post_question(thread, services.staff_actor(staff), "Yes.")
    commit()

    (to_staff,) = outbox_for(staff.email)
    assert to_staff.subject == "Question about Product sku-9"
    (to_customer,) = outbox_for(customer.email)
    assert to_customer.subject == "Ihre Frage zu Produkt sku-9"
    assert "Produkt sku-9" in to_customer.body_text and "Product" not in to_customer.body_text
    # Each request in a context of its own (the fixture's caches its locale); the German
    # customer's pages and API answers are German (the ``user_locale`` hook).
    browser = Browser(mail_app).login(customer)
    with mail_app.app_context():
        shown = page(browser.get(f"{P}/questions/{thread.id}"))
    assert "Frage zu Produkt sku-9" in shown
    with mail_app.app_context():
        listed = browser.get(f"{API}/questions").get_json()["questions"]
    assert [row["product_name"] for row in listed] == ["Produkt sku-9"]
