"""The Messages section's list and the order-list filter on the host's own query."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from flask_order_messages import ValidationError

from . import committing as services
from .conftest import Order, db, make_order, text_of


def numbers(page: Any) -> list[str]:
    return [row.order_number for row in page.rows]


def num(order: Any) -> str:
    return f"{order.id:05d}"


@pytest.fixture
def five(customer, as_customer):
    """Five orders, each with one customer message, oldest first."""
    orders = [make_order(customer) for _ in range(5)]
    for i, o in enumerate(orders, 1):
        services.post_message(o, as_customer, f"message on order {i}")
    return orders


def tid(order: Any) -> int:
    return int(services.get_thread(order).id)


# -- order and rows -----------------------------------------------------------------------


def test_unread_first_then_newest(five, as_staff, as_customer):
    o1, o2, o3, o4, o5 = five
    assert numbers(services.list_threads(as_staff)) == [num(o) for o in (o5, o4, o3, o2, o1)]
    services.mark_read(as_staff, [tid(o2), tid(o4)])
    assert numbers(services.list_threads(as_staff)) == [num(o) for o in (o5, o3, o1, o4, o2)]
    # Staff answer o1: it is now read for them, and the newest of the read ones.
    services.post_message(o1, as_staff, "answered")
    assert numbers(services.list_threads(as_staff)) == [num(o) for o in (o5, o3, o1, o4, o2)]
    # New words on a read thread bring it to the top of the unread ones.
    services.post_message(o2, as_customer, "any news?")
    assert numbers(services.list_threads(as_staff)) == [num(o) for o in (o2, o5, o3, o1, o4)]


def test_a_row_carries_what_the_section_shows(five, as_staff, as_customer):
    o1 = five[0]
    services.post_message(o1, as_customer, "second on 1")
    services.open_dispute(o1, as_customer, "never came")
    row = next(
        r
        for r in services.list_threads(as_staff).rows
        if r.order is not None and r.order.id == o1.id
    )
    assert row.order_number == num(o1)
    assert row.last_message.body == "never came" and row.last_message.kind == "event"
    assert row.unread == 3
    assert row.dispute is not None and row.dispute.reason == "never came"
    others = [r for r in services.list_threads(as_staff).rows if r.order.id != o1.id]
    assert all(r.dispute is None and r.unread == 1 for r in others)


def test_orders_without_messages_are_not_listed(order, as_staff):
    services.get_or_create_thread(order)  # a thread row, but nobody wrote
    page = services.list_threads(as_staff)
    assert (page.rows, page.total) == ([], 0)


# -- filters ------------------------------------------------------------------------------


def test_filters_all_unread_disputes(five, as_staff, as_customer):
    o1, o2, o3, o4, o5 = five
    services.mark_read(as_staff, [tid(o1), tid(o2), tid(o3)])
    services.open_dispute(o2, as_staff, "chargeback")  # staff's own event: stays read
    services.open_dispute(o4, as_customer, "broken")
    assert services.list_threads(as_staff, filter="all").total == 5
    assert numbers(services.list_threads(as_staff, filter="unread")) == [num(o4), num(o5)]
    assert numbers(services.list_threads(as_staff, filter="disputes")) == [num(o4), num(o2)]
    services.close_dispute(o4, as_staff)
    assert numbers(services.list_threads(as_staff, filter="disputes")) == [num(o2)]
    # An empty filter is "all".
    assert services.list_threads(as_staff, filter="").total == 5


@pytest.mark.parametrize("bad", ["everything", "Unread", "dispute", 3])
def test_a_bad_filter_is_refused(five, as_staff, bad):
    with pytest.raises(ValidationError) as info:
        services.list_threads(as_staff, filter=bad)
    assert "use one of: all, unread, disputes" in info.value.message
    assert info.value.field == "filter"


# -- search -------------------------------------------------------------------------------


@pytest.fixture
def texts(customer, as_customer, as_staff):
    bodies = {
        "a": ["The parcel arrived DAMAGED"],
        "b": ["Parcel lost in transit", "We will check whether it was damaged"],
        "c": ["Refund please, 50% off was promised"],
        "d": ["Code A_B is wrong"],
        "e": ["Coupon 5000 off", "code AXB"],
    }
    orders = {}
    for key, msgs in bodies.items():
        o = orders[key] = make_order(customer)
        for i, body in enumerate(msgs):
            services.post_message(o, as_customer if i == 0 else as_staff, body)
    return orders


def found(actor: Any, query: str) -> set[str]:
    return set(numbers(services.list_threads(actor, query=query)))


@pytest.mark.parametrize(
    ("query", "keys"),
    [
        ("parcel", "ab"),
        ("PARCEL", "ab"),
        ("parcel damaged", "ab"),  # words may sit in different messages of one thread
        ("damaged transit", "b"),
        ("parcel refund", ""),  # every word must match
        ("  parcel   arrived  ", "a"),
        # Punctuation separates words and is never a wildcard: "50%" asks for a word that
        # begins with "50" (so "5000" too), "5%ff" for words beginning "5" and "ff" (as a
        # pattern it would match "5000 off").
        ("50%", "ce"),
        ("5%ff", ""),
        ("%", ""),
        ("a_b", "d"),  # words beginning "a" and "b" ("AXB" is one word: no match)
        ("_", ""),
        ("\\", ""),
        ("nothing-like-this", ""),
        ("arcel", ""),  # a word must begin with it: no match inside "parcel"
        ("parc dam", "ab"),
    ],
)
def test_keyword_search(texts, as_staff, query, keys):
    assert found(as_staff, query) == {num(texts[k]) for k in keys}


def test_search_by_order_number(texts, as_staff):
    c = texts["c"]
    assert found(as_staff, str(c.id)) == {num(c)}
    assert found(as_staff, f"#{c.id}") == {num(c)}
    assert found(as_staff, num(c)) == {num(c)}  # the displayed, zero-padded number


def test_search_combines_with_filters_and_paging(texts, as_staff):
    services.mark_read(as_staff, [tid(texts["a"])])
    assert found(as_staff, "parcel") == {num(texts["a"]), num(texts["b"])}
    page = services.list_threads(as_staff, query="parcel", filter="unread")
    assert numbers(page) == [] and page.total == 0  # b's newest is staff's own reply
    page = services.list_threads(as_staff, query="parcel", per_page=1, page=2)
    assert page.total == 2 and len(page.rows) == 1 and page.query == "parcel"


def test_customers_search_their_own_threads_and_never_notes(texts, stranger, as_customer, as_staff):
    theirs = make_order(stranger)
    services.post_message(theirs, services.customer_actor(stranger), "my parcel too")
    services.post_message(texts["a"], as_staff, "secretword: refund approved", note=True)
    assert found(as_staff, "secretword") == {num(texts["a"])}
    assert found(as_customer, "secretword") == set()
    assert num(theirs) in found(as_staff, "parcel")
    assert found(as_customer, "parcel") == {num(texts["a"]), num(texts["b"])}
    assert found(as_customer, str(theirs.id)) == set()


# -- paging -------------------------------------------------------------------------------


def test_paging(five, as_staff):
    whole = numbers(services.list_threads(as_staff))
    pages = [services.list_threads(as_staff, page=n, per_page=2) for n in (1, 2, 3, 4)]
    assert [numbers(p) for p in pages] == [whole[0:2], whole[2:4], whole[4:5], []]
    assert all(p.total == 5 and p.pages == 3 for p in pages)
    assert [(p.has_prev, p.has_next) for p in pages[:3]] == [
        (False, True),
        (True, True),
        (True, False),
    ]


def test_per_page_defaults_to_the_config(five, as_staff):
    page = services.list_threads(as_staff)
    assert page.per_page == 20 and len(page.rows) == 5 and page.pages == 1


def test_the_section_answers_bad_parameters_with_a_400_and_words(five, browser, staff):
    browser.login(staff)
    page = browser.get("/order-messages/admin/messages?page=abc")
    assert page.status_code == 400
    assert "The page must be a whole number." in text_of(page)
    page = browser.get("/order-messages/admin/messages?filter=bogus")
    assert page.status_code == 400
    assert "use one of: all, unread, disputes" in text_of(page)
    assert browser.get("/order-messages/admin/messages?page=2&filter=unread").status_code == 200


# -- the host's order list ----------------------------------------------------------------


@pytest.fixture
def shop(customer, stranger, as_customer, as_staff):
    """o1: the customer wrote (unread for staff); o2: staff wrote (unread for the customer);
    o3: no messages, only an empty thread row; o4: no thread; o5: someone else's, read."""
    o1, o2, o3, o4 = (make_order(customer) for _ in range(4))
    o5 = make_order(stranger)
    services.post_message(o1, as_customer, "hello")
    services.post_message(o2, as_staff, "your order shipped")
    services.get_or_create_thread(o3)
    services.post_message(o5, services.customer_actor(stranger), "hi")
    services.mark_read(as_staff, [tid(o5)])
    return o1, o2, o3, o4, o5


