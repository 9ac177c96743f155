"""At 375 px wide (a phone), the main pages fit the screen: no horizontal scrolling."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .helpers import page_width

PHONE_WIDTH = 375

PAGES = [
    # (id, who, path, what must be on the page)
    ("customer-order-list", "carol", "/account/orders", "table.orders"),
    ("customer-order-messages", "carol", "/account/orders/5?tab=messages", ".om-dispute-note"),
    ("customer-long-thread", "carol", "/account/orders/7?tab=messages", ".om-fold"),
    ("admin-messages", "admin", "/order-messages/admin/messages", "tr.om-row"),
    ("admin-orders", "admin", "/admin/orders?messages=any", "table.orders"),
    ("admin-order-messages", "admin", "/admin/orders/5?tab=messages", ".om-dispute-note"),
]


@pytest.mark.parametrize(
    ("who", "path", "landmark"), [p[1:] for p in PAGES], ids=[p[0] for p in PAGES]
)
def test_no_horizontal_scrolling_on_a_phone(browse, shots, who, path, landmark):
    page = browse.page("phone", user=who)
    page.goto(path)
    expect(page.locator(landmark).first).to_be_visible()
    assert page.viewport_size["width"] == PHONE_WIDTH
    shots.take(page, "page")
    assert page_width(page) <= PHONE_WIDTH + 1, f"{path} scrolls sideways on a phone"

    # Opened menus and dialogs must fit as well.
    if who == "admin":
        page.locator(".om-bell summary").click()
        expect(page.locator(".om-bell-menu")).to_be_visible()
        box = page.locator(".om-bell-menu").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH
        assert page_width(page) <= PHONE_WIDTH + 1
        shots.take(page, "bell menu open", full_page=False)
    dispute = page.locator("#order-messages [data-om-dialog]")
    if dispute.count():
        dispute.click()
        dialog = page.get_by_role("dialog")
        expect(dialog).to_be_visible()
        box = dialog.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH
        shots.take(page, "dialog open", full_page=False)
