"""The demo's mail: the sink that catches what the example shop really delivers over SMTP, the
staff's Mailbox (demo) page, and its "Reply to this mail", which answers as a mail client would
and must post only the new words, once, as the mail's recipient.

Runs on ``TEST_DATABASE_URL`` like the rest of the suite (a fresh SQLite file otherwise).
"""

from __future__ import annotations

import re
import smtplib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
import sqlalchemy as sa

from .shop import add_people, logged_in, shop_app
from .smtp_server import free_port

REPLY = "Tuesday works for me.\nCould you leave it with the neighbour?"


@pytest.fixture
def demo(tmp_path: Any) -> Iterator[Any]:
    """The shop as ``flask demo`` configures it, its mail sink running on a free port, with
    Staff, Carol (order 1) and Dan."""
    from example_shop.demo_mail import demo_mail_config, start_sink
    from example_shop.models import Order, db

    port = free_port()
    with shop_app(tmp_path, demo_mail_config(port)) as app:
        with app.app_context():
            _staff, carol, _dan = add_people("Staff", "Carol", "Dan", staff=("Staff",))
            db.session.add(Order(customer_id=carol.id, status="paid"))
            db.session.commit()
        sink = start_sink(app, port)
        try:
            yield app
        finally:
            sink.stop()


def post(client: Any, path: str, body: str) -> None:
    """Post a message through the extension's form; the mail goes once the answer is sent."""
    response = client.post(path, data={"csrf_token": client.token, "body": body})
    assert response.status_code == 303, response.text
    response.close()


def caught(app: Any) -> list[Any]:
    from example_shop.models import DemoMail, db

    with app.app_context():
        mails = db.session.scalars(sa.select(DemoMail).order_by(DemoMail.id)).all()
        db.session.expunge_all()
        return list(mails)


def outbox(app: Any) -> list[tuple[str, str]]:
    from example_shop.messaging import order_messages
    from example_shop.models import db

    box = order_messages.models.MailOutbox
    with app.app_context():
        rows = db.session.execute(sa.select(box.recipient, box.status).order_by(box.id))
        return [tuple(row) for row in rows]


def messages(app: Any) -> list[tuple[str, str]]:
    from example_shop.messaging import order_messages
    from example_shop.models import db

    model = order_messages.models.Message
    with app.app_context():
        rows = db.session.execute(sa.select(model.author_role, model.body).order_by(model.id))
        return [tuple(row) for row in rows]


def staff_answers_carol(app: Any) -> tuple[Any, Any]:
    """Staff writes on Carol's order: the sink catches the mail to Carol.  (staff, that mail)"""
    staff = logged_in(app, "staff@shop.test")
    post(staff, "/order-messages/admin/orders/1/messages", "It left our warehouse today.")
    mails = caught(app)
    assert [m.envelope_to for m in mails] == ["carol@shop.test"]
    return staff, mails[0]


def test_the_shop_delivers_to_the_sink_and_status_says_sent(demo):
    carol = logged_in(demo, "carol@shop.test")
    post(carol, "/order-messages/orders/1/messages", "Where is my parcel?")

    (mail,) = caught(demo)
    assert mail.envelope_to == "staff@shop.test"
    assert mail.subject == "Messages about order #00001"
    assert re.search(rb"^Reply-To: reply\+[a-z0-9-]+@reply\.shop\.example\r?$", mail.raw, re.M)
    assert b"Where is my parcel?" in mail.raw
    assert outbox(demo) == [("staff@shop.test", "sent")]
    result = demo.test_cli_runner().invoke(args=["order-messages", "mail-status"])
    assert re.search(r"^sent\s+1$", result.output, re.M), result.output
    assert "not delivered" not in result.output


def test_without_the_sink_nothing_is_reported_sent(tmp_path):
    from example_shop.demo_mail import demo_mail_config

    with shop_app(tmp_path, demo_mail_config(free_port())) as app:  # nobody listens there
        with app.app_context():
            add_people("Staff", "Carol", staff=("Staff",))
            from example_shop.models import Order, db

            db.session.add(Order(customer_id=2, status="paid"))
            db.session.commit()
        post(logged_in(app, "carol@shop.test"), "/order-messages/orders/1/messages", "Hello?")
        assert outbox(app) == [("staff@shop.test", "pending")]  # kept, retried later
        result = app.test_cli_runner().invoke(args=["order-messages", "mail-status"])
        assert re.search(r"^sent\s+0$", result.output, re.M), result.output
        assert "Connection refused" in result.output or "ConnectionRefused" in result.output


