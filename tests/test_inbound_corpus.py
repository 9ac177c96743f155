"""The corpus of replies real mail clients wrote (tests/mail_corpus) through the whole path:
the shop sends a real notification over SMTP, so a real reply address exists; the corpus
mail is re-addressed to it as a client would send it (``To``: that ``Reply-To``;
``In-Reply-To``/``References``: the notification's ids; every other byte as the client wrote
it) and handed to a running ``receive-mail`` server (aiosmtpd, in-process) with smtplib.

Each reply must post exactly its ``<name>.expected.txt``, once, in its order's thread, as
the person the reply address is for -- the customer, or the member of staff; the mails a
machine sent (out-of-office, bounce, list) are recorded as ignored and never posted."""

from __future__ import annotations

import re
import smtplib
from collections.abc import Iterator
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from flask_order_messages.extension import current_order_messages as ext
from flask_order_messages.inbound.smtp import InboundController, make_controller

from . import committing as services
from . import smtp_server
from .conftest import Order, db, fresh_tables, make_app
from .inbound_support import INBOUND_CONFIG, REPLY_DOMAIN
from .smtp_server import SMTPServer, add_user, free_port

smtp_running = smtp_server.smtp_running
smtp = smtp_server.smtp

CORPUS = Path(__file__).parent / "mail_corpus"
#: Mails a machine wrote: recorded as ignored (``automatic: <why>``), never posted.
AUTOMATIC = {
    "exchange_out_of_office": "Auto-Submitted",
    "postfix_bounce": "Auto-Submitted: auto-replied",
    "mailman_list": "Precedence: list",
}
MAILS = sorted(CORPUS.glob("*.eml"))
REPLIES = [mail for mail in MAILS if mail.stem not in AUTOMATIC]
MACHINE_MAILS = [mail for mail in MAILS if mail.stem in AUTOMATIC]
#: Files the writer attached: (file name, content type) in the order the mail carries them.
FILES = {
    "gmail_attachment": [
        ("IMG_20261207_131502.jpg", "image/jpeg"),
        ("Lieferschein Nº 1042.pdf", "application/pdf"),
    ],
    "apple_iphone_inline_image": [("IMG_4711.jpeg", "image/jpeg")],
}
TARGET_TEXT = "Your parcel left today, tracking 123."


def expected(mail: Path) -> str:
    text = mail.with_name(mail.stem + ".expected.txt").read_text(encoding="utf-8")
    return text.removesuffix("\n")


# --- the corpus mail, re-addressed byte for byte -------------------------------------------


def _split(raw: bytes) -> tuple[list[bytes], bytes, bytes]:
    """(the header fields, each with its folded lines and line ends; the blank line; the
    body) of ``raw``, untouched."""
    match = re.search(rb"\r?\n\r?\n", raw)
    assert match, "a mail without a body"
    head, blank, body = raw[: match.start()], raw[match.start() : match.end()], raw[match.end() :]
    fields: list[bytes] = []
    for line in re.split(rb"(?<=\n)", head):
        if fields and line[:1] in (b" ", b"\t"):
            fields[-1] += line  # a folded line belongs to the field above
        elif line:
            fields.append(line)
    return fields, blank, body


def _name(field: bytes) -> str:
    return field.split(b":", 1)[0].strip().decode("ascii").lower()


def readdressed(raw: bytes, *, to: str, parent_id: str, references: str) -> bytes:
    """``raw`` with ``To``, ``In-Reply-To`` and ``References`` as a client replying to the
    mail ``parent_id`` sent from ``to`` writes them (missing ones added at the end of the
    header); every other header, the body and its MIME structure byte for byte."""
    fields, blank, body = _split(raw)
    eol = b"\r\n" if raw[: raw.index(b"\n") + 1].endswith(b"\r\n") else b"\n"
    new = {"to": to, "in-reply-to": parent_id, "references": references}
    names = {"to": "To", "in-reply-to": "In-Reply-To", "references": "References"}
    out: list[bytes] = []
    for field in fields:
        name = _name(field)
        if name in new:
            field = f"{names[name]}: {new.pop(name)}".encode("ascii") + eol
        out.append(field)
    if not out[-1].endswith(b"\n"):
        out[-1] += eol  # the last field's line end went with the blank line
        blank = blank[len(eol) :]
    out.extend(f"{names[name]}: {value}".encode("ascii") + eol for name, value in new.items())
    return b"".join(out) + blank + body


def _header(raw: bytes, name: str) -> str | None:
    """The raw value of the first header ``name`` of ``raw`` (unfolded), or None."""
    for field in _split(raw)[0]:
        if _name(field) == name.lower():
            value = field.split(b":", 1)[1].decode("utf-8", "replace")
            return " ".join(value.split())
    return None


def envelope_sender(raw: bytes) -> str:
    """The ``MAIL FROM`` the mail came with: its ``Return-Path`` (``""`` for ``<>``), else
    (Outlook's mails were saved without one) its ``From`` address."""
    return_path = _header(raw, "Return-Path")
    if return_path is None:
        return writer(raw)[1]
    return return_path.strip().strip("<>")


