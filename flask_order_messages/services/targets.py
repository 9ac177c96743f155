"""Response targets: every thread that waits for the store has a reply due, in business time.

A thread *awaits a response* from the customer's first message that no staff message has
answered yet (a staff-only note or an event answers nothing).  Its reply is due that moment
plus ``ORDER_MESSAGES_FIRST_RESPONSE_TARGET`` of business time when staff never wrote a
message in the thread, ``ORDER_MESSAGES_NEXT_RESPONSE_TARGET`` otherwise; business time is
:mod:`..business_time` on the calendar of ``config_targets.py``.

:func:`on_entry` says how a new entry moves the thread's columns (``awaiting_since``,
``awaiting_first``, ``response_due_at``, ``first_response_at``); ``posting.add_entry`` writes
them with the entry, in the statements it makes anyway (same transaction, under the thread's
lock).  A staff message that answers carries ``answers_since``, ``answers_first`` and
``answers_due_at``, which the response-time page reports on (:func:`target_report`).
:func:`replay` computes the same from a thread's history (the migration fills them with it).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ..config_targets import TargetSettings
from ..i18n import gettext
from ..model_types import Thread
from ..models import CUSTOMER, KIND_MESSAGE, STAFF, utcnow
from ..models_team import STATUS_CLOSED
from ..state import current_order_messages as ext
from ..state import current_settings
from .common import session

#: The values of the Messages list's "due" filter ("" for any).
DUE_FILTERS = ("overdue",)


def due_at(targets: TargetSettings, asked_at: datetime, first: bool) -> datetime | None:
    """When the answer to a customer waiting since ``asked_at`` is due; None: no target."""
    minutes = targets.minutes(first)
    return targets.calendar.add(asked_at, minutes) if minutes else None


@dataclass(frozen=True)
class EntryTargets:
    """What one new entry changes: the thread's columns, and the entry's own."""

    thread: dict[str, Any] = field(default_factory=dict)
    message: dict[str, Any] = field(default_factory=dict)


def on_entry(thread: Thread, role: str, kind: str, now: datetime) -> EntryTargets:
    """The response-target columns a new entry moves.  ``thread`` must have been read under
    its row lock in this transaction (``posting.get_thread(lock=True)`` reads it afresh): a
    customer message starts the wait unless one runs; a staff message ends it, and carries
    what it answered.  Notes and events change nothing."""
    if kind != KIND_MESSAGE:
        return EntryTargets()
    if role == CUSTOMER:
        if thread.awaiting_since is not None:
            return EntryTargets()
        first = thread.first_response_at is None
        due = due_at(current_settings.targets, now, first)
        return EntryTargets(
            thread={"awaiting_since": now, "awaiting_first": first, "response_due_at": due}
        )
    message = {}
    if thread.awaiting_since is not None:
        message = {
            "answers_since": thread.awaiting_since,
            "answers_first": bool(thread.awaiting_first),
            "answers_due_at": thread.response_due_at,
        }
    done = {"awaiting_since": None, "awaiting_first": None, "response_due_at": None}
    return EntryTargets(
        thread={**done, "first_response_at": thread.first_response_at or now}, message=message
    )


@dataclass
class Replayed:
    """One thread's response-target state after its whole history."""

    thread_id: int
    awaiting_since: datetime | None = None
    awaiting_first: bool | None = None
    response_due_at: datetime | None = None
    first_response_at: datetime | None = None
    #: {message id: its answers_* columns} of each staff message that answered.
    answers: dict[int, dict[str, Any]] = field(default_factory=dict)


