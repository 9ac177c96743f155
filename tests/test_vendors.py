"""Marketplaces: vendors in the thread, vendor-scoped access, arbitration, mail to the right
people, warehouse mode, the vendor filter, entries' author labels (issue 19).

The marketplace is ``tests/marketplace.py``'s: Acme Tools (Ann), Bolt Bikes (Ben), the
marketplace's own Sam, customers Carol and Dan.  Every access test asks what a person
notices: a page, a count, a row, a mail."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import unquote

import pytest
import sqlalchemy as sa

from flask_order_messages import current_order_messages
from flask_order_messages.errors import ValidationError
from flask_order_messages.models import utcnow
from flask_order_messages.permissions import ANSWER

from . import committing as services
from .conftest import db, make_order
from .host_pages import (
    P,
    add_attachment,
    backdate,
    db_state,
    entry_bodies,
    page,
    rows,
    staff_thread,
    thread_section,
    words,
)
from .marketplace import Market, converse
from .reconfigure import reconfigure

pytestmark = pytest.mark.usefixtures("host_pages")

MESSAGES = f"{P}/admin/messages"


def listed(browser, user, query: str = "") -> list[str]:
    """The order numbers in ``user``'s Messages section (with ``query``), top to bottom."""
    html = page(browser.login(user).get(f"{MESSAGES}{query}"))
    return [row.text.split()[0] for row in rows(html)]


def number(order) -> str:
    return f"#{order.id:05d}"


def bell(browser, user) -> dict:
    response = browser.login(user).get(f"{P}/api/counts")
    assert response.status_code == 200
    return json.loads(response.get_data(as_text=True))


# -- the thread records its vendor; a shop without vendors is untouched ------------------------


def test_a_thread_records_the_vendor_of_its_order_when_it_is_made(market: Market):
    converse(market)
    assert market.thread(market.acme_order).vendor_key == "acme"
    assert market.thread(market.bolt_order).vendor_key == "bolt"
    assert market.thread(market.own_order).vendor_key is None


def test_without_the_order_vendor_hook_there_are_no_vendors(order, customer, staff, browser):
    services.post_message(order, services.customer_actor(customer), "Where is it?")
    assert services.get_thread(order).vendor_key is None
    assert services.staff_actor(staff).vendor is None
    html = page(browser.login(staff).get(MESSAGES))
    assert "Vendor" not in words(html) and 'name="vendor"' not in html


def test_a_vendor_key_too_long_to_keep_is_refused_naming_the_hook(market: Market):
    market.sold_by[market.acme_order.id] = "x" * 65
    with pytest.raises(ValueError, match="'order_vendor' hook"):
        services.post_message(market.acme_order, market.actor(market.carol), "Hello")
    assert market.thread(market.acme_order) is None


# -- vendor staff see their vendor's threads only ----------------------------------------------


def test_each_vendors_staff_list_only_their_vendors_threads(market: Market, browser):
    converse(market)
    assert listed(browser, market.ann) == [number(market.acme_order)]
    assert listed(browser, market.ben) == [number(market.bolt_order)]
    # The marketplace's staff see every thread.
    assert sorted(listed(browser, market.sam)) == sorted(
        number(o) for o in (market.acme_order, market.bolt_order, market.own_order)
    )


@pytest.mark.parametrize(
    "query",
    ["?filter=unread", "?filter=disputes", "?q=bicycle", "?q=Dan", "?q=%2300002", "?q=2"],
)
def test_no_filter_or_search_finds_another_vendors_thread(market: Market, browser, query):
    converse(market)
    services.open_dispute(market.bolt_order, market.actor(market.dan), "Bent wheel")
    services.post_message(market.bolt_order, market.actor(market.dan), "Any news?")
    html = page(browser.login(market.ann).get(f"{MESSAGES}{query}"))
    assert rows(html) == []
    asked = unquote(query.split("=")[1])  # what the page echoes: the search box, "No match"
    shown = html.replace(f'value="{asked}"', "").replace(f"“{asked}”", "")
    bolt = number(market.bolt_order)
    for leak in ("bicycle", "Bent wheel", "Dan Customer", "dan.customer", bolt):
        assert leak not in shown, leak
    # The same searches find Bolt's thread for Bolt's staff.
    if query != "?filter=unread":
        assert listed(browser, market.ben, query) == [number(market.bolt_order)]


