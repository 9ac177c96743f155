"""The storefront: catalogue, buying, "My orders" and the customer's order page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from flask_order_messages import mark_thread_read

from .. import marketplace
from ..models import Order, Product, db
from . import current_tab, om

bp = Blueprint("storefront", __name__)


@bp.route("/")
def home() -> str:
    products = db.session.scalars(db.select(Product).order_by(Product.id)).all()
    return render_template("shop/home.html", products=products)


@bp.route("/products/<int(max=2147483647):product_id>")
def product(product_id: int) -> str:
    """A product's page: what it is, "Buy now", and the extension's "Ask a question about
    this product" (``order_messages.product_question``)."""
    product = db.session.get(Product, product_id) or abort(404)
    return render_template("shop/product.html", product=product)


@bp.route("/products/<int(max=2147483647):product_id>/buy", methods=["POST"])
@login_required
def buy(product_id: int) -> Response:
    """A one-click order: the demo has no cart, but real orders make real threads."""
    product = db.session.get(Product, product_id) or abort(404)
    try:
        qty = max(1, min(int(request.form.get("qty", "1")), 99))
    except ValueError:
        qty = 1
    order = Order(customer_id=current_user.id, status="pending")
    order.add_line(product, qty)
    db.session.add(order)
    # In a marketplace the order is its product's vendor's: one product, one vendor, so no
    # order here mixes vendors (a cart would be split into one order per vendor).
    marketplace.record_sale(order, product)
    db.session.commit()
    flash(_("Thank you! Order #%(number)s is placed.", number=order.number), "success")
    return redirect(url_for("storefront.order", order_id=order.id))


@bp.route("/account/orders")
@login_required
def orders() -> str:
    stmt = (
        db.select(Order)
        .where(Order.customer_id == current_user.id)
        .order_by(Order.created_at.desc(), Order.id.desc())
    )
    orders = db.session.scalars(stmt).unique().all()
    return render_template("shop/orders.html", orders=orders)


# A larger id names no order (the column is 32-bit): a 404, not a database error.
@bp.route("/account/orders/<int(max=2147483647):order_id>")
@login_required
def order(order_id: int) -> str:
    order = db.session.get(Order, order_id)
    # Someone else's order and a made-up id get the very same 404.
    if order is None or order.customer_id != current_user.id:
        abort(404)
    tab = current_tab(request.args.get("tab"))
    panel = None
    if tab == "messages":
        mark_thread_read(order, "customer")  # the tab shows the thread: read it first
        panel = om().customer_panel(order)
    return render_template("shop/order.html", order=order, tab=tab, panel=panel)
