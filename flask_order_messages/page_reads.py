"""What a page has read, shared by the partials on it; and marking a thread read, explicitly.

Showing a thread changes nothing by itself.  The view of the page that shows it marks it read
before rendering: the extension's own thread pages do, and a host's order page calls
:func:`mark_thread_read` in its view.  The thread's state as it was before (where the "new
messages" point is) stays with the request for the panel, and the tab label and the bell
drawn afterwards on the same page count the thread as read.

Kept in the request's WSGI environ, not on ``g``: an app context can outlive a request (tests
push one around many).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from . import host_input
from .permissions import READ, may
from .services.common import Actor, customer_actor, staff_actor
from .services.reading import mark_read
from .services.thread_view import ThreadState, thread_state
from .state import current_order_messages as ext
from .transactions import read_state

_STATES = "flask_order_messages.thread_states"
_UNREAD_THREADS = "flask_order_messages.unread_threads"


@dataclass(frozen=True)
class Seen:
    """A thread as the page found it (``before`` it was marked read), and whether this
    request marked it read."""

    before: ThreadState
    marked: bool = False

    @property
    def unread(self) -> int:
        """What a tab label shows: nothing once the page marked the thread read."""
        return 0 if self.marked else self.before.unread


def _seen() -> dict[tuple[Any, ...], Seen]:
    found: dict[tuple[Any, ...], Seen] = request.environ.setdefault(_STATES, {})
    return found


def _key(order: Any, actor: Actor) -> tuple[Any, ...]:
    return (ext.order_key(order), actor.id, actor.role)


def seen(order: Any, actor: Actor) -> Seen:
    """The thread of ``order`` as ``actor`` found it in this request: read once per request,
    whichever partial asks first."""
    known = _seen()
    key = _key(order, actor)
    if key not in known:
        known[key] = Seen(thread_state(order, actor))
    return known[key]


def mark_read_now(actor: Actor, thread_ids: list[int]) -> None:
    """Mark threads read for ``actor`` in a short transaction of their own (``"mark read"``
    in :mod:`.transactions`): for a request that shows them and writes nothing else."""
    with read_state("mark read"):
        mark_read(actor, thread_ids)


def mark_shown(order: Any, actor: Actor) -> ThreadState:
    """Mark ``order``'s thread read for ``actor``, as the page that shows it; returns the
    thread's state from before, which the panel shows ("new messages" from there)."""
    found = seen(order, actor)
    if not found.marked:
        thread = found.before.thread
        if thread is not None and found.before.unread:
            mark_read_now(actor, [thread.id])
        _seen()[_key(order, actor)] = Seen(found.before, marked=True)
    return found.before


def mark_thread_read(order: Any, side: str) -> None:
    """For a host's order view, before it renders the page: mark ``order``'s thread read for
    the logged-in user, on the ``side`` the page shows it on (``"staff"`` for the admin's
    order page, ``"customer"`` for the customer's).  Nothing for anyone who may not see that
    side's panel (staff without the "read" permission), or for something that is not an
    order.  The panel drawn afterwards still shows where the new messages start; the tab
    label and the bell count them read."""
    if side not in ("staff", "customer"):
        raise ValueError(f"side must be 'staff' or 'customer', not {side!r}")
    user = current_user if getattr(current_user, "is_authenticated", False) else None
    if user is None or not host_input.is_order(order):
        return
    if side == "staff":
        if ext.is_staff(user) and may(staff_actor(user), READ):  # the panel shows it them
            mark_shown(order, staff_actor(user))
    elif ext.order_owner_id(order) == ext.user_key(user):
        mark_shown(order, customer_actor(user))


def remember_unread_threads(actor: Actor, count: int) -> None:
    """The Messages section counted ``actor``'s unread threads: the bell on its page shows
    that number instead of counting again."""
    request.environ[_UNREAD_THREADS] = (actor.id, count)


def known_unread_threads(actor: Actor) -> int | None:
    """The unread threads counted for ``actor`` earlier in this request, or None."""
    known = request.environ.get(_UNREAD_THREADS) if has_request_context() else None
    return known[1] if known is not None and known[0] == actor.id else None
