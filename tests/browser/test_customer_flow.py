"""The customer flow in Chromium, on a phone-sized screen and on a desktop.

Demo data (example_shop/seed.py): Carol has one unread answer, on order 00003 (from Admin
Admin); orders 00001 and 00008 have no thread; order 00009 belongs to Dan.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from example_shop.demo_image import kettle_png

from .helpers import HAS_UNREAD, bell_count, count, open_messages_tab, order_row, today_pattern

DEVICES = ["phone", "desktop"]


@pytest.mark.parametrize("device", DEVICES)
def test_read_reply_open_and_withdraw_dispute(browse, shots, device):
    page = browse.page(device, user="carol")
    expect(page).to_have_url(re.compile(r"/account/orders$"))

    # The order list marks the orders with unread messages; the header sums them up.
    row = order_row(page, "00003")
    expect(row).to_have_class(HAS_UNREAD)
    expect(row.locator(".om-unread-badge")).to_have_text("1 unread message")
    for other in ("00001", "00005", "00007"):
        expect(order_row(page, other).locator(".om-unread-badge")).to_have_count(0)
    header = page.locator(".om-customer-header")
    expect(header).to_have_text(re.compile(r"1 unread message$"))
    expect(header).to_have_attribute("href", re.compile(r"/account/orders/3\b"))
    shots.take(page, "order list with unread marks")

    # The order's Messages tab: the label counts the unread one, the divider shows it.
    page.get_by_role("link", name="#00003", exact=True).click()
    tab = page.get_by_role("navigation", name="Order sections").get_by_role(
        "link", name=re.compile("^Messages")
    )
    expect(tab.locator(".om-pill")).to_have_text("1")
    shots.take(page, "order details with messages label")
    tab.click()
    thread = page.locator("#order-messages")
    expect(thread.get_by_role("separator")).to_have_text("New messages")
    answer = thread.locator(".om-entry").filter(has_text="it left our warehouse yesterday")
    expect(answer).to_contain_text("Admin Admin")
    expect(
        answer.get_by_role("link", name="https://tracking.example.com/parcel/EX123456")
    ).to_be_visible()
    shots.take(page, "thread with new messages divider")

    # Read: the mark is gone from the order list.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My orders").click()
    expect(order_row(page, "00003")).not_to_have_class(HAS_UNREAD)
    expect(order_row(page, "00003").locator(".om-unread-badge")).to_have_count(0)
    expect(page.locator(".om-customer-header")).to_have_count(0)
    shots.take(page, "order list after reading")

    # Reply.
    open_messages_tab(page, "00003")
    thread = page.locator("#order-messages")
    expect(thread.get_by_role("separator")).to_have_count(0)
    reply = "Thursday is fine, thank you!"
    page.get_by_placeholder("Write your message here").fill(reply)
    page.get_by_role("button", name="Send", exact=True).click()
    mine = thread.locator(".om-entry.om-mine").last
    expect(mine).to_contain_text(reply)
    expect(mine).to_contain_text("Carol Customer")
    shots.take(page, "reply shown")

    # Open a dispute with a reason: the dispute is shown as in progress, since when, by whom.
    thread.get_by_role("link", name="Open dispute").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    reason = "The beans did not arrive by Friday after all."
    dialog.get_by_label("Reason").fill(reason)
    shots.take(page, "open dispute dialog", full_page=False)
    dialog.get_by_role("button", name="Open dispute").click()
    note = thread.locator(".om-dispute-note")
    expect(note).to_contain_text(
        re.compile(r"A dispute is in progress\s+since (.+), opened by\s+you\.")
    )
    assert today_pattern().search(note.inner_text())
    expect(note).to_contain_text(reason)
    expect(thread.locator(".om-event-dispute-opened")).to_contain_text(
        "Dispute opened by Carol Customer"
    )
    shots.take(page, "dispute in progress")

    # Withdraw it, with confirmation.
    thread.get_by_role("link", name="Withdraw dispute").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Withdraw your dispute?")
    shots.take(page, "withdraw confirmation", full_page=False)
    dialog.get_by_role("button", name="Withdraw dispute").click()
    expect(note).to_have_count(0)
    expect(thread.locator(".om-event-dispute-closed")).to_contain_text(
        "Dispute closed by Carol Customer"
    )
    expect(thread.get_by_role("link", name="Reopen last dispute")).to_be_visible()
    expect(thread.get_by_role("link", name="Open dispute", exact=True)).to_have_count(0)
    shots.take(page, "dispute withdrawn")


@pytest.mark.parametrize("device", DEVICES)
def test_first_message_on_an_order_without_thread(browse, shots, device):
    page = browse.page(device, user="carol")
    open_messages_tab(page, "00001")
    thread = page.locator("#order-messages")
    expect(thread).to_contain_text("No messages yet.")
    expect(page.get_by_text("Contact us about this order")).to_be_visible()
    shots.take(page, "contact us about this order")

    text = "Could you ship this together with my next order?\nNo rush."
    page.get_by_label("Contact us about this order").fill(text)
    page.get_by_role("button", name="Send", exact=True).click()
    entry = thread.locator(".om-entry")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("Could you ship this together with my next order?")
    expect(entry.locator(".om-body br")).to_have_count(1)
    expect(page.get_by_text("Contact us about this order")).to_have_count(0)
    expect(thread.locator("label", has_text="Reply")).to_be_visible()
    shots.take(page, "first message sent")


@pytest.mark.parametrize("device", DEVICES)
def test_another_customers_order_is_not_found(browse, shots, device):
    page = browse.page(device, user="carol")
    pages = {}
    for path in (
        "/account/orders/9",  # Dan's order
        "/account/orders/9?tab=messages",
        "/order-messages/orders/9",
        "/account/orders/99999",  # no such order
        "/order-messages/orders/99999",
    ):
        response = page.goto(path)
        assert response is not None and response.status == 404, path
        expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
        expect(page.locator("main")).not_to_contain_text("Dan")
        pages[path] = page.locator("main").inner_text()
        if path == "/account/orders/9?tab=messages":
            shots.take(page, "another customers order")
    # Someone else's order and a made-up one look exactly the same.
    assert pages["/account/orders/9"] == pages["/account/orders/99999"]
    assert pages["/order-messages/orders/9"] == pages["/order-messages/orders/99999"]

    # Posting to it is refused the same way, and nothing lands in Dan's thread.
    token = page.locator('meta[name="om-csrf-token"]').get_attribute("content")
    response = page.request.post(
        "/order-messages/orders/9/messages", form={"csrf_token": token, "body": "Hello"}
    )
    assert response.status == 404


@pytest.mark.parametrize("device", DEVICES)
def test_round_trip_with_staff(browse, shots, device):
    staff = browse.page("desktop", user="admin", label="staff")
    before = count(staff, "unread_threads")

    # The customer writes about order 00008 (no thread yet).
    customer = browse.page(device, user="carol", label=f"customer-{device}")
    open_messages_tab(customer, "00008")
    question = "Can you gift-wrap this one? It's for my sister."
    customer.get_by_placeholder("Write your message here").fill(question)
    customer.get_by_role("button", name="Send", exact=True).click()
    expect(customer.locator("#order-messages .om-entry.om-mine")).to_contain_text(question)
    shots.take(customer, "customer wrote")
    # Away from the open thread, which would show (and so read) the answer live.
    customer.get_by_role("navigation", name="Main").get_by_role("link", name="My orders").click()
    expect(order_row(customer, "00008")).not_to_have_class(HAS_UNREAD)

    # Staff: the bell counts one more, the thread is on top of Messages, unread.
    staff.reload()
    expect(bell_count(staff, "unread_threads")).to_have_text(str(before + 1))
    staff.locator(".om-bell summary").click()
    shots.take(staff, "bell count rose")
    # Escape closes the menu and leaves the focus on the bell; Enter opens it again.
    staff.keyboard.press("Escape")
    expect(staff.locator(".om-bell")).not_to_have_attribute("open", "")
    expect(staff.locator(".om-bell summary")).to_be_focused()
    staff.keyboard.press("Enter")
    expect(staff.locator(".om-bell")).to_have_attribute("open", "")
    staff.locator(".om-bell-menu").get_by_role("link", name=re.compile("^Messages")).click()
    first = staff.locator("tr.om-row").first
    expect(first.locator(".om-new-label")).to_have_text("New")
    expect(first.locator(".om-order")).to_contain_text("#00008")
    expect(first.locator(".om-excerpt")).to_have_text(question)
    shots.take(staff, "thread on top of messages")
    first.locator(".om-date").click()
    expect(staff).to_have_url(re.compile(r"/admin/orders/8\?tab=messages"))
    answer = "Of course, gift wrap is free. We'll add a card too."
    staff.get_by_placeholder("Write your message here").fill(answer)
    staff.get_by_role("button", name="Send", exact=True).click()
    expect(staff.locator("#order-messages .om-entry.om-mine")).to_contain_text(answer)
    expect(bell_count(staff, "unread_threads")).to_have_text(str(before))
    shots.take(staff, "staff answered")

    # The customer sees the answer as unread on the order list, then in the thread.
    customer.reload()
    row = order_row(customer, "00008")
    expect(row).to_have_class(HAS_UNREAD)
    expect(row.locator(".om-unread-badge")).to_have_text("1 unread message")
    shots.take(customer, "answer unread on order list")
    row.locator(".om-unread-badge").click()
    thread = customer.locator("#order-messages")
    expect(thread.get_by_role("separator")).to_have_text("New messages")
    expect(thread.locator(".om-entry.om-staff")).to_contain_text(answer)
    shots.take(customer, "answer in the thread")


def test_each_side_sees_its_own_messages_on_the_right(browse, shots):
    """Carol's question and the store's answer on order 00003: on the right for whoever wrote
    them, on the left for the other side."""

    def sides(page) -> dict[str, str]:
        thread = page.locator("#order-messages .om-entries").bounding_box()
        found = {}
        for role in ("customer", "staff"):
            box = page.locator(f"#order-messages .om-entry.om-{role}").first.bounding_box()
            right = abs(box["x"] + box["width"] - (thread["x"] + thread["width"])) < 2
            left = abs(box["x"] - thread["x"]) < 2
            found[role] = "right" if right and not left else "left" if left else "?"
        return found

    customer = browse.page("desktop", user="carol")
    customer.goto("/account/orders/3?tab=messages")
    assert sides(customer) == {"customer": "right", "staff": "left"}
    shots.take(customer, "customer sees own messages on the right")

    staff = browse.page("desktop", user="admin", label="staff")
    staff.goto("/admin/orders/3?tab=messages")
    assert sides(staff) == {"customer": "left", "staff": "right"}
    shots.take(staff, "staff sees the store's messages on the right")


def test_back_after_sending_does_not_send_it_again(browse):
    """Back to the page a reply was sent from shows an empty reply box (no text, no file), so
    pressing the button again cannot post the same reply twice."""
    page = browse.page("desktop", user="carol")
    open_messages_tab(page, "00003")
    thread = page.locator("#order-messages")
    text = "Please leave it with the neighbour."
    box = page.get_by_placeholder("Write your message here")
    box.fill(text)
    files = page.get_by_label("Attach files")
    files.set_input_files([{"name": "door.png", "mimeType": "image/png", "buffer": kettle_png()}])
    page.get_by_role("button", name="Send", exact=True).click()
    expect(thread.locator(".om-entry.om-mine").filter(has_text=text)).to_have_count(1)

    page.go_back()
    expect(page.locator("#order-messages")).to_be_visible()
    expect(box).to_have_value("")
    assert page.get_by_label("Attach files").evaluate("input => input.files.length") == 0
    expect(page.locator("form.om-reply")).to_have_attribute("autocomplete", "off")
