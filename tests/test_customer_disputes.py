"""Disputes from the customer's side: open with a reason, see it in progress, withdraw it."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from . import committing as services
from .host_pages import (
    P,
    backdate,
    customer_thread,
    db_state,
    entry_bodies,
    link_to,
    page,
    textarea,
    words,
)

pytestmark = pytest.mark.usefixtures("host_pages")


def dispute_note(thread: str) -> str:
    match = re.search(r'<div class="om-dispute-note"[^>]*>(.*?)</div>\s*</div>', thread, re.S)
    assert match is not None, "no dispute note"
    return words(match.group(1))


def test_customer_opens_a_dispute_with_a_reason(order, as_staff, customer, staff, browser):
    services.post_message(order, as_staff, "Shipped")
    browser.login(customer)
    thread = customer_thread(browser, order)
    open_url = link_to(thread, "Open dispute")
    form = page(browser.get(open_url))
    assert "Open a dispute on order #00001" in words(form)
    assert "Reason" in words(form)
    assert link_to(form, "Cancel") == f"/account/orders/{order.id}#order-messages"

    response = browser.post(
        open_url, {"reason": "It never arrived", "next": f"/account/orders/{order.id}"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/account/orders/{order.id}#order-messages"
    backdate(order, datetime(2018, 8, 29, 8, 0))
    thread = customer_thread(browser, order)
    assert dispute_note(thread) == (
        "A dispute is in progress since Aug 29, 2018, opened by you. It never arrived"
    )
    assert "Withdraw dispute" in words(thread)
    assert "Open dispute" not in words(thread)
    # Staff see it in the bell.
    assert services.bell_counts(services.staff_actor(staff))["open_disputes"] == 1


def test_empty_reason_is_refused_with_the_text_kept(order, customer, browser):
    before = db_state()
    response = browser.login(customer).post(
        f"{P}/orders/{order.id}/dispute/open", {"reason": "   "}
    )
    assert response.status_code == 400
    html = page(response)
    assert "The reason cannot be empty." in words(html)
    assert textarea(html, "reason") == "   "
    assert db_state() == before


def test_dispute_opened_by_staff_shows_who_and_cannot_be_withdrawn(
    order, as_staff, customer, browser
):
    services.open_dispute(order, as_staff, "Payment bounced")
    backdate(order, datetime(2018, 8, 29, 8, 0))
    browser.login(customer)
    thread = customer_thread(browser, order)
    assert dispute_note(thread) == (
        "A dispute is in progress since Aug 29, 2018, opened by Admin Admin. Payment bounced"
    )
    assert "Withdraw dispute" not in words(thread)
    html = page(browser.get(f"{P}/orders/{order.id}/dispute/close"))
    assert "Only the store can close it." in words(html)
    assert "Yes, withdraw" not in words(html)
    before = db_state()
    response = browser.post(f"{P}/orders/{order.id}/dispute/close")
    assert response.status_code == 409
    assert "Only the store can close a dispute it opened." in words(page(response))
    assert db_state() == before


def test_withdraw_asks_for_confirmation(order, as_customer, customer, staff, browser):
    services.open_dispute(order, as_customer, "Wrong colour")
    browser.login(customer)
    thread = customer_thread(browser, order)
    withdraw_url = link_to(thread, "Withdraw dispute")
    confirm = page(browser.get(withdraw_url))
    assert "Withdraw your dispute on order #00001?" in words(confirm)
    assert "Reason: Wrong colour" in words(confirm)
    assert "Yes, withdraw dispute" in words(confirm)
    assert "Note (optional)" not in words(confirm)  # staff close with a note, not customers
    assert services.open_dispute_of(order) is not None

    response = browser.post(withdraw_url, {"next": f"/account/orders/{order.id}"})
    assert response.status_code == 303
    thread = customer_thread(browser, order)
    assert "om-dispute-note" not in thread
    assert "dispute is in progress" not in words(thread)
    text = words(thread)
    assert "Dispute opened by Carol Customer" in text
    assert "Dispute closed by Carol Customer" in text
    assert entry_bodies(thread)[-1] == "Withdrawn by the customer."
    assert services.bell_counts(services.staff_actor(staff))["open_disputes"] == 0


def test_staff_events_appear_in_words(order, as_staff, customer, browser):
    services.post_message(order, as_staff, "We checked your order")
    services.open_dispute(order, as_staff, "Chargeback received")
    services.close_dispute(order, as_staff, note="Bank confirmed, all fine")
    thread = customer_thread(browser.login(customer), order)
    text = words(thread)
    assert "Dispute opened by Admin Admin" in text
    assert "Dispute closed by Admin Admin" in text
    assert entry_bodies(thread) == [
        "We checked your order",
        "Chargeback received",
        "Bank confirmed, all fine",
    ]
    assert "dispute_opened" not in text and "dispute_closed" not in text
