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
    # Ann cannot give Acme's question to Ben (Bolt's): nothing changes.
    response = browser.post(
        f"{P}/admin/messages/assign", {"thread_id": [acme], "assignee": str(market.ben.id)}
    )
    assert response.status_code == 400
    assert "does not work for your vendor" in text_of(response)
    assert thread(acme).assignee_id is None


# -- the live question page -------------------------------------------------------------------


def entries(browser: Any, path: str, after: int = 0) -> Any:
    return browser.get(f"{P}/api{path}/entries?after={after}")


def test_an_open_question_page_gets_new_entries_live(browser, customer, staff):
    qid = question_id(ask(browser, customer))
    shown = page(browser.get(f"{P}/questions/{qid}"))
    live = f'data-om-live="{P}/api/questions/{qid}/entries"'
    assert live in shown and 'data-om-poll="' in shown
    last = int(shown.split('data-om-last="', 1)[1].split('"', 1)[0])
    assert last > 0
    staff_page = page(browser.login(staff).get(f"{P}/admin/questions/{qid}"))
    assert f'data-om-live="{P}/api/admin/questions/{qid}/entries"' in staff_page
    browser.post(f"{P}/admin/questions/{qid}/messages", {"body": "Yes, top rack."})
    browser.post(f"{P}/admin/questions/{qid}/messages", {"body": "Supplier said", "kind": "note"})
    # The customer's page asks for what came after what it shows: the answer, not the note.
    browser.login(customer)
    assert services.unread_counts(services.customer_actor(customer), [qid]) == {qid: 1}
    answer = entries(browser, f"/questions/{qid}", last)
    assert answer.status_code == 200
    found = answer.get_json()
    assert [(e["role"], e["html"]) for e in found["entries"]] == [("staff", "Yes, top rack.")]
    assert found["last_id"] > last
    assert found["entries"][0]["author"] == staff.name and not found["entries"][0]["mine"]
    # Shown means read, as on an order's live thread.
    assert services.unread_counts(services.customer_actor(customer), [qid]) == {}
    assert entries(browser, f"/questions/{qid}", found["last_id"]).get_json()["entries"] == []
    # Staff get the note too.
    browser.login(staff)
    notes = entries(browser, f"/admin/questions/{qid}", last).get_json()["entries"]
    assert [e["note"] for e in notes] == [False, True]


def test_a_stranger_gets_the_same_404_as_a_made_up_question(browser, customer, stranger, staff):
    qid = question_id(ask(browser, customer))
    made_up = entries(browser.login(stranger), "/questions/987654")
    assert made_up.status_code == 404 and made_up.get_json() == {"error": "No such question."}
    theirs = entries(browser, f"/questions/{qid}")
    assert (theirs.status_code, theirs.get_json()) == (404, made_up.get_json())
    assert entries(browser, "/questions/x").status_code == 404
    # An order's thread id is not a question, for its customer or staff.
    order = make_order(customer)
    services.post_message(order, services.customer_actor(customer), "Parcel?")
    order_thread = services.get_thread(order).id
    assert entries(browser.login(customer), f"/questions/{order_thread}").status_code == 404
    assert entries(browser.login(staff), f"/admin/questions/{order_thread}").status_code == 404
    # The staff endpoint is for staff; nobody logged in gets a 401.
    assert entries(browser.login(customer), f"/admin/questions/{qid}").status_code == 403
    assert entries(browser.login(None), f"/questions/{qid}").status_code == 401
    assert entries(browser.login(customer), f"/questions/{qid}", "x").status_code == 400


def test_another_vendors_staff_get_the_made_up_questions_404(market: Market, browser):
    order_messages.product_vendor(lambda key: {"42": "acme", "tent": "bolt"}.get(key))
    qid = question_id(ask(browser, market.carol))
    assert entries(browser.login(market.ann), f"/admin/questions/{qid}").status_code == 200
    refused = entries(browser.login(market.ben), f"/admin/questions/{qid}")
    made_up = entries(browser, "/admin/questions/987654")
    assert (refused.status_code, refused.get_json()) == (404, made_up.get_json())
    assert refused.get_json() == {"error": "No such question."}
