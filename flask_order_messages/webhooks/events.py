"""The events webhooks tell of, their payloads, and writing them to the webhook outbox.

The services call these functions where the event is written, in the same transaction: one
``INSERT ... SELECT`` adds a delivery row for every active endpoint that asked for the event
(one statement, however many endpoints; none when there are none), and the rows are handed to
delivery after the commit (:func:`.delivery.after_commit`).  A unit of work that is rolled
back leaves no row and sends nothing.

Payloads follow the Standard Webhooks shape: ``{"type": ..., "timestamp": ..., "data": ...}``,
minified JSON, ``timestamp`` the event's time in UTC (ISO 8601).  ``data.thread`` names the
thread (``id``; its order's key and number as the pages show it, or for a question its
product's key; its vendor in a marketplace) and ``data.actor`` who did it (role, key, name).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa

from ..dialects.types import DateTime
from ..i18n import lazy_gettext
from ..models import utcnow
from ..state import current_order_messages as ext
from ..state import current_settings
from . import signing
from .delivery import PENDING, after_commit

MESSAGE_POSTED = "message.posted"
DISPUTE_OPENED = "dispute.opened"
DISPUTE_CLOSED = "dispute.closed"
DISPUTE_REOPENED = "dispute.reopened"
THREAD_ASSIGNED = "thread.assigned"
STATUS_CHANGED = "thread.status_changed"
#: The ping "Send test" sends to one endpoint, whatever events it asked for.
TEST = "webhook.test"
#: The events an endpoint can ask for, with their words on the staff page.
EVENTS = {
    MESSAGE_POSTED: lazy_gettext("A message or staff-only note is posted"),
    DISPUTE_OPENED: lazy_gettext("A dispute is opened"),
    DISPUTE_CLOSED: lazy_gettext("A dispute is closed"),
    DISPUTE_REOPENED: lazy_gettext("A closed dispute is reopened"),
    THREAD_ASSIGNED: lazy_gettext("A thread is assigned or unassigned"),
    STATUS_CHANGED: lazy_gettext("Staff set a thread's status"),
}


def _iso(moment: datetime | None) -> str:
    moment = moment or utcnow()
    return moment.replace(tzinfo=timezone.utc).isoformat().replace("+00:00", "Z")


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def body(event: str, data: dict[str, Any], at: datetime | None = None) -> str:
    """The payload of one event, as sent: minified JSON."""
    payload = {"type": event, "timestamp": _iso(at), "data": data}
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def thread_data(thread: Any, order: Any) -> dict[str, Any]:
    """What names a thread in a payload (from loaded columns and hooks: no query)."""
    info = thread.__dict__  # loaded columns only: reading an expired one would query
    data: dict[str, Any] = {"id": thread.id}
    if order is not None:
        data["order_key"] = _text(ext.order_key(order))
        data["order_number"] = _text(ext.hooks.order_number(order))
    else:
        data["product_key"] = _text(info.get("product_key"))
    data["vendor"] = info.get("vendor_key")
    return data


def actor_data(actor: Any) -> dict[str, Any]:
    """Who did it: role, user key (as text) and name; None for an automatic step."""
    if actor is None or actor.user is None:
        return {"role": "system", "id": None, "name": None}
    return {
        "role": actor.role,
        "id": _text(actor.id),
        "name": ext.hooks.display_name(actor.user),
    }


def record(event: str, data: dict[str, Any], *, at: datetime | None = None) -> str | None:
    """Write ``event`` for every active endpoint that asked for it, in the current
    transaction; return its ``webhook-id`` (None while webhooks are off)."""
    if not current_settings.webhooks.enabled:
        return None
    ep, d = ext.models.WebhookEndpoint, ext.models.WebhookDelivery
    message_id = signing.new_message_id()
    now = utcnow()
    rows = sa.select(
        ep.id,
        sa.literal(event, sa.String(64)),
        sa.literal(message_id, sa.String(64)),
        sa.literal(body(event, data, at), sa.Text()),
        sa.literal(PENDING, sa.String(16)),
        sa.literal(0, sa.Integer()),
        sa.literal(now, DateTime),
        sa.literal(now, DateTime),
    ).where(ep.active.is_(True), ep.events.like(f"% {event} %"))
    columns = [
        "endpoint_id",
        "event",
        "webhook_id",
        "payload",
        "status",
        "attempts",
        "created_at",
        "next_attempt_at",
    ]
    ext.db.session.execute(sa.insert(d).from_select(columns, rows))
    after_commit(message_id)
    return message_id


# -- the events, as the services see them --------------------------------------------------------


def message_posted(message: Any, thread: Any, order: Any, actor: Any) -> None:
    """A message or staff-only note was written (flushed: it has its id)."""
    record(
        MESSAGE_POSTED,
        {
            "thread": thread_data(thread, order),
            "actor": actor_data(actor),
            "message": {
                "id": message.id,
                "kind": message.kind,
                "author_role": message.author_role,
                "body": message.body,
                "created_at": _iso(message.created_at),
            },
        },
        at=message.created_at,
    )


def dispute_changed(event: str, dispute: Any, thread: Any, order: Any, actor: Any) -> None:
    """A dispute was opened, closed or reopened (``event``)."""
    record(
        event,
        {
            "thread": thread_data(thread, order),
            "actor": actor_data(actor),
            "dispute": {
                "id": dispute.id,
                "reason": dispute.reason,
                "outcome": dispute.outcome,
                "note": dispute.note,
                "reopened_from_id": dispute.reopened_from_id,
            },
        },
    )


def thread_assigned(thread: Any, order: Any, actor: Any, assignee: Any, previous: Any) -> None:
    """A thread's assignee changed (``assignee``: the new one's key, or None)."""
    record(
        THREAD_ASSIGNED,
        {
            "thread": thread_data(thread, order),
            "actor": actor_data(actor),
            "assignee_id": _text(assignee),
            "previous_assignee_id": _text(previous),
        },
    )


def status_changed(thread: Any, order: Any, actor: Any, status: str, previous: Any) -> None:
    """Staff set a thread's status by hand."""
    record(
        STATUS_CHANGED,
        {
            "thread": thread_data(thread, order),
            "actor": actor_data(actor),
            "status": status,
            "previous_status": previous,
        },
    )
