"""An afternoon of a small support team in Chromium: two staff members (Admin Admin, Sam
Support; desktop) and a customer (Carol, on a phone) work the example shop at the same time,
each in a browser context of their own.

They split the work (Mine / Unassigned / Everyone's, "Assign to me", bulk assign), answer
(statuses move by themselves and by hand), follow reply-due times and the overdue view, find
customers by name, email and order number, handle a dispute Carol opens, mark threads read in
bulk, and watch the bell and open threads change live.  Every page visited passes axe-core's
WCAG 2.2 A and AA rules; assigning, ticking and replying are done from the keyboard.

Two team features are still being built; the places their assertions go are marked
``PRESENCE`` ("<name> is viewing / replying") and ``NEWER-MESSAGE CONFIRM`` (a reply posted
after someone else's newer message asks before it is sent).
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .helpers import bell_count, count, open_messages_tab, order_row, row_numbers
from .recipes import AXE_TAGS_22, axe_violations
from .test_live_bell import LIVE_TIMEOUT, mark_document, same_document

MESSAGES = "/order-messages/admin/messages"


def check(page, shots, step: str, *, full_page: bool = True) -> None:
    """A screenshot of the page as it is now, and no WCAG 2.2 A/AA violation on it."""
    shots.take(page, step, full_page=full_page)
    violations = axe_violations(page, tags=AXE_TAGS_22)
    assert not violations, f"{step}:\n" + "\n".join(violations)


def tab_to(page, name: str, limit: int = 20) -> None:
    """Press Tab until the control named ``name`` has the focus (it must be reachable)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.textContent.trim()") == name:
            return
    raise AssertionError(f"{name!r} is not reached with Tab")


def bell_label(page, unread: int) -> re.Pattern[str]:
    return re.compile(rf"^Messages: {unread} unread\b")


def rows(page):
    return page.locator("tr.om-row")


def choose_view(page, view: str) -> None:
    """The list's "Assigned to" select, then Search."""
    page.get_by_label("Assigned to", exact=True).select_option(label=view)
    page.get_by_role("button", name="Search").click()


