"""Who commits: one unit of work per request or command, and the few commits that cannot wait.

Services add rows and flush; they never commit.  The view or CLI command that handled the
request commits once, at its end, with :func:`commit` (the blueprint's views through
:func:`committed`, which :mod:`.views` puts around each of them).  What a service wants done
once its rows are saved -- mail, then a signal -- it hands to :func:`after_commit`, so the
order is always persist, commit, mail, signal; a unit of work that is rolled back forgets it
(no mail and no signal for a message that was never saved).

A host that calls the services from its own code ends the unit of work the same way:
``with unit_of_work(): services.post_message(...)``, or :func:`commit` at the end of its view.

A few writes cannot wait for the end of the request.  Each goes through :func:`commit_early`
with one of the reasons in :data:`EARLY_COMMITS` (the reason is written beside it there), or,
for the read state that moves when a page is shown, through :func:`read_state` (its own short
transaction: a GET changes nothing of its own).  Nothing else in the package commits; a test
counts.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from flask import request
from sqlalchemy import event
from sqlalchemy.exc import TimeoutError as WaitTimeoutError
from sqlalchemy.orm import Session

from . import dialects
from .state import current_order_messages as ext

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

#: Where a session keeps what runs after its commit, and whether it wrote anything.
_AFTER = "flask_order_messages.after_commit"
_UNDO = "flask_order_messages.if_not_saved"
_WROTE = "flask_order_messages.wrote"

#: The commits that cannot wait for the end of the request, each with its reason.
FIRST_MESSAGE = "first message"
MAIL_CLAIM = "mail claim"
MAIL_OUTCOME = "mail outcome"
BATCH = "batch"
WEBHOOK_CLAIM = "webhook claim"
WEBHOOK_OUTCOME = "webhook outcome"
EARLY_COMMITS = {
    FIRST_MESSAGE: (
        "Creating a thread: two first messages on one order may race.  The thread row is "
        "committed on its own, before the message, so the unique key on order_id decides "
        "the race at once (the loser reads the winner's thread), and so that on MariaDB the "
        "gap lock of the locking read that found no thread is released before the insert "
        "(two of them would deadlock)."
    ),
    MAIL_CLAIM: (
        "A mail is claimed by one conditional UPDATE, committed before it is sent: a second "
        "sender (a cron run, an RQ worker) must see the claim, or it sends the mail twice."
    ),
    MAIL_OUTCOME: (
        "A delivery's outcome (sent, or failed and when to retry) is committed as soon as "
        "the mail server answered: the mail is gone, whatever happens to the process next."
    ),
    WEBHOOK_CLAIM: (
        "A webhook delivery is claimed like a mail (one conditional UPDATE, committed before "
        "the POST), so two deliverers never send it twice."
    ),
    WEBHOOK_OUTCOME: (
        "A webhook delivery's outcome is committed as soon as the receiver answered, as a "
        "mail's is."
    ),
    BATCH: (
        "A long maintenance job (reindex) commits batch by batch: a large shop's job holds no "
        "huge transaction and keeps what it did when it is interrupted."
    ),
}

#: What the current read-state transaction is moving (see :func:`read_state`), for tests and
#: logs: ``""`` outside one.
current_read_state: ContextVar[str] = ContextVar("om_read_state", default="")

#: The read state a GET may move, each in its own short transaction, with its reason.
READ_STATES = {
    "mark read": (
        "The page that shows a thread marks it read for the viewer, explicitly (the view calls "
        "it before rendering, so the bell and the tab label on that page are already right)."
    ),
    "read floor": (
        "A staff member's stale read floor is raised before their unread threads are counted "
        "(see services/floors.py); it needs a fresh transaction to see every committed entry. "
        "After ORDER_MESSAGES_READ_STATE changed, the first one also carries the read marks "
        "over (services/switching.py)."
    ),
    "token used": (
        "A personal access token's last-used time (access_tokens.py), written at most once a "
        "minute per token before the API request runs, so that its owner sees which tokens "
        "are still in use, whether the request only read or was refused later."
    ),
}


def session() -> Any:
    """The extension's scoped session."""
    return ext.db.session


