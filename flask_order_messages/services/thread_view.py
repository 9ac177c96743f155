"""One thread as a page shows it: its entries, the "new messages" point, its disputes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..extension import current_order_messages as ext
from ..extension import current_settings
from .common import Actor, session, visible_to
from .reading import last_read_id, mark_read, unread_counts


@dataclass
class ThreadView:
    """Everything a thread partial shows, read before the viewer's pointer moved."""

    order: Any
    thread: Any | None
    entries: list[Any]
    unread: int
    first_unread_id: int | None
    open_dispute: Any | None
    disputes: list[Any]
    actor: Actor
    names: dict[Any, str] = field(default_factory=dict)

    def name_of(self, user_id: Any) -> str:
        return self.names.get(user_id, "Someone")

    def folded(self) -> tuple[list[Any], list[Any], list[Any]]:
        """(head, folded middle, tail) of the entries.  A long thread folds its middle, but
        never an unread entry: the tail always reaches back to the first unread one."""
        settings = current_settings
        entries = self.entries
        if len(entries) <= settings.fold_threshold:
            return entries, [], []
        head = settings.fold_keep_head
        start = len(entries) - settings.fold_keep_tail
        if self.first_unread_id is not None:
            first = next(i for i, e in enumerate(entries) if e.id == self.first_unread_id)
            start = min(start, first)
        if start - head < 2:
            return entries, [], []
        return entries[:head], entries[head:start], entries[start:]


def _names(user_ids: set[Any]) -> dict[Any, str]:
    if not user_ids:
        return {}
    pk = getattr(ext.user_model, ext.user_pk.key)
    users = session().execute(sa.select(ext.user_model).where(pk.in_(user_ids))).scalars()
    display = ext.hook("display_name")
    return {ext.user_key(u): display(u) for u in users}


def thread_view(order: Any, actor: Actor, *, mark: bool = True) -> ThreadView:
    """The thread of ``order`` as ``actor`` sees it, oldest first, with the "new messages"
    point computed from their pointer; then (``mark=True``) the thread is marked read."""
    from .posting import get_thread

    models = ext.models
    m, d = models.Message, models.Dispute
    thread = get_thread(order)
    if thread is None:
        return ThreadView(order, None, [], 0, None, None, [], actor)
    pointer = last_read_id(actor, thread.id)
    stmt = sa.select(m).where(m.thread_id == thread.id, visible_to(actor, m)).order_by(m.id)
    if current_settings.attachments_enabled:
        # Every entry's files in one more query, whatever the thread's length.
        stmt = stmt.options(selectinload(m.attachments))
    entries = list(session().execute(stmt).scalars())
    disputes = list(
        session().execute(sa.select(d).where(d.thread_id == thread.id).order_by(d.id)).scalars()
    )
    unread_ids = [
        e.id for e in entries if e.id > pointer and (e.author_id is None or e.author_id != actor.id)
    ]
    user_ids = {e.author_id for e in entries if e.author_id is not None}
    user_ids |= {x.opened_by_id for x in disputes} | {x.closed_by_id for x in disputes}
    view = ThreadView(
        order=order,
        thread=thread,
        entries=entries,
        unread=len(unread_ids),
        first_unread_id=unread_ids[0] if unread_ids else None,
        open_dispute=next((x for x in disputes if x.is_open), None),
        disputes=disputes,
        actor=actor,
        names=_names({u for u in user_ids if u is not None}),
    )
    if mark and unread_ids:
        mark_read(actor, [thread.id])
    return view


def order_unread_count(order: Any, actor: Actor) -> int:
    """Unread messages on one order for ``actor`` (for a tab label)."""
    from .posting import get_thread

    thread = get_thread(order)
    if thread is None:
        return 0
    return unread_counts(actor, [thread.id]).get(thread.id, 0)
