"""The team inbox: assignment (from the thread and in bulk), the Mine / Unassigned / All views,
the thread status (moved by the conversation and by hand) and its filter, their events, the
assignee's mail and the signals; on every host key shape."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa

from flask_order_messages import current_order_messages, signals

from . import committing as services
from .conftest import User, db, make_order, text_of
from .hosts import SHOP_SHAPES, shop

P = "/order-messages"


def thread_of(order: Any) -> Any:
    db.session.expire_all()
    thread = services.get_thread(order)
    assert thread is not None
    return thread


def team_events(order: Any) -> list[str]:
    m = current_order_messages.models.Message
    stmt = (
        sa.select(m.body)
        .where(m.thread_id == thread_of(order).id, m.event.is_not(None), m.kind == "note")
        .order_by(m.id)
    )
    return list(db.session.execute(stmt).scalars())


def row_orders(page: str) -> list[str]:
    """The order numbers of the Messages list's rows, in order."""
    return re.findall(r'<td class="om-order">\s*<a href="[^"]*">#(\d+)</a>', page)


@pytest.fixture
def recorded() -> Any:
    seen: list[tuple[str, dict[str, Any]]] = []

    def on_assigned(sender: Any, **kw: Any) -> None:
        seen.append(("assigned", kw))

    def on_status(sender: Any, **kw: Any) -> None:
        seen.append(("status", kw))

    signals.thread_assigned.connect(on_assigned)
    signals.status_changed.connect(on_status)
    yield seen
    signals.thread_assigned.disconnect(on_assigned)
    signals.status_changed.disconnect(on_status)


def test_the_conversation_moves_the_status_and_a_note_does_not(
    app, order, as_staff, as_customer, recorded
):
    services.post_message(order, as_customer, "Where is my parcel?")
    thread = thread_of(order)
    assert (thread.status, thread.status_changed_at) == ("open", None)
    services.post_message(order, as_staff, "It left yesterday.")
    thread = thread_of(order)
    assert thread.status == "waiting" and thread.status_changed_at is not None
    changed_at = thread.status_changed_at
    services.post_message(order, as_staff, "Carrier is slow", note=True)
    services.post_message(order, as_staff, "Tracking: 123")
    thread = thread_of(order)
    assert (thread.status, thread.status_changed_at) == ("waiting", changed_at)
    services.post_message(order, as_customer, "Thanks!")
    assert thread_of(order).status == "open"
    # Automatic moves are no events and send no signal.
    assert team_events(order) == [] and recorded == []


def test_status_by_hand_from_the_thread_is_an_event_and_a_customer_reopens(
    app, order, staff, as_customer, browser, recorded
):
    services.post_message(order, as_customer, "Where is my parcel?")
    browser.login(staff)
    page = browser.get(f"{P}/admin/orders/{order.id}").get_data(as_text=True)
    assert '<label for="om-status-1" class="om-label">Status</label>' in page
    response = browser.post(f"{P}/admin/orders/{order.id}/status", {"status": "closed"})
    assert response.status_code == 303
    assert thread_of(order).status == "closed"
    assert team_events(order) == ["Closed by Admin Admin"]
    assert [(kind, kw["status"], kw["previous"]) for kind, kw in recorded] == [
        ("status", "closed", "open")
    ]
    # Setting the same status again changes nothing; an unknown one is refused.
    browser.post(f"{P}/admin/orders/{order.id}/status", {"status": "closed"})
    response = browser.post(f"{P}/admin/orders/{order.id}/status", {"status": "snoozed"})
    assert response.status_code == 400 and "Unknown status" in text_of(response)
    assert len(team_events(order)) == 1
    services.post_message(order, as_customer, "Still nothing!")
    assert thread_of(order).status == "open"
    # The customer never sees the staff's events.
    browser.login(order_owner := db.session.get(User, order.customer_id))
    assert order_owner is not None
    assert "Closed by" not in text_of(browser.get(f"{P}/orders/{order.id}"))


