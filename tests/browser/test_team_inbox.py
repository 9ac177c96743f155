"""The team inbox in Chromium on the example shop: a staff member assigns a thread to a
colleague and to themselves, sets its status, then closes and reopens threads in bulk from
the Messages list; the bell counts the replies overdue and follows them live; and the shop
with assignment, status and response targets switched off shows none of them.  axe-core
checks every staff page (WCAG 2.2 A and AA)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import Browse, Screenshots, live_shop
from .helpers import bell_count, count, order_row, row_numbers
from .recipes import AXE_TAGS_22, axe_violations
from .test_live_bell import LIVE_TIMEOUT, mark_document, same_document


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
    accessible(page)
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
    accessible(page)
    shots.take(page, "mine closed")
    rows.first.locator("input[name=thread_id]").check()
    page.get_by_role("button", name="Reopen").click()
    expect(rows).to_have_count(0)
    page.goto("/order-messages/admin/messages?view=all")
    expect(order_row(page, number).locator(".om-status")).to_have_text("Open")
    shots.take(page, "messages list with assignees")


def accessible(page: Any) -> None:
    """axe-core finds nothing (WCAG 2.2 A and AA) once the page has loaded: a check that runs
    while a new page's stylesheet is still on its way sees unstyled links run together."""
    page.wait_for_load_state("load")
    violations = axe_violations(page, tags=AXE_TAGS_22)
    assert not violations, "\n".join(violations)


def test_the_bell_counts_replies_overdue_and_follows_them_live(browse, shots):
    """The demo's older questions are past their reply target: the bell shows how many as a
    number of its own, says it in its name, links to the overdue view, and drops live when a
    colleague answers one."""
    admin = browse.page(user="admin", label="admin")
    admin.goto("/order-messages/admin/messages")
    late = bell_count(admin, "overdue_replies")
    expect(late).to_be_visible()
    overdue = count(admin, "overdue_replies")
    assert overdue >= 1
    expect(late).to_have_attribute("title", "Replies overdue")
    summary = admin.locator(".om-bell summary")
    expect(summary).to_have_attribute(
        "aria-label",
        re.compile(rf", {overdue} repl(y|ies) overdue$"),
    )
    summary.click()
    link = admin.locator(".om-bell-menu").get_by_role("link", name=re.compile("^Replies overdue"))
    expect(link).to_contain_text(str(overdue))
    accessible(admin)
    shots.take(admin, "bell open with replies overdue", full_page=False)

    # Its link: the list's overdue view, as many rows as the bell says, each overdue.
    link.click()
    expect(admin).to_have_url(re.compile(r"due=overdue"))
    expect(admin.get_by_label("Replies", exact=True)).to_have_value("overdue")
    rows = admin.locator("tr.om-row")
    expect(rows).to_have_count(overdue)
    for i in range(overdue):
        expect(rows.nth(i).locator(".om-due-overdue")).to_contain_text("Overdue by")
    accessible(admin)
    shots.take(admin, "overdue view from the bell")
    number = row_numbers(admin)[0].lstrip("#")
    mark_document(admin)

    # A colleague answers one of them: the admin's bell drops without a reload.
    sam = browse.page(user="support", label="sam")
    sam.goto(f"/admin/orders/{int(number)}?tab=messages")
    sam.get_by_placeholder("Write your message here").fill("Sorry for the wait, it ships today.")
    sam.get_by_role("button", name="Send", exact=True).click()
    expect(sam.locator("#order-messages .om-entry.om-mine").last).to_contain_text("ships today")
    expect(sam.locator("#order-messages .om-response-due")).to_have_count(0)

    if overdue == 1:
        expect(late).to_be_hidden(timeout=LIVE_TIMEOUT)
        expect(summary).not_to_have_attribute("aria-label", re.compile("overdue$"))
    else:
        expect(late).to_have_text(str(overdue - 1), timeout=LIVE_TIMEOUT)
        expect(summary).to_have_attribute(
            "aria-label", re.compile(rf", {overdue - 1} repl(y|ies) overdue$")
        )
    assert same_document(admin)
    shots.take(admin, "bell dropped live after a colleague answered", full_page=False)


# -- the shop with the team inbox switched off ----------------------------------------------------

#: Assignment, status and response targets all off.
SWITCHED_OFF = {
    "ORDER_MESSAGES_ASSIGNMENT_ENABLED": False,
    "ORDER_MESSAGES_STATUS_ENABLED": False,
    "ORDER_MESSAGES_FIRST_RESPONSE_TARGET": 0,
    "ORDER_MESSAGES_NEXT_RESPONSE_TARGET": 0,
}


@pytest.fixture
def plain_browse(
    browser: Any, seeded_database: Path, tmp_path: Path, shots: Screenshots
) -> Iterator[Browse]:
    """Pages on a copy of the demo shop with the team inbox switched off."""
    with live_shop(seeded_database, tmp_path, SWITCHED_OFF) as live:
        pages = Browse(browser, live, shots)
        try:
            yield pages
        finally:
            pages.close()
        assert not pages.page_errors, pages.page_errors


def test_switched_off_the_list_thread_and_bell_show_none_of_it(plain_browse, shots):
    page = plain_browse.page(user="admin", label="staff")
    # An address that asks for the switched-off views lists every thread, without an error.
    page.goto("/order-messages/admin/messages?view=mine&status=closed&due=overdue")
    rows = page.locator("tr.om-row")
    expect(rows.first).to_be_visible()
    everything = rows.count()
    page.goto("/order-messages/admin/messages")
    expect(rows).to_have_count(everything)
    toolbar = page.get_by_role("search")
    expect(toolbar.locator("select")).to_have_count(1)  # the filter, nothing else
    expect(page.get_by_label("Assigned to")).to_have_count(0)
    expect(page.get_by_label("Status", exact=True)).to_have_count(0)
    expect(page.get_by_label("Replies", exact=True)).to_have_count(0)
    headers = [h.strip() for h in page.locator("thead th").all_inner_texts() if h.strip()]
    assert headers == ["Order", "Customer", "Latest message", "Date"]
    for name in ("Assign", "Unassign", "Close", "Reopen"):
        expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
    expect(page.locator(".om-due")).to_have_count(0)
    # The bell: unread and disputes, no replies overdue.
    expect(bell_count(page, "overdue_replies")).to_have_count(0)
    expect(page.locator(".om-bell summary")).to_have_attribute(
        "aria-label", re.compile(r"^Messages: \d+ unread, \d+ open disputes?(, \d+ overdue)?$")
    )
    accessible(page)
    shots.take(page, "messages list switched off")

    # The thread: no team controls, no reply due; the reply box right below the messages.
    order_row(page, "00005").get_by_role("link", name="#00005").click()
    thread = page.locator("#order-messages")
    expect(thread.locator(".om-entry").first).to_be_visible()
    expect(thread.locator(".om-team")).to_have_count(0)
    expect(thread.locator(".om-response-due")).to_have_count(0)
    expect(thread.get_by_text("Assigned to")).to_have_count(0)
    expect(thread.get_by_role("button", name="Send", exact=True)).to_be_visible()
    accessible(page)
    shots.take(page, "thread switched off")
