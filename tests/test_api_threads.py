"""The JSON API, staff and customers: lists, a thread, posts, marks, disputes, counts,
through the very services the pages use."""

from __future__ import annotations

import pytest

from flask_order_messages import commit

from . import committing as services
from .api_support import Api, problem
from .conftest import db, make_order
from .host_pages import PNG, db_state


@pytest.fixture
def as_staff_api(browser, staff):
    return Api(browser.login(staff))


@pytest.fixture
def as_customer_api(browser, customer):
    return Api(browser.login(customer))


def test_customer_writes_staff_reads_replies_and_notes(
    order, customer, staff, browser, as_customer, as_staff
):
    carol = Api(browser.login(customer))
    posted = carol.post(f"/orders/{order.id}/messages", {"body": "Where is my parcel?"})
    assert posted.status_code == 201, posted.get_json()
    entry = posted.get_json()["entry"]
    assert entry["body"] == "Where is my parcel?" and entry["mine"] and entry["role"] == "customer"

    admin = Api(browser.login(staff))
    listed = admin.get("/staff/threads").get_json()
    assert listed["total"] == 1 and listed["threads"][0]["unread"] == 1
    assert listed["threads"][0]["order_id"] == str(order.id)
    reply = admin.post(f"/staff/orders/{order.id}/messages", {"body": "It left today."})
    assert reply.status_code == 201
    note = admin.post(
        f"/staff/orders/{order.id}/messages", {"body": "Courier late", "kind": "note"}
    )
    assert note.get_json()["entry"]["kind"] == "note"

    # The customer sees the reply, never the note; not even as the list's newest line.
    carol = Api(browser.login(customer))
    thread = carol.get(f"/orders/{order.id}").get_json()
    assert [e["body"] for e in thread["entries"]] == ["Where is my parcel?", "It left today."]
    assert thread["unread"] == 1
    mine = carol.get("/threads").get_json()["threads"][0]
    assert mine["last_message"] != "Courier late"
    assert carol.get("/counts").get_json()["unread_threads"] == 1
    assert carol.post(f"/orders/{order.id}/read").get_json() == {"changed": 1}
    assert carol.get("/counts").get_json()["unread_threads"] == 0


def test_a_customer_cannot_write_a_note(order, customer, browser):
    carol = Api(browser.login(customer))
    before = db_state()
    got = carol.post(f"/orders/{order.id}/messages", {"body": "psst", "kind": "note"})
    assert problem(got, "validation", 400)["field"] == "kind"
    assert db_state() == before


def test_cursor_paging(order, as_customer, as_staff, as_staff_api):
    for n in range(5):
        services.post_message(order, as_customer, f"Message {n}")
    first = as_staff_api.get(f"/staff/orders/{order.id}", limit=2).get_json()
    assert [e["body"] for e in first["entries"]] == ["Message 0", "Message 1"]
    second = as_staff_api.get(f"/staff/orders/{order.id}", after=first["next_after"], limit=2)
    third = as_staff_api.get(f"/staff/orders/{order.id}", after=second.get_json()["next_after"])
    assert [e["body"] for e in second.get_json()["entries"]] == ["Message 2", "Message 3"]
    assert [e["body"] for e in third.get_json()["entries"]] == ["Message 4"]
    assert third.get_json()["next_after"] is None


def test_list_filters_and_search(staff, customer, as_customer, as_staff, as_staff_api):
    first, second = make_order(customer), make_order(customer)
    services.post_message(first, as_customer, "The kettle leaks")
    services.post_message(second, as_customer, "Wrong colour")
    services.open_dispute(second, as_customer, "Never arrived")
    found = as_staff_api.get("/staff/threads", q="kettle").get_json()
    assert [t["order_id"] for t in found["threads"]] == [str(first.id)]
    disputes = as_staff_api.get("/staff/threads", filter="disputes").get_json()
    assert [t["order_id"] for t in disputes["threads"]] == [str(second.id)]
    assert disputes["threads"][0]["dispute"]["reason"] == "Never arrived"
    paged = as_staff_api.get("/staff/threads", per_page=1, page=2).get_json()
    assert paged["total"] == 2 and paged["pages"] == 2 and len(paged["threads"]) == 1
    bad = as_staff_api.get("/staff/threads", filter="nope")
    assert problem(bad, "validation", 400)["field"] == "filter"


