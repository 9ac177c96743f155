"""Read floors (services/floors.py): the staff bell counts through them and stays exact.

Each test ages the entries past the floor's margin where it needs the floor to move, raises
the floor, and checks the count against the per-thread counts (which never use the floor)
and against what the person was shown.  ``narrow`` is checked too: the point of the
floor is that old read threads are no longer looked at.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import sqlalchemy as sa
from flask import g

from flask_order_messages.extension import current_order_messages as ext
from flask_order_messages.services import floors

from . import committing as services
from .conftest import User, db, make_order
from .host_pages import P
from .test_concurrency import run_together


def age_everything() -> None:
    """Every entry so far becomes older than the floor's margin."""
    for entry in db.session.execute(sa.select(ext.models.Message)).scalars():
        entry.created_at -= floors.margin() + timedelta(minutes=1)
    db.session.commit()


def candidate_ids(actor) -> set[int]:
    t = ext.models.Thread
    return set(db.session.execute(floors.narrow(sa.select(t.id), actor)).scalars())


def exact_unread_threads(actor) -> int:
    """The count without the floor: threads with any unread entry, one by one."""
    ids = db.session.execute(sa.select(ext.models.Thread.id)).scalars().all()
    return len(services.unread_counts(actor, ids))


def floor_of(actor) -> int:
    f = ext.models.ReadFloor
    return int(db.session.execute(sa.select(f.floor_id).where(f.user_id == actor.id)).scalar())


def threads(customer, count: int, actor) -> list:
    orders = [make_order(customer) for _ in range(count)]
    for order in orders:
        services.post_message(order, actor, f"About order {order.id}")
    return orders


def test_old_read_threads_leave_the_count_and_unread_ones_stay(app, staff, customer):
    as_staff, as_customer = services.staff_actor(staff), services.customer_actor(customer)
    orders = threads(customer, 6, as_customer)
    for order in orders[:4]:
        services.thread_view(order, as_staff)  # read four, two stay unread
    age_everything()
    floors.refresh(as_staff)
    all_ids = {services.get_thread(o).id for o in orders}
    unread_ids = {services.get_thread(o).id for o in orders[4:]}
    assert floor_of(as_staff) == max(m.id for m in db.session.query(ext.models.Message))
    assert candidate_ids(as_staff) == unread_ids  # the four read threads are not looked at
    assert services.unread_thread_count(as_staff) == 2 == exact_unread_threads(as_staff)
    # Reading one of the listed threads: the count drops at once, the list at the next refresh.
    services.thread_view(orders[4], as_staff)
    assert services.unread_thread_count(as_staff) == 1 == exact_unread_threads(as_staff)
    floors.refresh(as_staff)
    assert candidate_ids(as_staff) == {services.get_thread(orders[5]).id}
    # A new message on an old read thread lifts it above the floor by itself.
    services.post_message(orders[0], as_customer, "One more thing")
    assert services.unread_thread_count(as_staff) == 2 == exact_unread_threads(as_staff)
    assert candidate_ids(as_staff) < all_ids


def test_recent_entries_stay_above_the_floor(app, staff, customer):
    """An entry younger than the margin may belong to a transaction that commits after the
    floor moved: the floor never passes it."""
    as_staff, as_customer = services.staff_actor(staff), services.customer_actor(customer)
    old = threads(customer, 2, as_customer)
    age_everything()
    recent = threads(customer, 1, as_customer)
    floors.refresh(as_staff)
    newest_old = max(services.get_thread(o).last_message_id for o in old)
    assert floor_of(as_staff) == newest_old
    assert services.get_thread(recent[0]).last_message_id > floor_of(as_staff)
    assert services.unread_thread_count(as_staff) == 3 == exact_unread_threads(as_staff)


def test_mark_unread_below_the_floor_is_counted(app, staff, customer):
    as_staff, as_customer = services.staff_actor(staff), services.customer_actor(customer)
    orders = threads(customer, 3, as_customer)
    services.mark_read(as_staff)
    age_everything()
    floors.refresh(as_staff)
    assert services.unread_thread_count(as_staff) == 0 and candidate_ids(as_staff) == set()
    services.mark_unread(as_staff, [services.get_thread(orders[1]).id])
    assert services.unread_thread_count(as_staff) == 1 == exact_unread_threads(as_staff)
    floors.refresh(as_staff)  # still unread: it stays listed
    assert services.unread_thread_count(as_staff) == 1
    # "Mark all unread" lowers the floor to 0 instead of listing every thread.
    services.mark_unread(as_staff)
    assert floor_of(as_staff) == 0
    assert services.unread_thread_count(as_staff) == 3 == exact_unread_threads(as_staff)


