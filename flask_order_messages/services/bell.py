"""The bell: its numbers, the words that say them, and the version a poll checks first.

**Numbers.**  ``unread_threads``, ``open_disputes``, for staff while respond-by times are on
``overdue_disputes``, and while response targets are on ``overdue_replies`` (threads whose
reply is overdue), in one statement.  The bell is polled, so each is counted up to
:data:`BELL_MAX` + 1 and more is shown as "99+": a count stops after that many rows (the
unread threads walk the reader's candidates above and below their read floor in turn,
:func:`.floors.parts`), so a poll costs the same whatever the backlog.

**Version.**  :func:`bell_versions` says, from one statement and without counting the unread
threads (the one number that costs), whether the answer may have changed for the viewer:

- the small numbers themselves (open disputes, overdue disputes and replies, counted at this
  moment: a deadline that passed shows at once);
- the newest change of their read marks (reading, writing, marking unread: the pointers'
  ``updated_at``, an index of its own), which is all that can lower their unread threads;
- the newest entry among the threads they may see (every entry moves its thread's
  ``last_message_at``), which can raise them -- except past :data:`BELL_MAX`: the version of
  an answer that said "99+" leaves it out, since others' entries can only keep it there, so
  that a busy shop's entries do not make every such poll count again;
- who they are (role, vendor, whose read marks), their language, and the settings that shape
  the answer;
- the current time slot: :data:`SLOT` seconds long while a time above moved in the last
  read-floor margin (five minutes: an entry whose transaction commits after a newer one, or
  two changes in the same microsecond, leave the newest times as they were, and the slot
  still changes), the margin itself otherwise, so that whatever the version cannot see (an
  order deleted with its thread, a host's hook answering otherwise) shows within minutes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from ..i18n import gettext, locale_name, ngettext
from ..models import utcnow
from ..state import current_order_messages as ext
from ..state import current_settings
from . import floors, readers
from .common import (
    Actor,
    asked_questions,
    customer_scope,
    owned_orders,
    pointer_join,
    scope_parts,
    session,
    thread_scope,
    thread_unread_condition,
)
from .deadlines import overdue_condition as overdue_dispute
from .reading import disputes_of
from .targets import overdue_reply_count_stmt

#: The largest number the bell shows; more is "99+" (the page, the live script and the
#: label say it so).  Each number is counted up to one more than this.
BELL_MAX = 99
#: Seconds a version's time slot lasts while the viewer's threads or marks moved lately.
SLOT = 30
#: Where the time slots are counted from (naive UTC, as ``utcnow``).
EPOCH = datetime(1970, 1, 1)
#: Changes to the version's rule or to the answer's shape (old tags then match nothing).
FORMAT = 2


def bell_numbers(
    actor: Actor, *, unread_threads: int | None = None, refresh: bool = False
) -> dict[str, int]:
    """The bell's numbers for ``actor`` (module doc), each at most ``BELL_MAX + 1``: those
    of :func:`bell_counts` and, for staff while response targets are on,
    ``overdue_replies``."""
    return _numbers(actor, unread_threads, refresh, replies=True)


def bell_counts(
    actor: Actor, *, unread_threads: int | None = None, refresh: bool = False
) -> dict[str, int]:
    """``unread_threads``, ``open_disputes`` and, for staff while respond-by times are on,
    ``overdue_disputes``, in one statement, each at most ``BELL_MAX + 1``.

    ``unread_threads``, when given, was already counted in the same request and is not
    counted again.  ``refresh=True`` first raises a stale read floor (see :mod:`.floors`),
    in its own short transaction: pass it only where nothing else is pending (the JSON
    endpoint does)."""
    return _numbers(actor, unread_threads, refresh, replies=False)


def _numbers(actor: Actor, unread: int | None, refresh: bool, *, replies: bool) -> dict[str, int]:
    if refresh:
        floors.refresh_if_stale(actor)
    counts = _small(actor, replies=replies)
    if unread is None:
        counts["unread_threads"] = _capped(*_unread_parts(actor))
    result = {key: int(value or 0) for key, value in _run(counts).items()}
    if unread is not None:
        result["unread_threads"] = min(unread, BELL_MAX + 1)
    return result


def _small(actor: Actor, now: datetime | None = None, *, replies: bool = True) -> dict[str, Any]:
    """Scalar subqueries of the numbers other than the unread threads, at ``now``: each stops
    after ``BELL_MAX + 1`` rows, and reads the open disputes (the index on
    ``open_thread_id``) or the threads past their due time (the one on ``response_due_at``),
    never history: a fraction of a millisecond."""
    d = ext.models.Dispute
    counts: dict[str, Any] = {
        "open_disputes": _capped(disputes_of(actor, d.open_thread_id.is_not(None)))
    }
    if actor.is_staff and current_settings.dispute_response_hours:
        counts["overdue_disputes"] = _capped(disputes_of(actor, overdue_dispute(d, now)))
    if replies and actor.is_staff and current_settings.targets.enabled:
        late = overdue_reply_count_stmt(now, at_most=BELL_MAX + 1, scope=customer_scope(actor))
        counts["overdue_replies"] = late.scalar_subquery()
    return counts


def _unread_parts(actor: Actor) -> list[Any]:
    """SELECTs of the actor's unread threads, disjoint, that together give them all: for
    staff those above their read floor and those listed below it (:func:`.floors.parts`),
    for a customer those of their orders and their questions (:func:`.common.scope_parts`)."""
    t = ext.models.Thread
    rp, on = pointer_join(actor)
    threads = sa.select(t.id).select_from(t)
    return [
        part.where(scope).outerjoin(rp, on).where(thread_unread_condition(actor))
        for part in floors.parts(threads, actor)
        for scope in scope_parts(actor)
    ]


def _capped(*parts: Any) -> Any:
    """Scalar subquery: how many rows the SELECTs ``parts`` give together, counting at most
    ``BELL_MAX + 1``: each part stops there, and so does their sum."""
    most = BELL_MAX + 1
    rows = [sa.select(sa.literal(1)).select_from(p.limit(most).subquery()) for p in parts]
    found = (rows[0] if len(rows) == 1 else sa.union_all(*rows).limit(most)).subquery()
    return sa.select(sa.func.count()).select_from(found).scalar_subquery()


def overdue_reply_count(actor: Actor | None = None, *, at_most: int | None = None) -> int:
    """Threads whose reply is overdue, as the Messages list's "Reply overdue" view finds them
    for ``actor`` (the threads they may see; None: every thread), counted up to ``at_most``
    when given; 0 while targets are off, without a statement."""
    scope = customer_scope(actor) if actor is not None else None
    stmt = overdue_reply_count_stmt(at_most=at_most, scope=scope)
    return int(session().execute(stmt).scalar() or 0) if stmt is not None else 0


# -- words ----------------------------------------------------------------------------------


def bell_figure(number: int) -> str:
    """A bell number as its badge shows it: :func:`more_than_max` past :data:`BELL_MAX`."""
    return more_than_max() if number > BELL_MAX else str(number)


def more_than_max() -> str:
    """``"99+"``, in the reader's language: what the bell shows for a number counted no
    further (the live script has it from the page)."""
    return gettext("%(limit)d+", limit=BELL_MAX)


def _said(number: int) -> str:
    return gettext("more than %(limit)d", limit=BELL_MAX) if number > BELL_MAX else str(number)


def bell_label(counts: dict[str, Any]) -> str:
    """The bell's accessible name for :func:`bell_numbers`: "Messages: 2 unread, 1 open
    dispute, 3 replies overdue" ("more than 99 unread" past :data:`BELL_MAX`; the replies
    said while any is overdue, as the bell shows them).  The page draws it and the counts
    endpoint sends it, so both say the same."""
    unread, disputes = int(counts.get("unread_threads") or 0), int(counts.get("open_disputes") or 0)
    words = {"unread": _said(unread), "disputes": _said(disputes)}
    overdue = int(counts.get("overdue_disputes") or 0)
    if overdue:
        label = ngettext(
            "Messages: %(unread)s unread, %(disputes)s open dispute, %(overdue)s overdue",
            "Messages: %(unread)s unread, %(disputes)s open disputes, %(overdue)s overdue",
            disputes,
            overdue=_said(overdue),
            **words,
        )
    else:
        label = ngettext(
            "Messages: %(unread)s unread, %(disputes)s open dispute",
            "Messages: %(unread)s unread, %(disputes)s open disputes",
            disputes,
            **words,
        )
    replies = int(counts.get("overdue_replies") or 0)
    if not replies:
        return label
    if replies > BELL_MAX:
        return gettext(
            "%(label)s, more than %(limit)d replies overdue", label=label, limit=BELL_MAX
        )
    return ngettext(
        "%(label)s, %(num)d reply overdue",
        "%(label)s, %(num)d replies overdue",
        replies,
        label=label,
    )


def bell_answer(actor: Actor) -> tuple[dict[str, Any], dict[bool, BellVersion]]:
    """What the counts endpoint sends -- :func:`bell_numbers` (the read floor refreshed
    first), for each number ``<name>_capped`` (true: more than :data:`BELL_MAX`, counted no
    further), and ``label`` -- with :func:`bell_versions` read in the same statement, so
    that the tag sent with the answer is the answer's own."""
    floors.refresh_if_stale(actor)
    now = utcnow()
    found = _run({**_probes(actor, now), "unread_threads": _capped(*_unread_parts(actor))})
    numbers = {k: int(v or 0) for k, v in found.items() if k not in ("entry", "read")}
    capped = {f"{name}_capped": value > BELL_MAX for name, value in numbers.items()}
    answer = {**numbers, **capped, "label": bell_label(numbers)}
    del found["unread_threads"]
    return answer, _versions(actor, found, now)