def _session_object() -> Session:
    return session()()  # type: ignore[no-any-return]  # the Session behind the scoped_session


# -- what a session wrote, and what waits for its commit ---------------------------------------


@event.listens_for(Session, "after_flush")
def _flushed(db: Session, flush_context: Any) -> None:
    db.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state: Any) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_commit")
def _committed(db: Session) -> None:
    db.info.pop(_WROTE, None)
    db.info.pop(_UNDO, None)
    if db.info.pop(_AFTER, None):
        # Someone committed the session directly (db.session.commit()), not through commit():
        # the rows are saved and the mail waits in the outbox for send-mail, but nothing here
        # may run SQL any more, so the signals are not sent.
        log.warning(
            "order-messages: a unit of work was committed without transactions.commit(); "
            "its mail waits for 'flask order-messages send-mail' and its signals are not sent"
        )


@event.listens_for(Session, "after_rollback")
def _rolled_back(db: Session) -> None:
    db.info.pop(_WROTE, None)
    db.info.pop(_AFTER, None)  # its rows are gone: no mail, no signal for them
    _undo(db)


def _undo(db: Session) -> None:
    for callback in db.info.pop(_UNDO, []):
        callback()


def has_pending_writes() -> bool:
    """Whether the current transaction holds writes not committed yet (added, changed or
    deleted objects, flushed or not, and INSERT/UPDATE/DELETE statements)."""
    db = _session_object()
    return bool(db.info.get(_WROTE) or db.new or db.dirty or db.deleted)


def after_commit(callback: Callable[[], Any]) -> None:
    """Run ``callback`` once the current unit of work is committed (after the callbacks
    handed in before it); never if it is rolled back."""
    _session_object().info.setdefault(_AFTER, []).append(callback)


def waiting_callbacks() -> list[Callable[[], Any]]:
    """What waits for the current unit of work's commit (see :func:`after_commit`), in order."""
    return list(_session_object().info.get(_AFTER, []))


def if_not_saved(callback: Callable[[], Any]) -> None:
    """Run ``callback`` if the current unit of work is rolled back or its commit fails (to
    remove the files of attachments whose rows were never saved)."""
    _session_object().info.setdefault(_UNDO, []).append(callback)


def _commit_then_run(db: Session, *, keep_loaded: bool = False) -> None:
    waiting = db.info.pop(_AFTER, [])
    expire = db.expire_on_commit
    # Moving a pointer or a floor changes no loaded object, and the page that moved it would
    # otherwise load every row it shows again, one query at a time.
    db.expire_on_commit = expire and not keep_loaded
    try:
        db.commit()
    except BaseException:
        # Nothing half-saved, and nothing waiting runs: no mail, no signal, no stray files.
        db.rollback()
        _undo(db)
        raise
    finally:
        db.expire_on_commit = expire
    for callback in waiting:
        callback()


def commit() -> None:
    """End the unit of work: commit what the services flushed, then run what waits for the
    commit (mail, then signals).  The one commit of a view or a CLI command."""
    _commit_then_run(_session_object())


def rollback() -> None:
    """Drop the unit of work: nothing it added is saved, nothing waiting for it runs."""
    db = _session_object()
    db.rollback()
    db.info.pop(_AFTER, None)


@contextmanager
def unit_of_work() -> Iterator[None]:
    """``with unit_of_work(): ...``: commit at the end (see :func:`commit`), or roll back if
    the block raises.  For a host's own code and scripts that call the services."""
    try:
        yield
    except BaseException:
        rollback()
        raise
    commit()


