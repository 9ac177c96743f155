"""The glue: the extension object and the hooks it asks this shop for."""

from __future__ import annotations

from flask import url_for

from flask_order_messages import OrderMessages

from .models import Order, User, db

order_messages = OrderMessages(
    db=db, order_model=Order, user_model=User, order_customer_key="customer_id"
)


@order_messages.staff_check
def _is_staff(user: User) -> bool:
    return bool(user.is_admin)


@order_messages.staff_recipients
def _staff_recipients() -> list[str]:
    return list(db.session.scalars(db.select(User.email).where(User.is_admin).order_by(User.id)))


@order_messages.display_name
def _display_name(user: User) -> str:
    return user.name


@order_messages.order_number
def _order_number(order: Order) -> str:
    return order.number


@order_messages.staff_order_url
def _staff_order_url(order: Order) -> str:
    # Flask-Admin's details page of the order, where the staff panel is.
    return url_for("orders.details_view", id=order.id)


@order_messages.customer_order_url
def _customer_order_url(order: Order) -> str:
    return url_for("shop.order", order_id=order.id)
