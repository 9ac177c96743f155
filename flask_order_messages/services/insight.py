"""Response-time insight for staff, in four SQL queries whatever the amount of data.

* **First response**: for each thread, the customer's first message, and the first staff
  message after it (staff-only notes and events do not count as answers).  Only threads whose
  first customer message falls inside the window (``ORDER_MESSAGES_INSIGHT_DAYS``, default 30
  days) are counted; threads are found through the indexed ``last_message_at`` of the thread
  table and their messages through the (thread, id) index, so old data is never scanned.
* **Within target**: answered within ``ORDER_MESSAGES_RESPONSE_TARGET_HOURS`` out of all that
  are decided: answered, or unanswered for longer than the target.  A question that is still
  younger than the target and unanswered counts as waiting, neither way.
* **Median**: of the answered ones' waiting times, computed in the database (an ordered
  ``LIMIT 2 OFFSET (n - 1) / 2``), so no row per message comes to Python.
* **Open disputes by age**: under a day, one to three days, over three days.
* **Messages per day**: customer and staff messages (not notes, not events) on each of the
  window's days, UTC.
* **Against the response targets** (business time, see :mod:`.targets`): first and next
  answers within their target, two more queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..models import CUSTOMER, KIND_MESSAGE, STAFF, utcnow
from ..state import current_order_messages as ext
from ..state import current_settings
from .common import Actor, database, session, thread_scope
from .targets import TargetReport, target_report

#: The age groups of open disputes.
DISPUTE_AGES = ("Less than 1 day", "1–3 days", "More than 3 days")


@dataclass(frozen=True)
class DayCount:
    """Messages on one UTC day."""

    day: date
    customer: int
    staff: int

    @property
    def total(self) -> int:
        return self.customer + self.staff


@dataclass(frozen=True)
class Insight:
    """What the insight page shows.  Times are naive UTC."""

    now: datetime
    since: datetime
    days: int
    target_hours: int
    #: Threads whose customer's first message is inside the window.
    asked: int
    answered: int
    answered_within_target: int
    #: Unanswered for longer than the target.
    missed: int
    #: Unanswered, but still younger than the target.
    waiting: int
    median_seconds: float | None
    #: (label, count) for each of :data:`DISPUTE_AGES`.
    disputes_by_age: list[tuple[str, int]]
    per_day: list[DayCount]
    #: First and next answers against the response targets in business time; None: off.
    targets: TargetReport | None = None

    @property
    def decided(self) -> int:
        return self.answered + self.missed

    @property
    def share_within_target(self) -> float | None:
        """Answered within the target, out of the decided ones; None when there are none."""
        return self.answered_within_target / self.decided if self.decided else None

    @property
    def open_disputes(self) -> int:
        return sum(n for _, n in self.disputes_by_age)

    @property
    def messages(self) -> int:
        return sum(d.total for d in self.per_day)


def _first_responses(since: datetime, scope: Any) -> Any:
    """A subquery: one row per thread whose customer's first message is at or after ``since``:
    ``asked_at``, ``answered_at`` (NULL while unanswered) and ``wait`` (seconds, or NULL)."""
    models = ext.models
    t, m = models.Thread, models.Message
    question, earlier, answer = aliased(m), aliased(m), aliased(m)
    is_customer_message = sa.and_(question.kind == KIND_MESSAGE, question.author_role == CUSTOMER)
    earlier_question = (
        sa.select(sa.literal(1))
        .where(
            earlier.thread_id == question.thread_id,
            earlier.id < question.id,
            earlier.kind == KIND_MESSAGE,
            earlier.author_role == CUSTOMER,
        )
        .correlate(question)
        .exists()
    )
    answered_at = (
        sa.select(sa.func.min(answer.created_at))
        .where(
            answer.thread_id == question.thread_id,
            answer.id > question.id,
            answer.kind == KIND_MESSAGE,
            answer.author_role == STAFF,
        )
        .correlate(question)
        .scalar_subquery()
    )
    pairs = (
        sa.select(
            question.thread_id.label("thread_id"),
            question.created_at.label("asked_at"),
            answered_at.label("answered_at"),
        )
        .select_from(t)
        .join(question, question.thread_id == t.id)
        .where(
            # A thread asked about inside the window was active inside it: the index on
            # last_message_at narrows the threads before any message is read.
            t.last_message_at >= since,
            is_customer_message,
            question.created_at >= since,
            ~earlier_question,
            scope,
        )
        .subquery("pairs")
    )
    wait = database().seconds_between(pairs.c.answered_at, pairs.c.asked_at)
    return sa.select(pairs.c.asked_at, pairs.c.answered_at, wait.label("wait")).subquery(
        "first_responses"
    )


def response_insight(now: datetime | None = None, *, actor: Actor | None = None) -> Insight:
    """The figures of the insight page, as of ``now`` (naive UTC; default: now), over the
    threads ``actor`` may see (a marketplace vendor's staff: their vendor's; default: all)."""
    scope = thread_scope(actor) if actor is not None else sa.true()
    settings = current_settings
    now = now or utcnow()
    days = settings.insight_days
    today = now.date()
    first_day = today - timedelta(days=days - 1)
    since = datetime.combine(first_day, datetime.min.time())
    target_seconds = settings.response_target_hours * 3600
    db = session()

    # 1. Counts of first responses.
    fr = _first_responses(since, scope)
    answered = fr.c.answered_at.is_not(None)
    row = db.execute(
        sa.select(
            sa.func.count(),
            sa.func.count(fr.c.answered_at),
            sa.func.count(sa.case((sa.and_(answered, fr.c.wait <= target_seconds), 1))),
            sa.func.count(
                sa.case(
                    (
                        sa.and_(
                            fr.c.answered_at.is_(None),
                            fr.c.asked_at < now - timedelta(seconds=target_seconds),
                        ),
                        1,
                    )
                )
            ),
        ).select_from(fr)
    ).one()
    asked, n_answered, within, missed = (int(x or 0) for x in row)

    # 2. The median wait: the middle one or two of the ordered waits.
    median = None
    if n_answered:
        middle = list(
            db.execute(
                sa.select(fr.c.wait)
                .where(answered)
                .order_by(fr.c.wait)
                .limit(2 if n_answered % 2 == 0 else 1)
                .offset((n_answered - 1) // 2)
            ).scalars()
        )
        # SQLite's julianday() arithmetic is exact to about a millisecond only.
        median = round(sum(float(x) for x in middle) / len(middle), 3)

    # 3. Open disputes by age.
    d = ext.models.Dispute
    one_day, three_days = now - timedelta(days=1), now - timedelta(days=3)
    ages = db.execute(
        sa.select(
            sa.func.count(sa.case((d.opened_at > one_day, 1))),
            sa.func.count(sa.case((sa.and_(d.opened_at <= one_day, d.opened_at > three_days), 1))),
            sa.func.count(sa.case((d.opened_at <= three_days, 1))),
        ).where(d.open_thread_id.is_not(None), *_disputes_within(actor))
    ).one()
    disputes_by_age = [(label, int(n or 0)) for label, n in zip(DISPUTE_AGES, ages, strict=True)]

    # 4. Messages per day and side.
    t, m = ext.models.Thread, ext.models.Message
    day = sa.func.date(m.created_at)
    counted: dict[tuple[date, str], int] = {}
    for value, role, n in db.execute(
        sa.select(day, m.author_role, sa.func.count())
        .select_from(t)
        .join(m, m.thread_id == t.id)
        .where(t.last_message_at >= since, m.created_at >= since, m.kind == KIND_MESSAGE, scope)
        .group_by(day, m.author_role)
    ):
        when = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
        counted[(when, role)] = int(n)
    per_day = [
        DayCount(
            first_day + timedelta(days=i),
            counted.get((first_day + timedelta(days=i), CUSTOMER), 0),
            counted.get((first_day + timedelta(days=i), STAFF), 0),
        )
        for i in range(days)
    ]
    return Insight(
        now=now,
        since=since,
        days=days,
        target_hours=settings.response_target_hours,
        asked=asked,
        answered=n_answered,
        answered_within_target=within,
        missed=missed,
        waiting=asked - n_answered - missed,
        median_seconds=median,
        disputes_by_age=disputes_by_age,
        per_day=per_day,
        targets=target_report(since, now, scope),
    )


def _disputes_within(actor: Actor | None) -> list[Any]:
    """The condition on disputes that keeps a vendor's staff to their threads' (none for
    anyone who sees every thread: their query stays as it was)."""
    if actor is None or actor.vendor is None:
        return []
    t, d = ext.models.Thread, ext.models.Dispute
    return [d.thread_id.in_(sa.select(t.id).where(thread_scope(actor)))]


def format_duration(seconds: float | None) -> str:
    """``"under a minute"``, ``"42 min"``, ``"3 h 12 min"``, ``"2 d 4 h"``; "–" for None."""
    if seconds is None:
        return "–"
    minutes = int(round(seconds) // 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


@dataclass(frozen=True)
class Bar:
    """One day's stacked bar of the chart, in SVG user units."""

    x: float
    width: float
    customer_y: float
    customer_height: float
    staff_y: float
    staff_height: float
    day: DayCount
    label: str | None  # an x-axis label under some bars


