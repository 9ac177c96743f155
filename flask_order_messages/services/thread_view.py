"""One thread as a page shows it: its entries, the "new messages" point, its disputes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..i18n import gettext as _
from ..model_types import Dispute, Message, Thread
from ..models import STAFF
from ..state import current_order_messages as ext
from ..state import current_settings
from . import readers
from .common import (
    Actor,
    customer_scope,
    pointer_join,
    session,
    unread_message_condition,
    visible_to,
)
from .vendors import author_name


@dataclass(frozen=True)
class ThreadState:
    """A thread as one person finds it before reading: their pointer, how many entries are
    unread for them, the thread's disputes oldest first (``thread`` None: nobody wrote yet)."""

    thread: Thread | None
    last_read_id: int
    unread: int
    disputes: list[Dispute]


@dataclass
class ThreadView:
    """Everything a thread partial shows, read before the viewer's pointer moved."""

    order: Any
    thread: Thread | None
    entries: list[Message]
    unread: int
    first_unread_id: int | None
    open_dispute: Dispute | None
    disputes: list[Dispute]
    actor: Actor
    names: dict[Any, str] = field(default_factory=dict)

    def name_of(self, user_id: Any) -> str:
        return self.names.get(user_id) or _("Someone")

    def folded(self) -> tuple[list[Message], list[Message], list[Message]]:
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


def _names(user_ids: set[Any], staff: set[Any]) -> dict[Any, str]:
    """Names of these users; those in ``staff`` acted as staff (see ``vendors.author_name``)."""
    if not user_ids:
        return {}
    pk = getattr(ext.user_model, ext.user_pk.key)
    users = session().execute(sa.select(ext.user_model).where(pk.in_(user_ids))).scalars()
    return {ext.user_key(u): author_name(u, ext.user_key(u) in staff) for u in users}


def thread_state(order: Any, actor: Actor) -> ThreadState:
    """The thread of ``order`` with ``actor``'s pointer, unread count and the disputes, in
    one query (one row per dispute).  A customer gets nothing for someone else's order."""
    return state_where(ext.models.Thread.order_id == ext.order_key(order), actor)


def state_where(which: Any, actor: Actor) -> ThreadState:
    """:func:`thread_state` of the thread that meets condition ``which`` (a question's, by
    its id: ``services/questions.py``), within ``actor``'s scope."""
    models = ext.models
    t, m, d = models.Thread, models.Message, models.Dispute
    rp, on = pointer_join(actor)
    last_read = sa.func.coalesce(rp.last_read_id, 0)
    unread = (
        sa.select(sa.func.count())
        .select_from(m)
        .where(m.thread_id == t.id, unread_message_condition(actor, last_read))
        .correlate(t, rp)
        .scalar_subquery()
    )
    stmt = (
        sa.select(t, last_read, unread, d)
        .outerjoin(rp, on)
        .outerjoin(d, d.thread_id == t.id)
        .where(which, customer_scope(actor))
        .order_by(d.id)
    )
    rows = session().execute(stmt).all()
    if not rows:
        return ThreadState(None, 0, 0, [])
    thread, pointer, count, _ = rows[0]
    disputes = [row[3] for row in rows if row[3] is not None]
    return ThreadState(thread, int(pointer or 0), int(count or 0), disputes)


def _entries(thread: Thread, actor: Actor) -> tuple[list[Message], dict[Any, str]]:
    """The entries ``actor`` may see, oldest first, with their files, and their authors'
    names: one query, whatever the thread's length."""
    m, user = ext.models.Message, ext.user_model
    author = getattr(user, ext.user_pk.key) == m.author_id
    stmt = (
        sa.select(m, user)
        .outerjoin(user, author)
        .where(m.thread_id == thread.id, visible_to(actor, m))
        .order_by(m.id)
    )
    if current_settings.attachments_enabled:
        stmt = stmt.options(joinedload(m.attachments))
    rows = session().execute(stmt).unique().all()
    # In a marketplace a staff author's name says whom they work for ("Ann (Acme Tools)").
    staff = {entry.author_id for entry, _ in rows if entry.author_role == STAFF}
    key = ext.user_key
    names = {key(u): author_name(u, key(u) in staff) for _, u in rows if u is not None}
    return [entry for entry, _ in rows], names


def thread_view(order: Any, actor: Actor, *, state: ThreadState | None = None) -> ThreadView:
    """The thread of ``order`` as ``actor`` sees it, oldest first, with the "new messages"
    point computed from their pointer.  Only reads: the page that shows it marks it read
    (see :mod:`..page_reads`).  ``state`` is the thread's :func:`thread_state` when the
    caller read it already in this request (before marking the thread read)."""
    if state is None:
        state = thread_state(order, actor)
    thread = state.thread
    if thread is None:
        return ThreadView(order, None, [], 0, None, None, [], actor)
    entries, names = _entries(thread, actor)
    disputes = state.disputes
    unread_ids = [
        e.id for e in entries if e.id > state.last_read_id and readers.is_others_entry(actor, e)
    ]
    # Whoever opened or closed a dispute wrote its event too; look up only who did not.
    people = {x.opened_by_id for x in disputes} | {x.closed_by_id for x in disputes}
    looked_up = {e.author_id for e in entries}
    staff = {x.opened_by_id for x in disputes if x.opened_by_role == STAFF}
    staff |= {x.closed_by_id for x in disputes if x.closed_by_role == STAFF}
    names.update(_names({p for p in people if p is not None and p not in looked_up}, staff))
    view = ThreadView(
        order=order,
        thread=thread,
        entries=entries,
        unread=len(unread_ids),
        first_unread_id=unread_ids[0] if unread_ids else None,
        open_dispute=next((x for x in disputes if x.is_open), None),
        disputes=disputes,
        actor=actor,
        names=names,
    )
    return view


def order_unread_count(order: Any, actor: Actor) -> int:
    """Unread messages on one order for ``actor`` (for a tab label)."""
    return thread_state(order, actor).unread
