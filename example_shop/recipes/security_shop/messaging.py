"""The glue: the extension object and the hooks it asks this shop for."""

from __future__ import annotations

from flask import url_for

from flask_order_messages import OrderMessages

from .models import Order, Role, User, db

STAFF_ROLE = "admin"

order_messages = OrderMessages(
    db=db, order_model=Order, user_model=User, order_customer_key="customer_id"
)


@order_messages.staff_check
def _is_staff(user: User) -> bool:
    # Flask-Security-Too's roles decide who is staff.
    return bool(user.has_role(STAFF_ROLE))


@order_messages.staff_recipients
def _staff_recipients() -> list[str]:
    stmt = db.select(User.email).where(User.roles.any(Role.name == STAFF_ROLE), User.active)
    return list(db.session.scalars(stmt.order_by(User.id)))


@order_messages.display_name
def _display_name(user: User) -> str:
    # These users have an email and maybe a username, no name.  Customers never see a staff
    # member's address: staff without a username sign as the store.
    if user.username:
        return str(user.username)
    if user.has_role(STAFF_ROLE):
        return "Store team"
    return str(user.email).split("@", 1)[0]


@order_messages.order_number
def _order_number(order: Order) -> str:
    return order.number


@order_messages.staff_order_url
def _staff_order_url(order: Order) -> str:
    return url_for("shop_admin.order", order_id=order.id)


@order_messages.customer_order_url
def _customer_order_url(order: Order) -> str:
    return url_for("shop.order", order_id=order.id)