def test_the_sink_takes_any_mail_over_smtp(demo):
    port = demo.config["DEMO_MAIL_SINK_PORT"]
    raw = (
        b"From: someone@elsewhere.example\r\nTo: carol@shop.test\r\n"
        b"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?= and\r\n a folded subject\r\n\r\nHi\r\n"
    )
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        refused = client.sendmail(
            "someone@elsewhere.example", ["carol@shop.test", "x@y.example"], raw
        )
    assert refused == {}
    (mail,) = caught(demo)
    assert mail.envelope_from == "someone@elsewhere.example"
    assert mail.envelope_to == "carol@shop.test, x@y.example"
    assert mail.subject == "Grüße and a folded subject"
    assert mail.raw == raw


def test_mailbox_is_for_staff_only(demo):
    staff_answers_carol(demo)
    carol = logged_in(demo, "carol@shop.test")
    paths = [
        "/admin/mailbox/",
        "/admin/mailbox/1",
        "/admin/mailbox/1/html",
        "/admin/mailbox/1/html/body",
    ]
    orders = carol.get("/admin/orders").status_code
    assert orders == 403
    for path in paths:
        response = carol.get(path)
        assert response.status_code == orders, path
        assert "It left our warehouse" not in response.text, path
    response = carol.post("/admin/mailbox/1/reply", data={"csrf_token": carol.token, "body": "x"})
    assert response.status_code == orders
    anonymous = demo.test_client()
    for path in paths:
        response = anonymous.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    assert len(messages(demo)) == 1


def test_mailbox_lists_and_shows_a_mail(demo):
    staff, mail = staff_answers_carol(demo)
    page = staff.get("/admin/mailbox/").text
    assert "Mailbox (demo)" in page and f"127.0.0.1:{demo.config['DEMO_MAIL_SINK_PORT']}" in page
    assert "carol@shop.test" in page
    assert f'href="/admin/mailbox/{mail.id}">Messages about order #00001</a>' in page

    page = staff.get(f"/admin/mailbox/{mail.id}").text
    for header in ("From", "To", "Reply-To", "Subject", "Message-ID", "In-Reply-To"):
        assert f"<dt>{header}</dt>" in page, header
    assert re.search(r"<dd>reply\+[a-z0-9-]+@reply\.shop\.example</dd>", page)
    assert "It left our warehouse today." in page
    assert 'name="csrf_token"' in page and "Send reply" in page

    frame = staff.get(f"/admin/mailbox/{mail.id}/html").text
    assert re.search(r'<iframe class="mail-frame" sandbox=""', frame)
    body = staff.get(f"/admin/mailbox/{mail.id}/html/body")
    assert body.mimetype == "text/html"
    assert body.headers["Content-Security-Policy"].startswith("sandbox;")
    assert "default-src 'none'" in body.headers["Content-Security-Policy"]
    assert "It left our warehouse today." in body.text
    assert staff.get("/admin/mailbox/99").status_code == 404
    assert staff.get("/admin/mailbox/99999999999").status_code == 404