def writer(raw: bytes) -> tuple[str, str]:
    """(name, address) of the ``From`` of ``raw``, as the shop's user has them."""
    name, address = parseaddr(_header(raw, "From") or "")
    return name or "Corpus Writer", address.lower()


# --- the shop, its notification, and the receive-mail server -------------------------------


@pytest.fixture
def app(tmp_path: Any, smtp: SMTPServer) -> Iterator[Any]:
    """The host app sending real mail to ``smtp``, reply addresses on, fresh tables."""
    app = make_app(
        tmp_path,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp.port,
        MAIL_SUPPRESS_SEND=False,
        ORDER_MESSAGES_MAIL_TIMEOUT=5,
        **INBOUND_CONFIG,
    )
    with app.app_context():
        fresh_tables()
    with app.test_request_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def start_server(app: Any, *, lmtp: bool = False) -> InboundController:
    controller = make_controller(app, host="127.0.0.1", port=free_port(), lmtp=lmtp)
    controller.start()
    return controller


class Shop:
    """A customer with two orders (a message on each), staff, and the notification the
    replier got about the first order: ``reply_to``, ``message_id``, ``references``."""

    def __init__(self, smtp: SMTPServer, raw: bytes, role: str) -> None:
        name, address = writer(raw)
        assert role in ("customer", "staff")
        # The replier has the corpus sender's address, so its From is the person's own.
        if role == "customer":
            self.customer = add_user(name, email=address)
            self.staff = add_user("Stella Staff", admin=True)
            person, other = self.customer, self.staff
        else:
            self.customer = add_user("Carol Customer")
            self.staff = add_user(name, admin=True, email=address)
            person, other = self.staff, self.customer
        self.person_id, self.role, self.other_email = person.id, role, other.email
        self.order = self._order()
        decoy = self._order()
        services.post_message(decoy, services.staff_actor(self.staff), "Another order.")
        services.post_message(decoy, services.customer_actor(self.customer), "And its answer.")
        # The message the replier is told about: written by the other side.
        actor = (services.staff_actor if role == "customer" else services.customer_actor)(other)
        services.post_message(self.order, actor, TARGET_TEXT)
        notification = smtp.to(person.email)[-1].message
        assert TARGET_TEXT in str(notification.get_body(("plain",)).get_content())  # type: ignore[union-attr]
        self.reply_to = str(notification["Reply-To"])
        assert self.reply_to.endswith("@" + REPLY_DOMAIN), self.reply_to
        self.message_id = str(notification["Message-ID"])
        self.references = " ".join(
            [*str(notification["References"] or "").split(), self.message_id]
        )
        self.thread_id = self.messages()[-1][3]
        db.session.rollback()  # no open read while the server writes (SQLite locks)

    def _order(self) -> Order:
        order = Order(customer_id=self.customer.id, total="10.00")
        db.session.add(order)
        db.session.commit()
        return order

    def messages(self) -> list[tuple[str, str, str, int]]:
        """(body, author role, author id, thread id) of every message of the shop, oldest
        first, read afresh (a new transaction: no stale snapshot)."""
        message = ext.models.Message
        db.session.rollback()
        rows = db.session.execute(sa.select(message).order_by(message.id)).scalars()
        found = [(row.body, row.author_role, str(row.author_id), row.thread_id) for row in rows]
        db.session.rollback()
        return found

    def inbound(self) -> list[tuple[str, str, str | None]]:
        box = ext.models.InboundMail
        db.session.rollback()
        rows = db.session.execute(sa.select(box).order_by(box.id)).scalars()
        found = [(row.via, row.outcome, row.reason) for row in rows]
        db.session.rollback()
        return found

    def files(self, message_body: str) -> list[tuple[str, str]]:
        m = ext.models
        db.session.rollback()
        rows = db.session.execute(
            sa.select(m.Attachment)
            .join(m.Message, m.Message.id == m.Attachment.message_id)
            .where(m.Message.thread_id == self.thread_id, m.Message.body == message_body)
            .order_by(m.Attachment.id)
        ).scalars()
        found = [(row.filename, row.content_type) for row in rows]
        db.session.rollback()
        return found

    def reply(self, raw: bytes) -> bytes:
        return readdressed(
            raw, to=self.reply_to, parent_id=self.message_id, references=self.references
        )


def deliver(port: int, sender: str, recipient: str, raw: bytes) -> tuple[int, bytes]:
    """One SMTP transaction, as the writer's outgoing mail server makes it."""
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.ehlo("mx.client.example")
        assert client.mail(sender)[0] == 250
        assert client.rcpt(recipient)[0] == 250
        return client.data(raw)


def deliver_lmtp(port: int, sender: str, recipient: str, raw: bytes) -> dict[str, Any]:
    with smtplib.LMTP("127.0.0.1", port) as client:
        return client.sendmail(sender, [recipient], raw)


