"""A long list's page without visiting every thread (services/listing_pages.py): the total
counted up to a cap ("1,000+"), the pages past it reached one by one, and a staff search
answered by a walk down the newest threads or by the full-text index, with the same rows."""

from __future__ import annotations

from typing import Any

import pytest

from flask_order_messages.services import listing_pages

from . import committing as services
from .conftest import make_order


def numbers(page: Any) -> list[str]:
    return [row.order_number for row in page.rows]


def num(order: Any) -> str:
    return f"{order.id:05d}"


@pytest.fixture
def shop(customer, as_customer, as_staff):
    """Twelve orders, oldest first, each with one customer message; "parcel" in the four
    oldest and in the newest; staff have read the even ones."""
    orders = [make_order(customer) for _ in range(12)]
    for i, o in enumerate(orders):
        word = "parcel" if i < 4 or i == 11 else "refund"
        services.post_message(o, as_customer, f"message {i} about the {word}")
    services.mark_read(as_staff, [services.get_thread(o).id for o in orders[::2]])
    return orders


def expected(orders: list[Any], which: list[int]) -> list[str]:
    """Unread first (the odd ones), then read, each newest first."""
    unread = [i for i in reversed(which) if i % 2]
    read = [i for i in reversed(which) if not i % 2]
    return [num(orders[i]) for i in unread + read]


def test_the_total_is_counted_up_to_the_cap(shop, as_staff, monkeypatch):
    monkeypatch.setattr(listing_pages, "COUNT_CAP", 5)
    whole = expected(shop, list(range(12)))
    pages = [services.list_threads(as_staff, page=n, per_page=4) for n in (1, 2, 3, 4)]
    assert [numbers(p) for p in pages] == [whole[0:4], whole[4:8], whole[8:12], []]
    assert [(p.total, p.capped) for p in pages[:3]] == [(5, True)] * 3
    # Past the cap the pages are reached one by one: "next" while rows follow.
    assert [(p.has_prev, p.has_next) for p in pages[:3]] == [
        (False, True),
        (True, True),
        (True, False),
    ]
    assert pages[0].unread_total == 6  # exact: the unread threads are few


def test_a_short_list_keeps_its_exact_total(shop, as_staff):
    page = services.list_threads(as_staff, per_page=5)
    assert (page.total, page.capped, page.pages, page.has_next) == (12, False, 3, True)


@pytest.mark.parametrize("sample", [1, 1500], ids=["index", "walk"])
@pytest.mark.parametrize("per_page", [1, 2, 20])
def test_a_search_gives_the_same_pages_by_the_walk_and_by_the_index(
    shop, as_staff, monkeypatch, sample, per_page
):
    """With a sample of 1 thread, the page of a word in the oldest threads comes from the
    full-text index; with 1,500 from the walk; the same rows either way."""
    monkeypatch.setattr(listing_pages, "SAMPLE", sample)
    want = expected(shop, [0, 1, 2, 3, 11])
    got: list[str] = []
    for n in range(1, 7):
        page = services.list_threads(as_staff, query="parcel", page=n, per_page=per_page)
        assert (page.total, page.capped, page.unread_total) == (5, False, 3)
        got += numbers(page)
        assert page.has_next == (len(got) < len(want))
    assert got == want
    unread = services.list_threads(as_staff, query="parcel", filter="unread")
    assert numbers(unread) == expected(shop, [1, 3, 11]) and unread.total == 3


def test_a_common_word_says_more_than_the_cap(shop, as_staff, monkeypatch):
    monkeypatch.setattr(listing_pages, "COUNT_CAP", 3)
    page = services.list_threads(as_staff, query="message", per_page=4)
    assert (page.total, page.capped, page.has_next) == (3, True, True)
    assert numbers(page) == expected(shop, list(range(12)))[:4]
    rare = services.list_threads(as_staff, query="parcel", per_page=4)
    assert (rare.total, rare.capped) == (3, True)  # five matches: more than three
    monkeypatch.setattr(listing_pages, "SAMPLE", 1)
    rare = services.list_threads(as_staff, query="parcel", per_page=4)
    assert (rare.total, rare.capped) == (3, True)  # counted through the index


def test_an_order_number_is_found_either_way(shop, as_staff, monkeypatch):
    target = shop[11]  # no message holds a word beginning with its number
    for sample in (1, 1500):
        monkeypatch.setattr(listing_pages, "SAMPLE", sample)
        assert numbers(services.list_threads(as_staff, query=f"#{target.id}")) == [num(target)]


def test_the_pager_says_a_capped_total(shop, browser, staff, monkeypatch):
    from .host_pages import P

    monkeypatch.setattr(listing_pages, "COUNT_CAP", 5)
    browser.login(staff)
    html = browser.get(f"{P}/admin/messages").get_data(as_text=True)
    assert "Page 1 · 5+ threads" in html
    assert 'rel="next"' not in html  # all twelve fit on the page
    monkeypatch.setattr(listing_pages, "COUNT_CAP", 1000)
    html = browser.get(f"{P}/admin/messages").get_data(as_text=True)
    assert "12 threads" in html and "+ threads" not in html


def test_the_api_says_a_capped_total(shop, browser, staff, monkeypatch):
    from .api_support import Api

    monkeypatch.setattr(listing_pages, "COUNT_CAP", 5)
    api = Api(browser.login(staff))
    first = api.get("/staff/threads", per_page=4).get_json()
    assert (first["total"], first["total_capped"], first["has_next"]) == (5, True, True)
    last = api.get("/staff/threads", per_page=4, page=3).get_json()
    assert (len(last["threads"]), last["total_capped"], last["has_next"]) == (4, True, False)
    exact = api.get("/staff/threads", q="parcel").get_json()
    assert (exact["total"], exact["total_capped"], exact["has_next"]) == (5, False, False)
