"""The Messages tab on the host's admin order page, and the extension's own staff thread page."""

from __future__ import annotations

import re

import pytest

from . import committing as services
from .conftest import User, db, make_order
from .host_pages import (
    P,
    db_state,
    entry_bodies,
    follow,
    page,
    staff_order_page,
    textarea,
    thread_section,
    words,
)

pytestmark = pytest.mark.usefixtures("host_pages")


def order_owner(order):
    return db.session.get(User, order.customer_id)


def tab_label(html: str) -> str:
    match = re.search(r'id="messages-tab">(.*?)</a>', html, re.S)
    assert match is not None
    return words(match.group(1))


def test_tab_label_carries_the_unread_count(order, as_customer, as_staff, staff, browser):
    services.post_message(order, as_customer, "one")
    services.post_message(order, as_customer, "two")
    browser.login(staff)
    html = staff_order_page(browser, order, tab="details")
    assert tab_label(html) == "Messages 2"
    assert 'title="2 unread"' in html
    staff_order_page(browser, order)  # opening the tab reads the thread
    assert tab_label(staff_order_page(browser, order, tab="details")) == "Messages"


def test_tab_label_counts_only_for_this_staff_member(order, as_customer, staff, staff2, browser):
    services.post_message(order, as_customer, "one")
    staff_order_page(browser.login(staff), order)
    assert tab_label(staff_order_page(browser.login(staff2), order, tab="details")) == "Messages 1"


def test_thread_is_oldest_first_with_authors_and_roles(
    order, as_customer, as_staff, staff, browser
):
    services.post_message(order, as_customer, "first")
    services.post_message(order, as_staff, "second")
    services.post_message(order, as_customer, "third")
    html = thread_section(staff_order_page(browser.login(staff), order))
    assert entry_bodies(html) == ["first", "second", "third"]
    text = words(html)
    assert re.search(r"Carol Customer Customer \w+ \d+, \d{4}, \d{1,2}:\d\d\s[AP]M first", text)
    assert re.search(r"Admin Admin Staff \w+ \d+, \d{4}, \d{1,2}:\d\d\s[AP]M second", text)
    assert "Write your message here" in html
    assert '<button type="submit" class="om-button om-primary">Send</button>' in html


def test_new_messages_divider_sits_before_the_first_unread(
    order, as_customer, as_staff, staff, browser
):
    services.post_message(order, as_customer, "old question")
    services.post_message(order, as_staff, "old answer")
    services.post_message(order, as_customer, "new one")
    services.post_message(order, as_customer, "newer one")
    html = thread_section(staff_order_page(browser.login(staff), order))
    assert html.count("New messages") == 1
    divider = html.index("New messages")
    assert html.index("old answer") < divider < html.index("new one") < html.index("newer one")
    # Read now: no divider on the next visit.
    assert "New messages" not in thread_section(staff_order_page(browser, order))


def test_divider_before_the_first_message_of_a_thread_never_seen(
    order, as_customer, staff, browser
):
    services.post_message(order, as_customer, "hello")
    html = thread_section(staff_order_page(browser.login(staff), order))
    assert html.index("New messages") < html.index("hello")


def test_own_messages_never_get_the_divider(order, as_staff, staff, browser):
    services.post_message(order, as_staff, "we shipped it")
    assert "New messages" not in thread_section(staff_order_page(browser.login(staff), order))


def folded_link(html: str) -> str:
    """The fold's link text, asserting it leads to this page with the middle open."""
    link = re.search(r'<a class="om-fold-link" href="([^"]+)">([^<]*)</a>', html)
    assert link is not None, "no fold link"
    assert "om_unfold=1" in link.group(1) and link.group(1).endswith("#om-fold")
    return link.group(2)


def test_long_thread_folds_its_middle(order, as_customer, as_staff, staff, browser):
    for n in range(1, 21):
        services.post_message(order, as_customer if n % 2 else as_staff, f"message {n}")
    services.mark_read(as_staff)
    html = thread_section(staff_order_page(browser.login(staff), order))
    # Folded, the middle is not rendered at all: a link says how many entries it holds.
    assert "<details" not in html
    assert folded_link(html) == "12 earlier messages"
    assert entry_bodies(html) == [f"message {n}" for n in (1, 2, *range(15, 21))]
    # Unfolding needs no JavaScript: the link's page renders every entry, in order.
    html = thread_section(staff_order_page(browser, order, query="&om_unfold=1"))
    fold = re.search(r"<details open>(.*?)</details>", html, re.S)
    assert fold is not None
    assert "<summary>12 earlier messages</summary>" in fold.group(1)
    assert entry_bodies(fold.group(1)) == [f"message {n}" for n in range(3, 15)]
    assert entry_bodies(html) == [f"message {n}" for n in range(1, 21)]


