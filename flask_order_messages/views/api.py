"""JSON endpoints: bell counts (cheap to poll, with ETag) and new thread entries."""

from __future__ import annotations

import hashlib
import json
from typing import Any, NoReturn

from flask import Blueprint, Response, abort, jsonify, render_template, request
from flask_login import current_user

from .. import services
from ..event_words import entry_text
from ..i18n import gettext as _
from ..models import KIND_NOTE
from ..page_reads import mark_read_now
from ..panel_extras import event_text
from ..permissions import READ, PermissionDenied, require
from ..services import bell, confirm
from ..state import current_order_messages as ext
from ..templating import format_date, message_html


def _json(payload: dict[str, Any]) -> Response:
    """A JSON response with a strong ETag; ``If-None-Match`` with the same tag gets a 304."""
    body = json.dumps(payload, sort_keys=True, default=str)
    etag = hashlib.sha256(body.encode()).hexdigest()[:32]
    response = Response(body, mimetype="application/json")
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache"
    response.make_conditional(request)  # turns it into a 304 in place when the tag matches
    return response


def _fail(status: int, message: str) -> NoReturn:
    """Stop with ``{"error": message}``: scripts get JSON, never the host's HTML pages."""
    response = jsonify(error=message)
    response.status_code = status
    abort(response)


def _user() -> Any:
    """The logged-in user; a script gets a 401, not a redirect to the login page."""
    if not getattr(current_user, "is_authenticated", False):
        _fail(401, _("Log in to see your messages."))
    return current_user._get_current_object()


def _order(order_id: str, actor: services.Actor) -> Any:
    """The order, if ``actor`` may see it (a customer: their own; a vendor's staff: their
    vendor's), or the same JSON 404 either way."""
    order = ext.get_order(order_id)
    if order is None:
        _fail(404, _("No such order."))
    if actor.is_staff:
        seen = services.vendors.may_see_order(order, actor)
    else:
        seen = ext.order_owner_id(order) == actor.id
    if not seen:
        _fail(404, _("No such order."))
    return order


def _may_read(actor: services.Actor) -> services.Actor:
    """``actor``, unless a staff member without the "read" permission: a JSON 403 naming it."""
    try:
        require(actor, READ)
    except PermissionDenied as exc:
        _fail(403, exc.message)
    return actor


def counts() -> Response:
    """``{"unread_threads", "open_disputes", "label"}`` for the logged-in staff member or
    customer (``label``: the bell's accessible name for these numbers); for staff also
    ``"overdue_disputes"`` while respond-by times are on, and ``"overdue_replies"`` (threads
    whose reply is overdue) while response targets are on.  Each number stops at 100 (more
    than 99, ``<name>_capped`` true: ``services/bell.py``).

    The ``ETag`` is the bell's version and the answer's digest.  A tag of a current version
    gets a 304 before the unread threads are counted; otherwise they are, and a tag with
    the same digest also gets a 304 while the version keeps moving (it would not match the
    next poll anyway), a 200 with the new tag once it settled (so that the next polls match
    it without counting)."""
    user = _user()
    actor = services.staff_actor(user) if ext.is_staff(user) else services.customer_actor(user)
    _may_read(actor)
    known = [tag for tag in request.if_none_match.as_set(include_weak=True) if "-" in tag]
    if known:
        current = {version.tag for version in bell.bell_versions(actor).values()}
        matching = [tag for tag in known if tag.split("-")[0] in current]
        if matching:
            return _not_modified(matching[0])
    answer, versions = bell.bell_answer(actor)
    version = versions[answer["unread_threads_capped"]]
    body = json.dumps(answer, sort_keys=True)
    digest = hashlib.sha256(body.encode()).hexdigest()[:20]
    same = [tag for tag in known if tag.endswith(f"-{digest}")]
    if same and not version.settled:
        return _not_modified(same[0])
    response = Response(body, mimetype="application/json")
    response.set_etag(f"{version.tag}-{digest}")
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _not_modified(tag: str) -> Response:
    response = Response(status=304)
    response.set_etag(tag)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _entries(order: Any, actor: services.Actor) -> Response:
    return entries_json(services.thread_view(order, actor), actor)


def entries_json(view: Any, actor: services.Actor) -> Response:
    """The live thread's answer: ``view``'s entries after ``?after=<id>`` (an order's thread
    or a question's), marked read for ``actor`` when there are any."""
    try:
        after = int(request.args.get("after", "0"))
    except ValueError:
        _fail(400, "'after' must be a message id (a whole number).")
    fresh = [e for e in view.entries if e.id > after]
    if fresh and view.thread is not None:
        mark_read_now(actor, [view.thread.id])  # the live thread shows them
    payload = {
        "entries": [
            {
                "id": e.id,
                "kind": e.kind,
                "event": e.event,
                "role": e.author_role,
                "mine": e.author_id == actor.id,
                "author": view.name_of(e.author_id),
                "html": str(message_html(entry_text(e))),
                "date": format_date(e.created_at),
                "note": e.kind == KIND_NOTE,
                # An event in words, as the thread shows it ("Dispute reopened by ...").
                "event_text": event_text(e, view),
                # The entry's files as the thread shows them (server-rendered, escaped).
                "attachments": _attachments_html(e, view, actor),
                # Staff writing a reply: the question this entry asks them ("Send yours
                # anyway?"), or None (see services.confirm).
                "confirm": _confirm(e, view, actor),
            }
            for e in fresh
        ],
        "last_id": view.entries[-1].id if view.entries else 0,
        "dispute_open": view.open_dispute is not None,
    }
    return _json(payload)


def _confirm(entry: Any, view: Any, actor: services.Actor) -> str | None:
    if not actor.is_staff or not confirm.enabled() or not confirm.asks(entry, actor):
        return None
    return confirm.prompt(entry, view.name_of(entry.author_id))


def _attachments_html(entry: Any, view: Any, actor: services.Actor) -> str:
    side = "staff" if actor.is_staff else "customer"
    html = render_template("order_messages/_attachments.html", entry=entry, view=view, side=side)
    return html.strip()


def staff_entries(order_id: str) -> Response:
    """New entries of one thread after ``?after=<id>``, for the live thread; marks them read."""
    actor = staff_reader()
    return _entries(_order(order_id, actor), actor)


def staff_reader() -> services.Actor:
    """The logged-in staff member, if they may read threads here: else a JSON 401 or 403."""
    user = _user()
    if not ext.is_staff(user):
        _fail(403, _("This endpoint is for store staff."))
    actor = services.staff_actor(user)
    if not services.vendors.takes_part(actor):
        _fail(403, str(services.vendors.NOT_PARTICIPATING))
    return _may_read(actor)


def customer_entries(order_id: str) -> Response:
    """The same for a customer's own order."""
    actor = services.customer_actor(_user())
    return _entries(_order(order_id, actor), actor)


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/api/counts", "api_counts", counts)
    bp.add_url_rule("/api/admin/orders/<order_id>/entries", "api_staff_entries", staff_entries)
    bp.add_url_rule("/api/orders/<order_id>/entries", "api_customer_entries", customer_entries)
