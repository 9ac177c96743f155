"""Response-time insight for staff, in a fixed number of SQL queries whatever the amount of
data: four, and three more while response targets are on.

* **First response**: for each thread, the customer's first message, and the first staff
  message after it (staff-only notes and events do not count as answers), in clock time.
  Only threads whose first customer message falls inside the window
  (``ORDER_MESSAGES_INSIGHT_DAYS``, default 30 days) are counted; threads are found through
  the indexed ``last_message_at`` of the thread table and their messages through the
  (thread, id) index, so old data is never scanned.
* **Median**: of the answered ones' waiting times, computed in the database (an ordered
  ``LIMIT 2 OFFSET (n - 1) / 2``), so no row per message comes to Python.
* **Open disputes by age**: under a day, one to three days, over three days.
* **Messages per day**: customer and staff messages (not notes, not events) on each of the
  window's days, UTC.
* **Against the response targets** (``ORDER_MESSAGES_FIRST_RESPONSE_TARGET`` and
  ``..._NEXT_RESPONSE_TARGET``, in business hours, see :mod:`.targets`): first and next
  answers within their target (two queries), and the replies overdue now (one).  The page
  reports against these targets only; the retired ``ORDER_MESSAGES_RESPONSE_TARGET_HOURS``
  (wall-clock) is accepted and ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from babel.dates import format_skeleton, get_day_names
from sqlalchemy.orm import aliased

from ..business_time import BusinessCalendar
from ..config_targets import TargetSettings
from ..i18n import gettext, lazy_gettext, locale_name
from ..models import CUSTOMER, KIND_MESSAGE, STAFF, utcnow
from ..state import current_order_messages as ext
from ..state import current_settings
from .common import Actor, database, session, thread_scope
from .durations import business_duration as business_duration
from .durations import format_duration as format_duration
from .targets import TargetReport, overdue_reply_count_stmt, target_report

#: The age groups of open disputes.
DISPUTE_AGES = (
    lazy_gettext("Less than 1 day"),
    lazy_gettext("1–3 days"),
    lazy_gettext("More than 3 days"),
)


@dataclass(frozen=True)
class TargetTerms:
    """The response targets in words, as the page states what it reports against."""

    #: "4 h", "1 h 30 min"; "" for no target.
    first: str
    next: str
    #: "09:00–17:00, Mon–Fri (Europe/Berlin), holidays excluded".
    hours: str


def _days_in_words(days: frozenset[int]) -> str:
    """Working days: "Mon–Fri", "Mon, Wed, Fri", "Mon–Fri, Sun", "every day" (``Mo.–Fr.``)."""
    if len(days) == 7:
        return gettext("every day")
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    names = get_day_names("abbreviated", locale=locale_name())  # 0 is Monday, as DAY_NAMES
    return ", ".join(
        f"{names[r[0]]}–{names[r[-1]]}" if len(r) > 2 else ", ".join(names[d] for d in r)
        for r in runs
    )


def calendar_words(calendar: BusinessCalendar) -> str:
    """When business time runs, in words: "09:00–17:00, Mon–Fri (UTC)"."""
    closes = "24:00" if calendar.closes is None else f"{calendar.closes:%H:%M}"
    span = f"{calendar.opens:%H:%M}–{closes}"
    if span == "00:00–24:00":
        span = gettext("all day")
    text = f"{span}, {_days_in_words(calendar.days)} ({calendar.zone.key})"
    if calendar.holiday is None:
        return text
    return gettext("%(hours)s, holidays excluded", hours=text)


def target_terms(targets: TargetSettings) -> TargetTerms:
    """The configured targets and business hours in words."""
    return TargetTerms(
        first=business_duration(targets.first_minutes),
        next=business_duration(targets.next_minutes),
        hours=calendar_words(targets.calendar),
    )


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
    #: Threads whose customer's first message is inside the window.
    asked: int
    answered: int
    #: The median wait for a first answer, in clock time.
    median_seconds: float | None
    #: (label, count) for each of :data:`DISPUTE_AGES`.
    disputes_by_age: list[tuple[str, int]]
    per_day: list[DayCount]
    #: First and next answers against the response targets in business time; None: off.
    targets: TargetReport | None = None
    #: The targets and business hours in words; None: off.
    terms: TargetTerms | None = None
    #: Threads whose reply is overdue now; None: targets off.
    overdue_now: int | None = None

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


def response_insight(
    now: datetime | None = None, *, actor: Actor | None = None, where: Any = None
) -> Insight:
    """The figures of the insight page, as of ``now`` (naive UTC; default: now), over the
    threads ``actor`` may see (a marketplace vendor's staff: their vendor's; default: all),
    narrowed by ``where``, a condition on Thread (the marketplace's vendor filter:
    :func:`.vendors.chosen_vendor`)."""
    scope = thread_scope(actor) if actor is not None else sa.true()
    narrowed = where is not None or (actor is not None and actor.vendor is not None)
    if where is not None:
        scope = sa.and_(scope, where)
    settings = current_settings
    now = now or utcnow()
    days = settings.insight_days
    today = now.date()
    first_day = today - timedelta(days=days - 1)
    since = datetime.combine(first_day, datetime.min.time())
    db = session()

    # 1. Counts of first responses.
    fr = _first_responses(since, scope)
    answered = fr.c.answered_at.is_not(None)
    row = db.execute(
        sa.select(sa.func.count(), sa.func.count(fr.c.answered_at)).select_from(fr)
    ).one()
    asked, n_answered = (int(x or 0) for x in row)

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
        ).where(d.open_thread_id.is_not(None), *_disputes_within(scope, narrowed))
    ).one()
    disputes_by_age = [
        (str(label), int(n or 0)) for label, n in zip(DISPUTE_AGES, ages, strict=True)
    ]

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
    # 5. Against the response targets (business time), and the replies overdue now.
    overdue = overdue_reply_count_stmt(now, scope=scope)
    return Insight(
        now=now,
        since=since,
        days=days,
        asked=asked,
        answered=n_answered,
        median_seconds=median,
        disputes_by_age=disputes_by_age,
        per_day=per_day,
        targets=target_report(since, now, scope),
        terms=target_terms(settings.targets) if settings.targets.enabled else None,
        overdue_now=int(db.execute(overdue).scalar() or 0) if overdue is not None else None,
    )


def _disputes_within(scope: Any, narrowed: bool) -> list[Any]:
    """The condition that keeps the disputes to the threads of ``scope`` when it leaves some
    out (a vendor's staff, the vendor filter); none for all threads: the query stays as it
    was."""
    if not narrowed:
        return []
    t, d = ext.models.Thread, ext.models.Dispute
    return [d.thread_id.in_(sa.select(t.id).where(scope))]


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
                label=format_skeleton("MMMd", day.day, locale=locale_name()) if show else None,
            )
        )
    return BarChart(width, height, top, bottom, left, scale_max, ticks, bars)
