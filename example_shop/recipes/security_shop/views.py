"""The shop's own pages: the customer's orders and the staff's admin pages."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_security import auth_required, current_user
from werkzeug.wrappers import Response

from flask_order_messages import mark_thread_read, services, staff_actor

from .messaging import order_messages
from .models import Order, db

shop = Blueprint("shop", __name__)
admin = Blueprint("shop_admin", __name__)


@shop.route("/")
def home() -> Response | str:
    """Staff land in the admin, customers on their orders, visitors on the front page."""
    if order_messages.is_staff(current_user):
        return redirect(url_for("shop_admin.orders"))
    if current_user.is_authenticated:
        return redirect(url_for("shop.orders"))
    return render_template("security_shop/home.html")


@shop.route("/orders")
@auth_required()
def orders() -> str:
    """My orders, each marked when it has unread messages."""
    stmt = db.select(Order).where(Order.customer_id == current_user.id)
    rows = db.session.scalars(stmt.order_by(Order.created_at.desc(), Order.id.desc())).all()
    return render_template("security_shop/orders.html", orders=rows)


@shop.route("/orders/<int(max=2147483647):order_id>")
@auth_required()
def order(order_id: int) -> str:
    """One of my orders, its thread below; anyone else's is a 404."""
    order = db.session.get(Order, order_id)
    if order is None or order.customer_id != current_user.id:
        abort(404)
    mark_thread_read(order, "customer")  # the page shows the thread: read it, before rendering
    return render_template("security_shop/order.html", order=order)


@admin.before_request
def _staff_only() -> Response | None:
    """Visitors go to Flask-Security's login; signed-in users without the role get a 404."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined,no-any-return]
    if not order_messages.is_staff(current_user):
        abort(404)
    return None


@admin.route("/")
def index() -> Response:
    return redirect(url_for("shop_admin.orders"))


@admin.route("/orders", endpoint="orders")
def admin_orders() -> str:
    """All orders, newest first, narrowed by the extension's messages filter."""
    messages = request.args.get("messages", "all")
    if messages not in services.ORDER_FILTERS:
        messages = "all"
    stmt = db.select(Order).order_by(Order.created_at.desc(), Order.id.desc())
    stmt = services.filter_orders(stmt, messages, staff_actor(current_user))
    return render_template(
        "security_shop/admin/orders.html", orders=db.session.scalars(stmt).all(), messages=messages
    )


@admin.route("/orders/<int(max=2147483647):order_id>", endpoint="order")
def admin_order(order_id: int) -> str:
    """An order with the staff panel; the thread is marked read before the page is drawn."""
    order = db.session.get(Order, order_id) or abort(404)
    mark_thread_read(order, "staff")
    return render_template("security_shop/admin/order.html", order=order)
