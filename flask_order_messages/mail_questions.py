"""Mail about questions before purchase (see ``services/questions.py``): a customer's question
or reply goes to the store's side as an order's would (the staff recipients; in a marketplace,
the product's vendor's recipients only), a staff answer to the customer who asked.  Written to
the outbox in the poster's transaction, by :func:`.mail_compose.queue_for_entry`.

These mails carry no reply address: a reply by mail is posted into orders' threads only, so a
question is answered on its page (the link in the mail)."""

from __future__ import annotations

import logging
from typing import Any

from flask import render_template, url_for

from .mail_compose import PENDING, _threading, absolute_url, addressed, store_or
from .mail_headers import header_text
from .mail_reader import reader_at, reader_of, writing_for
from .models import CUSTOMER, KIND_NOTE, STAFF, utcnow
from .services.vendors import author_name
from .state import current_order_messages as ext

log = logging.getLogger("flask_order_messages.mail")


def _recipients(entry: Any, thread: Any, actor: Any) -> list[tuple[str, str, Any]]:
    """(email, audience, customer) for an entry of question ``thread``; never its author."""
    if entry.kind == KIND_NOTE:
        return []
    customer = None
    if actor.role != CUSTOMER:
        customer = ext.db.session.get(ext.user_model, thread.asker_id)
    return addressed(entry, thread, actor, customer)


def question_link(thread: Any, audience: str) -> str:
    """The question's page for ``audience``, absolute."""
    endpoint = "staff_question" if audience == STAFF else "customer_question"
    return absolute_url(url_for(f"order_messages.{endpoint}", thread_id=thread.id))


def queue_for_question(entry: Any, thread: Any, actor: Any) -> list[int]:
    """Write the outbox rows for a new entry of question ``thread``; returns their ids."""
    recipients = _recipients(entry, thread, actor)
    if not recipients:
        return []
    author = store_or(author_name(actor.user, actor.is_staff) if actor.user is not None else None)
    rows = []
    for email, audience, customer in recipients:
        context = {
            "entry": entry,
            "author_name": author,
            "link": question_link(thread, audience),
            "audience": audience,
        }
        rows.append(_row(entry, thread, email, audience, customer, context))
    ext.db.session.flush()
    return [row.id for row in rows]


def queue_for_question_assignee(entry: Any, address: str, actor: Any, asked: Any) -> list[int]:
    """The one outbox row telling a staff member at ``address`` that a question was assigned
    to them (``entry``: the "assigned" event; ``asked``: the customer's latest message, or
    None), as :func:`.mail_compose.queue_for_assignee` does for an order's thread."""
    thread: Any = ext.db.session.get(ext.models.Thread, entry.thread_id)
    context = {
        "entry": entry,
        "author_name": header_text(ext.hooks.display_name(actor.user), 80),
        "link": question_link(thread, STAFF),
        "audience": STAFF,
        "customer_message": asked,
    }
    assignee = ext.hooks.staff_user_for_email(address) or ext.user_by_email(address)
    row = _row(entry, thread, address, STAFF, None, context, reader=reader_of(assignee))
    ext.db.session.flush()
    return [row.id]


def _row(
    entry: Any,
    thread: Any,
    email: str,
    audience: str,
    customer: Any,
    context: dict[str, Any],
    reader: tuple[str, str] | None = None,
) -> Any:
    """One outbox row about ``entry`` of question ``thread``, added to the session, written
    in its recipient's language and time zone (``reader``, else found for the address), the
    product's name too (the default "Product <key>" is in the recipient's words)."""
    from .services.questions import product_name

    with writing_for(reader or reader_at(email, audience, customer)) as written:
        context = {**context, "product_name": header_text(product_name(thread.product_key), 80)}
        subject = render_template("order_messages/mail/question_subject.txt", **context)
        body_text = render_template("order_messages/mail/question_entry.txt", **context)
    row = ext.models.MailOutbox(
        message_id=entry.id,
        recipient=email,
        subject=header_text(subject, 255),
        body_text=body_text,
        body_html=None,
        **written,
        status=PENDING,
        attempts=0,
        next_attempt_at=utcnow(),
        **_threading(thread, email, audience, customer, reply=False),
    )
    ext.db.session.add(row)
    return row
