"""Read floors: a staff member's unread count without visiting every thread.

"Unread" is per person and a thread nobody opened has no read pointer, so counting someone's
unread threads from the pointers alone means looking at every thread the shop ever had.  A
person's *read floor* is a message id F with a short list of exceptions: every thread whose
newest entry id is at most F is read by them, except the threads listed for them in
``read_floor_threads``.  Their unread threads are then among the threads above F and the
listed ones (:func:`narrow`): the last minutes' activity and their few old unread
threads, not the shop's history.

The invariant -- *every thread at or below F that is unread for P is listed for P* -- holds
because:

- :func:`refresh` raises F to a horizon H only after listing every unread thread between the
  old F and H, and H leaves out the last :func:`margin` of entries, so that an entry whose id
  was taken before H but whose transaction has not committed yet cannot land below F unseen
  (a post commits in milliseconds; the margin is minutes).
- New entries get new, larger ids: a thread with a new entry rises above F by itself.
- Reading only makes threads read.  The one step that makes a read thread unread again,
  :func:`~.reading.mark_unread`, lists it in the same transaction (:func:`list_marked_unread`).
- Both :func:`refresh` and :func:`list_marked_unread` take the person's floor row lock first,
  so one cannot decide from a state the other is changing; :func:`refresh` also starts a new
  transaction, so its reads see everything committed before it held the lock (MariaDB's
  repeatable read would otherwise show it the request's older snapshot).

Only an entry committed more than :func:`margin` after its id was taken can break this: not a
post (milliseconds), but perhaps a bulk import that writes messages in one long transaction.
After such an import, ``flask order-messages reset-read-floors`` (:func:`reset_all`) lowers
every floor to 0; each is raised again, correctly, by the person's next count.

A floor is kept for staff only (their count is the one over every thread); customers count
their own few orders' threads directly.  It belongs to a *reader* (:mod:`.readers`): a staff
member, or with a shared read state the staff team, under its team key.

When ``ORDER_MESSAGES_READ_STATE`` changes, the first refresh (or "mark unread") in the new
mode carries the read marks over under the floor row's lock (:mod:`.switching`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import g

from ..models import rows_changed, utcnow
from ..state import current_order_messages as ext
from ..state import current_settings
from ..transactions import read_state
from . import readers, switching
from .common import (
    Actor,
    database,
    pointer_join,
    session,
    thread_scope,
    thread_unread_condition,
)


def margin() -> timedelta:
    """Entries newer than this stay above the floor, whatever else happens (see the module
    doc): ``ORDER_MESSAGES_READ_FLOOR_MARGIN``, five minutes by default."""
    return timedelta(seconds=current_settings.read_floor_margin)


def refresh_after() -> timedelta:
    """A floor older than this is raised by the next :func:`refresh_if_stale`: a fifth of
    the margin (a minute by default)."""
    return margin() / 5


def _remember(actor: Actor, floor: int) -> int:
    found: dict[Any, int] = g.setdefault("order_messages_floors", {})
    found[readers.reader_key(actor)] = floor
    return floor


def floor_of(actor: Actor) -> int:
    """The actor's floor (0 when they have none), read once per request.  A value read
    earlier in the request is safe to use: floors only rise, and a thread they rise past
    unread is listed."""
    found = g.get("order_messages_floors", {})
    key = readers.reader_key(actor)
    if key in found:
        return int(found[key])
    f = ext.models.ReadFloor
    floor = session().execute(sa.select(f.floor_id).where(f.user_id == key)).scalar()
    return _remember(actor, int(floor or 0))


def narrow(stmt: Any, actor: Actor) -> Any:
    """``stmt``, a SELECT from the threads, joined to the threads that may be unread for
    ``actor``: for staff, those above their floor and those listed for them; for customers
    ``stmt`` as it is (their counts are narrowed to their own orders anyway).

    A join to a small derived table, so that every database starts from the few candidates
    (MariaDB ran an ``IN (... UNION ...)`` condition once per thread); the floor goes in as a
    number, not a subquery, so that the planner sees how few threads lie above it."""
    if not actor.is_staff:
        return stmt
    models = ext.models
    t, listed = models.Thread, models.ReadFloorThread
    above = sa.select(t.id.label("id")).where(t.last_message_id > floor_of(actor))
    mine = sa.select(listed.thread_id.label("id")).where(
        listed.user_id == readers.reader_key(actor)
    )
    found = sa.union(above, mine).subquery("om_candidates")
    return stmt.join(found, found.c.id == t.id)


def parts(stmt: Any, actor: Actor) -> list[Any]:
    """:func:`narrow`'s rows as disjoint SELECTs: ``stmt`` on the threads above the floor,
    and on the listed ones at or below it (customers: ``[stmt]``).  A count up to a cap
    walks them in turn and stops there; a union would first collect every candidate."""
    if not actor.is_staff:
        return [stmt]
    models = ext.models
    t, listed = models.Thread, models.ReadFloorThread
    floor = floor_of(actor)
    mine = sa.and_(listed.thread_id == t.id, listed.user_id == readers.reader_key(actor))
    return [
        stmt.where(t.last_message_id > floor),
        stmt.join(listed, mine).where(t.last_message_id <= floor),
    ]


def _lock(actor: Actor, *, carry: bool = False) -> int:
    """Take the reader's floor row lock for the rest of the transaction, making the row (at
    floor 0, never raised) if they have none, and carry read marks over when the mode
    changed (module doc; ``carry``: in any case); returns the floor.  An upsert that
    rewrites the row locks it on PostgreSQL and MariaDB; on SQLite any write locks the whole
    database."""
    f = ext.models.ReadFloor
    key = readers.reader_key(actor)
    values = {"user_id": key, "floor_id": 0, "updated_at": switching.NEVER}
    keep = {"floor_id": f.floor_id}  # rewrites the row as it is: only the lock is wanted
    session().execute(database().upsert(f, ["user_id"], lambda _new: keep, values=values))
    # A locking read: the row as committed now, whatever this transaction read before
    # (MariaDB's repeatable read); the other mode's time is a plain read (a subquery).
    other = switching.other_mode_counted(actor)
    stmt = sa.select(f.floor_id, f.updated_at, other).where(f.user_id == key).with_for_update()
    floor, raised, other_counted = session().execute(stmt).one()
    if carry or switching.due(actor, raised, other_counted):
        switching.carry_over(actor, since=raised)
        session().execute(sa.update(f).where(f.user_id == key).values(updated_at=utcnow()))
    return int(floor)


def _list(actor: Actor, source: Any) -> None:
    """Add (user_id, thread_id) rows from the SELECT ``source`` to the actor's list."""
    listed = ext.models.ReadFloorThread
    keys = ["user_id", "thread_id"]
    session().execute(database().insert_missing(listed, keys, select=source, columns=keys))


