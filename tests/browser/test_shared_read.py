"""A small team's afternoon in Chromium: two staff members and a customer at once, on the
example shop, whose staff share their read marks (ORDER_MESSAGES_READ_STATE = "shared").

What one staff member reads, the other sees read; what one marks unread, the other sees unread;
a colleague's reply never lights up the bell -- live, on pages that stay where they are.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .helpers import UNREAD, bell_count, count, open_messages_tab, order_row

LIVE_TIMEOUT = 6_000  # ms: a few poll intervals


def test_two_staff_members_and_a_customer_share_one_inbox(browse, shots):
    ann = browse.page(user="admin", label="admin")
    sam = browse.page(user="support", label="support")
    for staff in (ann, sam):
        staff.goto("/order-messages/admin/messages")
    seeded = count(ann, "unread_threads")
    assert count(sam, "unread_threads") == seeded  # one inbox: the same number for both
    shots.take(sam, "support sees the team inbox")

    # A customer writes on an order without messages: both bells rise, live.
    dan = browse.page(user="dan", label="customer")
    open_messages_tab(dan, "00009")
    dan.get_by_placeholder("Write your message here").fill("Is the bottle dishwasher-safe?")
    dan.get_by_role("button", name="Send", exact=True).click()
    expect(dan.locator("#order-messages .om-entry")).to_have_count(1)
    for staff in (ann, sam):
        expect(bell_count(staff, "unread_threads")).to_have_text(
            str(seeded + 1), timeout=LIVE_TIMEOUT
        )
    shots.take(sam, "support bell rose")

    # Ann opens it: read for the team, so Sam's bell drops without a reload.
    ann.goto("/admin/orders/9?tab=messages")
    thread = ann.locator("#order-messages")
    expect(thread.get_by_role("separator")).to_have_text("New messages")
    shots.take(ann, "admin reads the new question")
    expect(bell_count(sam, "unread_threads")).to_have_text(str(seeded), timeout=LIVE_TIMEOUT)
    sam.reload()
    expect(order_row(sam, "00009")).not_to_have_class(UNREAD)
    shots.take(sam, "support sees it read")

    # Ann answers: her reply is no news to Sam.
    reply = "Yes, the bottle is dishwasher-safe, the lid is best washed by hand."
    ann.get_by_placeholder("Write your message here").fill(reply)
    ann.get_by_role("button", name="Send", exact=True).click()
    expect(thread.locator(".om-entry.om-mine")).to_contain_text(reply)
    expect(dan.locator("#order-messages .om-entry").last).to_contain_text(
        reply, timeout=LIVE_TIMEOUT
    )
    sam.reload()
    row = order_row(sam, "00009")
    expect(row).not_to_have_class(UNREAD)
    expect(row.locator(".om-excerpt")).to_have_text(reply)
    expect(bell_count(sam, "unread_threads")).to_have_text(str(seeded))
    shots.take(sam, "a colleagues reply is not new")

    # Sam marks the thread unread: unread for Ann as well, on her open page, live.
    row.get_by_role("link", name="#00009").click()
    expect(sam).to_have_url(re.compile(r"/admin/orders/9\?tab=messages"))
    sam.get_by_role("button", name="Mark unread").click()
    expect(order_row(sam, "00009")).to_have_class(UNREAD)
    expect(order_row(sam, "00009").locator(".om-pill")).to_have_text("1")
    expect(bell_count(ann, "unread_threads")).to_have_text(str(seeded + 1), timeout=LIVE_TIMEOUT)
    ann.goto("/order-messages/admin/messages?filter=unread")
    expect(order_row(ann, "00009")).to_have_class(UNREAD)
    shots.take(ann, "marked unread by a colleague")
