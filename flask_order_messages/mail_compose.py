"""Writing mail: who hears of a new thread entry, and the outbox rows that say it.

:func:`queue_for_entry` writes one outbox row per recipient inside the caller's transaction;
:mod:`flask_order_messages.mail` delivers them after the commit.  (Callers reach both
through ``mail``, which re-exports what is public here.)
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urljoin

import sqlalchemy as sa
from flask import current_app, has_request_context, render_template, request

from .hooks import thread_link
from .i18n import format_datetime, lazy_gettext
from .mail_headers import (
    header_text,
    mail_domain,
    new_message_id,
    thread_id_headers,
    thread_root_id,
)
from .mail_reader import reader_at, reader_of, writing_for
from .models import CUSTOMER, KIND_EVENT, KIND_MESSAGE, KIND_NOTE, STAFF, utcnow
from .services.vendors import author_name
from .state import current_order_messages as ext
from .state import current_settings
from .transactions import MAIL_CLAIM, commit_early

log = logging.getLogger("flask_order_messages.mail")

#: An outbox row's states.  A row is written pending; delivery claims it (sending), then marks
#: it sent, or pending again for a retry, or failed after the last attempt.  With no mail
#: server (no ``MAIL_SERVER``, or ``MAIL_SUPPRESS_SEND``) it is marked suppressed instead of
#: sent: nothing was delivered.
PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
SUPPRESSED = "suppressed"


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


def _store_recipients(thread: Any, entry: Any, actor: Any) -> list[str]:
    """Who on the store's side hears of ``entry``: :func:`.services.vendors.store_recipients`
    for the thread's vendor (the one rule of who on the store's side is mailed)."""
    from .services import vendors

    vendor = thread.vendor_key if thread is not None else None
    return vendors.store_recipients(vendor, actor, dispute=entry.kind == KIND_EVENT)


def _recipients(entry: Any, order: Any, actor: Any, thread: Any) -> list[tuple[str, str, Any]]:
    """(email, audience, customer) for an entry: customers' words go to the store's side
    (:func:`_store_recipients`), staff's to the customer (the user, else None), notes to
    nobody, and never to the author."""
    if entry.kind == KIND_NOTE:
        return []
    customer = None
    if actor.role != CUSTOMER:
        customer = ext.db.session.get(ext.user_model, ext.order_owner_id(order))
    return addressed(entry, thread, actor, customer)


def addressed(entry: Any, thread: Any, actor: Any, customer: Any) -> list[tuple[str, str, Any]]:
    """(email, audience, customer) for ``customer`` (None: not mailed) and the store's side of
    ``thread``: plain addresses only, each once, never the author's."""
    author_email = None
    if actor.user is not None:
        author_email = (ext.hooks.user_email(actor.user) or "").strip().lower() or None
    email = ext.hooks.user_email(customer) if customer is not None else None
    emails = [(email, CUSTOMER)] if email else []
    emails += [(raw, STAFF) for raw in _store_recipients(thread, entry, actor)]
    seen: set[str] = set()
    result = []
    for raw, audience in emails:
        address = clean_address(raw)
        if address is None:
            if raw:
                log.warning("order-messages: not mailing %r: not a plain mail address", raw)
            continue
        key = address.lower()
        if key != author_email and key not in seen:
            seen.add(key)
            result.append((address, audience, customer))
    return result


def _person(email: str, audience: str, customer: Any) -> Any:
    """The user a mail to ``email`` is for, whose reply address it carries, or None: the
    customer, or the staff member the ``staff_user_for_email`` hook finds."""
    if audience == CUSTOMER:
        return customer
    return ext.hooks.staff_user_for_email(email)


