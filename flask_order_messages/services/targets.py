"""Response targets: every thread that waits for the store has a reply due, in business time.

A thread *awaits a response* from the customer's first message that no staff message has
answered yet (a staff-only note or an event answers nothing).  Its reply is due that moment
plus ``ORDER_MESSAGES_FIRST_RESPONSE_TARGET`` of business time when staff never wrote a
message in the thread, ``ORDER_MESSAGES_NEXT_RESPONSE_TARGET`` otherwise; business time is
:mod:`..business_time` on the calendar of ``config_targets.py``.

:func:`track_entry` keeps the thread's columns (``awaiting_since``, ``awaiting_first``,
``response_due_at``, ``first_response_at``) in step, called by ``posting.add_entry`` in the
same transaction under the thread's lock; an answer also leaves one ``responses`` row, which
the response-time page reports on (:func:`target_report`).  :func:`replay` computes the same
from a thread's history (the migration that added the columns fills them with it).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ..config_targets import TargetSettings
from ..models import CUSTOMER, KIND_MESSAGE, STAFF, utcnow
from ..state import current_order_messages as ext
from ..state import current_settings
from .common import session

#: The values of the Messages list's "due" filter ("" for any).
DUE_FILTERS = ("overdue",)


def due_at(targets: TargetSettings, asked_at: datetime, first: bool) -> datetime | None:
    """When the answer to a customer waiting since ``asked_at`` is due; None: no target."""
    minutes = targets.minutes(first)
    return targets.calendar.add(asked_at, minutes) if minutes else None


def track_entry(thread_id: int, role: str, kind: str, now: datetime) -> None:
    """Move the thread's response-target columns for a new entry (in the caller's
    transaction, under the thread's lock): a customer message starts the wait unless one is
    running; a staff message ends it, leaving a ``responses`` row.  Notes and events: none."""
    if kind != KIND_MESSAGE:
        return
    t = ext.models.Thread
    db = session()
    if role == CUSTOMER:
        targets = current_settings.targets
        never_answered = t.first_response_at.is_(None)
        first, later = (_when(due_at(targets, now, f)) for f in (True, False))
        due = sa.case((never_answered, first), else_=later)
        db.execute(
            sa.update(t)
            .where(t.id == thread_id, t.awaiting_since.is_(None))
            .values(awaiting_since=now, awaiting_first=never_answered, response_due_at=due)
            .execution_options(synchronize_session=False)
        )
    elif role == STAFF:
        r = ext.models.Response
        waiting = sa.select(
            t.id,
            sa.func.coalesce(t.awaiting_first, False),
            t.awaiting_since,
            t.response_due_at,
            sa.literal(now, type_=t.awaiting_since.type),
        ).where(t.id == thread_id, t.awaiting_since.is_not(None))
        columns = ["thread_id", "first", "asked_at", "due_at", "answered_at"]
        db.execute(sa.insert(r).from_select(columns, waiting))
        db.execute(
            sa.update(t)
            .where(t.id == thread_id)
            .values(
                awaiting_since=None,
                awaiting_first=None,
                response_due_at=None,
                first_response_at=sa.func.coalesce(t.first_response_at, now),
            )
            .execution_options(synchronize_session=False)
        )


def _when(value: datetime | None) -> Any:
    return (
        sa.null()
        if value is None
        else sa.literal(value, type_=ext.models.Thread.awaiting_since.type)
    )


@dataclass
class Replayed:
    """One thread's response-target state after its whole history."""

    thread_id: int
    awaiting_since: datetime | None = None
    awaiting_first: bool | None = None
    response_due_at: datetime | None = None
    first_response_at: datetime | None = None
    #: (first, asked_at, due_at, answered_at) of each answer.
    responses: list[tuple[bool, datetime, datetime | None, datetime]] = field(default_factory=list)


def replay(
    messages: Iterable[tuple[int, str, datetime]], targets: TargetSettings
) -> Iterator[Replayed]:
    """The state of each thread from its messages -- (thread id, author role, created at) of
    its ``kind == "message"`` entries, ordered by thread and id -- as :func:`track_entry`
    would have left it."""
    state: Replayed | None = None
    for thread_id, role, at in messages:
        if state is None or state.thread_id != thread_id:
            if state is not None:
                yield state
            state = Replayed(thread_id)
        if role == CUSTOMER and state.awaiting_since is None:
            first = state.first_response_at is None
            state.awaiting_since, state.awaiting_first = at, first
            state.response_due_at = due_at(targets, at, first)
        elif role == STAFF:
            if state.awaiting_since is not None:
                asked, due = state.awaiting_since, state.response_due_at
                state.responses.append((bool(state.awaiting_first), asked, due, at))
            state.awaiting_since = state.awaiting_first = state.response_due_at = None
            state.first_response_at = state.first_response_at or at
    if state is not None:
        yield state


@dataclass(frozen=True)
class ResponseDue:
    """A waiting thread's reply, as the list and the thread show it (staff only)."""

    due_at: datetime
    first: bool
    now: datetime

    @property
    def overdue(self) -> bool:
        return self.due_at <= self.now

    @property
    def text(self) -> str:
        """``"Reply due in 2 h 10 min"`` or ``"Overdue by 35 min"``."""
        from .insight import format_duration

        left = (self.due_at - self.now).total_seconds()
        if self.overdue:
            return f"Overdue by {format_duration(-left)}"
        return f"Reply due in {format_duration(left)}"


def response_due(thread: Any, now: datetime | None = None) -> ResponseDue | None:
    """The reply ``thread`` waits for, or None (not waiting, no target, or targets off)."""
    if thread is None or thread.response_due_at is None:
        return None
    if not current_settings.targets.enabled:
        return None
    return ResponseDue(thread.response_due_at, bool(thread.awaiting_first), now or utcnow())


def overdue_condition(now: datetime | None = None) -> Any:
    """SQL: the thread's reply is overdue (read through the index on ``response_due_at``)."""
    if not current_settings.targets.enabled:
        return sa.false()
    return ext.models.Thread.response_due_at < (now or utcnow())


@dataclass(frozen=True)
class TargetReport:
    """Answers within their target over the response-time page's period."""

    first_within: int
    first_total: int
    next_within: int
    next_total: int

    @staticmethod
    def share(within: int, total: int) -> float | None:
        return within / total if total else None

    @property
    def first_share(self) -> float | None:
        return self.share(self.first_within, self.first_total)

    @property
    def next_share(self) -> float | None:
        return self.share(self.next_within, self.next_total)


def target_report(since: datetime, now: datetime) -> TargetReport | None:
    """First and next answers since ``since`` (with a target), and how many came in time;
    a customer still waiting past the due time counts as missed.  Two queries."""
    if not current_settings.targets.enabled:
        return None
    r, t = ext.models.Response, ext.models.Thread
    db = session()
    counted: dict[bool, tuple[int, int]] = {}
    for first, within, total in db.execute(
        sa.select(r.first, sa.func.count(sa.case((r.answered_at <= r.due_at, 1))), sa.func.count())
        .where(r.answered_at >= since, r.due_at.is_not(None))
        .group_by(r.first)
    ):
        counted[bool(first)] = (int(within), int(total))
    for first, late in db.execute(
        sa.select(t.awaiting_first, sa.func.count())
        .where(t.response_due_at < now, t.awaiting_since >= since)
        .group_by(t.awaiting_first)
    ):
        within, total = counted.get(bool(first), (0, 0))
        counted[bool(first)] = (within, total + int(late))
    (fw, ft), (nw, nt) = counted.get(True, (0, 0)), counted.get(False, (0, 0))
    return TargetReport(fw, ft, nw, nt)
