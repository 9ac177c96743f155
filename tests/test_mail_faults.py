"""Nothing is lost and nothing is sent twice: a mail server that is down, hung, slow or rude."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from flask_order_messages import customer_actor, mail
from flask_order_messages.extension import current_order_messages as ext
from flask_order_messages.models import utcnow

from . import committing as services
from . import smtp_server
from .conftest import db, make_order
from .smtp_server import add_user

smtp_running = smtp_server.smtp_running
smtp = smtp_server.smtp
app_config = smtp_server.app_config
app = smtp_server.app

OFF = {"ORDER_MESSAGES_MAIL_DELIVERY": "off"}


def rows():
    box = ext.models.MailOutbox
    db.session.commit()  # a fresh transaction sees what other senders committed
    return list(db.session.execute(sa.select(box).order_by(box.id)).scalars())


def message_count() -> int:
    return db.session.execute(sa.select(sa.func.count(ext.models.Message.id))).scalar_one()


def cli(app, *args: str):
    result = app.test_cli_runner().invoke(args=["order-messages", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


@pytest.mark.parametrize("smtp_running", [False])
def test_smtp_down_while_ten_messages_are_posted_then_each_is_mailed_exactly_once(
    app, smtp, order, customer, staff, browser
):
    browser.login(customer)
    for n in range(10):
        response = browser.post(
            f"/order-messages/orders/{order.id}/messages", {"body": f"Message number {n}"}
        )
        assert response.status_code == 303  # the customer never sees the mail failure

    assert message_count() == 10
    pending = rows()
    assert len(pending) == 10
    for row in pending:
        assert row.status == "pending"
        assert row.recipient == staff.email
        assert row.attempts == 1
        assert "Connection refused" in row.last_error or "ConnectionRefused" in row.last_error
        assert row.next_attempt_at > utcnow()

    smtp.start()
    waiting = cli(app, "send-mail").output  # the retries are not due yet
    assert "sent 0," in waiting
    assert "10 mails wait for their retry time" in waiting and "send-mail --now" in waiting
    assert smtp.received == []
    result = cli(app, "send-mail", "--now")
    assert "sent 10, failed 0" in result.output
    assert "pending 0" in result.output
    assert "sent 10, failed 0" not in cli(app, "send-mail", "--now").output

    bodies = sorted(m.text.split("\n\n")[1] for m in smtp.received)
    assert bodies == sorted(f"Message number {n}" for n in range(10))
    assert all(m.rcpt_tos == [staff.email] for m in smtp.received)
    assert {(r.status, r.attempts, r.last_error) for r in rows()} == {("sent", 2, None)}


@pytest.mark.parametrize("app_config", [OFF])
def test_a_slow_server_and_a_second_sender_never_duplicate_a_mail(
    app, smtp, order, customer, staff, as_customer
):
    for n in range(4):
        services.post_message(order, as_customer, f"Slow mail {n}")
    db.session.commit()
    smtp.set_delay(1.0)
    outcome: dict[str, object] = {}

    def first_sender() -> None:
        with app.app_context():
            outcome["first"] = mail.send_pending()

    def second_sender() -> None:
        # Cron's `send-mail --now` while the first sender still waits on the slow server.
        runner = app.test_cli_runner()
        outcome["second"] = runner.invoke(args=["order-messages", "send-mail", "--now"])

    first = threading.Thread(target=first_sender)
    first.start()
    deadline = time.monotonic() + 10
    while not any(r.status == "sending" for r in rows()):
        assert time.monotonic() < deadline, "the first sender never claimed a mail"
        time.sleep(0.02)
    db.session.commit()
    second = threading.Thread(target=second_sender)
    second.start()
    first.join(30)
    second.join(30)
    assert not first.is_alive() and not second.is_alive()

    received = [m.text.split("\n\n")[1] for m in smtp.received]
    assert sorted(received) == [f"Slow mail {n}" for n in range(4)]  # each once, none twice
    assert {(r.status, r.attempts) for r in rows()} == {("sent", 1)}
    first_report = outcome["first"]
    second_output = outcome["second"].output  # type: ignore[attr-defined]
    sent_by_second = int(second_output.split("sent ")[1].split(",")[0])
    assert first_report.sent + sent_by_second == 4  # type: ignore[attr-defined]
    assert sent_by_second < 4  # the mail the first sender held was left to it


@pytest.mark.parametrize("app_config", [OFF])
def test_three_senders_at_once_send_each_mail_once(app, smtp, order, staff, as_customer):
    for n in range(9):
        services.post_message(order, as_customer, f"Busy mail {n}")
    db.session.commit()
    smtp.set_delay(0.1)

    def sender() -> None:
        with app.app_context():
            mail.send_pending()

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(m.text.split("\n\n")[1] for m in smtp.received) == [
        f"Busy mail {n}" for n in range(9)
    ]
    assert {r.status for r in rows()} == {"sent"}


def test_a_server_that_never_answers_cannot_hold_the_request(tmp_path):
    with (
        smtp_server.silent_server() as port,
        smtp_server.running_app(tmp_path, port, ORDER_MESSAGES_MAIL_TIMEOUT=1),
    ):
        add_user("Admin Admin", admin=True)
        customer = add_user("Carol Customer")
        order = make_order(customer)
        started = time.monotonic()
        message = services.post_message(order, customer_actor(customer), "Anyone there?")
        assert time.monotonic() - started < 30  # bounded by the 1 s timeout, not by the server
        assert message.id is not None
        (row,) = rows()
        assert row.status == "pending" and row.attempts == 1
        assert "timed out" in row.last_error.lower()


def test_a_server_that_hangs_up_at_quit_still_counts_the_mail_as_sent(
    app, smtp, order, staff, as_customer
):
    smtp.hang_up_at_quit()
    services.post_message(order, as_customer, "Accepted, then the line drops")
    assert len(smtp.received) == 1
    (row,) = rows()
    assert row.status == "sent"
    assert mail.send_pending(include_not_due=True).sent == 0
    assert len(smtp.received) == 1


@pytest.mark.parametrize("smtp_running", [False])
@pytest.mark.parametrize(
    "app_config", [{"ORDER_MESSAGES_MAIL_MAX_ATTEMPTS": 3, "ORDER_MESSAGES_MAIL_RETRY_BASE": 60}]
)
def test_retries_back_off_then_give_up_and_can_be_revived(app, smtp, order, staff, as_customer):
    services.post_message(order, as_customer, "Will this ever arrive?")
    waits = []
    for attempt in (1, 2, 3):
        (row,) = rows()
        assert row.attempts == attempt
        waits.append(row.next_attempt_at - utcnow())
        if attempt < 3:
            assert row.status == "pending"
            assert mail.send_pending().sent == 0  # not due yet: nothing tried
            assert rows()[0].attempts == attempt
            mail.send_pending(include_not_due=True)
    assert row.status == "failed"
    assert timedelta(seconds=55) < waits[0] <= timedelta(seconds=60)
    assert timedelta(seconds=115) < waits[1] <= timedelta(seconds=120)
    assert waits[0] < waits[1] < waits[2]

    status = cli(app, "mail-status").output
    assert "pending  0" in status and "failed   1" in status
    assert "ConnectionRefusedError" in status
    assert "--retry-failed" in status

    smtp.start()
    assert mail.send_pending(include_not_due=True).sent == 0  # given up means given up
    result = cli(app, "send-mail", "--retry-failed")
    assert "revived 1 failed mail\n" in result.output and "sent 1" in result.output
    (mail_,) = smtp.received
    assert "Will this ever arrive?" in mail_.text
    assert "sent     1" in cli(app, "mail-status").output


def test_a_database_hiccup_after_commit_does_not_fail_the_post(
    app, smtp, order, staff, customer, browser, monkeypatch
):
    def broken_claim(outbox_id: int) -> bool:
        raise sa.exc.OperationalError("UPDATE", {}, Exception("database is locked"))

    monkeypatch.setattr(mail, "_claim", broken_claim)
    response = browser.login(customer).post(
        f"/order-messages/orders/{order.id}/messages", {"body": "Still saved"}
    )
    assert response.status_code == 303
    assert message_count() == 1
    (row,) = rows()
    assert row.status == "pending" and row.attempts == 0
    monkeypatch.undo()
    assert mail.send_pending().sent == 1
    assert "Still saved" in smtp.received[0].text


def test_a_sent_mail_is_never_sent_again(app, smtp, order, staff, as_customer):
    services.post_message(order, as_customer, "Once")
    (row,) = rows()
    assert mail.deliver(row.id) is False
    assert mail.deliver_status(row.id) == "skipped"
    assert mail.send_pending(include_not_due=True) == (0, 0, 0, 0)
    assert len(smtp.received) == 1


@pytest.mark.parametrize("app_config", [OFF])
def test_a_sender_that_died_mid_send_is_replaced_after_its_lease(
    app, smtp, order, staff, as_customer
):
    services.post_message(order, as_customer, "Orphaned")
    (row,) = rows()
    box = ext.models.MailOutbox
    # Claimed by a sender that crashed: its lease has not run out yet, then it has.
    db.session.execute(
        sa.update(box).values(status="sending", claimed_until=utcnow() + timedelta(minutes=5))
    )
    db.session.commit()
    assert mail.send_pending(include_not_due=True).sent == 0
    db.session.execute(sa.update(box).values(claimed_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert mail.send_pending().sent == 1
    assert len(smtp.received) == 1


@pytest.mark.parametrize("smtp_running", [False])
@pytest.mark.parametrize("app_config", [OFF])
def test_a_backlog_larger_than_a_batch_is_sent_in_one_run(
    app, smtp, order, staff, as_customer, monkeypatch
):
    monkeypatch.setattr(mail, "BATCH", 3)
    for n in range(8):
        services.post_message(order, as_customer, f"Backlog {n}")
    report = mail.send_pending()
    assert report == (0, 8, 0, 0)  # each tried once, none twice, although batches are 3
    assert {r.attempts for r in rows()} == {1}
    smtp.start()
    assert mail.send_pending(include_not_due=True).sent == 8
    assert len(smtp.received) == 8


@pytest.mark.parametrize("bad", [0, -5, 2.5, "30"])
def test_a_wrong_mail_timeout_is_refused_at_init_with_the_key_named(tmp_path, bad):
    from flask_order_messages import ConfigError

    from .conftest import make_app

    with pytest.raises(ConfigError, match="ORDER_MESSAGES_MAIL_TIMEOUT"):
        make_app(tmp_path, ORDER_MESSAGES_MAIL_TIMEOUT=bad)