def test_reply_posts_only_the_new_words_once_as_the_recipient(demo):
    staff, mail = staff_answers_carol(demo)
    response = staff.post(
        f"/admin/mailbox/{mail.id}/reply", data={"csrf_token": staff.token, "body": REPLY}
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert re.fullmatch(rf"/admin/mailbox/{mail.id}\?reply=\d+", location)
    response.close()  # the notification of Carol's reply goes to staff now

    assert messages(demo) == [("staff", "It left our warehouse today."), ("customer", REPLY)]
    page = staff.get(location).text
    assert "Your reply was posted into the thread" in page
    assert "Carol (carol@shop.test)" in page
    assert f'<blockquote class="mail-posted">{REPLY}</blockquote>' in page
    assert 'href="/admin/orders/1?tab=messages#order-messages"' in page
    assert "wrote:" not in page.split("mail-posted")[1].split("</blockquote>")[0]

    from example_shop.messaging import order_messages
    from example_shop.models import db

    with demo.app_context():
        inbound = order_messages.models.InboundMail
        rows = db.session.execute(sa.select(inbound.via, inbound.outcome, inbound.sender)).all()
    assert [tuple(r) for r in rows] == [("demo", "posted", "carol@shop.test")]
    # Carol's reply is mailed to staff like any other message of hers.
    assert [m.envelope_to for m in caught(demo)] == ["carol@shop.test", "staff@shop.test"]
    assert REPLY.split("\n")[0].encode() in caught(demo)[1].raw


def test_the_reply_is_written_as_a_mail_client_would(demo):
    from example_shop import mail_client
    from example_shop.demo_mail import parse
    from flask_order_messages.inbound import visible_text

    _staff, mail = staff_answers_carol(demo)
    original = parse(mail.raw)
    raw = mail_client.reply(mail.raw, REPLY)
    answer = parse(raw)
    assert answer["From"] == "carol@shop.test"
    assert answer["To"] == original["Reply-To"]
    assert answer["Subject"] == "Re: Messages about order #00001"
    assert answer["In-Reply-To"] == original["Message-ID"]
    assert answer["References"].split()[-1] == original["Message-ID"]
    assert original["Message-ID"] != answer["Message-ID"]
    text = answer.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith(REPLY + "\n\nOn ")
    assert re.search(r"^On .+, Example Shop <shop@example\.com> wrote:$", text, re.M)
    assert "> It left our warehouse today." in text
    assert visible_text(raw) == REPLY
    assert mail_client.reply_subject("RE: x") == "RE: x"


def test_the_same_reply_twice_is_posted_once(demo):
    from example_shop import mail_client
    from flask_order_messages.inbound.pipeline import receive

    _staff, mail = staff_answers_carol(demo)
    raw = mail_client.reply(mail.raw, REPLY)
    with demo.test_request_context("/"):
        first, second = receive(raw, via="demo"), receive(raw, via="demo")
    assert (first.outcome, second.outcome) == ("posted", "duplicate")
    assert [body for _, body in messages(demo)].count(REPLY) == 1


def test_a_refused_reply_says_why_and_posts_nothing(demo):
    port = demo.config["DEMO_MAIL_SINK_PORT"]
    forged = EmailMessage()
    forged["From"] = "Example Shop <shop@example.com>"
    forged["To"] = "carol@shop.test"
    forged["Reply-To"] = "reply+1-aaaa-bbbbbbbbbbbbbbbbbbbbbbbbbb@reply.shop.example"
    forged["Subject"] = "<script>alert(1)</script>"
    forged["Message-ID"] = "<forged@elsewhere.example>"
    forged.set_content("<b>Hi</b>")
    forged.add_alternative("<p>Hi</p><script>alert(1)</script>", subtype="html")
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.send_message(forged)
    staff = logged_in(demo, "staff@shop.test")
    listing = staff.get("/admin/mailbox/").text
    assert "<script>alert(1)</script>" not in listing and "&lt;script&gt;" in listing
    page = staff.get("/admin/mailbox/1").text
    assert "<b>Hi</b>" not in page and "&lt;b&gt;Hi&lt;/b&gt;" in page
    response = staff.post("/admin/mailbox/1/reply", data={"csrf_token": staff.token, "body": "Yes"})
    page = staff.get(response.headers["Location"]).text
    assert "Your reply was not posted" in page
    assert re.search(r"<strong>refused</strong>: (bad|forged|unknown) reply address", page)
    assert messages(demo) == []


def test_reply_form_checks(demo):
    staff, mail = staff_answers_carol(demo)
    path = f"/admin/mailbox/{mail.id}/reply"
    empty = staff.post(path, data={"csrf_token": staff.token, "body": "  "})
    assert empty.status_code == 400 and "Write a reply first." in empty.text
    assert 'aria-invalid="true"' in empty.text
    no_token = staff.post(path, data={"body": "Hello"})
    assert no_token.status_code == 400 and "The form expired" in no_token.text
    assert staff.get(path).status_code == 405
    assert len(messages(demo)) == 1


def test_demo_command_says_when_the_sink_port_is_taken(demo):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = demo.test_cli_runner().invoke(args=["demo", "--port", "1", "--mail-port", port])
    assert result.exit_code == 1
    assert f"The demo mail sink cannot listen on 127.0.0.1:{port}" in result.output
    assert "DEMO_MAIL_SINK_PORT" in result.output


def _ctrl_c_as_in_a_terminal() -> None:
    """In the child, before exec: SIGINT handled and not blocked, whatever the test process
    had (an ignored or blocked signal stays so across exec; a suite run in the background, or a
    library that ignored SIGINT in this worker, would leave the demo deaf to Ctrl-C)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def test_demo_command_serves_the_shop_and_the_sink(tmp_path):
    """``flask demo`` as ``make demo`` runs it: the shop and the sink answer, Ctrl-C ends both."""
    import os
    import signal

    web, sink = free_port(), free_port()
    env = {
        **os.environ,
        "FLASK_APP": "example_shop.app:create_app",
        "SHOP_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite'}",
    }
    env.pop("MAIL_SERVER", None)
    command = [sys.executable, "-m", "flask", "demo", "--port", str(web), "--mail-port", str(sink)]
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        preexec_fn=_ctrl_c_as_in_a_terminal,  # noqa: PLW1509
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with smtplib.SMTP("127.0.0.1", sink, timeout=5) as client:
                    assert client.noop()[0] == 250
                with socket.create_connection(("127.0.0.1", web), timeout=5):
                    break
            except OSError:
                assert process.poll() is None, process.stdout.read().decode()  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "flask demo did not start"
                time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            output = process.communicate(timeout=60)[0].decode()
        except subprocess.TimeoutExpired:
            process.kill()  # never left running into the next test
            output = process.communicate()[0].decode()
            pytest.fail(f"flask demo did not stop on Ctrl-C:\n{output}")
    assert f"demo mail sink on 127.0.0.1:{sink}" in output
    assert f"http://127.0.0.1:{web}/admin/mailbox/" in output
