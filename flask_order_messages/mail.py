"""Mail through Flask-Mail with an outbox: written with the message, delivered after commit.

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
from urllib.parse import urljoin

import sqlalchemy as sa
from flask import (
    after_this_request,
    current_app,
    has_app_context,
    has_request_context,
    render_template,
    request,
)

from .hooks import thread_link
from .models import CUSTOMER, KIND_NOTE, STAFF, rows_changed, utcnow
from .state import current_order_messages as ext
from .state import current_settings, unproxied
from .transactions import MAIL_CLAIM, MAIL_OUTCOME, commit_early

log = logging.getLogger(__name__)

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
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


def one_line(text: str, limit: int = 200) -> str:
    """Text safe for a mail header: no line breaks (no header injection), bounded length."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def clean_address(raw: Any) -> str | None:
    """A bare mail address fit for a ``To`` header and ``RCPT TO``, or None.

    Anything with white space or control characters (a CR/LF that could start a new header, a
    second address smuggled after a space) is refused rather than repaired.
    """
    if not isinstance(raw, str):
        return None
    address = raw.strip()
    if not address or len(address) > 320 or address.count("@") != 1:
        return None
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in address):
        return None
    if any(ch in address for ch in '<>,;"()[]\\'):
        return None
    local, domain = address.split("@")
    return address if local and domain else None


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
        author_email = (ext.hooks.user_email(actor.user) or "").strip().lower() or None
    if actor.role == CUSTOMER:
        emails = list(ext.hooks.staff_recipients() or [])
        audience = STAFF
    else:
        customer = ext.db.session.get(ext.user_model, ext.order_owner_id(order))
        email = ext.hooks.user_email(customer) if customer is not None else None
        emails = [email] if email else []
        audience = CUSTOMER
    seen: set[str] = set()
    result = []
    for raw in emails:
        address = clean_address(raw)
        if address is None:
            if raw:
                log.warning("order-messages: not mailing %r: not a plain mail address", raw)
            continue
        key = address.lower()
        if key != author_email and key not in seen:
            seen.add(key)
            result.append((address, audience))
    return result


def _links(order: Any, audience: str) -> tuple[str, str, bool]:
    """(link, order_url, guest_link) for a mail to ``audience``: the link that opens the
    thread (a guest link for customers when enabled), the recipient's own order page (where
    a logged-in person reads it, and where an expired guest link sends them), and whether
    ``link`` is a guest link.  All absolute."""
    order_url = absolute_url(ext.thread_url(order, audience))
    if audience == STAFF:
        return order_url, order_url, False
    from .tokens import guest_links_enabled, guest_url

    if not guest_links_enabled():
        return order_url, order_url, False
    return absolute_url(thread_link(guest_url(order), tab=False)), order_url, True


def queue_for_entry(entry: Any, order: Any, actor: Any) -> list[int]:
    """Write the outbox rows for a new thread entry, inside the caller's transaction.
    Returns their ids, to hand to :func:`dispatch` after the commit."""
    if not current_settings.mail_enabled:
        return []
    recipients = _recipients(entry, order, actor)
    if not recipients:
        return []
    number = ext.hooks.order_number(order)
    author = ext.hooks.display_name(actor.user) if actor.user is not None else "The store"
    links: dict[str, tuple[str, str, bool]] = {}
    rows = []
    for email, audience in recipients:
        if audience not in links:
            links[audience] = _links(order, audience)
        link, order_url, guest_link = links[audience]
        context = {
            "entry": entry,
            "order_number": number,
            "author_name": one_line(author, 80),
            "link": link,
            "order_url": order_url,
            "guest_link": guest_link,
            "audience": audience,
        }
        subject = one_line(render_template("order_messages/mail/subject.txt", **context))
        row = ext.models.MailOutbox(
            message_id=entry.id,
            recipient=email,
            subject=subject[:255],
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
    app = unproxied(current_app)

    def deliver_now() -> None:
        # The WSGI server closes the response after sending it, when the request's app
        # context is gone (unless one outlives the request, as in tests: use that one).
        if has_app_context() and unproxied(current_app) is app:
            _deliver_all(ids)
            return
        with app.app_context():
            _deliver_all(ids)

    response.call_on_close(deliver_now)
    return response


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


def deliver_status(outbox_id: int) -> str:
    """Try to send one outbox mail.  Returns ``"sent"``, ``"failed"`` (recorded on the row and
    scheduled for retry, or given up) or ``"skipped"`` (not due, already sent, or held by
    another sender).  A failure of the mail server never raises."""
    from flask_mail import Message as MailMessage

    if not _claim(outbox_id):
        return SKIPPED
    box = ext.models.MailOutbox
    # As the claim left it (a loaded row may be older).
    found = sa.select(box).where(box.id == outbox_id).execution_options(populate_existing=True)
    row = ext.db.session.execute(found).scalar()
    if row is None:
        return SKIPPED
    sender = current_settings.mail_sender or current_app.config.get("MAIL_DEFAULT_SENDER")
    try:
        mail_msg = MailMessage(
            subject=row.subject,
            recipients=[row.recipient],
            body=row.body_text,
            html=row.body_html,
            sender=sender,
        )
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
    ext.db.session.execute(
        sa.update(box)
        .where(box.id == outbox_id)
        .values(status=SENT, sent_at=utcnow(), claimed_until=None, last_error=None)
        .execution_options(synchronize_session=False)
    )
    commit_early(MAIL_OUTCOME)
    return SENT


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
    sent = failed = skipped = 0
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
            else:
                skipped += 1
    return SendReport(sent, failed, skipped)


def status_counts() -> dict[str, int]:
    """Outbox rows per status, for ``flask order-messages mail-status``."""
    box = ext.models.MailOutbox
    rows = ext.db.session.execute(sa.select(box.status, sa.func.count()).group_by(box.status))
    counts = {PENDING: 0, SENDING: 0, SENT: 0, FAILED: 0}
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
