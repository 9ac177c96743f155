"""Orders -> Messages: rows, order, search, filter, paging, mark read / unread."""

from __future__ import annotations

from datetime import datetime

import pytest

from . import committing as services
from .conftest import make_order
from .host_pages import P, backdate, link_to, links, page, rows, words

MESSAGES = f"{P}/admin/messages"


pytestmark = pytest.mark.usefixtures("host_pages")


def numbers(html: str) -> list[str]:
    """The order numbers of the rows, top to bottom."""
    return [row.text.split()[0] for row in rows(html)]


def test_row_shows_order_link_latest_message_date_and_new_label(
    order, customer, as_customer, as_staff, staff, browser
):
    services.post_message(order, as_customer, "Where is my parcel?")
    services.post_message(order, as_staff, "It left today.")
    services.post_message(order, as_customer, "Great, and the invoice?")
    backdate(order, datetime(2018, 8, 29, 14, 5))

    html = page(browser.login(staff).get(MESSAGES))
    (row,) = rows(html)
    assert row.unread
    assert row.text.startswith(
        "#00001 Carol Customer carol.customer@example.test "
        "New 1 Carol Customer: Great, and the invoice?"
    )
    # Babel's medium date and short time, for English in UTC (the reader's zone by default).
    assert row.text.endswith("Aug 29, 2018, 2:05 PM")  # row text: whitespace made plain
    assert "Where is my parcel?" not in row.text  # only the latest message
    # The order number links to the host's staff order page, Messages tab open, thread in view.
    assert row.href == f"/admin/orders/{order.id}?tab=messages#order-messages"
    assert f'data-href="/admin/orders/{order.id}?tab=messages#order-messages"' in html
    assert "1 thread" in words(html)


def test_the_teams_events_never_hide_the_latest_message(
    order, customer, as_customer, as_staff, staff, staff2, browser
):
    """Assigning a thread or setting its status is no "latest message": the row (the page,
    the service, the API) keeps the customer's question and its author; a note or a
    dispute's reason, which people wrote, takes its place; an event alone is still shown."""
    from .api_support import Api

    quiet = make_order(customer)
    services.assign(quiet, as_staff, str(staff2.id))  # an event on an order nobody wrote about
    services.post_message(order, as_customer, "Where is my parcel?")
    services.assign(order, as_staff, str(staff2.id))
    services.set_status(order, as_staff, "waiting")
    ours = f"#{order.id:05d}"
    browser.login(staff)

    def shown() -> tuple[str, str, str]:
        (row,) = [r for r in rows(page(browser.get(MESSAGES))) if r.text.startswith(ours)]
        listed = services.list_threads(as_staff).rows
        last = next(r for r in listed if r.order is not None and r.order.id == order.id)
        api = Api(browser).get("/staff/threads").get_json()["threads"]
        summary = next(t for t in api if t["order_number"] == f"{order.id:05d}")
        assert last.last_message.body == summary["last_message"]
        assert last.last_author == summary["last_author"]
        return row.text, last.last_message.body, last.last_author

    text, body, author = shown()
    assert "Carol Customer: Where is my parcel?" in text and "Assigned to" not in text
    assert (body, author) == ("Where is my parcel?", "Carol Customer")
    services.post_message(order, as_staff, "Carrier called", note=True)
    services.assign(order, as_staff, "me")
    assert "You: Note: Carrier called" in shown()[0]
    services.open_dispute(order, as_customer, "It never came")
    services.assign(order, as_staff, "")
    assert "Carol Customer: Dispute opened: It never came" in shown()[0]
    # An order with the team's event alone still has its row, and says it.
    (alone,) = [
        r for r in rows(page(browser.get(MESSAGES))) if r.text.startswith(f"#{quiet.id:05d}")
    ]
    assert "carol.customer@example.test Assigned to Second Staff by Admin Admin" in alone.text


def test_row_link_opens_the_host_order_page_with_the_thread(order, as_customer, staff, browser):
    services.post_message(order, as_customer, "Where is my parcel?")
    (row,) = rows(page(browser.login(staff).get(MESSAGES)))
    opened = page(browser.get(row.href))
    assert "Order #1 (host page)" in words(opened)
    assert "Where is my parcel?" in words(opened)
    assert 'id="order-messages"' in opened


def test_read_rows_carry_no_new_label(order, as_customer, as_staff, staff, browser):
    services.post_message(order, as_customer, "Where is my parcel?")
    services.post_message(order, as_staff, "It left today.")
    (row,) = rows(page(browser.login(staff).get(MESSAGES)))
    assert not row.unread
    assert "New message" not in row.text
    assert "It left today." in row.text


def test_open_dispute_marks_the_row_until_closed(order, as_customer, as_staff, staff, browser):
    services.post_message(order, as_customer, "The lid is broken")
    services.open_dispute(order, as_customer, "Broken on arrival")
    html = page(browser.login(staff).get(MESSAGES))
    (row,) = rows(html)
    assert "om-row-dispute" in row.classes
    assert '<span class="om-dispute-mark">Dispute</span>' in html
    assert "Dispute opened: Broken on arrival" in row.text

    services.close_dispute(order, as_staff)
    html = page(browser.get(MESSAGES))
    (row,) = rows(html)
    assert "om-dispute-mark" not in html
    assert "om-row-dispute" not in row.classes


