"""Replies by mail, through the one path every receiver takes (``inbound.pipeline.receive``):
posted once as the right person, automatic mail ignored, forged/expired/foreign reply
addresses and wrong senders refused with one short answer at most, the web's rate limit,
attachments through the web's checks, a database that cannot be reached."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from flask_order_messages.inbound.pipeline import receive, receive_in

from . import inbound_support, smtp_server
from .conftest import Browser, Order, db, make_app
from .inbound_support import (
    INBOUND_CONFIG,
    PNG,
    customer_reply_address,
    inbound_rows,
    quoted,
    reply_mail,
    staff_reply_address,
    thread_messages,
)

smtp_running = smtp_server.smtp_running
smtp = smtp_server.smtp
app = smtp_server.app
app_config = inbound_support.app_config
people = inbound_support.people


def _receive(raw: bytes, sender: str, address: str) -> Any:
    return receive(raw, via="smtp", envelope_from=sender, recipients=[address])


def test_a_customers_reply_is_posted_as_the_customer_once(smtp, people):
    staff, customer, order = people
    address = customer_reply_address(smtp, staff, customer, order)
    raw = reply_mail(frm=f"Carol <{customer.email}>", to=address, text=quoted("Thanks, got it!"))

    outcome = _receive(raw, customer.email, address)

    assert (outcome.outcome, outcome.temporary) == ("posted", False)
    newest = thread_messages(order)[-1]
    assert (newest.body, newest.author_id, newest.author_role) == (
        "Thanks, got it!",
        customer.id,
        "customer",
    )
    assert outcome.message_id == newest.id
    # As from the web form: staff hear of it by mail.
    assert "Thanks, got it!" in smtp.to(staff.email)[-1].text

    again = _receive(raw, customer.email, address)
    assert (again.outcome, again.reason) == ("duplicate", "already received")
    assert len(thread_messages(order)) == 2
    assert [r.outcome for r in inbound_rows()] == ["posted", "duplicate"]
    assert inbound_rows()[0].author_id == customer.id


def test_a_staff_reply_is_posted_as_that_staff_member(smtp, people):
    staff, customer, order = people
    address = staff_reply_address(smtp, staff, customer, order)
    raw = reply_mail(frm=staff.email, to=address, text="It left the warehouse this morning.")

    assert _receive(raw, staff.email, address).outcome == "posted"
    newest = thread_messages(order)[-1]
    assert (newest.author_id, newest.author_role) == (staff.id, "staff")
    assert "It left the warehouse" in smtp.to(customer.email)[-1].text


def test_a_mail_without_message_id_counts_once_by_its_bytes(smtp, people):
    staff, customer, order = people
    address = customer_reply_address(smtp, staff, customer, order)
    raw = b"\r\n".join(
        line
        for line in reply_mail(frm=customer.email, to=address, text="No id here").split(b"\r\n")
        if not line.lower().startswith(b"message-id:")
    )
    assert _receive(raw, customer.email, address).outcome == "posted"
    assert _receive(raw, customer.email, address).outcome == "duplicate"
    assert len(thread_messages(order)) == 2


def test_two_deliveries_at_once_post_once(smtp, people, app):
    staff, customer, order = people
    address = customer_reply_address(smtp, staff, customer, order)
    raw = reply_mail(frm=customer.email, to=address, text="Sent twice by my server")
    start = threading.Barrier(2)
    outcomes: list[Any] = []

    def deliver() -> None:
        start.wait()
        outcomes.append(
            receive_in(app, raw, via="lmtp", envelope_from=customer.email, recipients=[address])
        )

    workers = [threading.Thread(target=deliver) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)

    assert sorted(o.outcome for o in outcomes)[-1] == "posted"
    assert [o.outcome for o in outcomes].count("posted") == 1
    # The other one is a duplicate, or (SQLite's single writer was busy) deferred: its sender
    # delivers it again, and then it is a duplicate.
    assert {o.outcome for o in outcomes} - {"posted"} <= {"duplicate", "deferred"}
    assert [m.body for m in thread_messages(order)].count("Sent twice by my server") == 1
    again = _receive(raw, customer.email, address)
    assert again.outcome == "duplicate"


@pytest.mark.parametrize(
    ("headers", "envelope_from", "why"),
    [
        ({"Auto-Submitted": "auto-replied"}, "carol.customer@example.test", "Auto-Submitted"),
        ({"X-Autoreply": "yes", "Subject": "Out of office"}, None, "X-Autoreply"),
        ({"Precedence": "bulk"}, None, "Precedence"),
        ({"List-Unsubscribe": "<mailto:leave@lists.example>"}, None, "mailing list"),
        ({}, "", "empty return path"),
    ],
    ids=["auto-replied", "out-of-office", "bulk", "list", "bounce"],
)
def test_automatic_mail_is_recorded_never_posted_never_answered(
    smtp, people, headers, envelope_from, why
):
    staff, customer, order = people
    address = customer_reply_address(smtp, staff, customer, order)
    mails_before = len(smtp.received)
    subject = headers.pop("Subject", "Re: Messages about order #00001")
    raw = reply_mail(
        frm=customer.email,
        to=address,
        text="I am away until Monday.",
        subject=subject,
        headers=headers,
    )

    outcome = receive(raw, via="smtp", envelope_from=envelope_from, recipients=[address])

    assert outcome.outcome == "ignored"
    assert why in (outcome.reason or "")
    assert len(thread_messages(order)) == 1
    assert len(smtp.received) == mails_before


def _tampered(address: str, *, row_id: str | None = None, mac: str | None = None) -> str:
    local, _, domain = address.partition("@")
    prefix, _, token = local.partition("+")
    row, day, code = token.split("-")
    return f"{prefix}+{row_id or row}-{day}-{mac or code}@{domain}"


def test_forged_and_foreign_reply_addresses_are_refused_without_an_answer(smtp, people):
    staff, customer, order = people
    address = customer_reply_address(smtp, staff, customer, order)
    other = Order(customer_id=customer.id, total="5.00")
    db.session.add(other)
    db.session.commit()
    other_address = customer_reply_address(smtp, staff, customer, other)
    other_row = other_address.split("+")[1].split("-")[0]
    mac = address.split("-")[-1].split("@")[0]
    forged = _tampered(address, mac=("a" if mac[0] != "a" else "b") + mac[1:])
    moved = _tampered(address, row_id=other_row)  # this MAC, another order's address row
    mails_before = len(smtp.received)

    for target in (forged, moved, f"reply+nothing@{INBOUND_CONFIG['ORDER_MESSAGES_REPLY_DOMAIN']}"):
        raw = reply_mail(frm=customer.email, to=target, text="Let me in")
        outcome = _receive(raw, customer.email, target)
        assert outcome.outcome == "refused", target

    assert [r.reason for r in inbound_rows()] == [
        "forged reply address",
        "forged reply address",
        "bad reply address",
    ]
    assert len(thread_messages(order)) == 1 and len(thread_messages(other)) == 1
    assert len(smtp.received) == mails_before  # nobody we wrote to: nobody to answer


def test_an_expired_reply_address_is_refused_with_one_answer(smtp, people, app, monkeypatch):
    staff, customer, order = people
    address = customer_reply_address(smtp, staff, customer, order)
    from flask_order_messages import reply_addresses

    today = reply_addresses._today()
    monkeypatch.setattr(reply_addresses, "_today", lambda: today + 181)

    outcome = _receive(
        reply_mail(frm=customer.email, to=address, text="Late"), customer.email, address
    )

    assert (outcome.outcome, outcome.reason) == ("refused", "expired reply address")
    answer = smtp.to(customer.email)[-1]
    assert "has expired" in answer.text
    assert answer.message["Auto-Submitted"] == "auto-replied"
    assert answer.message["Reply-To"] is None
    assert len(thread_messages(order)) == 1


def test_a_sender_who_is_not_the_addresses_person_is_refused_and_answered_once_an_hour(
    smtp, people
):
    staff, customer, order = people
    address = customer_reply_address(smtp, staff, customer, order)
    intruder = "mallory@elsewhere.example"

    for text in ("I am Carol, honest", "Really, I am Carol"):
        outcome = _receive(reply_mail(frm=intruder, to=address, text=text), intruder, address)
        assert outcome.outcome == "refused"
        assert outcome.reason == f"sender mismatch: {intruder}"

    answers = smtp.to(intruder)
    assert len(answers) == 1  # at most one answer per sender and hour
    assert "another address" in answers[0].text
    assert "Carol" not in answers[0].text  # never words from the mail
    assert len(thread_messages(order)) == 1
    rows = inbound_rows()
    assert rows[0].replied_at is not None and rows[1].replied_at is None


@pytest.mark.parametrize(
    "sender", ["noreply@elsewhere.example", "bounces+x@elsewhere.example", "x@localhost"]
)
def test_no_answer_to_an_address_that_is_not_a_person(smtp, people, sender):
    staff, customer, order = people
    address = customer_reply_address(smtp, staff, customer, order)
    mails_before = len(smtp.received)
    outcome = _receive(reply_mail(frm=sender, to=address, text="Hello"), sender, address)
    assert outcome.outcome == "refused"
    assert len(smtp.received) == mails_before


def test_the_persons_current_address_is_accepted_too(smtp, people):
    staff, customer, order = people
    address = customer_reply_address(smtp, staff, customer, order)
    customer.email = "carol@new-provider.example"
    db.session.commit()
    raw = reply_mail(frm="carol@new-provider.example", to=address, text="New address, same me")
    assert _receive(raw, customer.email, address).outcome == "posted"


def test_staff_who_lost_the_role_cannot_post_by_mail(smtp, people):
    staff, customer, order = people
    address = staff_reply_address(smtp, staff, customer, order)
    staff.is_admin = False
    db.session.commit()
    outcome = _receive(
        reply_mail(frm=staff.email, to=address, text="Still here"), staff.email, address
    )
    assert (outcome.outcome, outcome.reason) == ("refused", "no longer staff")
    assert len(thread_messages(order)) == 1


def test_a_reply_with_nothing_new_is_refused_as_empty(smtp, people):
    staff, customer, order = people
    address = customer_reply_address(smtp, staff, customer, order)
    outcome = _receive(
        reply_mail(frm=customer.email, to=address, text=quoted("")), customer.email, address
    )
    assert (outcome.outcome, outcome.reason) == ("refused", "empty reply")
    assert "no new text" in smtp.to(customer.email)[-1].text
    assert len(thread_messages(order)) == 1


@pytest.mark.parametrize(
    "app_config", [{**INBOUND_CONFIG, "ORDER_MESSAGES_POST_RATE_LIMIT": "2 per minute"}]
)
def test_the_webs_rate_limit_defers_mail_and_counts_it_with_web_posts(smtp, people, app):
    staff, customer, order = people
    address = customer_reply_address(smtp, staff, customer, order)
    first = _receive(
        reply_mail(frm=customer.email, to=address, text="one"), customer.email, address
    )
    assert first.outcome == "posted"

    # The web form counts in the same bucket: one more post and the limit is reached.
    browser = Browser(app).login(customer)
    sent = browser.post(f"/order-messages/orders/{order.id}/messages", {"body": "two"})
    assert sent.status_code == 303
    third = reply_mail(frm=customer.email, to=address, text="three")
    outcome = _receive(third, customer.email, address)

    assert (outcome.outcome, outcome.temporary) == ("deferred", True)
    assert [m.body for m in thread_messages(order)][1:] == ["one", "two"]
    # Deferred is no decision: the same mail, delivered again later, is handled then.
    assert inbound_rows()[-1].accepted_key is None


def test_attachments_pass_the_web_forms_checks_one_by_one(smtp, people):
    staff, customer, order = people
    address = customer_reply_address(smtp, staff, customer, order)
    raw = reply_mail(
        frm=customer.email,
        to=address,
        text="Photo of the damage attached.",
        files=(
            ("damage.png", PNG, "image/png"),
            ("setup.exe", b"MZ\x90\x00" + b"\x00" * 60, "application/octet-stream"),
        ),
    )

    outcome = _receive(raw, customer.email, address)

    assert outcome.outcome == "posted"
    newest = thread_messages(order)[-1]
    assert newest.body == "Photo of the damage attached."
    assert [a.filename for a in newest.attachments] == ["damage.png"]
    assert "setup.exe" in (outcome.reason or "")
    note = smtp.to(customer.email)[-1]
    assert "not all of its files" in note.text and "setup.exe" in note.text
    assert note.subject == "Some files of your mail were not added to the conversation"


def test_a_database_that_cannot_be_reached_defers_the_mail(tmp_path, smtp):
    # Another app whose database file cannot be opened (its folder does not exist).
    down = make_app(
        tmp_path,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'gone' / 'shop.sqlite'}",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp.port,
        **INBOUND_CONFIG,
    )
    raw = reply_mail(frm="carol@example.test", to="reply+1-2-x@reply.shop.test", text="Hi")
    outcome = receive_in(down, raw, via="smtp", envelope_from="carol@example.test")
    assert (outcome.outcome, outcome.temporary) == ("deferred", True)
    assert outcome.reason == "database unavailable"
    with down.app_context():
        db.engine.dispose()


def test_mail_status_shows_the_inbound_record(smtp, people, app):
    staff, customer, order = people
    address = customer_reply_address(smtp, staff, customer, order)
    _receive(reply_mail(frm=customer.email, to=address, text="Thanks"), customer.email, address)
    _receive(
        reply_mail(frm="eve@elsewhere.example", to=address, text="Hi"),
        "eve@elsewhere.example",
        address,
    )

    result = app.test_cli_runner().invoke(args=["order-messages", "mail-status"])

    assert result.exit_code == 0, result.output
    assert "inbound: posted 1, ignored 0, duplicate 0, refused 1, deferred 0" in result.output
    lines = [line.strip() for line in result.output.splitlines() if line.startswith("  ")]
    assert lines[0].endswith(
        "smtp eve@elsewhere.example: refused (sender mismatch: eve@elsewhere.example)"
    )
    assert lines[1].endswith(f"smtp {customer.email}: posted")


def test_control_characters_in_what_the_record_keeps_are_recorded_not_raised(smtp, people):
    """A NUL in a Message-ID, a From, a reply address or the envelope sender (PostgreSQL
    refuses it in text): the mail is recorded and decided like any other, never raised (the
    receivers would say "try again later" for ever, and nothing would be recorded)."""
    staff, customer, order = people
    address = customer_reply_address(smtp, staff, customer, order)
    local, _, domain = address.partition("@")
    cases = [  # (From, To, Message-ID, envelope sender, outcome)
        (customer.email, address, "<a\x00b@client.example>", customer.email, "posted"),
        ("carol\x00x@example.test", address, None, "carol\x00x@example.test", "refused"),
        (customer.email, f"{local}\x00@{domain}", None, customer.email, "refused"),
    ]
    for frm, to, message_id, sender, outcome in cases:
        raw = reply_mail(frm=frm, to=to, text=f"Hello {outcome}", message_id=message_id)
        assert receive(raw, via="smtp", envelope_from=sender, recipients=[to]).outcome == outcome

    rows = inbound_rows()
    assert [r.outcome for r in rows] == [case[-1] for case in cases]
    kept = [(r.message_id, r.envelope_from, r.sender, r.recipient, r.reason) for r in rows]
    assert not [value for row in kept for value in row if value and "\x00" in value], kept
    assert [m.body for m in thread_messages(order)][-1] == "Hello posted"
