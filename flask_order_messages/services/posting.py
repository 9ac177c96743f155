"""Posting into a thread: the thread row, the message, the author's pointer, the outbox."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from .. import event_words, mail, search, signals
from ..errors import ValidationError
from ..i18n import gettext as _
from ..mail_reader import in_shop_language
from ..model_types import Message, Thread
from ..models import KIND_MESSAGE, KIND_NOTE, utcnow
from ..state import current_order_messages as ext
from ..state import unproxied
from ..transactions import (
    BATCH,
    FIRST_MESSAGE,
    after_commit,
    commit_early,
    has_pending_writes,
    if_not_saved,
)
from ..webhooks import events as webhook_events
from . import attachments, confirm, readers, targets
from .common import Actor, clean_body, session
from .context import email_of, users_by_key
from .reading import advance_pointer
from .status import automatic_status
from .vendors import order_vendor


def get_thread(order: Any, *, lock: bool = False) -> Thread | None:
    """The thread of ``order``, or None if nobody has written yet.  ``lock=True`` also takes
    its row lock (see :func:`lock_thread`) in the same read."""
    t = ext.models.Thread
    stmt = sa.select(t).where(t.order_id == ext.order_key(order))
    if lock:
        # Read afresh under the lock: posting decides from the row (response targets).
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session().execute(stmt).scalar()


def get_or_create_thread(order: Any, *, lock: bool = False, customer: Any = ...) -> Thread:
    """The thread of ``order``, created if needed; ``lock=True`` returns it locked for the
    rest of the transaction (see :func:`lock_thread`).  ``customer``: the order's owner when
    the caller has it at hand (see :func:`index_order_number`).

    A new thread is committed at once, on its own (see ``FIRST_MESSAGE`` in
    :mod:`..transactions`): the unique key on ``order_id`` decides a race between two first
    messages, the loser's insert fails, it rolls back and reads the winner's thread.  When
    the caller's unit of work holds writes of its own, they are not ours to commit: the
    thread is only flushed, and the unique key decides a race at the caller's commit.
    """
    thread = get_thread(order, lock=lock)
    if thread is not None:
        return thread
    db = session()
    if has_pending_writes():
        thread = _new_thread(order)
        db.add(thread)
        db.flush()
        index_order_number(thread.id, order, customer)
        return thread
    if lock:
        # On MariaDB a locking read that found nothing holds a gap lock, and two first
        # messages holding one each would deadlock on their inserts: end that transaction
        # first (it only read).
        commit_early(FIRST_MESSAGE)
    thread = _new_thread(order)
    db.add(thread)
    try:
        db.flush()
        index_order_number(thread.id, order, customer)
        commit_early(FIRST_MESSAGE)
    except IntegrityError:
        db.rollback()
    except BaseException:
        db.rollback()
        raise
    thread = get_thread(order, lock=lock)
    assert thread is not None
    return thread


def _new_thread(order: Any) -> Thread:
    """A thread for ``order``, its vendor recorded (marketplaces: see ``vendors.py``)."""
    return ext.models.Thread(
        order_id=ext.order_key(order), message_count=0, vendor_key=order_vendor(order)
    )


def index_order_number(thread_id: Any, order: Any, customer: Any = ...) -> None:
    """Merge what staff see of ``order`` into the staff search document of its thread, in the
    current transaction, in one statement: its number as the pages show it (the
    ``order_number`` hook: a token such as "#2884db062b7b", "00003"...) and its customer's name
    and email (the ``display_name`` and ``user_email`` hooks), so that staff find a thread by
    the number, name or address they see, not only by its key.  ``customer`` is the order's
    owner when the caller has it (None: gone); by default it comes from the session (no
    query when it is loaded already).  Words are only ever added: after a customer's name
    or email changes, ``flask order-messages reindex`` adds the new one (the old stays)."""
    if customer is ...:
        customer = _owner(order)
    shown = [str(ext.hooks.order_number(order))]
    if customer is not None:
        shown += [ext.hooks.display_name(customer) or "", email_of(customer) or ""]
    search.add_to_document(
        session(), ext.models.ThreadSearch, thread_id, search.search_text(" ".join(shown))
    )


def _owner(order: Any) -> Any:
    """The user who owns ``order`` (None: none, or gone), from the identity map if loaded."""
    owner_id = ext.order_owner_id(order)
    return None if owner_id is None else session().get(ext.user_model, owner_id)


def index_order_numbers(*, batch_size: int = 500) -> int:
    """Write every thread's order number and customer's name and email into its staff search
    document (see :func:`index_order_number`), committing every ``batch_size`` threads (``BATCH`` in
    :mod:`..transactions`); returns how many threads it looked at.  Idempotent.  For threads
    made before the numbers were indexed (the migration that fills the documents runs it),
    threads written by a bulk loader, and after the host's ``order_number`` hook changes (old
    numbers' words stay findable too)."""
    t = ext.models.Thread
    pk = getattr(ext.order_model, ext.order_pk.key)
    db = session()
    done, after = 0, None
    while True:
        stmt = sa.select(t.id, t.order_id).order_by(t.id).limit(batch_size)
        if after is not None:
            stmt = stmt.where(t.id > after)
        threads = db.execute(stmt).all()
        if not threads:
            return done
        keys = [order_id for _, order_id in threads]
        found = db.execute(sa.select(ext.order_model).where(pk.in_(keys))).scalars()
        orders = {ext.order_key(order): order for order in found}
        owners = users_by_key(ext.order_owner_id(order) for order in orders.values())
        for thread_id, order_id in threads:
            if order_id in orders:
                order = orders[order_id]
                owner = owners.get(ext.order_owner_id(order))
                index_order_number(thread_id, order, owner)
        commit_early(BATCH)
        done += len(threads)
        after = threads[-1][0]


