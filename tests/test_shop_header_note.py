"""The storefront header's "N unread messages": with unread messages on more than one order it
leads to the customer's order list (each order's count is there), with one to that order."""

from __future__ import annotations

import re
from typing import Any

from .shop import shop_app

NOTE = re.compile(r'<a [^>]*class="om-customer-header" href="([^"]+)"')


def _login(client: Any, email: str, password: str) -> None:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    client.post("/login", data={"email": email, "password": password, "csrf_token": token[1]})


def _staff_writes_on_another_order(app: Any) -> None:
    """The admin answers on one of Carol's orders that holds nothing unread for her yet."""
    from example_shop.models import Order, User, db
    from flask_order_messages import customer_actor, services, staff_actor
    from flask_order_messages.services.reading import unread_per_thread

    with app.test_request_context("/"):
        carol = db.session.scalar(db.select(User).where(User.email == "carol@example.com"))
        admin = db.session.scalar(db.select(User).where(User.email == "admin@example.com"))
        unread = {row.order_id for row in unread_per_thread(customer_actor(carol))}
        assert len(unread) == 1  # the seed's one
        order = db.session.scalar(
            db.select(Order).where(Order.customer_id == carol.id, Order.id.not_in(unread))
        )
        services.post_message(order, staff_actor(admin), "Your parcel left today.")
        db.session.commit()


def test_unread_on_two_orders_links_the_order_list_and_on_one_the_order(tmp_path: Any) -> None:
    with shop_app(tmp_path) as app:
        assert app.test_cli_runner().invoke(args=["seed"]).exit_code == 0
        _staff_writes_on_another_order(app)
        client = app.test_client()
        _login(client, "carol@example.com", "carol123")
        orders = client.get("/account/orders").text
        unread = re.findall(
            r'<tr class="has-unread">.*?href="(/account/orders/\d+)\?tab=messages"', orders, re.S
        )
        assert len(unread) >= 2, "the seed leaves Carol unread messages on two orders"
        assert NOTE.search(client.get("/").text)[1] == "/account/orders"
        # On the order list itself the note is no link: it would only load the page again.
        assert NOTE.search(orders) is None and 'class="om-customer-header"' in orders

        for path in unread[1:]:  # read all but one
            client.get(f"{path}?tab=messages")
        home = client.get("/").text
        assert NOTE.search(home)[1] == f"{unread[0]}?tab=messages#order-messages"


def test_the_shop_asks_through_the_hook_not_a_copy_of_the_extensions_template() -> None:
    """The order list comes from the ``customer_orders_url`` hook: the shop keeps no copy of
    the extension's header partial (a copy misses every later fix) and reads no unread state
    through the extension's internals."""
    from pathlib import Path

    import example_shop

    shop = Path(example_shop.__file__).parent
    assert sorted(shop.glob("**/templates/order_messages/*")) == []
    messaging = (shop / "messaging.py").read_text()
    assert "@order_messages.customer_orders_url" in messaging
    assert "flask_order_messages.services" not in messaging