def test_paging_counts_only_the_vendors_threads(market: Market, app, browser):
    reconfigure(app, PER_PAGE=2)
    for i in range(3):
        for vendor, owner in (("acme", market.carol), ("bolt", market.dan)):
            order = market.order(owner, vendor)
            services.post_message(order, market.actor(owner), f"{vendor} question {i}")
    html = page(browser.login(market.ann).get(MESSAGES))
    assert "Page 1 of 2 · 3 threads" in words(html)
    second = page(browser.get(f"{MESSAGES}?page=2"))
    assert len(rows(second)) == 1 and "bolt question" not in second


def test_the_bell_counts_only_the_vendors_threads_and_disputes(market: Market, browser):
    converse(market)
    for order, owner in ((market.acme_order, market.carol), (market.bolt_order, market.dan)):
        services.post_message(order, market.actor(owner), "Still waiting")
    services.open_dispute(market.bolt_order, market.actor(market.dan), "Bent wheel")
    ann = bell(browser, market.ann)
    assert (ann["unread_threads"], ann["open_disputes"]) == (1, 0)
    ben = bell(browser, market.ben)
    assert (ben["unread_threads"], ben["open_disputes"]) == (1, 1)
    sam = bell(browser, market.sam)
    assert sam["open_disputes"] == 1  # the marketplace sees every open dispute
    assert sam["unread_threads"] == 2  # both vendors' (Sam answered the marketplace's own)
    # The bell drawn on the host's pages says the same.
    header = page(browser.login(market.ann).get("/admin/header"))
    assert "Messages: 1 unread, 0 open disputes" in header


def test_mark_all_read_marks_only_the_vendors_threads(market: Market, browser):
    converse(market)
    services.post_message(market.bolt_order, market.actor(market.dan), "Hello?")
    browser.login(market.ann)
    response = browser.post(f"{P}/admin/messages/mark?scope=all", {"action": "read"})
    assert response.status_code == 303
    pointers = current_order_messages.models.ReadPointer
    seen = db.session.execute(
        sa.select(pointers.thread_id).where(pointers.user_id == market.ann.id)
    ).scalars()
    assert set(seen) == {market.thread(market.acme_order).id}


def test_the_read_floor_of_a_vendors_staff_lists_none_of_another_vendors_threads(
    market: Market, browser
):
    from datetime import datetime

    converse(market)
    for order in (market.acme_order, market.bolt_order, market.own_order):
        backdate(order, datetime(2020, 1, 1))  # far below the floor's horizon
    services.post_message(market.acme_order, market.actor(market.carol), "New question")
    backdate(market.acme_order, datetime(2020, 1, 2))
    assert bell(browser, market.ann)["unread_threads"] == 1  # raises Ann's floor past them all
    models = current_order_messages.models
    floor = db.session.get(models.ReadFloor, market.ann.id)
    assert floor is not None and floor.floor_id >= market.thread(market.bolt_order).last_message_id
    listed_ids = set(
        db.session.execute(
            sa.select(models.ReadFloorThread.thread_id).where(
                models.ReadFloorThread.user_id == market.ann.id
            )
        ).scalars()
    )
    assert listed_ids == {market.thread(market.acme_order).id}
    assert bell(browser, market.ann)["unread_threads"] == 1


def test_another_vendors_order_is_the_same_404_as_a_missing_one(market: Market, browser):
    converse(market)
    browser.login(market.ann)
    for path in ("", "/dispute/open", "/dispute/close", "/dispute/reopen"):
        theirs = browser.get(f"{P}/admin/orders/{market.bolt_order.id}{path}")
        missing = browser.get(f"{P}/admin/orders/987654{path}")
        assert theirs.status_code == missing.status_code == 404, path
        assert page(theirs) == page(missing)
    theirs = browser.get(f"{P}/api/admin/orders/{market.bolt_order.id}/entries")
    missing = browser.get(f"{P}/api/admin/orders/987654/entries")
    assert (theirs.status_code, page(theirs)) == (missing.status_code, page(missing))
    assert theirs.status_code == 404