def lock_thread(thread: Thread) -> None:
    """Take the thread's row lock for the rest of the transaction (a no-op on SQLite, which
    locks the whole database for a writer anyway).  Every write into a thread takes it first,
    so writers queue per thread instead of deadlocking: on MariaDB the foreign-key checks of
    two inserts would otherwise each hold a shared lock the other's UPDATE waits for."""
    t = ext.models.Thread
    session().execute(sa.select(t.id).where(t.id == thread.id).with_for_update())


def add_entry(
    thread: Thread,
    actor: Actor,
    body: str,
    *,
    kind: str = KIND_MESSAGE,
    event: str | None = None,
    locked: bool = False,
    args: dict[str, Any] | None = None,
    answers: bool = False,
) -> Message:
    """Add one entry to ``thread`` inside the current transaction (no commit).

    ``args``: an event's parameters, from which its words are written in each reader's
    language (see :mod:`..event_words`); ``body`` is then those words in the shop's language.

    The thread's newest-message columns move with one UPDATE that cannot go backwards, so two
    posts at once leave them pointing at the newer message.  The author's own pointer moves
    to the new entry: writing into a thread means having read it (not the staff's shared
    one: see ``readers.writing_reads``).  ``locked=True``: the caller holds the thread's row
    lock already, in this transaction.  ``answers=True``: an entry other than a message that
    the customer reads as the store's answer (a dispute closed with a note) moves the wait
    and the status as a staff message does.
    """
    if not locked:
        lock_thread(thread)
    models = ext.models
    db = session()
    now = utcnow()
    # The reply the thread waits for (response targets), from the thread read under the lock.
    moves_as = KIND_MESSAGE if answers else kind  # how the wait and the status move
    waits = targets.on_entry(thread, actor.role, moves_as, now)
    message = models.Message(
        thread_id=thread.id,
        author_id=actor.id,
        author_role=actor.role,
        kind=kind,
        event=event,
        event_args=None if args is None else event_words.dumps(args),
        body=body,
        created_at=now,
        **waits.message,
    )
    db.add(message)
    db.flush()
    t = models.Thread
    is_newer = sa.or_(t.last_message_id.is_(None), t.last_message_id < message.id)
    # MySQL/MariaDB apply SET clauses left to right, each seeing the ones before it, so the
    # column the condition reads (last_message_id) is assigned last.
    db.execute(
        sa.update(t)
        .where(t.id == thread.id)
        .ordered_values(
            *automatic_status(t, actor, moves_as, now),
            *((getattr(t, name), value) for name, value in waits.thread.items()),
            (t.last_message_at, sa.case((is_newer, now), else_=t.last_message_at)),
            (t.last_author_id, sa.case((is_newer, actor.id), else_=t.last_author_id)),
            (t.last_author_role, sa.case((is_newer, actor.role), else_=t.last_author_role)),
            (t.message_count, t.message_count + 1),
            (t.last_message_id, sa.case((is_newer, message.id), else_=t.last_message_id)),
        )
        .execution_options(synchronize_session=False)
    )
    # The thread's staff search document takes the entry's words (one upsert, under the lock).
    search.add_to_document(db, models.ThreadSearch, thread.id, message.search_text)
    # Not for an automatic step (expire-disputes: nobody to mark read for), nor for staff
    # with a shared read state (readers.py: only reading moves the team's marks).
    if readers.writing_reads(actor):
        advance_pointer(actor, thread.id, message.id)
    return message


