"""Disputes: at most one open per thread (the database says so), history kept, events posted."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from .. import mail, signals
from ..errors import DisputeError, ValidationError
from ..extension import current_order_messages as ext
from ..models import EVENT_DISPUTE_CLOSED, EVENT_DISPUTE_OPENED, KIND_EVENT, utcnow
from .common import Actor, clean_reason, clean_text, session
from .posting import add_entry, get_or_create_thread, get_thread, lock_thread

#: Outcomes a dispute can be closed with.
OUTCOMES = ("resolved", "withdrawn")


def open_dispute_of(order: Any) -> Any | None:
    """The open dispute on ``order``, or None."""
    d, t = ext.models.Dispute, ext.models.Thread
    stmt = sa.select(d).join(t, t.id == d.open_thread_id).where(t.order_id == ext.order_key(order))
    return session().execute(stmt).scalar()


def open_dispute(order: Any, actor: Actor, reason: Any) -> Any:
    """Open a dispute on ``order`` with a required ``reason``; post it as an event.

    Raises :class:`ValidationError` for a missing or too long reason and
    :class:`DisputeError` when a dispute is already open (also when two people open at once:
    the database's unique index refuses the second).
    """
    text = clean_reason(reason)
    thread = get_or_create_thread(order)
    lock_thread(thread)
    if open_dispute_of(order) is not None:
        raise DisputeError("A dispute is already open on this order.")
    now = utcnow()
    dispute = ext.models.Dispute(
        thread_id=thread.id,
        open_thread_id=thread.id,
        opened_by_id=actor.id,
        opened_by_role=actor.role,
        opened_at=now,
        reason=text,
    )
    db = session()
    db.add(dispute)
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        raise DisputeError("A dispute is already open on this order.") from None
    try:
        event = add_entry(thread, actor, text, kind=KIND_EVENT, event=EVENT_DISPUTE_OPENED)
        outbox_ids = mail.queue_for_entry(event, order, actor)
        db.commit()
    except IntegrityError:
        db.rollback()
        raise DisputeError("A dispute is already open on this order.") from None
    except Exception:
        db.rollback()  # nothing half-opened (see post_message)
        raise
    mail.dispatch(outbox_ids)
    signals.dispute_opened.send(
        current_app._get_current_object(),  # type: ignore[attr-defined]
        dispute=dispute,
        thread=thread,
        order=order,
        actor=actor,
    )
    return dispute


def close_dispute(order: Any, actor: Actor, *, outcome: str | None = None, note: Any = None) -> Any:
    """Close the open dispute on ``order``; post it as an event.  The dispute row stays as history.

    A customer may only withdraw a dispute they opened themselves.  Raises
    :class:`DisputeError` when no dispute is open (or someone closed it a moment ago).
    """
    dispute = open_dispute_of(order)
    if dispute is None:
        raise DisputeError("There is no open dispute on this order.")
    if not actor.is_staff and dispute.opened_by_id != actor.id:
        raise DisputeError("Only the store can close a dispute it opened.")
    outcome = outcome or ("resolved" if actor.is_staff else "withdrawn")
    if outcome not in OUTCOMES:
        raise ValidationError(f"Unknown outcome {outcome!r}.", "outcome")
    note_text = None
    if note not in (None, ""):
        note_text = clean_text(note, field="note", label="The note", max_length=2000)
    d = ext.models.Dispute
    db = session()
    now = utcnow()
    # Only the request that still finds it open closes it; a second close finds no row.
    result = db.execute(
        sa.update(d)
        .where(d.id == dispute.id, d.closed_at.is_(None))
        .values(
            closed_at=now,
            closed_by_id=actor.id,
            closed_by_role=actor.role,
            open_thread_id=None,
            outcome=outcome,
            note=note_text,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.rollback()
        raise DisputeError("This dispute was closed already.")
    thread = get_thread(order)
    body = note_text or ("Withdrawn by the customer." if outcome == "withdrawn" else "Resolved.")
    try:
        event = add_entry(thread, actor, body, kind=KIND_EVENT, event=EVENT_DISPUTE_CLOSED)
        outbox_ids = mail.queue_for_entry(event, order, actor)
        db.commit()
    except Exception:
        db.rollback()  # nothing half-closed (see post_message)
        raise
    db.refresh(dispute)
    mail.dispatch(outbox_ids)
    signals.dispute_closed.send(
        current_app._get_current_object(),  # type: ignore[attr-defined]
        dispute=dispute,
        thread=thread,
        order=order,
        actor=actor,
    )
    return dispute
