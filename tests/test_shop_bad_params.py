"""The example shop's own pages, fed other people's ids, huge ids, bad page numbers and hostile
``next`` values: never a 500 (on PostgreSQL a too-large id used to reach the database as an
INTEGER and fail there), never a redirect off-site or a split header.

Runs on ``TEST_DATABASE_URL`` like the rest of the suite (a fresh SQLite file otherwise).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from .conftest import answer_bytes
from .shop import add_people, logged_in, shop_app

BAD_IDS = ["0", "-1", "abc", "2147483648", "99999999999", "9223372036854775808", "1" * 40]
BAD_PAGES = ["-5", "0", "abc", "99999999999999999999", "922337203685477580", "1e3"]
BAD_NEXT = [
    "/\r\nSet-Cookie: pwned=1",
    "/x\nLocation: https://evil.example/",
    "//evil.example/",
    "https://evil.example/",
    "/\\evil.example",
    "/\x00",
    "javascript:alert(1)",
]


@pytest.fixture
def shop(tmp_path: Any) -> Iterator[Any]:
    from example_shop.models import Order, db

    with shop_app(tmp_path) as app:
        with app.app_context():
            _staff, carol, _dan = add_people("Staff", "Carol", "Dan", staff=("Staff",))
            db.session.add(Order(customer_id=carol.id, status="paid"))
            db.session.commit()
        yield app


def assert_fine(response: Any, where: str) -> None:
    assert response.status_code < 500, f"{where}: {response.status_code}"
    location = response.headers.get("Location", "")
    assert "evil" not in location and "\n" not in location and "\r" not in location, where
    assert "pwned" not in response.headers.get("Set-Cookie", ""), where


def test_bad_ids_are_404s(shop):
    carol = logged_in(shop, "carol@shop.test")
    dan = logged_in(shop, "dan@shop.test")
    staff = logged_in(shop, "staff@shop.test")
    for bad in BAD_IDS:
        for client, path in (
            (carol, f"/account/orders/{bad}"),
            (staff, f"/admin/orders/{bad}"),
            (carol, f"/account/orders/{bad}?tab=messages"),
        ):
            response = client.get(path)
            assert_fine(response, path)
            assert response.status_code == 404, path
        response = carol.post(f"/products/{bad}/buy", data={"csrf_token": carol.token})
        assert response.status_code == 404, bad
    # Someone else's order: the same 404 as a made-up one.
    assert dan.get("/account/orders/1").status_code == 404
    assert answer_bytes(dan.get("/account/orders/1")) == answer_bytes(
        dan.get("/account/orders/99999")
    )


def test_bad_pages_and_filters_of_the_order_list(shop):
    staff = logged_in(shop, "staff@shop.test")
    for bad in BAD_PAGES:
        for params in (
            {"page": bad},
            {"per_page": bad},
            {"page": bad, "messages": "unread"},
            {"messages": bad, "status": bad},
        ):
            response = staff.get("/admin/orders", query_string=params)
            assert_fine(response, f"/admin/orders {params}")
            assert response.status_code == 200, params
    for tab in ("<script>", "messages\x00", "x" * 5000):
        assert_fine(staff.get("/admin/orders/1", query_string={"tab": tab}), tab)


def test_hostile_next_never_leaves_the_site_or_splits_a_header(shop):
    for bad in BAD_NEXT:
        fresh = shop.test_client()
        page = fresh.get("/login", query_string={"next": bad})
        assert_fine(page, f"login page next={bad!r}")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        response = fresh.post(
            "/login",
            data={"email": "carol@shop.test", "password": "pw", "csrf_token": token, "next": bad},
        )
        assert_fine(response, f"login next={bad!r}")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/"), bad
        assert not response.headers["Location"].startswith("//"), bad
