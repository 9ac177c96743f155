"""A thread's status: open (the store's turn), waiting on customer, closed.

It moves by itself with the conversation -- a staff message sets "waiting on customer", a
customer message sets "open" (reopening a closed thread); notes and events leave it -- and
by hand, from the thread or in bulk from the Messages list.  A status set by hand is a
staff-only event in the thread; the automatic moves are not (they would flood it).
Closing ends the reply the thread waited for (response targets).  Disputes keep their own
state beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from flask import current_app

from .. import signals
from ..errors import FeatureOffError, ValidationError
from ..i18n import gettext as _
from ..model_types import Thread
from ..models import KIND_MESSAGE, KIND_NOTE, utcnow
from ..models_team import (
    EVENT_STATUS,
    STATUS_CLOSED,
    STATUS_LABELS,
    STATUS_OPEN,
    STATUS_WAITING,
    STATUSES,
)
from ..state import current_order_messages as ext
from ..state import current_settings, unproxied
from ..transactions import after_commit
from ..webhooks import events as webhook_events
from .common import Actor, session

#: The Messages list's status filter; "active" (open or waiting: not closed) is the default.
STATUS_FILTERS = ("active", STATUS_OPEN, STATUS_WAITING, STATUS_CLOSED, "all")


def automatic_status(t: Any, actor: Actor, kind: str, now: Any) -> list[tuple[Any, Any]]:
    """The SET clauses by which a new entry moves its thread's status (for ``add_entry``'s
    UPDATE): a message moves it to the other side's turn; anything else leaves it.  The
    time is set only when the status really changes, and is assigned first (MariaDB applies
    SET clauses left to right).  Nothing while statuses are off."""
    if kind != KIND_MESSAGE or actor.id is None or not current_settings.team.status:
        return []
    new = STATUS_WAITING if actor.is_staff else STATUS_OPEN
    changes = t.status != new
    return [
        (t.status_changed_at, sa.case((changes, now), else_=t.status_changed_at)),
        (t.status, new),
    ]


def status_condition(status: str) -> Any:
    """SQL condition on Thread for one of :data:`STATUS_FILTERS` (None for "all", and for
    any filter while statuses are off: a thread closed before they were turned off is listed)."""
    t = ext.models.Thread
    if status == "all" or not current_settings.team.status:
        return None
    if status == "active":
        return t.status.in_((STATUS_OPEN, STATUS_WAITING))
    return t.status == status


def status_label(status: str | None) -> str:
    """A status in words ("Waiting on customer")."""
    return str(STATUS_LABELS.get(status or STATUS_OPEN, str(status)))


def _checked(actor: Actor, status: Any) -> str:
    if not current_settings.team.status:
        raise FeatureOffError(
            _("Thread statuses are turned off in this shop (ORDER_MESSAGES_STATUS_ENABLED).")
        )
    if not actor.is_staff:
        raise PermissionError("Only staff can set a thread's status.")
    if status not in STATUSES:
        raise ValidationError(
            _(
                "Unknown status %(status)s; use one of: %(choices)s.",
                status=repr(status),
                choices=", ".join(STATUSES),
            ),
            "status",
        )
    return str(status)


def _set(thread: Thread, order: Any, actor: Actor, status: str) -> bool:
    """Set ``thread``'s status by hand, under its lock, with its event; False when it had it."""
    from .posting import add_event, lock_thread

    lock_thread(thread)
    t = ext.models.Thread
    db = session()
    previous = db.execute(sa.select(t.status).where(t.id == thread.id)).scalar_one()
    if previous == status:
        return False
    values: dict[str, Any] = {"status": status, "status_changed_at": utcnow()}
    if status == STATUS_CLOSED:
        # Closed: nobody owes the customer a reply any more (response targets).  The wait
        # ends, neither in time nor missed; a customer who writes again starts a new one.
        values.update(awaiting_since=None, awaiting_first=None, response_due_at=None)
    db.execute(
        sa.update(t)
        .where(t.id == thread.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    args = {"status": status, "name": ext.hooks.display_name(actor.user)}
    add_event(thread, actor, EVENT_STATUS, args, kind=KIND_NOTE, locked=True)
    webhook_events.status_changed(thread, order, actor, status, previous)
    app = unproxied(current_app)

    def changed() -> None:
        session().expire(thread)
        signals.status_changed.send(
            app, thread=thread, order=order, actor=actor, status=status, previous=previous
        )

    after_commit(changed)
    return True


def set_status(order: Any, actor: Actor, status: Any) -> bool:
    """Set the status of ``order``'s thread by hand (staff only); True when it changed.
    Raises :class:`ValidationError` for an unknown status, and
    :class:`.errors.FeatureOffError` while statuses are off."""
    from .posting import get_or_create_thread

    status = _checked(actor, status)
    return _set(get_or_create_thread(order), order, actor, status)


def set_statuses(actor: Actor, thread_ids: Sequence[int], status: Any) -> int:
    """Set the status of several threads by hand (the Messages list's "Close" / "Reopen");
    returns how many changed."""
    from .assignment import threads_and_orders

    status = _checked(actor, status)
    return sum(
        _set(thread, order, actor, status)
        for thread, order in threads_and_orders(thread_ids, actor)
    )
