"""Disputes from the staff side: the reason page, the red note, the confirm step, history."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from flask_order_messages import current_order_messages
from flask_order_messages.i18n import format_datetime

from . import committing as services
from .conftest import db
from .host_pages import (
    P,
    backdate,
    db_state,
    entry_bodies,
    link_to,
    page,
    rows,
    staff_order_page,
    textarea,
    thread_section,
    words,
)

pytestmark = pytest.mark.usefixtures("host_pages")


def test_open_dispute_page_then_red_note(order, as_customer, staff, browser):
    services.post_message(order, as_customer, "The vase arrived broken")
    thread = thread_section(staff_order_page(browser.login(staff), order))
    open_url = link_to(thread, "Open dispute")
    assert open_url == (
        f"{P}/admin/orders/{order.id}/dispute/open?next=/admin/orders/{order.id}?tab%3Dmessages"
    )
    form = page(browser.get(open_url))
    assert "Open a dispute on order #00001" in words(form)
    assert textarea(form, "reason") == ""
    assert link_to(form, "Cancel") == f"/admin/orders/{order.id}?tab=messages#order-messages"

    response = browser.post(
        open_url,
        {
            "reason": "Customer sent photos of the damage",
            "next": f"/admin/orders/{order.id}?tab=messages",
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/orders/{order.id}?tab=messages#order-messages"

    backdate(order, datetime(2018, 8, 29, 10, 0))
    thread = thread_section(staff_order_page(browser, order))
    note = re.search(r'<div class="om-dispute-note"[^>]*>(.*?)</div>\s*</div>', thread, re.S)
    assert note is not None
    # The respond-by time came from the real opening time (backdate leaves it alone).
    # Babel's times have narrow no-break spaces; the page's words are read with plain ones.
    respond_by = " ".join(format_datetime(services.open_dispute_of(order).respond_by).split())
    assert words(note.group(1)) == (
        "Dispute opened on Aug 29, 2018, by Admin Admin Customer sent photos of the damage "
        f"Respond by {respond_by}"
    )
    # The note is at the top of the thread, before the first message.
    assert thread.index("om-dispute-note") < thread.index("The vase arrived broken")
    assert "Close dispute" in words(thread)
    assert "Open dispute" not in words(thread)
    # And the event is in the thread, in words.
    assert "Dispute opened by Admin Admin" in words(thread)


def test_dispute_shows_in_bell_and_list(order, as_customer, staff, browser):
    services.post_message(order, as_customer, "Broken")
    browser.login(staff).post(
        f"{P}/admin/orders/{order.id}/dispute/open", {"reason": "Damaged in transit"}
    )
    html = page(browser.get(f"{P}/admin/messages"))
    assert "1 open dispute" in html
    (row,) = rows(html)
    assert "Dispute" in row.text.split()


@pytest.mark.parametrize(
    ("reason", "error"),
    [
        ("  \n  ", "The reason cannot be empty."),
        ("y" * 1001, "The reason is too long: 1,001 characters, the limit is 1,000."),
    ],
)
def test_refused_reason_is_a_400_with_the_text_kept(
    order, as_customer, staff, browser, reason, error
):
    services.post_message(order, as_customer, "Broken")
    before = db_state()
    response = browser.login(staff).post(
        f"{P}/admin/orders/{order.id}/dispute/open",
        {"reason": reason, "next": f"/admin/orders/{order.id}?tab=messages"},
    )
    assert response.status_code == 400
    html = page(response)
    assert error in words(html)
    assert textarea(html, "reason") == reason
    assert 'name="next" value="/admin/orders/1?tab=messages"' in html
    assert db_state() == before
    assert services.open_dispute_of(order) is None


def test_second_open_dispute_is_refused(order, as_customer, as_staff, staff, browser):
    services.open_dispute(order, as_customer, "first")
    before = db_state()
    browser.login(staff)
    assert "A dispute is already open on order #00001" in words(
        page(browser.get(f"{P}/admin/orders/{order.id}/dispute/open"))
    )
    response = browser.post(f"{P}/admin/orders/{order.id}/dispute/open", {"reason": "second"})
    assert response.status_code == 409
    html = page(response)
    assert "A dispute is already open on this order." in words(html)
    assert 'class="om-draft">second</textarea>' in html  # the typed reason, to copy
    assert db_state() == before


def test_close_asks_for_confirmation_then_note_goes_and_history_stays(
    order, as_customer, staff, browser
):
    services.post_message(order, as_customer, "Broken vase")
    services.open_dispute(order, as_customer, "It broke")
    backdate(order, datetime(2018, 8, 29, 9, 30))
    browser.login(staff)
    thread = thread_section(staff_order_page(browser, order))
    close_url = link_to(thread, "Close dispute")
    confirm = page(browser.get(close_url))
    text = words(confirm)
    assert "Close the dispute on order #00001?" in text
    assert "Opened on Aug 29, 2018 by Carol Customer. Reason: It broke" in text
    assert "Yes, close dispute" in text
    assert link_to(confirm, "Cancel") == f"/admin/orders/{order.id}?tab=messages#order-messages"
    # Only looking at the confirmation changes nothing.
    assert services.open_dispute_of(order) is not None

    response = browser.post(
        close_url, {"note": "Refund sent", "next": f"/admin/orders/{order.id}?tab=messages"}
    )
    assert response.status_code == 303
    thread = thread_section(staff_order_page(browser, order))
    assert "om-dispute-note" not in thread
    assert "Dispute opened on" not in words(thread)
    assert "Open dispute" in words(thread)
    text = words(thread)
    assert text.index("Dispute opened by Carol Customer") < text.index("It broke")
    assert text.index("It broke") < text.index("Dispute closed by Admin Admin")
    assert entry_bodies(thread)[-1] == "Refund sent"
    (dispute,) = order_disputes(order)
    assert dispute.closed_at is not None and dispute.outcome == "resolved"
    assert "om-dispute-mark" not in page(browser.get(f"{P}/admin/messages"))

    # History kept: a new dispute can be opened, the old one stays.
    browser.post(f"{P}/admin/orders/{order.id}/dispute/open", {"reason": "Again"})
    assert len(order_disputes(order)) == 2
    assert "Dispute opened on" in words(thread_section(staff_order_page(browser, order)))


def order_disputes(order):
    disputes = current_order_messages.models.Dispute
    thread = services.get_thread(order)
    db.session.expire_all()
    query = db.select(disputes).where(disputes.thread_id == thread.id).order_by(disputes.id)
    return list(db.session.execute(query).scalars())


def test_close_with_no_open_dispute(order, as_customer, staff, browser):
    services.post_message(order, as_customer, "Hi")
    browser.login(staff)
    html = page(browser.get(f"{P}/admin/orders/{order.id}/dispute/close"))
    assert "No open dispute on order #00001" in words(html)
    response = browser.post(f"{P}/admin/orders/{order.id}/dispute/close")
    assert response.status_code == 409
    assert "There is no open dispute on this order." in words(page(response))


def test_too_long_close_note_is_kept_and_nothing_changes(order, as_customer, staff, browser):
    services.open_dispute(order, as_customer, "Broken")
    before = db_state()
    note = "z" * 2001
    response = browser.login(staff).post(
        f"{P}/admin/orders/{order.id}/dispute/close", {"note": note}
    )
    assert response.status_code == 400
    html = page(response)
    assert "The note is too long" in words(html)
    assert textarea(html, "note") == note
    assert db_state() == before


def test_without_javascript_the_dialogs_have_their_own_pages(order, as_customer, staff, browser):
    services.post_message(order, as_customer, "Hi")
    thread = thread_section(staff_order_page(browser.login(staff), order))
    # The link works on its own; the dialog is only an enhancement of it.
    link = r'<a [^>]*data-om-dialog="om-open-dialog"[^>]*href="[^"]+/dispute/open'
    assert re.search(link, thread)
    assert '<dialog id="om-open-dialog"' in thread
