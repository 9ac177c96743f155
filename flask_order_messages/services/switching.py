"""Switching ``ORDER_MESSAGES_READ_STATE``: the read marks carried over to the new mode.

Marks are kept under the reader's key (:mod:`.readers`): each staff member's with a personal
read state, the team's with a shared one.  When the mode changes, the reader of the new mode
starts from the other mode's marks, raised to them (:func:`carry_over`):

- to shared: the team's pointer on each thread rises to the furthest any staff member read,
  so a thread read by one of them is read for all;
- to personal: each staff member's pointers rise to the team's, so what the team read stays
  read for them.  A staff member who joins later starts from the team's marks too.

Pointers only rise: what was read stays read, and every read floor's list stays right
(:mod:`.floors`).  Staff members' own marks stay in the table, untouched, while the team
reads; switching back and forth merges the marks the same way.  Customers read for
themselves in both modes: their marks are never carried, and a person's marks on their own
orders are a customer's.

When (:func:`due`): the floor rows' ``updated_at`` tells when each reader last counted; a row
the floor lock makes is never counted (:data:`NEVER`).  A staff reader carries over under its
floor row's lock when that row is older than the other mode's newest count (the team: also
when its row is new): at its first refresh in the new mode (the Messages page, the live
bell) or "mark unread", before anything else -- the one time a count writes read pointers.
``flask order-messages carry-read-state`` (:func:`carry_over_now`) does it at once, for a
deploy: until a reader's first refresh, a page that counts without one (the bell drawn in a
page, a tab label) shows that reader's marks as they were.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ..models import STAFF, utcnow
from ..state import current_order_messages as ext
from ..state import current_settings
from . import readers
from .common import Actor, database, session

#: ``updated_at`` of a read floor row that was never raised.
NEVER = datetime(1970, 1, 1)


def other_mode_counted(actor: Actor) -> Any:
    """SQL: when the other read state than ``actor`` reads in last counted (NULL: never):
    with a shared one, the newest staff member's floor; with a personal one, the team's.
    NULL for customers."""
    team = readers.host_team_key()
    if not actor.is_staff or team is None:
        return sa.null()
    other = sa.orm.aliased(ext.models.ReadFloor)
    if readers.shares(actor):
        newest = sa.select(sa.func.max(other.updated_at)).where(other.user_id != team)
    else:
        newest = sa.select(other.updated_at).where(other.user_id == team)
    return newest.scalar_subquery()


def due(actor: Actor, counted: datetime, other_counted: datetime | None) -> bool:
    """Whether a staff reader whose floor row says ``counted`` carries the marks over, the
    other mode having last counted at ``other_counted`` (:func:`other_mode_counted`)."""
    if not actor.is_staff or readers.host_team_key() is None:
        return False
    if readers.shares(actor):  # the team's first count: from every staff member's marks
        return counted <= NEVER or (other_counted is not None and other_counted > counted)
    # A staff member's: only when the team ever counted (a shop that never shared: never).
    return other_counted is not None and other_counted > counted


def _staff_pointers(stmt: Any) -> Any:
    """``stmt``, a SELECT from the read pointers, without the team's and without anyone's
    on their own orders (a customer's)."""
    models = ext.models
    rp, t = models.ReadPointer, models.Thread
    order_pk = getattr(ext.order_model, ext.order_pk.key)
    return (
        stmt.join(t, t.id == rp.thread_id)
        .join(ext.order_model, order_pk == t.order_id)
        .where(rp.user_id != readers.host_team_key(), ext.order_owner_column() != rp.user_id)
    )


def carry_over(actor: Actor, *, since: datetime) -> None:
    """Raise the reader's pointers to the other mode's marks: for the team, per thread the
    furthest read of the staff's own pointers moved after ``since``; for a staff member, the
    team's.  Runs in the caller's transaction, under the reader's floor lock."""
    from .reading import raise_pointers

    rp = ext.models.ReadPointer
    now = sa.literal(utcnow(), type_=sa.DateTime)
    reader = readers.reader_literal(actor)
    if readers.shares(actor):
        furthest = (
            _staff_pointers(sa.select(rp.thread_id, sa.func.max(rp.last_read_id).label("top")))
            .where(rp.updated_at > since)
            .group_by(rp.thread_id)
            .subquery("om_staff_marks")
        )
        source = sa.select(reader, furthest.c.thread_id, furthest.c.top, now).where(sa.true())
    else:
        theirs = sa.orm.aliased(rp)
        source = sa.select(reader, theirs.thread_id, theirs.last_read_id, now).where(
            theirs.user_id == readers.host_team_key()
        )
    raise_pointers(source)


def carry_over_now() -> int:
    """Carry the marks over to the configured mode at once, through a floor refresh each (a
    short transaction): the team's, or every staff member's (the ``staff_members`` hook's,
    and any other staff with read pointers or a read floor).  Returns how many readers were
    carried over.  For ``flask order-messages carry-read-state``."""
    from .floors import refresh

    if current_settings.read_state == readers.SHARED:
        refresh(Actor(user=None, id=None, role=STAFF), carry=True)
        return 1
    models = ext.models
    rp, f = models.ReadPointer, models.ReadFloor
    pk = getattr(ext.user_model, ext.user_pk.key)
    keys = sa.union(
        _staff_pointers(sa.select(rp.user_id)),
        sa.select(f.user_id).where(f.user_id != readers.host_team_key()),
    ).subquery()
    users = session().execute(sa.select(ext.user_model).where(pk.in_(sa.select(keys.c[0]))))
    # A customer who once marked a thread unread has a floor row too: staff only.
    found = [*users.scalars(), *ext.hooks.staff_members()]
    staff = list(dict.fromkeys(ext.user_key(u) for u in found if ext.hooks.staff_check(u)))
    for key in staff:
        refresh(Actor(user=None, id=key, role=STAFF), carry=True)
    return len(staff)


def analyze_pointers() -> None:
    """Have the database gather the read pointers' statistics afresh, after a carry-over
    wrote a pointer per thread under a key it had few under: until its own analyzer runs
    (PostgreSQL's autovacuum within minutes), its planner reads every one of them for a
    count (measured: the bell 9x, the Messages list 5x slower, on 80,000 threads)."""
    engine = session().get_bind(mapper=sa.inspect(ext.models.ReadPointer)).engine
    table = engine.dialect.identifier_preparer.format_table(ext.models.ReadPointer.__table__)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text(database().analyze(table))).close()
