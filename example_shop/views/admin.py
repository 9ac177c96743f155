"""The admin area: staff only.  Orders list with the messages filter, order page with tabs."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from flask_order_messages import mark_thread_read, services, staff_actor

from .. import marketplace
from ..auth import login_manager
from ..messaging import order_messages
from ..models import STATUSES, Order, db
from . import current_tab, om

bp = Blueprint("admin", __name__)


@bp.before_request
def staff_only() -> Response | None:
    """Staff only: others log in first, or get a 403 page (the mailbox shares it)."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()  # type: ignore[no-any-return]
    if not order_messages.is_staff(current_user):
        abort(403)
    return None


@bp.route("/")
def index() -> Response:
    return redirect(url_for("admin.orders"))


@bp.route("/orders")
def orders() -> str:
    messages = request.args.get("messages", "all")
    if messages not in services.ORDER_FILTERS:
        messages = "all"
    status = request.args.get("status", "")
    if status not in STATUSES:
        status = ""
    stmt = db.select(Order).order_by(Order.created_at.desc(), Order.id.desc())
    if status:
        stmt = stmt.where(Order.status == status)
    # A vendor's staff see their vendor's orders only; the marketplace's may pick a vendor.
    vendor = request.args.get("vendor", type=int) if marketplace.enabled() else None
    stmt = marketplace.scope_orders(stmt, current_user, vendor)
    stmt = services.filter_orders(stmt, messages, staff_actor(current_user))
    page = db.paginate(
        stmt,
        # A page far past the end is just empty; without a bound its OFFSET overflows.
        page=min(request.args.get("page", 1, type=int), 1_000_000),
        per_page=request.args.get("per_page", 0, type=int)
        or current_app.config["SHOP_ORDERS_PER_PAGE"],
        max_per_page=100,
        error_out=False,
    )
    return render_template(
        "shop/admin/orders.html",
        page=page,
        messages=messages,
        status=status,
        statuses=STATUSES,
        vendor=vendor,
    )


# A larger id names no order (the column is 32-bit): a 404, not a database error.
@bp.route("/orders/<int(max=2147483647):order_id>")
def order(order_id: int) -> str:
    order = db.session.get(Order, order_id)
    # Another vendor's order is the very same 404 as a made-up id.
    if order is None or not marketplace.may_see(order, current_user):
        abort(404)
    tab = current_tab(request.args.get("tab"))
    if tab == "messages":
        mark_thread_read(order, "staff")  # the tab shows the thread: read it, before rendering
        panel = om().staff_panel(order)
        return render_template("shop/admin/order.html", order=order, tab=tab, panel=panel)
    # The details tab: the customer (loaded with the order) and how many orders they have.
    # (A vendor's staff count only the orders the customer placed with their vendor.)
    same_customer = db.select(db.func.count(Order.id)).where(Order.customer_id == order.customer_id)
    others = db.session.scalar(marketplace.scope_orders(same_customer, current_user))
    return render_template(
        "shop/admin/order.html",
        order=order,
        tab=tab,
        customer=order.customer,
        customer_orders=others,
    )