def add_event(
    thread: Thread,
    actor: Actor,
    event: str,
    args: dict[str, Any],
    *,
    kind: str,
    locked: bool,
    answers: bool = False,
) -> Message:
    """:func:`add_entry` of an ``event`` kept with its parameters ``args``: its body is its
    words in the shop's language, and each reader gets them in theirs."""
    with in_shop_language():  # kept, for search and for anyone reading the table
        body = event_words.joined(event_words.words_of(event, args))
    return add_entry(
        thread, actor, body, kind=kind, event=event, locked=locked, args=args, answers=answers
    )


def post_message(
    order: Any,
    actor: Actor,
    body: Any,
    *,
    note: bool = False,
    files: Iterable[Any] = (),
    seen_id: int | None = None,
) -> Message:
    """Post ``body`` on ``order``'s thread as ``actor`` and return the message, flushed: the
    caller's commit saves it (see :mod:`..transactions`).

    Staff may start a thread on any order; customers only on their own (the views check).
    ``note=True`` makes a staff-only note.  The body is checked first: an empty or too long
    body raises :class:`~flask_order_messages.errors.ValidationError` and nothing is saved.
    ``files`` are attachments (werkzeug ``FileStorage`` objects or ``(name, bytes)`` pairs),
    all checked before anything is written (see :mod:`.attachments`); a message always needs
    some text, files alone are refused.  Mail to the other side is written to the outbox in
    the same transaction and delivered after the commit, then ``message-posted`` is sent; a
    mail failure never loses the message.  ``seen_id``: the newest entry a staff writer had
    seen; a reply to the customer is refused with ``NewerEntryError`` when someone else wrote
    since (see :mod:`.confirm`; None: not checked).
    """
    files = list(files)
    text = checked_body(body, files)
    if note and not actor.is_staff:
        raise PermissionError("Only staff can write staff-only notes.")
    uploads = attachments.check_uploads(files)
    # The customer writing on their own order is the owner a new thread indexes (no query).
    owner = actor.user if not actor.is_staff and actor.id == ext.order_owner_id(order) else ...
    thread = get_or_create_thread(order, lock=True, customer=owner)
    if not note:
        confirm.check_newer(thread, actor, seen_id)  # under the lock: two at once, one asked
    return post_into(thread, actor, text, note=note, uploads=uploads, order=order)


def checked_body(body: Any, files: list[Any]) -> str:
    """The cleaned body (:func:`.common.clean_body`), its refusal mentioning chosen files."""
    try:
        return clean_body(body)
    except ValidationError as exc:
        if exc.field == "body" and attachments.chosen(files):
            raise ValidationError(
                _("%(message)s Please add a few words to go with your files.", message=exc.message)
            ) from None
        raise


def post_into(
    thread: Thread, actor: Actor, text: str, *, note: bool, uploads: Any, order: Any
) -> Message:
    """Write checked ``text`` into ``thread``, whose row lock the caller holds: the entry,
    its files, its mail (to the outbox, in the same transaction) -- the one way a message is
    written, an order's (``order``) or a question's (``order`` None: questions.py) alike.
    After the commit the mail is sent and ``message-posted`` is signalled."""
    stored: list[str] = []
    try:
        kind = KIND_NOTE if note else KIND_MESSAGE
        message = add_entry(thread, actor, text, kind=kind, locked=True)
        stored = attachments.store(message, uploads)
        outbox_ids = mail.queue_for_entry(message, order, actor)
        webhook_events.message_posted(message, thread, order, actor)
        session().flush()
    except BaseException:
        # Nothing half-saved: if queueing fails (a missing hook, a template error), no
        # message without its mail stays in the session for a later commit to pick up;
        # and files whose rows were never committed are removed again.
        session().rollback()
        attachments.discard(stored)
        raise
    if stored:
        if_not_saved(lambda: attachments.discard(stored))  # files whose rows never got saved
    app = unproxied(current_app)

    def posted() -> None:
        # The UPDATE moved the thread's columns behind the session's back: read them again
        # on their next use (a commit that keeps loaded rows would not have expired them).
        session().expire(thread)
        mail.dispatch(outbox_ids)
        signals.message_posted.send(app, message=message, thread=thread, order=order, actor=actor)

    after_commit(posted)
    return message
