"""Build other host shops than the one in ``conftest.py``, one fresh ``SQLAlchemy()`` each.

A ``SQLAlchemy()`` metadata can hold our tables only once, so every test that needs an unusual
host calls :func:`host` and gets its own ``db``, its own ``Order`` and ``User``, its own
``OrderMessages`` and app, on a SQLite file in ``tmp_path``.  :func:`shop` builds a whole shop
of one of the :data:`SHOP_SHAPES` real shops come in, with its own order pages.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import count
from typing import Any

import sqlalchemy as sa
from flask import Flask, g
from flask_login import LoginManager, UserMixin
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect, generate_csrf
from jinja2 import StrictUndefined

from flask_order_messages import OrderMessages

from .host_models import STAMPED_BASES

_names = count(1)


@dataclass
class Host:
    app: Flask
    db: Any
    Order: Any
    User: Any
    ext: OrderMessages
    key: str

    def add_user(self, name: str, *, admin: bool = False, email: str | None = None) -> Any:
        user = self.User(is_admin=admin)
        if hasattr(self.User, "name"):
            user.name = name
        if hasattr(self.User, "email"):
            user.email = email if email is not None else f"{name.lower().replace(' ', '.')}@x.test"
        key_type = self.ext.user_pk.type.python_type
        if key_type is uuid.UUID:
            user.id = uuid.uuid4()
        elif key_type is str:
            user.id = f"{name.lower().replace(' ', '-')}-{uuid.uuid4().hex[:6]}"
        self.db.session.add(user)
        self.db.session.commit()
        return user

    def add_order(self, owner: Any, **values: Any) -> Any:
        order = self.Order(**values)
        setattr(order, self.ext.order_customer_key, owner.id)
        pk = self.ext.order_pk.key
        if self.key == "uuid":
            setattr(order, pk, uuid.uuid4())
        elif self.key == "str":
            setattr(order, pk, f"ORD-{next(_names):04d}-{uuid.uuid4().hex[:6]}")
        self.db.session.add(order)
        self.db.session.commit()
        return order

    def login(self, client: Any, user: Any) -> Any:
        with client.session_transaction() as session:
            session["_user_id"] = str(user.id)
            session["_fresh"] = True
        g.pop("_login_user", None)
        return client

    def get(self, client: Any, url: str) -> Any:
        """GET as whoever the client is logged in as (see :meth:`post` about ``g``)."""
        for key in ("_login_user", "csrf_token"):
            g.pop(key, None)
        return client.get(url)

    def post(self, client: Any, url: str, data: dict[str, Any]) -> Any:
        """POST a form with a fresh CSRF token.  The test keeps one app context open, so
        ``g`` is shared by requests: forget the cached user and token between them."""
        for key in ("_login_user", "csrf_token"):
            g.pop(key, None)
        token = client.get("/_csrf").get_data(as_text=True)
        for key in ("_login_user", "csrf_token"):
            g.pop(key, None)
        return client.post(url, data={**data, "csrf_token": token})


def define_host(
    *,
    key: str = "int",
    order_table: str = "orders",
    model_class: Any = None,
    table_prefix: str = "order_messages_",
    customer_key: str = "customer_id",
    customer_fk: bool = False,
    hooks: bool = True,
    user_fields: tuple[str, ...] = ("name", "email"),
    order_token: bool = False,
    user_key: str | None = None,
) -> tuple[Any, Any, Any, OrderMessages]:
    """A fresh ``db``, ``User``, ``Order`` and ``OrderMessages`` (no app yet).

    ``key``: ``"int"``, ``"uuid"`` (orders and users keyed by ``sa.Uuid``) or ``"str"``
    (orders keyed by ``String(36)``, users by integers).  ``user_fields``: which of the
    ``name`` and ``email`` columns the user model has.  ``hooks=False`` registers none.
    ``order_token``: orders have a random public ``token`` as well as their key.
    ``user_key``: the users' key type, "int", "uuid" or "str" (``String(40)``), if not as above.
    """
    db = SQLAlchemy(model_class=model_class) if model_class is not None else SQLAlchemy()
    user_key = user_key or ("uuid" if key == "uuid" else "int")
    user_type: Any = {"int": sa.Integer, "uuid": sa.Uuid, "str": sa.String(40)}[user_key]
    order_type: Any = {"int": sa.Integer, "uuid": sa.Uuid, "str": sa.String(36)}[key]
    n = next(_names)

    user_attrs: dict[str, Any] = {
        "__tablename__": f"host_accounts_{n}",
        "id": sa.Column(user_type, primary_key=True),
        "is_admin": sa.Column(sa.Boolean, nullable=False, default=False),
    }
    for field in user_fields:
        user_attrs[field] = sa.Column(sa.String(120), nullable=True)
    User = type("User", (db.Model, UserMixin), user_attrs)

    owner_args: list[Any] = [user_type]
    if customer_fk:
        owner_args.append(sa.ForeignKey(f"{user_attrs['__tablename__']}.id"))
    order_attrs: dict[str, Any] = {
        "__tablename__": order_table,
        "id": sa.Column(order_type, primary_key=True),
        customer_key: sa.Column(*owner_args, nullable=False),
        "total": sa.Column(sa.Numeric(10, 2), nullable=False, default=0),
    }
    if order_token:
        order_attrs["token"] = sa.Column(
            sa.String(32), nullable=False, unique=True, default=lambda: uuid.uuid4().hex
        )
    Order = type("Order", (db.Model,), order_attrs)

    ext = OrderMessages(
        db=db,
        order_model=Order,
        user_model=User,
        order_customer_key=customer_key,
        table_prefix=table_prefix,
    )
    if hooks:

        @ext.staff_check
        def _is_staff(user: Any) -> bool:
            return bool(user.is_admin)

        @ext.staff_recipients
        def _recipients() -> list[str]:
            return [
                u.email for u in db.session.execute(sa.select(User).where(User.is_admin)).scalars()
            ]

    return db, User, Order, ext


def make_host_app(
    tmp_path: Any,
    db: Any,
    User: Any,
    ext: OrderMessages,
    *,
    csrf_protect: bool = False,
    **config: Any,
) -> Flask:
    """A Flask app for a host defined by :func:`define_host`, on a SQLite file; its
    ``LoginManager`` has no ``login_view``.  ``csrf_protect``: the host guards every POST of
    the app with Flask-WTF's ``CSRFProtect(app)``."""
    app = Flask("other_host")
    app.config.update(
        TESTING=True,
        SECRET_KEY="host-secret",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / f'host-{next(_names)}.sqlite'}",
        MAIL_DEFAULT_SENDER="shop@example.test",
        MAIL_SUPPRESS_SEND=True,
        ORDER_MESSAGES_POLL_INTERVAL=0,
        SERVER_NAME="host.test",
    )
    app.config.update(config)
    app.jinja_env.undefined = StrictUndefined
    db.init_app(app)
    if csrf_protect:
        CSRFProtect(app)
    ext.init_app(app)
    login = LoginManager(app)
    key_type: Any = ext.user_pk.type.python_type  # int, str or uuid.UUID

    @login.user_loader
    def _load(user_id: str) -> Any:
        return db.session.get(User, key_type(user_id))

    @app.route("/_csrf")
    def csrf() -> str:
        return generate_csrf()  # type: ignore[no-any-return]

    return app