def test_two_staff_and_a_customer_share_an_afternoon(browse, shots):
    admin = browse.page(user="admin", label="admin")
    sam = browse.page(user="support", label="sam")
    carol = browse.page("phone", user="carol", label="carol-phone")

    # Admin keeps Carol's newest order open on its Messages tab: no messages yet, and who the
    # customer is without a trip to the Details tab.
    admin.goto("/admin/orders/1?tab=messages")
    thread = admin.locator("#order-messages")
    expect(thread.locator(".om-empty")).to_be_visible()
    expect(admin.locator(".order-who")).to_have_text(
        re.compile(r"^Carol Customer\s+·\s+carol@example\.com\s+·\s+Total \$\d+\.\d\d\s*$")
    )
    mark_document(admin)
    check(admin, shots, "empty thread open")

    # Sam watches the unassigned threads.
    sam.goto(f"{MESSAGES}?view=unassigned")
    expect(sam.get_by_label("Assigned to", exact=True)).to_have_value("unassigned")
    unassigned = rows(sam).count()
    sam_unread = count(sam, "unread_threads")
    mark_document(sam)
    check(sam, shots, "unassigned view")

    # Carol writes on that order from her phone.
    open_messages_tab(carol, "00001")
    check(carol, shots, "no messages yet")
    question = "Hi! Could you add a second bag of the house beans to this order?"
    carol.get_by_placeholder("Write your message here").fill(question)
    carol.get_by_role("button", name="Send", exact=True).click()
    expect(carol.locator("#order-messages .om-entry.om-mine")).to_contain_text(question)
    mark_document(carol)
    check(carol, shots, "first message sent")

    # Admin's empty thread shows it without a reload.  The shop shares its read marks
    # (ORDER_MESSAGES_READ_STATE = "shared"): Admin has it on screen, so the team has read it
    # and Sam's bell, live, does not count it.
    expect(thread.locator(".om-entry")).to_have_count(1, timeout=LIVE_TIMEOUT)
    expect(thread.locator(".om-entry .om-author")).to_have_text("Carol Customer")
    expect(thread.locator(".om-empty")).to_have_count(0)
    assert same_document(admin)
    sam.wait_for_timeout(2_000)  # two of Sam's polls (every second) after Admin's page read it
    expect(bell_count(sam, "unread_threads")).to_have_text(str(sam_unread))
    expect(sam.locator(".om-bell summary")).to_have_attribute(
        "aria-label", bell_label(sam, sam_unread)
    )
    assert same_document(sam)
    check(admin, shots, "first message live")

    # The new thread is unassigned, with its customer, order and last author in the row.
    sam.reload()
    expect(rows(sam)).to_have_count(unassigned + 1)
    row = order_row(sam, "00001")
    expect(row.locator(".om-customer-name")).to_have_text("Carol Customer")
    expect(row.locator(".om-customer-email")).to_have_text("carol@example.com")
    expect(row.locator(".om-order-summary")).to_have_text(re.compile(r"^\$\d+\.\d\d · Pending$"))
    expect(row.locator(".om-last-author")).to_have_text("Carol Customer:")
    expect(row.locator(".om-due")).to_have_text(re.compile(r"^Reply due in "))
    expect(row.locator(".om-status")).to_have_text("Open")

    # Admin hands it to Sam from the thread, keyboard only: type to choose, Tab, Enter.
    assignee = thread.get_by_label("Assignee", exact=True)
    assignee.focus()
    admin.keyboard.type("Sam")
    assert assignee.evaluate("s => s.selectedOptions[0].text") == "Sam Support"
    admin.keyboard.press("Tab")
    expect(thread.get_by_role("button", name="Assign", exact=True)).to_be_focused()
    admin.keyboard.press("Enter")
    expect(thread.locator(".om-assignee")).to_have_text("Assigned to: Sam Support")
    expect(thread.locator(".om-team-event").last).to_contain_text(
        "Assigned to Sam Support by Admin Admin"
    )
    check(admin, shots, "assigned to sam")

    # Sam sees it leave the unassigned view and land in Mine, still showing the customer's
    # question: the assignment is no "latest message" (who assigned it is in the thread).
    sam.reload()
    expect(rows(sam)).to_have_count(unassigned)
    expect(order_row(sam, "00001")).to_have_count(0)
    choose_view(sam, "Mine")
    expect(sam).to_have_url(re.compile(r"view=mine"))
    expect(rows(sam)).to_have_count(1)
    mine = order_row(sam, "00001")
    expect(mine.locator(".om-assignee")).to_have_text("Sam Support")
    expect(mine.locator(".om-excerpt")).to_contain_text("Hi! Could you add a second bag")
    expect(mine.locator(".om-last-author")).to_have_text("Carol Customer:")
    check(sam, shots, "mine after admin assigned")

    # Sam takes two more from Unassigned in bulk, keyboard only: Space ticks, "Me" is the
    # default assignee, Enter on Assign.  The unassigned view shrinks by two.
    choose_view(sam, "Unassigned")
    for number in ("00021", "00010"):
        order_row(sam, number).locator("input[name=thread_id]").focus()
        sam.keyboard.press("Space")
    expect(sam.get_by_label("Assign to", exact=True)).to_have_value("me")
    sam.locator(".om-bulk-team").get_by_role("button", name="Assign", exact=True).focus()
    sam.keyboard.press("Enter")
    expect(rows(sam)).to_have_count(unassigned - 2)
    assert not {"#00021", "#00010"} & set(row_numbers(sam))
    check(sam, shots, "two taken in bulk")
    choose_view(sam, "Mine")
    expect(rows(sam)).to_have_count(3)
    assert sorted(row_numbers(sam)) == ["#00001", "#00010", "#00021"]

    # Admin's list shows who has what.
    admin.goto(MESSAGES)
    for number in ("00001", "00010", "00021"):
        expect(order_row(admin, number).locator(".om-assignee")).to_have_text("Sam Support")
    check(admin, shots, "everyone's list with assignees")

    # Admin opens the thread again and starts a draft of their own.
    admin.goto("/admin/orders/1?tab=messages")
    mark_document(admin)
    # Sam opens it from Mine (Admin read it for the team already).
    sam.get_by_role("link", name="#00001", exact=True).click()
    expect(sam.get_by_role("heading", name="Order #00001")).to_be_visible()
    # PRESENCE: Admin's thread (and Admin's list row for #00001) says "Sam Support is viewing"
    # here, live, and Sam's says "Admin Admin is viewing".
    admin_draft = "Hi Carol, one bag of house beans added."
    admin.get_by_placeholder("Write your message here").fill(admin_draft)
    check(sam, shots, "sam opens the thread")

    # Sam answers with the keyboard: type, Tab to Send, Enter.
    sam_thread = sam.locator("#order-messages")
    sam.get_by_placeholder("Write your message here").focus()
    answer = "Hi Carol, done: the second bag ships with the rest tomorrow."
    sam.keyboard.type(answer)
    # PRESENCE: while Sam types, Admin's thread says "Sam Support is replying", live.
    tab_to(sam, "Send")
    sam.keyboard.press("Enter")
    expect(sam_thread.locator(".om-entry.om-mine").last).to_contain_text(answer)
    expect(sam_thread.locator(".om-status")).to_have_text("Status: Waiting on customer")
    check(sam, shots, "answered, waiting on customer")

    # Carol's phone shows the answer without a reload, from staff.
    theirs = carol.locator("#order-messages .om-entry")
    expect(theirs).to_have_count(2, timeout=LIVE_TIMEOUT)
    expect(theirs.last).to_contain_text(answer)
    expect(theirs.last.locator(".om-role")).to_have_text("Staff")
    expect(carol.locator("#order-messages")).not_to_contain_text("Assigned to")
    assert same_document(carol)
    check(carol, shots, "answer arrived live")

    # Admin's open thread shows Sam's answer too; Admin's draft is still unsent.
    expect(thread.locator(".om-entry").last).to_contain_text(answer, timeout=LIVE_TIMEOUT)
    assert same_document(admin)
    expect(admin.get_by_placeholder("Write your message here")).to_have_value(admin_draft)
    # NEWER-MESSAGE CONFIRM: Admin submits the draft written before Sam's answer arrived:
    # a dialog asks "a newer message arrived, send anyway?"; Cancel keeps the draft unsent,
    # the thread unchanged; Send posts it.  Until then the draft is dropped unsent.
    admin.get_by_placeholder("Write your message here").fill("")
    check(admin, shots, "sams answer live in admins thread")

    # Carol answers: the thread is Open again, with a reply due.
    carol.get_by_placeholder("Write your message here").fill("Thank you! Same address.")
    carol.get_by_role("button", name="Send", exact=True).click()
    expect(carol.locator("#order-messages .om-entry.om-mine").last).to_contain_text("Same address")
    expect(sam_thread.locator(".om-entry").last).to_contain_text(
        "Same address", timeout=LIVE_TIMEOUT
    )
    expect(thread.locator(".om-entry").last).to_contain_text("Same address", timeout=LIVE_TIMEOUT)
    sam.reload()
    expect(sam_thread.locator(".om-status")).to_have_text("Status: Open")
    expect(sam.locator("#order-messages .om-due")).to_have_text(re.compile(r"^Reply due in "))

    # Carol opens a dispute: both bells count it live, a number of its own beside unread.
    admin.goto(MESSAGES)
    admin_unread, disputes = count(admin, "unread_threads"), count(admin, "open_disputes")
    mark_document(admin)
    carol.locator("#order-messages").get_by_role("link", name="Open dispute").click()
    dialog = carol.get_by_role("dialog")
    reason = "The order ships tomorrow and I still have no confirmation of the second bag."
    dialog.get_by_label("Reason").fill(reason)
    check(carol, shots, "dispute dialog", full_page=False)
    dialog.get_by_role("button", name="Open dispute").click()
    expect(carol.locator(".om-dispute-note")).to_contain_text(reason)
    check(carol, shots, "dispute in progress")
    for page in (admin, sam):
        expect(bell_count(page, "open_disputes")).to_have_text(
            str(disputes + 1), timeout=LIVE_TIMEOUT
        )
        expect(page.locator(".om-bell summary")).to_have_attribute(
            "aria-label", re.compile(rf", {disputes + 1} open disputes?\b")
        )
    # Sam has the thread open, so with shared marks the team has read the dispute at once:
    # Admin's unread number stays (a disputed unread thread would count once in each number,
    # never twice in one: test_live_context).
    admin.wait_for_timeout(2_000)
    expect(bell_count(admin, "unread_threads")).to_have_text(str(admin_unread))
    assert same_document(admin)
    check(admin, shots, "dispute counted live")

    # Sam handles it: answers, then closes it with an outcome; one dispute button remains.
    sam.reload()
    expect(sam.locator(".om-dispute-note")).to_contain_text(reason)
    sam.get_by_placeholder("Write your message here").fill(
        "Confirmed: two bags are packed. Sorry for the worry!"
    )
    sam.get_by_role("button", name="Send", exact=True).click()
    expect(sam.locator(".om-dispute-note .om-deadline")).to_contain_text(re.compile("^Answered"))
    sam_thread.get_by_role("link", name="Close dispute").click()
    closing = sam.get_by_role("dialog")
    closing.get_by_label("Resolved for the customer").check()
    closing.get_by_label("Note (optional)").fill("Second bag confirmed.")
    check(sam, shots, "close dispute dialog", full_page=False)
    closing.get_by_role("button", name="Close dispute").click()
    expect(sam.locator(".om-dispute-note")).to_have_count(0)
    expect(sam_thread.get_by_role("link", name="Reopen last dispute")).to_be_visible()
    expect(sam_thread.get_by_role("link", name="Open dispute", exact=True)).to_have_count(0)
    check(sam, shots, "dispute closed")
    expect(bell_count(admin, "open_disputes")).to_have_text(str(disputes), timeout=LIVE_TIMEOUT)
    assert same_document(admin)

    # Carol sees the outcome; she too has one dispute button.
    carol.reload()
    expect(carol.locator("#order-messages .om-event-dispute-closed")).to_contain_text(
        "Outcome: Resolved for the customer."
    )
    expect(carol.locator(".om-dispute-note")).to_have_count(0)
    buttons = carol.locator("#order-messages").get_by_role("link", name=re.compile("dispute"))
    expect(buttons).to_have_count(1)
    check(carol, shots, "dispute closed for carol")