# --- the tests ------------------------------------------------------------------------------


def test_the_corpus_is_sorted_into_replies_and_machine_mail():
    assert len(REPLIES) >= 25
    assert {mail.stem for mail in MACHINE_MAILS} == set(AUTOMATIC)
    assert set(FILES) <= {mail.stem for mail in REPLIES}


def test_readdressing_keeps_every_other_byte():
    raw = (CORPUS / "outlook_mobile_ios.eml").read_bytes()  # a folded Message-ID, base64 parts
    out = readdressed(raw, to="r@x.example", parent_id="<p@x>", references="<o@x> <p@x>")
    before, after = _split(raw), _split(out)
    assert after[1:] == before[1:]  # the blank line and the body
    kept = [f for f in before[0] if _name(f) not in ("to", "in-reply-to", "references")]
    assert [f for f in after[0] if _name(f) not in ("to", "in-reply-to", "references")] == kept
    assert _header(out, "To") == "r@x.example"
    assert _header(out, "In-Reply-To") == "<p@x>"
    assert _header(out, "References") == "<o@x> <p@x>"
    # A header the mail lacks is added at the end of its header.
    bounce = readdressed(
        (CORPUS / "postfix_bounce.eml").read_bytes(),
        to="r@x.example",
        parent_id="<p@x>",
        references="<p@x>",
    )
    assert _header(bounce, "In-Reply-To") == "<p@x>"
    assert bounce.count(b"\r\n\r\n") == (CORPUS / "postfix_bounce.eml").read_bytes().count(
        b"\r\n\r\n"
    )


@pytest.mark.parametrize("role", ["customer", "staff"])
@pytest.mark.parametrize("mail", REPLIES, ids=lambda mail: mail.stem)
def test_a_reply_posts_exactly_its_new_words_once_as_its_writer(app, smtp, mail, role):
    corpus = mail.read_bytes()
    shop = Shop(smtp, corpus, role)
    raw = shop.reply(corpus)
    sender = envelope_sender(raw)
    assert sender == writer(raw)[1]
    before, told, mailed = shop.messages(), len(smtp.to(shop.other_email)), len(smtp.to(sender))

    server = start_server(app)
    try:
        assert deliver(server.port, sender, shop.reply_to, raw)[0] == 250
        after_first = shop.messages()
        assert deliver(server.port, sender, shop.reply_to, raw)[0] == 250  # again: a duplicate
    finally:
        server.stop()

    assert after_first[: len(before)] == before
    new = after_first[len(before) :]
    assert len(new) == 1, new
    assert new == [(expected(mail), role, str(shop.person_id), shop.thread_id)]
    assert shop.files(new[0][0]) == FILES.get(mail.stem, [])
    assert shop.messages() == after_first  # the second delivery posted nothing
    assert shop.inbound() == [("smtp", "posted", None), ("smtp", "duplicate", "already received")]
    # The other side is told once, as about a reply written on the web; nobody else is.
    (notice,) = smtp.to(shop.other_email)[told:]
    assert expected(mail).splitlines()[0] in notice.text
    assert len(smtp.to(sender)) == mailed  # no explanation, no copy back to the writer


@pytest.mark.parametrize("mail", MACHINE_MAILS, ids=lambda mail: mail.stem)
def test_mail_a_machine_sent_is_recorded_as_ignored_never_posted(app, smtp, mail):
    corpus = mail.read_bytes()
    shop = Shop(smtp, corpus, "customer")
    raw = shop.reply(corpus)
    before, sent = shop.messages(), len(smtp.received)
    server = start_server(app)
    try:
        for _ in range(2):
            assert deliver(server.port, envelope_sender(raw), shop.reply_to, raw)[0] == 250
    finally:
        server.stop()
    assert shop.messages() == before
    (via, outcome, reason), duplicate = shop.inbound()
    assert (via, outcome) == ("smtp", "ignored")
    assert reason is not None and reason.startswith("automatic: ")
    assert AUTOMATIC[mail.stem] in reason
    assert duplicate == ("smtp", "duplicate", "already received")
    assert len(smtp.received) == sent  # never answered


@pytest.mark.parametrize("mail", ["outlook_desktop_de", "gmail_attachment"])
def test_a_staff_reply_over_lmtp(app, smtp, mail):
    corpus = (CORPUS / f"{mail}.eml").read_bytes()
    shop = Shop(smtp, corpus, "staff")
    raw = shop.reply(corpus)
    before = shop.messages()
    server = start_server(app, lmtp=True)
    try:
        for _ in range(2):
            assert deliver_lmtp(server.port, envelope_sender(raw), shop.reply_to, raw) == {}
    finally:
        server.stop()
    new = shop.messages()[len(before) :]
    assert new == [(expected(CORPUS / f"{mail}.eml"), "staff", str(shop.person_id), shop.thread_id)]
    assert shop.inbound() == [("lmtp", "posted", None), ("lmtp", "duplicate", "already received")]