@contextmanager
def host(tmp_path: Any, *, config: dict[str, Any] | None = None, **shape: Any) -> Iterator[Host]:
    """A whole host shop, tables created, inside a request context; cleaned up afterwards."""
    db, User, Order, ext = define_host(**shape)
    app = make_host_app(tmp_path, db, User, ext, **(config or {}))
    with app.test_request_context():
        db.create_all()
        try:
            yield Host(app, db, Order, User, ext, shape.get("key", "int"))
        finally:
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


# -- whole shops, shaped as real ones are -----------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """A kind of shop the extension must fit."""

    #: The type of the order key ("int", "str", "uuid"; users are keyed by UUIDs with "uuid").
    key: str = "int"
    #: The host's ``model_class``: a name in :data:`STAMPED_BASES`, or None for the default.
    base: str | None = None
    #: The customer's order page is addressed by a public token, not by the order key, and
    #: the order number shown is made from that token ("#2884db062b7b").
    token_urls: bool = False
    #: The user model's optional columns (no ``name``: a shop that knows only emails).
    user_fields: tuple[str, ...] = ("name", "email")
    #: ``CSRFProtect(app)`` guards every POST of the app.
    csrf_protect: bool = False


#: The shapes of real shops, by a name for test ids.  Every host has a ``LoginManager``
#: without a ``login_view``.
SHOP_SHAPES: dict[str, Shape] = {
    "base-injects-id-and-timestamps": Shape(base="plain-class"),
    "declarative-base-uuid-keys": Shape(key="uuid", base="declarative-base"),
    "string-key-token-url": Shape(key="str", token_urls=True),
    "uuid-key-token-url": Shape(key="uuid", token_urls=True),
    "user-without-name": Shape(user_fields=("email",)),
    "app-wide-csrf-protect": Shape(csrf_protect=True),
    "all-at-once": Shape(
        key="str",
        base="declared-attr",
        token_urls=True,
        user_fields=("email",),
        csrf_protect=True,
    ),
}