@dataclass(frozen=True)
class BarChart:
    """Geometry of the messages-per-day chart; the template draws it."""

    width: int
    height: int
    top: int
    bottom: int
    left: int
    scale_max: int
    ticks: list[tuple[float, int]]  # (y, value) of the horizontal grid lines
    bars: list[Bar]


def bar_chart(per_day: list[DayCount], *, width: int = 720, height: int = 240) -> BarChart:
    """Lay out ``per_day`` as stacked bars (customer below, staff above) with a round scale."""
    left, right, top, bottom = 48, 8, 12, 30
    peak = max((d.total for d in per_day), default=0)
    # The smallest round step that reaches the peak in at most four grid lines.
    step = next(
        (c for c in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000) if c * 4 >= peak),
        max(1, -(-peak // 4)),
    )
    scale_max = step * max(1, -(-peak // step))
    plot_h = height - top - bottom
    plot_w = width - left - right
    slot = plot_w / max(len(per_day), 1)
    gap = min(4.0, slot * 0.25)

    def y_of(value: float) -> float:
        return top + plot_h - plot_h * value / scale_max

    ticks = [(round(y_of(v), 2), v) for v in range(0, scale_max + 1, step)]
    every = max(1, round(len(per_day) / 6))
    bars = []
    for i, day in enumerate(per_day):
        x = left + i * slot + gap / 2
        customer_h = plot_h * day.customer / scale_max
        staff_h = plot_h * day.staff / scale_max
        base = top + plot_h
        show = (len(per_day) - 1 - i) % every == 0
        bars.append(
            Bar(
                x=round(x, 2),
                width=round(slot - gap, 2),
                customer_y=round(base - customer_h, 2),
                customer_height=round(customer_h, 2),
                staff_y=round(base - customer_h - staff_h, 2),
                staff_height=round(staff_h, 2),
                day=day,
                label=f"{day.day:%b} {day.day.day}" if show else None,
            )
        )
    return BarChart(width, height, top, bottom, left, scale_max, ticks, bars)