# -- version ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BellVersion:
    """One of :func:`bell_versions`: ``tag`` (hex), and whether it is ``settled`` (nothing it
    follows moved in the last margin: it stays until something does, or its slot ends)."""

    tag: str
    settled: bool


def bell_versions(actor: Actor, now: datetime | None = None) -> dict[bool, BellVersion]:
    """The versions of ``actor``'s bell (module doc), from one statement: for an answer whose
    unread threads were past :data:`BELL_MAX` (``True``) and for one that counted them all."""
    now = now or utcnow()
    return _versions(actor, _run(_probes(actor, now)), now)


def _probes(actor: Actor, now: datetime) -> dict[str, Any]:
    return {"entry": _newest_entry(actor), "read": _newest_read(actor), **_small(actor, now)}


def _run(columns: dict[str, Any]) -> dict[str, Any]:
    """The scalar subqueries ``columns`` in one statement: their values, by name."""
    found = session().execute(sa.select(*columns.values())).one()
    return dict(zip(columns, found, strict=True))


def _versions(actor: Actor, found: dict[str, Any], now: datetime) -> dict[bool, BellVersion]:
    whose = [FORMAT, actor.role, actor.id, actor.vendor, readers.reader_key(actor)]
    whose += [locale_name(), _settings()]
    versions = {}
    for past_max in (False, True):
        seen = {k: v for k, v in found.items() if not (past_max and k == "entry")}
        moved = [at for at in (seen.get("entry"), seen["read"]) if at is not None]
        settled = not moved or max(moved) < now - floors.margin()
        slot = (now - EPOCH) // (floors.margin() if settled else timedelta(seconds=SLOT))
        parts = [*whose, past_max, sorted(seen.items()), settled, slot]
        tag = hashlib.sha256(repr(parts).encode()).hexdigest()[:20]
        versions[past_max] = BellVersion(tag, settled)
    return versions