def test_folding_never_hides_unread_messages(order, as_customer, as_staff, staff, browser):
    for n in range(1, 6):
        services.post_message(order, as_staff, f"message {n}")
    for n in range(6, 21):
        services.post_message(order, as_customer, f"message {n}")
    html = thread_section(staff_order_page(browser.login(staff), order, query="&om_unfold=1"))
    fold = re.search(r"<details open>(.*?)</details>", html, re.S)
    assert fold is not None
    assert "<summary>3 earlier messages</summary>" in fold.group(1)
    assert entry_bodies(fold.group(1)) == ["message 3", "message 4", "message 5"]
    outside = html.replace(fold.group(0), "")
    assert entry_bodies(outside) == [f"message {n}" for n in (1, 2, *range(6, 21))]
    assert outside.index("New messages") < outside.index("message 6")


def test_the_fold_link_keeps_the_page_and_its_query(order, as_staff, staff, browser):
    for n in range(1, 21):
        services.post_message(order, as_staff, f"message {n}")
    browser.login(staff)
    html = thread_section(staff_order_page(browser, order, query="&x=a%26b&om_unfold=0"))
    link = re.search(r'<a class="om-fold-link" href="([^"]+)">', html)
    assert link is not None
    assert link.group(1) == (
        f"/admin/orders/{order.id}?tab=messages&amp;x=a%26b&amp;om_unfold=1#om-fold"
    )


def test_short_thread_is_never_folded(order, as_customer, staff, browser):
    for n in range(1, 13):
        services.post_message(order, as_customer, f"message {n}")
    html = thread_section(staff_order_page(browser.login(staff), order))
    assert "<details" not in html and "om-fold" not in html
    assert len(entry_bodies(html)) == 12


