"""The customer's order list: "N unread messages" per order, and the header's total."""

from __future__ import annotations

import re

import pytest

from . import committing as services
from .conftest import make_order
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
