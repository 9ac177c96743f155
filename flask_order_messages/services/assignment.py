"""Assigning a thread to a staff member (or to nobody), one thread or many at once.

Who can be assigned comes from the ``staff_members`` hook.  An assignment change is a
staff-only event in the thread ("Assigned to Ann by Bob"); the new assignee is mailed
(one mail, none when they assigned themselves); ``thread-assigned`` is sent after the commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_request_context, request

from .. import mail, signals
from ..errors import FeatureOffError, ValidationError
from ..i18n import gettext as _
from ..model_types import Thread
from ..models import KIND_NOTE
from ..models_team import EVENT_ASSIGNED, EVENT_UNASSIGNED
from ..state import current_order_messages as ext
from ..state import current_settings, unproxied
from ..transactions import after_commit
from ..webhooks import events as webhook_events
from .common import Actor, session, thread_scope
from .vendors import author_name, participates, staff_vendor

#: The Messages list's views: every thread, the viewer's own, nobody's.
VIEWS = ("all", "mine", "unassigned")
#: At most this many staff members are offered (the hook's first ones, by name).
MAX_STAFF_MEMBERS = 200
#: At most this many threads in one bulk change (a page of the list is fewer).
MAX_BULK = 500
#: The form value that means "the person acting".
ME = "me"
_CACHE = "flask_order_messages_staff_members"


@dataclass(frozen=True)
class StaffMember:
    """Someone a thread can be assigned to: their key, the key as a form value, their name."""

    key: Any
    value: str
    name: str
    user: Any
    #: In a marketplace, the vendor they work for (None: the marketplace's own staff).
    vendor: str | None = None


def staff_members() -> list[StaffMember]:
    """The people a thread can be assigned to, by name (asked once per request)."""
    # Kept for the request (its environ: ``g`` may outlive a request in a test or script).
    store: dict[str, Any] = request.environ if has_request_context() else {}
    cached: list[StaffMember] | None = store.get(_CACHE)
    if cached is not None:
        return cached
    members: dict[str, StaffMember] = {}
    for user in list(ext.hooks.staff_members() or [])[:MAX_STAFF_MEMBERS]:
        key = ext.user_key(user)
        name = author_name(user, staff=True)  # in a marketplace: "Ann (Acme Tools)"
        vendor = staff_vendor(user)
        members.setdefault(str(key), StaffMember(key, str(key), name, user, vendor))
    found = sorted(members.values(), key=lambda m: (m.name.casefold(), m.value))
    store[_CACHE] = found
    return found


def _in_scope(vendor: str | None) -> list[StaffMember]:
    """Who may see a thread of ``vendor`` (None: the marketplace's own thread, or any thread
    in a shop without vendors): that vendor's staff and the marketplace's; only the
    marketplace's while vendors take no part (see ``vendors.py``)."""
    takes_part = participates()
    return [
        m
        for m in staff_members()
        if m.vendor is None or (takes_part and vendor is not None and m.vendor == vendor)
    ]


def _answers(member: StaffMember) -> bool:
    """Whether ``member`` may answer threads (the ``staff_permission`` hook)."""
    from ..permissions import granted

    return granted(member.user).answer


def members_for(vendor: str | None, actor: Actor | None = None) -> list[StaffMember]:
    """Who a thread of ``vendor`` is offered to be assigned to: the people in its scope (its
    vendor's staff and the marketplace's) who may answer it; to ``actor``, a vendor's staff
    member, only their own vendor's people."""
    own = actor.vendor if actor is not None else None
    return [m for m in _in_scope(vendor) if _answers(m) and (own is None or m.vendor == own)]


def members_offered(actor: Actor) -> list[StaffMember]:
    """Who ``actor`` is offered for the threads ticked in the Messages list, among those who
    may answer: for a vendor's staff, their vendor's people; for anyone else, every staff
    member who takes part (a thread of one vendor still refuses another vendor's staff)."""
    if actor.vendor is not None:
        return members_for(actor.vendor, actor)
    takes_part = participates()
    return [m for m in staff_members() if (m.vendor is None or takes_part) and _answers(m)]


def member_for(value: Any, actor: Actor) -> StaffMember | None:
    """The staff member a form value names ("" or None: nobody; "me": ``actor``); else a
    :class:`ValidationError`."""
    if value in (None, ""):
        return None
    wanted = str(actor.id) if value == ME else str(value)
    for member in staff_members():
        if member.value == wanted:
            return member
    raise ValidationError(_("Choose one of the staff members listed."), "assignee")


def _check_assignee(thread: Thread, member: StaffMember | None, actor: Actor) -> None:
    """Refuse an assignee the forms would not offer for ``thread`` (see :func:`members_for`):
    the person (:func:`_check_person`), or another vendor's staff member.  A direct POST is no
    way around it."""
    _check_person(member, actor)
    if member is not None and not _fits(thread, member):
        raise ValidationError(
            _(
                "%(name)s cannot be assigned a thread of another vendor: choose someone who "
                "works for its vendor, or the marketplace's staff.",
                name=member.name,
            ),
            "assignee",
        )


def _fits(thread: Thread, member: StaffMember) -> bool:
    """Whether ``member`` may be assigned ``thread``: its vendor's staff or the marketplace's."""
    return member in _in_scope(thread.vendor_key)


def _check_person(member: StaffMember | None, actor: Actor) -> None:
    """Refuse, for any thread, an assignee who may not answer or, to a vendor's staff member,
    who does not work for their vendor."""
    if member is None:
        return
    if actor.vendor is not None and member.vendor != actor.vendor:
        raise ValidationError(
            _(
                "%(name)s does not work for your vendor: choose one of your vendor's staff "
                "members.",
                name=member.name,
            ),
            "assignee",
        )
    if not _answers(member):
        raise ValidationError(
            _(
                "%(name)s may read messages but not answer them (they lack the “answer” "
                "permission), so they cannot be assigned threads: choose someone who may "
                "answer.",
                name=member.name,
            ),
            "assignee",
        )