def test_a_vendors_staff_cannot_write_on_another_vendors_order(market: Market, browser):
    converse(market)
    stranger = market.order(market.dan, "bolt")  # no thread yet
    browser.login(market.ann)
    before = db_state()
    for order in (market.bolt_order, stranger, market.own_order):
        response = browser.post(f"{P}/admin/orders/{order.id}/messages", {"body": "Hi"})
        assert response.status_code == 404
    assert db_state() == before
    # Their own vendor's new order: they start the thread, and it is their vendor's.
    mine = market.order(market.carol, "acme")
    response = browser.post(f"{P}/admin/orders/{mine.id}/messages", {"body": "Need help?"})
    assert response.status_code == 303
    assert market.thread(mine).vendor_key == "acme"


def test_the_host_order_page_shows_another_vendors_staff_no_panel_and_no_count(
    market: Market, browser
):
    converse(market)
    browser.login(market.ann)
    html = page(browser.get(f"/admin/orders/{market.bolt_order.id}?tab=messages"))
    assert 'id="order-messages"' not in html and "bicycle" not in html
    assert "Messages" in words(html) and "unread" not in words(html)
    own = staff_thread(browser, market.acme_order)
    assert "anvil" in words(own)


def test_the_hosts_orders_filter_keeps_to_the_vendors_threads(market: Market, browser):
    converse(market)
    for order, owner in ((market.acme_order, market.carol), (market.bolt_order, market.dan)):
        services.post_message(order, market.actor(owner), "Again")
    browser.login(market.ann)
    for mode in ("any", "unread"):
        html = page(browser.get(f"/admin/orders?messages={mode}"))
        assert f"Order {market.acme_order.id}<" in html
        assert f"Order {market.bolt_order.id}<" not in html


def test_attachments_of_another_vendors_order_are_a_404(market: Market, browser):
    attachment = add_attachment(market.bolt_order, market.actor(market.dan))
    browser.login(market.ann)
    path = f"{P}/admin/orders/{market.bolt_order.id}/attachments/{attachment.id}"
    assert browser.get(path).status_code == 404
    assert browser.login(market.ben).get(path).status_code == 200
    assert browser.login(market.sam).get(path).status_code == 200


def test_the_insight_page_counts_the_vendors_threads_only(market: Market, browser):
    converse(market)
    services.post_message(market.bolt_order, market.actor(market.dan), "One more")
    services.open_dispute(market.bolt_order, market.actor(market.dan), "Bent wheel")
    figures = services.insight.response_insight(actor=market.actor(market.ann))
    assert (figures.asked, figures.answered, figures.open_disputes) == (1, 1, 0)
    assert figures.messages == 2
    everyone = services.insight.response_insight(actor=market.actor(market.sam))
    assert (everyone.asked, everyone.open_disputes) == (3, 1)
    html = page(browser.login(market.ann).get(f"{P}/admin/insight"))
    assert "bicycle" not in html


# -- assignment ---------------------------------------------------------------------------------


def test_a_vendor_thread_is_assigned_to_its_vendors_staff_or_the_marketplaces(
    market: Market, browser
):
    converse(market)
    select = thread_section(
        page(browser.login(market.sam).get(f"/admin/orders/{market.acme_order.id}?tab=messages"))
    )
    offered = words(select.split('name="assignee"')[1].split("</select>")[0])
    assert "Ann Acme (Acme Tools)" in offered and "Sam Support (Marketplace)" in offered
    assert "Ben Bolt" not in offered
    with pytest.raises(ValidationError, match="another vendor"):
        services.assign(market.acme_order, market.actor(market.sam), str(market.ben.id))
    assert services.assign(market.acme_order, market.actor(market.sam), str(market.ann.id))
    assert market.thread(market.acme_order).assignee_id == market.ann.id


def offered_on(html: str) -> str:
    """The words of the first assignee list of a page."""
    return words(html.split('name="assignee"')[1].split("</select>")[0])