def test_reply_goes_back_to_the_host_page_and_shows(order, as_customer, staff, browser):
    services.post_message(order, as_customer, "Is it in stock?")
    html = staff_order_page(browser.login(staff), order)
    form_next = re.search(r'name="next" value="([^"]*)"', thread_section(html))
    assert form_next is not None and form_next.group(1) == f"/admin/orders/{order.id}?tab=messages"
    response = browser.post(
        f"{P}/admin/orders/{order.id}/messages",
        {"body": "Yes, ships tomorrow.", "next": form_next.group(1)},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/orders/{order.id}?tab=messages#order-messages"
    html = thread_section(staff_order_page(browser, order))
    assert entry_bodies(html) == ["Is it in stock?", "Yes, ships tomorrow."]
    # The customer now has it unread.
    assert services.order_unread_count(order, services.customer_actor(order_owner(order))) == 1


def test_reply_without_next_goes_to_the_order_page(order, as_customer, staff, browser):
    services.post_message(order, as_customer, "Hi")
    response = browser.login(staff).post(f"{P}/admin/orders/{order.id}/messages", {"body": "Hi!"})
    assert response.headers["Location"] == f"/admin/orders/{order.id}?tab=messages#order-messages"


def test_reply_never_redirects_to_another_site(order, staff, browser):
    for bad in ("//evil.test/x", "https://evil.test/", "/\\evil.test"):
        response = browser.login(staff).post(
            f"{P}/admin/orders/{order.id}/messages", {"body": "Hi", "next": bad}
        )
        location = response.headers["Location"]
        assert location == f"/admin/orders/{order.id}?tab=messages#order-messages"


def test_staff_can_start_a_thread_on_an_order_without_one(customer, staff, browser):
    quiet = make_order(customer)
    html = thread_section(staff_order_page(browser.login(staff), quiet))
    assert "No messages on this order yet. You can start the conversation." in words(html)
    assert "Start a conversation with the customer" in words(html)
    assert "Mark unread" not in words(html)
    response = browser.post(
        f"{P}/admin/orders/{quiet.id}/messages", {"body": "Your parcel is delayed, sorry."}
    )
    assert response.status_code == 303
    html = thread_section(staff_order_page(browser, quiet))
    assert entry_bodies(html) == ["Your parcel is delayed, sorry."]
    assert services.bell_counts(services.customer_actor(customer))["unread_threads"] == 1


def test_viewing_marks_read_for_that_staff_member_only(order, as_customer, staff, staff2, browser):
    services.post_message(order, as_customer, "Where is it?")
    staff_order_page(browser.login(staff), order)
    assert services.bell_counts(services.staff_actor(staff))["unread_threads"] == 0
    assert services.bell_counts(services.staff_actor(staff2))["unread_threads"] == 1
    assert services.bell_counts(services.customer_actor(order_owner(order)))["unread_threads"] == 0


def test_details_tab_alone_does_not_mark_read(order, as_customer, staff, browser):
    services.post_message(order, as_customer, "Where is it?")
    staff_order_page(browser.login(staff), order, tab="details")
    assert services.bell_counts(services.staff_actor(staff))["unread_threads"] == 1


def test_mark_unread_button_puts_the_thread_back_in_the_list(order, as_customer, staff, browser):
    services.post_message(order, as_customer, "Where is it?")
    html = thread_section(staff_order_page(browser.login(staff), order))
    assert "Mark unread" in words(html)
    response = browser.post(f"{P}/admin/orders/{order.id}/unread")
    assert response.status_code == 303
    assert response.headers["Location"] == f"{P}/admin/messages"
    listing = page(browser.get(response.headers["Location"]))
    assert "New 1 Carol Customer: Where is it?" in words(listing)


def test_extension_own_staff_thread_page(order, as_customer, staff, browser):
    services.post_message(order, as_customer, "Hello from the page")
    response = browser.login(staff).get(f"{P}/admin/orders/{order.id}")
    assert response.status_code == 200
    html = page(response)
    assert "<title>Messages · Order #00001</title>" in html
    assert "Order #00001 · Messages" in words(html)
    assert "← All messages" in words(html)
    assert entry_bodies(thread_section(html)) == ["Hello from the page"]
    assert services.bell_counts(services.staff_actor(staff))["unread_threads"] == 0


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("   \n\t  ", "Your message cannot be empty."),
        ("x" * 5001, "Your message is too long: 5,001 characters, the limit is 5,000."),
    ],
)
def test_refused_body_comes_back_with_the_text_and_nothing_saved(
    order, as_customer, staff, browser, body, error
):
    services.post_message(order, as_customer, "Hi")
    before = db_state()
    response = browser.login(staff).post(
        f"{P}/admin/orders/{order.id}/messages",
        {"body": body, "next": f"/admin/orders/{order.id}?tab=messages"},
    )
    assert db_state() == before
    # Back on the host's own order page (no JavaScript needed), the text and error in its panel.
    html = follow(browser, response, to=f"/admin/orders/{order.id}?tab=messages")
    assert "(host page)" in html
    panel = thread_section(html)
    assert error in words(panel)
    assert '<p class="om-error" role="alert"' in panel
    assert textarea(panel) == body


def test_orders_filter_partial_and_query_helper(customer, as_customer, as_staff, staff, browser):
    unread, read, silent = make_order(customer), make_order(customer), make_order(customer)
    services.post_message(unread, as_customer, "unread")
    services.post_message(read, as_staff, "we wrote")
    browser.login(staff)
    html = page(browser.get("/admin/orders"))
    assert re.findall(r"<option[^>]*>([^<]*)</option>", html) == [
        "All orders",
        "Orders with unread messages",
        "Orders with any messages",
    ]
    assert '<option value="all" selected>' in html

    def listed(mode):
        html = page(browser.get("/admin/orders", query_string={"messages": mode}))
        return re.findall(r"<li>Order (\d+)</li>", html)

    assert listed("all") == [str(unread.id), str(read.id), str(silent.id)]
    assert listed("unread") == [str(unread.id)]
    assert listed("any") == [str(unread.id), str(read.id)]
    html = page(browser.get("/admin/orders", query_string={"messages": "unread"}))
    assert '<option value="unread" selected>' in html
