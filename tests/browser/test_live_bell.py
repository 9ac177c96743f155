"""Live updates: the bell and an open thread change while the page stays where it is.

The shop runs with ``ORDER_MESSAGES_POLL_INTERVAL = 1``; each page is marked with a window
property before the change, and the mark must still be there after it: no reload happened.
"""

from __future__ import annotations

from playwright.sync_api import expect

from .helpers import bell_count, count, open_messages_tab

LIVE_TIMEOUT = 6_000  # ms: a few poll intervals


def mark_document(page) -> None:
    page.evaluate("() => { window.__sameDocument = true; }")


def same_document(page) -> bool:
    return bool(page.evaluate("() => window.__sameDocument === true"))


def test_bell_count_rises_without_reload(browse, shots):
    staff = browse.page(user="admin", label="staff")
    unread, disputes = count(staff, "unread_threads"), count(staff, "open_disputes")
    mark_document(staff)
    shots.take(staff, "admin page open")

    # A customer writes about an order that had no thread.
    customer = browse.page(user="dan", label="customer")
    open_messages_tab(customer, "00009")
    customer.get_by_placeholder("Write your message here").fill("Is the bottle dishwasher-safe?")
    customer.get_by_role("button", name="Send", exact=True).click()
    expect(customer.locator("#order-messages .om-entry")).to_have_count(1)

    expect(bell_count(staff, "unread_threads")).to_have_text(str(unread + 1), timeout=LIVE_TIMEOUT)
    assert same_document(staff)
    shots.take(staff, "bell rose without reload")

    # A dispute opened by the customer: the bell's dispute count rises too.
    customer.locator("#order-messages").get_by_role("link", name="Open dispute").click()
    dialog = customer.get_by_role("dialog")
    dialog.get_by_label("Reason").fill("The bottle arrived cracked.")
    dialog.get_by_role("button", name="Open dispute").click()
    expect(customer.locator(".om-dispute-note")).to_be_visible()

    expect(bell_count(staff, "open_disputes")).to_have_text(str(disputes + 1), timeout=LIVE_TIMEOUT)
    # One disputed unread thread: one in each number, never two in one.
    expect(bell_count(staff, "unread_threads")).to_have_text(str(unread + 1))
    assert same_document(staff)
    staff.locator(".om-bell summary").click()
    shots.take(staff, "dispute count rose without reload")


def test_open_thread_shows_new_messages_without_reload(browse, shots):
    staff = browse.page(user="admin", label="staff")
    staff.goto("/admin/orders/10?tab=messages")
    thread = staff.locator("#order-messages")
    expect(thread.locator(".om-entry")).to_have_count(1)
    settled = count(staff, "unread_threads")  # this thread is read now
    mark_document(staff)

    # The customer writes while staff has the thread open.
    customer = browse.page(user="dan", label="customer")
    open_messages_tab(customer, "00010")
    question = "Sorry, one more thing: could you leave it with the porter?"
    customer.get_by_placeholder("Write your message here").fill(question)
    customer.get_by_role("button", name="Send", exact=True).click()
    expect(customer.locator("#order-messages .om-entry.om-mine").last).to_contain_text(question)

    fresh = thread.locator(".om-entry").last
    expect(fresh).to_contain_text(question, timeout=LIVE_TIMEOUT)
    expect(fresh.locator(".om-author")).to_have_text("Dan Dawson")
    expect(fresh.locator(".om-role")).to_have_text("Customer")
    expect(thread.locator(".om-entry")).to_have_count(2)
    # Shown in the open thread means read: the bell does not count it.
    expect(bell_count(staff, "unread_threads")).to_have_text(str(settled))
    assert same_document(staff)
    shots.take(staff, "new message shown without reload")

    # And the other way round: staff answers, the customer's open thread shows it.
    mark_document(customer)
    answer = "Will do, we'll tell the courier."
    staff.get_by_placeholder("Write your message here").fill(answer)
    staff.get_by_role("button", name="Send", exact=True).click()
    expect(thread.locator(".om-entry.om-mine")).to_contain_text(answer)

    theirs = customer.locator("#order-messages .om-entry").last
    expect(theirs).to_contain_text(answer, timeout=LIVE_TIMEOUT)
    expect(theirs.locator(".om-author")).to_have_text("Admin Admin")
    expect(theirs.locator(".om-role")).to_have_text("Staff")
    assert same_document(customer)
    shots.take(customer, "answer shown without reload")


def test_bell_catches_up_at_once_when_the_page_marks_a_thread_read(browse, shots):
    """The header's bell is drawn before the thread below it marks itself read: the page asks
    for fresh counts as soon as it is ready, not at the first poll a second later."""
    customer = browse.page(user="dan", label="customer")
    open_messages_tab(customer, "00011")
    customer.get_by_placeholder("Write your message here").fill("Has it left the warehouse?")
    customer.get_by_role("button", name="Send", exact=True).click()
    expect(customer.locator("#order-messages .om-entry.om-mine")).to_have_count(1)

    staff = browse.page(user="admin", label="staff")
    before = int(count(staff, "unread_threads"))
    staff.goto("/admin/orders/11?tab=messages")
    expect(staff.locator("#om-new")).to_be_visible()
    expect(bell_count(staff, "unread_threads")).to_have_text(str(before - 1), timeout=LIVE_TIMEOUT)
    # The page drew the bell right already; the request it makes when ready is listed once its
    # answer has arrived, which on a busy machine can be after the count was checked.
    staff.wait_for_function(
        """() => performance.getEntriesByType("resource")
          .some((e) => e.name.includes("/api/counts"))""",
        timeout=LIVE_TIMEOUT,
    )
    started = staff.evaluate(
        """() => {
          const ready = performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd;
          const asked = performance.getEntriesByType("resource")
            .filter((e) => e.name.includes("/api/counts"))
            .map((e) => e.startTime - ready);
          return asked.length ? Math.min(...asked) : null;
        }"""
    )
    # The first poll would start a second after the page was ready.
    assert started is not None and started < 500, started
    shots.take(staff, "bell caught up after the thread was read")
