"""JSON endpoints: bell counts (cheap to poll, with ETag) and new thread entries."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Blueprint, Response, abort, request

from .. import services
from ..extension import current_order_messages as ext
from ..models import KIND_NOTE
from ..templating import format_date, message_html
from .common import logged_in_user, order_or_404, owned_order_or_404, require_staff


def _json(payload: dict[str, Any]) -> Response:
    """A JSON response with a strong ETag; ``If-None-Match`` with the same tag gets a 304."""
    body = json.dumps(payload, sort_keys=True, default=str)
    etag = hashlib.sha256(body.encode()).hexdigest()[:32]
    response = Response(body, mimetype="application/json")
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache"
    response.make_conditional(request)  # turns it into a 304 in place when the tag matches
    return response


def counts() -> Response:
    """``{"unread_threads", "open_disputes"}`` for the logged-in staff member or customer."""
    user = logged_in_user()
    actor = services.staff_actor(user) if ext.is_staff(user) else services.customer_actor(user)
    return _json(services.bell_counts(actor))


def _entries(order: Any, actor: services.Actor) -> Response:
    try:
        after = int(request.args.get("after", "0"))
    except ValueError:
        abort(400, description="'after' must be a message id (a whole number).")
    view = services.thread_view(order, actor, mark=False)
    fresh = [e for e in view.entries if e.id > after]
    if fresh and view.thread is not None:
        services.mark_read(actor, [view.thread.id])
    payload = {
        "entries": [
            {
                "id": e.id,
                "kind": e.kind,
                "event": e.event,
                "role": e.author_role,
                "mine": e.author_id == actor.id,
                "author": view.name_of(e.author_id),
                "html": str(message_html(e.body)),
                "date": format_date(e.created_at),
                "note": e.kind == KIND_NOTE,
            }
            for e in fresh
        ],
        "last_id": view.entries[-1].id if view.entries else 0,
        "dispute_open": view.open_dispute is not None,
    }
    return _json(payload)


def staff_entries(order_id: str) -> Response:
    """New entries of one thread after ``?after=<id>``, for the live thread; marks them read."""
    actor = require_staff()
    return _entries(order_or_404(order_id), actor)


def customer_entries(order_id: str) -> Response:
    """The same for a customer's own order."""
    actor = services.customer_actor(logged_in_user())
    return _entries(owned_order_or_404(order_id, actor), actor)


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/api/counts", "api_counts", counts)
    bp.add_url_rule("/api/admin/orders/<order_id>/entries", "api_staff_entries", staff_entries)
    bp.add_url_rule("/api/orders/<order_id>/entries", "api_customer_entries", customer_entries)
