"""The forms (``flask_order_messages/forms.py``): what they refuse and in which words, and a
refusal shown beside the field it is about, with the typed text back."""

from __future__ import annotations

import re

import pytest

from flask_order_messages import ValidationError
from flask_order_messages.forms import MarkForm, MessagesQuery
from flask_order_messages.tokens import make_guest_token

from . import committing as services
from .host_pages import PNG, P, db_state, follow, textarea, words
from .test_attachments import post_files

pytestmark = pytest.mark.usefixtures("host_pages")

TEXT_FILE = (b"plain words, a text file\n", "notes.txt")
NOT_TAKEN = "“notes.txt” is not a kind of file this shop takes (it is a text file)."


def _query(app, query: str) -> MessagesQuery:
    with app.test_request_context(f"/?{query}"):
        form = MessagesQuery.from_request()
        form.validate()
        return form


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("abc", "The page must be a whole number."),
        ("1.5", "The page must be a whole number."),
        ("½", "The page must be a whole number."),
        ("0", "The page must be between 1 and 1,000,000."),
        ("-1", "The page must be between 1 and 1,000,000."),
        ("1000001", "The page must be between 1 and 1,000,000."),
    ],
)
def test_a_bad_page_is_refused_in_words(app, raw, says):
    assert _query(app, f"page={raw}").page.errors == [says]


def test_the_messages_query_defaults_and_cleans(app):
    form = _query(app, "")
    assert (form.q.data, form.filter.data, form.page.data) == ("", "all", 1)
    form = _query(app, "q=par%00cel&filter=unread&page=7")
    assert not form.errors
    assert (form.q.data, form.filter.data, form.page.data) == ("parcel", "unread", 7)
    assert _query(app, "filter=bogus").filter.errors == [
        "Unknown filter 'bogus'; use one of: all, unread, disputes, overdue."
    ]


def test_list_threads_still_refuses_an_unknown_filter(as_staff):
    with pytest.raises(ValidationError) as info:
        services.list_threads(as_staff, filter="bogus")
    assert info.value.field == "filter"


def test_marking_all_looks_at_no_thread_ids(app):
    with app.test_request_context(
        "/?scope=all", method="POST", data={"action": "read", "thread_id": "x"}
    ):
        form = MarkForm.from_request()
        assert form.validate(), form.errors
        assert form.thread_ids() is None


def test_a_refused_file_is_shown_beside_the_file_input_in_the_panel(app, order, customer, browser):
    browser.login(customer)
    response = post_files(
        browser, f"{P}/orders/{order.id}/messages", "My notes", (PNG, "a.png"), TEXT_FILE
    )
    html = follow(browser, response)
    assert textarea(html) == "My notes"
    files = html[html.index('class="om-files"') :]
    files = files[: files.index("</div>")]
    assert NOT_TAKEN in words(files)
    assert 'aria-invalid="true"' in files
    # The text box holds good text: it is not marked wrong.
    assert not re.search(r'<textarea[^>]*name="body"[^>]*aria-invalid', html)


def test_the_guest_page_puts_each_error_beside_its_field(app, order, as_staff, browser):
    services.post_message(order, as_staff, "Your parcel left.")
    link = f"{P}/t/{make_guest_token(order)}"
    before = db_state()
    response = post_files(browser, link, "Here is the label", (PNG, "a.png"), TEXT_FILE)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert db_state() == before
    assert textarea(html) == "Here is the label"
    files = html[html.index('class="om-files"') :]
    assert NOT_TAKEN in words(files[: files.index("</div>")])

    response = browser.post(link, {"body": "x" * 5001})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r'id="om-body-error-guest">Your message is too long', html)
    assert 'aria-describedby="om-body-error-guest"' in html
    assert textarea(html) == "x" * 5001


def test_a_refused_close_note_is_shown_beside_the_note(order, as_customer, staff, browser):
    services.open_dispute(order, as_customer, "Broken")
    browser.login(staff)
    response = browser.post(
        f"{P}/admin/orders/{order.id}/dispute/close",
        {"outcome": "resolved_for_store", "note": "n" * 2001},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r'id="om-note-error">The note is too long', html)
    assert re.search(r'<textarea[^>]*aria-invalid="true" aria-describedby="om-note-error"', html)
    assert textarea(html, "note") == "n" * 2001
    assert re.search(
        r'value="resolved_for_store" required checked', html
    )  # the outcome stays chosen