def test_unread_threads_first_then_newest(customer, as_customer, as_staff, staff, browser):
    orders = [make_order(customer) for _ in range(4)]
    # 1: old and unread, 2: read, 3: newest and unread, 4: answered by staff (read).
    services.post_message(orders[0], as_customer, "first, unread")
    services.post_message(orders[1], as_customer, "second, read")
    services.mark_read(as_staff, [services.get_thread(orders[1]).id])
    services.post_message(orders[3], as_customer, "fourth")
    services.post_message(orders[3], as_staff, "fourth, answered")
    services.post_message(orders[2], as_customer, "third, unread, newest")
    html = page(browser.login(staff).get(MESSAGES))
    assert numbers(html) == ["#00003", "#00001", "#00004", "#00002"]
    assert [r.unread for r in rows(html)] == [True, True, False, False]


def test_keyword_search_finds_words_anywhere_in_the_thread(
    customer, stranger, as_customer, as_staff, staff, browser
):
    first, second, third = make_order(customer), make_order(customer), make_order(stranger)
    services.post_message(first, as_customer, "I want a REFUND for the blue vase")
    services.post_message(first, as_staff, "Sure, on its way")  # the match is not the latest
    services.post_message(second, as_customer, "Refund the red vase too")
    services.post_message(third, services.customer_actor(stranger), "Where is my blue hat?")

    browser.login(staff)
    assert numbers(page(browser.get(MESSAGES, query_string={"q": "refund"}))) == [
        "#00002",
        "#00001",
    ]
    # Every word must occur.
    assert numbers(page(browser.get(MESSAGES, query_string={"q": "blue refund"}))) == ["#00001"]
    # An order number finds that order's thread.
    assert numbers(page(browser.get(MESSAGES, query_string={"q": "#3"}))) == ["#00003"]
    html = page(browser.get(MESSAGES, query_string={"q": "parcel"}))
    assert rows(html) == []
    assert "No threads match “parcel”." in words(html)
    # The search box keeps the words, and "Clear" goes back to everything.
    html = page(browser.get(MESSAGES, query_string={"q": "blue refund"}))
    assert 'name="q" value="blue refund"' in html
    assert link_to(html, "Clear") == MESSAGES


def test_filter_all_unread_disputes(customer, as_customer, as_staff, staff, browser):
    unread, read, disputed = make_order(customer), make_order(customer), make_order(customer)
    services.post_message(unread, as_customer, "unread one")
    services.post_message(read, as_customer, "read one")
    services.post_message(read, as_staff, "answered")
    services.post_message(disputed, as_customer, "disputed one")
    services.open_dispute(disputed, as_staff, "Customer claims damage")
    services.mark_read(as_staff, [services.get_thread(disputed).id])

    browser.login(staff)

    def listed(filter: str) -> list[str]:
        return numbers(page(browser.get(MESSAGES, query_string={"filter": filter})))

    assert listed("all") == ["#00001", "#00003", "#00002"]
    assert listed("unread") == ["#00001"]
    assert listed("disputes") == ["#00003"]
    html = page(browser.get(MESSAGES, query_string={"filter": "unread"}))
    assert '<option value="unread" selected>' in html
    services.mark_read(as_staff)
    html = page(browser.get(MESSAGES, query_string={"filter": "unread"}))
    assert "No unread messages. All caught up." in words(html)


def test_unknown_filter_is_a_clear_400(staff, browser):
    response = browser.login(staff).get(MESSAGES, query_string={"filter": "spam"})
    assert response.status_code == 400
    assert "Unknown filter 'spam'" in words(page(response))


def test_paging_keeps_search_and_filter(customer, as_customer, staff, browser):
    for n in range(23):
        services.post_message(make_order(customer), as_customer, f"question number {n}")
    browser.login(staff)
    first = page(browser.get(MESSAGES, query_string={"filter": "unread", "q": "question"}))
    assert len(rows(first)) == 20
    assert "Page 1 of 2 · 23 threads" in words(first)
    assert [label for _, label in links(first) if label.endswith("→") or label.startswith("←")] == [
        "Next →"
    ]
    second_url = link_to(first, "Next")
    assert "filter=unread" in second_url and "q=question" in second_url and "page=2" in second_url
    second = page(browser.get(second_url))
    assert len(rows(second)) == 3
    assert "Page 2 of 2 · 23 threads" in words(second)
    # Nothing is listed twice and nothing is missing.
    assert len({r.thread_id for r in rows(first) + rows(second)}) == 23
    back = link_to(second, "← Previous")
    assert "page=1" in back and "filter=unread" in back


