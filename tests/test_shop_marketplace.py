"""The example shop's marketplace mode (``SHOP_MARKETPLACE``): who sells what, what each
vendor's staff see of the shop's own admin, the read-only support login, the seed and the
logins; and a plain shop that stays plain."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .shop import add_people, logged_in, shop_app

MARKET = {"SHOP_MARKETPLACE": True}
#: A signed CSRF token (in forms and the assets' meta tag): it carries the second it was made.
TOKEN = re.compile(r"[\w-]{20,}\.[\w-]{6}\.[\w-]{20,}")


@pytest.fixture(autouse=True)
def plain_hooks_afterwards() -> Iterator[None]:
    """The shop's hooks live on one ``OrderMessages``: the plain shop's again after a test."""
    yield
    from example_shop.marketplace import switch_hooks

    switch_hooks(False)


@pytest.fixture
def market(tmp_path: Path) -> Iterator[Any]:
    """A marketplace: Acme sells a drill, Bolt a book, the marketplace a kettle; Ann works for
    Acme, Ben for Bolt, Sam for the marketplace, Rita reads only; Carol is a customer."""
    from example_shop.marketplace import ProductVendor, StaffRole, Vendor
    from example_shop.models import Product, db

    with shop_app(tmp_path, MARKET) as app:
        with app.app_context():
            ann, ben, sam, rita, carol = add_people(
                "Ann", "Ben", "Sam", "Rita", "Carol", staff=("Ann", "Ben", "Sam", "Rita")
            )
            acme, bolt = Vendor(name="Acme Tools"), Vendor(name="Bolt Books")
            drill = Product(name="Drill", price_cents=8900)
            book = Product(name="Atlas", price_cents=3400)
            kettle = Product(name="Kettle", price_cents=6900)
            db.session.add_all([acme, bolt, drill, book, kettle])
            db.session.flush()
            db.session.add_all(
                [
                    ProductVendor(product_id=drill.id, vendor_id=acme.id),
                    ProductVendor(product_id=book.id, vendor_id=bolt.id),
                    StaffRole(user_id=ann.id, vendor_id=acme.id),
                    StaffRole(user_id=ben.id, vendor_id=bolt.id),
                    StaffRole(user_id=rita.id, role="read-only"),
                ]
            )
            db.session.commit()
            app.config["PRODUCTS"] = {"drill": drill.id, "book": book.id, "kettle": kettle.id}
        yield app


def buy(client: Any, app: Any, product: str) -> int:
    """Carol buys one ``product``; the new order's id."""
    response = client.post(
        f"/products/{app.config['PRODUCTS'][product]}/buy",
        data={"csrf_token": client.token, "qty": "1"},
    )
    assert response.status_code == 302
    return int(response.headers["Location"].rsplit("/", 1)[1])


def numbers(page: str) -> set[str]:
    return set(re.findall(r'class="order-link" href="[^"]+">#(\d{5})<', page))