def test_the_messages_section_and_bell_agree_with_the_floor(app, staff, customer, browser):
    as_staff, as_customer = services.staff_actor(staff), services.customer_actor(customer)
    orders = threads(customer, 5, as_customer)
    services.mark_read(as_staff, [services.get_thread(o).id for o in orders[:3]])
    age_everything()
    browser.login(staff)
    # The JSON bell raises a missing floor, then counts through it.
    assert browser.get(f"{P}/api/counts").get_json()["unread_threads"] == 2
    assert floor_of(as_staff) > 0
    page = services.list_threads(as_staff)
    assert page.unread_total == 2 and page.total == 5
    assert [r.thread.order_id for r in page.rows[:2]] == [orders[4].id, orders[3].id]
    assert services.list_threads(as_staff, filter="unread").total == 2


def test_a_floor_is_staff_only(app, customer):
    as_customer = services.customer_actor(customer)
    threads(customer, 1, as_customer)
    services.refresh_read_floor(as_customer)
    assert db.session.execute(sa.select(ext.models.ReadFloor)).first() is None


def test_mark_unread_and_a_refresh_at_once(app, staff, customer, monkeypatch):
    """The race the floor lock is for: "mark unread" has listed a thread and moved its pointer
    back but not committed, while a refresh drops listed threads that look read.  Without the
    lock the refresh drops it from the list (it still looks read in its snapshot) and the
    thread, below the floor, vanishes from the count for good."""
    as_staff, as_customer = services.staff_actor(staff), services.customer_actor(customer)
    orders = threads(customer, 2, as_customer)
    age_everything()
    floors.refresh(as_staff)  # both unread: listed
    thread_id = services.get_thread(orders[0]).id
    services.mark_read(as_staff, [thread_id])  # read, but still listed until a refresh
    staff_id = staff.id

    holding, released = threading.Event(), threading.Event()
    real_commit = services.commit  # the commit that ends mark_unread's unit of work

    def slow_commit() -> None:
        if threading.current_thread() is not threading.main_thread():
            holding.set()
            released.wait(timeout=1.0)
        real_commit()

    monkeypatch.setattr(services, "commit", slow_commit)

    def mark_unread() -> None:
        services.mark_unread(services.staff_actor(db.session.get(User, staff_id)), [thread_id])

    def refresh() -> None:
        assert holding.wait(timeout=10)
        floors.refresh(services.staff_actor(db.session.get(User, staff_id)))
        released.set()

    results = run_together(app, [mark_unread, refresh])
    assert results == [None, None]
    db.session.rollback()
    g.pop("order_messages_floors", None)
    assert services.unread_thread_count(as_staff) == 2 == exact_unread_threads(as_staff)


def test_reset_read_floors_after_an_import_that_committed_late(app, staff, customer):
    """A message whose transaction committed long after its id was taken can land under a
    floor unlisted (a bulk import, say); the CLI command lowers every floor again."""
    as_staff, as_customer = services.staff_actor(staff), services.customer_actor(customer)
    orders = threads(customer, 2, as_customer)
    services.mark_read(as_staff)
    age_everything()
    floors.refresh(as_staff)
    # The "import": an entry below the floor, on a read thread, that no refresh ever saw.
    thread = services.get_thread(orders[0])
    m = ext.models.Message
    old_id = db.session.execute(sa.select(sa.func.min(m.id))).scalar()
    db.session.execute(sa.update(m).where(m.id == old_id).values(author_id=None))
    db.session.execute(
        sa.update(ext.models.ReadPointer)
        .where(ext.models.ReadPointer.thread_id == thread.id)
        .values(last_read_id=0)
    )
    db.session.commit()
    assert exact_unread_threads(as_staff) == 1
    assert services.unread_thread_count(as_staff) == 0  # missed: under the floor, not listed

    result = app.test_cli_runner().invoke(args=["order-messages", "reset-read-floors"])
    assert result.exit_code == 0 and "Reset 1 read floor." in result.output
    assert services.unread_thread_count(as_staff) == 1
    services.refresh_read_floor(as_staff)  # stale now: raised again, the thread listed
    assert floor_of(as_staff) > 0
    assert services.unread_thread_count(as_staff) == 1 == exact_unread_threads(as_staff)