def test_mark_selected_read_and_unread(customer, as_customer, staff, staff2, browser):
    a, b, c = make_order(customer), make_order(customer), make_order(customer)
    for o in (a, b, c):
        services.post_message(o, as_customer, f"about order {o.id}")
    html = page(browser.login(staff).get(MESSAGES))
    ids = {r.text.split()[0]: r.thread_id for r in rows(html)}

    response = browser.post(
        f"{MESSAGES}/mark?scope=selected",
        {"action": "read", "thread_id": [ids["#00001"], ids["#00003"]], "filter": "all"},
    )
    assert response.status_code == 303
    html = page(browser.get(response.headers["Location"]))
    assert {r.text.split()[0]: r.unread for r in rows(html)} == {
        "#00001": False,
        "#00002": True,
        "#00003": False,
    }
    response = browser.post(
        f"{MESSAGES}/mark?scope=selected", {"action": "unread", "thread_id": [ids["#00001"]]}
    )
    html = page(browser.get(response.headers["Location"]))
    assert {r.text.split()[0]: r.unread for r in rows(html)} == {
        "#00001": True,
        "#00002": True,
        "#00003": False,
    }
    # Another staff member's marks are their own.
    assert services.bell_counts(services.staff_actor(staff2))["unread_threads"] == 3


def notice_of(html: str) -> tuple[str, str]:
    """The list's notice after a bulk change: (its class, its words)."""
    import re

    found = re.search(r'<p class="(om-[a-z]+)" role="status">([^<]*)</p>', html)
    assert found is not None
    return found.group(1), found.group(2)


def test_marking_with_nothing_ticked_asks_to_tick_first(customer, as_customer, staff, browser):
    services.post_message(make_order(customer), as_customer, "a question")
    response = browser.login(staff).post(f"{MESSAGES}/mark?scope=selected", {"action": "read"})
    assert response.status_code == 303
    html = page(browser.get(response.headers["Location"]))
    assert notice_of(html) == ("om-warning", "Tick the threads to change first.")
    assert [r.unread for r in rows(html)] == [True]


def test_marking_says_how_many_ticked_threads_stayed_as_they_were(
    customer, as_customer, as_staff, staff, browser
):
    asked, own = make_order(customer), make_order(customer)
    services.post_message(asked, as_customer, "a question")
    services.post_message(own, as_staff, "We shipped your order")  # only staff's own message
    html = page(browser.login(staff).get(MESSAGES))
    ids = [r.thread_id for r in rows(html)]
    response = browser.post(
        f"{MESSAGES}/mark?scope=selected", {"action": "unread", "thread_id": ids}
    )
    assert notice_of(page(browser.get(response.headers["Location"]))) == (
        "om-notice",
        "1 thread marked unread. 1 selected thread has no message from someone else,"
        " so it stays read.",
    )
    response = browser.post(f"{MESSAGES}/mark?scope=selected", {"action": "read", "thread_id": ids})
    assert notice_of(page(browser.get(response.headers["Location"]))) == (
        "om-notice",
        "2 threads marked read.",
    )


def test_mark_keeps_the_list_view(customer, as_customer, staff, browser):
    services.post_message(make_order(customer), as_customer, "refund please")
    response = browser.login(staff).post(
        f"{MESSAGES}/mark?scope=all", {"action": "read", "q": "refund", "filter": "unread"}
    )
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith(MESSAGES) and "q=refund" in location and "filter=unread" in location


def test_mark_all_read_then_all_unread_leaves_own_messages_alone(
    customer, as_customer, as_staff, staff, browser
):
    asked, own = make_order(customer), make_order(customer)
    services.post_message(asked, as_customer, "a question")
    services.post_message(asked, as_customer, "another question")
    services.post_message(own, as_staff, "We shipped your order")  # only staff's own message

    browser.login(staff)
    html = page(browser.get(MESSAGES))
    assert "Mark all read" in words(html) and "Mark all unread" in words(html)
    browser.post(f"{MESSAGES}/mark?scope=all", {"action": "read"})
    assert [r.unread for r in rows(page(browser.get(MESSAGES)))] == [False, False]
    assert services.bell_counts(as_staff)["unread_threads"] == 0

    browser.post(f"{MESSAGES}/mark?scope=all", {"action": "unread"})
    by_number = {r.text.split()[0]: r for r in rows(page(browser.get(MESSAGES)))}
    assert by_number["#00001"].unread
    assert "New 1 Carol Customer: another question" in by_number["#00001"].text
    assert not by_number["#00002"].unread  # your own message never turns unread


def test_bad_mark_requests_are_refused_in_words(staff, browser):
    browser.login(staff)
    response = browser.post(f"{MESSAGES}/mark?scope=all", {"action": "delete"})
    assert response.status_code == 400
    assert "Unknown action 'delete'" in words(page(response))
    response = browser.post(f"{MESSAGES}/mark?scope=selected", {"action": "read", "thread_id": "x"})
    assert response.status_code == 400
    assert "Thread ids must be whole numbers." in words(page(response))


def test_empty_section_says_so(staff, browser):
    html = page(browser.login(staff).get(MESSAGES))
    assert rows(html) == []
    assert "No messages yet." in words(html)
    assert "0 threads" in words(html)