def test_mark_many_read_and_unread(customer, as_customer, as_staff, as_staff_api):
    orders = [make_order(customer) for _ in range(3)]
    for o in orders:
        services.post_message(o, as_customer, "Hello")
    ids = [services.get_thread(o).id for o in orders]
    done = as_staff_api.post("/staff/threads/mark", {"action": "read", "thread_ids": ids[:2]})
    assert done.get_json() == {"changed": 2}
    assert as_staff_api.get("/staff/counts").get_json()["unread_threads"] == 1
    assert as_staff_api.post("/staff/threads/mark", {"action": "read"}).get_json()["changed"] == 3
    again = as_staff_api.post("/staff/threads/mark", {"action": "unread", "thread_ids": ids})
    assert again.get_json() == {"changed": 3}
    huge = as_staff_api.post("/staff/threads/mark", {"action": "read", "thread_ids": [2**40]})
    assert problem(huge, "validation", 400)["field"].startswith("thread_ids")


def test_disputes_open_close_reopen(order, customer, staff, browser, as_customer):
    services.post_message(order, as_customer, "Broken")
    carol = Api(browser.login(customer))
    opened = carol.post(f"/orders/{order.id}/dispute/open", {"reason": "It arrived broken"})
    assert opened.status_code == 200 and opened.get_json()["dispute"]["open"]
    twice = carol.post(f"/orders/{order.id}/dispute/open", {"reason": "Again"})
    problem(twice, "dispute-state", 409)
    admin = Api(browser.login(staff))
    closed = admin.post(
        f"/staff/orders/{order.id}/dispute/close",
        {"outcome": "resolved_for_customer", "note": "Refunded"},
    )
    assert closed.get_json()["dispute"]["outcome"] == "resolved_for_customer"
    bad = admin.post(f"/staff/orders/{order.id}/dispute/close", {"outcome": "resolved"})
    problem(bad, "dispute-state", 409)
    carol = Api(browser.login(customer))
    reopened = carol.post(f"/orders/{order.id}/dispute/reopen", {"note": "Still broken"})
    assert reopened.get_json()["dispute"]["open"]
    thread = carol.get(f"/orders/{order.id}").get_json()
    assert len(thread["disputes"]) == 2 and thread["dispute"]["open"]


def test_refused_outcome_names_its_field(order, as_customer, as_staff_api):
    services.open_dispute(order, as_customer, "Broken")
    got = as_staff_api.post(f"/staff/orders/{order.id}/dispute/close", {"outcome": "nonsense"})
    assert problem(got, "validation", 400)["field"] == "outcome"


def test_team_inbox_assign_and_status(order, staff, as_customer, as_staff_api):
    services.post_message(order, as_customer, "Hello")
    assigned = as_staff_api.post(f"/staff/orders/{order.id}/assign", {"assignee": "me"})
    assert assigned.get_json() == {"changed": 1}
    thread = as_staff_api.get(f"/staff/orders/{order.id}").get_json()
    assert thread["assignee_id"] == str(staff.id)
    closed = as_staff_api.post(f"/staff/orders/{order.id}/status", {"status": "closed"})
    assert closed.get_json() == {"changed": 1}
    mine = as_staff_api.get("/staff/threads", view="mine", status="closed").get_json()
    assert mine["total"] == 1 and mine["threads"][0]["status"] == "closed"
    tid = services.get_thread(order).id
    reopened = as_staff_api.post("/staff/threads/status", {"thread_ids": [tid], "status": "open"})
    assert reopened.get_json() == {"changed": 1}
    nobody = as_staff_api.post("/staff/threads/assign", {"thread_ids": [tid], "assignee": ""})
    assert nobody.get_json() == {"changed": 1}
    bad = as_staff_api.post(f"/staff/orders/{order.id}/status", {"status": "gone"})
    assert problem(bad, "validation", 400)["field"] == "status"