def committed(view: F) -> F:
    """A view that ends its request's unit of work: a POST (or any other write method) is
    committed once, after the view returned its response; a GET, HEAD or OPTIONS request
    commits nothing (reads never write).  On SQLite a write waits for its turn first
    (:func:`writer_turn`)."""

    @functools.wraps(view)
    def run(*args: Any, **kwargs: Any) -> Any:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return view(*args, **kwargs)
        with writer_turn():
            response = view(*args, **kwargs)
            commit()
        return response

    return run  # type: ignore[return-value]


# -- SQLite: one writer at a time, in turn -----------------------------------------------------

#: How long a write waits for its turn on SQLite before the request gets the 503 page.
TURN_TIMEOUT = 120.0
_TURNS: dict[str, threading.RLock] = {}
_TURNS_GUARD = threading.Lock()


def _turn_lock(url: str) -> threading.RLock:
    with _TURNS_GUARD:
        return _TURNS.setdefault(url, threading.RLock())


@contextmanager
def writer_turn() -> Iterator[None]:
    """``with writer_turn(): ...``: on SQLite, write in turn.  SQLite takes one writer at a
    time and lets the others poll for the lock (the driver's busy timeout, 5 s by default), so
    under many parallel posts the unlucky ones failed with "database is locked".  Here the
    extension's writes of one process queue on a lock of their own (one per database file),
    and the writer whose turn it is takes SQLite's write lock at once (``BEGIN IMMEDIATE``, as
    SQLAlchemy's pysqlite notes describe), so it never finds the lock taken halfway through:
    only one writer per process ever polls.  Nothing of the host's engine is changed: no
    event, no isolation level; the ``BEGIN IMMEDIATE`` is issued only when the driver holds no
    transaction yet (a host whose engine begins its own transactions keeps them).  Other
    databases: nothing to do (they lock rows)."""
    db = _session_object()
    bind = db.get_bind()
    if not dialects.of(bind).one_writer_at_a_time:
        yield
        return
    engine = bind.engine  # a Connection's or an Engine's own
    lock = _turn_lock(str(engine.url))
    if not lock.acquire(timeout=TURN_TIMEOUT):
        raise WaitTimeoutError(f"no turn to write to SQLite within {TURN_TIMEOUT:g} s")
    began = False
    try:
        began = _begin_immediate(db)
        yield
    except BaseException:
        if began:  # the write lock this turn took goes with the turn, not at teardown
            db.rollback()
        raise
    finally:
        lock.release()


def _begin_immediate(db: Session) -> bool:
    """``BEGIN IMMEDIATE`` unless the driver is in a transaction already; whether it was."""
    connection = db.connection()
    driver = connection.connection.dbapi_connection
    if driver is None or getattr(driver, "in_transaction", True):
        return False
    connection.exec_driver_sql("BEGIN IMMEDIATE")
    return True


# -- the commits that cannot wait --------------------------------------------------------------


def commit_early(reason: str) -> None:
    """Commit now, before the unit of work ends, for one of the :data:`EARLY_COMMITS`."""
    if reason not in EARLY_COMMITS:
        raise ValueError(f"no early commit is allowed for {reason!r}; see EARLY_COMMITS")
    commit()


@contextmanager
def read_state(what: str) -> Iterator[None]:
    """``with read_state("mark read"): ...``: move read state (:data:`READ_STATES`) in a short
    transaction of its own, committed at the end.  The page's transaction must hold no
    writes (it holds none on a GET): they are not this block's to commit.  The page's reads
    end first, so the block sees everything committed before it."""
    if what not in READ_STATES:
        raise ValueError(f"unknown read state {what!r}; see READ_STATES")
    db = _session_object()
    if has_pending_writes():
        raise RuntimeError(
            f"{what}: the request holds unsaved writes; commit or roll them back first"
        )
    _commit_then_run(db, keep_loaded=True)  # ends a transaction that only read
    token = current_read_state.set(what)
    try:
        with writer_turn():
            yield
            _commit_then_run(db, keep_loaded=True)
    except BaseException:
        db.rollback()
        raise
    finally:
        current_read_state.reset(token)