STAFF_PAGE = """<!doctype html><title>Order {{ number }}</title>
<header id="host-admin-header">Shop admin {{ order_messages.bell() }}</header>
<h1>Order {{ number }}</h1>
<nav><a href="?tab=messages#order-messages" id="messages-tab">
  {{- order_messages.staff_tab_label(order) }}</a></nav>
{{ order_messages.staff_panel(order) }}"""

CUSTOMER_PAGE = """<!doctype html><title>Your order {{ number }}</title>
<h1>Your order {{ number }}</h1>
<nav><a href="?tab=messages#order-messages" id="messages-tab">
  {{- order_messages.customer_tab_label(order) }}</a></nav>
{{ order_messages.customer_panel(order) }}"""

DASHBOARD = """<!doctype html><title>Admin</title>
<header id="host-admin-header">Shop admin {{ order_messages.bell() }}</header>"""


def customer_path(h: Host, order: Any) -> str:
    """The path of the host's customer page for ``order``: by its token, or by its key."""
    ref = order.token if hasattr(h.Order, "token") else h.ext.order_key(order)
    return f"/account/orders/{ref}"


def _add_shop_pages(h: Host) -> None:
    """The host's own pages, with the extension's partials in them, as a host builds them."""
    from flask import abort, render_template_string
    from flask_login import current_user

    ext, Order = h.ext, h.Order

    def signed_in() -> Any:
        if not current_user.is_authenticated:
            abort(401)
        return current_user

    def staff_order(key: str) -> str:
        if not ext.is_staff(signed_in()):
            abort(404)
        order = ext.get_order(key) or abort(404)
        number = ext.hook("order_number")(order)
        return render_template_string(STAFF_PAGE, order=order, number=number)

    def customer_order(ref: str) -> str:
        user = signed_in()
        if hasattr(Order, "token"):
            order = h.db.session.execute(sa.select(Order).where(Order.token == ref)).scalar()
        else:
            order = ext.get_order(ref)
        if order is None or ext.order_owner_id(order) != ext.user_key(user):
            abort(404)
        number = ext.hook("order_number")(order)
        return render_template_string(CUSTOMER_PAGE, order=order, number=number)

    def dashboard() -> str:
        if not ext.is_staff(signed_in()):
            abort(404)
        return render_template_string(DASHBOARD)

    h.app.add_url_rule("/admin/orders/<key>", "host_staff_order", staff_order)
    h.app.add_url_rule("/account/orders/<ref>", "host_customer_order", customer_order)
    h.app.add_url_rule("/admin/", "host_dashboard", dashboard)


@contextmanager
def shop(tmp_path: Any, shape: Shape) -> Iterator[Host]:
    """A whole shop of ``shape``: models, hooks, its own order pages with the extension's
    partials, tables created, inside a request context; cleaned up afterwards."""
    model_class = STAMPED_BASES[shape.base]() if shape.base else None
    db, User, Order, ext = define_host(
        key=shape.key,
        model_class=model_class,
        user_fields=shape.user_fields,
        order_token=shape.token_urls,
    )
    if shape.token_urls:
        ext.order_number(lambda order: f"#{order.token[:12]}")
    ext.staff_order_url(lambda order: f"/admin/orders/{ext.order_key(order)}")
    app = make_host_app(tmp_path, db, User, ext, csrf_protect=shape.csrf_protect)
    h = Host(app, db, Order, User, ext, shape.key)
    ext.customer_order_url(lambda order: customer_path(h, order))
    _add_shop_pages(h)
    with app.test_request_context():
        db.create_all()
        try:
            yield h
        finally:
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


# -- a host whose admin layout's main block is "body", with no "title" block ----------------

