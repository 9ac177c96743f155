"""The one short answer to a refused reply by mail (see :mod:`.pipeline`).

Written to the outbox in the transaction that records the mail, delivered after its commit
like every other mail.  Never to automatic mail (the pipeline asks for none), never to an
address that does not look like a person's (:func:`looks_real`), never more than one per
sender per hour (:data:`QUIET`), and never with words from the mail itself: only the fixed
sentences below, so an answer cannot be turned into a way to mail someone else a message.
"""

from __future__ import annotations

from datetime import timedelta
from email.utils import parseaddr
from typing import Any

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel.speaklater import LazyString

from ..i18n import gettext, lazy_gettext
from ..mail_compose import AUTO_ANSWER
from ..mail_reader import reader_at, writing_for
from ..model_types import InboundMail
from ..models import utcnow
from ..state import current_order_messages as ext
from ..state import current_settings
from ..transactions import after_commit

#: At most one answer per sender in this time.
QUIET = timedelta(hours=1)
# The answers' words are lazy: each is written in its recipient's language (:func:`explain`).
SUBJECT = lazy_gettext("Your mail was not added to the conversation")
FILES_SUBJECT = lazy_gettext("Some files of your mail were not added to the conversation")

TOO_LARGE = lazy_gettext(
    "Your mail was too large to be a reply, so it was not added to the conversation. "
    "Please send your files from the shop's order page."
)
MISMATCH = lazy_gettext(
    "Your mail came from another address than the one our mail was sent to, so it was not "
    "added to the conversation. Please reply from that address, or write on the shop's "
    "order page."
)
EXPIRED = lazy_gettext(
    "The address you replied to has expired, so your mail was not added to the conversation. "
    "Please write on the shop's order page, or reply to a newer mail from us."
)
NOT_ALLOWED = lazy_gettext(
    "You can no longer write in this conversation by mail, so your mail was not added to it."
)
EMPTY = lazy_gettext(
    "We found no new text in your mail (only the earlier messages it quoted), so nothing was "
    "added to the conversation. Please write your answer above the quoted text."
)
#: Local parts that never belong to a person who reads mail.
ROBOTS = frozenset(
    {
        "noreply",
        "no-reply",
        "donotreply",
        "do-not-reply",
        "mailer-daemon",
        "postmaster",
        "bounce",
        "bounces",
        "daemon",
        "root",
        "nobody",
        "abuse",
    }
)


def files_left_out(notes: list[str]) -> Any:
    """The answer to a posted reply whose files (some or all) were left out (lazy, like the
    others: written in its recipient's language; ``notes`` are as they were made)."""
    return LazyString(_files_left_out, notes)


def _files_left_out(notes: list[str]) -> str:
    return gettext(
        "Your reply was added to the conversation, but not all of its files: %(notes)s "
        "You can add files on the shop's order page.",
        notes=" ".join(notes),
    )


def looks_real(address: str | None) -> bool:
    """Whether ``address`` looks like a person's mailbox we may answer: a plain address on a
    domain with a dot, not a robot's local part, not the shop's sender nor its reply domain."""
    from ..mail_compose import clean_address

    clean = clean_address(address)
    if clean is None:
        return False
    local, domain = clean.lower().rsplit("@", 1)
    base = local.split("+", 1)[0]
    if base in ROBOTS or base.startswith(("bounce", "mailer-daemon")) or "." not in domain:
        return False
    if domain == (current_settings.reply_domain or "").lower():
        return False  # a reply address of ours: that way lies a loop
    sender = current_settings.mail_sender or current_app.config.get("MAIL_DEFAULT_SENDER")
    own = parseaddr(sender if isinstance(sender, str) else "")[1].lower()
    return clean.lower() != own


def _answered_lately(address: str) -> bool:
    box = ext.models.InboundMail
    stmt = sa.select(box.id).where(box.sender == address, box.replied_at >= utcnow() - QUIET)
    return ext.db.session.execute(stmt.limit(1)).first() is not None


def explain(record: InboundMail, explanation: object, *, subject: object = SUBJECT) -> bool:
    """Write the short answer for ``record`` (a mail just refused, or posted without some of
    its files) to the outbox, unless its sender should not get one; it goes out after the
    commit.  True when written."""
    address = record.sender
    if not current_settings.mail_enabled or not address or not looks_real(address):
        return False
    if _answered_lately(address):
        return False
    with writing_for(reader_at(address)) as written:
        words = str(explanation)
        body_text = render_template("order_messages/mail/inbound_refused.txt", explanation=words)
        title = str(subject)
    row: Any = ext.models.MailOutbox(
        message_id=None,
        recipient=address,
        subject=title,
        body_text=body_text,
        body_html=None,
        **written,
        recipient_role=AUTO_ANSWER,
        status="pending",
        attempts=0,
        next_attempt_at=utcnow(),
    )
    ext.db.session.add(row)
    ext.db.session.flush()
    record.replied_at = utcnow()
    outbox_id = row.id

    def send() -> None:
        from ..mail import dispatch

        dispatch([outbox_id])

    after_commit(send)
    return True
