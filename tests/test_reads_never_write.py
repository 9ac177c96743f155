"""Reads never write: every GET route of the blueprint, and every partial a host draws, runs
no INSERT, UPDATE, DELETE, REPLACE or MERGE -- but for the read state a page moves on purpose,
each in its own short transaction (``READ_STATES`` in flask_order_messages/transactions.py):

- ``"mark read"``: the pages that show a thread mark it read for the viewer (the read
  pointers table only);
- ``"read floor"``: the staff pages that count unread threads raise a stale read floor first
  (the read floor tables only; the read pointers too, once, at the first count after
  ``ORDER_MESSAGES_READ_STATE`` changed, which carries the read marks over).

The statements are recorded on the engine, so nothing a view, a template or a lazy load runs
goes unseen."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import render_template_string
from flask_login import login_user
from sqlalchemy import event

from flask_order_messages import current_order_messages, transactions
from flask_order_messages.services import canned

from . import committing as services
from .conftest import db
from .host_pages import P, add_attachment, route_path
from .reconfigure import reconfigure

pytestmark = pytest.mark.usefixtures("host_pages")

_WRITE = re.compile(r"\s*(?:WITH\b.*?\)\s*)?(INSERT|UPDATE|DELETE|REPLACE|MERGE)\b", re.I | re.S)
_TABLE = re.compile(
    r"(?:INSERT\s+(?:OR\s+\w+\s+|IGNORE\s+)?INTO|UPDATE|DELETE\s+FROM)\s+([\w`\"\.]+)", re.I
)

#: The pages that show a thread, and so mark it read for the viewer.
SHOW_A_THREAD = {
    "order_messages.staff_thread",
    "order_messages.customer_thread",
    "order_messages.guest_thread",
    "order_messages.api_staff_entries",
    "order_messages.api_customer_entries",
}
#: The staff pages that count unread threads, and so raise a stale read floor first.
COUNT_UNREAD = {
    "order_messages.staff_messages",
    "order_messages.api_counts",
    # The JSON API's list and counts (api/), as the page and the bell.
    "order_messages.api_staff_threads",
    "order_messages.api_staff_counts",
    "order_messages.api_customer_counts",
}


def written_table(statement: str) -> str | None:
    """The table a writing statement writes to; None for a statement that only reads."""
    if not _WRITE.match(statement):
        return None
    found = _TABLE.search(statement)
    assert found is not None, statement
    return found.group(1).strip('`"')


@contextmanager
def recording() -> Iterator[list[tuple[str, str, str]]]:
    """(read state, table, statement) of every write the engine runs meanwhile."""
    writes: list[tuple[str, str, str]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        table = written_table(statement)
        if table is not None:
            writes.append((transactions.current_read_state.get(), table, statement))

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield writes
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def tables() -> dict[str, str]:
    models = current_order_messages.models
    return {
        "pointers": models.ReadPointer.__table__.name,
        "floors": models.ReadFloor.__table__.name,
        "floor list": models.ReadFloorThread.__table__.name,
    }


def allowed(endpoint: str, state: str, table: str) -> bool:
    """Whether ``endpoint`` may write ``table`` while moving the read state ``state``."""
    names = tables()
    if state == "mark read":
        return endpoint in SHOW_A_THREAD and table == names["pointers"]
    if state == "read floor":
        # (And the pointers once after a change of ORDER_MESSAGES_READ_STATE: see
        # test_the_first_count_after_a_switch_carries_the_marks_over_once.)
        return endpoint in COUNT_UNREAD and table in (names["floors"], names["floor list"])
    return False


@pytest.fixture
def scene(order, customer, staff, as_customer, as_staff, browser):
    """A thread with messages, an attachment, a dispute opened, closed and reopened, a canned
    reply, and a staff member's draft (a refused reply)."""
    services.post_message(order, as_customer, "Where is my parcel?")
    add_attachment(order, as_customer)
    services.post_message(order, as_staff, "On its way, {customer_first_name}.")
    services.open_dispute(order, as_customer, "It never came")
    services.close_dispute(order, as_staff, outcome="resolved_for_customer", note="Refunded")
    services.reopen_dispute(order, as_customer, "Still nothing")
    reply = canned.create_reply(as_staff, "Shipping", "Hello {customer_name}")
    transactions.commit()
    browser.login(staff)
    refused = browser.post(
        f"{P}/admin/orders/{order.id}/messages",
        {"body": "x" * 100_000, "next": f"/admin/orders/{order.id}?tab=messages"},
    )
    location = refused.headers["Location"]
    draft = re.search(r"om_draft=([\w-]+)", location)
    assert draft is not None
    return {"reply": reply.id, "draft": draft.group(1)}