def test_only_people_who_may_answer_the_thread_are_offered(market: Market, browser, monkeypatch):
    """A vendor's staff are offered their vendor's people who may answer, on the thread and
    for the list's bulk assignment; the marketplace's staff, everyone who may answer it."""
    from .test_permissions import install_rights

    converse(market)
    abe = market.staff("Abe Acme", "acme")  # reads Acme's threads, may not answer them
    install_rights(monkeypatch).take(abe, ANSWER)
    thread = f"/admin/orders/{market.acme_order.id}?tab=messages"
    for html in (
        thread_section(page(browser.login(market.ann).get(thread))),
        page(browser.get(f"{P}/admin/messages")),
    ):
        offered = offered_on(html)
        assert "Ann Acme (Acme Tools)" in offered
        assert "Abe Acme" not in offered and "Sam Support" not in offered
    offered = offered_on(thread_section(page(browser.login(market.sam).get(thread))))
    assert "Ann Acme (Acme Tools)" in offered and "Sam Support (Marketplace)" in offered
    assert "Abe Acme" not in offered


def test_a_direct_post_cannot_assign_whom_the_form_does_not_offer(
    market: Market, browser, monkeypatch
):
    """Ann (Acme) is offered Acme's people who may answer; a POST naming anyone else (Abe,
    who only reads; Sam, the marketplace's; Ben, Bolt's) is refused, on the page and in the
    API, and changes nothing.  The marketplace's Sam may still assign Acme's thread to Ann."""
    from .api_support import Api, problem
    from .test_permissions import install_rights

    converse(market)
    abe = market.staff("Abe Acme", "acme")
    install_rights(monkeypatch).take(abe, ANSWER)
    acme = market.acme_order.id
    tid = market.thread(market.acme_order).id
    browser.login(market.ann)
    api = Api(browser)
    before = db_state()
    for who, refusal in (
        (abe, "may read messages but not answer them"),
        (market.sam, "does not work for your vendor"),
        (market.ben, "does not work for your vendor"),
    ):
        for path, form in (
            (f"{P}/admin/orders/{acme}/assign", {"assignee": str(who.id)}),
            (f"{P}/admin/messages/assign", {"thread_id": [tid], "assignee": str(who.id)}),
        ):
            response = browser.post(path, form)
            assert response.status_code == 400 and refusal in words(page(response)), path
        for path, body in (
            (f"/staff/orders/{acme}/assign", {"assignee": str(who.id)}),
            ("/staff/threads/assign", {"thread_ids": [tid], "assignee": str(who.id)}),
        ):
            found = problem(api.post(path, body), "validation", 400)
            assert found["field"] == "assignee" and refusal in found["detail"], path
    assert db_state() == before
    with pytest.raises(ValidationError, match="not answer them"):
        services.assign(market.acme_order, market.actor(market.sam), str(abe.id))
    with pytest.raises(ValidationError, match="cannot be assigned a thread of another vendor"):
        services.assign(market.acme_order, market.actor(market.sam), str(market.ben.id))
    assert services.assign(market.acme_order, market.actor(market.sam), str(market.ann.id))


def test_bulk_changes_leave_another_vendors_threads_alone(market: Market, browser):
    converse(market)
    theirs = market.thread(market.bolt_order).id
    browser.login(market.ann)
    before = db_state()
    for path, data in (
        (f"{P}/admin/messages/assign", {"assignee": "me"}),
        (f"{P}/admin/messages/status", {"new_status": "closed"}),
        (f"{P}/admin/messages/mark?scope=selected", {"action": "read"}),
    ):
        response = browser.post(path, {**data, "thread_id": str(theirs)})
        assert response.status_code == 303, path
    assert db_state() == before
    # The marketplace assigns Acme's and Bolt's threads to Acme's Ann at once: Acme's is
    # hers, Bolt's stays as it was (the list says how many of the ticked ones changed).
    changed = services.assign_threads(
        market.actor(market.sam), [market.thread(market.acme_order).id, theirs], str(market.ann.id)
    )
    assert changed == 1
    assert market.thread(market.acme_order).assignee_id == market.ann.id
    assert market.thread(market.bolt_order).assignee_id is None


# -- the marketplace's view: vendor filter, column, names -------------------------------------


