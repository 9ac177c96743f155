"""Confirm before send: a staff reply posted after someone else's newer message or note is held
back, its text kept, with "A new message from <name> arrived while you were writing. Send yours
anyway?" and "Send anyway"; a plain form round trip (no JavaScript).  Never for your own
entries, for entries you had seen, for events, for notes you add, for customers; switched off
by config."""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

import pytest
import sqlalchemy as sa

from flask_order_messages import current_order_messages
from flask_order_messages.errors import NewerEntryError

from . import committing as services
from .conftest import Browser, db
from .host_pages import P, page, staff_order_page, words
from .reconfigure import reconfigure

pytestmark = pytest.mark.usefixtures("host_pages")

QUESTION = "A new message from {} arrived while you were writing. Send yours anyway?"


def reply_form(html: str) -> dict[str, str]:
    """The hidden fields and the text of the page's reply form, and its submit button."""
    form = re.search(r'<form class="om-reply".*?</form>', html, re.S)
    assert form is not None
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.group(0)))
    text = re.search(
        r'<textarea id="om-body-[^"]*" name="body"[^>]*>(.*?)</textarea>', form.group(0), re.S
    )
    button = re.search(
        r'<button type="submit" class="om-button om-primary"([^>]*)>([^<]*)</button>', form.group(0)
    )
    assert text is not None and button is not None
    fields["body"] = html_lib.unescape(text.group(1))
    fields["button"] = button.group(2)
    fields["button_attrs"] = button.group(1)
    return {k: html_lib.unescape(v) for k, v in fields.items()}


def bodies(order: Any) -> list[str]:
    m = current_order_messages.models.Message
    db.session.expire_all()
    thread = services.get_thread(order)
    stmt = sa.select(m.body).where(m.thread_id == thread.id).order_by(m.id)
    return list(db.session.execute(stmt).scalars())


def send(browser: Browser, order: Any, fields: dict[str, str], body: str, **more: str) -> Any:
    """Post the reply form as the page drew it (its hidden fields), with ``body``."""
    data = {k: v for k, v in fields.items() if k not in ("body", "button", "button_attrs")}
    data.update(body=body, **more)
    data.pop("csrf_token", None)
    return browser.post(f"{P}/admin/orders/{order.id}/messages", data)


@pytest.fixture
def scene(app, order, customer, staff, staff2):
    services.post_message(order, services.customer_actor(customer), "Where is my parcel?")
    return Browser(app).login(staff), Browser(app).login(staff2)


def test_a_newer_customer_message_holds_the_reply_back_with_the_text_kept(
    app, order, customer, scene, outbox
):
    ann, _ = scene
    form = reply_form(staff_order_page(ann, order))
    assert form["button"] == "Send" and form["seen_id"] != ""
    services.post_message(order, services.customer_actor(customer), "Also: can I change the size?")
    outbox.clear()

    response = send(ann, order, form, "It left the warehouse today.")
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"/admin/orders/{order.id}?tab=messages")
    assert "om_draft=" in response.headers["Location"]
    assert bodies(order) == ["Where is my parcel?", "Also: can I change the size?"]  # not sent
    assert outbox == []

    shown = page(ann.get(response.headers["Location"]))
    text = words(shown)
    assert QUESTION.format("Carol Customer") in text
    assert "your text is below, to edit first or to send as it is" in text
    assert "Also: can I change the size?" in text  # the newer entry is on the page
    again = reply_form(shown)
    assert again["body"] == "It left the warehouse today."
    assert again["button"] == "Send anyway" and 'name="confirm" value="1"' in again["button_attrs"]
    assert int(again["seen_id"]) > int(form["seen_id"])
    assert 'role="alert" data-om-confirm-text>' in shown
    assert re.search(r'aria-describedby="om-confirm-\d+" autofocus>It left', shown)

    # "Send anyway", after editing.
    response = send(ann, order, again, "It left today; the size can still change.", confirm="1")
    assert response.status_code == 303 and "om_draft" not in response.headers["Location"]
    assert bodies(order)[-1] == "It left today; the size can still change."
    shown = page(ann.get(response.headers["Location"]))
    assert "Send yours anyway?" not in words(shown) and reply_form(shown)["button"] == "Send"


def test_of_two_colleagues_answering_at_once_the_second_is_asked(app, order, scene):
    ann, bob = scene
    ann_form, bob_form = (
        reply_form(staff_order_page(ann, order)),
        reply_form(staff_order_page(bob, order)),
    )
    assert send(bob, order, bob_form, "On its way!").status_code == 303
    response = send(ann, order, ann_form, "It ships tomorrow.")
    shown = words(page(ann.get(response.headers["Location"])))
    assert QUESTION.format("Second Staff") in shown
    assert bodies(order) == ["Where is my parcel?", "On its way!"]


def test_a_colleagues_note_asks_in_its_own_words_and_an_event_does_not(
    app, order, staff, staff2, scene
):
    ann, _ = scene
    form = reply_form(staff_order_page(ann, order))
    services.assign(order, services.staff_actor(staff2), "me")  # an event, by Bob
    services.set_status(order, services.staff_actor(staff2), "waiting")
    assert send(ann, order, form, "Assigned or not, here it is.").status_code == 303
    assert bodies(order)[-1] == "Assigned or not, here it is."

    form = reply_form(staff_order_page(ann, order))
    services.post_message(order, services.staff_actor(staff2), "Courier lost it", note=True)
    response = send(ann, order, form, "Sorry, we are looking into it.")
    text = words(page(ann.get(response.headers["Location"])))
    assert (
        "A new staff-only note from Second Staff arrived while you were writing. "
        "Send yours anyway?" in text
    )