def _threading(
    thread: Any, email: str, audience: str, customer: Any, *, reply: bool = True
) -> dict[str, Any]:
    """The threading columns of one outbox row: its own Message-ID, the thread's root id, and
    the recipient's reply address (when ``reply``, replies by mail are on and the person is
    known)."""
    from .reply_addresses import reply_address_for, reply_addresses_enabled

    domain = mail_domain()
    values: dict[str, Any] = {
        "message_id_header": new_message_id(domain),
        "thread_root": thread_root_id(thread, domain),
        "recipient_role": audience,
    }
    person = _person(email, audience, customer) if reply and reply_addresses_enabled() else None
    if person is not None:
        values["recipient_key"] = str(ext.user_key(person))
        values["reply_to"] = reply_address_for(thread, audience, person, email)
    return values


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
    thread = ext.db.session.get(ext.models.Thread, entry.thread_id)
    if order is None:  # a question about a product: mail_questions.py
        from .mail_questions import queue_for_question

        return queue_for_question(entry, thread, actor)
    recipients = _recipients(entry, order, actor, thread)
    if not recipients:
        return []
    # One printable line each, in the subject and the body alike (a NUL from a hook would be
    # refused by PostgreSQL with the whole post).
    number = header_text(ext.hooks.order_number(order), 80)
    author = store_or(author_name(actor.user, actor.is_staff) if actor.user is not None else None)
    links: dict[str, tuple[str, str, bool]] = {}
    rows = []
    for email, audience, customer in recipients:
        if audience not in links:
            links[audience] = _links(order, audience)
        link, order_url, guest_link = links[audience]
        context = {
            "entry": entry,
            "order_number": number,
            "author_name": author,
            "link": link,
            "order_url": order_url,
            "guest_link": guest_link,
            "audience": audience,
        }
        rows.append(_entry_mail(entry, thread, email, audience, customer, context))
    ext.db.session.flush()
    return [row.id for row in rows]


def store_or(name: str | None) -> Any:
    """The author's name for a mail's subject and body, one printable line; "The store" (in
    each recipient's language, when rendered) for an entry no person wrote."""
    return lazy_gettext("The store") if name is None else header_text(name, 80)


def _entry_mail(
    entry: Any,
    thread: Any,
    email: str,
    audience: str,
    customer: Any,
    context: dict[str, Any],
    *,
    reply: bool = True,
    reader: tuple[str, str] | None = None,
) -> Any:
    """One outbox row about ``entry`` for ``email``, added to the session: the new-entry
    templates rendered with ``context`` in the recipient's language and time zone (``reader``,
    else found for the address), the thread's ids and (``reply``) the reply address."""
    with writing_for(reader or reader_at(email, audience, customer)) as written:
        subject = render_template("order_messages/mail/subject.txt", **context)
        body_text = render_template("order_messages/mail/new_entry.txt", **context)
        body_html = render_template("order_messages/mail/new_entry.html", **context)
    row = ext.models.MailOutbox(
        message_id=entry.id,
        recipient=email,
        subject=header_text(subject, 255),
        body_text=body_text,
        body_html=body_html,
        status=PENDING,
        attempts=0,
        next_attempt_at=utcnow(),
        **written,
        **_threading(thread, email, audience, customer, reply=reply),
    )
    ext.db.session.add(row)
    return row


def queue_for_assignee(entry: Any, order: Any, assignee: Any, actor: Any) -> list[int]:
    """Write the one outbox row that tells ``assignee`` a thread was assigned to them
    (``entry`` is the "assigned" event), inside the caller's transaction; none when they
    assigned it to themselves, when mail is off, or when they have no plain address.

    It quotes the customer's latest message, and carries no reply address: a reply meant
    for the colleague who assigned it must never reach the customer."""
    if not current_settings.mail_enabled or ext.user_key(assignee) == actor.id:
        return []
    address = clean_address(ext.hooks.user_email(assignee))
    if address is None:
        return []
    if order is None:  # a question about a product: mail_questions.py
        from .mail_questions import queue_for_question_assignee

        asked = _latest_customer_message(entry.thread_id)
        return queue_for_question_assignee(entry, address, actor, asked)
    number = header_text(ext.hooks.order_number(order), 80)
    author = header_text(ext.hooks.display_name(actor.user), 80)
    link, order_url, _ = _links(order, STAFF)
    context = {
        "entry": entry,
        "order_number": number,
        "author_name": author,
        "link": link,
        "order_url": order_url,
        "guest_link": False,
        "audience": STAFF,
        "customer_message": _latest_customer_message(entry.thread_id),
    }
    thread = ext.db.session.get(ext.models.Thread, entry.thread_id)
    reader = reader_of(assignee)
    row = _entry_mail(entry, thread, address, STAFF, None, context, reply=False, reader=reader)
    ext.db.session.flush()
    return [row.id]