def test_each_order_is_its_products_vendors_and_each_vendor_sees_its_own(market: Any) -> None:
    carol = logged_in(market, "carol@shop.test")
    assert "Sold by Acme Tools" in carol.get("/").text
    drill, book, kettle = (buy(carol, market, name) for name in ("drill", "book", "kettle"))
    page = carol.get(f"/account/orders/{drill}").text
    assert "Sold by Acme Tools" in page and "Write to Acme Tools in Messages" in page
    assert "Sold by" not in carol.get(f"/account/orders/{kettle}").text
    carol.post(
        f"/order-messages/orders/{drill}/messages",
        data={"csrf_token": carol.token, "body": "Is the drill cordless?"},
    )

    ann, ben = logged_in(market, "ann@shop.test"), logged_in(market, "ben@shop.test")
    assert numbers(ann.get("/admin/orders").text) == {f"{drill:05d}"}
    assert numbers(ben.get("/admin/orders").text) == {f"{book:05d}"}
    assert ">Acme Tools</span>" in ann.get("/admin/orders").text  # whom they work for
    # Another vendor's order is the very same 404 as a made-up one, on both tabs.
    for tab in ("details", "messages"):
        theirs = ann.get(f"/admin/orders/{book}?tab={tab}")
        made_up = ann.get(f"/admin/orders/999999?tab={tab}")
        assert theirs.status_code == made_up.status_code == 404
        assert TOKEN.sub("", theirs.text) == TOKEN.sub("", made_up.text)
    assert ann.get(f"/admin/orders/{kettle}").status_code == 404  # the marketplace's own
    assert "Ann (Acme Tools)" not in ben.get(f"/admin/orders/{book}?tab=messages").text
    # The demo mailbox holds every vendor's mail: the marketplace's staff only.
    refused = ann.get("/admin/mailbox/")
    assert refused.status_code == 403
    assert "This page is for the marketplace&#39;s own staff." in refused.text

    sam = logged_in(market, "sam@shop.test")
    everything = sam.get("/admin/orders").text
    assert numbers(everything) == {f"{n:05d}" for n in (drill, book, kettle)}
    assert 'id="vendor"' in everything and '<td data-label="Vendor"' in everything
    acme = re.search(r'<option value="(\d+)">Acme Tools</option>', everything).group(1)
    assert numbers(sam.get(f"/admin/orders?vendor={acme}").text) == {f"{drill:05d}"}
    assert numbers(sam.get("/admin/orders?vendor=777").text) == set()  # no such vendor
    assert "Sold by</dt><dd>Bolt Books" in sam.get(f"/admin/orders/{book}").text
    thread = sam.get(f"/admin/orders/{drill}?tab=messages").text
    assert 'Vendor: <strong dir="auto">Acme Tools</strong>' in thread


def test_a_question_on_a_product_page_goes_to_the_products_vendor(market: Any) -> None:
    """The product page's "Ask a question about this product": a question about Acme's drill
    is Acme's (Ann answers; Ben gets a made-up id's 404), one about the marketplace's kettle
    the marketplace's; both named and linked by the shop's product hooks."""
    carol = logged_in(market, "carol@shop.test")
    products = market.config["PRODUCTS"]
    page = carol.get(f"/products/{products['drill']}").text
    assert "Sold by Acme Tools" in page and 'name="product_key"' in page
    asked = {}
    for name in ("drill", "kettle"):
        response = carol.post(
            "/order-messages/product-questions",
            data={"csrf_token": carol.token, "product_key": str(products[name]), "body": "?"},
        )
        assert response.status_code == 303
        asked[name] = response.headers["Location"].rsplit("/", 1)[1]
    page = carol.get(f"/order-messages/questions/{asked['drill']}").text
    assert f'Question about <a href="/products/{products["drill"]}" dir="auto">Drill</a>' in page
    ann, ben, sam = (logged_in(market, f"{n}@shop.test") for n in ("ann", "ben", "sam"))
    drill_page, kettle_page = (f"/order-messages/admin/questions/{asked[n]}" for n in asked)
    assert ann.get(drill_page).status_code == 200
    assert ann.get(kettle_page).status_code == 404
    assert ben.get(drill_page).status_code == 404
    assert {sam.get(drill_page).status_code, sam.get(kettle_page).status_code} == {200}
    listed = ann.get("/order-messages/admin/messages").text
    assert ">Drill</a>" in listed and ">Kettle</a>" not in listed


def test_the_read_only_support_login_reads_and_answers_nothing(market: Any) -> None:
    carol = logged_in(market, "carol@shop.test")
    drill = buy(carol, market, "drill")
    carol.post(
        f"/order-messages/orders/{drill}/messages",
        data={"csrf_token": carol.token, "body": "Is the drill cordless?"},
    )
    rita = logged_in(market, "rita@shop.test")
    page = rita.get(f"/admin/orders/{drill}?tab=messages").text
    assert "Is the drill cordless?" in page
    assert "answering it needs the “answer” permission" in page
    refused = rita.post(
        f"/order-messages/admin/orders/{drill}/messages",
        data={"csrf_token": rita.token, "body": "Yes it is."},
    )
    assert refused.status_code == 403
    assert (
        "Yes it is."
        not in rita.get(f"/admin/orders/{drill}?tab=messages").text.split("</textarea>")[-1]
    )