def _settings() -> tuple[Any, ...]:
    """The settings that shape the answer (a restart with others must not answer 304)."""
    s = current_settings
    return (
        s.read_state,
        s.dispute_response_hours,
        s.targets.enabled,
        s.team.status,
        s.vendors.participation,
        s.read_floor_margin,
    )


def _newest_entry(actor: Actor) -> Any:
    """Scalar subquery: the newest ``last_message_at`` among the threads ``actor`` may see.
    Staff: one probe of its index (of the vendor's, for a vendor's staff).  A customer: one
    probe per order they own (as a join, a customer with hundreds of orders had the planner
    read every thread), and their questions."""
    t = ext.models.Thread
    if actor.is_staff:
        newest = sa.select(sa.func.max(t.last_message_at)).where(thread_scope(actor))
        return newest.scalar_subquery()
    orders = owned_orders(actor).subquery()
    per_order = sa.select(t.last_message_at).where(t.order_id == list(orders.c)[0])
    each = sa.union_all(
        sa.select(per_order.scalar_subquery().label("at")).select_from(orders),
        sa.select(t.last_message_at.label("at")).where(asked_questions(actor)),
    ).subquery()
    return sa.select(sa.func.max(each.c.at)).scalar_subquery()


def _newest_read(actor: Actor) -> Any:
    """Scalar subquery: when the actor's read marks (the team's, shared) last moved."""
    rp = ext.models.ReadPointer
    stmt = sa.select(sa.func.max(rp.updated_at)).where(rp.user_id == readers.reader_key(actor))
    return stmt.scalar_subquery()
