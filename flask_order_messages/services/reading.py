"""Read state: one pointer per (person, thread), moved by upserts the database makes atomic."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask import current_app

from .. import signals
from ..models import utcnow
from ..state import current_order_messages as ext
from ..state import current_settings, unproxied
from ..transactions import after_commit
from . import floors, readers
from .common import (
    Actor,
    customer_scope,
    database,
    pointer_join,
    scope_parts,
    session,
    thread_unread_condition,
    unread_message_condition,
    visible_to,
)
from .deadlines import overdue_condition


def _upsert(source: Any, *, monotonic: bool) -> None:
    """Insert or update pointers from ``source``, a SELECT of
    (user_id, thread_id, last_read_id, updated_at).  ``monotonic`` keeps the larger value,
    so a slow request can never move a pointer backwards by accident."""
    rp = ext.models.ReadPointer
    columns = ["user_id", "thread_id", "last_read_id", "updated_at"]
    current = rp.last_read_id

    def value(new: Any) -> Any:
        return sa.case((new > current, new), else_=current) if monotonic else new

    def update(new: Any) -> dict[str, Any]:
        return {"last_read_id": value(new.last_read_id), "updated_at": new.updated_at}

    keys = ["user_id", "thread_id"]
    stmt = database().upsert(rp, keys, update, select=source, columns=columns)
    session().execute(stmt)


def advance_pointer(actor: Actor, thread_id: int, message_id: int) -> None:
    """Move the actor's pointer on one thread forward to ``message_id`` (never back).
    Runs inside the caller's transaction."""
    source = sa.select(
        readers.reader_literal(actor),
        sa.literal(thread_id, type_=sa.Integer),
        sa.literal(message_id, type_=sa.BigInteger),
        sa.literal(utcnow(), type_=sa.DateTime),
    ).where(sa.true())
    _upsert(source, monotonic=True)


def raise_pointers(source: Any) -> None:
    """Raise pointers to the rows of ``source`` (as :func:`_upsert` takes them), never
    lowering one: the read floors' carry-over (:func:`.floors.carry_over`)."""
    _upsert(source, monotonic=True)


def _threads_in_scope(actor: Actor, thread_ids: Iterable[int] | None) -> Any:
    t = ext.models.Thread
    cond = sa.and_(t.last_message_id.is_not(None), customer_scope(actor))
    if thread_ids is not None:
        cond = sa.and_(cond, t.id.in_(list(thread_ids)))
    return cond


def mark_read(actor: Actor, thread_ids: Iterable[int] | None = None) -> None:
    """Mark threads read for ``actor``: the given ids, or every thread they can see.

    Sends ``thread-read`` once the caller commits.
    """
    ids = None if thread_ids is None else list(thread_ids)
    if ids == []:
        return
    _upsert(_read_source(actor, ids), monotonic=True)
    _send_read(actor, ids, read=True)


def mark_unread(actor: Actor, thread_ids: Iterable[int] | None = None) -> None:
    """Mark threads unread for ``actor``: the newest message someone else wrote becomes
    unread again.  Your own messages are never touched: a thread holding only your own
    messages stays as it is.  (Shared read state: staff mark threads unread for all staff,
    from the newest entry no staff member wrote.)  Sends ``thread-read`` with ``read=False``
    once the caller commits."""
    ids = None if thread_ids is None else list(thread_ids)
    if ids == []:
        return
    floors.list_marked_unread(actor, ids)
    _upsert(_unread_source(actor, ids), monotonic=False)
    _send_read(actor, ids, read=False)


def mark_threads(actor: Actor, thread_ids: Iterable[int] | None, *, read: bool) -> int:
    """:func:`mark_read` (``read``) or :func:`mark_unread` the threads, and say how many
    threads that moved: those of the ids (or of all) that the actor can see with messages;
    for unread, only those with someone else's message.  For the bulk "mark" buttons."""
    ids = None if thread_ids is None else list(thread_ids)
    if ids == []:
        return 0
    source = _read_source(actor, ids) if read else _unread_source(actor, ids)
    counted = sa.select(sa.func.count()).select_from(source.subquery())
    marked = int(session().execute(counted).scalar() or 0)
    (mark_read if read else mark_unread)(actor, ids)
    return marked


def _read_source(actor: Actor, ids: list[int] | None) -> Any:
    """The pointers :func:`mark_read` writes, as a SELECT (user, thread, last read, when)."""
    t = ext.models.Thread
    return sa.select(
        readers.reader_literal(actor),
        t.id,
        t.last_message_id,
        sa.literal(utcnow(), type_=sa.DateTime),
    ).where(_threads_in_scope(actor, ids))


