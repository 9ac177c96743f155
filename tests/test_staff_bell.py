"""The bell in the host's admin header: counts, its two links, nothing for non-staff."""

from __future__ import annotations

import pytest

from . import committing as services
from .conftest import make_order
from .host_pages import P, link_to, page, rows, words

pytestmark = pytest.mark.usefixtures("host_pages")


def bell_of(browser, user) -> str:
    response = browser.login(user).get("/admin/header")
    assert response.status_code == 200
    return page(response)


def test_bell_counts_unread_threads_and_open_disputes(
    order, customer, stranger, staff, as_customer, browser
):
    other = make_order(stranger)
    quiet = make_order(customer)
    services.post_message(order, as_customer, "Where is my parcel?")
    services.post_message(order, as_customer, "Hello?")
    services.post_message(other, services.customer_actor(stranger), "Wrong size")
    services.post_message(quiet, services.staff_actor(staff), "Your order shipped")
    services.open_dispute(other, services.customer_actor(stranger), "Never arrived")

    html = bell_of(browser, staff)
    assert 'aria-label="Messages: 2 unread, 1 open dispute"' in html
    # Messages -> the unread filter, Disputes -> the open-disputes filter, each with its count.
    assert words(html[html.index("<ul") :]) == (
        "Messages 2 Disputes 1 Overdue disputes 0 Replies overdue 0"
    )
    # With every status: the bell counts closed threads too (the list hides them by default).
    assert link_to(html, "Messages") == f"{P}/admin/messages?filter=unread&status=all"
    assert link_to(html, "Disputes") == f"{P}/admin/messages?filter=disputes&status=all"
    # Two numbers on the bell, never one sum.
    assert 'data-om-count="unread_threads" title="Unread threads">2<' in html
    assert 'data-om-count="open_disputes" title="Open disputes">1<' in html
    assert 'data-om-count="total"' not in html


def test_bell_links_lead_to_the_filtered_lists(order, customer, stranger, staff, browser):
    other = make_order(stranger)
    read = make_order(customer)
    services.post_message(order, services.customer_actor(customer), "Unread question")
    services.post_message(other, services.customer_actor(stranger), "Broken lid")
    services.open_dispute(other, services.staff_actor(staff), "Customer says broken")
    services.post_message(read, services.customer_actor(customer), "Old question")
    services.mark_read(services.staff_actor(staff), [services.get_thread(read).id])

    html = bell_of(browser, staff)
    unread_list = page(browser.get(link_to(html, "Messages")))
    assert [r.text.split()[0] for r in rows(unread_list)] == ["#00001"]
    disputes_list = page(browser.get(link_to(html, "Disputes")))
    assert [r.text.split()[0] for r in rows(disputes_list)] == ["#00002"]


def test_the_bells_links_list_closed_threads_it_counts(order, customer, staff, browser):
    """A closed thread marked unread is in the bell's number and in the list its link
    opens (the list hides closed threads unless asked), and so is its open dispute."""
    closed, other = order, make_order(customer)
    me = services.staff_actor(staff)
    for each in (closed, other):
        services.post_message(each, services.customer_actor(customer), "Where is my parcel?")
    services.open_dispute(closed, services.customer_actor(customer), "Never arrived")
    services.set_status(closed, me, "closed")  # which reads it, for who closed it
    services.mark_unread(me, [services.get_thread(closed).id])

    html = bell_of(browser, staff)
    assert 'aria-label="Messages: 2 unread, 1 open dispute"' in html
    unread_list = page(browser.get(link_to(html, "Messages")))
    assert sorted(r.text.split()[0] for r in rows(unread_list)) == ["#00001", "#00002"]
    disputes_list = page(browser.get(link_to(html, "Disputes")))
    assert [r.text.split()[0] for r in rows(disputes_list)] == ["#00001"]
    # The list counted the same unread threads, and the bell on its page says so.
    assert 'data-om-count="unread_threads" title="Unread threads">2<' in unread_list


def test_bell_with_nothing_new_shows_zero_and_hides_the_total(staff, browser):
    html = bell_of(browser, staff)
    assert 'aria-label="Messages: 0 unread, 0 open disputes"' in html
    assert 'class="om-bell-count om-bell-unread om-hidden"' in html
    assert 'class="om-bell-count om-bell-disputes om-hidden"' in html


def test_bell_drops_when_the_thread_is_read(order, as_customer, staff, browser):
    services.post_message(order, as_customer, "Where is my parcel?")
    assert "1 unread" in bell_of(browser, staff)
    browser.get(f"/admin/orders/{order.id}?tab=messages")
    assert "0 unread" in bell_of(browser, staff)


def test_bell_is_empty_for_customers_and_anonymous(order, as_customer, customer, browser, app):
    services.post_message(order, as_customer, "Hi")
    html = bell_of(browser, customer)
    assert "om-bell" not in html
    assert words(html) == "Shop admin"
    with app.test_request_context():
        assert str(app.jinja_env.globals["order_messages"].bell()) == ""


