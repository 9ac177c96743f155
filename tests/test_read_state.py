"""Read state: per person, never your own messages, mark read/unread, counts and the bell."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from flask_order_messages import signals
from flask_order_messages.extension import current_order_messages as ext
from flask_order_messages.services.reading import advance_pointer

from . import committing as services
from .conftest import db, make_order


def post(order: Any, actor: Any, body: str = "hello", **kw: Any) -> Any:
    return services.post_message(order, actor, body, **kw)


def tid(order: Any) -> int:
    return int(services.get_thread(order).id)


def unread(actor: Any, order: Any) -> int:
    return services.order_unread_count(order, actor)


@pytest.fixture
def as_staff2(staff2):
    return services.staff_actor(staff2)


@pytest.fixture
def as_stranger(stranger):
    return services.customer_actor(stranger)


# -- per person ---------------------------------------------------------------------------


def test_read_state_is_per_person(order, as_customer, as_staff, as_staff2):
    post(order, as_customer, "one")
    post(order, as_customer, "two")
    assert unread(as_staff, order) == unread(as_staff2, order) == 2

    services.thread_view(order, as_staff)
    assert unread(as_staff, order) == 0
    assert services.bell_counts(as_staff)["unread_threads"] == 0
    # The colleague's marks did not move.
    assert unread(as_staff2, order) == 2
    assert services.bell_counts(as_staff2)["unread_threads"] == 1

    services.mark_unread(as_staff2, [tid(order)])
    services.mark_read(as_staff2)
    assert unread(as_staff2, order) == 0
    assert unread(as_staff, order) == 0
    services.mark_unread(as_staff, [tid(order)])
    assert unread(as_staff, order) == 1
    assert unread(as_staff2, order) == 0


def test_a_colleagues_reply_is_news_to_the_other_staff(order, as_customer, as_staff, as_staff2):
    post(order, as_customer, "question")
    services.mark_read(as_staff2)
    post(order, as_staff, "answer")
    # Staff 2 has not seen what staff 1 wrote; staff 1 has nothing unread.
    assert unread(as_staff2, order) == 1
    assert services.bell_counts(as_staff2)["unread_threads"] == 1
    assert unread(as_staff, order) == 0
    assert services.bell_counts(as_staff)["unread_threads"] == 0


# -- your own messages --------------------------------------------------------------------


def test_your_own_messages_never_count_as_unread(order, as_customer, as_staff):
    post(order, as_staff, "We shipped it")
    post(order, as_staff, "Tracking: 123")
    assert unread(as_staff, order) == 0
    assert services.bell_counts(as_staff)["unread_threads"] == 0
    assert services.list_threads(as_staff, filter="unread").total == 0
    assert services.thread_view(order, as_staff, mark=False).first_unread_id is None
    # The customer has both.
    assert unread(as_customer, order) == 2


def test_own_message_as_the_newest_does_not_hide_older_unread(order, as_customer, as_staff):
    first = post(order, as_customer, "one")
    post(order, as_customer, "two")
    # The customer writes again: still nothing unread for them, two for staff.
    post(order, as_customer, "three")
    assert unread(as_customer, order) == 0
    assert services.customer_unread_summary(as_customer) == (0, None)
    assert unread(as_staff, order) == 3
    view = services.thread_view(order, as_staff, mark=False)
    assert view.first_unread_id == first.id


def test_writing_into_a_thread_means_having_read_it(order, as_customer, as_staff):
    post(order, as_customer, "one")
    post(order, as_customer, "two")
    post(order, as_staff, "reply without opening the tab")
    assert unread(as_staff, order) == 0
    assert services.bell_counts(as_staff)["unread_threads"] == 0


def test_an_event_by_someone_else_is_unread_and_by_you_is_not(order, as_customer, as_staff):
    services.open_dispute(order, as_customer, "Never arrived")
    assert unread(as_staff, order) == 1
    assert unread(as_customer, order) == 0
    services.mark_read(as_staff)
    services.close_dispute(order, as_staff)
    assert unread(as_staff, order) == 0
    assert unread(as_customer, order) == 1


def test_staff_notes_never_count_for_the_customer(order, as_customer, as_staff, as_staff2):
    post(order, as_customer, "hello")
    services.mark_read(as_customer)
    post(order, as_staff, "internal: call the courier", note=True)
    assert unread(as_customer, order) == 0
    assert services.bell_counts(as_customer)["unread_threads"] == 0
    assert services.customer_unread_summary(as_customer) == (0, None)
    # The other staff member does see the note as new.
    assert unread(as_staff2, order) == 2
    # "Mark unread" for the customer lands on a message they can see, not on the note.
    services.mark_unread(as_customer, [tid(order)])
    assert unread(as_customer, order) == 0


# -- mark unread never touches your own messages ------------------------------------------


def test_mark_unread_on_a_thread_of_only_your_own_messages_keeps_it_read(
    order, as_staff, as_customer
):
    post(order, as_staff, "We started this thread")
    post(order, as_staff, "and wrote again")
    before = services.last_read_id(as_staff, tid(order))
    services.mark_unread(as_staff, [tid(order)])
    services.mark_unread(as_staff)
    assert unread(as_staff, order) == 0
    assert services.bell_counts(as_staff)["unread_threads"] == 0
    assert services.last_read_id(as_staff, tid(order)) == before
    assert unread(as_customer, order) == 2


def test_mark_unread_makes_only_the_newest_other_message_unread(order, as_customer, as_staff):
    post(order, as_customer, "one")
    newest_other = post(order, as_customer, "two")
    services.thread_view(order, as_staff)
    post(order, as_staff, "three, mine")
    services.mark_unread(as_staff, [tid(order)])
    assert unread(as_staff, order) == 1
    assert services.unread_counts(as_staff, [tid(order)]) == {tid(order): 1}
    assert services.bell_counts(as_staff)["unread_threads"] == 1
    view = services.thread_view(order, as_staff)
    assert view.first_unread_id == newest_other.id
    assert view.unread == 1
    # Only the staff member's own state moved; the customer still has "three" unread.
    assert unread(as_customer, order) == 1


def test_mark_unread_does_not_leak_into_the_customers_state(order, as_customer, as_staff):
    post(order, as_customer, "one")
    post(order, as_staff, "two")
    services.mark_read(as_customer)
    services.mark_unread(as_staff)
    assert unread(as_customer, order) == 0
    services.mark_unread(as_customer)
    assert unread(as_customer, order) == 1
    assert unread(as_staff, order) == 1


# -- mark one, several, all ---------------------------------------------------------------


@pytest.fixture
def three(customer, as_customer):
    orders = [make_order(customer) for _ in range(3)]
    for i, o in enumerate(orders):
        for n in range(i + 1):
            post(o, as_customer, f"order {i} message {n}")
    return orders


def test_mark_one_several_all_read_and_unread(three, as_staff):
    a, b, c = three
    assert services.bell_counts(as_staff)["unread_threads"] == 3
    assert services.unread_counts(as_staff, [tid(o) for o in three]) == {
        tid(a): 1,
        tid(b): 2,
        tid(c): 3,
    }

    services.mark_read(as_staff, [tid(b)])
    assert [unread(as_staff, o) for o in three] == [1, 0, 3]

    services.mark_read(as_staff, [tid(a), tid(c)])
    assert [unread(as_staff, o) for o in three] == [0, 0, 0]
    assert services.bell_counts(as_staff)["unread_threads"] == 0

    services.mark_unread(as_staff)
    assert [unread(as_staff, o) for o in three] == [1, 1, 1]
    assert services.bell_counts(as_staff)["unread_threads"] == 3

    services.mark_read(as_staff)
    assert services.bell_counts(as_staff)["unread_threads"] == 0

    services.mark_unread(as_staff, [tid(a), tid(c)])
    assert [unread(as_staff, o) for o in three] == [1, 0, 1]
    services.mark_unread(as_staff, [tid(b)])
    assert services.bell_counts(as_staff)["unread_threads"] == 3
    # Threads without anything unread are absent from the per-thread counts.
    services.mark_read(as_staff, [tid(b)])
    assert tid(b) not in services.unread_counts(as_staff, [tid(o) for o in three])


def test_marking_nothing_changes_nothing_and_sends_nothing(three, as_staff, app):
    seen: list[Any] = []
    with signals.thread_read.connected_to(lambda sender, **kw: seen.append(kw), sender=app):
        services.mark_read(as_staff, [])
        services.mark_unread(as_staff, [])
    assert seen == []
    assert services.bell_counts(as_staff)["unread_threads"] == 3


def test_mark_read_and_unread_send_thread_read(three, as_staff, staff, app):
    seen: list[tuple[Any, dict[str, Any]]] = []

    def receiver(sender: Any, **kw: Any) -> None:
        seen.append((sender, kw))

    with signals.thread_read.connected_to(receiver, sender=app):
        services.mark_read(as_staff, [tid(three[0])])
        services.mark_unread(as_staff)
        services.thread_view(three[1], as_staff)
    assert [s for s, _ in seen] == [app, app, app]
    assert [kw for _, kw in seen] == [
        {"user_id": staff.id, "thread_ids": [tid(three[0])], "read": True, "shared": False},
        {"user_id": staff.id, "thread_ids": None, "read": False, "shared": False},
        {"user_id": staff.id, "thread_ids": [tid(three[1])], "read": True, "shared": False},
    ]


# -- the bell -----------------------------------------------------------------------------


def test_bell_counts_unread_threads_and_open_disputes(three, as_staff, as_customer):
    a, b, c = three
    assert services.bell_counts(as_staff) == {
        "unread_threads": 3,
        "open_disputes": 0,
        "overdue_disputes": 0,
    }
    services.open_dispute(a, as_customer, "Broken")
    # A dispute event on an already unread thread does not count it twice.
    assert services.bell_counts(as_staff) == {
        "unread_threads": 3,
        "open_disputes": 1,
        "overdue_disputes": 0,
    }
    # Staff opening a dispute have read that thread (they wrote into it).
    services.open_dispute(c, as_staff, "Payment reversed")
    assert services.bell_counts(as_staff) == {
        "unread_threads": 2,
        "open_disputes": 2,
        "overdue_disputes": 0,
    }
    services.mark_read(as_staff)
    assert services.bell_counts(as_staff) == {
        "unread_threads": 0,
        "open_disputes": 2,
        "overdue_disputes": 0,
    }
    services.close_dispute(a, as_staff)
    assert services.bell_counts(as_staff) == {
        "unread_threads": 0,
        "open_disputes": 1,
        "overdue_disputes": 0,
    }
    # The customer's bell: staff's dispute event on c is unread for them.
    assert services.bell_counts(as_customer) == {"unread_threads": 2, "open_disputes": 1}


# -- pointers only move forward -----------------------------------------------------------


def test_a_pointer_never_moves_backwards(order, as_customer, as_staff):
    first = post(order, as_customer, "one")
    post(order, as_customer, "two")
    third = post(order, as_customer, "three")
    thread_id = tid(order)
    services.mark_read(as_staff, [thread_id])
    assert services.last_read_id(as_staff, thread_id) == third.id

    # A slow request that still holds the old state advances to an older message...
    advance_pointer(as_staff, thread_id, first.id)
    db.session.commit()
    assert services.last_read_id(as_staff, thread_id) == third.id

    # ...or marks read from a thread row read before the newer messages arrived.
    t = ext.models.Thread
    db.session.execute(sa.update(t).where(t.id == thread_id).values(last_message_id=first.id))
    services.mark_read(as_staff, [thread_id])
    assert services.last_read_id(as_staff, thread_id) == third.id
    assert unread(as_staff, order) == 0


def test_mark_unread_is_the_one_move_back_and_goes_exactly_one_message(
    order, as_customer, as_staff
):
    post(order, as_customer, "one")
    second = post(order, as_customer, "two")
    services.mark_read(as_staff)
    services.mark_unread(as_staff, [tid(order)])
    assert services.last_read_id(as_staff, tid(order)) == second.id - 1
    # Marking unread twice does not keep going back.
    services.mark_unread(as_staff, [tid(order)])
    assert unread(as_staff, order) == 1


# -- customers see only their own orders --------------------------------------------------


def test_a_customers_counts_only_cover_their_own_orders(
    order, customer, stranger, as_customer, as_stranger, as_staff
):
    theirs = make_order(stranger)
    post(order, as_staff, "for Carol")
    post(theirs, as_staff, "for Sam")
    post(theirs, as_staff, "for Sam again")
    services.open_dispute(theirs, as_staff, "Chargeback on Sam's order")

    assert services.bell_counts(as_customer) == {"unread_threads": 1, "open_disputes": 0}
    assert services.bell_counts(as_stranger) == {"unread_threads": 1, "open_disputes": 1}
    assert services.customer_unread_summary(as_customer) == (1, order.id)
    assert services.customer_unread_summary(as_stranger) == (3, theirs.id)
    assert services.list_threads(as_customer).total == 1
    # Asking about someone else's thread or order yields nothing.
    assert services.unread_counts(as_customer, [tid(theirs)]) == {}
    assert services.unread_by_order(as_customer, [order.id, theirs.id]) == {order.id: 1}

    # Marking "all" covers only the customer's own threads.
    services.mark_read(as_customer)
    services.mark_read(as_customer, [tid(theirs)])
    assert services.last_read_id(as_customer, tid(theirs)) == 0
    assert services.bell_counts(as_customer)["unread_threads"] == 0
    assert services.bell_counts(as_stranger)["unread_threads"] == 1
    services.mark_unread(as_customer)
    assert services.last_read_id(as_customer, tid(theirs)) == 0
    assert services.bell_counts(as_customer)["unread_threads"] == 1


# -- viewing a thread ---------------------------------------------------------------------


def test_viewing_a_thread_marks_it_read_and_reports_the_first_unread(order, as_customer, as_staff):
    post(order, as_customer, "one")
    services.thread_view(order, as_staff)
    second = post(order, as_customer, "two")
    post(order, as_customer, "three")

    peek = services.thread_view(order, as_staff, mark=False)
    assert (peek.unread, peek.first_unread_id) == (2, second.id)
    assert unread(as_staff, order) == 2

    view = services.thread_view(order, as_staff)
    assert [e.body for e in view.entries] == ["one", "two", "three"]
    assert (view.unread, view.first_unread_id) == (2, second.id)
    assert unread(as_staff, order) == 0
    assert services.bell_counts(as_staff)["unread_threads"] == 0

    again = services.thread_view(order, as_staff)
    assert (again.unread, again.first_unread_id) == (0, None)


def test_viewing_an_order_without_a_thread(order, as_staff):
    view = services.thread_view(order, as_staff)
    assert view.thread is None and view.entries == [] and view.first_unread_id is None
    assert services.order_unread_count(order, as_staff) == 0
    assert services.get_thread(order) is None
