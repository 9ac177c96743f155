"""What staff and customers do to one thread, through the API: the same service calls as
the pages' views (``views/common.py``, ``views/reopen.py``), for either side."""

from __future__ import annotations

from typing import Any

from flask import request

from .. import services
from ..i18n import gettext as _
from ..services import Actor, bell, vendors
from ..state import current_settings
from ..views.common import check_notes_enabled, close_outcomes
from . import present, schemas
from .problems import ApiProblem


def show(order: Any, actor: Actor, query: schemas.EntriesQuery) -> schemas.ThreadOut:
    """The thread, a page of entries after the cursor; reads only (``POST .../read`` marks
    it read)."""
    view = services.thread_view(order, actor)
    return present.thread(view, actor, query.after, query.limit)


def _files() -> list[Any]:
    if not current_settings.attachments_enabled or request.mimetype != "multipart/form-data":
        return []
    return list(request.files.getlist(services.attachments.FIELD))


def post(order: Any, actor: Actor, body: schemas.MessageIn) -> schemas.Posted:
    """A message (or, staff, a staff-only note) with its files."""
    note = body.kind == "note"
    if note and not actor.is_staff:
        raise ApiProblem("validation", _("Only staff can write staff-only notes."), field="kind")
    if note:
        check_notes_enabled()
    seen = body.seen_id if actor.is_staff else None
    message = services.post_message(
        order, actor, body.body, files=_files(), note=note, seen_id=seen
    )
    return schemas.Posted(entry=present.posted(message, order, actor))


def mark(order: Any, actor: Actor, *, read: bool) -> schemas.Changed:
    """Mark this order's thread read or unread for ``actor`` (0: nothing to mark)."""
    thread = services.get_thread(order)
    if thread is None:
        return schemas.Changed(changed=0)
    return schemas.Changed(changed=services.mark_threads(actor, [thread.id], read=read))


def mark_many(actor: Actor, body: schemas.MarkIn) -> schemas.Changed:
    """Mark the given threads (or all) read or unread; those out of reach are not counted."""
    ids = body.thread_ids
    return schemas.Changed(changed=services.mark_threads(actor, ids, read=body.action == "read"))


def dispute_open(order: Any, actor: Actor, body: schemas.DisputeOpenIn) -> schemas.DisputeChanged:
    vendors.check_arbitration(actor)
    dispute = services.open_dispute(order, actor, body.reason)
    return schemas.DisputeChanged(dispute=present.dispute(dispute))


def dispute_close(order: Any, actor: Actor, body: schemas.DisputeCloseIn) -> schemas.DisputeChanged:
    """Close (staff, with an outcome while outcomes are on) or withdraw (customer)."""
    vendors.check_arbitration(actor)
    side = "staff" if actor.is_staff else "customer"
    outcome = body.outcome if close_outcomes(side) else None
    dispute = services.close_dispute(order, actor, outcome=outcome, note=body.note)
    return schemas.DisputeChanged(dispute=present.dispute(dispute))


def dispute_reopen(
    order: Any, actor: Actor, body: schemas.DisputeReopenIn
) -> schemas.DisputeChanged:
    if not current_settings.dispute_outcomes_enabled:
        raise ApiProblem("feature-off", _("Reopening disputes is turned off in this shop."))
    vendors.check_arbitration(actor)
    dispute = services.reopen_dispute(order, actor, body.note)
    return schemas.DisputeChanged(dispute=present.dispute(dispute))


def counts(actor: Actor) -> schemas.Counts:
    """The bell's numbers (and its accessible name)."""
    answer, _versions = bell.bell_answer(actor)
    return schemas.Counts(**answer)
