"""Dispute deadlines: the store's respond-by time, "overdue", and expiring quiet disputes.

A dispute gets a respond-by time when it is opened (or reopened):
``ORDER_MESSAGES_DISPUTE_RESPONSE_HOURS`` later.  The store has answered it once a staff member
writes a message (not a staff-only note) into the thread after the dispute was opened.  An
open dispute is *overdue* when its respond-by time has passed and the store has not answered.
``ORDER_MESSAGES_DISPUTE_RESPONSE_HOURS = 0`` turns all of this off: no respond-by times are
set, and nothing is ever overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from babel.dates import format_skeleton, format_time, get_datetime_format

from ..i18n import locale_name
from ..model_types import Dispute
from ..models import KIND_MESSAGE, STAFF, utcnow
from ..state import current_order_messages as ext
from ..state import current_settings
from .common import Actor, session


def respond_by_from(opened_at: datetime) -> datetime | None:
    """The respond-by time of a dispute opened at ``opened_at`` (None when deadlines are off)."""
    hours = current_settings.dispute_response_hours
    return opened_at + timedelta(hours=hours) if hours else None


def _answered(dispute: Any) -> Any:
    """SQL: has staff written a message into the dispute's thread since it was opened?"""
    m = ext.models.Message
    return (
        sa.select(sa.literal(1))
        .where(
            m.thread_id == dispute.thread_id,
            m.author_role == STAFF,
            m.kind == KIND_MESSAGE,
            m.created_at >= dispute.opened_at,
        )
        .correlate(dispute)
        .exists()
    )


def overdue_condition(dispute: Any = None, now: datetime | None = None) -> Any:
    """SQL condition on a Dispute (the model, or an alias of it): open, past its respond-by
    time, and not answered by the store."""
    d = dispute if dispute is not None else ext.models.Dispute
    if not current_settings.dispute_response_hours:
        return sa.false()
    return sa.and_(
        d.open_thread_id.is_not(None),
        d.respond_by.is_not(None),
        d.respond_by < (now or utcnow()),
        ~_answered(d),
    )


@dataclass(frozen=True)
class Deadline:
    """The open dispute's deadline as a thread shows it."""

    respond_by: datetime
    answered_at: datetime | None

    @property
    def overdue(self) -> bool:
        return self.answered_at is None and self.respond_by < utcnow()

    @property
    def answered_late(self) -> bool:
        return self.answered_at is not None and self.answered_at > self.respond_by


def deadline_of(view: Any) -> Deadline | None:
    """The deadline of the thread view's open dispute, from the entries already loaded; None
    when no dispute is open, it has no respond-by time, or deadlines are off."""
    dispute = view.open_dispute
    if dispute is None or dispute.respond_by is None:
        return None
    if not current_settings.dispute_response_hours:
        return None
    answers = (
        e.created_at
        for e in view.entries
        if e.author_role == STAFF and e.kind == KIND_MESSAGE and e.created_at >= dispute.opened_at
    )
    answered = next(answers, None)
    return Deadline(respond_by=dispute.respond_by, answered_at=answered)


def short_time(value: datetime | None, now: datetime | None = None) -> str:
    """``Aug 31, 2:00 PM`` / ``31. Aug., 14:00`` (UTC) in the reader's language, with the year
    only when it is not this year's."""
    if value is None:
        return ""
    now = now or utcnow()
    locale = locale_name()
    day = format_skeleton("MMMd" if value.year == now.year else "yMMMd", value, locale=locale)
    time = format_time(value, "short", locale=locale)
    pattern = str(get_datetime_format("medium", locale=locale))
    return pattern.replace("{1}", day).replace("{0}", time)


def expirable_disputes(days: int | None = None, now: datetime | None = None) -> list[Dispute]:
    """Open disputes whose thread has been quiet for ``days`` (default
    ``ORDER_MESSAGES_DISPUTE_EXPIRE_DAYS``), oldest first; none when that is 0."""
    days = current_settings.dispute_expire_days if days is None else days
    if not days:
        return []
    cutoff = (now or utcnow()) - timedelta(days=days)
    d, t = ext.models.Dispute, ext.models.Thread
    stmt = (
        sa.select(d)
        .join(t, t.id == d.thread_id)
        .where(
            d.open_thread_id.is_not(None),
            d.opened_at < cutoff,
            sa.or_(t.last_message_at.is_(None), t.last_message_at < cutoff),
        )
        .order_by(d.opened_at, d.id)
    )
    return list(session().execute(stmt).scalars())


def expire_disputes(days: int | None = None, *, now: datetime | None = None) -> list[Dispute]:
    """Close every open dispute whose thread has been quiet for ``days`` days with the outcome
    "expired", each with its event in the thread; once the caller commits, a mail to the
    customer and a signal for each.  Returns the disputes it closed.  A dispute someone
    closed meanwhile is skipped."""
    from ..errors import DisputeError
    from .disputes import close_dispute

    days = current_settings.dispute_expire_days if days is None else days
    closed = []
    system = Actor(user=None, id=None, role=STAFF)
    for dispute in expirable_disputes(days, now):
        thread = session().get(ext.models.Thread, dispute.thread_id)
        order = ext.get_order(thread.order_id) if thread is not None else None
        if order is None:
            continue
        try:
            closed.append(close_dispute(order, system, outcome="expired", quiet_days=days))
        except DisputeError:
            continue  # someone closed it meanwhile: nothing was written
    return closed


def overdue_for_marketplace(now: datetime | None = None) -> list[Dispute]:
    """Marketplaces: open disputes on vendors' threads that are overdue (past their
    respond-by time, unanswered) and that the marketplace was not told of yet, oldest
    respond-by first.  None while respond-by times are off or vendors take no part."""
    from .vendors import enabled, participates

    if not (current_settings.dispute_response_hours and enabled() and participates()):
        return []
    d, t = ext.models.Dispute, ext.models.Thread
    stmt = (
        sa.select(d)
        .join(t, t.id == d.thread_id)
        .where(overdue_condition(d, now), t.vendor_key.is_not(None), d.overdue_mailed_at.is_(None))
        .order_by(d.respond_by, d.id)
    )
    return list(session().execute(stmt).scalars())


def tell_marketplace_of_overdue(now: datetime | None = None) -> list[Dispute]:
    """Mail the marketplace's staff (``staff_recipients``) about each dispute of
    :func:`overdue_for_marketplace`, once: its ``overdue_mailed_at`` is set in the same
    transaction (a conditional UPDATE, so two runs at once mail once).  The mails go after the
    caller's commit.  Returns the disputes told of."""
    from .. import mail
    from ..models import rows_changed
    from ..transactions import after_commit

    told, outbox_ids = [], []
    d = ext.models.Dispute
    for dispute in overdue_for_marketplace(now):
        claimed = session().execute(
            sa.update(d)
            .where(d.id == dispute.id, d.overdue_mailed_at.is_(None))
            .values(overdue_mailed_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        thread = session().get(ext.models.Thread, dispute.thread_id)
        order = ext.get_order(thread.order_id) if thread is not None else None
        if rows_changed(claimed) != 1 or order is None:
            continue
        outbox_ids += mail.queue_overdue_notice(dispute, thread, order)
        told.append(dispute)
    after_commit(lambda: mail.dispatch(outbox_ids))
    return told
