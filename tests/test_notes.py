"""Staff-only notes: written from the staff reply box, seen by staff in the thread and in the
Messages list, never shown, mailed or counted as unread for the customer."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from flask_order_messages import current_order_messages
from flask_order_messages.tokens import make_guest_token

from . import committing as services
from .conftest import db
from .host_pages import (
    P,
    customer_order_page,
    db_state,
    entry_bodies,
    follow,
    page,
    rows,
    staff_order_page,
    textarea,
    thread_section,
    words,
)
from .reconfigure import reconfigure

NOTE = "Customer called: be gentle, the parcel was a birthday present."


pytestmark = pytest.mark.usefixtures("host_pages")


def post_note(browser, order, text: str = NOTE):
    return browser.post(
        f"{P}/admin/orders/{order.id}/messages",
        {"body": text, "kind": "note", "next": f"/admin/orders/{order.id}?tab=messages"},
    )


def outbox_rows() -> list:
    box = current_order_messages.models.MailOutbox
    return list(db.session.execute(sa.select(box)).scalars())


@pytest.fixture
def thread_with_note(order, as_customer, staff, browser, outbox):
    """Carol asked, staff answered; then a staff member added a note through the page."""
    services.post_message(order, as_customer, "Where is my parcel?")
    services.post_message(order, services.staff_actor(staff), "It left yesterday.")
    mails = len(outbox)
    response = post_note(browser.login(staff), order)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/orders/{order.id}?tab=messages#order-messages"
    assert len(outbox) == mails  # nothing mailed for the note
    return order


def test_the_reply_box_has_a_note_button(order, as_customer, staff, browser):
    services.post_message(order, as_customer, "Hi")
    html = thread_section(staff_order_page(browser.login(staff), order))
    assert re.search(r'<button type="submit"[^>]*name="kind" value="note"', html)
    assert "Add staff-only note" in words(html)


def test_staff_see_the_note_styled_and_labelled(thread_with_note, staff, browser):
    html = thread_section(staff_order_page(browser.login(staff), thread_with_note))
    note = re.search(r'<li class="om-entry om-staff om-note[^"]*"[^>]*>(.*?)</li>', html, re.S)
    assert note is not None
    assert "Staff-only note" in words(note.group(1))
    assert NOTE in words(note.group(1))
    assert entry_bodies(html) == ["Where is my parcel?", "It left yesterday.", NOTE]


def test_the_messages_list_previews_the_note(thread_with_note, staff, browser):
    (row,) = rows(page(browser.login(staff).get(f"{P}/admin/messages")))
    assert f"Note: {NOTE}" in row.text


def test_another_staff_member_sees_the_note_as_new(thread_with_note, staff2):
    as_staff2 = services.staff_actor(staff2)
    assert services.order_unread_count(thread_with_note, as_staff2) == 3
    view = services.thread_view(thread_with_note, as_staff2, mark=False)
    assert [e.kind for e in view.entries] == ["message", "message", "note"]


def test_the_customer_never_sees_it_on_any_page(thread_with_note, customer, browser):
    order = thread_with_note
    browser.login(customer)
    for html in (customer_order_page(browser, order), page(browser.get(f"{P}/orders/{order.id}"))):
        thread = thread_section(html)
        assert entry_bodies(thread) == ["Where is my parcel?", "It left yesterday."]
        assert "be gentle" not in html and "Staff-only" not in html
        assert "Add staff-only note" not in html and 'value="note"' not in html
        # Not even the id of the note: the live thread's last id is the customer's last entry.
        last_visible = services.thread_view(
            order, services.customer_actor(customer), mark=False
        ).entries[-1]
        assert f'data-om-last="{last_visible.id}"' in thread


def test_the_customer_never_gets_it_from_the_json_endpoint(thread_with_note, customer, browser):
    response = browser.login(customer).get(f"{P}/api/orders/{thread_with_note.id}/entries?after=0")
    data = response.get_json()
    assert [e["kind"] for e in data["entries"]] == ["message", "message"]
    assert "be gentle" not in response.get_data(as_text=True)
    assert data["last_id"] == data["entries"][-1]["id"]
    # Asking for what came after the last visible entry finds nothing: the note is not there.
    later = browser.get(f"{P}/api/orders/{thread_with_note.id}/entries?after={data['last_id']}")
    assert later.get_json()["entries"] == []


def test_staff_get_it_from_the_json_endpoint(thread_with_note, staff, browser):
    data = (
        browser.login(staff).get(f"{P}/api/admin/orders/{thread_with_note.id}/entries").get_json()
    )
    (note,) = [e for e in data["entries"] if e["note"]]
    assert note["kind"] == "note" and NOTE in note["html"]


def test_the_guest_link_page_never_shows_it(thread_with_note, browser):
    browser.login(None)
    html = page(browser.get(f"{P}/t/{make_guest_token(thread_with_note)}"))
    assert "It left yesterday." in html
    assert "be gentle" not in html and "Staff-only" not in html


def test_it_is_never_mailed(order, as_customer, staff, staff2, customer, browser, outbox):
    services.post_message(order, as_customer, "Hello")
    before_rows, before_mails = len(outbox_rows()), len(outbox)
    post_note(browser.login(staff), order)
    assert len(outbox) == before_mails
    assert len(outbox_rows()) == before_rows
    # Not to the customer, and not to the other staff either.
    assert all(customer.email not in m.recipients for m in outbox[before_mails:])


def test_it_is_never_unread_for_the_customer(thread_with_note, customer, as_customer, browser):
    order = thread_with_note
    # Carol read the answer; the note that came after it is nothing new to her.
    services.mark_read(as_customer)
    assert services.order_unread_count(order, as_customer) == 0
    assert services.bell_counts(as_customer)["unread_threads"] == 0
    assert services.unread_by_order(as_customer, [order.id]) == {}
    assert services.customer_unread_summary(as_customer) == (0, None)
    html = customer_order_page(browser.login(customer), order)
    label = re.search(r'id="messages-tab">(.*?)</a>', html, re.S)
    assert label is not None and words(label.group(1)) == "Messages"  # no unread count
    assert "om-divider" not in thread_section(html)


def test_a_note_alone_never_makes_a_thread_unread_for_the_customer(
    order, as_customer, staff, browser
):
    services.post_message(order, as_customer, "Thanks!")
    post_note(browser.login(staff), order, "Closed the ticket on our side.")
    assert services.order_unread_count(order, as_customer) == 0
    assert services.list_threads(as_customer, filter="unread").total == 0


def test_customers_cannot_search_for_its_words(thread_with_note, as_customer, as_staff):
    assert services.list_threads(as_staff, query="gentle").total == 1
    assert services.list_threads(as_customer, query="gentle").total == 0


def test_a_customer_cannot_write_a_note(order, customer, browser):
    response = browser.login(customer).post(
        f"{P}/orders/{order.id}/messages", {"body": "A note?", "kind": "note"}
    )
    # The customer's form has no such button; sent anyway, it is their ordinary message.
    assert response.status_code == 303
    (entry,) = services.thread_view(order, services.staff_actor(customer), mark=False).entries
    assert (entry.kind, entry.author_role) == ("message", "customer")


def test_an_empty_note_is_refused_with_words(order, as_customer, staff, browser):
    services.post_message(order, as_customer, "Hi")
    before = db_state()
    response = post_note(browser.login(staff), order, "   ")
    assert db_state() == before
    assert "Your message cannot be empty." in words(follow(browser, response))


def test_notes_can_be_turned_off(app, order, as_customer, staff, browser, outbox):
    services.post_message(order, as_customer, "Hi")
    reconfigure(app, NOTES_ENABLED=False)
    html = thread_section(staff_order_page(browser.login(staff), order))
    assert "Add staff-only note" not in html
    before, mails = db_state(), len(outbox)
    # A stale form with the button: refused with the text kept, never sent as a message.
    response = post_note(browser, order, "Only for us: refund approved")
    assert db_state() == before
    assert len(outbox) == mails
    html = follow(browser, response)
    assert "Staff-only notes are turned off in this shop, so nothing was sent." in words(html)
    assert textarea(html) == "Only for us: refund approved"
