"""Mail through Flask-Mail with an outbox: written with the message (see
:mod:`flask_order_messages.mail_compose`), delivered here after the commit.

A mail row is claimed with one conditional UPDATE before it is sent, so two senders (a web
request and ``flask order-messages send-mail``, an RQ worker and a cron run) never deliver it
twice.  A failed attempt is recorded on the row and retried with exponential back-off; after
``ORDER_MESSAGES_MAIL_MAX_ATTEMPTS`` it is marked failed (``send-mail --retry-failed`` revives it).
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from datetime import timedelta
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask import (
    after_this_request,
    current_app,
    has_request_context,
    request,
)

from .mail_compose import (
    FAILED,
    PENDING,
    SENDING,
    SENT,
    SUPPRESSED,
    absolute_url,
    build_message,
    clean_address,
    queue_for_assignee,
    queue_for_entry,
    queue_overdue_notice,
)
from .models import rows_changed, utcnow
from .state import call_when_sent, current_settings
from .state import current_order_messages as ext
from .transactions import MAIL_CLAIM, MAIL_OUTCOME, commit_early

__all__ = [
    "FAILED",
    "PENDING",
    "SENDING",
    "SENT",
    "SKIPPED",
    "SUPPRESSED",
    "SendReport",
    "absolute_url",
    "build_message",
    "clean_address",
    "deliver",
    "deliver_status",
    "dispatch",
    "due_ids",
    "latest_error",
    "make_due_now",
    "next_retry_at",
    "queue_for_assignee",
    "queue_for_entry",
    "queue_overdue_notice",
    "retry_failed",
    "send_after_response",
    "send_pending",
    "status_counts",
    "waiting_count",
]

log = logging.getLogger(__name__)

#: Outcome of one delivery call that found the mail held by another sender, or not due.
SKIPPED = "skipped"
#: How long (at least) a claimed mail belongs to its sender before another may take it over.
#: Far longer than an attempt can last (each SMTP step is bounded by ``MAIL_TIMEOUT``; the lease
#: is at least ten of those), so a slow first attempt is never overlapped by a retry; only a
#: sender that died is replaced.
CLAIM_LEASE = timedelta(minutes=10)
#: Outbox rows handled per batch by :func:`send_pending`.
BATCH = 200


class SendReport(NamedTuple):
    """What one :func:`send_pending` run did."""

    sent: int
    failed: int
    skipped: int
    #: Mails that went nowhere: no mail server (``MAIL_SUPPRESS_SEND``).
    suppressed: int = 0


#: Where a request marked by :func:`send_after_response` keeps its outbox ids.
_AFTER_RESPONSE = "flask_order_messages.mail_after_response"


def dispatch(outbox_ids: Iterable[int]) -> None:
    """Hand committed outbox rows to delivery as configured (``MAIL_DELIVERY``).

    ``"sync"`` delivers them here, or, in a request that :func:`send_after_response` marked,
    once its response has been sent.  Never raises: the message is committed already, and
    whatever goes wrong here leaves the mail pending in the outbox for
    ``flask order-messages send-mail``.
    """
    ids = list(outbox_ids)
    if not ids or current_settings.mail_delivery == "off":
        return
    if current_settings.mail_delivery == "rq":
        from .queue import enqueue

        enqueue(ids)
        return
    waiting = request.environ.get(_AFTER_RESPONSE) if has_request_context() else None
    if waiting is None:
        _deliver_all(ids)
        return
    if not waiting:
        after_this_request(_deliver_when_sent)
    waiting.extend(ids)


def send_after_response() -> None:
    """Let this request's ``"sync"`` mail wait until its response has been sent, so that the
    person who wrote never waits for the mail server (a ``before_request`` hook of the
    extension's views).  The mail is committed to the outbox either way: a server that closes
    no response, or a process that dies meanwhile, leaves it for ``send-mail``."""
    request.environ[_AFTER_RESPONSE] = []


def _deliver_when_sent(response: Any) -> Any:
    ids = request.environ[_AFTER_RESPONSE]
    return call_when_sent(response, lambda: _deliver_all(ids))


def _deliver_all(ids: list[int]) -> None:
    for outbox_id in ids:
        try:
            deliver(outbox_id)
        except Exception:  # noqa: BLE001 - e.g. the database is busy: the row stays pending
            log.exception("order-messages: mail %s left in the outbox", outbox_id)
            ext.db.session.rollback()


def _due_condition(now: Any) -> Any:
    box = ext.models.MailOutbox
    return sa.or_(
        sa.and_(box.status == PENDING, box.next_attempt_at <= now),
        # A sender that claimed it and died (its lease ran out) no longer holds it.
        sa.and_(box.status == SENDING, box.claimed_until < now),
    )


def _claim(outbox_id: int) -> bool:
    """Take the mail for this sender: one UPDATE that only one sender can win."""
    box = ext.models.MailOutbox
    now = utcnow()
    lease = max(CLAIM_LEASE, timedelta(seconds=10 * current_settings.mail_timeout))
    result = ext.db.session.execute(
        sa.update(box)
        .where(box.id == outbox_id, _due_condition(now))
        .values(status=SENDING, claimed_until=now + lease, attempts=box.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    commit_early(MAIL_CLAIM)
    return rows_changed(result) == 1


def _connection() -> Any:
    """A Flask-Mail connection whose SMTP socket gives up after ``MAIL_TIMEOUT`` seconds.

    Flask-Mail opens ``smtplib.SMTP(server, port)`` without a timeout, so a mail server that
    accepts the connection and then says nothing would hold the sender (and, with ``sync``
    delivery, the customer's request) forever.  Everything else is Flask-Mail's own code, so
    ``record_messages()`` and ``MAIL_SUPPRESS_SEND`` keep working.
    """
    from flask_mail import Connection

    timeout = current_settings.mail_timeout

    class TimedConnection(Connection):
        def configure_host(self) -> smtplib.SMTP:
            state = self.mail
            host: smtplib.SMTP
            if state.use_ssl:
                host = smtplib.SMTP_SSL(state.server, state.port, timeout=timeout)
            else:
                host = smtplib.SMTP(state.server, state.port, timeout=timeout)
            host.set_debuglevel(int(state.debug))
            if state.use_tls:
                host.starttls()
            if state.username and state.password:
                host.login(state.username, state.password)
            return host

        def __exit__(self, *exc_info: Any) -> None:
            # The mail is accepted once DATA is answered; a server that drops the line at
            # QUIT must not turn that into a failure, which would send the mail again.
            if self.host is not None:
                try:
                    self.host.quit()
                except (smtplib.SMTPException, OSError):
                    self.host.close()

    try:
        state = current_app.extensions["mail"]
    except KeyError:
        raise RuntimeError("Flask-Mail is not set up on this app.") from None
    return TimedConnection(getattr(state, "state", None) or state)


def _mail_suppressed() -> bool:
    """Whether Flask-Mail only pretends to send (``MAIL_SUPPRESS_SEND``, which it also turns
    on for ``TESTING`` apps; the demo sets it when there is no ``MAIL_SERVER``)."""
    state = current_app.extensions.get("mail")
    return bool(getattr(getattr(state, "state", None) or state, "suppress", False))


def deliver_status(outbox_id: int) -> str:
    """Try to send one outbox mail.  Returns ``"sent"``, ``"suppressed"`` (Flask-Mail has no
    mail server to send to: nothing was delivered, and nothing will be retried),
    ``"failed"`` (recorded on the row and scheduled for retry, or given up) or ``"skipped"``
    (not due, already sent, or held by another sender).  A failure of the mail server never
    raises."""
    if not _claim(outbox_id):
        return SKIPPED
    box = ext.models.MailOutbox
    # As the claim left it (a loaded row may be older).
    found = sa.select(box).where(box.id == outbox_id).execution_options(populate_existing=True)
    row = ext.db.session.execute(found).scalar()
    if row is None:
        return SKIPPED
    try:
        mail_msg = build_message(row)
        with _connection() as connection:
            mail_msg.send(connection)
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
        commit_early(MAIL_OUTCOME)
        return FAILED
    outcome = SUPPRESSED if _mail_suppressed() else SENT
    ext.db.session.execute(
        sa.update(box)
        .where(box.id == outbox_id)
        .values(status=outcome, sent_at=utcnow(), claimed_until=None, last_error=None)
        .execution_options(synchronize_session=False)
    )
    commit_early(MAIL_OUTCOME)
    return outcome


def deliver(outbox_id: int) -> bool:
    """Send one outbox mail if it is due and nobody else holds it.  True when sent now.
    A failure is recorded on the row and scheduled for retry; it never raises."""
    return deliver_status(outbox_id) == SENT


def due_ids(limit: int | None = None, *, after: int = 0) -> list[int]:
    """Ids above ``after`` of mails due now (pending and past their retry time, or abandoned
    mid-send), lowest first."""
    box = ext.models.MailOutbox
    stmt = (
        sa.select(box.id)
        .where(box.id > after, _due_condition(utcnow()))
        .order_by(box.id)
        .limit(limit or BATCH)
    )
    return list(ext.db.session.execute(stmt).scalars())


def make_due_now() -> int:
    """Make every pending mail due now, whatever its retry time.  Returns how many.  The
    caller commits (the claims of :func:`send_pending` do)."""
    box = ext.models.MailOutbox
    result = ext.db.session.execute(
        sa.update(box)
        .where(box.status == PENDING)
        .values(next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return rows_changed(result)


def retry_failed() -> int:
    """Give mails marked failed a fresh set of attempts (after fixing the mail server).
    Returns how many.  The caller commits."""
    box = ext.models.MailOutbox
    result = ext.db.session.execute(
        sa.update(box)
        .where(box.status == FAILED)
        .values(status=PENDING, attempts=0, next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return rows_changed(result)


def send_pending(*, include_not_due: bool = False) -> SendReport:
    """Deliver every mail that is due, in batches, each at most once per run.

    ``include_not_due`` first makes waiting retries due (``send-mail --now``).  Mails another
    sender holds right now are left to it.
    """
    if include_not_due:
        make_due_now()
    sent = failed = skipped = suppressed = 0
    last = 0
    # Walk the outbox by id, so a mail that fails and soon falls due again waits for the next
    # run instead of being hammered in this one.
    while batch := due_ids(after=last):
        for outbox_id in batch:
            last = outbox_id
            outcome = deliver_status(outbox_id)
            if outcome == SENT:
                sent += 1
            elif outcome == FAILED:
                failed += 1
            elif outcome == SUPPRESSED:
                suppressed += 1
            else:
                skipped += 1
    return SendReport(sent, failed, skipped, suppressed)


def status_counts() -> dict[str, int]:
    """Outbox rows per status, for ``flask order-messages mail-status``."""
    box = ext.models.MailOutbox
    rows = ext.db.session.execute(sa.select(box.status, sa.func.count()).group_by(box.status))
    counts = {PENDING: 0, SENDING: 0, SENT: 0, FAILED: 0, SUPPRESSED: 0}
    counts.update({status: n for status, n in rows})
    return counts


def latest_error() -> str | None:
    """The error recorded on a mail still waiting or given up (the one retried last), or None."""
    box = ext.models.MailOutbox
    stmt = (
        sa.select(box.last_error)
        .where(box.status.in_((PENDING, FAILED)), box.last_error.is_not(None))
        .order_by(box.next_attempt_at.desc(), box.id.desc())
        .limit(1)
    )
    return ext.db.session.execute(stmt).scalar()


def waiting_count() -> int:
    """Pending mails whose retry time has not come yet."""
    box = ext.models.MailOutbox
    stmt = sa.select(sa.func.count(box.id)).where(
        box.status == PENDING, box.next_attempt_at > utcnow()
    )
    return int(ext.db.session.execute(stmt).scalar() or 0)


def next_retry_at() -> Any:
    """When the earliest pending mail is due, or None."""
    box = ext.models.MailOutbox
    stmt = sa.select(sa.func.min(box.next_attempt_at)).where(box.status == PENDING)
    return ext.db.session.execute(stmt).scalar()
