"""Messages → Webhooks in Chromium on the example shop, by keyboard alone: add an endpoint
for a real receiver on this machine, copy its secret (shown once), send a test and see it
delivered, rotate its secret, turn the endpoint off, delete it.  axe-core checks each state of
the page (WCAG 2.2 A and AA)."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect
from standardwebhooks import Webhook

from .. import webhook_receiver
from .recipes import AXE_TAGS_22, axe_violations

receiver = webhook_receiver.receiver


def accessible(page: Any) -> None:
    assert axe_violations(page, tags=AXE_TAGS_22) == []


def tab_to(page: Any, locator: Any, most: int = 80) -> None:
    """Press Tab until ``locator`` has the focus, as a keyboard user would."""
    for _ in range(most):
        if locator.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {locator}")


def test_webhooks_page_by_keyboard(browse, shots, receiver):
    page = browse.page(user="admin", label="staff")
    page.goto("/order-messages/admin/messages")
    link = page.get_by_role("link", name="Webhooks", exact=True)
    tab_to(page, link)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Webhooks", level=1)).to_be_visible()
    expect(page.get_by_text("No endpoints yet.")).to_be_visible()
    accessible(page)
    shots.take(page, "no endpoints")

    # Add one: the URL, then every event but the status changes, then Enter on the button.
    url_field = page.get_by_label("URL", exact=True)
    tab_to(page, url_field)
    page.keyboard.type(receiver.url())
    status_box = page.get_by_role("checkbox", name=re.compile("thread's status"))
    expect(status_box).to_be_checked()
    tab_to(page, status_box)
    page.keyboard.press("Space")
    expect(status_box).not_to_be_checked()
    tab_to(page, page.get_by_role("button", name="Add endpoint"))
    page.keyboard.press("Enter")
    secret_field = page.get_by_label("Signing secret")
    expect(secret_field).to_have_value(re.compile(r"^whsec_[A-Za-z0-9+/]{43}=$"))
    secret = secret_field.input_value()
    row = page.locator("tr.om-webhook-row")
    expect(row).to_contain_text(receiver.url())
    expect(row).not_to_contain_text("thread.status_changed")
    accessible(page)
    shots.take(page, "secret shown once")

    # A test event, by keyboard; delivered once the page has its answer.
    tab_to(page, page.get_by_role("button", name=f"Send a test event to {receiver.url()}"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("A test event is on its way")
    expect(page.get_by_label("Signing secret")).to_have_count(0)  # never shown again
    for _ in range(50):
        if receiver.requests:
            break
        page.wait_for_timeout(100)
    [got] = receiver.requests
    assert Webhook(secret).verify(got.body, got.headers)["type"] == "webhook.test"
    page.reload()
    delivered = page.locator("tr.om-delivery-row")
    expect(delivered).to_have_count(1)
    expect(delivered.locator(".om-delivery-status")).to_have_text("Delivered")
    expect(delivered).to_contain_text("HTTP 200")
    accessible(page)
    shots.take(page, "test delivered")

    # Rotate its secret, by keyboard: the new one shown once; both sign for a day.
    tab_to(page, page.get_by_role("button", name=f"Rotate the secret of {receiver.url()}"))
    page.keyboard.press("Enter")
    new_field = page.get_by_label("New signing secret")
    expect(new_field).to_have_value(re.compile(r"^whsec_[A-Za-z0-9+/]{43}=$"))
    assert new_field.input_value() != secret
    expect(row).to_contain_text("The previous secret signs too until")
    accessible(page)
    shots.take(page, "secret rotated")

    # Turn it off, then delete it (a confirm step).
    tab_to(page, page.get_by_role("button", name=f"Turn off {receiver.url()}"))
    page.keyboard.press("Enter")
    expect(row.get_by_role("cell", name="Off", exact=True)).to_be_visible()
    tab_to(page, page.get_by_role("link", name=f"Delete {receiver.url()}"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Delete the endpoint")
    accessible(page)
    tab_to(page, page.get_by_role("button", name="Yes, delete it"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("No endpoints yet.")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("The endpoint was deleted")
    accessible(page)