def test_a_plain_shop_stays_plain_after_a_marketplace(market: Any, tmp_path: Path) -> None:
    from example_shop.messaging import order_messages

    assert order_messages.has_hook("order_vendor")
    (tmp_path / "plain").mkdir()
    with shop_app(tmp_path / "plain") as app:
        assert not order_messages.has_hook("order_vendor")
        assert not order_messages.has_hook("staff_permission")
        with app.app_context():
            add_people("Admin", "Carol", staff=("Admin",))
        admin = logged_in(app, "admin@shop.test")
        page = admin.get("/admin/orders").text
        assert 'id="vendor"' not in page and "Vendor" not in page
        assert '<span class="brand-sub">Admin</span>' in page
        assert "Sold by" not in logged_in(app, "carol@shop.test").get("/").text


def test_seed_if_empty_adds_the_vendors_to_a_plain_demo(tmp_path: Path) -> None:
    """A demo seeded plain, then started with ``SHOP_MARKETPLACE=1 make demo`` (``seed
    --if-empty``, then ``logins``): the vendors, their logins and threads are added, once."""
    from example_shop.app import create_app

    with shop_app(tmp_path) as plain:
        runner = plain.test_cli_runner()
        assert runner.invoke(args=["seed"]).exit_code == 0
        logins = runner.invoke(args=["logins"]).output
        assert "Acme" not in logins and "marketplace" not in logins

        app = create_app({**plain.config, **MARKET})  # the same database, marketplace mode
        runner = app.test_cli_runner()
        added = runner.invoke(args=["seed", "--if-empty"])
        assert added.exit_code == 0, added.output
        assert "marketplace: 2 vendors with 6 products, 3 staff logins" in added.output
        again = runner.invoke(args=["seed", "--if-empty"])
        assert "not seeding" in again.output
        logins = runner.invoke(args=["logins"]).output
        for row in (
            r"marketplace staff\s+Admin Admin\s+admin@example\.com\s+admin123",
            r"customer\s+Carol Customer\s+carol@example\.com\s+carol123",
            r"Acme Tools staff\s+Ann Anvil\s+ann@acme\.example\.com\s+acme123",
            r"Bolt Books staff\s+Ben Binder\s+ben@bolt\.example\.com\s+bolt123",
            r"marketplace support, read-only\s+Rita Reader\s+rita@example\.com\s+rita123",
        ):
            assert re.search(row, logins), row

        client = app.test_client()
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)[1]
        client.post(
            "/login",
            data={"email": "ann@acme.example.com", "password": "acme123", "csrf_token": token},
        )
        listed = client.get("/order-messages/admin/messages").text
        assert set(re.findall(r">#(\d{5})</a>", listed)) == {"00025", "00026"}
        disputes = client.get("/order-messages/admin/messages?filter=disputes").text
        assert set(re.findall(r">#(\d{5})</a>", disputes)) == set()  # Bolt's, not Acme's
        with app.app_context():
            from example_shop.models import db

            db.session.remove()


def test_the_marketplace_pages_make_the_same_statements_for_any_number_of_orders(
    market: Any,
) -> None:
    """The vendor column, the vendor filter, the storefront's "Sold by" and a vendor's own
    order page read the vendors in a fixed number of statements, for 3 orders as for 12."""
    from example_shop.models import db

    from .test_query_counts import counting, same_count

    carol = logged_in(market, "carol@shop.test")
    sam, ann = logged_in(market, "sam@shop.test"), logged_in(market, "ann@shop.test")
    with market.app_context():
        engine = db.engine
    seen: dict[str, list[list[str]]] = {}
    for _ in range(2):
        orders = [buy(carol, market, name) for name in ("drill", "book", "kettle")]
        if seen:
            orders += [buy(carol, market, name) for name in ("drill", "book", "kettle") * 2]
        for who, client, path in (
            ("sam list", sam, "/admin/orders"),
            ("ann list", ann, "/admin/orders"),
            ("store", carol, "/"),
            ("ann order", ann, f"/admin/orders/{orders[0]}"),
        ):
            with counting(engine) as statements:
                assert client.get(path).status_code == 200
            seen.setdefault(who, []).append(statements)
    for few, many in seen.values():
        same_count(few, many)
