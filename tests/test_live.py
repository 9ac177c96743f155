"""The JSON endpoints behind the live bell and the live thread."""

from __future__ import annotations

from . import committing as services
from .conftest import make_order

COUNTS = "/order-messages/api/counts"
#: Each number is counted up to 100 at most; whether it stopped there ("99+").
NOT_CAPPED = {
    f"{name}_capped": False
    for name in ("unread_threads", "open_disputes", "overdue_disputes", "overdue_replies")
}


def staff_entries(order) -> str:
    return f"/order-messages/api/admin/orders/{order.id}/entries"


def customer_entries(order) -> str:
    return f"/order-messages/api/orders/{order.id}/entries"


def test_counts_have_an_etag_and_answer_304_until_something_changes(
    browser, staff, order, as_customer
):
    browser.login(staff)
    first = browser.get(COUNTS)
    assert first.status_code == 200
    assert first.is_json
    assert first.get_json() == {
        "unread_threads": 0,
        "open_disputes": 0,
        "overdue_disputes": 0,
        "overdue_replies": 0,
        "label": "Messages: 0 unread, 0 open disputes",
        # Each number counted up to 100 at most: whether it stopped there ("99+").
        **NOT_CAPPED,
    }
    etag = first.headers["ETag"]
    assert etag and "no-cache" in first.headers["Cache-Control"]
    assert "private" in first.headers["Cache-Control"]

    again = browser.get(COUNTS, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""

    services.post_message(order, as_customer, "Hello?")
    changed = browser.get(COUNTS, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.get_json() == {
        "unread_threads": 1,
        "open_disputes": 0,
        "overdue_disputes": 0,
        "overdue_replies": 0,
        "label": "Messages: 1 unread, 0 open disputes",
        **NOT_CAPPED,
    }
    assert changed.headers["ETag"] != etag

    services.open_dispute(order, as_customer, "No answer")
    disputed = browser.get(COUNTS, headers={"If-None-Match": changed.headers["ETag"]})
    assert disputed.get_json() == {
        "unread_threads": 1,
        "open_disputes": 1,
        "overdue_disputes": 0,
        "overdue_replies": 0,
        "label": "Messages: 1 unread, 1 open dispute",
        **NOT_CAPPED,
    }


def test_counts_are_per_person(browser, staff, customer, stranger, order, as_staff):
    services.post_message(order, as_staff, "A reply for Carol")
    assert browser.login(customer).get(COUNTS).get_json()["unread_threads"] == 1
    assert browser.login(stranger).get(COUNTS).get_json()["unread_threads"] == 0
    # The author's own message is never unread to them.
    assert browser.login(staff).get(COUNTS).get_json()["unread_threads"] == 0


def test_counts_need_a_login(browser):
    response = browser.login(None).get(COUNTS)
    assert response.status_code == 401
    assert response.get_json() == {"error": "Log in to see your messages."}


def test_entries_after_an_id_are_only_the_newer_ones(browser, staff, order, as_customer, as_staff):
    first = services.post_message(order, as_customer, "First")
    second = services.post_message(order, as_customer, "Second <b>bold</b>\nline two")
    browser.login(staff)

    everything = browser.get(staff_entries(order) + "?after=0").get_json()
    assert [e["id"] for e in everything["entries"]] == [first.id, second.id]
    assert everything["last_id"] == second.id

    newer = browser.get(staff_entries(order), query_string={"after": first.id})
    data = newer.get_json()
    assert [e["id"] for e in data["entries"]] == [second.id]
    entry = data["entries"][0]
    assert entry["html"] == "Second &lt;b&gt;bold&lt;/b&gt;<br>\nline two"
    assert entry["author"] == "Carol Customer"
    assert (entry["role"], entry["mine"], entry["kind"]) == ("customer", False, "message")
    assert data["dispute_open"] is False

    nothing = browser.get(staff_entries(order), query_string={"after": second.id})
    assert nothing.get_json()["entries"] == []
    same = browser.get(
        staff_entries(order),
        query_string={"after": second.id},
        headers={"If-None-Match": nothing.headers["ETag"]},
    )
    assert same.status_code == 304

    third = services.post_message(order, as_customer, "Third")
    fresh = browser.get(staff_entries(order), query_string={"after": second.id}).get_json()
    assert [e["id"] for e in fresh["entries"]] == [third.id]


def test_entries_shown_live_count_as_read(browser, staff, order, as_customer, as_staff):
    services.post_message(order, as_customer, "Are you there?")
    assert services.bell_counts(as_staff)["unread_threads"] == 1
    browser.login(staff).get(staff_entries(order) + "?after=0")
    assert services.bell_counts(as_staff)["unread_threads"] == 0


def test_a_customer_gets_their_own_entries_without_staff_notes(
    browser, customer, order, as_customer, as_staff
):
    services.post_message(order, as_customer, "Question")
    services.post_message(order, as_staff, "Internal remark", note=True)
    answer = services.post_message(order, as_staff, "Answer")
    data = browser.login(customer).get(customer_entries(order) + "?after=0").get_json()
    assert [e["html"] for e in data["entries"]] == ["Question", "Answer"]
    assert data["entries"][0]["mine"] is True
    assert data["last_id"] == answer.id


def test_never_another_customers_entries(browser, customer, stranger, order, as_customer):
    services.post_message(order, as_customer, "Carol's private question")
    strangers_own = make_order(stranger)
    browser.login(stranger)
    response = browser.get(customer_entries(order) + "?after=0")
    assert response.status_code == 404
    assert b"Carol" not in response.get_data()
    missing = browser.get("/order-messages/api/orders/999999/entries?after=0")
    assert missing.status_code == 404
    own = browser.get(customer_entries(strangers_own) + "?after=0")
    assert own.status_code == 200 and own.get_json()["entries"] == []
    # Nor through the staff endpoint.
    assert browser.get(staff_entries(order) + "?after=0").status_code == 403


def test_a_bad_after_is_a_400(browser, staff, order):
    response = browser.login(staff).get(staff_entries(order) + "?after=latest")
    assert response.status_code == 400