def _user(actor: Actor) -> Any:
    return readers.reader_literal(actor)


def list_marked_unread(actor: Actor, thread_ids: Iterable[int] | None) -> None:
    """Inside :func:`~.reading.mark_unread`'s transaction, before it moves any pointer back:
    list the threads it makes unread (``None``: every thread, which simply lowers the floor
    to 0)."""
    models = ext.models
    f, t = models.ReadFloor, models.Thread
    _lock(actor)
    if thread_ids is None:
        # The list stays: a count that read the old floor earlier in a request still finds
        # the threads listed under it.  The next refresh drops those read.
        key = readers.reader_key(actor)
        session().execute(sa.update(f).where(f.user_id == key).values(floor_id=0))
        _remember(actor, 0)
        return
    # Only threads they may see, as when the floor rises: a customer who names another's
    # thread (or a vendor's staff another vendor's) leaves no row behind for it.
    _list(
        actor,
        sa.select(_user(actor), t.id).where(t.id.in_(list(thread_ids)), thread_scope(actor)),
    )


def _horizon() -> int:
    """The newest entry id older than :func:`margin` (0 when there is none)."""
    m = ext.models.Message
    stmt = sa.select(m.id).where(m.created_at < utcnow() - margin()).order_by(m.id.desc()).limit(1)
    return int(session().execute(stmt).scalar() or 0)


def refresh(actor: Actor, *, carry: bool = False) -> None:
    """Raise the staff member's floor to the horizon, listing the unread threads it passes,
    and drop listed threads they have read since.  Runs in a short transaction of its own
    (a fresh one: see the module doc), so call it where nothing else is pending: the views
    that count do, before they count.  ``carry``: carry the other read state's marks over
    first, due or not (:mod:`.switching`)."""
    with read_state("read floor"):
        floor = _raise_floor(actor, carry)
    _remember(actor, floor)


def _raise_floor(actor: Actor, carry: bool) -> int:
    models = ext.models
    f, listed, t = models.ReadFloor, models.ReadFloorThread, models.Thread
    key = readers.reader_key(actor)
    floor = _lock(actor, carry=carry)
    horizon = _horizon()
    rp, on = pointer_join(actor)
    unread = thread_unread_condition(actor)
    if horizon > floor:
        passed = (
            sa.select(_user(actor), t.id)
            .select_from(t)
            .outerjoin(rp, on)
            # Only threads they may see: a vendor's staff never list another vendor's.
            .where(t.last_message_id > floor, t.last_message_id <= horizon, unread)
            .where(thread_scope(actor))
        )
        _list(actor, passed)
    read_again = (
        sa.select(t.id)
        .select_from(t)
        .outerjoin(rp, on)
        .where(t.id == listed.thread_id, sa.not_(unread))
        .correlate(listed)
    )
    session().execute(sa.delete(listed).where(listed.user_id == key, read_again.exists()))
    session().execute(
        sa.update(f)
        .where(f.user_id == key)
        .values(floor_id=max(floor, horizon), updated_at=utcnow())
    )
    return max(floor, horizon)


def refresh_if_stale(actor: Actor) -> None:
    """:func:`refresh` a staff member's floor (or the team's) when there is none, it is older
    than :func:`refresh_after`, or read marks were kept under the other read state since it
    was raised (module doc): one small read otherwise (which also serves :func:`floor_of`)."""
    if not actor.is_staff:
        return
    f = ext.models.ReadFloor
    key = readers.reader_key(actor)
    stmt = sa.select(f.floor_id, f.updated_at, switching.other_mode_counted(actor))
    stmt = stmt.where(f.user_id == key)
    found = session().execute(stmt).first()
    if (
        found is None
        or found[1] < utcnow() - refresh_after()
        or (found[2] is not None and found[2] > found[1])
    ):
        refresh(actor)
    else:
        _remember(actor, int(found.floor_id))


def reset_all() -> int:
    """Lower every floor to 0, keeping the lists (see the module doc); returns how many.
    The caller commits."""
    f = ext.models.ReadFloor
    count = session().execute(
        sa.update(f).values(floor_id=0, updated_at=utcnow() - refresh_after())
    )
    g.pop("order_messages_floors", None)
    return rows_changed(count)
