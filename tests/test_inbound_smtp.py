"""``flask order-messages receive-mail``: a real SMTP (and LMTP) client talks to the server
the command runs; replies land in the thread once, as the right person."""

from __future__ import annotations

import os
import signal
import smtplib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flask_order_messages.inbound.pipeline import max_mail_bytes
from flask_order_messages.inbound.smtp import InboundController, make_controller

from . import inbound_support, smtp_server
from .conftest import db, make_app
from .inbound_support import (
    INBOUND_CONFIG,
    customer_reply_address,
    inbound_rows,
    reply_mail,
    staff_reply_address,
    thread_messages,
)
from .smtp_server import free_port

smtp_running = smtp_server.smtp_running
smtp = smtp_server.smtp
app = smtp_server.app
app_config = inbound_support.app_config
people = inbound_support.people
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def server(app: Any) -> Iterator[InboundController]:
    controller = make_controller(app, host="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


def _send(port: int, sender: str, recipient: str, raw: bytes) -> tuple[int, bytes]:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.ehlo("mx.client.example")
        assert client.mail(sender)[0] == 250
        code, text = client.rcpt(recipient)
        if code != 250:
            return code, text
        return client.data(raw)


def test_a_reply_by_smtp_is_posted_once_as_the_customer(smtp, people, server):
    staff, customer, order = people
    address = customer_reply_address(smtp, staff, customer, order)
    raw = reply_mail(frm=customer.email, to=address, text="Arrived, thank you!")

    assert _send(server.port, customer.email, address, raw)[0] == 250
    assert _send(server.port, customer.email, address, raw)[0] == 250  # recorded: a duplicate

    bodies = [m.body for m in thread_messages(order)]
    assert bodies == ["Shipped today, tracking 123.", "Arrived, thank you!"]
    assert thread_messages(order)[-1].author_id == customer.id
    assert [(r.via, r.outcome) for r in inbound_rows()] == [
        ("smtp", "posted"),
        ("smtp", "duplicate"),
    ]
    assert inbound_rows()[0].envelope_from == customer.email


def test_a_bounce_with_the_null_return_path_is_ignored_not_posted_nor_answered(
    smtp, people, server
):
    # MAIL FROM:<> (RFC 5321 4.5.5): a delivery report, whatever its body says.
    staff, customer, order = people
    address = customer_reply_address(smtp, staff, customer, order)
    raw = reply_mail(frm=customer.email, to=address, text="Delivery failed: mailbox full")
    sent_before = len(smtp.received)

    assert _send(server.port, "", address, raw)[0] == 250

    assert [m.body for m in thread_messages(order)] == ["Shipped today, tracking 123."]
    (row,) = inbound_rows()
    assert row.outcome == "ignored" and "return path" in row.reason
    assert len(smtp.received) == sent_before  # no answer to a bounce: no loop


def test_a_refused_reply_is_recorded_not_bounced(smtp, people, server):
    staff, customer, order = people
    address = customer_reply_address(smtp, staff, customer, order)
    raw = reply_mail(frm="eve@elsewhere.example", to=address, text="Let me in")
    assert _send(server.port, "eve@elsewhere.example", address, raw)[0] == 250
    assert inbound_rows()[-1].outcome == "refused"
    assert len(thread_messages(order)) == 1


def test_only_addresses_at_the_reply_domain_are_taken(smtp, people, server):
    raw = reply_mail(frm="eve@elsewhere.example", to="ceo@shop.test", text="Relay me")
    code, _ = _send(server.port, "eve@elsewhere.example", "ceo@shop.test", raw)
    assert code == 550
    assert inbound_rows() == []


def test_the_size_limit_is_announced_and_kept(smtp, people, server):
    with smtplib.SMTP("127.0.0.1", server.port, timeout=30) as client:
        client.ehlo("mx.client.example")
        assert int(client.esmtp_features["size"]) == max_mail_bytes()
        code, _ = client.mail("carol@example.test", [f"SIZE={max_mail_bytes() + 1}"])
    assert code == 552


def test_a_reply_by_lmtp_is_posted_as_the_staff_member(smtp, people, app):
    staff, customer, order = people
    address = staff_reply_address(smtp, staff, customer, order)
    controller = make_controller(app, host="127.0.0.1", port=free_port(), lmtp=True)
    controller.start()
    try:
        raw = reply_mail(frm=staff.email, to=address, text="On its way.")
        with smtplib.LMTP("127.0.0.1", controller.port) as client:
            assert client.sendmail(staff.email, [address], raw) == {}
    finally:
        controller.stop()
    newest = thread_messages(order)[-1]
    assert (newest.body, newest.author_id, newest.author_role) == ("On its way.", staff.id, "staff")
    assert inbound_rows()[-1].via == "lmtp"


def test_a_database_that_is_down_answers_451_so_the_sender_retries(tmp_path, smtp):
    down = make_app(
        tmp_path,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'gone' / 'shop.sqlite'}",
        **INBOUND_CONFIG,
    )
    controller = make_controller(down, host="127.0.0.1", port=free_port())
    controller.start()
    try:
        raw = reply_mail(frm="carol@example.test", to="reply+1-2-x@reply.shop.test", text="Hi")
        code, text = _send(
            controller.port, "carol@example.test", "reply+1-2-x@reply.shop.test", raw
        )
    finally:
        controller.stop()
    assert code == 451, text


def _wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError("receive-mail did not start listening")


def test_the_receive_mail_command_serves_until_sigterm(tmp_path, smtp, people):
    staff, customer, order = people
    address = customer_reply_address(smtp, staff, customer, order)
    port = free_port()
    env = dict(
        os.environ,
        FLASK_APP="tests.inbound_app:create_app",
        OM_TEST_TMP=str(tmp_path),
        OM_TEST_DATABASE_URL=db.engine.url.render_as_string(hide_password=False),
        OM_TEST_MAIL_PORT=str(smtp.port),
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "order-messages", "receive-mail", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for_port(port, process)
        raw = reply_mail(frm=customer.email, to=address, text="Through the real command")
        assert _send(port, customer.email, address, raw)[0] == 250
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert [m.body for m in thread_messages(order)][-1] == "Through the real command"
    lines = [line for line in err.decode().splitlines() if "inbound mail" in line]
    assert len(lines) == 1 and f"from {customer.email}: posted" in lines[0], err
