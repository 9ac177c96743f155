"""Replies by mail in the tests: a host app with reply addresses on (and real SMTP for the
mail it sends: ``tests/smtp_server.py``), real reply addresses taken from the mails it sent,
and replies written as a mail client writes them."""

from __future__ import annotations

from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

import pytest
import sqlalchemy as sa

from flask_order_messages.extension import current_order_messages as ext

from . import committing as services
from .conftest import Order, User, db
from .smtp_server import SMTPServer, add_user

REPLY_DOMAIN = "reply.shop.test"
SECRET = "inbound-test-secret-0123456789"
INBOUND_CONFIG: dict[str, Any] = {
    "ORDER_MESSAGES_REPLY_DOMAIN": REPLY_DOMAIN,
    "ORDER_MESSAGES_INBOUND_SECRET": SECRET,
}
#: The smallest valid PNG (1x1).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@pytest.fixture
def app_config() -> dict[str, Any]:
    return dict(INBOUND_CONFIG)


@pytest.fixture
def people(app: Any) -> tuple[User, User, Order]:
    """(staff, customer, the customer's order)."""
    staff = add_user("Stella Staff", admin=True)
    customer = add_user("Carol Customer")
    order = Order(customer_id=customer.id, total="10.00")
    db.session.add(order)
    db.session.commit()
    return staff, customer, order


def reply_to_of_last_mail(smtp: SMTPServer, address: str) -> str:
    """The ``Reply-To`` of the newest mail the shop sent to ``address``."""
    mails = smtp.to(address)
    assert mails, f"no mail to {address}"
    reply_to = mails[-1].message["Reply-To"]
    assert reply_to and reply_to.endswith("@" + REPLY_DOMAIN), reply_to
    return str(reply_to)


def customer_reply_address(smtp: SMTPServer, staff: User, customer: User, order: Order) -> str:
    """Staff write; the mail to the customer carries the customer's reply address."""
    services.post_message(order, services.staff_actor(staff), "Shipped today, tracking 123.")
    return reply_to_of_last_mail(smtp, customer.email)


def staff_reply_address(smtp: SMTPServer, staff: User, customer: User, order: Order) -> str:
    """The customer writes; the mail to staff carries the staff member's reply address."""
    services.post_message(order, services.customer_actor(customer), "Where is my parcel?")
    return reply_to_of_last_mail(smtp, staff.email)


def reply_mail(
    *,
    frm: str,
    to: str,
    text: str,
    message_id: str | None = None,
    subject: str = "Re: Messages about order #00001",
    headers: dict[str, str] | None = None,
    files: tuple[tuple[str, bytes, str], ...] = (),
) -> bytes:
    """A reply as a mail client sends it (CRLF line ends)."""
    msg = EmailMessage()
    msg["From"] = frm
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime.now(timezone.utc))
    msg["Message-ID"] = message_id or make_msgid(domain="client.example")
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(text)
    for filename, data, content_type in files:
        maintype, subtype = content_type.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))


def quoted(text: str) -> str:
    """``text`` followed by the quoted earlier message, as Thunderbird writes a reply."""
    return (
        f"{text}\n\nOn 7/12/2026 10:02, Shop wrote:\n> Stella Staff wrote about order #00001:\n"
        ">\n> Shipped today, tracking 123.\n"
    )


def _fresh_snapshot() -> None:
    """End the test session's transaction (committing nothing new), so the next read sees
    what the receivers committed on their own connections: MariaDB's and MySQL's REPEATABLE
    READ keeps showing a transaction its first snapshot, however often objects are expired."""
    db.session.commit()


def thread_messages(order: Order) -> list[Any]:
    _fresh_snapshot()
    m = ext.models
    stmt = (
        sa.select(m.Message)
        .join(m.Thread, m.Thread.id == m.Message.thread_id)
        .where(m.Thread.order_id == order.id)
        .order_by(m.Message.id)
    )
    return list(db.session.execute(stmt).scalars())


def inbound_rows() -> list[Any]:
    _fresh_snapshot()
    box = ext.models.InboundMail
    return list(db.session.execute(sa.select(box).order_by(box.id)).scalars())
