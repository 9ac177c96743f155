"""The customer's order list: "N unread messages" per order, and the header's total."""

from __future__ import annotations

import re

import pytest
from flask import url_for

from . import committing as services
from .conftest import make_order, order_messages
from .host_pages import link_to, page, words

pytestmark = pytest.mark.usefixtures("host_pages")


def order_rows(html: str) -> dict[int, str]:
    return {
        int(n): words(inner)
        for n, inner in re.findall(r'<li id="order-(\d+)">(.*?)</li>', html, re.S)
    }


def header(html: str) -> str:
    match = re.search(r'<div id="host-header">(.*?)</div>', html, re.S)
    assert match is not None
    return match.group(1)


def test_order_list_badges_and_header_total(customer, stranger, as_staff, browser):
    two, none, one, read = (make_order(customer) for _ in range(4))
    services.post_message(two, as_staff, "first")
    services.post_message(two, as_staff, "second")
    services.post_message(one, as_staff, "only")
    services.post_message(read, as_staff, "already read")
    services.mark_read(services.customer_actor(customer), [services.get_thread(read).id])
    services.post_message(make_order(stranger), as_staff, "not Carol's")

    html = page(browser.login(customer).get("/account/orders"))
    assert order_rows(html) == {
        two.id: f"Order {two.id} 2 unread messages",
        none.id: f"Order {none.id}",
        one.id: f"Order {one.id} 1 unread message",
        read.id: f"Order {read.id}",
    }
    assert words(header(html)) == "3 unread messages"
    # The header links to the order with the newest unread message, Messages tab open.
    assert (
        link_to(header(html), "3 unread") == f"/account/orders/{one.id}?tab=messages#order-messages"
    )


def test_badges_and_header_clear_after_reading(order, customer, as_staff, browser):
    services.post_message(order, as_staff, "Your parcel left")
    browser.login(customer)
    html = page(browser.get("/account/orders"))
    assert order_rows(html)[order.id] == f"Order {order.id} 1 unread message"
    assert words(header(html)) == "1 unread message"
    browser.get(link_to(header(html), "1 unread").split("#")[0])
    html = page(browser.get("/account/orders"))
    assert order_rows(html)[order.id] == f"Order {order.id}"
    assert header(html).strip() == ""


def test_own_messages_and_staff_notes_are_never_unread(
    order, customer, as_customer, as_staff, browser
):
    services.post_message(order, as_customer, "I wrote this")
    services.post_message(order, as_staff, "internal only", note=True)
    html = page(browser.login(customer).get("/account/orders"))
    assert order_rows(html)[order.id] == f"Order {order.id}"
    assert header(html).strip() == ""


def test_extension_pages_show_the_customer_header(order, customer, as_staff, browser):
    other = make_order(customer)
    services.post_message(other, as_staff, "News about your other order")
    services.post_message(order, as_staff, "About this one")
    html = page(browser.login(customer).get(f"/order-messages/orders/{order.id}"))
    head = html[html.index("<header") : html.index("</header>")]
    # This order was just read on this very page; the other one is still waiting.
    assert words(head) == "1 unread message"
    assert link_to(head, "1 unread") == f"/account/orders/{other.id}?tab=messages#order-messages"


@pytest.fixture
def orders_url(app):
    """The ``customer_orders_url`` hook, registered for the test: the host's order list.
    Lists whom it was asked about."""
    asked: list[int] = []

    def hook(user):
        asked.append(user.id)
        return url_for("host_customer_orders")

    order_messages.customer_orders_url(hook)
    yield asked
    vars(order_messages.hooks).pop("customer_orders_url", None)


def test_unread_on_several_orders_leads_to_the_hosts_order_list(
    customer, as_staff, browser, orders_url
):
    """With the hook, the header's note leads to the order list (each order's count is there)
    while more than one order holds unread messages; to the one order when one does, and the
    hook is not even asked then."""
    first, second = make_order(customer), make_order(customer)
    services.post_message(first, as_staff, "Your parcel left")
    html = page(browser.login(customer).get("/account/orders"))
    only = f"/account/orders/{first.id}?tab=messages#order-messages"
    assert link_to(header(html), "1 unread") == only and orders_url == []
    services.post_message(second, as_staff, "And the other one too")
    html = page(browser.get("/account/orders?page=1"))  # not the list's own address
    assert words(header(html)) == "2 unread messages"
    assert link_to(header(html), "2 unread") == "/account/orders"
    assert set(orders_url) == {customer.id}  # the layout has the note too
    # On the list's own address the note is no link: it would only load the page again.
    listed = header(page(browser.get("/account/orders")))
    assert words(listed) == "2 unread messages" and 'href="/account/orders"' not in listed
    # Read one of them: the note leads to the other again.
    browser.get(f"/account/orders/{second.id}")
    assert link_to(header(page(browser.get("/account/orders"))), "1 unread") == only


def test_a_hook_that_answers_none_keeps_the_link_and_a_wrong_type_names_it(
    customer, as_staff, browser, orders_url
):
    first, second = make_order(customer), make_order(customer)
    services.post_message(first, as_staff, "One")
    services.post_message(second, as_staff, "Two")
    order_messages.customer_orders_url(lambda user: None)
    html = page(browser.login(customer).get("/account/orders"))
    newest = f"/account/orders/{second.id}?tab=messages#order-messages"
    assert link_to(header(html), "2 unread") == newest
    order_messages.customer_orders_url(lambda user: 42)
    with pytest.raises(TypeError) as raised:
        browser.get("/account/orders")
    assert "'customer_orders_url' hook must return" in str(raised.value)
