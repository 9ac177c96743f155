"""The team inbox's customer context and the defects around it: bulk marks that say what they
did, a bell with two numbers and a label that follows them, one dispute button at a time, an
empty thread ready to go live, and the customer and the last author in the Messages section."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from flask_order_messages import customer_actor
from flask_order_messages.models import utcnow

from . import committing as services
from .conftest import User, _user, db, make_order, order_messages
from .host_pages import P, customer_thread, page, rows, staff_thread, words

MESSAGES = f"{P}/admin/messages"

pytestmark = pytest.mark.usefixtures("host_pages")


def notice(html: str) -> str:
    found = re.search(r'<p class="om-notice" role="status">(.*?)</p>', html, re.S)
    return words(found.group(1)) if found else ""


# -- bulk marks say what they did ---------------------------------------------------------------


def test_bulk_marks_say_what_they_did_after_the_redirect(customer, as_customer, as_staff, browser):
    orders = [make_order(customer) for _ in range(3)]
    for o in orders:
        services.post_message(o, as_customer, f"about order {o.id}")
    own = make_order(customer)
    services.post_message(own, as_staff, "We shipped it")  # only the staff member's own message
    browser.login(as_staff.user)
    ids = {r.text.split()[0]: r.thread_id for r in rows(page(browser.get(MESSAGES)))}
    assert notice(page(browser.get(MESSAGES))) == ""  # nothing done, nothing said

    response = browser.post(f"{MESSAGES}/mark?scope=all", {"action": "read", "filter": "unread"})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert "filter=unread" in location and "marked=read" in location
    assert notice(page(browser.get(location))) == "4 threads marked read."

    response = browser.post(
        f"{MESSAGES}/mark?scope=selected", {"action": "unread", "thread_id": [ids["#00001"]]}
    )
    assert notice(page(browser.get(response.headers["Location"]))) == "1 thread marked unread."
    # A thread with only your own messages cannot turn unread: it is not counted.
    response = browser.post(
        f"{MESSAGES}/mark?scope=selected", {"action": "unread", "thread_id": [ids["#00004"]]}
    )
    said = notice(page(browser.get(response.headers["Location"])))
    assert said.startswith("No threads marked unread")
    # Nothing ticked: a warning to tick first, not a notice of something done.
    response = browser.post(f"{MESSAGES}/mark?scope=selected", {"action": "read"})
    html = page(browser.get(response.headers["Location"]))
    assert notice(html) == ""
    assert '<p class="om-warning" role="status">' in html
    assert "Tick the threads to change first." in words(html)


def test_a_bad_mark_notice_is_refused_in_words(staff, browser):
    response = browser.login(staff).get(f"{MESSAGES}?marked=read&count=lots")
    assert response.status_code == 400
    assert "The count must be a whole number." in words(page(response))
    response = browser.get(f"{MESSAGES}?marked=deleted&count=1")
    assert response.status_code == 400


# -- the bell: two numbers, and its label -------------------------------------------------------


def test_a_disputed_unread_thread_counts_once_in_each_number(order, as_customer, staff, browser):
    services.post_message(order, as_customer, "The lid is broken")
    services.open_dispute(order, as_customer, "Broken on arrival")
    html = page(browser.login(staff).get("/admin/header"))
    summary = html[html.index("<summary") : html.index("</summary>")]
    assert 'aria-label="Messages: 1 unread, 1 open dispute"' in summary
    assert re.findall(r'data-om-count="(\w+)"[^>]*>(\d+)<', summary) == [
        ("unread_threads", "1"),
        ("open_disputes", "1"),
        ("overdue_replies", "0"),  # a number of its own too, hidden while 0
    ]
    assert ">2<" not in summary  # never one sum


def test_the_counts_endpoint_sends_the_label_for_the_live_bell(order, as_customer, staff, browser):
    browser.login(staff)
    before = browser.get(f"{P}/api/counts").get_json()
    assert before["label"] == "Messages: 0 unread, 0 open disputes"
    services.post_message(order, as_customer, "Hello?")
    services.open_dispute(order, as_customer, "Never came")
    after = browser.get(f"{P}/api/counts").get_json()
    # The very words the page draws for the same numbers.
    assert after["label"] == "Messages: 1 unread, 1 open dispute"
    assert services.bell_label(after) == after["label"]


# -- one dispute button at a time ---------------------------------------------------------------

BUTTON = re.compile(r'<a class="om-button om-danger-outline[^"]*"[^>]*>([^<]+)</a>')


def test_after_a_dispute_closes_one_button_shows(order, as_customer, as_staff, staff, browser):
    services.post_message(order, as_customer, "Wrong size")
    services.open_dispute(order, as_customer, "Sent a small, ordered a large")
    services.close_dispute(order, as_staff, outcome="resolved_for_customer")

    browser.login(staff)
    html = staff_thread(browser, order)
    assert BUTTON.findall(html) == ["Reopen last dispute"]
    # The other way is a link in its dialog (and works without script: the open page).
    assert "A different problem? Open a new dispute instead." in words(html)
    assert f"{P}/admin/orders/{order.id}/dispute/open" in html

    # Some weeks on, a new problem is likelier: "Open dispute", the reopen a link.
    dispute = db.session.execute(sa.select(order_messages.models.Dispute)).scalar_one()
    dispute.closed_at = utcnow() - timedelta(days=15)
    db.session.commit()
    html = staff_thread(browser, order)
    assert BUTTON.findall(html) == ["Open dispute"]
    assert "The same problem as before? Reopen the dispute closed on" in words(html)

    # The customer who opened it sees one button too.
    html = customer_thread(browser.login(as_customer.user), order)
    assert BUTTON.findall(html) == ["Open dispute"]


# -- an empty thread goes live ------------------------------------------------------------------


def test_an_empty_thread_has_a_list_for_the_live_thread(order, staff, customer, browser):
    for html in (
        staff_thread(browser.login(staff), order),
        customer_thread(browser.login(customer), order),
    ):
        assert "data-om-live=" in html and 'data-om-last="0"' in html
        assert '<ol class="om-entries" data-om-entries hidden></ol>' in html
        assert "data-om-empty" in html
    # What the script asks for then: the first message, once written.
    services.post_message(order, customer_actor(customer), "First question")
    browser.login(staff)
    entries = browser.get(f"{P}/api/admin/orders/{order.id}/entries?after=0").get_json()
    assert [words(e["html"]) for e in entries["entries"]] == ["First question"]


# -- customer context ---------------------------------------------------------------------------


def test_rows_show_the_customer_and_who_wrote_last(customer, staff, staff2, browser):
    nameless = User(name="", email="no.name@example.test", is_admin=False)
    hostile = _user('<img src=x onerror="window.__pwned=1">')
    db.session.add(nameless)
    db.session.commit()
    asked, answered, by_colleague, theirs = (
        make_order(u) for u in (customer, customer, customer, nameless)
    )
    evil = make_order(hostile)
    services.post_message(asked, customer_actor(customer), "Where is it?")
    services.post_message(answered, services.staff_actor(staff), "It left today.")
    services.post_message(by_colleague, services.staff_actor(staff2), "Refund sent.")
    services.post_message(theirs, customer_actor(nameless), "Hello")
    services.post_message(evil, customer_actor(hostile), "hi")

    html = page(browser.login(staff).get(MESSAGES))
    by_number = {r.text.split()[0]: r.text for r in rows(html)}
    assert by_number["#00001"].startswith(
        "#00001 Carol Customer carol.customer@example.test New 1 Carol Customer: Where is it?"
    )
    # Your own reply is yours, not "new": no "New message for order" any more.
    assert by_number["#00002"].startswith(
        "#00002 Carol Customer carol.customer@example.test You: It left today."
    )
    assert "Second Staff: Refund sent." in by_number["#00003"]
    # A customer without a name: the address once (the display_name default names them by it).
    assert by_number["#00004"].startswith(
        "#00004 no.name@example.test New 1 no.name@example.test: Hello"
    )
    assert "<img src=x" not in html and "&lt;img src=x onerror=" in html
    assert "New message for order" not in words(html)


def test_order_total_and_status_come_from_the_hook(order, as_customer, staff, browser, monkeypatch):
    services.post_message(order, as_customer, "Where is it?")
    browser.login(staff)
    assert "om-order-summary" not in page(browser.get(MESSAGES))  # default: nothing shown

    monkeypatch.setattr(
        order_messages.hooks,
        "order_summary",
        lambda o: {"total": f"€{o.total}", "status": "<b>Shipped</b>"},
    )
    html = page(browser.get(MESSAGES))
    assert "€10.00 · &lt;b&gt;Shipped&lt;/b&gt;" in html
    thread = page(browser.get(f"{P}/admin/orders/{order.id}"))
    dl = thread[thread.index('<dl class="om-context"') : thread.index("</dl>")]
    assert words(dl) == (
        "Customer Carol Customer · carol.customer@example.test Total €10.00 Status <b>Shipped</b>"
    )

    monkeypatch.setattr(order_messages.hooks, "order_summary", lambda o: "€10")
    with pytest.raises(TypeError, match="'order_summary' hook must return a dict"):
        browser.get(MESSAGES)
