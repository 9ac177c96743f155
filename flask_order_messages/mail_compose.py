"""Writing mail: who hears of a new thread entry, and the outbox rows that say it.

:func:`queue_for_entry` writes one outbox row per recipient inside the caller's transaction;
:mod:`flask_order_messages.mail` delivers them after the commit.  (Callers reach both
through ``mail``, which re-exports what is public here.)
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urljoin

from flask import current_app, has_request_context, render_template, request

from .hooks import thread_link
from .models import CUSTOMER, KIND_NOTE, STAFF, utcnow
from .state import current_order_messages as ext
from .state import current_settings

log = logging.getLogger("flask_order_messages.mail")

#: An outbox row's states.  A row is written pending; delivery claims it (sending), then marks
#: it sent, or pending again for a retry, or failed after the last attempt.
PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"


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