def test_the_team_list_targets_search_status_and_bulk_marks(browse, shots):
    admin = browse.page(user="admin", label="admin")
    sam = browse.page(user="support", label="sam")
    carol = browse.page("phone", user="carol", label="carol-phone")

    # Reply-due marks: Frank wrote minutes ago, Carol's photo of the dent weeks ago; a thread
    # waiting on the customer has none, and the seed closed Dan's and Erin's "thanks" (they
    # are not in the list of open threads at all).
    admin.goto(MESSAGES)
    expect(order_row(admin, "00021").locator(".om-due")).to_have_text(re.compile(r"^Reply due in "))
    due = order_row(admin, "00005").locator(".om-due")
    expect(due).to_have_text(re.compile(r"^Overdue by \d+ days?\b"))
    expect(due).to_have_class(re.compile(r"\bom-due-overdue\b"))
    expect(order_row(admin, "00003").locator(".om-due")).to_have_count(0)
    for number in ("00014", "00020"):
        expect(order_row(admin, number)).to_have_count(0)
    check(admin, shots, "reply due and overdue")

    # The overdue view, from the response-times page.
    admin.get_by_role("link", name="Response times").click()
    expect(admin.get_by_role("heading", name="Replies within target")).to_be_visible()
    check(admin, shots, "response times")
    admin.get_by_role("link", name="Replies overdue now").click()
    expect(admin.get_by_label("Replies", exact=True)).to_have_value("overdue")
    overdue = set(row_numbers(admin))
    assert "#00005" in overdue and not {"#00014", "#00020", "#00021"} & overdue
    check(admin, shots, "overdue view")

    # Closed has the two "thanks" threads; Sam reopens them in bulk (they leave the view and
    # are open again, with nothing due: nobody owes a "thanks" a reply), then closes them.
    sam.goto(MESSAGES)
    sam.get_by_label("Status", exact=True).select_option("closed")
    sam.get_by_role("button", name="Search").click()
    assert sorted(row_numbers(sam)) == ["#00014", "#00020"]
    expect(rows(sam).locator(".om-status")).to_have_text(["Closed", "Closed"])
    check(sam, shots, "closed view")
    for number in ("00014", "00020"):
        order_row(sam, number).locator("input[name=thread_id]").check()
    sam.get_by_role("button", name="Reopen", exact=True).click()
    expect(rows(sam)).to_have_count(0)
    sam.goto(MESSAGES)
    for number in ("00014", "00020"):
        expect(order_row(sam, number).locator(".om-due")).to_have_count(0)
        order_row(sam, number).locator("input[name=thread_id]").check()
    sam.get_by_role("button", name="Close", exact=True).click()
    for number in ("00014", "00020"):
        expect(order_row(sam, number)).to_have_count(0)

    # Search by a customer's name, email and the order number as shown.
    for query, expected in (
        ("Frank Foster", ["#00021", "#00024"]),
        ("dan@example.com", ["#00010", "#00012"]),
        ("#00021", ["#00021"]),
    ):
        sam.goto(MESSAGES)
        sam.get_by_label("Search").fill(query)
        sam.get_by_label("Search").press("Enter")
        assert sorted(row_numbers(sam)) == expected, query
    check(sam, shots, "found by order number")

    # Admin closes Carol's delivery thread by hand; Carol writes again and it reopens.
    admin.goto("/admin/orders/3?tab=messages")
    admin_thread = admin.locator("#order-messages")
    admin_thread.get_by_label("Status", exact=True).select_option("closed")
    admin_thread.get_by_role("button", name="Set status").click()
    expect(admin_thread.locator(".om-status")).to_have_text("Status: Closed")
    expect(admin_thread.locator(".om-team-event").last).to_contain_text("Closed by Admin Admin")
    check(admin, shots, "closed by hand")
    admin.goto(f"{MESSAGES}?status=open")
    admin_unread = count(admin, "unread_threads")
    expect(order_row(admin, "00003")).to_have_count(0)
    mark_document(admin)
    open_messages_tab(carol, "00003")
    expect(carol.locator("#order-messages")).not_to_contain_text("Closed by")
    carol.get_by_placeholder("Write your message here").fill("It came today, but one bag is open.")
    carol.get_by_role("button", name="Send", exact=True).click()
    expect(carol.locator("#order-messages .om-entry.om-mine").last).to_contain_text("bag is open")
    check(carol, shots, "carol writes on a closed thread")
    # Admin's bell counts it live; the Open list has it again after a reload.
    expect(bell_count(admin, "unread_threads")).to_have_text(
        str(admin_unread + 1), timeout=LIVE_TIMEOUT
    )
    assert same_document(admin)
    admin.reload()
    reopened = order_row(admin, "00003")
    expect(reopened.locator(".om-status")).to_have_text("Open")
    expect(reopened.locator(".om-last-author")).to_have_text("Carol Customer:")
    expect(reopened.locator(".om-due")).to_have_text(re.compile(r"^Reply due in "))

    # Bulk marks say what they did, and the bell follows.
    admin.goto(MESSAGES)
    unread_rows = admin.locator("tr.om-row.om-unread")
    before = count(admin, "unread_threads")
    assert unread_rows.count() >= 2
    for i in range(2):
        unread_rows.nth(i).locator("input[name=thread_id]").check()
    admin.get_by_role("button", name="Mark read", exact=True).click()
    expect(admin.locator(".om-notice")).to_have_text("2 threads marked read.")
    expect(bell_count(admin, "unread_threads")).to_have_text(str(before - 2))
    check(admin, shots, "two marked read")
    order_row(admin, "00003").locator("input[name=thread_id]").check()
    admin.get_by_role("button", name="Mark unread", exact=True).click()
    expect(admin.locator(".om-notice")).to_have_text("1 thread marked unread.")
    expect(bell_count(admin, "unread_threads")).to_have_text(str(before - 1))
    expect(order_row(admin, "00003")).to_have_class(re.compile(r"\bom-unread\b"))
    check(admin, shots, "one marked unread")

    # On a phone the list's bare values say what they are.
    phone = browse.page("phone", user="support", label="sam-phone")
    phone.goto(MESSAGES)
    cell = order_row(phone, "00021").locator(".om-assignee")
    label = cell.evaluate("td => getComputedStyle(td, '::before').content")
    assert label == '"Assigned to: "'
    check(phone, shots, "list on a phone")