def test_the_marketplace_filters_the_list_by_vendor(market: Market, browser):
    converse(market)
    html = page(browser.login(market.sam).get(MESSAGES))
    assert '<option value="acme">Acme Tools</option>' in html
    assert '<option value="bolt">Bolt Bikes</option>' in html
    by_number = {row.text.split()[0]: row.text for row in rows(html)}
    assert by_number[number(market.acme_order)].split()[1:3] == ["Acme", "Tools"]
    assert by_number[number(market.own_order)].split()[1] == "Marketplace"
    assert listed(browser, market.sam, "?vendor=bolt") == [number(market.bolt_order)]
    assert listed(browser, market.sam, "?vendor=acme&q=anvil") == [number(market.acme_order)]


@pytest.mark.parametrize("vendor", ["nobody", "x" * 500, "Acme", "acme%27--", "acme%20"])
def test_an_unknown_vendor_shows_nothing_and_no_error(market: Market, browser, vendor):
    converse(market)
    response = browser.login(market.sam).get(f"{MESSAGES}?vendor={vendor}")
    assert response.status_code == 200
    assert rows(page(response)) == []
    assert "No threads in this view." in words(page(response))


def test_a_vendors_staff_cannot_widen_their_list_with_the_vendor_filter(market: Market, browser):
    converse(market)
    assert listed(browser, market.ann, "?vendor=bolt") == [number(market.acme_order)]
    assert 'name="vendor"' not in page(browser.get(MESSAGES))


def test_the_marketplace_sees_the_vendor_on_the_thread(market: Market, browser):
    converse(market)
    browser.login(market.sam)
    assert "Vendor: Acme Tools" in words(staff_thread(browser, market.acme_order))
    assert "Vendor: Marketplace" in words(staff_thread(browser, market.own_order))
    # A vendor's own staff know whose it is.
    assert "Vendor:" not in words(staff_thread(browser.login(market.ann), market.acme_order))


# -- who wrote: the vendor or the marketplace -----------------------------------------------------


def test_entries_say_whom_their_staff_author_works_for(market: Market, browser):
    converse(market)
    services.post_message(market.acme_order, market.actor(market.sam), "The marketplace here.")
    customer_html = page(browser.login(market.carol).get(f"/account/orders/{market.acme_order.id}"))
    thread = words(thread_section(customer_html))
    assert "Ann Acme (Acme Tools)" in thread
    assert "Sam Support (Marketplace)" in thread
    assert "Carol Customer (" not in thread  # a customer is no vendor's
    response = browser.get(f"{P}/api/orders/{market.acme_order.id}/entries")
    authors = [e["author"] for e in json.loads(page(response))["entries"]]
    assert authors == ["Carol Customer", "Ann Acme (Acme Tools)", "Sam Support (Marketplace)"]


def last_authors(browser, user) -> dict[str, str]:
    """{order number: the last author} of ``user``'s Messages list."""
    html = page(browser.login(user).get(MESSAGES))
    found = re.findall(
        r'href="[^"]*/orders/(\d+)[^"]*".*?<span class="om-last-author" dir="auto">([^<]*):</span>',
        html,
        re.S,
    )
    return {number(SimpleNamespace(id=int(i))): name for i, name in found}


def test_the_messages_lists_last_author_is_labelled_as_in_the_thread(market: Market, browser):
    converse(market)  # Ann answered Acme's, Ben Bolt's, Sam the marketplace's own
    services.post_message(market.own_order, market.actor(market.carol), "Thanks!")
    authors = last_authors(browser, market.sam)
    assert authors[number(market.acme_order)] == "Ann Acme (Acme Tools)"
    assert authors[number(market.bolt_order)] == "Ben Bolt (Bolt Bikes)"
    assert authors[number(market.own_order)] == "Carol Customer"  # a customer is no vendor's
    # The very label the thread shows beside the entry.
    thread = words(staff_thread(browser.login(market.sam), market.acme_order))
    assert "Ann Acme (Acme Tools)" in thread
    services.post_message(market.acme_order, market.actor(market.sam), "The marketplace here.")
    assert last_authors(browser, market.ann) == {
        number(market.acme_order): "Sam Support (Marketplace)"
    }
    assert last_authors(browser, market.sam)[number(market.acme_order)] == "You"


def test_a_shop_without_vendors_labels_nobody(order, customer, staff, staff2, browser):
    services.post_message(order, services.customer_actor(customer), "Hello")
    services.post_message(order, services.staff_actor(staff), "Hi there")
    thread = words(staff_thread(browser.login(staff), order))
    assert "Admin Admin (" not in thread and "Admin Admin" in thread
    assert last_authors(browser, staff2) == {number(order): "Admin Admin"}


