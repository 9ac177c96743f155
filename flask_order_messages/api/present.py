"""What the API answers, made from what the services return (the same objects the pages
draw): threads, entries, disputes, in :mod:`.schemas`' shapes."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask import url_for

from ..event_words import entry_text
from ..i18n import gettext as _
from ..models import KIND_NOTE
from ..services import Actor, ThreadPage, ThreadView
from ..state import current_order_messages as ext
from ..state import current_settings
from . import schemas


def utc(value: datetime) -> datetime:
    """A stored naive UTC time, as an aware one (its JSON says so: ``+00:00``)."""
    return value.replace(tzinfo=timezone.utc)


def utc_or_none(value: datetime | None) -> datetime | None:
    return utc(value) if value is not None else None


def key_text(value: Any) -> str | None:
    return str(value) if value is not None else None


def dispute(d: Any) -> schemas.DisputeOut:
    return schemas.DisputeOut(
        id=d.id,
        open=d.is_open,
        opened_by_role=d.opened_by_role,
        opened_at=utc(d.opened_at),
        reason=d.reason,
        closed_at=utc_or_none(d.closed_at),
        outcome=d.outcome,
        respond_by=utc_or_none(d.respond_by),
    )


def _attachments(entry: Any, order: Any, actor: Actor) -> list[schemas.AttachmentOut]:
    if not current_settings.attachments_enabled or order is None:
        return []
    # The API's own file routes: they take a token as well as the session.
    endpoint = (
        "order_messages.api_staff_attachment"
        if actor.is_staff
        else "order_messages.api_customer_attachment"
    )
    key = ext.order_key(order)
    return [
        schemas.AttachmentOut(
            id=a.id,
            filename=a.filename,
            content_type=a.content_type,
            size=a.size,
            url=url_for(endpoint, order_id=key, attachment_id=a.id),
        )
        for a in entry.attachments
    ]


def entry(e: Any, view: ThreadView, actor: Actor) -> schemas.EntryOut:
    return schemas.EntryOut(
        id=e.id,
        kind=e.kind,
        event=e.event,
        role=e.author_role,
        author=view.name_of(e.author_id),
        mine=e.author_id == actor.id and e.author_role == actor.role,
        body=entry_text(e),  # an event's words in the reader's language
        created_at=utc(e.created_at),
        attachments=_attachments(e, view.order, actor),
    )


def posted(message: Any, order: Any, actor: Actor) -> schemas.EntryOut:
    """The entry ``actor`` just wrote (their own name, as the thread shows it)."""
    from ..services.vendors import author_name

    names = {actor.id: author_name(actor.user, actor.is_staff)}

    class _Named:
        def __init__(self) -> None:
            self.order = order

        def name_of(self, user_id: Any) -> str:
            return names.get(user_id) or _("Someone")

    return entry(message, _Named(), actor)  # type: ignore[arg-type]


def thread(view: ThreadView, actor: Actor, after: int, limit: int) -> schemas.ThreadOut:
    """One thread, its entries after the cursor ``after`` (oldest first, ``limit`` of them)."""
    order = view.order
    fresh = [e for e in view.entries if e.id > after]
    page = fresh[:limit]
    t = view.thread
    team = actor.is_staff and t is not None
    return schemas.ThreadOut(
        order_id=str(ext.order_key(order)),
        order_number=ext.hooks.order_number(order),
        thread_id=t.id if t is not None else None,
        unread=view.unread,
        first_unread_id=view.first_unread_id,
        dispute=dispute(view.open_dispute) if view.open_dispute is not None else None,
        disputes=[dispute(d) for d in view.disputes],
        entries=[entry(e, view, actor) for e in page],
        next_after=page[-1].id if len(fresh) > limit else None,
        status=t.status if team and t is not None else None,
        assignee_id=key_text(t.assignee_id) if team and t is not None else None,
    )


def thread_list(page: ThreadPage, actor: Actor) -> schemas.ThreadList:
    rows = []
    for row in page.rows:
        t = row.thread
        last = row.last_message
        # A customer never sees a staff-only note, not even as the newest line of a list.
        if last is not None and not actor.is_staff and last.kind == KIND_NOTE:
            last = None
        rows.append(
            schemas.ThreadSummary(
                thread_id=t.id,
                order_id=key_text(t.order_id),
                order_number=row.order_number or None,
                product=row.product,
                unread=row.unread,
                last_message_at=utc_or_none(t.last_message_at),
                last_author=row.last_author,
                last_message=entry_text(last) if last is not None else None,
                dispute=dispute(row.dispute) if row.dispute is not None else None,
                overdue=row.overdue,
                status=t.status if actor.is_staff else None,
                assignee_id=key_text(t.assignee_id) if actor.is_staff else None,
            )
        )
    return schemas.ThreadList(
        threads=rows,
        page=page.page,
        per_page=page.per_page,
        total=page.total,
        pages=page.pages,
        unread_total=page.unread_total,
        total_capped=page.capped,
        has_next=page.has_next,
    )