def paths(app, order, scene) -> Iterator[tuple[str, str]]:
    """(endpoint, path) for every GET route of the blueprint, its parameters real ids, and
    again with the query parameters the pages read."""
    queries = {
        "order_messages.staff_thread": [
            "",
            f"?canned={scene['reply']}",
            f"?om_draft={scene['draft']}",
        ],
        "order_messages.staff_messages": [
            "",
            "?filter=unread",
            "?q=parcel",
            "?page=2",
            "?view=mine&status=all",
            "?view=unassigned&status=closed",
        ],
        "order_messages.staff_canned_edit": [f"?id={scene['reply']}"],
        "order_messages.staff_canned_delete": [f"?id={scene['reply']}"],
        "order_messages.api_staff_entries": ["?after=0"],
        "order_messages.api_customer_entries": ["?after=0"],
        "order_messages.api_staff_presence_list": ["?thread=1&thread=2"],
    }
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("order_messages.") and "GET" in rule.methods:
            for query in queries.get(rule.endpoint, [""]):
                yield rule.endpoint, route_path(rule, order) + query


def test_no_get_route_writes(app, order, scene, staff, customer, as_staff, as_customer, browser):
    reconfigure(app, POLL_INTERVAL=10)  # live pages: staff presence is on (it reads only)
    seen_routes: set[str] = set()
    moved: set[tuple[str, str]] = set()
    for visitor, other, writes_to in (
        (staff, as_customer, "staff"),
        (customer, as_staff, "customer"),
        (None, as_staff, "nobody"),
    ):
        # Something new from the other side, so that showing the thread has something to mark.
        services.post_message(order, other, f"News for {writes_to}")
        browser.login(visitor)
        for endpoint, path in paths(app, order, scene):
            with recording() as writes:
                response = browser.get(path)
            where = f"GET {path} as {writes_to}"
            assert response.status_code < 500, where
            wrong = [w for w in writes if not allowed(endpoint, w[0], w[1])]
            assert wrong == [], f"{where} wrote:\n" + "\n".join(w[2] for w in wrong)
            moved |= {(endpoint, state) for state, _, _ in writes}
            seen_routes.add(endpoint)
    every_get = {
        r.endpoint
        for r in app.url_map.iter_rules()
        if r.endpoint.startswith("order_messages.") and "GET" in r.methods
    }
    assert seen_routes == every_get
    # The two exceptions are real: the recorder saw them, where they belong.
    assert ("order_messages.staff_thread", "mark read") in moved
    assert ("order_messages.customer_thread", "mark read") in moved
    assert ("order_messages.staff_messages", "read floor") in moved
    # And the draft a page showed is still there for its writer.
    draft = current_order_messages.models.Draft
    assert db.session.execute(sa.select(sa.func.count()).select_from(draft)).scalar() == 1


PARTIALS = """
{{ order_messages.assets() }}
{{ order_messages.bell() }}
{{ order_messages.customer_header() }}
{{ order_messages.staff_tab_label(order) }}{{ order_messages.staff_panel(order) }}
{{ order_messages.customer_tab_label(order) }}{{ order_messages.customer_panel(order) }}
{{ order_messages.orders_filter("unread") }}
{% set unread = order_messages.unread_by_order([order]) %}
{{ order_messages.order_unread_badge(unread.get(order.id, 0)) }}
{{ order_messages.upload_field() }}
"""


@pytest.mark.parametrize("who", ["staff", "customer"])
def test_drawing_the_partials_writes_nothing(app, order, scene, staff, customer, who):
    user, other = (staff, customer) if who == "staff" else (customer, staff)
    actor = services.staff_actor(user) if who == "staff" else services.customer_actor(user)
    author = services.customer_actor(other) if who == "staff" else services.staff_actor(other)
    services.post_message(order, author, "Unread for you")
    unread = services.order_unread_count(order, actor)
    assert unread > 0
    url = f"/admin/orders/{order.id}?tab=messages&om_draft={scene['draft']}"
    with app.test_request_context(url), recording() as writes:
        login_user(user)
        html = render_template_string(PARTIALS, order=order)
    assert "Unread for you" in html
    assert writes == []
    # Drawing the thread did not mark it read: only the page's view does that.
    assert services.order_unread_count(order, actor) == unread


def test_the_host_page_marks_the_thread_read_before_its_partials(
    app, order, scene, customer, as_staff, browser
):
    """The host's view calls mark_thread_read: the tab label and the bell on that page count
    the thread as read, and the thread still shows where the new messages started."""
    services.post_message(order, as_staff, "Your refund is on its way")
    html = browser.login(customer).get(f"/account/orders/{order.id}").get_data(as_text=True)
    assert re.search(r'id="messages-tab">\s*Messages\s*</a>', html)
    assert "New messages" in html
    assert services.bell_counts(services.customer_actor(customer))["unread_threads"] == 0
    assert f"{P}/orders/{order.id}/messages" in html


def test_the_first_count_after_a_switch_carries_the_marks_over_once(
    app, order, staff, as_customer, as_staff, browser
):
    from .reconfigure import reconfigure

    services.post_message(order, as_customer, "Where is my parcel?")
    services.mark_read(as_staff)
    browser.login(staff).get(f"{P}/admin/messages")  # counted with personal marks
    reconfigure(app, READ_STATE="shared")
    pointers = tables()["pointers"]
    firsts, agains = [], []
    for seen in (firsts, agains):
        with recording() as writes:
            assert browser.get(f"{P}/admin/messages").status_code == 200
        seen.extend((state, table) for state, table, _ in writes if table == pointers)
    assert firsts == [("read floor", pointers)]  # the staff's marks, carried to the team's
    assert agains == []
    assert services.unread_thread_count(as_staff) == 0
