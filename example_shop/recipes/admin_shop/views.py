"""The customer's pages: their orders, and an order with its thread."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from flask_order_messages import mark_thread_read

from .auth import landing
from .models import Order, db

bp = Blueprint("shop", __name__)


@bp.route("/")
def home() -> Response:
    return redirect(landing() if current_user.is_authenticated else url_for("auth.login"))


@bp.route("/orders")
@login_required
def orders() -> str:
    stmt = db.select(Order).where(Order.customer_id == current_user.id)
    rows = db.session.scalars(stmt.order_by(Order.created_at.desc(), Order.id.desc())).all()
    return render_template("admin_shop/orders.html", orders=rows)


@bp.route("/orders/<int(max=2147483647):order_id>")
@login_required
def order(order_id: int) -> str:
    """One of my orders with its thread; anyone else's is a 404."""
    order = db.session.get(Order, order_id)
    if order is None or order.customer_id != current_user.id:
        abort(404)
    mark_thread_read(order, "customer")  # the page shows the thread: read it, before rendering
    return render_template("admin_shop/order.html", order=order)
