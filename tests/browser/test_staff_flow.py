"""The staff flow in Chromium, on the example shop with its demo data.

The demo data (example_shop/seed.py) leaves three threads unread for the staff, who share their
read marks in the shop (orders 00005, 00010, 00021), and one open dispute (00005, opened by
Carol).
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .helpers import (
    HAS_UNREAD,
    UNREAD,
    bell_count,
    count,
    order_row,
    row_numbers,
    today_pattern,
)

SEEDED_UNREAD = ["#00021", "#00010", "#00005"]


def test_bell_unread_filter_reply_and_mark_unread(browse, shots):
    page = browse.page(user="admin", label="staff")
    expect(page.get_by_role("heading", name="Orders")).to_be_visible()

    # The bell in the header: unread threads and open disputes, two numbers never added up.
    expect(bell_count(page, "unread_threads")).to_be_visible()
    expect(bell_count(page, "open_disputes")).to_be_visible()
    shots.take(page, "bell with a count")

    page.locator(".om-bell summary").click()
    menu = page.locator(".om-bell-menu")
    expect(menu).to_be_visible()
    unread, disputes = count(page, "unread_threads"), count(page, "open_disputes")
    assert (unread, disputes) == (3, 1)
    expect(bell_count(page, "total")).to_have_count(0)
    shots.take(page, "bell dropdown open", full_page=False)

    # Messages in the dropdown: the unread threads only.
    menu.get_by_role("link", name=re.compile(r"^Messages")).click()
    expect(page).to_have_url(re.compile(r"/admin/messages\?filter=unread&status=all$"))
    expect(page.get_by_label("Show")).to_have_value("unread")
    rows = page.locator("tr.om-row")
    expect(rows).to_have_count(unread)
    for i in range(unread):
        expect(rows.nth(i)).to_have_class(UNREAD)
    assert sorted(row_numbers(page)) == sorted(SEEDED_UNREAD)
    expect(order_row(page, "00010").locator(".om-new-label")).to_be_visible()
    expect(order_row(page, "00005").locator(".om-dispute-mark")).to_have_text("Dispute")
    shots.take(page, "messages unread filter")

    # A click on the row (not on its link) opens the shop's order page, Messages tab open.
    order_row(page, "00010").locator(".om-excerpt").click()
    expect(page).to_have_url(re.compile(r"/admin/orders/10\?tab=messages#order-messages$"))
    expect(page.get_by_role("heading", name="Order #00010")).to_be_visible()
    expect(page.locator(".tabs [aria-current=page]")).to_contain_text("Messages")
    thread = page.locator("#order-messages")
    expect(thread).to_be_in_viewport()
    expect(thread.get_by_role("separator")).to_have_text("New messages")
    expect(thread).to_contain_text("Can I still change the delivery address to 12 Harbour St?")
    shots.take(page, "thread from row with new messages divider")

    # Reply: the answer is in the thread, and the thread is read now.
    reply = "Yes, we changed it to 12 Harbour St. It ships tomorrow."
    page.get_by_placeholder("Write your message here").fill(reply)
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/orders/10\?tab=messages#order-messages$"))
    mine = thread.locator(".om-entry.om-mine")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text(reply)
    expect(mine).to_contain_text("Admin Admin")
    expect(thread.get_by_role("separator")).to_have_count(0)
    expect(page.locator(".tabs [aria-current=page] .om-pill")).to_have_count(0)
    shots.take(page, "reply shown")

    # Back to Messages: the thread is no longer unread, the bell counts one fewer.
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Messages").click()
    row = order_row(page, "00010")
    expect(row).not_to_have_class(UNREAD)
    expect(row.locator(".om-excerpt")).to_have_text(reply)
    expect(bell_count(page, "unread_threads")).to_have_text(str(unread - 1))
    shots.take(page, "messages thread read")

    # "Mark unread" in the thread: back in the list, unread again (own reply not counted).
    row.get_by_role("link", name="#00010").click()
    expect(page).to_have_url(re.compile(r"/admin/orders/10\?tab=messages"))
    page.get_by_role("button", name="Mark unread").click()
    expect(page).to_have_url(re.compile(r"/admin/messages$"))
    row = order_row(page, "00010")
    expect(row).to_have_class(UNREAD)
    expect(row.locator(".om-new-label")).to_have_text("New")
    expect(row.locator(".om-pill")).to_have_text("1")
    expect(bell_count(page, "unread_threads")).to_have_text(str(unread))
    shots.take(page, "marked unread from the thread")

    # The checkboxes: mark selected read, then unread again.
    row.get_by_role("checkbox").check()
    page.get_by_role("button", name="Mark read", exact=True).click()
    expect(order_row(page, "00010")).not_to_have_class(UNREAD)
    expect(bell_count(page, "unread_threads")).to_have_text(str(unread - 1))
    order_row(page, "00010").get_by_role("checkbox").check()
    page.get_by_role("button", name="Mark unread", exact=True).click()
    expect(order_row(page, "00010")).to_have_class(UNREAD)
    expect(bell_count(page, "unread_threads")).to_have_text(str(unread))
    shots.take(page, "marked unread with checkbox")


def test_search_and_orders_filter(browse, shots):
    page = browse.page(user="admin", label="staff")
    page.goto("/order-messages/admin/messages")
    # Ten threads, two of them closed by the seed (Dan's and Erin's "thanks"): eight open.
    expect(page.locator("tr.om-row")).to_have_count(8)

    # A keyword from a seeded message finds only the threads that contain it.
    page.get_by_label("Search").fill("kettle")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"q=kettle"))
    expect(page.locator("tr.om-row")).to_have_count(2)
    assert sorted(row_numbers(page)) == ["#00005", "#00007"]
    shots.take(page, "search kettle")

    page.get_by_label("Search").fill("Harbour")
    page.get_by_label("Search").press("Enter")
    expect(page.locator("tr.om-row")).to_have_count(1)
    assert row_numbers(page) == ["#00010"]
    shots.take(page, "search harbour")

    page.get_by_label("Search").fill("no-such-word")
    page.get_by_label("Search").press("Enter")
    expect(page.locator("tr.om-row")).to_have_count(0)
    expect(page.get_by_text("No threads match “no-such-word”.")).to_be_visible()

    # Orders list: "Orders with unread messages" leaves only those.
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Orders").click()
    expect(page.get_by_text("24 orders")).to_be_visible()
    page.locator("select[name=messages]").select_option(label="Orders with unread messages")
    expect(page).to_have_url(re.compile(r"messages=unread"))
    expect(page.get_by_text("3 orders")).to_be_visible()
    rows = page.locator("table.orders tbody tr")
    expect(rows).to_have_count(3)
    for i in range(3):
        expect(rows.nth(i)).to_have_class(HAS_UNREAD)
        expect(rows.nth(i).locator(".om-unread-badge")).to_have_text(re.compile(r"^\d+ unread"))
    assert sorted(row_numbers(page)) == sorted(SEEDED_UNREAD)
    shots.take(page, "orders with unread messages")

    page.locator("select[name=messages]").select_option(label="Orders with any messages")
    expect(page).to_have_url(re.compile(r"messages=any"))
    expect(page.get_by_text("10 orders")).to_be_visible()
    shots.take(page, "orders with any messages")


def test_open_and_close_dispute_with_dialogs(browse, shots):
    page = browse.page(user="admin", label="staff")
    expect(bell_count(page, "open_disputes")).to_have_text("1")
    page.goto("/admin/orders/21?tab=messages")
    thread = page.locator("#order-messages")
    expect(thread).to_contain_text("Do you gift-wrap?")
    expect(thread.locator(".om-dispute-note")).to_have_count(0)

    # "Open dispute" asks for a reason in a dialog.
    thread.get_by_role("link", name="Open dispute").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Open a dispute on order #00021")
    reason = "Customer reports the gift wrap was torn; checking with the warehouse."
    dialog.get_by_label("Reason").fill(reason)
    shots.take(page, "open dispute dialog", full_page=False)
    dialog.get_by_role("button", name="Open dispute").click()

    # The red note at the top of the thread, the event in the thread.
    note = thread.locator(".om-dispute-note")
    expect(note).to_be_visible()
    expect(note).to_contain_text(re.compile(r"Dispute opened on (.+), by Admin Admin"))
    assert today_pattern().search(note.inner_text())
    expect(note).to_contain_text(reason)
    assert thread.locator(":scope > *").first.get_attribute("class") == "om-dispute-note"
    assert note.evaluate("el => getComputedStyle(el).color") == "rgb(130, 7, 30)"
    expect(thread.locator(".om-event-dispute-opened")).to_contain_text(
        "Dispute opened by Admin Admin"
    )
    expect(bell_count(page, "open_disputes")).to_have_text("2")
    shots.take(page, "dispute note")

    # The Dispute mark in the Messages list, and the bell's Disputes link lists it.
    page.locator(".om-bell summary").click()
    page.locator(".om-bell-menu").get_by_role("link", name=re.compile(r"^Disputes")).click()
    expect(page).to_have_url(re.compile(r"filter=disputes"))
    assert sorted(row_numbers(page)) == ["#00005", "#00021"]
    mark = order_row(page, "00021").locator(".om-dispute-mark")
    expect(mark).to_have_text(re.compile("dispute", re.I))
    assert mark.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(207, 34, 46)"
    shots.take(page, "messages with dispute mark")

    # "Close dispute" asks for confirmation; then the note is gone and the history stays.
    order_row(page, "00021").get_by_role("link", name="#00021").click()
    thread.get_by_role("link", name="Close dispute").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Close this dispute?")
    shots.take(page, "close dispute confirmation", full_page=False)
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(note).to_be_visible()
    thread.get_by_role("link", name="Close dispute").click()
    page.get_by_role("dialog").get_by_label("Resolved for the store").check()
    page.get_by_role("dialog").get_by_role("button", name="Close dispute").click()
    expect(note).to_have_count(0)
    expect(thread.locator(".om-event-dispute-closed")).to_contain_text(
        "Dispute closed by Admin Admin"
    )
    expect(thread.locator(".om-event-dispute-opened")).to_contain_text(reason)
    expect(bell_count(page, "open_disputes")).to_have_text("1")
    # One dispute button at a time: just after a close, reopening it comes first.
    expect(thread.get_by_role("link", name="Reopen last dispute")).to_be_visible()
    expect(thread.get_by_role("link", name="Open dispute", exact=True)).to_have_count(0)
    shots.take(page, "dispute closed")

    page.goto("/order-messages/admin/messages")
    expect(order_row(page, "00021").locator(".om-dispute-mark")).to_have_count(0)
    expect(order_row(page, "00005").locator(".om-dispute-mark")).to_have_count(1)


def test_dispute_without_javascript(browse, shots):
    page = browse.page(user="admin", js=False, label="staff-nojs")

    # The bell's dropdown is a <details>: it opens without JavaScript.
    page.locator(".om-bell summary").click()
    expect(page.locator(".om-bell-menu")).to_be_visible()
    shots.take(page, "bell without js")

    page.goto("/admin/orders/12?tab=messages")
    thread = page.locator("#order-messages")
    thread.get_by_role("link", name="Open dispute").click()
    expect(page).to_have_url(re.compile(r"/order-messages/admin/orders/12/dispute/open\?next="))
    expect(page.get_by_role("heading", name="Open a dispute on order #00012")).to_be_visible()
    shots.take(page, "open dispute page")

    # The reason is required: the browser refuses an empty one.
    page.get_by_role("button", name="Open dispute").click()
    expect(page).to_have_url(re.compile(r"/dispute/open"))
    reason = "Replacement frother never arrived either."
    page.get_by_label("Reason").fill(reason)
    page.get_by_role("button", name="Open dispute").click()
    expect(page).to_have_url(re.compile(r"/admin/orders/12\?tab=messages#order-messages$"))
    note = thread.locator(".om-dispute-note")
    expect(note).to_contain_text(re.compile(r"Dispute opened on .+, by Admin Admin"))
    expect(note).to_contain_text(reason)
    shots.take(page, "dispute note")

    thread.get_by_role("link", name="Close dispute").click()
    expect(page).to_have_url(re.compile(r"/dispute/close"))
    expect(page.get_by_role("heading", name="Close the dispute on order #00012?")).to_be_visible()
    expect(page.locator("main")).to_contain_text("by Admin Admin")
    page.get_by_label("Resolved for the customer").check()
    page.get_by_label("Note (optional)").fill("Sent a second replacement by express.")
    shots.take(page, "close dispute confirmation page")
    page.get_by_role("button", name="Yes, close dispute").click()
    expect(page).to_have_url(re.compile(r"/admin/orders/12\?tab=messages#order-messages$"))
    expect(note).to_have_count(0)
    closed = thread.locator(".om-event-dispute-closed")
    expect(closed).to_contain_text("Dispute closed by Admin Admin")
    expect(closed).to_contain_text("Sent a second replacement by express.")
    expect(thread.locator(".om-event-dispute-opened")).to_contain_text(reason)
    shots.take(page, "dispute closed")
