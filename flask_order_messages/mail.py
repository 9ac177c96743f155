"""Mail through Flask-Mail with an outbox: written with the message, delivered after commit.

A mail row is claimed with one conditional UPDATE before it is sent, so two senders (a web
request and ``flask order-messages send-mail``, or two cron runs) never deliver it twice.
A failed attempt is recorded and retried with exponential back-off.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any
from urllib.parse import urljoin

import sqlalchemy as sa
from flask import current_app, has_request_context, render_template, request

from .extension import current_order_messages as ext
from .extension import current_settings
from .models import CUSTOMER, KIND_NOTE, STAFF, utcnow

log = logging.getLogger(__name__)

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
#: How long a claimed mail belongs to its sender before another may retry it.
CLAIM_LEASE = timedelta(minutes=10)


def one_line(text: str, limit: int = 200) -> str:
    """Text safe for a mail header: no line breaks (no header injection), bounded length."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def absolute_url(url: str) -> str:
    """Make a host URL absolute, for links in mail."""
    if url.startswith(("http://", "https://")):
        return url
    if has_request_context():
        return urljoin(request.url_root, url)
    server = current_app.config.get("SERVER_NAME") or "localhost"
    scheme = current_app.config.get("PREFERRED_URL_SCHEME", "http")
    return urljoin(f"{scheme}://{server}/", url)


def _recipients(entry: Any, order: Any, actor: Any) -> list[tuple[str, str]]:
    """(email, audience) pairs for an entry: customers' words go to staff, staff's to the
    customer, notes to nobody, and never to the author."""
    if entry.kind == KIND_NOTE:
        return []
    author_email = None
    if actor.user is not None:
        author_email = (ext.hook("user_email")(actor.user) or "").strip().lower() or None
    if actor.role == CUSTOMER:
        emails = list(ext.hook("staff_recipients")())
        audience = STAFF
    else:
        customer = ext.db.session.get(ext.user_model, ext.order_owner_id(order))
        email = ext.hook("user_email")(customer) if customer is not None else None
        emails = [email] if email else []
        audience = CUSTOMER
    seen: set[str] = set()
    result = []
    for email in emails:
        key = (email or "").strip().lower()
        if key and key != author_email and key not in seen:
            seen.add(key)
            result.append((email.strip(), audience))
    return result


def queue_for_entry(entry: Any, order: Any, actor: Any) -> list[int]:
    """Write the outbox rows for a new thread entry, inside the caller's transaction.
    Returns their ids, to hand to :func:`dispatch` after the commit."""
    if not current_settings.mail_enabled:
        return []
    recipients = _recipients(entry, order, actor)
    if not recipients:
        return []
    number = ext.hook("order_number")(order)
    author = ext.hook("display_name")(actor.user) if actor.user is not None else "The store"
    rows = []
    for email, audience in recipients:
        url_hook = "staff_order_url" if audience == STAFF else "customer_order_url"
        link = absolute_url(ext.hook(url_hook)(order))
        context = {
            "entry": entry,
            "order_number": number,
            "author_name": one_line(author, 80),
            "link": link,
            "audience": audience,
        }
        subject = one_line(render_template("order_messages/mail/subject.txt", **context))
        row = ext.models.MailOutbox(
            message_id=entry.id,
            recipient=one_line(email, 320),
            subject=subject,
            body_text=render_template("order_messages/mail/new_entry.txt", **context),
            body_html=render_template("order_messages/mail/new_entry.html", **context),
            status=PENDING,
            attempts=0,
            next_attempt_at=utcnow(),
        )
        ext.db.session.add(row)
        rows.append(row)
    ext.db.session.flush()
    return [row.id for row in rows]


def dispatch(outbox_ids: Iterable[int]) -> None:
    """Hand committed outbox rows to delivery as configured (``MAIL_DELIVERY``)."""
    ids = list(outbox_ids)
    if not ids or current_settings.mail_delivery == "off":
        return
    if current_settings.mail_delivery == "rq":
        from .queue import enqueue

        enqueue(ids)
        return
    for outbox_id in ids:
        deliver(outbox_id)


