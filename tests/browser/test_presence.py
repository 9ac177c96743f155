"""No two people answering at once, in Chromium on the example shop: two staff members in two
browser contexts.  Admin opens a thread and Sam sees "Admin Admin is viewing" live, in the
Messages list and on the thread; Admin types and Sam sees "Admin Admin is replying"; Admin
sends while Sam has typed, and Sam is asked "Send yours anyway?" with his text kept, answers
with the keyboard; leaving the page takes Sam off Admin's thread.  Without JavaScript the
reply comes back with the same question.  axe-core checks the pages (WCAG 2.2 A and AA)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .helpers import order_row
from .recipes import AXE_TAGS_22, axe_violations

LIVE = 6_000  # ms: a few poll intervals (the shop polls every second)
ASKED = "A new message from Admin Admin arrived while you were writing. Send yours anyway?"


def accessible(page, shots, step: str) -> None:
    shots.take(page, step)
    violations = axe_violations(page, tags=AXE_TAGS_22)
    assert not violations, f"{step}:\n" + "\n".join(violations)


def first_thread(page) -> tuple[str, str]:
    """(order number, the order page's address) of the Messages list's first row."""
    page.goto("/order-messages/admin/messages")
    link = page.locator("tr.om-row .om-order a").first
    expect(link).to_be_visible()
    return link.inner_text().lstrip("#"), str(link.get_attribute("href"))


def test_two_staff_see_each_other_live_and_the_second_reply_asks_first(browse, shots):
    admin = browse.page(user="admin", label="admin")
    sam = browse.page(user="support", label="sam")
    number, href = first_thread(sam)
    presence = order_row(sam, number).locator(".om-presence")
    expect(presence).to_have_text("")

    # Admin opens the thread: Sam's list says so, without a reload.
    admin.goto(href)
    admin_line = admin.locator("#order-messages [data-om-presence-line]")
    expect(presence).to_have_text("Admin Admin is viewing", timeout=LIVE)
    expect(presence).to_have_attribute("aria-live", "polite")
    accessible(sam, shots, "list admin is viewing")

    # Sam opens it too: each sees the other, never themselves.
    order_row(sam, number).get_by_role("link", name=f"#{number}").click()
    sam_line = sam.locator("#order-messages [data-om-presence-line]")
    expect(sam_line).to_have_text("Admin Admin is viewing", timeout=LIVE)
    expect(admin_line).to_have_text("Sam Support is viewing", timeout=LIVE)
    expect(sam_line).to_have_attribute("aria-live", "polite")

    # Admin types: Sam sees her replying.
    admin_box = admin.get_by_placeholder("Write your message here")
    admin_box.click()
    admin.keyboard.type("Your parcel left the warehouse this morning.")
    expect(sam_line).to_have_text("Admin Admin is replying", timeout=LIVE)
    expect(sam_line).to_have_class(re.compile(r"\bom-presence-replying\b"))
    accessible(sam, shots, "thread admin is replying")

    # Sam writes his own answer; Admin sees him replying.
    sam_box = sam.get_by_placeholder("Write your message here")
    sam_box.click()
    sam_text = "It should arrive by Friday."
    sam.keyboard.type(sam_text)
    expect(admin_line).to_have_text("Sam Support is replying", timeout=LIVE)
    accessible(admin, shots, "admin sees sam replying")

    # Admin sends first.  Sam's thread shows her message live, and asks before his goes.
    admin.get_by_role("button", name="Send", exact=True).click()
    expect(admin.locator("#order-messages .om-entry.om-mine").last).to_contain_text(
        "left the warehouse this morning"
    )
    sam_thread = sam.locator("#order-messages")
    expect(sam_thread.locator(".om-entry").last).to_contain_text(
        "left the warehouse this morning", timeout=LIVE
    )
    question = sam_thread.locator("[data-om-confirm-text]")
    expect(question).to_have_text(ASKED)
    expect(question).to_have_attribute("role", "alert")
    expect(sam_box).to_have_value(sam_text)
    send = sam_thread.get_by_role("button", name="Send anyway")
    expect(send).to_be_visible()
    expect(sam_box).to_have_attribute("aria-describedby", re.compile(r"^om-confirm-"))
    accessible(sam, shots, "sam is asked before sending")

    # Keyboard only: from the box, Tab to "Send anyway", Enter.
    sam_box.focus()
    for _ in range(20):
        sam.keyboard.press("Tab")
        if send.evaluate("button => button === document.activeElement"):
            break
    expect(send).to_be_focused()
    sam.keyboard.press("Enter")
    expect(sam_thread.locator(".om-entry.om-mine").last).to_contain_text(sam_text)
    expect(sam_thread.locator("[data-om-confirm]")).to_be_hidden()
    expect(sam_thread.get_by_role("button", name="Send", exact=True)).to_be_visible()
    expect(admin.locator("#order-messages .om-entry").last).to_contain_text(sam_text, timeout=LIVE)
    accessible(admin, shots, "both answers in the thread")

    # Sam leaves: his page says goodbye, Admin's line empties before his heartbeat expires.
    expect(admin_line).to_have_text("Sam Support is viewing", timeout=LIVE)
    sam.goto("/order-messages/admin/messages")
    expect(admin_line).to_have_text("", timeout=4_000)
    expect(order_row(sam, number).locator(".om-presence")).to_have_text(
        "Admin Admin is viewing", timeout=LIVE
    )
    shots.take(sam, "list after leaving")


def test_without_javascript_the_reply_comes_back_asking(browse, shots):
    admin = browse.page(user="admin", label="admin")
    sam = browse.page(user="support", js=False, label="sam-no-js")
    number, href = first_thread(admin)
    sam.goto(href)
    sam_box = sam.get_by_placeholder("Write your message here")
    sam_box.fill("We will refund the shipping.")

    admin.goto(href)
    admin.get_by_placeholder("Write your message here").fill("Refund is on its way.")
    admin.get_by_role("button", name="Send", exact=True).click()
    expect(admin.locator("#order-messages .om-entry.om-mine").last).to_contain_text("Refund is")

    sam.get_by_role("button", name="Send", exact=True).click()
    thread = sam.locator("#order-messages")
    expect(thread.locator("[data-om-confirm-text]")).to_have_text(ASKED)
    expect(thread.locator(".om-entry").last).to_contain_text("Refund is on its way.")
    expect(sam_box).to_have_value("We will refund the shipping.")
    expect(sam_box).to_have_attribute("aria-describedby", re.compile(r"^om-confirm-"))
    shots.take(sam, "reply back with the question")
    sam_box.fill("We will refund the shipping too.")
    thread.get_by_role("button", name="Send anyway").click()
    expect(thread.locator(".om-entry.om-mine").last).to_contain_text("refund the shipping too")
    expect(thread.locator("[data-om-confirm-text]")).to_have_count(1)
    expect(thread.locator("[data-om-confirm]")).to_be_hidden()
    shots.take(sam, "sent anyway")
    # The list without JavaScript shows who was there when it was drawn.
    admin.goto(href)
    sam.goto("/order-messages/admin/messages")
    expect(order_row(sam, number).locator(".om-presence")).to_have_text("Admin Admin is viewing")