#: The admin layout of a shop like the one the extension met in the wild: the main block is
#: ``body``, there is no ``title`` block, and the sidebar comes from a context processor of the
#: shop's own admin blueprint (``admin_menu``; StrictUndefined makes its absence an error).
BODY_ADMIN_LAYOUT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shop admin</title>
{{ order_messages.assets() }}</head>
<body><aside id="host-sidebar">
{%- for label in admin_menu %}<a href="#">{{ label }}</a>{% endfor %}</aside>
<header id="host-header">{{ order_messages.bell() }}</header>
<main id="host-main">{% block body %}{% endblock %}</main></body></html>"""

#: Its storefront layout: main block ``page``, no ``title`` either.
PAGE_SHOP_LAYOUT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shop</title>{{ order_messages.assets() }}</head>
<body><nav id="host-shop-nav">{{ shop_name }}</nav>
<div id="host-page">{% block page %}{% endblock %}</div></body></html>"""

#: The shop's own admin order page: no ``tab`` variable, the panel with the shop's classes.
BODY_ADMIN_ORDER = """{% extends "admin/base.html" %}
{% block body %}<h1>Admin order {{ order.id }}</h1>
<a href="#order-messages">{{ order_messages.staff_tab_label(order) }}</a>
{{ order_messages.staff_panel(order, input_class="form-control", button_class="btn btn-primary") }}
{% endblock %}"""

BODY_SHOP_ORDER = """{% extends "shop/base.html" %}
{% block page %}<h1>Your order {{ order.id }}</h1>
{{ order_messages.customer_panel(order, input_class="form-control", button_class="btn") }}
{% endblock %}"""


@contextmanager
def body_block_host(tmp_path: Any) -> Iterator[Host]:
    """A host whose admin layout's main block is ``body`` and storefront's ``page``, neither
    with a ``title`` block, whose admin sidebar is filled by its admin blueprint's context
    processor and whose order pages are its own (``admin.order``, ``shop.order``)."""
    from flask import Blueprint, abort, render_template
    from flask_login import current_user
    from jinja2 import DictLoader

    db, User, Order, ext = define_host()
    admin = Blueprint("admin", __name__, url_prefix="/manage")
    shop = Blueprint("shop", __name__, url_prefix="/shop")

    @admin.context_processor
    def _sidebar() -> dict[str, Any]:
        return {"admin_menu": ["Dashboard", "Orders", "Customers"]}

    @shop.context_processor
    def _shop() -> dict[str, Any]:
        return {"shop_name": "Corner Shop"}

    @admin.route("/orders/<int:order_id>")
    def order(order_id: int) -> str:
        if not current_user.is_authenticated or not current_user.is_admin:
            abort(403)
        return render_template("admin/order.html", order=db.get_or_404(Order, order_id))

    @shop.route("/orders/<int:order_id>")
    def customer_order(order_id: int) -> str:
        found = db.session.get(Order, order_id)
        if not current_user.is_authenticated or found is None:
            abort(404)
        if found.customer_id != current_user.id:
            abort(404)
        return render_template("shop/order.html", order=found)

    @ext.staff_order_url
    def _staff_url(order: Any) -> str:
        from flask import url_for

        return url_for("admin.order", order_id=order.id)

    @ext.customer_order_url
    def _customer_url(order: Any) -> str:
        from flask import url_for

        return url_for("shop.customer_order", order_id=order.id)

    app = make_host_app(
        tmp_path,
        db,
        User,
        ext,
        ORDER_MESSAGES_ADMIN_LAYOUT="admin/base.html",
        ORDER_MESSAGES_ADMIN_LAYOUT_BLOCK="body",
        ORDER_MESSAGES_ADMIN_BLUEPRINT="admin",
        ORDER_MESSAGES_CUSTOMER_LAYOUT="shop/base.html",
        ORDER_MESSAGES_CUSTOMER_LAYOUT_BLOCK="page",
        ORDER_MESSAGES_CUSTOMER_BLUEPRINT="shop",
    )
    app.register_blueprint(admin)
    app.register_blueprint(shop)
    app.jinja_loader = DictLoader(  # type: ignore[assignment]
        {
            "admin/base.html": BODY_ADMIN_LAYOUT,
            "admin/order.html": BODY_ADMIN_ORDER,
            "shop/base.html": PAGE_SHOP_LAYOUT,
            "shop/order.html": BODY_SHOP_ORDER,
        }
    )
    with app.test_request_context():
        db.create_all()
        try:
            yield Host(app, db, Order, User, ext, "int")
        finally:
            db.session.remove()
            db.drop_all()
            db.engine.dispose()