def replay(
    messages: Iterable[tuple[int, int, str, datetime]], targets: TargetSettings
) -> Iterator[Replayed]:
    """The state of each thread from its messages -- (thread id, message id, author role,
    created at) of its ``kind == "message"`` entries, ordered by thread and id -- as
    :func:`on_entry` would have left it."""
    state: Replayed | None = None
    for thread_id, message_id, role, at in messages:
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
                state.answers[message_id] = {
                    "answers_since": state.awaiting_since,
                    "answers_first": bool(state.awaiting_first),
                    "answers_due_at": state.response_due_at,
                }
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
        from .durations import format_duration

        left = (self.due_at - self.now).total_seconds()
        if self.overdue:
            return gettext("Overdue by %(time)s", time=format_duration(-left))
        return gettext("Reply due in %(time)s", time=format_duration(left))


def response_due(thread: Any, now: datetime | None = None) -> ResponseDue | None:
    """The reply ``thread`` waits for, or None (not waiting, no target, targets off, or a
    thread staff closed while statuses are on: nobody owes it a reply)."""
    if thread is None or thread.response_due_at is None:
        return None
    if not current_settings.targets.enabled:
        return None
    if current_settings.team.status and thread.status == STATUS_CLOSED:
        return None
    return ResponseDue(thread.response_due_at, bool(thread.awaiting_first), now or utcnow())


def overdue_condition(now: datetime | None = None) -> Any:
    """SQL: the thread's reply is overdue (read through the index on ``response_due_at``):
    the Messages list's overdue view, the bell's number, the report's missed answers.  A
    closed thread's is not, while statuses are on (as :func:`response_due` shows it)."""
    if not current_settings.targets.enabled:
        return sa.false()
    t = ext.models.Thread
    overdue = t.response_due_at < (now or utcnow())
    if current_settings.team.status:
        return sa.and_(overdue, t.status != STATUS_CLOSED)
    return overdue


def overdue_reply_count_stmt(
    now: datetime | None = None, *, at_most: int | None = None, scope: Any = None
) -> Any:
    """SELECT of how many threads' replies are overdue (the bell's number), among the threads
    ``scope`` (a condition on Thread) allows, counting at most ``at_most`` of them when
    given: a range of the index on ``response_due_at``, which holds a due time only while a
    customer waits, so it reads the overdue threads and nothing else (``at_most`` of them at
    most).  None while targets are off."""
    if not current_settings.targets.enabled:
        return None
    t = ext.models.Thread
    conditions = [overdue_condition(now)] + ([scope] if scope is not None else [])
    if at_most is None:
        return sa.select(sa.func.count()).select_from(t).where(*conditions)
    found = sa.select(t.id).where(*conditions).limit(at_most).subquery()
    return sa.select(sa.func.count()).select_from(found)


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


def target_report(since: datetime, now: datetime, scope: Any = None) -> TargetReport | None:
    """First and next answers since ``since`` (with a target), and how many came in time; a
    customer still waiting past the due time counts as missed (not in a closed thread, see
    :func:`overdue_condition`).  Two queries, through the
    indexes on the threads' last_message_at and response_due_at."""
    if not current_settings.targets.enabled:
        return None
    t, m = ext.models.Thread, ext.models.Message
    db = session()
    counted: dict[bool, tuple[int, int]] = {}
    in_time = sa.func.count(sa.case((m.created_at <= m.answers_due_at, 1)))
    for first, within, total in db.execute(
        sa.select(m.answers_first, in_time, sa.func.count())
        .select_from(t)
        .join(m, m.thread_id == t.id)
        .where(t.last_message_at >= since, m.created_at >= since, m.answers_due_at.is_not(None))
        .where(scope if scope is not None else sa.true())
        .group_by(m.answers_first)
    ):
        counted[bool(first)] = (int(within), int(total))
    for first, late in db.execute(
        sa.select(t.awaiting_first, sa.func.count())
        .where(overdue_condition(now), t.awaiting_since >= since)
        .where(scope if scope is not None else sa.true())
        .group_by(t.awaiting_first)
    ):
        within, total = counted.get(bool(first), (0, 0))
        counted[bool(first)] = (within, total + int(late))
    (fw, ft), (nw, nt) = counted.get(True, (0, 0)), counted.get(False, (0, 0))
    return TargetReport(fw, ft, nw, nt)
