"""A refused post comes back inside the shop's own order page, text kept, error beside the
field: staff without JavaScript, a customer's dispute reason in the dialog with it.  And the
bell is drawn, so it shows without an emoji font."""

from __future__ import annotations

import re

from playwright.sync_api import expect

#: Over ORDER_MESSAGES_MAX_BODY_LENGTH (5,000): the browser sends it, the server refuses it.
TOO_LONG = ("The whole story of this order, in detail. " * 130)[:5199] + "."


def test_staff_too_long_reply_without_javascript(browse, shots):
    page = browse.page(user="admin", js=False, label="staff-nojs")
    # The bell is an SVG with its size, drawn whatever fonts the desktop has.
    icon = page.locator(".om-bell svg.om-bell-icon")
    expect(icon).to_be_visible()
    box = icon.bounding_box()
    assert box is not None and box["width"] >= 14 and box["height"] >= 14
    expect(page.locator(".om-bell summary")).to_have_attribute(
        "aria-label", re.compile("^Messages:")
    )
    shots.take(page, "bell drawn as svg", full_page=False)

    page.goto("/admin/orders/12?tab=messages")
    thread = page.locator("#order-messages")
    page.get_by_placeholder("Write your message here").fill(TOO_LONG)
    page.get_by_role("button", name="Send", exact=True).click()
    # Back on the shop's own order page, on its Messages tab.
    expect(page).to_have_url(
        re.compile(r"/admin/orders/12\?tab=messages&om_draft=[\w-]+#order-messages$")
    )
    expect(page.get_by_role("navigation", name="Order sections")).to_be_visible()
    expect(thread.get_by_role("alert")).to_have_text(
        "Your message is too long: 5,200 characters, the limit is 5,000."
    )
    box_text = page.get_by_placeholder("Write your message here")
    expect(box_text).to_have_value(TOO_LONG)
    expect(box_text).to_have_attribute("aria-invalid", "true")
    shots.take(page, "refused reply back in the order page")

    # Shortened and sent: the error is gone, the message is in the thread.
    box_text.fill("Your parcel left today; tracking to follow.")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/orders/12\?tab=messages#order-messages$"))
    expect(thread.get_by_role("alert")).to_have_count(0)
    expect(thread.locator(".om-entry.om-mine").last).to_contain_text("Your parcel left today")
    shots.take(page, "sent after shortening")


def test_customer_too_long_dispute_reason_in_the_dialog(browse, shots):
    page = browse.page(user="carol", label="customer-js")
    page.goto("/account/orders/3?tab=messages")
    thread = page.locator("#order-messages")
    thread.get_by_role("link", name="Open dispute").click()
    dialog = page.get_by_role("dialog")
    reason = "Broken on arrival. " + "x" * 1100
    dialog.get_by_label("Reason").fill(reason)
    dialog.get_by_role("button", name="Open dispute").click()
    # The same order page, the dialog open again with the reason and the error.
    expect(page).to_have_url(re.compile(r"/account/orders/3\?tab=messages&om_draft="))
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("alert")).to_contain_text("The reason is too long")
    expect(dialog.get_by_label("Reason")).to_have_value(reason)
    shots.take(page, "refused reason back in the dialog", full_page=False)
    dialog.get_by_label("Reason").fill("Broken on arrival.")
    dialog.get_by_role("button", name="Open dispute").click()
    expect(thread.locator(".om-dispute-note")).to_contain_text("Broken on arrival.")
