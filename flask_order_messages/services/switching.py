"""Switching ``ORDER_MESSAGES_READ_STATE``: the read marks carried over to the new mode.

Marks are kept under the reader's key (:mod:`.readers`): each staff member's with a personal
read state, the team's with a shared one.  When the mode changes, the reader of the new mode
starts from the other mode's marks, raised to them (:func:`carry_over`):

- to shared: the team's pointer on each thread rises to the furthest any staff member read,
  so a thread read by one of them is read for all;
- to personal: each staff member's pointers rise to the team's, so what the team read stays
  read for them.

Pointers only rise: what was read stays read, and every read floor's list stays right
(:mod:`.floors`).  Switching back and forth merges the marks the same way.

When: the floor rows' ``updated_at`` tells when each reader last counted (a row the floor
lock makes is "never" counted, :data:`.floors.NEVER`).  A reader whose row is older than the
other mode's newest count carries over under that row's lock -- at the first refresh in the
new mode (the Messages page, the live bell) or "mark unread" -- and dates the row to now.
``flask order-messages carry-read-state`` (:func:`carry_over_now`) does it at once, for a
deploy: until then a page that counts without a refresh (the bell drawn in a page) shows the
new mode's marks as they were before.  Customers read for themselves in both modes: their
marks are never carried.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ..models import STAFF, utcnow
from ..state import current_order_messages as ext
from . import readers
from .common import Actor, session


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


def carry_over(actor: Actor, *, since: datetime) -> None:
    """Raise the reader's pointers to the other mode's marks: for the team, per thread the
    furthest read of the staff members who counted after ``since``; for a staff member, the
    team's.  Pointers on a person's own orders are a customer's: never carried."""
    from .reading import raise_pointers

    models = ext.models
    rp, f, t = models.ReadPointer, models.ReadFloor, models.Thread
    now = sa.literal(utcnow(), type_=sa.DateTime)
    team = readers.host_team_key()
    reader = readers.reader_literal(actor)
    if readers.shares(actor):
        order_pk = getattr(ext.order_model, ext.order_pk.key)
        counted = sa.select(f.user_id).where(f.user_id != team, f.updated_at > since)
        furthest = (
            sa.select(rp.thread_id.label("thread_id"), sa.func.max(rp.last_read_id).label("top"))
            .join(t, t.id == rp.thread_id)
            .join(ext.order_model, order_pk == t.order_id)
            .where(rp.user_id.in_(counted), ext.order_owner_column() != rp.user_id)
            .group_by(rp.thread_id)
            .subquery("om_staff_marks")
        )
        source = sa.select(reader, furthest.c.thread_id, furthest.c.top, now).where(sa.true())
    else:
        theirs = sa.orm.aliased(rp)
        source = sa.select(reader, theirs.thread_id, theirs.last_read_id, now).where(
            theirs.user_id == team
        )
    raise_pointers(source)


def carry_over_now() -> int:
    """Carry the marks over to the configured mode at once (each in a short transaction,
    through a floor refresh): the team's, or every staff member's who has a read floor.
    Returns how many readers were refreshed.  For ``flask order-messages carry-read-state``."""
    from ..state import current_settings
    from .floors import refresh

    team = readers.host_team_key()
    if current_settings.read_state == readers.SHARED:
        refresh(Actor(user=None, id=None, role=STAFF))
        return 1
    f, pk = ext.models.ReadFloor, getattr(ext.user_model, ext.user_pk.key)
    having_floors = sa.select(f.user_id).where(f.user_id != team)
    users = session().execute(sa.select(ext.user_model).where(pk.in_(having_floors))).scalars()
    # Customers who once marked a thread unread have a floor row too: staff only.
    staff = [ext.user_key(user) for user in users if ext.hooks.staff_check(user)]
    for key in staff:
        refresh(Actor(user=None, id=key, role=STAFF))
    return len(staff)