def _unread_source(actor: Actor, ids: list[int] | None) -> Any:
    """The pointers :func:`mark_unread` writes: just below the newest entry someone else
    wrote, on the threads that have one."""
    models = ext.models
    t, m = models.Thread, models.Message
    newest_other = (
        sa.select(sa.func.max(m.id))
        .where(
            m.thread_id == t.id,
            readers.others_entry(actor, m.author_id, m.author_role),
            visible_to(actor, m),
        )
        .correlate(t)
        .scalar_subquery()
    )
    return sa.select(
        readers.reader_literal(actor),
        t.id,
        newest_other - 1,
        sa.literal(utcnow(), type_=sa.DateTime),
    ).where(_threads_in_scope(actor, ids), newest_other.is_not(None))


def _send_read(actor: Actor, ids: list[int] | None, *, read: bool) -> None:
    app = unproxied(current_app)
    shared = readers.shares(actor)
    after_commit(
        lambda: signals.thread_read.send(
            app, user_id=actor.id, thread_ids=ids, read=read, shared=shared
        )
    )


def last_read_id(actor: Actor, thread_id: int) -> int:
    """The actor's pointer on one thread (0 when they never read it; shared read state:
    the staff's)."""
    rp = ext.models.ReadPointer
    key = readers.reader_key(actor)
    stmt = sa.select(rp.last_read_id).where(rp.user_id == key, rp.thread_id == thread_id)
    value = session().execute(stmt).scalar()
    return int(value or 0)


def unread_per_thread(actor: Actor, *conditions: Any) -> list[Any]:
    """Rows (thread id, order key, newest entry time, unread messages) for the threads that
    meet ``conditions`` (on Thread), are in the actor's scope and hold something unread.

    Per thread, only the entries above the reader's pointer are visited (an index range on
    ``(thread_id, id)``), and threads whose newest entry is not above it not at all.  A
    customer's threads are read a scope part at a time (:func:`.common.scope_parts`, each
    through its own index): as one ``OR``, PostgreSQL read every thread of the shop to find
    a customer's (800,000 at ten million messages, for their header on every page)."""
    models = ext.models
    m, t = models.Message, models.Thread
    rp, on = pointer_join(actor)
    last_read = sa.func.coalesce(rp.last_read_id, 0)
    unread = (
        sa.select(sa.func.count())
        .where(m.thread_id == t.id, unread_message_condition(actor, last_read))
        .correlate(t, rp)
        .scalar_subquery()
    )
    threads = (
        sa.select(t.id, t.order_id, t.last_message_at, unread)
        .select_from(t)
        .outerjoin(rp, on)
        .where(*conditions, t.last_message_id > last_read)
    )
    # A customer asking about someone else's thread learns nothing.
    parts = [threads.where(scope) for scope in scope_parts(actor)]
    stmt = parts[0] if len(parts) == 1 else sa.union_all(*parts)
    return [row for row in session().execute(stmt) if row[-1]]


def unread_counts(actor: Actor, thread_ids: Iterable[int]) -> dict[int, int]:
    """Unread messages per thread for ``actor``, in one query.  Threads without any are absent."""
    ids = list(thread_ids)
    if not ids:
        return {}
    t = ext.models.Thread
    return {row[0]: row[-1] for row in unread_per_thread(actor, t.id.in_(ids))}


def _unread_thread_count_stmt(actor: Actor) -> Any:
    t = ext.models.Thread
    rp, on = pointer_join(actor)
    candidates = floors.narrow(sa.select(sa.func.count()).select_from(t), actor)
    return candidates.outerjoin(rp, on).where(customer_scope(actor), thread_unread_condition(actor))


def unread_thread_count(actor: Actor) -> int:
    """How many threads have something unread for ``actor``."""
    return int(session().execute(_unread_thread_count_stmt(actor)).scalar() or 0)


def disputes_of(actor: Actor, condition: Any) -> Any:
    """SELECT of the disputes the actor can see (all for staff, their orders' and questions'
    for customers) that meet ``condition`` (their ids), a part per :func:`.scope_parts`."""
    d, t = ext.models.Dispute, ext.models.Thread
    disputes = sa.select(d.id).join(t, t.id == d.thread_id).where(condition)
    parts = [disputes.where(part) for part in scope_parts(actor)]
    return parts[0] if len(parts) == 1 else sa.union_all(*parts)


def _count(stmt: Any) -> int:
    counted = sa.select(sa.func.count()).select_from(stmt.subquery())
    return int(session().execute(counted).scalar() or 0)


def open_dispute_count(actor: Actor) -> int:
    """Open disputes the actor can see (all for staff, their orders' for customers)."""
    return _count(disputes_of(actor, ext.models.Dispute.open_thread_id.is_not(None)))


def overdue_dispute_count(actor: Actor) -> int:
    """Open disputes past their respond-by time that the store has not answered (0 for a
    customer: the deadline is the store's)."""
    if not actor.is_staff or not current_settings.dispute_response_hours:
        return 0
    return _count(disputes_of(actor, overdue_condition(ext.models.Dispute)))