def test_your_own_entries_and_the_ones_you_had_seen_never_ask(app, order, staff, scene):
    ann, _ = scene
    form = reply_form(staff_order_page(ann, order))
    # Ann herself, from another tab: a message and a note.
    services.post_message(order, services.staff_actor(staff), "First answer")
    services.post_message(order, services.staff_actor(staff), "Checked the stock", note=True)
    response = send(ann, order, form, "Second answer")
    assert response.status_code == 303 and "om_draft" not in response.headers["Location"]
    assert bodies(order)[-1] == "Second answer"
    # Seen up to the newest: nothing asks.
    form = reply_form(staff_order_page(ann, order))
    assert send(ann, order, form, "Third answer").status_code == 303
    assert bodies(order)[-1] == "Third answer"


def test_a_note_is_never_held_back(app, order, customer, scene):
    ann, _ = scene
    form = reply_form(staff_order_page(ann, order))
    services.post_message(order, services.customer_actor(customer), "Hello again")
    response = send(ann, order, form, "Customer is impatient", kind="note")
    assert "om_draft" not in response.headers["Location"]
    assert bodies(order)[-1] == "Customer is impatient"


@pytest.mark.parametrize("seen", ["abc", "-1", "1e3", "99999999999999999999999", "١"])
def test_a_seen_id_that_is_no_id_asks_about_every_entry_by_someone_else(app, order, scene, seen):
    ann, _ = scene
    form = reply_form(staff_order_page(ann, order))
    form["seen_id"] = seen
    response = send(ann, order, form, "Hello")
    assert QUESTION.format("Carol Customer") in words(page(ann.get(response.headers["Location"])))
    assert bodies(order) == ["Where is my parcel?"]


def test_a_form_without_the_field_posts_as_before(app, order, customer, scene):
    ann, _ = scene
    services.post_message(order, services.customer_actor(customer), "Hello again")
    response = ann.post(f"{P}/admin/orders/{order.id}/messages", {"body": "From the host's form"})
    assert response.status_code == 303 and "om_draft" not in response.headers["Location"]
    assert bodies(order)[-1] == "From the host's form"


def test_customers_are_never_asked(app, order, customer, staff):
    carol = Browser(app).login(customer)
    shown = page(carol.get(f"/account/orders/{order.id}"))
    assert "seen_id" not in shown and "om-confirm" not in shown
    services.post_message(order, services.staff_actor(staff), "Answer")
    response = carol.post(f"{P}/orders/{order.id}/messages", {"body": "Thanks", "seen_id": "0"})
    assert "om_draft" not in response.headers["Location"]
    assert bodies(order)[-1] == "Thanks"
    entries = carol.get(f"{P}/api/orders/{order.id}/entries").get_json()["entries"]
    assert [e["confirm"] for e in entries] == [None, None]


def test_the_live_thread_says_which_new_entries_ask(app, order, customer, staff, staff2, scene):
    ann, _ = scene
    last = int(reply_form(staff_order_page(ann, order))["seen_id"])
    services.post_message(order, services.customer_actor(customer), "Hello again")
    services.post_message(order, services.staff_actor(staff), "Mine")
    services.assign(order, services.staff_actor(staff2), "me")
    services.post_message(order, services.staff_actor(staff2), "Bob's note", note=True)
    entries = ann.get(f"{P}/api/admin/orders/{order.id}/entries?after={last}").get_json()
    assert [e["confirm"] for e in entries["entries"]] == [
        QUESTION.format("Carol Customer"),
        None,
        None,
        "A new staff-only note from Second Staff arrived while you were writing. "
        "Send yours anyway?",
    ]
    # The page's form and the live thread: the question, hidden till the script shows it.
    shown = staff_order_page(ann, order)
    assert re.search(
        r'<div class="om-confirm" id="om-confirm-\d+" data-om-confirm '
        r'data-om-confirm-label="Send anyway" hidden>',
        shown,
    )
    assert "data-om-seen>" in shown


def test_the_service_refuses_and_saves_nothing(app, order, customer, as_staff, scene):
    thread = services.get_thread(order)
    seen = thread.last_message_id
    services.post_message(order, services.customer_actor(customer), "Newer")
    with pytest.raises(NewerEntryError) as refused:
        services.post_message(order, as_staff, "Late answer", seen_id=seen)
    assert refused.value.message == QUESTION.format("Carol Customer")
    assert refused.value.status_code == 409
    assert bodies(order) == ["Where is my parcel?", "Newer"]
    services.post_message(order, as_staff, "Answer", seen_id=refused.value.entry_id)
    assert bodies(order)[-1] == "Answer"


def test_switched_off(app, order, customer, scene):
    ann, _ = scene
    reconfigure(app, CONFIRM_NEWER_REPLY=False)
    shown = staff_order_page(ann, order)
    assert "seen_id" not in shown and "om-confirm" not in shown
    services.post_message(order, services.customer_actor(customer), "Hello again")
    response = ann.post(f"{P}/admin/orders/{order.id}/messages", {"body": "Sent", "seen_id": "1"})
    assert "om_draft" not in response.headers["Location"]
    assert bodies(order)[-1] == "Sent"
    entries = ann.get(f"{P}/api/admin/orders/{order.id}/entries").get_json()["entries"]
    assert {e["confirm"] for e in entries} == {None}