def names_of(keys: Iterable[Any]) -> dict[Any, str]:
    """Display names of assignees by key: from the staff members, and one query for any
    who are not among them any more."""
    names = {m.key: m.name for m in staff_members()}
    missing = {k for k in keys if k is not None and k not in names}
    if missing:
        pk = getattr(ext.user_model, ext.user_pk.key)
        for user in session().execute(sa.select(ext.user_model).where(pk.in_(missing))).scalars():
            names[ext.user_key(user)] = ext.hooks.display_name(user)
    return names


def view_condition(actor: Actor, view: str) -> Any:
    """SQL condition on Thread for one of :data:`VIEWS` (None for "all", and for any view
    while assignment is off)."""
    t = ext.models.Thread
    if not current_settings.team.assignment:
        return None
    if view == "mine":
        return t.assignee_id == actor.id
    if view == "unassigned":
        return t.assignee_id.is_(None)
    return None


def threads_and_orders(thread_ids: Sequence[int], actor: Actor) -> list[tuple[Thread, Any]]:
    """The threads with these ids that ``actor`` may see, and their orders (two queries), for
    a bulk change (another vendor's thread id is left out, as a made-up one is).  A question
    about a product comes with None for its order: it takes a bulk change as any thread does."""
    if len(thread_ids) > MAX_BULK:
        raise ValidationError(
            _("Choose at most %(max_bulk)s threads at once.", max_bulk=MAX_BULK), "thread_id"
        )
    if not thread_ids:
        return []
    t = ext.models.Thread
    wanted = sa.select(t).where(t.id.in_(set(thread_ids)), thread_scope(actor)).order_by(t.id)
    threads = list(session().execute(wanted).scalars())
    pk = getattr(ext.order_model, ext.order_pk.key)
    keys = [thread.order_id for thread in threads if thread.order_id is not None]
    orders = {
        ext.order_key(o): o
        for o in session().execute(sa.select(ext.order_model).where(pk.in_(keys))).scalars()
    }
    return [
        (th, orders.get(th.order_id))
        for th in threads
        if th.order_id in orders or (th.order_id is None and th.product_key is not None)
    ]


def _event_args(member: StaffMember | None, actor: Actor) -> dict[str, Any]:
    who = author_name(actor.user, staff=True)
    if member is None:
        return {"name": who}
    if member.key == actor.id:
        return {"name": who, "self": True}
    return {"name": who, "assignee": member.name}


def _assign(thread: Thread, order: Any, actor: Actor, member: StaffMember | None) -> bool:
    """Set ``thread``'s assignee under its lock, with its event and mail; False when unchanged."""
    from .posting import add_event, lock_thread

    lock_thread(thread)
    t = ext.models.Thread
    db = session()
    previous = db.execute(sa.select(t.assignee_id).where(t.id == thread.id)).scalar_one()
    new_key = member.key if member is not None else None
    if previous == new_key:
        return False
    db.execute(
        sa.update(t)
        .where(t.id == thread.id)
        .values(assignee_id=new_key)
        .execution_options(synchronize_session=False)
    )
    event = EVENT_ASSIGNED if member is not None else EVENT_UNASSIGNED
    entry = add_event(thread, actor, event, _event_args(member, actor), kind=KIND_NOTE, locked=True)
    outbox_ids = mail.queue_for_assignee(entry, order, member.user, actor) if member else []
    webhook_events.thread_assigned(thread, order, actor, new_key, previous)
    app = unproxied(current_app)
    assignee = member.user if member is not None else None

    def assigned() -> None:
        session().expire(thread)
        mail.dispatch(outbox_ids)
        signals.thread_assigned.send(
            app, thread=thread, order=order, actor=actor, assignee=assignee, previous=previous
        )

    after_commit(assigned)
    return True


def _staff_only(actor: Actor) -> None:
    if not current_settings.team.assignment:
        raise FeatureOffError(
            _("Assigning threads is turned off in this shop (ORDER_MESSAGES_ASSIGNMENT_ENABLED).")
        )
    if not actor.is_staff:
        raise PermissionError("Only staff can assign threads.")


def assign(order: Any, actor: Actor, assignee: Any) -> bool:
    """Assign ``order``'s thread to the staff member whose key (as text) is ``assignee``
    ("me": ``actor``; "" or None: nobody).  True when it changed.  Raises
    :class:`ValidationError` for anyone not among the staff members or not offered for the
    thread (another vendor's, or someone who may not answer: see :func:`_check_assignee`), and
    :class:`.errors.FeatureOffError` while assignment is off."""
    from .posting import get_or_create_thread

    _staff_only(actor)
    member = member_for(assignee, actor)
    thread = get_or_create_thread(order)
    _check_assignee(thread, member, actor)
    return _assign(thread, order, actor, member)


def assign_threads(actor: Actor, thread_ids: Sequence[int], assignee: Any) -> int:
    """Assign several threads at once (see :func:`assign`); returns how many changed.  An
    assignee refused for any thread (:func:`_check_person`) changes nothing; the ticked
    threads of another vendor than the assignee's stay as they were (the list says how many)."""
    _staff_only(actor)
    member = member_for(assignee, actor)
    _check_person(member, actor)
    found = threads_and_orders(thread_ids, actor)
    return sum(
        _assign(thread, order, actor, member)
        for thread, order in found
        if member is None or _fits(thread, member)
    )
