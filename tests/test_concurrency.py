"""Two people at once: the first message on an order, opening a dispute.

Each worker is a real thread with its own app context (its own session and connection) on the
test database (a SQLite file by default).  A barrier inside the "does it exist yet?" check
makes both workers see the state before either writes, so the race happens every run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from flask_order_messages import DisputeError
from flask_order_messages.extension import current_order_messages as ext
from flask_order_messages.services import disputes as disputes_module
from flask_order_messages.services import posting as posting_module

from . import committing as services
from .conftest import Order, User, db, make_order


def run_together(app: Any, jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run each job in its own thread and app context; return results or raised errors."""
    results: list[Any] = [None] * len(jobs)

    def worker(i: int) -> None:
        with app.app_context():
            try:
                results[i] = jobs[i]()
            except Exception as exc:  # collected and asserted on by the test
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    return results


def meet_after_first_call(monkeypatch: Any, module: Any, name: str, parties: int) -> None:
    """Make ``module.name`` wait for every worker after its first call in each thread."""
    real = getattr(module, name)
    barrier = threading.Barrier(parties, timeout=20)
    local = threading.local()

    def wrapper(*args: Any, **kw: Any) -> Any:
        result = real(*args, **kw)
        if threading.current_thread() is threading.main_thread():
            return result  # the test's own checks afterwards
        if not getattr(local, "met", False):
            local.met = True
            barrier.wait()
        return result

    monkeypatch.setattr(module, name, wrapper)


def as_customer_of(order_id: int) -> tuple[Any, Any]:
    order = db.session.get(Order, order_id)
    return order, services.customer_actor(db.session.get(User, order.customer_id))


def as_staff_member(order_id: int, staff_id: int) -> tuple[Any, Any]:
    return db.session.get(Order, order_id), services.staff_actor(db.session.get(User, staff_id))


def thread_rows(order_id: int) -> list[Any]:
    t = ext.models.Thread
    db.session.rollback()  # end the transaction: a fresh snapshot under REPEATABLE READ
    return list(db.session.execute(sa.select(t).where(t.order_id == order_id)).scalars())


def bodies(thread_id: int) -> list[str]:
    m = ext.models.Message
    return sorted(db.session.execute(sa.select(m.body).where(m.thread_id == thread_id)).scalars())


def test_two_first_messages_at_once_make_one_thread(app, order, staff, monkeypatch):
    meet_after_first_call(monkeypatch, posting_module, "get_thread", 2)
    order_id, staff_id = order.id, staff.id

    def customer_writes() -> int:
        o, actor = as_customer_of(order_id)
        return int(services.post_message(o, actor, "from the customer").id)

    def staff_writes() -> int:
        o, actor = as_staff_member(order_id, staff_id)
        return int(services.post_message(o, actor, "from staff").id)

    results = run_together(app, [customer_writes, staff_writes])
    assert all(isinstance(r, int) for r in results), results

    threads = thread_rows(order_id)
    assert len(threads) == 1
    thread = threads[0]
    assert bodies(thread.id) == ["from staff", "from the customer"]
    assert thread.message_count == 2
    assert thread.last_message_id == max(results)
    # Writing means having read up to your own message: whoever wrote second has read the
    # first one, whoever wrote first has the second one unread.
    customer = services.customer_actor(db.session.get(User, order.customer_id))
    counts = [
        services.order_unread_count(order, customer),
        services.order_unread_count(order, services.staff_actor(staff)),
    ]
    assert sorted(counts) == [0, 1]


@pytest.mark.parametrize("round_", range(3))
def test_many_first_messages_without_help(app, customer, staff, round_):
    # No barrier: let the scheduler interleave four writers on one fresh order.
    order_id = make_order(customer).id
    staff_id = staff.id

    def job(n: int) -> Callable[[], int]:
        def run() -> int:
            if n % 2:
                o, actor = as_staff_member(order_id, staff_id)
            else:
                o, actor = as_customer_of(order_id)
            return int(services.post_message(o, actor, f"message {n}").id)

        return run

    results = run_together(app, [job(n) for n in range(4)])
    assert all(isinstance(r, int) for r in results), results
    threads = thread_rows(order_id)
    assert len(threads) == 1
    assert bodies(threads[0].id) == [f"message {n}" for n in range(4)]
    assert threads[0].message_count == 4
    assert threads[0].last_message_id == max(results)


