"""Faults: the database connection drops in the middle of a post, or the mail server is down.

A drop at any statement of a post (the message INSERT, the thread UPDATE, the read pointer
upsert, the outbox INSERT) or at the COMMIT fails the request cleanly: a 503 page in words with
the typed text, never a traceback, and nothing half-saved - no message without its outbox rows,
no thread whose count disagrees with its messages.  The next request works.

On PostgreSQL and MariaDB the drop is also done for real: another connection kills the
request's own backend (``pg_terminate_backend`` / ``KILL``) just before the outbox INSERT.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa

from flask_order_messages.extension import current_order_messages as ext

from . import committing as services
from .conftest import db
from .host_pages import P, db_state, page, words

# Which statement the connection drops at, by the table it touches.
STATEMENTS = {
    "message insert": r"^\s*INSERT INTO \S*order_messages_messages\b",
    "thread update": r"^\s*UPDATE \S*order_messages_threads\b",
    "pointer upsert": r"^\s*INSERT INTO \S*order_messages_read_pointers\b",
    "outbox insert": r"^\s*INSERT INTO \S*order_messages_mail_outbox\b",
    "dispute insert": r"^\s*INSERT INTO \S*order_messages_disputes\b",
}


def _dbapi_error(message: str) -> Exception:
    dbapi = db.engine.dialect.loaded_dbapi
    return dbapi.OperationalError(message)  # type: ignore[no-any-return]


@contextmanager
def drop_at(pattern: str | None, *, times: int = 1) -> Iterator[list[str]]:
    """The connection "drops" at the first ``times`` statements matching ``pattern``
    (every statement when None): the driver raises its own OperationalError, as it does when
    the server goes away, and SQLAlchemy handles it as it would the real thing."""
    hits: list[str] = []

    def execute(cursor: Any, statement: str, *args: Any) -> None:
        if len(hits) < times and (pattern is None or re.search(pattern, statement, re.I)):
            hits.append(statement)
            raise _dbapi_error("server closed the connection unexpectedly")

    # The dialect's execute events run where the driver's own call does: an error there is
    # handled as the driver's in every SQLAlchemy (2.0.16 passes one raised in
    # ``before_cursor_execute`` through unwrapped).
    events = ("do_execute", "do_executemany", "do_execute_no_params")
    for name in events:
        sa.event.listen(db.engine, name, execute)
    try:
        yield hits
    finally:
        for name in events:
            sa.event.remove(db.engine, name, execute)


@contextmanager
def drop_at_commit() -> Iterator[list[str]]:
    """The connection drops when the transaction commits."""
    dialect = db.engine.dialect
    original = dialect.do_commit
    hits: list[str] = []

    def failing(dbapi_connection: Any) -> None:
        if not hits:
            hits.append("COMMIT")
            dialect.do_rollback(dbapi_connection)
            raise _dbapi_error("server closed the connection unexpectedly")
        original(dbapi_connection)

    dialect.do_commit = failing  # type: ignore[method-assign]
    try:
        yield hits
    finally:
        dialect.do_commit = original  # type: ignore[method-assign]


def consistency_problems() -> list[str]:
    """What would be half-saved: thread counters that disagree with their messages, messages
    someone should have been mailed about that have no outbox row."""
    db.session.rollback()
    m, t, box = ext.models.Message, ext.models.Thread, ext.models.MailOutbox
    problems = []
    for thread in db.session.execute(sa.select(t)).scalars():
        ids = list(db.session.execute(sa.select(m.id).where(m.thread_id == thread.id)).scalars())
        if thread.message_count != len(ids):
            problems.append(f"thread {thread.id}: count {thread.message_count} != {len(ids)}")
        if thread.last_message_id != (max(ids) if ids else None):
            problems.append(
                f"thread {thread.id}: last {thread.last_message_id} != {max(ids or [0])}"
            )
    mailed = set(db.session.execute(sa.select(box.message_id)).scalars())
    for message in db.session.execute(sa.select(m).where(m.kind != "note")).scalars():
        if message.id not in mailed:
            problems.append(f"message {message.id} ({message.body!r}) has no outbox row")
    return problems


# (route, who, form, statements the post runs)
POSTS: dict[str, tuple[Callable[[Any], str], str, dict[str, str], tuple[str, ...]]] = {
    "customer message": (
        lambda o: f"{P}/orders/{o.id}/messages",
        "customer",
        {"body": "Is it shipped yet? Typed with care."},
        ("message insert", "thread update", "pointer upsert", "outbox insert"),
    ),
    "staff reply": (
        lambda o: f"{P}/admin/orders/{o.id}/messages",
        "staff",
        {"body": "Shipped this morning. Typed with care."},
        ("message insert", "thread update", "pointer upsert", "outbox insert"),
    ),
    "customer dispute": (
        lambda o: f"{P}/orders/{o.id}/dispute/open",
        "customer",
        {"reason": "It arrived broken. Typed with care."},
        ("dispute insert", "message insert", "thread update", "outbox insert"),
    ),
}

CASES = [
    (post, where) for post, (*_, statements) in POSTS.items() for where in (*statements, "commit")
]


@pytest.fixture
def started(order, customer, staff):
    """A thread with a message each way, so the first post's thread is there already."""
    services.post_message(order, services.customer_actor(customer), "Hello")
    services.post_message(order, services.staff_actor(staff), "Hi Carol")
    return {"customer": customer, "staff": staff}