def _claim(outbox_id: int) -> bool:
    box = ext.models.MailOutbox
    now = utcnow()
    due = sa.or_(
        sa.and_(box.status == PENDING, box.next_attempt_at <= now),
        sa.and_(box.status == SENDING, box.claimed_until < now),
    )
    result = ext.db.session.execute(
        sa.update(box)
        .where(box.id == outbox_id, due)
        .values(status=SENDING, claimed_until=now + CLAIM_LEASE, attempts=box.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    ext.db.session.commit()
    return result.rowcount == 1


def deliver(outbox_id: int) -> bool:
    """Send one outbox mail if it is due and nobody else holds it.  True when sent now.
    A failure is recorded on the row and scheduled for retry; it never raises."""
    from flask_mail import Message as MailMessage

    if not _claim(outbox_id):
        return False
    box = ext.models.MailOutbox
    row = ext.db.session.get(box, outbox_id)
    ext.db.session.refresh(row)
    sender = current_settings.mail_sender or current_app.config.get("MAIL_DEFAULT_SENDER")
    try:
        mail_msg = MailMessage(
            subject=row.subject,
            recipients=[row.recipient],
            body=row.body_text,
            html=row.body_html,
            sender=sender,
        )
        current_app.extensions["mail"].send(mail_msg)
    except Exception as exc:  # noqa: BLE001 - any failure of the mail server is recorded
        log.warning("order-messages: mail %s to %s failed: %s", row.id, row.recipient, exc)
        final = row.attempts >= current_settings.mail_max_attempts
        delay = current_settings.mail_retry_base * 2 ** max(0, row.attempts - 1)
        ext.db.session.execute(
            sa.update(box)
            .where(box.id == outbox_id)
            .values(
                status=FAILED if final else PENDING,
                last_error=f"{type(exc).__name__}: {exc}"[:2000],
                next_attempt_at=utcnow() + timedelta(seconds=delay),
                claimed_until=None,
            )
            .execution_options(synchronize_session=False)
        )
        ext.db.session.commit()
        return False
    ext.db.session.execute(
        sa.update(box)
        .where(box.id == outbox_id)
        .values(status=SENT, sent_at=utcnow(), claimed_until=None, last_error=None)
        .execution_options(synchronize_session=False)
    )
    ext.db.session.commit()
    return True


def due_ids(limit: int = 500, *, include_not_due: bool = False) -> list[int]:
    """Ids of mails waiting to be sent (due now, or all pending with ``include_not_due``)."""
    box = ext.models.MailOutbox
    now = utcnow()
    if include_not_due:
        cond = sa.or_(
            box.status == PENDING, sa.and_(box.status == SENDING, box.claimed_until < now)
        )
    else:
        cond = sa.or_(
            sa.and_(box.status == PENDING, box.next_attempt_at <= now),
            sa.and_(box.status == SENDING, box.claimed_until < now),
        )
    stmt = sa.select(box.id).where(cond).order_by(box.id).limit(limit)
    return list(ext.db.session.execute(stmt).scalars())


def send_pending(*, include_not_due: bool = False) -> tuple[int, int]:
    """Deliver what is waiting.  Returns (sent, failed_now)."""
    sent = failed = 0
    box = ext.models.MailOutbox
    if include_not_due:
        # An operator asked for it now: make waiting retries due immediately.
        ext.db.session.execute(
            sa.update(box)
            .where(box.status == PENDING)
            .values(next_attempt_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        ext.db.session.commit()
    for outbox_id in due_ids():
        if deliver(outbox_id):
            sent += 1
        else:
            failed += 1
    return sent, failed


def status_counts() -> dict[str, int]:
    """Outbox rows per status, for ``flask order-messages mail-status``."""
    box = ext.models.MailOutbox
    rows = ext.db.session.execute(sa.select(box.status, sa.func.count()).group_by(box.status))
    counts = {PENDING: 0, SENDING: 0, SENT: 0, FAILED: 0}
    counts.update({status: n for status, n in rows})
    return counts
