"""The team inbox in Chromium on the example shop: a staff member assigns a thread to a
colleague and to themselves, sets its status, then closes and reopens threads in bulk from
the Messages list; axe-core checks both staff pages (WCAG 2.2 A and AA)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .helpers import order_row
from .recipes import AXE_TAGS_22, axe_violations


def test_assign_and_status_from_the_thread_and_in_bulk(browse, shots):
    page = browse.page(user="admin", label="staff")
    page.goto("/order-messages/admin/messages")
    rows = page.locator("tr.om-row")
    expect(rows.first).to_be_visible()
    expect(page.get_by_label("Status", exact=True)).to_have_value("active")
    number = rows.first.locator(".om-order a").inner_text().lstrip("#")

    # From the thread: the select of staff members, keyboard only.
    order_row(page, number).get_by_role("link", name=f"#{number}").click()
    thread = page.locator("#order-messages")
    assignee = thread.get_by_label("Assignee", exact=True)
    assignee.select_option(label="Sam Support")
    assignee.focus()
    page.keyboard.press("Tab")
    expect(thread.get_by_role("button", name="Assign", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(thread.locator(".om-assignee")).to_have_text("Assigned to: Sam Support")
    expect(thread.locator(".om-team-event .om-event-text").last).to_have_text(
        re.compile(r"^Assigned to Sam Support by Admin Admin")
    )
    thread.get_by_role("button", name="Assign to me").click()
    expect(thread.locator(".om-assignee")).to_have_text("Assigned to: Admin Admin")
    expect(thread.get_by_role("button", name="Assign to me")).to_have_count(0)
    thread.get_by_label("Status", exact=True).select_option("waiting")
    thread.get_by_role("button", name="Set status").click()
    expect(thread.locator(".om-status")).to_have_text("Status: Waiting on customer")
    assert axe_violations(page, tags=AXE_TAGS_22) == []
    shots.take(page, "thread assigned and waiting")

    # The list: "Mine" shows it, with its assignee and status.
    page.goto("/order-messages/admin/messages")
    page.get_by_label("Assigned to").select_option("mine")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"view=mine"))
    expect(rows).to_have_count(1)
    expect(rows.first.locator(".om-assignee")).to_have_text("Admin Admin")
    expect(rows.first.locator(".om-status")).to_have_text("Waiting on customer")

    # Bulk: close it, then find it among the closed ones and reopen it.
    rows.first.locator("input[name=thread_id]").check()
    page.get_by_role("button", name="Close", exact=True).click()
    expect(page).to_have_url(re.compile(r"view=mine"))
    expect(rows).to_have_count(0)
    expect(page.locator(".om-empty")).to_have_text("No threads in this view.")
    page.get_by_label("Status", exact=True).select_option("closed")
    page.get_by_role("button", name="Search").click()
    expect(rows).to_have_count(1)
    assert axe_violations(page, tags=AXE_TAGS_22) == []
    shots.take(page, "mine closed")
    rows.first.locator("input[name=thread_id]").check()
    page.get_by_role("button", name="Reopen").click()
    expect(rows).to_have_count(0)
    page.goto("/order-messages/admin/messages?view=all")
    expect(order_row(page, number).locator(".om-status")).to_have_text("Open")
    shots.take(page, "messages list with assignees")