def test_assign_from_the_thread_mails_the_assignee_once_and_records_it(
    app, order, staff, staff2, as_customer, browser, outbox, recorded
):
    services.post_message(order, as_customer, "Where is my parcel?")
    outbox.clear()
    browser.login(staff)
    page = browser.get(f"{P}/admin/orders/{order.id}").get_data(as_text=True)
    assert f'<option value="{staff2.id}">Second Staff</option>' in page
    assert "Carol Customer</option>" not in page  # customers are no staff members
    response = browser.post(f"{P}/admin/orders/{order.id}/assign", {"assignee": str(staff2.id)})
    assert response.status_code == 303
    assert thread_of(order).assignee_id == staff2.id
    assert [m.recipients for m in outbox] == [["second.staff@example.test"]]
    assert "assigned the messages about order #00001 to you" in outbox[0].body
    ((kind, kw),) = recorded
    assert kind == "assigned" and kw["assignee"].id == staff2.id and kw["previous"] is None

    # "Assign to me": no mail to oneself.
    response = browser.post(f"{P}/admin/orders/{order.id}/assign", {"to_me": "1"})
    assert response.status_code == 303 and thread_of(order).assignee_id == staff.id
    assert len(outbox) == 1
    browser.post(f"{P}/admin/orders/{order.id}/assign", {"assignee": ""})
    assert thread_of(order).assignee_id is None
    assert team_events(order) == [
        "Assigned to Second Staff by Admin Admin",
        "Admin Admin assigned this thread to themselves",
        "Unassigned by Admin Admin",
    ]
    page = text_of(browser.get(f"{P}/admin/orders/{order.id}"))
    assert "Unassigned by Admin Admin" in page and "Assigned to: Nobody" in page


def test_only_staff_members_can_be_assigned(app, order, staff, customer, as_customer, browser):
    services.post_message(order, as_customer, "Hello")
    browser.login(staff)
    response = browser.post(f"{P}/admin/orders/{order.id}/assign", {"assignee": str(customer.id)})
    assert response.status_code == 400
    assert "Choose one of the staff members listed." in text_of(response)
    assert thread_of(order).assignee_id is None and team_events(order) == []


