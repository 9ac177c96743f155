"""Messages → Access tokens in Chromium on the example shop, by keyboard alone: make a write
token (its secret shown once), call the API with it, revoke it.  axe-core checks each state
of the page (WCAG 2.2 A and AA)."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from .recipes import AXE_TAGS_22, axe_violations
from .test_webhooks_page import tab_to


def accessible(page: Any) -> None:
    assert axe_violations(page, tags=AXE_TAGS_22) == []


def test_tokens_page_by_keyboard(browse, shots):
    page = browse.page(user="admin", label="staff")
    page.goto("/order-messages/admin/messages")
    tab_to(page, page.get_by_role("link", name="Access tokens", exact=True))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Access tokens", level=1)).to_be_visible()
    expect(page.get_by_text("No tokens yet.")).to_be_visible()
    accessible(page)
    shots.take(page, "no tokens")

    # Name, scope (the arrow keys choose a radio), days; Enter on the button.
    tab_to(page, page.get_by_label("Name (what uses it)"))
    page.keyboard.type("ERP")
    write = page.get_by_role("radio", name=re.compile("^Write"))
    tab_to(page, page.get_by_role("radio", name=re.compile("^Read")))
    page.keyboard.press("ArrowDown")
    expect(write).to_be_checked()
    tab_to(page, page.get_by_label("Expires after (days)"))
    page.keyboard.type("30")
    tab_to(page, page.get_by_role("button", name="Make token"))
    page.keyboard.press("Enter")
    secret_field = page.get_by_label("New token")
    expect(secret_field).to_have_value(re.compile(r"^omt_[A-Za-z0-9_-]{43}$"))
    secret = secret_field.input_value()
    row = page.locator("tr.om-token-row")
    expect(row).to_contain_text("ERP")
    expect(row).to_contain_text("Write")
    expect(row.locator(".om-token-state")).to_have_text("Active")
    accessible(page)
    shots.take(page, "secret shown once")

    called = page.request.get(
        "/order-messages/api/v1/staff/counts", headers={"Authorization": f"Bearer {secret}"}
    )
    assert called.status == 200

    tab_to(page, page.get_by_role("button", name="Revoke ERP"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("The token was revoked")
    expect(page.get_by_label("New token")).to_have_count(0)  # never shown again
    expect(row.locator(".om-token-state")).to_contain_text("Revoked")
    accessible(page)
    shots.take(page, "revoked")
    refused = page.request.get(
        "/order-messages/api/v1/staff/counts", headers={"Authorization": f"Bearer {secret}"}
    )
    assert refused.status == 401
