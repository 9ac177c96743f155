"""A shared read state (ORDER_MESSAGES_READ_STATE = "shared"): the staff read as one team.

Two staff members, Ann and Bob, and a customer, Carol, each in their own browser on the test
host's pages.  What a staff member notices of the read state -- the bell, the live bell's
JSON, the Messages list's unread filter and its "New" marks, the order tab's label, the
thread's "New messages" divider -- must say the same for both of them after either reads,
marks unread, replies or writes a note; and nothing of it may change for the customer.
Switching modes, other user key types, the migration and a model-based property test are in
``test_shared_read_modes.py``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, g

from flask_order_messages.extension import current_order_messages as ext
from flask_order_messages.services import floors, readers

from . import committing as services
from .conftest import Browser, User, db, fresh_tables, make_app, make_order
from .host_pages import P, customer_order_page, page, rows, staff_order_page, thread_section
from .test_concurrency import run_together

pytestmark = pytest.mark.usefixtures("host_pages")

MESSAGES = f"{P}/admin/messages"


@pytest.fixture
def app(tmp_path: Any) -> Iterator[Flask]:
    """The test host, its staff sharing their read marks (overrides conftest's ``app``)."""
    app = make_app(tmp_path, ORDER_MESSAGES_READ_STATE="shared")
    with app.app_context():
        fresh_tables()
    with app.test_request_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def ann(app: Flask, staff: User) -> Browser:
    return Browser(app).login(staff)


@pytest.fixture
def bob(app: Flask, staff2: User) -> Browser:
    return Browser(app).login(staff2)


@pytest.fixture
def carol(app: Flask, customer: User) -> Browser:
    return Browser(app).login(customer)


@pytest.fixture
def as_bob(staff2: User) -> Any:
    return services.staff_actor(staff2)


def tab_label(html: str) -> str:
    found = re.search(r'id="messages-tab">(.*?)</a>', html, re.S)
    assert found is not None
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def bell_number(html: str) -> int:
    found = re.search(r'data-om-count="unread_threads" title="Unread threads">(\d+)<', html)
    assert found is not None
    return int(found.group(1))


def new_marks(html: str) -> dict[str, str]:
    """{order number: "New <count>"} of the list's rows marked new."""
    marks = {}
    for row in rows(html):
        if row.unread:
            found = re.search(r"\bNew \d+", row.text)
            assert found is not None, row.text
            marks[row.text.split()[0]] = found.group(0)
    return marks


def what_staff_see(browser: Browser, order: Any) -> dict[str, Any]:
    """Every place a staff member sees the read state, on pages that do not read the thread:
    the bell, the live bell, the Messages list (unread filter, "New" marks), the order tab."""
    unread_list = page(browser.get(f"{MESSAGES}?filter=unread"))
    return {
        "bell": bell_number(page(browser.get("/admin/header"))),
        "live bell": browser.get(f"{P}/api/counts").get_json()["unread_threads"],
        "unread list": [row.text.split()[0] for row in rows(unread_list)],
        "new": new_marks(page(browser.get(MESSAGES))),
        "tab": tab_label(staff_order_page(browser, order, tab="details")),
    }


def unread_for_all(count: int) -> dict[str, Any]:
    """What :func:`what_staff_see` gives for one order (#00001) with ``count`` unread."""
    return {
        "bell": 1,
        "live bell": 1,
        "unread list": ["#00001"],
        "new": {"#00001": f"New {count}"},
        "tab": f"Messages {count}",
    }


READ = {"bell": 0, "live bell": 0, "unread list": [], "new": {}, "tab": "Messages"}


def divider_before(thread_html: str) -> str | None:
    """The text of the entry right after the "New messages" divider, or None."""
    if "New messages" not in thread_html:
        return None
    after = thread_html[thread_html.index("New messages") :]
    body = re.search(r'<div class="om-body" dir="auto">(.*?)</div>', after, re.S)
    assert body is not None
    return " ".join(re.sub(r"<[^>]+>", " ", body.group(1)).split())


def staff_thread(browser: Browser, order: Any) -> str:
    """The Messages tab's thread, as the staff member opens it (it reads the thread)."""
    return thread_section(staff_order_page(browser, order))


# -- reading ---------------------------------------------------------------------------------


def test_a_thread_read_by_one_staff_member_is_read_for_all(order, as_customer, ann, bob):
    services.post_message(order, as_customer, "Where is my parcel?")
    services.post_message(order, as_customer, "It was due on Monday.")
    assert what_staff_see(ann, order) == what_staff_see(bob, order) == unread_for_all(2)

    assert divider_before(staff_thread(ann, order)) == "Where is my parcel?"
    assert what_staff_see(bob, order) == READ
    assert divider_before(staff_thread(bob, order)) is None
    assert what_staff_see(ann, order) == READ


def test_the_live_thread_reads_for_all(order, as_customer, ann, bob):
    services.post_message(order, as_customer, "Where is my parcel?")
    entries = ann.get(f"{P}/api/admin/orders/{order.id}/entries?after=0").get_json()
    assert [e["html"] for e in entries["entries"]] == ["Where is my parcel?"]
    assert what_staff_see(bob, order) == READ


def test_marked_unread_by_one_is_unread_for_all(order, as_customer, ann, bob):
    services.post_message(order, as_customer, "Where is my parcel?")
    services.post_message(order, as_customer, "It was due on Monday.")
    staff_thread(ann, order)
    response = ann.post(f"{P}/admin/orders/{order.id}/unread")
    assert response.status_code == 303
    # The newest message is unread again, for Bob as much as for Ann.
    assert what_staff_see(bob, order) == what_staff_see(ann, order) == unread_for_all(1)
    assert divider_before(staff_thread(bob, order)) == "It was due on Monday."
    assert what_staff_see(ann, order) == READ


def test_marking_ticked_threads_and_all_is_for_all(customer, as_customer, ann, bob):
    orders = [make_order(customer) for _ in range(3)]
    for o in orders:
        services.post_message(o, as_customer, f"About order {o.id}")
    ids = {r.text.split()[0]: r.thread_id for r in rows(page(ann.get(MESSAGES)))}

    response = ann.post(
        f"{MESSAGES}/mark?scope=selected",
        {"action": "read", "thread_id": [ids["#00001"], ids["#00003"]]},
    )
    assert "2 threads marked read." in page(ann.get(response.headers["Location"]))
    assert new_marks(page(bob.get(MESSAGES))) == {"#00002": "New 1"}

    response = bob.post(f"{MESSAGES}/mark?scope=all", {"action": "unread"})
    assert "3 threads marked unread." in page(bob.get(response.headers["Location"]))
    assert new_marks(page(ann.get(MESSAGES))) == {n: "New 1" for n in ids}
    assert bell_number(page(ann.get("/admin/header"))) == 3

    response = ann.post(f"{MESSAGES}/mark?scope=all", {"action": "read"})
    assert "3 threads marked read." in page(ann.get(response.headers["Location"]))
    assert what_staff_see(bob, orders[0]) == READ


# -- what staff write --------------------------------------------------------------------------


def test_a_colleagues_reply_note_and_events_are_never_unread_to_staff(
    order, as_customer, as_bob, ann, bob, carol
):
    services.post_message(order, as_customer, "Where is my parcel?")
    staff_thread(ann, order)
    services.post_message(order, as_bob, "It left our warehouse today.")
    services.post_message(order, as_bob, "Courier says Friday.", note=True)
    services.assign(order, as_bob, "me")
    services.open_dispute(order, as_bob, "Parcel lost by the courier")
    assert what_staff_see(ann, order) == what_staff_see(bob, order) == READ
    assert divider_before(staff_thread(ann, order)) is None
    # The customer reads for herself: Bob's reply and the dispute are new to her.
    assert "2 unread messages" in page(carol.get("/account/orders"))


def test_only_the_customers_messages_count_as_unread(order, as_customer, as_bob, ann):
    services.post_message(order, as_customer, "Where is my parcel?")
    services.post_message(order, as_bob, "It left our warehouse today.")  # without reading
    # The customer's question is still unread for the team; Bob's answer is not.
    assert what_staff_see(ann, order) == unread_for_all(1)
    assert divider_before(staff_thread(ann, order)) == "Where is my parcel?"


def test_writing_never_hides_a_customers_message_from_the_team(
    order, customer, as_customer, as_bob, ann
):
    services.post_message(order, as_customer, "Where is my parcel?")
    staff_thread(ann, order)
    services.post_message(order, as_customer, "Hello? Anyone?")
    # Bob answers the first question (by mail, say) without seeing the second ...
    services.post_message(order, as_bob, "It left today.")
    # ... and assigns, in bulk, a thread nobody has read.
    other = make_order(customer)
    services.post_message(other, as_customer, "Wrong size")
    services.assign_threads(as_bob, [services.get_thread(other).id], "me")
    html = page(ann.get(MESSAGES))
    assert new_marks(html) == {"#00001": "New 1", "#00002": "New 1"}
    assert divider_before(staff_thread(ann, order)) == "Hello? Anyone?"


def test_a_staff_members_own_order_counts_for_the_team(app, staff, as_bob, ann, bob):
    """Ann is a customer too: her message on her own order is a customer's, unread for the
    whole team, her included (in a shared inbox someone has to answer it)."""
    own = make_order(staff)
    services.post_message(own, services.customer_actor(staff), "My own parcel is late")
    assert (
        new_marks(page(ann.get(MESSAGES)))
        == new_marks(page(bob.get(MESSAGES)))
        == {"#00001": "New 1"}
    )


# -- the customer ----------------------------------------------------------------------------


def test_the_customer_keeps_her_own_marks(order, as_customer, as_staff, ann, bob, carol):
    services.post_message(order, as_customer, "Which courier?")
    services.post_message(order, as_staff, "Your parcel left today.")
    services.post_message(order, as_staff, "With the blue van.")
    assert "2 unread messages" in page(carol.get("/account/orders"))
    staff_thread(ann, order)  # the staff read the thread: nothing changes for her
    assert "2 unread messages" in page(carol.get("/account/orders"))
    assert divider_before(thread_section(customer_order_page(carol, order))) == (
        "Your parcel left today."
    )
    assert "unread message" not in page(carol.get("/account/orders"))
    services.post_message(order, as_customer, "Thanks!")
    # Her reading did nothing for the staff: her new message is unread for both.
    assert what_staff_see(bob, order) == what_staff_see(ann, order) == unread_for_all(1)
    # Staff marking every thread unread changes nothing for her.
    services.mark_unread(as_staff)
    assert services.customer_unread_summary(as_customer) == (0, None)


# -- the read floor -----------------------------------------------------------------------------


def age_everything() -> None:
    for entry in db.session.execute(sa.select(ext.models.Message)).scalars():
        entry.created_at -= floors.margin() + timedelta(minutes=1)
    db.session.commit()


def exact_unread_threads(actor: Any) -> int:
    ids = db.session.execute(sa.select(ext.models.Thread.id)).scalars().all()
    return len(services.unread_counts(actor, ids))


def test_one_read_floor_for_the_team(customer, as_customer, as_staff, as_bob):
    orders = [make_order(customer) for _ in range(4)]
    for o in orders:
        services.post_message(o, as_customer, f"About order {o.id}")
    services.thread_view(orders[0], as_staff)
    age_everything()
    floors.refresh(as_staff)  # Ann's count raises the team's floor, past three unread threads
    f = ext.models.ReadFloor
    assert db.session.execute(sa.select(f.user_id)).scalars().all() == [readers.host_team_key()]
    for actor in (as_staff, as_bob):
        assert services.unread_thread_count(actor) == 3 == exact_unread_threads(actor)
    # Bob reads one and marks an old read one unread: both counts follow.
    services.thread_view(orders[1], as_bob)
    services.mark_unread(as_bob, [services.get_thread(orders[0]).id])
    floors.refresh(as_bob)
    for actor in (as_staff, as_bob):
        assert services.unread_thread_count(actor) == 3 == exact_unread_threads(actor)
    services.mark_unread(as_staff)  # all: the team's floor drops to 0
    assert db.session.execute(sa.select(f.floor_id)).scalar() == 0
    assert services.unread_thread_count(as_bob) == 4 == exact_unread_threads(as_bob)


def test_one_marks_unread_while_the_other_counts(app, staff, staff2, customer, monkeypatch):
    """Ann's "mark unread" has listed the thread and not committed yet while Bob's count
    raises the team's floor: the floor lock keeps the thread counted."""
    as_ann, as_customer = services.staff_actor(staff), services.customer_actor(customer)
    orders = [make_order(customer) for _ in range(2)]
    for o in orders:
        services.post_message(o, as_customer, f"About order {o.id}")
    age_everything()
    floors.refresh(as_ann)
    thread_id = services.get_thread(orders[0]).id
    services.mark_read(as_ann, [thread_id])
    ann_id, bob_id = staff.id, staff2.id
    holding, released = threading.Event(), threading.Event()
    real_commit = services.commit

    def slow_commit() -> None:
        if threading.current_thread() is not threading.main_thread():
            holding.set()
            released.wait(timeout=1.0)
        real_commit()

    monkeypatch.setattr(services, "commit", slow_commit)

    def mark_unread() -> None:
        services.mark_unread(services.staff_actor(db.session.get(User, ann_id)), [thread_id])

    def refresh() -> None:
        assert holding.wait(timeout=10)
        floors.refresh(services.staff_actor(db.session.get(User, bob_id)))
        released.set()

    assert run_together(app, [mark_unread, refresh]) == [None, None]
    db.session.rollback()
    g.pop("order_messages_floors", None)
    as_bob = services.staff_actor(staff2)
    assert services.unread_thread_count(as_bob) == 2 == exact_unread_threads(as_bob)
