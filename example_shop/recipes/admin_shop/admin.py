"""The admin area, built with Flask-Admin: the orders as a ModelView (its details page holds
the staff panel), and the extension's Messages section as a menu item of its own."""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, current_app, g, redirect, request, url_for
from flask_admin import Admin, AdminIndexView, BaseView, expose
from flask_admin import babel as admin_babel
from flask_admin import helpers as admin_helpers
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_admin.form import SecureForm
from flask_admin.theme import Bootstrap4Theme
from flask_login import current_user
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from flask_order_messages import mark_thread_read, services, staff_actor
from flask_order_messages.templating import format_date

from .messaging import order_messages
from .models import Order, db


class StaffOnly:
    """Flask-Admin is open to everyone by default; here only the extension's staff check
    opens it.  Visitors go to the login page, signed-in customers get a 404."""

    def is_accessible(self) -> bool:
        return order_messages.is_staff(current_user)

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Response:
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        abort(404)


class HomeView(StaffOnly, AdminIndexView):
    """``/admin/``: straight to the orders."""

    @expose("/")
    def index(self) -> Response:
        return redirect(url_for("orders.index_view"))


class MessagesFilter(BaseSQLAFilter):
    """The extension's orders filter as a Flask-Admin list filter."""

    def apply(self, query: Any, value: Any, alias: Any = None) -> Any:
        # An unknown value (a hand-edited URL) shows every order.
        mode = value if value in services.ORDER_FILTERS else "all"
        return services.filter_orders(query, mode, staff_actor(current_user))

    def operation(self) -> str:
        return "show"


def _number_with_badge(view: Any, context: Any, model: Order, name: str) -> Markup:
    """The list's order number: a link to its details, then "N unread messages"."""
    link = url_for("orders.details_view", id=model.id)
    unread = g.get("om_unread", {}).get(model.id, 0)
    badge = order_messages_helpers().order_unread_badge(unread)
    return Markup(f'<a href="{escape(link)}">#{escape(model.number)}</a> {badge}')


def order_messages_helpers() -> Any:
    """The extension's template helpers (``order_messages`` in templates)."""
    return current_app.jinja_env.globals["order_messages"]


class OrderView(StaffOnly, ModelView):
    """Orders, read-only; the details page shows the thread (admin_shop/order_details.html)."""

    form_base_class = SecureForm
    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = True
    details_template = "admin_shop/order_details.html"
    column_list = ("number", "customer", "item", "total_cents", "created_at")
    column_labels = {"number": "Order", "total_cents": "Total", "created_at": "Placed"}
    column_details_list = ("number", "customer", "item", "total_cents", "created_at")
    column_formatters = {
        "number": _number_with_badge,
        "total_cents": lambda v, c, m, n: m.total,
        "created_at": lambda v, c, m, n: format_date(m.created_at),
    }
    column_formatters_detail = {
        "total_cents": lambda v, c, m, n: m.total,
        "created_at": lambda v, c, m, n: format_date(m.created_at),
    }
    column_default_sort = ("created_at", True)

    def render(self, template: str, **kwargs: Any) -> Any:
        # The details page shows the thread: mark it read before drawing it (and the bell).
        if template == self.details_template and kwargs.get("model") is not None:
            mark_thread_read(kwargs["model"], "staff")
        return super().render(template, **kwargs)

    def get_list(self, *args: Any, **kwargs: Any) -> Any:
        count, data = super().get_list(*args, **kwargs)
        # The unread counts of the whole page in one query, for the number column.
        g.om_unread = order_messages_helpers().unread_by_order(list(data))
        return count, data

    column_filters = [
        MessagesFilter(
            Order.id,
            "Messages",
            options=[
                ("unread", "Orders with unread messages"),
                ("any", "Orders with any messages"),
            ],
        )
    ]


class MessagesView(StaffOnly, BaseView):
    """The Messages menu item: the extension's Messages section.  Its pages (the list, a
    thread, the dispute steps) are the extension's own; :func:`admin_chrome` draws them in
    Flask-Admin's layout with this item active."""

    @expose("/")
    def index(self) -> Response:
        url = url_for("order_messages.staff_messages")
        query = request.query_string.decode("ascii", "replace")  # a search or filter, kept
        return redirect(f"{url}?{query}" if query else url)


def admin_chrome(view: BaseView) -> dict[str, Any]:
    """What ``BaseView.render`` gives Flask-Admin's templates, for pages not rendered by a
    Flask-Admin view (the extension's staff pages): with it, they can extend
    ``admin/master.html``."""
    return {
        "admin_view": view,
        "admin_base_template": view.admin.theme.base_template,  # type: ignore[union-attr]
        "admin_csp_nonce_attribute": "",
        "_gettext": admin_babel.gettext,
        "_ngettext": admin_babel.ngettext,
        "h": admin_helpers,
        "get_url": view.get_url,
        "theme": view.admin.theme,  # type: ignore[union-attr]
    }


def init_admin(app: Flask) -> Admin:
    """Flask-Admin on ``app``: one Admin per app (app-factory style)."""
    theme = Bootstrap4Theme(base_template="admin_shop/admin_base.html")
    admin = Admin(name="Admin Shop", theme=theme, index_view=HomeView(name="Home", url="/admin"))
    admin.add_view(OrderView(Order, db, name="Orders", endpoint="orders"))
    messages = MessagesView(name="Messages", endpoint="messages")
    admin.add_view(messages)
    admin.init_app(app)

    @app.context_processor
    def _extension_pages_in_admin_chrome() -> dict[str, Any]:
        # The extension's staff pages extend admin_shop/messages_layout.html, which extends
        # Flask-Admin's master layout; that layout needs Flask-Admin's context.
        if (request.endpoint or "").startswith("order_messages.staff_"):
            return admin_chrome(messages)
        return {}

    return admin
