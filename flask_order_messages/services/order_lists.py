"""The host's order lists: the "orders with messages" filter it applies to its own order
query, and the unread badges beside its orders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from .. import host_input
from ..permissions import READ, may
from ..state import current_order_messages as ext
from . import floors
from .common import (
    Actor,
    customer_actor,
    customer_scope,
    pointer_join,
    session,
    staff_actor,
    thread_unread_condition,
)
from .reading import unread_counts, unread_per_thread

ORDER_FILTERS = ("all", "unread", "any")


def filter_orders(query: Any, mode: Any, actor: Actor | Any) -> Any:
    """Narrow the host's own order query (a ``select()`` or a legacy ``Query``).

    ``mode``: ``"all"`` leaves it alone, ``"any"`` keeps orders with any messages,
    ``"unread"`` keeps orders with messages unread for ``actor``.  Any other value (an
    unknown word, None, a list from a repeated parameter) means ``"all"``: the host passes
    the request's value straight in, and a typo in a URL must not be a 500 on its page.
    ``actor`` is an :class:`Actor`, or the user itself; for nobody (None, an anonymous
    user) no order has unread messages.
    """
    mode = host_input.choice(mode, ORDER_FILTERS)
    if mode == "all":
        return query
    t = ext.models.Thread
    pk = getattr(ext.order_model, ext.order_pk.key)
    threads = sa.select(t.order_id).select_from(t).where(t.last_message_id.is_not(None))
    actor = _actor_of(actor)
    if actor is not None and not may(actor, READ):
        return query  # staff who may not read messages get no filter (nor see one)
    if actor is not None:
        # A customer's filter says nothing about other customers' orders, even when the
        # host's query forgot to keep to theirs.
        threads = threads.where(customer_scope(actor))
    if mode == "unread":
        if actor is None:
            return query.filter(sa.false())
        rp, on = pointer_join(actor)
        threads = floors.narrow(threads, actor).outerjoin(rp, on)
        threads = threads.where(thread_unread_condition(actor))
    return query.filter(pk.in_(threads))


def _actor_of(value: Any) -> Actor | None:
    """``value`` as an :class:`Actor`: itself, a logged-in user in the role the staff check
    gives them, or None for nobody."""
    if isinstance(value, Actor):
        return value
    if value is None or not getattr(value, "is_authenticated", False):
        return None
    return staff_actor(value) if ext.is_staff(value) else customer_actor(value)


def unread_by_order(actor: Actor, order_keys: list[Any]) -> dict[Any, int]:
    """Unread messages per order key for ``actor``, for an order list, in two queries."""
    if not order_keys:
        return {}
    t = ext.models.Thread
    threads = session().execute(sa.select(t.id, t.order_id).where(t.order_id.in_(order_keys)))
    by_thread = {thread_id: order_key for thread_id, order_key in threads}
    counts = unread_counts(actor, by_thread)
    return {by_thread[tid]: n for tid, n in counts.items()}


@dataclass(frozen=True)
class UnreadNote:
    """What the customer header says: unread messages in all, the key of the newest order
    holding some (None: none, or the newest is a question), and how many orders hold some."""

    total: int
    newest: Any | None
    orders: int


def customer_unread_note(actor: Actor) -> UnreadNote:
    """The customer's :class:`UnreadNote`, in one query."""
    rows = unread_per_thread(actor)
    newest = max(rows, key=lambda row: row.last_message_at, default=None)
    orders = {row.order_id for row in rows if row.order_id is not None}
    key = newest.order_id if newest is not None else None
    return UnreadNote(sum(row[-1] for row in rows), key, len(orders))


def customer_unread_summary(actor: Actor) -> tuple[int, Any | None]:
    """(total unread messages over the customer's orders, key of the newest such order)."""
    note = customer_unread_note(actor)
    return note.total, note.newest


def customer_orders_url(user: Any) -> str | None:
    """The ``customer_orders_url`` hook's answer for customer ``user``: their order list's
    URL, or None.  Anything else is a :class:`TypeError` that names the hook."""
    url = ext.hooks.customer_orders_url(user)
    if url is not None and not isinstance(url, str):
        raise TypeError(
            "The 'customer_orders_url' hook must return the URL of the customer's order list "
            f"(a str) or None; it returned {type(url).__name__} {url!r:.60}."
        )
    return url