# -- arbitration --------------------------------------------------------------------------------


def test_vendor_staff_answer_disputes_but_cannot_open_or_close_them(market: Market, browser):
    converse(market)
    browser.login(market.ann)
    html = staff_thread(browser, market.acme_order)
    assert "Open dispute" not in words(html)
    base = f"{P}/admin/orders/{market.acme_order.id}/dispute"
    before = db_state()
    for response in (
        browser.get(f"{base}/open"),
        browser.post(f"{base}/open", {"reason": "I say so", "from_panel": "1"}),
    ):
        assert response.status_code == 403
        assert "opened and closed by the customer and the marketplace" in words(page(response))
    assert db_state() == before
    services.open_dispute(market.acme_order, market.actor(market.carol), "Broken anvil")
    html = staff_thread(browser, market.acme_order)
    assert "Broken anvil" in html and "Close dispute" not in words(html)
    assert "The customer and the marketplace close disputes; you answer in them." in words(html)
    response = browser.post(f"{base}/close", {"note": "Sorted"})
    assert response.status_code == 403
    assert services.open_dispute_of(market.acme_order) is not None
    # They answer in it: the respond-by time is theirs, and their answer meets it.
    assert (
        browser.post(
            f"{P}/admin/orders/{market.acme_order.id}/messages", {"body": "Sending a new one."}
        ).status_code
        == 303
    )
    assert "Answered on" in words(staff_thread(browser, market.acme_order))
    # The marketplace closes it; the vendor cannot reopen it either.
    services.close_dispute(market.acme_order, market.actor(market.sam), note="Refunded")
    assert browser.post(f"{base}/reopen", {"note": "Again"}).status_code == 403
    assert "Reopen" not in words(staff_thread(browser, market.acme_order))


def test_the_customer_and_the_marketplace_open_and_close_disputes(market: Market, browser):
    converse(market)
    browser.login(market.carol)
    response = browser.post(
        f"{P}/orders/{market.acme_order.id}/dispute/open", {"reason": "Broken anvil"}
    )
    assert response.status_code == 303
    browser.login(market.sam)
    assert "Close dispute" in words(staff_thread(browser, market.acme_order))
    response = browser.post(
        f"{P}/admin/orders/{market.acme_order.id}/dispute/close",
        {"note": "Refunded", "outcome": "resolved_for_customer"},
    )
    assert response.status_code == 303
    assert services.open_dispute_of(market.acme_order) is None


def test_vendors_may_open_and_close_disputes_when_the_shop_says_so(market: Market, app, browser):
    reconfigure(app, VENDORS_CLOSE_DISPUTES=True)
    converse(market)
    browser.login(market.ann)
    assert "Open dispute" in words(staff_thread(browser, market.acme_order))
    base = f"{P}/admin/orders/{market.acme_order.id}/dispute"
    assert browser.post(f"{base}/open", {"reason": "Unpaid"}).status_code == 303
    assert browser.post(f"{base}/close", {"note": "Paid now"}).status_code == 303
    assert services.open_dispute_of(market.acme_order) is None


def test_the_marketplace_sees_every_open_dispute_across_vendors(market: Market, browser):
    converse(market)
    services.open_dispute(market.acme_order, market.actor(market.carol), "Broken anvil")
    services.open_dispute(market.bolt_order, market.actor(market.dan), "Bent wheel")
    assert sorted(listed(browser, market.sam, "?filter=disputes")) == sorted(
        [number(market.acme_order), number(market.bolt_order)]
    )
    assert listed(browser, market.ann, "?filter=disputes") == [number(market.acme_order)]
    assert bell(browser, market.sam)["open_disputes"] == 2


# -- warehouse mode -------------------------------------------------------------------------------


