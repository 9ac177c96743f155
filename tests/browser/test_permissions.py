"""Staff permissions in Chromium on the example shop: its ``staff_permission`` hook replaced
for the test, Sam Support reads order 00005's thread (Carol's open dispute) without the
controls he may not use, is told why when he opens a page he may not, and, without "read",
finds no trace of the messages on the shop's admin pages; axe-core checks each page (WCAG
2.2 A and AA)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from flask_order_messages.permissions import ANSWER, DISPUTES, READ, READ_ONLY_NOTE

from .helpers import order_row
from .recipes import AXE_TAGS_22, axe_violations

SUPPORT = "support@example.com"


@pytest.fixture
def granted(monkeypatch):
    """What Sam Support may do (a set the test changes); everyone else may do everything."""
    from example_shop.messaging import order_messages

    his: set[str] = {READ}
    monkeypatch.setattr(
        order_messages.hooks,
        "staff_permission",
        lambda user, permission: user.email != SUPPORT or permission in his,
    )
    return his


def _thread_of(page, number: str):
    page.goto("/order-messages/admin/messages")
    order_row(page, number).get_by_role("link", name=f"#{number}").click()
    thread = page.locator("#order-messages")
    expect(thread).to_be_visible()
    return thread


def test_a_reader_and_a_dispute_handler_see_only_their_controls(browse, shots, granted):
    page = browse.page(user="support", label="reader")
    page.goto("/order-messages/admin/messages")
    expect(page.locator("tr.om-row").first).to_be_visible()
    expect(page.get_by_role("button", name="Mark all read")).to_be_visible()
    for name in ("Assign", "Unassign", "Close"):
        expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Canned replies")).to_have_count(0)
    assert axe_violations(page, tags=AXE_TAGS_22) == []
    shots.take(page, "messages list for a reader")

    thread = _thread_of(page, "00005")
    expect(thread.locator(".om-dispute-note")).to_contain_text("Dispute opened on")
    expect(thread.locator(".om-read-only")).to_have_text(str(READ_ONLY_NOTE))
    expect(thread.get_by_placeholder("Write your message here")).to_have_count(0)
    expect(thread.get_by_role("link", name="Close dispute")).to_have_count(0)
    expect(thread.get_by_label("Assignee", exact=True)).to_have_count(0)
    expect(thread.locator(".om-assignee")).to_contain_text("Assigned to:")
    expect(thread.get_by_role("button", name="Mark unread")).to_be_visible()
    assert axe_violations(page, tags=AXE_TAGS_22) == []
    shots.take(page, "thread for a reader")

    # A page he may not open says which permission he lacks.
    page.goto("/order-messages/admin/canned-replies")
    expect(page.locator(".om-error")).to_have_text(
        re.compile(
            r"^Your account cannot add, edit or delete canned replies: it lacks the “canned”"
        )
    )
    assert axe_violations(page, tags=AXE_TAGS_22) == []
    shots.take(page, "refused canned replies")

    # With "disputes" too, the dispute button stands alone where the reply box was.
    granted.add(DISPUTES)
    thread = _thread_of(page, "00005")
    thread.get_by_role("link", name="Close dispute").click()
    expect(page.locator("#om-close-dialog")).to_be_visible()
    shots.take(page, "close dispute without answering", full_page=False)
    page.locator("#om-close-dialog").get_by_role("button", name="Cancel").click()

    # Answering, he gets the reply box back (and the assign and status forms).
    granted.add(ANSWER)
    thread = _thread_of(page, "00005")
    expect(thread.get_by_placeholder("Write your message here")).to_be_visible()
    expect(thread.get_by_label("Assignee", exact=True)).to_be_visible()
    expect(thread.locator(".om-read-only")).to_have_count(0)


def test_without_read_the_shops_admin_shows_no_messages(browse, shots, granted):
    granted.clear()
    page = browse.page(user="support", label="no-read")
    page.goto("/admin/orders")
    expect(page.get_by_role("heading", name="Orders")).to_be_visible()
    expect(page.locator(".om-bell")).to_have_count(0)
    nav = page.get_by_role("navigation", name="Admin")
    expect(nav.get_by_role("link", name="Orders")).to_be_visible()
    expect(nav.get_by_role("link", name="Messages", exact=True)).to_have_count(0)
    page.get_by_role("link", name="#00005", exact=True).click()
    tabs = page.get_by_role("navigation", name="Order sections").get_by_role("link")
    expect(tabs).to_have_text(["Details"])
    assert axe_violations(page, tags=AXE_TAGS_22) == []
    shots.take(page, "order page without messages")

    page.goto("/order-messages/admin/messages")
    expect(page.locator(".om-error")).to_contain_text("it lacks the “read” permission")
    shots.take(page, "messages section refused")