def assert_clean_503(response: Any, typed: str) -> None:
    assert response.status_code == 503, page(response)[:2000]
    text = words(page(response))
    assert "could not reach its database just now, so nothing was saved" in text
    assert "Traceback" not in text and "OperationalError" not in text
    assert typed in text  # the text comes back, to copy
    assert response.headers["Retry-After"]


@pytest.mark.parametrize(("post", "where"), CASES, ids=[f"{p}-{w}" for p, w in CASES])
def test_a_drop_mid_post_fails_cleanly_and_saves_nothing(app, order, started, browser, post, where):
    path, who, form, _ = POSTS[post]
    browser.login(started[who])
    before = db_state()
    fault = drop_at_commit() if where == "commit" else drop_at(STATEMENTS[where])
    token = browser.token()
    with fault as hits:
        response = browser.post(path(order), {**form, "csrf_token": token}, csrf=False)
    assert hits, f"the post never reached the {where}"
    assert_clean_503(response, next(iter(form.values())))
    assert db_state() == before
    assert consistency_problems() == []

    # The next request works, and saves everything.
    again = browser.post(path(order), form)
    assert again.status_code == 303
    assert db_state() != before
    assert consistency_problems() == []


def test_a_first_message_that_fails_leaves_no_half_thread(app, order, customer, staff, browser):
    """The very first post creates the thread; a drop after that leaves an empty thread that
    every list ignores and the next post fills, never a thread with a wrong count."""
    browser.login(customer)
    path = f"{P}/orders/{order.id}/messages"
    with drop_at(STATEMENTS["outbox insert"]) as hits:
        response = browser.post(path, {"body": "First words"})
    assert hits
    assert_clean_503(response, "First words")
    assert consistency_problems() == []
    assert db.session.execute(sa.select(sa.func.count(ext.models.Message.id))).scalar() == 0
    assert browser.post(path, {"body": "First words"}).status_code == 303
    assert consistency_problems() == []


def test_a_database_that_stays_down_gets_a_page_that_needs_no_database(
    app, order, started, browser
):
    """The error page itself must not need the database (the layout's bell does)."""
    browser.login(started["customer"])
    path = f"{P}/orders/{order.id}"
    with drop_at(None, times=10_000):
        response = browser.get(path)
    assert response.status_code == 503
    text = words(page(response))
    assert "could not reach its database just now" in text
    assert "Try again" in text or "try again" in text
    # Once it is back, the page works.
    assert browser.get(path).status_code == 200


def test_reading_pages_fail_cleanly_too(app, order, started, browser):
    browser.login(started["staff"])
    order_id = order.id
    for path in (f"{P}/admin/messages", f"{P}/admin/orders/{order_id}"):
        with drop_at(r"^\s*SELECT", times=1):
            response = browser.get(path)
        assert response.status_code == 503, path
        assert "could not reach its database" in words(page(response))
        assert browser.get(path).status_code == 200


# -- a real drop: the server kills the request's own connection ----------------------------


def _kill_own_connection(conn: Any) -> None:
    """From a second connection, kill the server process behind ``conn``."""
    dialect = db.engine.dialect.name
    raw = conn.connection.dbapi_connection
    killer = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool)
    try:
        with killer.connect() as other:
            if dialect == "postgresql":
                pid = raw.info.backend_pid
                other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            else:
                other.execute(sa.text(f"KILL {int(raw.thread_id())}"))
            other.commit()
    finally:
        killer.dispose()


@pytest.mark.parametrize("post", sorted(POSTS))
def test_the_server_kills_the_connection_mid_post(app, order, started, browser, post):
    dialect = db.engine.dialect.name
    if dialect not in ("postgresql", "mysql", "mariadb"):
        pytest.skip("needs a database server whose connections can be killed")
    path, who, form, _ = POSTS[post]
    browser.login(started[who])
    before = db_state()
    token = browser.token()
    killed: list[int] = []

    def before_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not killed and re.search(STATEMENTS["outbox insert"], statement, re.I):
            killed.append(1)
            _kill_own_connection(conn)

    sa.event.listen(db.engine, "before_cursor_execute", before_execute)
    try:
        response = browser.post(path(order), {**form, "csrf_token": token}, csrf=False)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before_execute)
    assert killed
    assert_clean_503(response, next(iter(form.values())))
    assert db_state() == before
    assert consistency_problems() == []
    assert browser.post(path(order), form).status_code == 303
    assert consistency_problems() == []


# -- the mail server is down: the message stays, the mail waits -----------------------------


def test_mail_server_down_the_post_goes_through_and_the_mail_waits(tmp_path):
    from .smtp_server import add_user, free_port, running_app

    with running_app(tmp_path, free_port(), ORDER_MESSAGES_MAIL_TIMEOUT=2) as app:
        from .conftest import Browser, make_order

        add_user("Admin", admin=True)
        carol = add_user("Carol")
        order = make_order(carol)
        browser = Browser(app).login(carol)
        response = browser.post(f"{P}/orders/{order.id}/messages", {"body": "Anyone there?"})
        assert response.status_code == 303
        assert consistency_problems() == []
        box = ext.models.MailOutbox
        (row,) = db.session.execute(sa.select(box)).scalars()
        assert row.status == "pending" and row.attempts == 1
        assert row.last_error


def test_the_json_endpoints_answer_a_503_in_json(app, order, started, browser):
    browser.login(started["staff"])
    paths = ("/order-messages/api/counts", f"/order-messages/api/admin/orders/{order.id}/entries")
    for path in paths:
        with drop_at(r"^\s*SELECT", times=1):
            response = browser.get(path)
        assert response.status_code == 503, path
        assert "could not reach its database" in response.get_json()["error"]
        assert browser.get(path).status_code == 200