def test_in_warehouse_mode_vendor_staff_see_nothing_and_get_no_mail(
    market: Market, app, browser, outbox
):
    reconfigure(app, VENDOR_PARTICIPATION=False)
    converse(market)
    services.post_message(market.acme_order, market.actor(market.carol), "Anyone there?")
    assert {m.recipients[0] for m in outbox if "Anyone there" in m.body} == {market.sam.email}
    browser.login(market.ann)
    for path in (MESSAGES, f"{P}/admin/orders/{market.acme_order.id}", f"{P}/admin/insight"):
        response = browser.get(path)
        assert response.status_code == 403, path
        assert "answered by the marketplace's staff" in words(page(response))
    assert "om-bell" not in page(browser.get("/admin/header"))
    assert 'id="order-messages"' not in page(
        browser.get(f"/admin/orders/{market.acme_order.id}?tab=messages")
    )
    counts = bell(browser, market.ann)
    assert (counts["unread_threads"], counts["open_disputes"]) == (0, 0)
    # The marketplace answers everything; nobody can hand a thread to a vendor's staff.
    assert number(market.acme_order) in listed(browser, market.sam)
    offered = staff_thread(browser.login(market.sam), market.acme_order)
    assert "Ann Acme" not in offered.split('name="assignee"')[1].split("</select>")[0]


# -- mail -----------------------------------------------------------------------------------------


def mailed(outbox, words_in_body: str) -> set[str]:
    return {m.recipients[0] for m in outbox if words_in_body in m.body}


def test_a_customer_message_on_a_vendors_thread_mails_that_vendors_staff(market: Market, outbox):
    services.post_message(market.acme_order, market.actor(market.carol), "Where is my anvil?")
    services.post_message(market.bolt_order, market.actor(market.dan), "Where is my bicycle?")
    services.post_message(market.own_order, market.actor(market.carol), "My voucher?")
    assert mailed(outbox, "anvil") == {market.ann.email}
    assert mailed(outbox, "bicycle") == {market.ben.email}
    assert mailed(outbox, "voucher") == {market.sam.email}  # the marketplace's own sale


def test_a_dispute_opening_mails_the_vendor_and_the_marketplace(market: Market, outbox):
    services.open_dispute(market.acme_order, market.actor(market.carol), "Broken anvil")
    assert mailed(outbox, "Broken anvil") == {market.ann.email, market.sam.email}
    outbox.clear()
    services.close_dispute(market.acme_order, market.actor(market.sam), note="Refunded")
    # Closed by the marketplace: the customer, and the vendor (not Sam, the author).
    assert mailed(outbox, "Refunded") == {market.carol.email, market.ann.email}


def test_a_vendors_registered_recipients_are_mailed(market: Market, outbox):
    from .conftest import order_messages

    order_messages.vendor_recipients(lambda key: [f"{key}-desk@vendors.test"])
    try:
        services.post_message(market.bolt_order, market.actor(market.dan), "Bicycle bell?")
    finally:
        vars(order_messages.hooks).pop("vendor_recipients")
    assert mailed(outbox, "Bicycle bell") == {"bolt-desk@vendors.test"}


def test_staff_replies_mail_the_customer_and_the_marketplaces_the_vendor(market: Market, outbox):
    services.post_message(market.acme_order, market.actor(market.carol), "Question")
    outbox.clear()
    services.post_message(market.acme_order, market.actor(market.ann), "Answer from Acme")
    services.post_message(market.acme_order, market.actor(market.sam), "Answer from us")
    assert mailed(outbox, "Answer from Acme") == {market.carol.email}
    assert mailed(outbox, "Answer from us") == {market.carol.email, market.ann.email}
    assert "Ann Acme (Acme Tools) wrote" in next(m.body for m in outbox if "Acme" in m.body)


def test_a_missed_respond_by_time_mails_the_marketplace_once(market: Market, app, outbox):
    services.open_dispute(market.acme_order, market.actor(market.carol), "Broken anvil")
    services.open_dispute(market.bolt_order, market.actor(market.dan), "Bent wheel")
    services.post_message(market.bolt_order, market.actor(market.ben), "Replacing it.")
    d = current_order_messages.models.Dispute
    db.session.execute(sa.update(d).values(respond_by=utcnow() - timedelta(hours=1)))
    db.session.commit()
    outbox.clear()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["order-messages", "notify-overdue"])
    assert result.exit_code == 0, result.output
    assert "Told the marketplace of 1 overdue dispute." in result.output
    (mail,) = outbox
    assert mail.recipients == [market.sam.email]
    assert "Acme Tools has not answered the dispute on order #" in mail.body
    assert "Broken anvil" in mail.body
    again = runner.invoke(args=["order-messages", "notify-overdue"])
    assert "of 0 overdue" in again.output and len(outbox) == 1


