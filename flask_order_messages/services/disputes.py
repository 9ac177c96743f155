"""Disputes: at most one open per thread (the database says so), history kept, events posted."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from .. import event_words, mail, signals
from ..errors import DisputeError, ValidationError
from ..event_words import OUTCOME_LABELS as OUTCOME_LABELS
from ..event_words import outcome_label as outcome_label
from ..i18n import gettext as _
from ..mail_reader import in_shop_language
from ..model_types import Dispute, Thread
from ..models import (
    EVENT_DISPUTE_CLOSED,
    EVENT_DISPUTE_OPENED,
    EVENT_DISPUTE_REOPENED,
    KIND_EVENT,
    rows_changed,
    utcnow,
)
from ..state import current_order_messages as ext
from ..state import current_settings, unproxied
from ..transactions import after_commit
from ..webhooks import events as webhook_events
from .common import Actor, clean_reason, clean_text, session
from .deadlines import respond_by_from
from .posting import add_entry, add_event, get_or_create_thread, get_thread, lock_thread
from .vendors import check_arbitration, may_arbitrate

#: Outcomes a dispute can be closed with.  ``"resolved"`` is what a close that names none
#: records (a staff close with ``ORDER_MESSAGES_DISPUTE_OUTCOMES_ENABLED`` off, or a script).
OUTCOMES = ("resolved_for_customer", "resolved_for_store", "withdrawn", "expired", "resolved")
#: The outcomes staff choose from when they close a dispute, in the order the form lists them.
STAFF_OUTCOMES = ("resolved_for_customer", "resolved_for_store", "withdrawn", "expired")
#: The webhook event of each way a dispute is opened.
_WEBHOOK_EVENTS = {
    EVENT_DISPUTE_OPENED: webhook_events.DISPUTE_OPENED,
    EVENT_DISPUTE_REOPENED: webhook_events.DISPUTE_REOPENED,
}


def open_dispute_of(order: Any) -> Dispute | None:
    """The open dispute on ``order``, or None."""
    d, t = ext.models.Dispute, ext.models.Thread
    stmt = sa.select(d).join(t, t.id == d.open_thread_id).where(t.order_id == ext.order_key(order))
    return session().execute(stmt).scalar()


def _insert_open_dispute(
    order: Any,
    thread: Thread,
    actor: Actor,
    *,
    reason: str,
    body: str,
    event_name: str,
    reopened_from_id: int | None = None,
) -> tuple[Dispute, list[int]]:
    """Insert an open dispute with its event and mail, flushed all together or not at all
    (the caller holds the thread's lock).  The unique open index turns a second open dispute
    (two people at once) into a :class:`DisputeError`."""
    now = utcnow()
    dispute = ext.models.Dispute(
        thread_id=thread.id,
        open_thread_id=thread.id,
        opened_by_id=actor.id,
        opened_by_role=actor.role,
        opened_at=now,
        reason=reason,
        respond_by=respond_by_from(now),
        reopened_from_id=reopened_from_id,
    )
    db = session()
    try:
        db.add(dispute)
        db.flush()
        event = add_entry(thread, actor, body, kind=KIND_EVENT, event=event_name, locked=True)
        outbox_ids = mail.queue_for_entry(event, order, actor)
        db.flush()
        webhook_events.dispute_changed(_WEBHOOK_EVENTS[event_name], dispute, thread, order, actor)
    except IntegrityError:
        db.rollback()
        raise DisputeError(_("A dispute is already open on this order.")) from None
    except Exception:
        db.rollback()  # nothing half-opened (see post_message)
        raise
    return dispute, outbox_ids


def open_dispute(order: Any, actor: Actor, reason: Any) -> Dispute:
    """Open a dispute on ``order`` with a required ``reason``; post it as an event.

    Raises :class:`ValidationError` for a missing or too long reason,
    :class:`DisputeError` when a dispute is already open (also when two people open at once:
    the database's unique index refuses the second), and :class:`NotAllowedError` for a
    vendor's staff (the marketplace arbitrates: ``ORDER_MESSAGES_VENDORS_CLOSE_DISPUTES``).
    """
    check_arbitration(actor)  # a vendor's staff answer disputes; the marketplace arbitrates
    text = clean_reason(reason)
    thread = get_or_create_thread(order)
    lock_thread(thread)
    if open_dispute_of(order) is not None:
        raise DisputeError(_("A dispute is already open on this order."))
    dispute, outbox_ids = _insert_open_dispute(
        order, thread, actor, reason=text, body=text, event_name=EVENT_DISPUTE_OPENED
    )
    app = unproxied(current_app)

    def opened() -> None:
        mail.dispatch(outbox_ids)
        signals.dispute_opened.send(app, dispute=dispute, thread=thread, order=order, actor=actor)

    after_commit(opened)
    return dispute


def close_dispute(
    order: Any,
    actor: Actor,
    *,
    outcome: str | None = None,
    note: Any = None,
    quiet_days: int | None = None,
) -> Dispute:
    """Close the open dispute on ``order``; post it as an event.  The dispute row stays as history.

    A customer may only withdraw a dispute they opened themselves.  Raises
    :class:`DisputeError` when no dispute is open (or someone closed it a moment ago).
    ``quiet_days``: closed automatically after so many quiet days (``expire-disputes``); the
    event says so in each reader's language, and the dispute's note in the shop's.
    """
    check_arbitration(actor)
    dispute = open_dispute_of(order)
    if dispute is None:
        raise DisputeError(_("There is no open dispute on this order."))
    if not actor.is_staff and dispute.opened_by_id != actor.id:
        raise DisputeError(_("Only the store can close a dispute it opened."))
    outcome = outcome or ("resolved" if actor.is_staff else "withdrawn")
    if outcome not in OUTCOMES:
        raise ValidationError(_("Unknown outcome %(outcome)s.", outcome=repr(outcome)), "outcome")
    if not actor.is_staff and outcome != "withdrawn":
        raise ValidationError(_("A customer can only withdraw their own dispute."), "outcome")
    note_text = None
    if note not in (None, ""):
        note_text = clean_text(note, field="note", label=_("The note"), max_length=2000)
    args = _closed_args(outcome, actor, note_text, quiet_days)
    if quiet_days:
        with in_shop_language():  # kept on the dispute, for its webhooks
            note_text = event_words.quiet_note(quiet_days)
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
    if rows_changed(result) != 1:  # nothing was written
        raise DisputeError(_("This dispute was closed already."))
    thread = get_thread(order, lock=True)  # read afresh under the lock (response targets)
    assert thread is not None  # the dispute found above is in it
    # A note the customer reads from the store answers them, as a staff message does.
    answers = actor.is_staff and note_text is not None and not quiet_days
    try:
        event = add_event(
            thread, actor, EVENT_DISPUTE_CLOSED, args, kind=KIND_EVENT, locked=True, answers=answers
        )
        outbox_ids = mail.queue_for_entry(event, order, actor)
        db.flush()
    except Exception:
        db.rollback()  # nothing half-closed (see post_message)
        raise
    db.refresh(dispute)
    webhook_events.dispute_changed(webhook_events.DISPUTE_CLOSED, dispute, thread, order, actor)
    app = unproxied(current_app)

    def closed() -> None:
        mail.dispatch(outbox_ids)
        signals.dispute_closed.send(app, dispute=dispute, thread=thread, order=order, actor=actor)

    after_commit(closed)
    return dispute


def _closed_args(
    outcome: str, actor: Actor, note: str | None, quiet_days: int | None
) -> dict[str, Any]:
    """The parameters of a "dispute closed" event (see :mod:`..event_words`)."""
    args: dict[str, Any] = {"outcome": outcome, "by_customer": not actor.is_staff, "note": note}
    if quiet_days:
        args["quiet_days"] = quiet_days
    return args


def last_dispute_of(thread: Thread) -> Dispute | None:
    """The newest dispute of ``thread`` (open or closed), or None."""
    d = ext.models.Dispute
    stmt = sa.select(d).where(d.thread_id == thread.id).order_by(d.id.desc()).limit(1)
    return session().execute(stmt).scalar()


def first_opener_id(dispute: Dispute) -> Any:
    """Who opened the dispute that ``dispute`` reopens (through every reopening)."""
    seen = set()
    while dispute.reopened_from_id is not None and dispute.id not in seen:
        seen.add(dispute.id)
        earlier = session().get(ext.models.Dispute, dispute.reopened_from_id)
        if earlier is None:
            break
        dispute = earlier
    return dispute.opened_by_id


def may_reopen(dispute: Dispute | None, actor: Actor) -> bool:
    """Whether ``actor`` may reopen the closed ``dispute``: staff, or the customer who first
    opened it.  False while reopening is turned off (``DISPUTE_OUTCOMES_ENABLED``)."""
    if not current_settings.dispute_outcomes_enabled or dispute is None or dispute.is_open:
        return False
    if not may_arbitrate(actor):
        return False
    return actor.is_staff or first_opener_id(dispute) == actor.id


def reopenable_dispute(order: Any, actor: Actor) -> Dispute | None:
    """The closed dispute ``actor`` could reopen on ``order`` now, or None."""
    thread = get_thread(order)
    if thread is None:
        return None
    last = last_dispute_of(thread)
    return last if may_reopen(last, actor) else None


def reopen_dispute(order: Any, actor: Actor, note: Any = None) -> Dispute:
    """Reopen the newest closed dispute on ``order``: a new open dispute with the same reason,
    linked to the closed one (``reopened_from_id``), a fresh respond-by time, and a
    "dispute reopened" event whose text is ``note`` (optional) or the reason.

    Staff may reopen any dispute; a customer only one they opened.  Raises
    :class:`DisputeError` when a dispute is open already, when there is none to reopen, or
    when reopening is turned off; :class:`ValidationError` for a too long note.
    """
    if not current_settings.dispute_outcomes_enabled:
        raise DisputeError(_("Reopening disputes is turned off in this shop."))
    check_arbitration(actor)
    note_text = None
    if note not in (None, "") and str(note).strip():
        note_text = clean_text(note, field="note", label=_("The note"), max_length=2000)
    thread = get_thread(order)
    if thread is None:
        raise DisputeError(_("There is no closed dispute on this order to reopen."))
    lock_thread(thread)
    if open_dispute_of(order) is not None:
        raise DisputeError(_("A dispute is already open on this order."))
    previous = last_dispute_of(thread)
    if previous is None:
        raise DisputeError(_("There is no closed dispute on this order to reopen."))
    if not may_reopen(previous, actor):
        raise DisputeError(
            _("Only the store or the customer who opened this dispute can reopen it.")
        )
    dispute, outbox_ids = _insert_open_dispute(
        order,
        thread,
        actor,
        reason=previous.reason,
        body=note_text or previous.reason,
        event_name=EVENT_DISPUTE_REOPENED,
        reopened_from_id=previous.id,
    )
    app = unproxied(current_app)

    def reopened() -> None:
        mail.dispatch(outbox_ids)
        signals.dispute_reopened.send(
            app, dispute=dispute, previous=previous, thread=thread, order=order, actor=actor
        )

    after_commit(reopened)
    return dispute