def _latest_customer_message(thread_id: int) -> Any:
    """The newest message the customer wrote in the thread, or None."""
    m = ext.models.Message
    return ext.db.session.scalar(
        sa.select(m)
        .where(m.thread_id == thread_id, m.author_role == CUSTOMER, m.kind == KIND_MESSAGE)
        .order_by(m.id.desc())
        .limit(1)
    )


def queue_overdue_notice(dispute: Any, thread: Any, order: Any) -> list[int]:
    """Marketplaces: write the outbox rows that tell the marketplace's staff (the
    ``staff_recipients``) that the vendor of ``thread`` let the open ``dispute`` pass its
    respond-by time unanswered, inside the caller's transaction; their ids."""
    from .services import vendors
    from .services.deadlines import short_time

    if not current_settings.mail_enabled:
        return []
    link, _, _ = _links(order, STAFF)
    context = {
        "order_number": header_text(ext.hooks.order_number(order), 80),
        "vendor_name": header_text(vendors.name_of(thread.vendor_key), 80),
        "reason": dispute.reason,
        "link": link,
    }
    rows = []
    seen: set[str] = set()
    for raw in vendors.marketplace_recipients():
        address = clean_address(raw)
        if address is None or address.lower() in seen:
            continue
        seen.add(address.lower())
        with writing_for(reader_at(address, STAFF)) as written:
            # The template says "(UTC)" after respond_by; respond_by_local is the same time
            # in the recipient's zone and language, for a template that says no zone.
            context["respond_by"] = short_time(dispute.respond_by)
            context["respond_by_local"] = format_datetime(dispute.respond_by)
            subject = render_template("order_messages/mail/subject.txt", **context)
            body_text = render_template("order_messages/mail/dispute_overdue.txt", **context)
            body_html = render_template("order_messages/mail/dispute_overdue.html", **context)
        row = ext.models.MailOutbox(
            message_id=None,
            recipient=address,
            subject=header_text(subject, 255),
            body_text=body_text,
            body_html=body_html,
            **written,
            status=PENDING,
            attempts=0,
            next_attempt_at=utcnow(),
            message_id_header=new_message_id(mail_domain()),
            thread_root=thread_root_id(thread, mail_domain()),
            recipient_role=STAFF,
        )
        ext.db.session.add(row)
        rows.append(row)
    ext.db.session.flush()
    return [row.id for row in rows]


def _message_id(row: Any) -> str:
    """The row's Message-ID; one is made and kept first for a row written without one (before
    threading), so that a retry sends the same id."""
    if row.message_id_header:
        return str(row.message_id_header)
    box = ext.models.MailOutbox
    made = new_message_id()
    ext.db.session.execute(
        sa.update(box)
        .where(box.id == row.id)
        .values(message_id_header=made)
        .execution_options(synchronize_session=False)
    )
    commit_early(MAIL_CLAIM)
    return made


#: ``recipient_role`` of an automatic answer (to a refused reply by mail, see
#: ``inbound/replies.py``): it goes out with ``Auto-Submitted: auto-replied`` (RFC 3834), so
#: that no auto-responder answers it in turn.
AUTO_ANSWER = "auto-answer"


def _extra_headers(row: Any) -> dict[str, str]:
    """The thread's ids, and the marks of a mail no person typed (RFC 3834; Exchange's own
    header too), so out-of-office responders do not answer every notification."""
    headers = thread_id_headers(row)
    headers["Auto-Submitted"] = (
        "auto-replied" if row.recipient_role == AUTO_ANSWER else ("auto-generated")
    )
    headers["X-Auto-Response-Suppress"] = "OOF, AutoReply"
    return headers


def build_message(row: Any) -> Any:
    """The Flask-Mail ``Message`` of an outbox row: its own Message-ID, the thread's
    ``In-Reply-To`` / ``References`` and the recipient's ``Reply-To`` as written."""
    from flask_mail import Message as MailMessage

    sender = current_settings.mail_sender or current_app.config.get("MAIL_DEFAULT_SENDER")
    mail_msg = MailMessage(
        subject=row.subject,
        recipients=[row.recipient],
        body=row.body_text,
        html=row.body_html,
        sender=sender,
        reply_to=row.reply_to or None,
        extra_headers=_extra_headers(row) or None,
    )
    mail_msg.msgId = _message_id(row)
    return mail_msg