def test_a_vendors_staff_reply_by_mail_to_another_vendors_thread_is_refused(market: Market, app):
    """Ann once got a reply address on Bolt's thread (she worked for Bolt then, say): her
    mail to it is refused; Ben's to his own is posted."""
    from flask_order_messages.inbound.pipeline import receive
    from flask_order_messages.models import STAFF
    from flask_order_messages.reply_addresses import reply_address_for

    from .inbound_support import reply_mail

    reconfigure(app, REPLY_DOMAIN="reply.shop.test")
    converse(market)
    thread = market.thread(market.bolt_order)
    before = len(services.thread_view(market.bolt_order, market.actor(market.ben)).entries)
    for user, outcome in ((market.ann, "refused"), (market.ben, "posted")):
        address = reply_address_for(thread, STAFF, user, user.email)
        db.session.commit()
        raw = reply_mail(frm=user.email, to=address, text=f"Reply from {user.name}")
        found = receive(raw, via="smtp", envelope_from=user.email, recipients=[address])
        assert found.outcome == outcome, found
        if outcome == "refused":
            assert found.reason == "not this vendor's thread"
    bodies = [
        e.body for e in services.thread_view(market.bolt_order, market.actor(market.ben)).entries
    ]
    assert len(bodies) == before + 1 and bodies[-1] == "Reply from Ben Bolt"


# -- commands, doctor (canned replies: test_vendor_canned.py) ---------------------------------


def test_assign_vendors_fills_the_threads_of_an_existing_marketplace(market: Market, app):
    converse(market)
    t = current_order_messages.models.Thread
    db.session.execute(sa.update(t).values(vendor_key=None))  # as migration 0012 leaves them
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["order-messages", "assign-vendors"])
    assert result.exit_code == 0, result.output
    assert "Looked at 3 threads; 2 changed vendor." in result.output
    db.session.expire_all()
    assert market.thread(market.acme_order).vendor_key == "acme"
    assert market.thread(market.bolt_order).vendor_key == "bolt"
    assert market.thread(market.own_order).vendor_key is None


def test_assign_vendors_in_a_shop_without_vendors_says_what_to_do(app):
    result = app.test_cli_runner().invoke(args=["order-messages", "assign-vendors"])
    assert result.exit_code == 1 and "register the order_vendor hook" in result.output


def test_the_doctor_reports_the_vendor_hooks(tmp_path):
    from .test_doctor import doctor_host

    with doctor_host(tmp_path) as run:
        ext = run.ext
        ext.order_vendor(lambda order: "acme")
        report = run()
        assert report.has("ok", "hook order_vendor: says the order was sold by vendor 'acme'.")
        assert report.has("WARN", "hook staff_vendor: is not registered")
        assert report.has("WARN", "hook vendor_recipients: gives no address for vendor 'acme'")
        ext.staff_vendor(lambda user: "acme" if user.is_admin else None)
        ext.vendors(lambda: [("acme", "Acme Tools")])
        report = run()
        assert report.has("ok", "hook staff_vendor: says the staff member works for vendor 'acme'.")
        assert report.has("ok", "hook vendor_recipients: mails 1 address for vendor 'acme'.")
        assert report.has("ok", "hook vendors: lists 1 vendor.")
        assert report.exit_code == 0, report.text


def test_a_shop_without_vendors_passes_the_doctor_with_one_line(tmp_path):
    from .test_doctor import doctor_host

    with doctor_host(tmp_path) as run:
        report = run()
    assert report.has("ok", "vendors: none: this shop is no marketplace (no order_vendor hook).")


def test_a_customers_own_pages_are_unchanged_in_a_marketplace(market: Market, browser):
    converse(market)
    html = page(browser.login(market.carol).get(f"/account/orders/{market.acme_order.id}"))
    assert entry_bodies(thread_section(html)) == ["About the anvil?", "Your anvil ships today."]
    assert browser.get(f"/account/orders/{market.bolt_order.id}").status_code == 404
    other = make_order(market.dan)
    assert browser.get(f"{P}/orders/{other.id}").status_code == 404
