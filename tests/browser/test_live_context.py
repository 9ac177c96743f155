"""Live updates on pages that had nothing yet: an order tab with no messages shows the first
one without a reload (staff and customer side), and the bell's accessible name follows its
numbers.  The shop polls every second; a window property set before the change must still be
there after it (no reload happened)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .helpers import bell_count, count, open_messages_tab
from .recipes import axe_violations
from .test_live_bell import LIVE_TIMEOUT, mark_document, same_document


def accessible(page, shots, step: str) -> None:
    shots.take(page, step)
    violations = axe_violations(page)
    assert not violations, f"{step}:\n" + "\n".join(violations)


def test_staff_see_the_first_message_of_an_empty_thread_live(browse, shots):
    staff = browse.page(user="admin", label="staff")
    staff.goto("/admin/orders/9?tab=messages")
    thread = staff.locator("#order-messages")
    expect(thread.locator(".om-empty")).to_be_visible()
    expect(thread.locator(".om-entry")).to_have_count(0)
    mark_document(staff)
    accessible(staff, shots, "empty thread open")

    customer = browse.page(user="dan", label="customer")
    open_messages_tab(customer, "00009")
    question = "Does the bottle come with a spare filter?"
    customer.get_by_placeholder("Write your message here").fill(question)
    customer.get_by_role("button", name="Send", exact=True).click()
    expect(customer.locator("#order-messages .om-entry.om-mine")).to_contain_text(question)

    fresh = thread.locator(".om-entry")
    expect(fresh).to_have_count(1, timeout=LIVE_TIMEOUT)
    expect(fresh).to_contain_text(question)
    expect(fresh.locator(".om-author")).to_have_text("Dan Dawson")
    expect(thread.locator(".om-empty")).to_have_count(0)  # "no messages yet" is gone
    assert same_document(staff)
    accessible(staff, shots, "first message shown without reload")


def test_customers_see_the_first_answer_of_an_empty_thread_live(browse, shots):
    customer = browse.page(user="dan", label="customer")
    open_messages_tab(customer, "00009")
    thread = customer.locator("#order-messages")
    expect(thread.locator(".om-empty")).to_be_visible()
    mark_document(customer)

    staff = browse.page(user="admin", label="staff")
    staff.goto("/admin/orders/9?tab=messages")
    note = "Your order is packed and leaves this afternoon."
    staff.get_by_placeholder("Write your message here").fill(note)
    staff.get_by_role("button", name="Send", exact=True).click()
    expect(staff.locator("#order-messages .om-entry.om-mine")).to_contain_text(note)

    fresh = thread.locator(".om-entry")
    expect(fresh).to_have_count(1, timeout=LIVE_TIMEOUT)
    expect(fresh).to_contain_text(note)
    expect(fresh.locator(".om-role")).to_have_text("Staff")
    expect(thread.locator(".om-empty")).to_have_count(0)
    assert same_document(customer)
    accessible(customer, shots, "first answer shown without reload")


def test_the_bells_label_follows_its_numbers(browse, shots):
    staff = browse.page(user="admin", label="staff")
    summary = staff.locator(".om-bell summary")
    disputes = count(staff, "open_disputes")
    unread = count(staff, "unread_threads")
    expect(summary).to_have_attribute("aria-label", re.compile(rf"^Messages: {unread} unread, "))
    mark_document(staff)

    customer = browse.page(user="dan", label="customer")
    open_messages_tab(customer, "00009")
    customer.get_by_placeholder("Write your message here").fill("The lid is cracked.")
    customer.get_by_role("button", name="Send", exact=True).click()
    customer.locator("#order-messages").get_by_role("link", name="Open dispute").click()
    dialog = customer.get_by_role("dialog")
    dialog.get_by_label("Reason").fill("The lid arrived cracked.")
    dialog.get_by_role("button", name="Open dispute").click()
    expect(customer.locator(".om-dispute-note")).to_be_visible()

    # Two numbers: the disputed unread thread counts once in each.
    expect(bell_count(staff, "open_disputes")).to_have_text(str(disputes + 1), timeout=LIVE_TIMEOUT)
    expect(bell_count(staff, "unread_threads")).to_have_text(str(unread + 1))
    # And the name a screen reader hears says the same, without a reload.
    expect(summary).to_have_attribute(
        "aria-label",
        re.compile(rf"^Messages: {unread + 1} unread, {disputes + 1} open disputes?\b"),
    )
    assert same_document(staff)
    accessible(staff, shots, "bell label follows")
