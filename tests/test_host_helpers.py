"""The helpers a host calls from its own views and templates never raise into them and never
leak: any request value, any object in place of an order, any visitor gives a safe answer."""

from __future__ import annotations

import html as html_module
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask_login import login_user
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from . import committing as services
from .conftest import Order, db, make_order
from .host_pages import page

pytestmark = pytest.mark.usefixtures("host_pages")

#: Whatever a query string, a form or a careless template can hand over.
HOSTILE = st.one_of(
    st.none(),
    st.just(""),
    st.text(max_size=40),
    st.sampled_from(["bogus", "ALL", " unread", "unread ", "any\x00", "-1", "1e9", "0x10"]),
    st.just("9" * 10_000),
    st.just("x" * 100_000),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.binary(max_size=20),
    st.lists(st.text(max_size=10), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    st.builds(object),
)
EXAMPLES = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@contextmanager
def visiting(app: Flask, user: Any) -> Iterator[Any]:
    """The ``order_messages`` template object in a fresh request by ``user`` (None: anonymous)."""
    g.pop("_login_user", None)
    with app.test_request_context("/account/orders"):
        if user is not None:
            login_user(user)
        try:
            yield app.jinja_env.globals["order_messages"]
        finally:
            g.pop("_login_user", None)


def _ids(stmt: Any) -> list[int]:
    return sorted(o.id for o in db.session.execute(stmt).scalars())


@pytest.fixture
def unread_everywhere(customer, stranger, as_customer, staff2) -> dict[str, Any]:
    """Carol's order and Sam's: each a question and a second staff member's answer, so the
    customer has one message unread and the (other) staff member two."""
    mine, theirs = make_order(customer), make_order(stranger)
    for order, owner in ((mine, as_customer), (theirs, services.customer_actor(stranger))):
        services.post_message(order, owner, "Where is my parcel?")
        services.post_message(order, services.staff_actor(staff2), "On its way.")
    return {"mine": mine, "theirs": theirs}


# -- services.filter_orders ---------------------------------------------------------------


@EXAMPLES
@given(mode=HOSTILE)
def test_an_unknown_orders_filter_means_all(app, staff, customer, as_staff, mode):
    if db.session.scalar(sa.select(Order.id)) is None:  # the first example makes two orders
        services.post_message(make_order(customer), as_staff, "Shipped")
        make_order(customer)
    for actor in (as_staff, services.customer_actor(customer), None, staff):
        assert _ids(services.filter_orders(sa.select(Order), mode, actor)) == [1, 2]


def test_the_host_orders_page_with_a_bogus_filter_lists_all_orders(
    unread_everywhere, browser, staff
):
    browser.login(staff)
    for query in ("messages=bogus", "messages=", "messages=" + "u" * 50_000, "messages=%00"):
        response = browser.get(f"/admin/orders?{query}")
        assert response.status_code == 200, query
        assert re.findall(r"<li>Order (\d+)</li>", page(response)) == ["1", "2"]
        # The filter shows what the list is: all orders.
        assert '<option value="all" selected>' in page(response)


def test_the_unread_filter_for_nobody_finds_nothing_and_a_user_is_taken_as_their_role(
    unread_everywhere, customer, staff
):
    assert _ids(services.filter_orders(sa.select(Order), "unread", None)) == []
    mine = unread_everywhere["mine"]
    # A user passed in place of an Actor: staff see both orders unread, Carol her own only
    # (even on a query the host forgot to narrow to her orders).
    assert _ids(services.filter_orders(sa.select(Order), "unread", staff)) == [1, 2]
    assert _ids(services.filter_orders(sa.select(Order), "unread", customer)) == [mine.id]


# -- the template partials ----------------------------------------------------------------


@EXAMPLES
@given(value=HOSTILE)
def test_orders_filter_selects_all_for_anything_unknown(app, staff, value):
    with visiting(app, staff) as om:
        html = str(om.orders_filter(value))
        named = str(om.orders_filter("unread", value))
    selected = re.findall(r'<option value="(\w+)" selected>', html)
    assert selected == [value if value in ("unread", "any") else "all"]
    names = [html_module.unescape(n) for n in re.findall(r'<select name="([^"]*)"', named)]
    assert names == [value if isinstance(value, str) and 0 < len(value) <= 100 else "messages"]


@EXAMPLES
@given(value=HOSTILE)
def test_unread_badge_shows_only_a_real_count(app, value):
    with visiting(app, None) as om:
        html = str(om.order_unread_badge(value))
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        assert re.fullmatch(r'<span class="om-unread-badge">\d+ unread messages?</span>', html)
    elif isinstance(value, str) and re.fullmatch("[0-9]{1,7}", value.strip()) and int(value):
        assert html == f'<span class="om-unread-badge">{int(value)} unread message' + (
            "</span>" if int(value) == 1 else "s</span>"
        )
    else:
        assert html == ""


@EXAMPLES
@given(value=HOSTILE)
def test_order_helpers_take_anything_in_place_of_an_order(app, staff, customer, value):
    for user in (staff, customer, None):
        with visiting(app, user) as om:
            assert om.unread_by_order(value) == {}
            assert om.unread_by_order([value, value]) == {}
            assert "".join(str(om.staff_tab_label(value)).split()) == "Messages"
            assert "".join(str(om.customer_tab_label(value)).split()) == "Messages"
            assert str(om.staff_panel(value)) == ""
            assert str(om.customer_panel(value)) == ""


def _unread_in_label(html: Any) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", str(html)).split())


def test_a_customer_gets_nothing_from_the_staff_helpers(app, unread_everywhere, customer):
    mine = unread_everywhere["mine"]
    with visiting(app, customer) as om:
        # Staff have two unread messages on Carol's order; Carol must not learn it.
        assert _unread_in_label(om.staff_tab_label(mine)) == "Messages"
        assert str(om.staff_panel(mine)) == ""
        assert str(om.bell()) == ""
        # Her own count is hers (one staff answer unread).
        assert _unread_in_label(om.customer_tab_label(mine)) == "Messages 1"


def test_a_customer_gets_nothing_about_another_customers_order(app, unread_everywhere, customer):
    theirs = unread_everywhere["theirs"]
    with visiting(app, customer) as om:
        assert _unread_in_label(om.customer_tab_label(theirs)) == "Messages"
        assert str(om.customer_panel(theirs)) == ""
        assert om.unread_by_order([theirs]) == {}
        assert om.unread_by_order(theirs) == {}
        # A list mixing her order, theirs and junk: her count only.
        assert om.unread_by_order([unread_everywhere["mine"], theirs, None, "2"]) == {
            unread_everywhere["mine"].id: 1
        }


def test_an_anonymous_visitor_gets_nothing(app, unread_everywhere):
    mine = unread_everywhere["mine"]
    with visiting(app, None) as om:
        assert str(om.bell()) == ""
        assert str(om.customer_header()) == ""
        assert om.unread_by_order([mine]) == {}
        assert str(om.staff_panel(mine)) == str(om.customer_panel(mine)) == ""
        for label in (om.staff_tab_label(mine), om.customer_tab_label(mine)):
            assert _unread_in_label(label) == "Messages"


def test_staff_helpers_still_work_for_staff(app, unread_everywhere, staff):
    mine, theirs = unread_everywhere["mine"], unread_everywhere["theirs"]
    with visiting(app, staff) as om:
        assert _unread_in_label(om.staff_tab_label(mine)) == "Messages 2"
        assert om.unread_by_order((mine, theirs)) == {mine.id: 2, theirs.id: 2}
        assert om.unread_by_order(mine) == {mine.id: 2}


@EXAMPLES
@given(next_value=HOSTILE)
def test_a_panels_next_may_be_anything(app, staff, customer, next_value):
    order = db.session.get(Order, 1) or make_order(customer)
    for user, side in ((staff, "staff_panel"), (customer, "customer_panel")):
        with visiting(app, user) as om:
            html = str(getattr(om, side)(order, next_value))
        assert 'id="order-messages"' in html