def test_two_disputes_opened_at_once_leave_exactly_one_open(
    app, order, staff, as_customer, monkeypatch
):
    services.post_message(order, as_customer, "it is broken")
    # Both workers have the thread before either takes its lock or checks for an open dispute.
    meet_after_first_call(monkeypatch, disputes_module, "get_or_create_thread", 2)
    order_id, staff_id = order.id, staff.id

    def customer_opens() -> int:
        o, actor = as_customer_of(order_id)
        return int(services.open_dispute(o, actor, "customer's reason").id)

    def staff_opens() -> int:
        o, actor = as_staff_member(order_id, staff_id)
        return int(services.open_dispute(o, actor, "staff's reason").id)

    results = run_together(app, [customer_opens, staff_opens])
    won = [r for r in results if isinstance(r, int)]
    lost = [r for r in results if isinstance(r, DisputeError)]
    assert len(won) == 1 and len(lost) == 1, results
    assert "already open" in lost[0].message

    d, m = ext.models.Dispute, ext.models.Message
    db.session.rollback()  # end the transaction: a fresh snapshot under REPEATABLE READ
    rows = list(db.session.execute(sa.select(d)).scalars())
    assert [r.id for r in rows] == won
    assert rows[0].open_thread_id == rows[0].thread_id
    events = db.session.execute(sa.select(m.body).where(m.event == "dispute_opened")).scalars()
    assert list(events) == [rows[0].reason]
    assert services.open_dispute_of(order).id == won[0]
    # The loser left nothing behind: the thread counts the first message and one event.
    assert thread_rows(order_id)[0].message_count == 2


def test_two_closes_at_once_close_once(app, order, staff, staff2, as_customer, monkeypatch):
    services.open_dispute(order, as_customer, "broken")
    meet_after_first_call(monkeypatch, disputes_module, "open_dispute_of", 2)
    order_id = order.id

    def closes(staff_id: int) -> Callable[[], Any]:
        def run() -> Any:
            o, actor = as_staff_member(order_id, staff_id)
            return services.close_dispute(o, actor).id

        return run

    results = run_together(app, [closes(staff.id), closes(staff2.id)])
    assert sum(isinstance(r, int) for r in results) == 1, results
    assert sum(isinstance(r, DisputeError) for r in results) == 1, results
    m = ext.models.Message
    db.session.rollback()  # end the transaction: a fresh snapshot under REPEATABLE READ
    closed_events = db.session.execute(
        sa.select(sa.func.count()).where(m.event == "dispute_closed")
    ).scalar()
    assert closed_events == 1
    assert services.open_dispute_of(order) is None


def test_of_two_staff_replies_at_once_the_second_is_asked_first(app, order, staff, staff2):
    # The thread's row lock decides: the second reply waits for the first one's commit, then
    # finds it newer than what its writer had seen.  SQLite has no row locks (its reads take
    # none), so there the two may both go through when they come within milliseconds.
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite locks no rows: the race is decided on PostgreSQL and MariaDB")
    from flask_order_messages.errors import NewerEntryError

    services.post_message(order, services.customer_actor(order_owner(order)), "Hello?")
    seen = services.get_thread(order).last_message_id
    # Read here, never in the workers: an expired row would load on this thread's connection.
    order_id, first, second = order.id, staff.id, staff2.id
    start = threading.Barrier(2, timeout=20)

    def answer(staff_id: int, body: str) -> Any:
        o, actor = as_staff_member(order_id, staff_id)
        start.wait()
        return services.post_message(o, actor, body, seen_id=seen).id

    results = run_together(app, [lambda: answer(first, "A"), lambda: answer(second, "B")])
    asked = [r for r in results if isinstance(r, NewerEntryError)]
    sent = [r for r in results if isinstance(r, int)]
    assert len(asked) == 1 and len(sent) == 1, results
    thread = thread_rows(order_id)[0]
    assert len(bodies(thread.id)) == 2  # "Hello?" and one answer
    assert asked[0].entry_id == sent[0]


def order_owner(order: Any) -> Any:
    return db.session.get(User, order.customer_id)
