"""The shop's side of flask-order-messages: the extension object and the hooks it asks for."""

from __future__ import annotations

from flask import g, url_for

from flask_order_messages import OrderMessages

from .language import status_label
from .models import Order, Product, User, db, money

order_messages = OrderMessages(
    db=db, order_model=Order, user_model=User, order_customer_key="customer_id"
)


@order_messages.staff_check
def _is_staff(user: User) -> bool:
    return bool(user.is_staff)


@order_messages.staff_recipients
def shop_staff_recipients() -> list[str]:
    """Every staff member (marketplace mode swaps in the marketplace's own staff)."""
    return list(db.session.scalars(db.select(User.email).where(User.is_staff).order_by(User.id)))


@order_messages.staff_members
def _staff_members() -> list[User]:
    """Who a thread can be assigned to: one query on the shop's staff flag."""
    return list(db.session.scalars(db.select(User).where(User.is_staff).order_by(User.name)))


@order_messages.display_name
def _display_name(user: User) -> str:
    return user.name or user.email


@order_messages.order_number
def _order_number(order: Order) -> str:
    return order.number


@order_messages.order_summary
def _order_summary(order: Order) -> dict[str, str]:
    # Beside each thread in the Messages section and on the staff thread page.
    return {"total": money(order.total_cents), "status": status_label(order.status)}


@order_messages.staff_order_url
def _staff_order_url(order: Order) -> str:
    # A bare path: the Messages section adds "?tab=messages#order-messages" to it.
    return url_for("admin.order", order_id=order.id)


@order_messages.customer_order_url
def _customer_order_url(order: Order) -> str:
    # The extension links customers here from mail and the header: open the Messages tab.
    return url_for("storefront.order", order_id=order.id, tab="messages")


# -- questions before purchase (the product page's "Ask a question about this product") ---


def product_names() -> dict[str, str]:
    """{product key as text: name}: the whole (small) catalogue in one statement per request,
    so a Messages page full of questions asks for it once."""
    found: dict[str, str] | None = g.get("shop_product_names")
    if found is None:
        rows = db.session.execute(db.select(Product.id, Product.name))
        found = {str(product_id): name for product_id, name in rows}
        g.shop_product_names = found
    return found


@order_messages.product_name
def _product_name(key: str) -> str | None:
    # The extension keeps product keys as text; a product since deleted: its default name.
    return product_names().get(key)


@order_messages.product_url
def _product_url(key: str) -> str | None:
    if key not in product_names():
        return None
    return url_for("storefront.product", product_id=int(key))


# -- the customer header's "N unread messages" ------------------------------------------------


@order_messages.customer_orders_url
def _customer_orders_url(user: User) -> str:
    # With unread messages on more than one order the header's note leads to the order list,
    # which shows each order's count; with one, the extension links that order itself.
    return url_for("storefront.orders")
