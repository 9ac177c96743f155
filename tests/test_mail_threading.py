"""Mail that threads: its own Message-ID (the same on a retry), In-Reply-To/References to the
order's stable root id, one subject per order; and mail with no mail server is not "sent"."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from flask_order_messages import mail
from flask_order_messages.extension import current_order_messages as ext

from . import committing as services
from . import smtp_server
from .conftest import db, make_order

smtp_running = smtp_server.smtp_running
smtp = smtp_server.smtp
app = smtp_server.app

MESSAGE_ID = re.compile(r"^<om\.[0-9a-f]+\.[0-9a-f]{20}@reply\.shop\.test>$")
ROOT_ID = re.compile(r"^<thread-\d+\.[0-9a-f]{12}@reply\.shop\.test>$")


@pytest.fixture
def app_config():
    return {"ORDER_MESSAGES_REPLY_DOMAIN": "reply.shop.test"}


def rows():
    box = ext.models.MailOutbox
    return list(db.session.execute(sa.select(box).order_by(box.id)).scalars())


def test_every_mail_has_its_own_message_id_and_one_order_one_thread(
    smtp, customer, staff, staff2, as_customer, as_staff
):
    first, second = make_order(customer), make_order(customer)
    services.post_message(first, as_customer, "One")
    services.post_message(first, as_staff, "Two")
    services.open_dispute(first, as_customer, "Three")
    services.post_message(second, as_customer, "Other order")
    received = smtp.received
    assert len(received) == 7
    ids = [m.message["Message-ID"] for m in received]
    assert len(set(ids)) == len(ids)
    assert all(MESSAGE_ID.match(i) for i in ids), ids
    assert ids == [r.message_id_header for r in rows()]
    on_first, on_second = received[:5], received[5:]
    roots = {m.message["References"] for m in on_first}
    assert len(roots) == 1 and ROOT_ID.match(roots.pop() or "")
    for mail_ in on_first:
        assert mail_.message["In-Reply-To"] == mail_.message["References"]
        assert mail_.subject == "Messages about order #00001"
    assert {m.message["References"] for m in on_second} != {on_first[0].message["References"]}
    assert {m.subject for m in on_second} == {"Messages about order #00002"}
    # A Reply-To per person and thread: staff, staff2 and Carol on the first order, staff and
    # staff2 on the second; the same person in the same thread gets the same one (same day).
    assert len({m.message["Reply-To"] for m in received}) == 5


@pytest.mark.parametrize("smtp_running", [False])
def test_a_retry_sends_the_same_message_id(smtp, order, staff, as_customer):
    services.post_message(order, as_customer, "Anyone there?")
    (row,) = rows()
    assert row.status == "pending" and row.attempts == 1
    kept = row.message_id_header
    assert MESSAGE_ID.match(kept)
    smtp.start()
    assert mail.send_pending(include_not_due=True).sent == 1
    (received,) = smtp.received
    assert received.message["Message-ID"] == kept


def test_a_row_written_before_threading_gets_one_id_kept_across_attempts(
    smtp, order, staff, as_customer
):
    smtp.stop()
    services.post_message(order, as_customer, "Old style")
    box = ext.models.MailOutbox
    db.session.execute(sa.update(box).values(message_id_header=None, thread_root=None))
    db.session.commit()
    mail.send_pending(include_not_due=True)  # fails: the server is down
    (row,) = rows()
    db.session.refresh(row)
    made = row.message_id_header
    assert made and row.status == "pending"
    smtp.start()
    mail.send_pending(include_not_due=True)
    (received,) = smtp.received
    assert received.message["Message-ID"] == made
    assert received.message["References"] is None  # no thread root recorded: none invented


def test_mail_with_no_mail_server_is_not_reported_sent(tmp_path, smtp):
    from .conftest import User

    with smtp_server.running_app(tmp_path, smtp.port, MAIL_SUPPRESS_SEND=True) as host:
        db.session.add_all(
            [
                User(name="Admin", email="admin@example.test", is_admin=True),
                carol := User(name="Carol", email="carol@example.test", is_admin=False),
            ]
        )
        db.session.commit()
        order = make_order(carol)
        from flask_order_messages import customer_actor

        services.post_message(order, customer_actor(carol), "Printed, not sent")
        assert smtp.received == []
        assert [r.status for r in rows()] == ["suppressed"]
        status = host.test_cli_runner().invoke(args=["order-messages", "mail-status"]).output
        assert "sent     0" in status
        assert "not delivered (no mail server) 1" in status
        assert "MAIL_SUPPRESS_SEND" in status
        # Suppressed is final: send-mail does not try it again.
        result = host.test_cli_runner().invoke(args=["order-messages", "send-mail", "--now"])
        assert result.output.startswith("sent 0, failed 0")
        assert [r.status for r in rows()] == ["suppressed"]
