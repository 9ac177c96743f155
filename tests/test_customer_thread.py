"""The Messages tab on the customer's order page: the thread, writing, replying, unread marks."""

from __future__ import annotations

import re

import pytest

from . import committing as services
from .conftest import make_order
from .host_pages import (
    P,
    customer_order_page,
    db_state,
    entry_bodies,
    follow,
    page,
    textarea,
    thread_section,
    words,
)

pytestmark = pytest.mark.usefixtures("host_pages")


def tab_label(html: str) -> str:
    match = re.search(r'id="messages-tab">(.*?)</a>', html, re.S)
    assert match is not None
    return words(match.group(1))


def test_order_without_thread_offers_contact_us(order, customer, browser):
    html = thread_section(customer_order_page(browser.login(customer), order))
    text = words(html)
    assert "No messages yet. Questions about this order? Contact us below." in text
    assert "Contact us about this order" in text
    assert 'placeholder="Write your message here"' in html
    assert "Send" in text.split()


def test_customer_writes_first_and_staff_sees_it(order, customer, staff, browser):
    browser.login(customer)
    form_next = re.search(r'name="next" value="([^"]*)"', customer_order_page(browser, order))
    assert form_next is not None
    response = browser.post(
        f"{P}/orders/{order.id}/messages",
        {"body": "Can I change the address?", "next": form_next.group(1)},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/account/orders/{order.id}#order-messages"
    html = thread_section(customer_order_page(browser, order))
    assert entry_bodies(html) == ["Can I change the address?"]
    assert "Reply" in words(html)
    assert "New messages" not in html  # your own message is never new to you
    assert services.bell_counts(services.staff_actor(staff))["unread_threads"] == 1


def test_staff_answer_is_unread_with_count_and_divider(
    order, as_customer, as_staff, customer, browser
):
    services.post_message(order, as_customer, "Can I change the address?")
    services.post_message(order, as_staff, "Yes, done.")
    services.post_message(order, as_staff, "Anything else?")
    browser.login(customer)
    orders = page(browser.get("/account/orders"))
    assert "2 unread messages" in words(orders)
    html = customer_order_page(browser, order)
    # The page that shows the thread marked it read before drawing: its tab label counts
    # nothing, and the thread shows where the new messages start.
    assert tab_label(html) == "Messages"
    thread = thread_section(html)
    assert thread.index("Can I change") < thread.index("New messages") < thread.index("Yes, done.")
    when = r"\w+ \d+, \d{4}, \d{1,2}:\d\d\s[AP]M"  # Babel's English: Aug 29, 2018, 2:05 PM
    assert re.search(rf"Admin Admin Staff {when} Yes, done.", words(thread))
    # Viewing marked it read for the customer, not for anyone else.
    html = customer_order_page(browser, order)
    assert tab_label(html) == "Messages"
    assert "New messages" not in html
    assert services.bell_counts(services.customer_actor(customer))["unread_threads"] == 0


def test_customer_reply(order, as_staff, customer, staff, browser):
    services.post_message(order, as_staff, "Your parcel is delayed.")
    browser.login(customer)
    customer_order_page(browser, order)
    browser.post(f"{P}/orders/{order.id}/messages", {"body": "OK, thanks for telling me."})
    html = thread_section(customer_order_page(browser, order))
    assert entry_bodies(html) == ["Your parcel is delayed.", "OK, thanks for telling me."]
    assert services.bell_counts(services.staff_actor(staff))["unread_threads"] == 1


def test_customer_never_sees_staff_notes(order, as_customer, as_staff, customer, browser):
    services.post_message(order, as_customer, "Where is it?")
    services.post_message(order, as_staff, "Customer is angry, be careful", note=True)
    services.post_message(order, as_staff, "On its way!")
    orders = page(browser.login(customer).get("/account/orders"))
    assert "1 unread message" in words(orders) and "unread messages" not in words(orders)
    html = customer_order_page(browser, order)
    assert entry_bodies(thread_section(html)) == ["Where is it?", "On its way!"]
    assert "angry" not in html


def test_extension_own_customer_thread_page(order, as_staff, customer, browser):
    services.post_message(order, as_staff, "We have a question")
    response = browser.login(customer).get(f"{P}/orders/{order.id}")
    assert response.status_code == 200
    html = page(response)
    assert "Order #00001 · Messages" in words(html)
    assert entry_bodies(thread_section(html)) == ["We have a question"]
    assert "All messages" not in words(html)  # that link is for staff
    assert "om-bell" not in html
    assert services.bell_counts(services.customer_actor(customer))["unread_threads"] == 0


def test_panel_is_empty_for_someone_else_s_order(order, stranger, app):
    with app.test_request_context():
        from flask_login import login_user

        login_user(stranger)
        helpers = app.jinja_env.globals["order_messages"]
        assert str(helpers.customer_panel(order)) == ""
        assert words(str(helpers.customer_tab_label(order))) == "Messages"


def test_tab_label_does_not_count_another_customer_s_order(order, as_staff, stranger, app):
    services.post_message(order, as_staff, "For Carol only")
    with app.test_request_context():
        from flask_login import login_user

        login_user(stranger)
        helpers = app.jinja_env.globals["order_messages"]
        assert words(str(helpers.customer_tab_label(order))) == "Messages"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("", "Your message cannot be empty."),
        (" \r\n ", "Your message cannot be empty."),
        ("é" * 5001, "Your message is too long: 5,001 characters, the limit is 5,000."),
    ],
)
def test_refused_body_comes_back_on_the_order_page_with_the_text_kept(
    order, as_staff, customer, browser, body, error
):
    services.post_message(order, as_staff, "Hello")
    before = db_state()
    response = browser.login(customer).post(
        f"{P}/orders/{order.id}/messages", {"body": body, "next": f"/account/orders/{order.id}"}
    )
    assert db_state() == before
    # The unread staff message is still unread: a refused post reads nothing.
    assert services.bell_counts(services.customer_actor(customer))["unread_threads"] == 1
    html = follow(browser, response, to=f"/account/orders/{order.id}")
    assert f"Your order #{order.id}" in html
    panel = thread_section(html)
    assert error in words(panel)
    assert textarea(panel) == body
    assert 'aria-invalid="true"' in panel


def test_refused_first_message_creates_no_thread(customer, browser):
    quiet = make_order(customer)
    before = db_state()
    response = browser.login(customer).post(f"{P}/orders/{quiet.id}/messages", {"body": "  "})
    assert db_state() == before
    # No "next": the order page the customer_order_url hook names.
    html = follow(browser, response, to=f"/account/orders/{quiet.id}?tab=messages")
    assert "Contact us about this order" in words(html)
    assert "Your message cannot be empty." in words(html)