def test_counts_endpoint_gives_the_bell_numbers(order, as_customer, staff, customer, browser):
    services.post_message(order, as_customer, "Hi")
    response = browser.login(staff).get(f"{P}/api/counts")
    assert response.get_json() == {
        "unread_threads": 1,
        "open_disputes": 0,
        "overdue_disputes": 0,
        "overdue_replies": 0,
        # Each number is counted up to 100: true when it stopped there (more than 99).
        "unread_threads_capped": False,
        "open_disputes_capped": False,
        "overdue_disputes_capped": False,
        "overdue_replies_capped": False,
        # The bell's accessible name for these numbers, as the page draws it.
        "label": "Messages: 1 unread, 0 open disputes",
    }
    again = browser.get(f"{P}/api/counts", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    # A customer gets their own numbers, not the staff's.
    assert browser.login(customer).get(f"{P}/api/counts").get_json() == {
        "unread_threads": 0,
        "open_disputes": 0,
        "unread_threads_capped": False,
        "open_disputes_capped": False,
        "label": "Messages: 0 unread, 0 open disputes",
    }


# -- replies overdue (response targets) ----------------------------------------------------------


def overdue(order, hours: int = 1) -> None:
    from datetime import timedelta

    from flask_order_messages.models import utcnow

    from .conftest import db

    thread = services.get_thread(order)
    thread.response_due_at = utcnow() - timedelta(hours=hours)
    db.session.commit()


def test_replies_overdue_are_a_number_of_their_own_with_their_link(
    customer, as_customer, staff, browser
):
    late, later, closed, soon = (make_order(customer) for _ in range(4))
    for order in (late, later, closed, soon):
        services.post_message(order, as_customer, f"Question about {order.id}")
    overdue(late)
    overdue(later, hours=30)
    overdue(closed)
    services.set_status(closed, services.staff_actor(staff), "closed")  # owes no reply now

    html = bell_of(browser, staff)
    summary = html[html.index("<summary") : html.index("</summary>")]
    assert 'aria-label="Messages: 3 unread, 0 open disputes, 2 replies overdue"' in summary
    assert (
        '<span class="om-bell-count om-bell-late" data-om-count="overdue_replies" '
        'title="Replies overdue">2</span>'
    ) in summary
    assert words(html[html.index("<ul") :]).endswith("Replies overdue 2")
    # Its link: the Messages list's overdue view, with exactly those threads.
    href = link_to(html, "Replies overdue")
    assert href == f"{P}/admin/messages?due=overdue"
    assert sorted(r.text.split()[0] for r in rows(page(browser.get(href)))) == [
        "#00001",
        "#00002",
    ]
    counts = browser.get(f"{P}/api/counts").get_json()
    assert counts["overdue_replies"] == 2
    assert counts["label"] == "Messages: 3 unread, 0 open disputes, 2 replies overdue"

    # Answered: one left, said in the singular; answered too: hidden, and not said.
    services.post_message(later, services.staff_actor(staff), "Sorry for the wait!")
    assert browser.get(f"{P}/api/counts").get_json()["label"].endswith(", 1 reply overdue")
    services.post_message(late, services.staff_actor(staff), "It left today.")
    html = bell_of(browser, staff)
    assert 'class="om-bell-count om-bell-late om-hidden"' in html
    assert 'aria-label="Messages: 1 unread, 0 open disputes" data-om-bell-label' in html
    assert browser.get(f"{P}/api/counts").get_json()["overdue_replies"] == 0


def test_the_bell_counts_replies_overdue_only_so_far(customer, as_customer, staff, browser, app):
    """The bell is polled: it counts at most 100 replies overdue (one index range that stops
    there) and shows more than 99 as "99+", in its number, its menu and its name."""
    from flask import render_template

    orders = [make_order(customer) for _ in range(4)]
    for order in orders:
        services.post_message(order, as_customer, "Anyone there?")
        overdue(order)
    assert services.overdue_reply_count() == 4
    assert services.overdue_reply_count(at_most=3) == 3
    # Counted among the threads the actor may see.
    assert services.overdue_reply_count(services.staff_actor(staff)) == 4
    assert services.overdue_reply_count(services.customer_actor(staff)) == 0

    counts = {"unread_threads": 4, "open_disputes": 0, "overdue_disputes": 0}
    label = services.bell_label({**counts, "overdue_replies": 100})
    assert label == "Messages: 4 unread, 0 open disputes, more than 99 replies overdue"
    assert services.bell_label({**counts, "overdue_replies": 99}).endswith(", 99 replies overdue")
    html = render_template("order_messages/_bell.html", counts={**counts, "overdue_replies": 100})
    assert 'title="Replies overdue">99+</span>' in html
    assert words(html[html.index("<ul") :]).endswith("Replies overdue 99+")
    assert f'aria-label="{label}"' in html