def ids(orders: Any) -> list[int]:
    return sorted(o.id for o in orders)


def test_filter_orders_on_a_legacy_query(shop, as_staff, as_customer):
    o1, o2, o3, o4, o5 = shop
    query = Order.query
    assert services.filter_orders(query, "all", as_staff) is query
    assert ids(services.filter_orders(Order.query, "all", as_staff).all()) == ids(shop)
    assert ids(services.filter_orders(Order.query, "any", as_staff).all()) == ids([o1, o2, o5])
    assert ids(services.filter_orders(Order.query, "unread", as_staff).all()) == [o1.id]
    assert ids(services.filter_orders(Order.query, "", as_staff).all()) == ids(shop)


def test_filter_orders_on_a_select(shop, customer, as_staff, as_customer):
    o1, o2, o3, o4, o5 = shop

    def run(stmt: Any) -> list[int]:
        return ids(db.session.execute(stmt).scalars())

    assert run(services.filter_orders(sa.select(Order), "any", as_staff)) == ids([o1, o2, o5])
    assert run(services.filter_orders(sa.select(Order), "unread", as_staff)) == [o1.id]
    # The host's own conditions stay: the customer's "My orders" list.
    mine = sa.select(Order).where(Order.customer_id == customer.id)
    assert run(services.filter_orders(mine, "all", as_customer)) == ids([o1, o2, o3, o4])
    assert run(services.filter_orders(mine, "any", as_customer)) == ids([o1, o2])
    assert run(services.filter_orders(mine, "unread", as_customer)) == [o2.id]
    # Reading changes the answer.
    services.thread_view(o2, as_customer)
    assert run(services.filter_orders(mine, "unread", as_customer)) == []


def test_filter_orders_takes_an_unknown_mode_as_all(shop, as_staff):
    # The host passes the request's value straight in: a typo must not be a 500 there.
    stmt = sa.select(Order)
    assert services.filter_orders(stmt, "with-messages", as_staff) is stmt
    assert ids(db.session.execute(stmt).scalars()) == ids(shop)
