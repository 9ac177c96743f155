"""Beyond the reference product, in Chromium on the example shop: staff-only notes, canned
replies, dispute outcomes, respond-by times and reopening.

Demo data (example_shop/seed.py): Carol's dispute on order 00005 is open and overdue (nobody
at the store answered it); three canned replies exist ("Damaged on arrival"...).
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .helpers import bell_count, order_row, page_width, today_pattern

NOTE_YELLOW = "rgb(255, 248, 197)"


def test_note_canned_reply_outcome_and_reopen(browse, shots):
    page = browse.page(user="admin", label="staff")

    # The bell counts the overdue dispute; its link lists only overdue disputes.
    expect(page.locator('.om-bell-menu [data-om-count="overdue_disputes"]')).to_have_text("1")
    page.locator(".om-bell summary").click()
    page.locator(".om-bell-menu").get_by_role("link", name=re.compile(r"^Overdue disputes")).click()
    expect(page).to_have_url(re.compile(r"filter=overdue"))
    expect(page.get_by_label("Show")).to_have_value("overdue")
    rows = page.locator("tr.om-row")
    expect(rows).to_have_count(1)
    mark = order_row(page, "00005").locator(".om-overdue-mark")
    expect(mark).to_have_text(re.compile("overdue", re.I))
    assert mark.evaluate("el => getComputedStyle(el).color") == "rgb(207, 34, 46)"
    shots.take(page, "overdue disputes in the messages list")

    # The red note says the respond-by time has passed.
    order_row(page, "00005").get_by_role("link", name="#00005").click()
    thread = page.locator("#order-messages")
    note = thread.locator(".om-dispute-note")
    expect(note).to_contain_text("Dispute opened on")
    expect(note.locator(".om-deadline")).to_contain_text(
        re.compile(
            r"Overdue Respond by \w{3} \d{1,2}, (\d{4}, )?\d{1,2}:\d\d\W[AP]M: "
            r"the store has not answered"
        )
    )
    shots.take(page, "overdue red note")

    # A staff-only note: yellow, labelled, and it does not count as answering the dispute.
    box = page.get_by_placeholder("Write your message here")
    box.fill("Warehouse confirms the kettle left undamaged; courier claim opened.")
    page.get_by_role("button", name="Add staff-only note").click()
    expect(page).to_have_url(re.compile(r"/admin/orders/5\?tab=messages#order-messages$"))
    staff_note = thread.locator(".om-entry.om-note")
    expect(staff_note).to_have_count(1)
    expect(staff_note).to_contain_text("Staff-only note")
    expect(staff_note).to_contain_text("courier claim opened")
    assert staff_note.evaluate("el => getComputedStyle(el).backgroundColor") == NOTE_YELLOW
    expect(note.locator(".om-deadline")).to_contain_text("Overdue")
    expect(box).to_have_value("")
    shots.take(page, "staff-only note")

    # Insert a canned reply with one click: placeholders filled in, still editable.
    picker = thread.get_by_role("group", name="Insert canned reply")
    picker.get_by_role("link", name="Damaged on arrival").click()
    expect(box).to_be_focused()
    expect(box).to_have_value(re.compile(r"^Hi Carol,\n\nI'm sorry order #00005 arrived damaged\."))
    expect(box).to_have_value(re.compile(r"\n\nAdmin Admin$"))
    expect(page).to_have_url(re.compile(r"/admin/orders/5\?tab=messages#order-messages$"))
    shots.take(page, "canned reply inserted")
    page.get_by_role("button", name="Send", exact=True).click()
    answer = thread.locator(".om-entry.om-mine").last
    expect(answer).to_contain_text("I'm sorry order #00005 arrived damaged.")
    expect(answer).not_to_have_class(re.compile(r"\bom-note\b"))
    # Answered: no longer overdue, in the note and in the bell.
    expect(note.locator(".om-deadline")).to_contain_text(re.compile(r"^Answered on "))
    expect(page.locator('.om-bell-menu [data-om-count="overdue_disputes"]')).to_have_text("0")
    shots.take(page, "dispute answered")

    # Close with an outcome and a note.
    thread.get_by_role("link", name="Close dispute").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Close this dispute?")
    dialog.get_by_label("Resolved for the customer").check()
    dialog.get_by_label("Note (optional)").fill("Replacement kettle sent by express.")
    shots.take(page, "close dispute with an outcome", full_page=False)
    dialog.get_by_role("button", name="Close dispute").click()
    expect(note).to_have_count(0)
    closed = thread.locator(".om-event-dispute-closed")
    expect(closed).to_contain_text("Dispute closed by Admin Admin")
    expect(closed.locator(".om-event-sentence")).to_have_text("Outcome: Resolved for the customer.")
    expect(closed.locator(".om-body")).to_have_text("Replacement kettle sent by express.")
    expect(bell_count(page, "open_disputes")).to_have_text("0")
    shots.take(page, "dispute closed with its outcome")

    # Reopen it: the same dispute again, a fresh respond-by time, an event in words.
    thread.get_by_role("link", name="Reopen last dispute").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Reopen the dispute on order #00005?")
    expect(dialog).to_contain_text("(Resolved for the customer)")
    dialog.get_by_label("Why reopen it? (optional)").fill("The replacement is dented too.")
    shots.take(page, "reopen dispute dialog", full_page=False)
    dialog.get_by_role("button", name="Reopen dispute").click()
    expect(note).to_contain_text(re.compile(r"Dispute reopened on .+, by Admin Admin"))
    assert today_pattern().search(note.inner_text())
    expect(note).to_contain_text("The kettle arrived damaged")
    expect(note.locator(".om-deadline")).to_have_text(re.compile(r"^Respond by "))
    reopened = thread.locator(".om-event-dispute-reopened")
    expect(reopened).to_contain_text("Dispute reopened by Admin Admin")
    expect(reopened).to_contain_text("The replacement is dented too.")
    expect(bell_count(page, "open_disputes")).to_have_text("1")
    shots.take(page, "dispute reopened")

    # Carol sees the answer, the outcome and the reopening, never the note.
    carol = browse.page(user="carol", label="customer")
    carol.goto("/account/orders/5?tab=messages")
    theirs = carol.locator("#order-messages")
    expect(theirs).to_contain_text("I'm sorry order #00005 arrived damaged.")
    expect(theirs).to_contain_text("Outcome: Resolved for the customer.")
    expect(theirs).to_contain_text("Dispute reopened by Admin Admin")
    expect(theirs.locator(".om-dispute-note")).to_contain_text("reopened by Admin Admin")
    expect(theirs).not_to_contain_text("courier claim")
    expect(theirs).not_to_contain_text("Staff-only")
    expect(theirs.locator(".om-note")).to_have_count(0)
    expect(theirs).not_to_contain_text("Respond by")
    expect(carol.get_by_role("button", name="Add staff-only note")).to_have_count(0)
    expect(carol.get_by_role("group", name="Insert canned reply")).to_have_count(0)
    shots.take(carol, "customer sees outcome and reopening, not the note")


def test_keep_canned_replies_and_insert_one_without_javascript(browse, shots):
    page = browse.page(user="admin", js=False, label="staff-nojs")
    page.goto("/order-messages/admin/messages")
    page.get_by_role("link", name="Canned replies").click()
    expect(page.get_by_role("heading", name="Canned replies")).to_be_visible()
    expect(page.locator(".om-canned-row")).to_have_count(3)
    shots.take(page, "canned replies list")

    # A new one; a title that is taken is refused in words, the text kept.
    page.get_by_role("link", name="New canned reply").click()
    page.get_by_label("Title").fill("delivery times")
    body = "Hi {customer_first_name}, your order #{order_number} is on its way.\n{staff_name}"
    page.get_by_label("Reply").fill(body)
    page.get_by_role("button", name="Save canned reply").click()
    expect(page.get_by_role("alert")).to_have_text(
        "There is already a canned reply called “delivery times”. Please choose another title."
    )
    expect(page.get_by_label("Reply")).to_have_value(body)
    shots.take(page, "taken title refused")
    page.get_by_label("Title").fill("On its way")
    page.get_by_role("button", name="Save canned reply").click()
    expect(page.get_by_role("status")).to_have_text("The canned reply was saved.")
    expect(page.locator(".om-canned-row")).to_have_count(4)
    shots.take(page, "canned reply saved")

    # Edit it, then delete another through its confirm page.
    page.get_by_role("link", name="Edit “On its way”").click()
    page.get_by_label("Title").fill("On its way to you")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".om-canned-row").filter(has_text="On its way to you")).to_have_count(1)
    page.get_by_role("link", name="Delete “Thanks, all sorted”").click()
    expect(page.get_by_role("heading")).to_have_text(
        "Delete the canned reply “Thanks, all sorted”?"
    )
    shots.take(page, "delete confirmation")
    page.get_by_role("button", name="Yes, delete it").click()
    expect(page.get_by_role("status")).to_have_text("The canned reply was deleted.")
    expect(page.locator(".om-canned-row")).to_have_count(3)

    # Without JavaScript the link reloads the order page with the reply box filled in.
    page.goto("/admin/orders/21?tab=messages")
    thread = page.locator("#order-messages")
    thread.get_by_role("group", name="Insert canned reply").get_by_role(
        "link", name="On its way to you"
    ).click()
    expect(page).to_have_url(
        re.compile(r"/admin/orders/21\?tab=messages&canned=\d+#order-messages$")
    )
    box = page.get_by_placeholder("Write your message here")
    expect(box).to_have_value("Hi Frank, your order #00021 is on its way.\nAdmin Admin")
    shots.take(page, "reply box filled without javascript")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/orders/21\?tab=messages#order-messages$"))
    expect(thread.locator(".om-entry.om-mine").last).to_contain_text(
        "your order #00021 is on its way."
    )
    expect(box).to_have_value("")
    shots.take(page, "canned reply sent")


def test_the_new_pieces_fit_a_phone(browse, shots):
    page = browse.page("phone", user="admin", label="staff-phone")
    for path, step in [
        ("/order-messages/admin/canned-replies", "canned replies"),
        ("/order-messages/admin/canned-replies/new", "new canned reply"),
        ("/order-messages/admin/messages?filter=overdue", "overdue filter"),
        ("/admin/orders/5?tab=messages", "overdue dispute with canned replies"),
    ]:
        page.goto(path)
        expect(page.locator("main")).to_be_visible()
        assert page_width(page) <= 375, path
        shots.take(page, step)
    page.locator("#order-messages").get_by_role("link", name="Close dispute").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Resolved for the store")).to_be_visible()
    assert page_width(page) <= 375
    shots.take(page, "close dialog with outcomes", full_page=False)
