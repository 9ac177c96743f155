"""Questions before purchase in the team inbox: the Messages list's bulk assign, close,
reopen and mark read / unread apply to the ticked questions as to orders' threads (their
events, the assignee's mail, the signals); another vendor's question is left out as a made-up
id is."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from flask_order_messages import current_order_messages, signals

from . import committing as services
from .conftest import db, make_order, order_messages, text_of
from .host_pages import P, page, rows
from .marketplace import Market
from .test_product_questions import (
    MESSAGES,
    ask,
    outbox_rows,
    product_pages,  # noqa: F401 - the fixture
    question_id,
)

pytestmark = pytest.mark.usefixtures("host_pages", "product_pages")


def thread(thread_id: int) -> Any:
    db.session.expire_all()
    return db.session.get(current_order_messages.models.Thread, thread_id)


def events(thread_id: int) -> list[str]:
    m = current_order_messages.models.Message
    stmt = (
        sa.select(m.body)
        .where(m.thread_id == thread_id, m.kind == "note", m.event.is_not(None))
        .order_by(m.id)
    )
    return list(db.session.execute(stmt).scalars())


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


def said(browser: Any, path: str, form: dict[str, Any]) -> str:
    """Post one of the list's bulk forms; what the list then says."""
    response = browser.post(f"{P}/admin/messages/{path}", form)
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    return text_of(browser.get(response.headers["Location"]))


def test_bulk_assign_close_and_reopen_take_questions_and_orders_alike(
    browser, customer, staff, staff2, recorded
):
    kettle = question_id(ask(browser, customer))
    tent = question_id(ask(browser, customer, "Is it waterproof?", key="tent"))
    order = make_order(customer)
    services.post_message(order, services.customer_actor(customer), "Where is my parcel?")
    order_thread = services.get_thread(order).id
    ids = [kettle, tent, order_thread]
    browser.login(staff)
    before = len(outbox_rows())

    listed = said(browser, "assign", {"thread_id": ids, "assignee": str(staff2.id)})
    assert "3 threads assigned." in listed
    assert [thread(i).assignee_id for i in ids] == [staff2.id] * 3
    assert events(kettle) == [f"Assigned to Second Staff by {staff.name}"]
    # The assignee is mailed about each, a question with its product and its page.
    mails = outbox_rows()[before:]
    assert [r for r, _, _ in mails] == [staff2.email] * 3
    recipient, subject, body = mails[0]
    assert subject == "Question about Blue Kettle"
    assert "assigned the question about Blue Kettle to you" in body
    assert "Is it dishwasher safe?" in body and f"/admin/questions/{kettle}" in body
    assigned = [kw for name, kw in recorded if name == "assigned"]
    assert [(kw["thread"].id, kw["order"]) for kw in assigned[:2]] == [(kettle, None), (tent, None)]
    assert assigned[2]["order"].id == order.id

    closed = said(browser, "status", {"thread_id": ids, "new_status": "closed"})
    assert "3 threads closed." in closed
    assert [thread(i).status for i in ids] == ["closed"] * 3
    assert events(tent)[-1] == f"Closed by {staff.name}"
    # Closed questions leave the list's default view ("Open and waiting"), as orders do.
    shown = [r.thread_id for r in rows(page(browser.get(MESSAGES)))]
    assert not set(ids) & set(shown)
    shown = [r.thread_id for r in rows(page(browser.get(f"{MESSAGES}?status=closed")))]
    assert set(ids) <= set(shown)
    assert "1 thread reopened." in said(
        browser, "status", {"thread_id": [kettle], "new_status": "open"}
    )
    assert "1 thread unassigned." in said(browser, "assign", {"thread_id": [tent], "unassign": "1"})
    assert (thread(kettle).status, thread(tent).assignee_id) == ("open", None)

    # The customer writing again reopens a closed question by itself, as on an order.
    ask(browser, customer, "And in blue?", key="tent")
    assert thread(tent).status == "open"


def test_bulk_mark_read_and_unread_take_questions(browser, customer, staff):
    kettle = question_id(ask(browser, customer))
    tent = question_id(ask(browser, customer, "Is it waterproof?", key="tent"))
    browser.login(staff)
    listed = {r.thread_id: r for r in rows(page(browser.get(MESSAGES)))}
    assert listed[kettle].unread and listed[tent].unread
    marked = said(browser, "mark", {"action": "read", "thread_id": [kettle, tent]})
    assert "2 threads marked read." in marked
    listed = {r.thread_id: r for r in rows(page(browser.get(MESSAGES)))}
    assert not listed[kettle].unread and not listed[tent].unread
    assert "1 thread marked unread." in said(
        browser, "mark", {"action": "unread", "thread_id": [tent]}
    )
    listed = {r.thread_id: r for r in rows(page(browser.get(MESSAGES)))}
    assert (listed[kettle].unread, listed[tent].unread) == (False, True)


def test_another_vendors_question_is_left_out_of_a_bulk_change(market: Market, browser):
    order_messages.product_vendor(lambda key: {"42": "acme", "tent": "bolt"}.get(key))
    acme = question_id(ask(browser, market.carol))
    bolt = question_id(ask(browser, market.carol, "Waterproof?", key="tent"))
    browser.login(market.ann)
    listed = said(browser, "status", {"thread_id": [acme, bolt], "new_status": "closed"})
    assert "1 thread closed." in listed
    assert (thread(acme).status, thread(bolt).status) == ("closed", "open")
    # Ben (Bolt) cannot be given Acme's question; nothing changes when one is refused.
    response = browser.post(
        f"{P}/admin/messages/assign", {"thread_id": [acme], "assignee": str(market.ben.id)}
    )
    assert response.status_code == 400
    assert "cannot be assigned a thread of another vendor" in text_of(response)
    assert thread(acme).assignee_id is None