def test_canned_replies(as_staff_api):
    made = as_staff_api.post("/staff/canned-replies/new", {"title": "Ship", "body": "Today."})
    assert made.status_code == 201
    reply_id = made.get_json()["id"]
    changed = as_staff_api.post(
        f"/staff/canned-replies/{reply_id}", {"title": "Ship", "body": "Now"}
    )
    assert changed.get_json()["body"] == "Now"
    listed = as_staff_api.get("/staff/canned-replies").get_json()
    assert [r["title"] for r in listed["replies"]] == ["Ship"]
    assert "customer_name" in listed["placeholders"]
    empty = as_staff_api.post("/staff/canned-replies/new", {"title": "", "body": "x"})
    assert problem(empty, "validation", 400)["field"] == "title"
    gone = as_staff_api.post(f"/staff/canned-replies/{reply_id}/delete")
    assert gone.status_code == 204
    problem(as_staff_api.post(f"/staff/canned-replies/{reply_id}/delete"), "not-found", 404)


def test_attachments_by_multipart(order, as_staff_api):
    got = as_staff_api.post(
        f"/staff/orders/{order.id}/messages",
        None,
        data={"body": "The label", "files": [(__import__("io").BytesIO(PNG), "label.png")]},
        content_type="multipart/form-data",
    )
    assert got.status_code == 201, got.get_json()
    files = got.get_json()["entry"]["attachments"]
    assert [f["filename"] for f in files] == ["label.png"] and files[0]["url"].endswith(
        f"/attachments/{files[0]['id']}"
    )


def test_a_form_body_works_like_json(order, customer, browser):
    carol = Api(browser.login(customer))
    got = carol.post(f"/orders/{order.id}/messages", None, data={"body": "By form"})
    assert got.status_code == 201 and got.get_json()["entry"]["body"] == "By form"


def test_unsupported_media_type_and_bad_json(order, customer, browser):
    carol = Api(browser.login(customer))
    got = carol.post(f"/orders/{order.id}/messages", None, data="x", content_type="text/plain")
    problem(got, "unsupported-media-type", 415)
    bad = carol.post(f"/orders/{order.id}/messages", [1, 2])
    assert problem(bad, "validation", 400)["field"] == "body"


def test_newer_entry_is_a_conflict_with_its_id(order, staff, staff2, browser, as_customer):
    first = services.post_message(order, as_customer, "Hello")
    admin = Api(browser.login(staff))
    newer = services.post_message(order, services.staff_actor(staff2), "I'm on it")
    commit()
    got = admin.post(f"/staff/orders/{order.id}/messages", {"body": "Hi", "seen_id": first.id})
    body = problem(got, "newer-entry", 409)
    assert body["entry_id"] == newer.id
    again = admin.post(f"/staff/orders/{order.id}/messages", {"body": "Hi", "seen_id": newer.id})
    assert again.status_code == 201


def test_a_question_before_purchase_is_listed_without_an_order(order, as_customer, as_staff_api):
    """A product's question sits in the list beside the orders' threads: no order, no number
    (not the text "None"), its product named."""
    from flask_order_messages.services import questions

    services.post_message(order, as_customer, "About my order")
    questions.ask("42", as_customer, "Is it dishwasher safe?")
    db.session.commit()
    listed = as_staff_api.get("/staff/threads").get_json()["threads"]
    by_order = {t["order_id"]: t for t in listed}
    assert by_order[str(order.id)]["order_number"] == f"{order.id:05d}"
    assert by_order[None]["order_number"] is None
    assert by_order[None]["product"]
