"""Headers that cannot be forged: hostile display names and order numbers go through the real
outgoing mail (Flask-Mail, a real SMTP server) and come back as exactly the headers we wrote.

The worst case is a host whose subject template names the author, with a long subject that
Python's email package re-folds (and, re-folding, decodes encoded words: how a display name
once became a raw ``Bcc:`` line).  Each payload is the customer's display name and part of the
order number; the staff mail must have exactly the expected headers, no Bcc or Cc, one
recipient, and a one-line subject with no encoded word left in the text it carries.
"""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa
from jinja2 import FileSystemLoader

from flask_order_messages import customer_actor
from flask_order_messages.extension import current_order_messages as ext
from flask_order_messages.mail_headers import header_text

from . import committing as services
from . import smtp_server
from .conftest import db, make_order
from .hostile_payloads import HEADER_PAYLOADS, PAYLOADS
from .smtp_server import add_user

smtp_running = smtp_server.smtp_running
smtp = smtp_server.smtp

CORPUS = {
    **HEADER_PAYLOADS,
    **{k: PAYLOADS[k] for k in ("crlf headers", "line separator", "bare cr", "control chars")},
}
EXPECTED = {
    "content-type",
    "mime-version",
    "subject",
    "from",
    "to",
    "date",
    "message-id",
    "reply-to",
    "in-reply-to",
    "references",
    "auto-submitted",
    "x-auto-response-suppress",
}


@pytest.fixture
def app(tmp_path, smtp):
    folder = tmp_path / "host_templates" / "order_messages" / "mail"
    folder.mkdir(parents=True)
    # A host that names the author and the order in a long subject.
    (folder / "subject.txt").write_text(
        "New message from {{ author_name }} about order #{{ order_number }} in our shop, "
        "please answer soon"
    )
    with smtp_server.running_app(
        tmp_path, smtp.port, ORDER_MESSAGES_REPLY_DOMAIN="reply.shop.test"
    ) as host:
        host.jinja_loader = FileSystemLoader(str(tmp_path / "host_templates"))
        yield host


def header_names(raw: bytes) -> list[str]:
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    return [line.split(":", 1)[0].lower() for line in head.split("\r\n") if line[:1] not in " \t"]


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_a_hostile_name_and_order_number_add_no_header(app, smtp, monkeypatch, name):
    payload = CORPUS[name]
    staff = add_user("Admin Admin", admin=True)
    carol = add_user("Carol", email="carol@example.test")
    order = make_order(carol)
    # The name as the host's display_name gives it (a NUL or 200 letters would not fit every
    # host's name column, and need not: the hook is where a name reaches us).
    real_name = ext.hooks.display_name
    monkeypatch.setattr(
        ext.hooks, "display_name", lambda u: payload if u.id == carol.id else real_name(u)
    )
    monkeypatch.setattr(ext.hooks, "order_number", lambda o: f"{o.id:05d} {payload}")
    services.post_message(order, customer_actor(carol), "Hello")

    (mail,) = smtp.received
    assert mail.rcpt_tos == [staff.email]
    # The headers as they travelled: exactly ours, each once, no continuation line that
    # starts a header of its own.
    names = header_names(mail.raw)
    assert sorted(names) == sorted(EXPECTED), names
    message = message_from_bytes(mail.raw, policy=policy.default)
    assert message["Bcc"] is None and message["Cc"] is None
    # No person typed it: out-of-office responders leave it alone (RFC 3834, Exchange).
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Auto-Response-Suppress"] == "OOF, AutoReply"
    assert message["To"] == staff.email
    subject = str(message["Subject"])
    assert "\r" not in subject and "\n" not in subject
    assert "=?" not in subject and "?=" not in subject
    assert (
        subject.startswith("New message from ")
        and subject.endswith("in our shop, please answer soon")
        or subject.endswith("…")
    )
    assert subject == header_text(subject, 999)  # nothing left to clean
    (row,) = db.session.execute(sa.select(ext.models.MailOutbox)).scalars()
    # As written; Flask-Mail's encoder splits a word longer than a header line (the 150-letter
    # ones here), and the parser reads the split back as a space: text only, no header.
    assert subject.replace(" ", "") == row.subject.replace(" ", "")
    # A parser that decodes again finds no more headers either (the mail re-read, re-folded).
    again = message_from_bytes(message.as_bytes(policy=policy.SMTP), policy=policy.default)
    assert sorted(k.lower() for k in again.keys()) == sorted(EXPECTED)
    # The body still says who wrote, as text.
    assert "wrote about order" in mail.text


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_header_text_leaves_one_clean_line(name):
    cleaned = header_text(CORPUS[name], 255)
    assert cleaned and len(cleaned) <= 255
    assert "=?" not in cleaned and "?=" not in cleaned
    assert not any(ch in cleaned for ch in "\r\n\x00\x0b\x0c\x85\u2028\u2029\u202e")
    assert header_text(cleaned, 255) == cleaned