@pytest.fixture
def four_threads(app, staff, staff2, customer):
    """Four orders with a customer message each: mine, my colleague's, nobody's, closed."""
    orders = [make_order(customer) for _ in range(4)]
    for order in orders:
        services.post_message(order, services.customer_actor(customer), f"About {order.id}")
    me, colleague = services.staff_actor(staff), services.staff_actor(staff2)
    services.assign(orders[0], me, "me")
    services.assign(orders[1], me, str(staff2.id))
    services.set_status(orders[3], colleague, "closed")
    return orders


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["00003", "00002", "00001"]),  # open and waiting, everyone's
        ("?view=mine", ["00001"]),
        ("?view=unassigned", ["00003"]),
        ("?view=unassigned&status=all", ["00004", "00003"]),
        ("?status=closed", ["00004"]),
        ("?status=all", ["00004", "00003", "00002", "00001"]),
        ("?status=waiting", []),
    ],
)
def test_views_and_status_filter(app, staff, four_threads, browser, query, expected):
    browser.login(staff)
    response = browser.get(f"{P}/admin/messages{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert row_orders(page) == expected
    if "00002" in expected:
        assert '<td class="om-assignee" data-om-label="Assigned to">Second Staff</td>' in page


def test_a_bad_view_or_status_is_refused(app, staff, browser):
    browser.login(staff)
    for query in ("?view=theirs", "?status=snoozed"):
        response = browser.get(f"{P}/admin/messages{query}")
        assert response.status_code == 400, query


def test_bulk_assign_unassign_close_and_reopen(app, staff, staff2, four_threads, browser, outbox):
    browser.login(staff)
    ids = [thread_of(o).id for o in four_threads[:3]]
    outbox.clear()
    back = {"view": "unassigned", "status": "all"}
    response = browser.post(
        f"{P}/admin/messages/assign", {"thread_id": ids, "assignee": str(staff2.id), **back}
    )
    assert response.status_code == 303
    location = response.headers["Location"]
    assert "/admin/messages?view=unassigned&status=all&marked=assigned&count=2" in location
    assert [thread_of(o).assignee_id for o in four_threads[:3]] == [staff2.id] * 3
    # One mail per thread newly assigned (the one that was theirs already: none).
    assert len(outbox) == 2
    # The list says what each bulk change did.
    # ... and how many of the ticked ones it left as they were.
    assert "2 threads assigned. 1 selected thread was so already." in text_of(browser.get(location))

    def said(path: str, form: dict) -> str:
        response = browser.post(f"{P}/admin/messages/{path}", form)
        assert response.status_code == 303
        return text_of(browser.get(response.headers["Location"]))

    assert "1 thread unassigned." in said("assign", {"thread_id": ids[:1], "unassign": "1"})
    assert thread_of(four_threads[0]).assignee_id is None
    assert "3 threads closed." in said("status", {"thread_id": ids, "new_status": "closed"})
    assert [thread_of(o).status for o in four_threads] == ["closed"] * 4
    assert "1 thread reopened." in said("status", {"thread_id": ids[1:2], "new_status": "open"})
    assert thread_of(four_threads[1]).status == "open"
    assert "No threads reopened (the ticked ones were so already)." in said(
        "status", {"thread_id": ids[1:2], "new_status": "open"}
    )
    assert team_events(four_threads[1])[-2:] == ["Closed by Admin Admin", "Reopened by Admin Admin"]
    # Nothing ticked: refused in words, nothing changed.
    response = browser.post(f"{P}/admin/messages/status", {"new_status": "closed"})
    assert response.status_code == 400 and "Tick the threads" in text_of(response)


def test_customers_cannot_use_the_services(app, order, as_customer):
    services.post_message(order, as_customer, "Hello")
    with pytest.raises(PermissionError):
        services.assign(order, as_customer, "me")
    with pytest.raises(PermissionError):
        services.set_status(order, as_customer, "closed")


@pytest.mark.parametrize(
    "name", ["declarative-base-uuid-keys", "string-key-token-url", "all-at-once"]
)
def test_assignment_and_status_on_any_host_shape(tmp_path, name):
    with shop(tmp_path, SHOP_SHAPES[name]) as h:
        ann = h.add_user("Ann Admin", admin=True, email="ann@shop.test")
        bob = h.add_user("Bob Admin", admin=True, email="bob@shop.test")
        carol = h.add_user("Carol Customer", email="carol@example.test")
        order = h.add_order(carol)
        key = h.ext.order_key(order)
        as_carol = h.login(h.app.test_client(), carol)
        assert h.post(as_carol, f"{P}/orders/{key}/messages", {"body": "Hi"}).status_code == 303
        as_ann = h.login(h.app.test_client(), ann)
        page = h.get(as_ann, f"{P}/admin/orders/{key}").get_data(as_text=True)
        assert f'value="{bob.id}">' in page
        url = f"{P}/admin/orders/{key}/assign"
        assert h.post(as_ann, url, {"assignee": str(bob.id)}).status_code == 303
        assert (
            h.post(as_ann, f"{P}/admin/orders/{key}/status", {"status": "waiting"}).status_code
            == 303
        )
        t = h.ext.models.Thread
        h.db.session.rollback()
        thread = h.db.session.execute(sa.select(t)).scalar_one()
        assert (thread.assignee_id, thread.status) == (bob.id, "waiting")
        as_bob = h.login(h.app.test_client(), bob)
        mine = h.get(as_bob, f"{P}/admin/messages?view=mine&status=all").get_data(as_text=True)
        assert mine.count('class="om-row') == 1
        assert '<td class="om-assignee" data-om-label="Assigned to">—</td>' not in mine
        assert 'data-om-label="Assigned to">' in mine


def test_showing_assignees_and_statuses_keeps_the_list_constant(app, staff, staff2, browser):
    """Assignees per row (one a former staff member, found by one more query) and statuses:
    the same statements with 4 threads as with 40."""
    from .test_query_counts import same_count, statements_for

    carol = User(name="Carol", email="carol@example.test")
    former = User(name="Former Staff", email="former@example.test", is_admin=True)
    db.session.add_all([carol, former])
    db.session.commit()
    me = services.staff_actor(staff)

    def add(n: int) -> None:
        for i in range(n):
            order = make_order(carol)
            services.post_message(order, services.customer_actor(carol), f"Question {i}")
            who = [str(staff.id), str(staff2.id), str(former.id), ""][i % 4]
            services.assign(order, me, who)
            if i % 3 == 0:
                services.set_status(order, me, "waiting")

    add(4)
    former.is_admin = False  # no longer staff: their name comes from the user table
    db.session.commit()
    browser.login(staff)
    browser.get(f"{P}/admin/messages")
    small = statements_for(browser, f"{P}/admin/messages?status=all", shows="Former Staff")
    add(36)
    large = statements_for(browser, f"{P}/admin/messages?status=all", shows="Former Staff")
    same_count(small, large)
