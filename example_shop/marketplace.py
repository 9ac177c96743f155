"""Marketplace mode (``SHOP_MARKETPLACE=1``): vendors sell some of the products, each with
their own staff; the marketplace's staff see everything and arbitrate disputes.

The shop keeps its vendors in tables of their own, beside its users, products and orders
(which stay as they are): a demo database made before the mode existed opens unchanged, since
``create_all`` adds new tables but never columns.  One row each says

- :class:`Vendor`: a vendor and its name;
- :class:`StaffRole`: for whom a staff member works (no vendor: the marketplace) and whether
  they only read (the ``staff_permission`` example); staff without a row are the
  marketplace's, with every permission;
- :class:`ProductVendor`: who sells a product (no row: the marketplace itself);
- :class:`OrderVendor`: who sold an order.  The shop's checkout is one product per order
  ("Buy now"), so an order never mixes vendors; a cart would be split into one order per
  vendor here (see example_shop/README.md).

:func:`apply` registers the extension's vendor hooks for a marketplace app and takes them off
for a plain one: the hooks live on the one ``OrderMessages`` object of the process, so the
last app made decides (a shop runs one app; the tests make one at a time).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g
from flask_login import current_user
from sqlalchemy.orm import Mapped, mapped_column

from flask_order_messages.permissions import READ

from .messaging import order_messages, product_names, shop_staff_recipients
from .models import Order, Product, User, db

#: The role of a marketplace support member who reads the messages and answers none.
READ_ONLY = "read-only"
#: The hooks marketplace mode registers (``staff_recipients`` is swapped, not removed).
HOOKS = (
    "order_vendor",
    "product_vendor",
    "staff_vendor",
    "vendor_name",
    "vendor_recipients",
    "vendors",
)
#: What the vendors' staff are told on the pages that are the marketplace's alone.
MARKETPLACE_ONLY = "This page is for the marketplace's own staff."


class Vendor(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "shop_vendors"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)


class StaffRole(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "shop_staff_roles"
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("shop_users.id", ondelete="CASCADE"), primary_key=True
    )
    vendor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("shop_vendors.id"), default=None)
    role: Mapped[str] = mapped_column(sa.String(32), default="full")


class ProductVendor(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "shop_product_vendors"
    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("shop_products.id", ondelete="CASCADE"), primary_key=True
    )
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("shop_vendors.id"), index=True)


class OrderVendor(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "shop_order_vendors"
    order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("shop_orders.id", ondelete="CASCADE"), primary_key=True
    )
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("shop_vendors.id"), index=True)


def enabled() -> bool:
    """Whether the current app is a marketplace (``SHOP_MARKETPLACE``)."""
    return bool(current_app.config.get("SHOP_MARKETPLACE"))


# -- the answers, once per request --------------------------------------------------------


def _roles() -> dict[int, StaffRole]:
    """Every staff member's row, by user id: one statement per request (a few rows)."""
    found: dict[int, StaffRole] | None = g.get("shop_staff_roles")
    if found is None:
        found = {row.user_id: row for row in db.session.scalars(sa.select(StaffRole))}
        g.shop_staff_roles = found
    return found


def _vendor_names() -> dict[int, str]:
    found: dict[int, str] | None = g.get("shop_vendor_names")
    if found is None:
        rows = db.session.execute(sa.select(Vendor.id, Vendor.name).order_by(Vendor.name))
        found = {vendor_id: name for vendor_id, name in rows}
        g.shop_vendor_names = found
    return found


def vendor_of_user(user: Any) -> int | None:
    """The vendor ``user`` works for; None for the marketplace's staff and in a plain shop."""
    if user is None or not getattr(user, "is_authenticated", False) or not enabled():
        return None
    row = _roles().get(user.id)
    return row.vendor_id if row is not None else None


def vendor_of_order(order: Order) -> int | None:
    """The vendor who sold ``order``; None: the marketplace's own sale (or a plain shop)."""
    if not enabled():
        return None
    cache: dict[int, int | None] = g.setdefault("shop_order_vendors", {})
    if order.id not in cache:
        cache[order.id] = db.session.scalar(
            sa.select(OrderVendor.vendor_id).where(OrderVendor.order_id == order.id)
        )
    return cache[order.id]


def vendor_name(vendor_id: int | None) -> str:
    """A vendor's name; the marketplace's own for None."""
    if vendor_id is None:
        return "Marketplace"
    return _vendor_names().get(vendor_id, f"Vendor {vendor_id}")


def vendor_choices() -> list[tuple[int, str]]:
    """(id, name) of every vendor, by name: the marketplace staff's vendor filter."""
    return list(_vendor_names().items())


def order_vendor_names(orders: list[Order]) -> dict[int, str]:
    """{order id: vendor name} for a page of orders (the marketplace's own are left out)."""
    if not orders or not enabled():
        return {}
    rows = db.session.execute(
        sa.select(OrderVendor.order_id, OrderVendor.vendor_id).where(
            OrderVendor.order_id.in_([o.id for o in orders])
        )
    )
    return {order_id: vendor_name(vendor_id) for order_id, vendor_id in rows}


def product_vendor_names(products: list[Product]) -> dict[int, str]:
    """{product id: vendor name} for the storefront (the marketplace's own are left out)."""
    if not products or not enabled():
        return {}
    rows = db.session.execute(sa.select(ProductVendor.product_id, ProductVendor.vendor_id))
    return {product_id: vendor_name(vendor_id) for product_id, vendor_id in rows}


# -- what the host's own pages do with it --------------------------------------------------


def sold_by(vendor_id: int) -> Any:
    """An SQL condition on Order: sold by vendor ``vendor_id``."""
    return Order.id.in_(sa.select(OrderVendor.order_id).where(OrderVendor.vendor_id == vendor_id))


def scope_orders(stmt: Any, user: Any, chosen: int | None = None) -> Any:
    """The admin's order query for ``user``: a vendor's staff see their vendor's orders only;
    the marketplace's staff see every order, or vendor ``chosen``'s."""
    own = vendor_of_user(user)
    if own is not None:
        return stmt.where(sold_by(own))
    if chosen is not None:
        return stmt.where(sold_by(chosen) if chosen in _vendor_names() else sa.false())
    return stmt


def may_see(order: Order, user: Any) -> bool:
    """Whether staff member ``user`` may open ``order``: a vendor's staff their own only."""
    own = vendor_of_user(user)
    return own is None or vendor_of_order(order) == own


def record_sale(order: Order, product: Product) -> None:
    """Mark a new ``order`` as sold by ``product``'s vendor (nothing for the marketplace's
    own products or in a plain shop); the caller commits, with the order."""
    if not enabled():
        return
    vendor_id = db.session.scalar(
        sa.select(ProductVendor.vendor_id).where(ProductVendor.product_id == product.id)
    )
    if vendor_id is not None:
        db.session.flush()  # the order's id
        db.session.add(OrderVendor(order_id=order.id, vendor_id=vendor_id))


# -- the extension's hooks ------------------------------------------------------------------


def _order_vendor(order: Order) -> int | None:
    return vendor_of_order(order)


def _product_vendor(key: str) -> int | None:
    """Who sells the product a question is about (its key as text): its vendor's staff answer."""
    if key not in product_names():  # a made-up key: the marketplace's
        return None
    return db.session.scalar(
        sa.select(ProductVendor.vendor_id).where(ProductVendor.product_id == int(key))
    )


def _staff_vendor(user: User) -> int | None:
    return vendor_of_user(user)


def _vendor_name(key: str | None) -> str:
    return vendor_name(None if key is None else int(key))


def _vendors() -> list[tuple[str, str]]:
    return [(str(key), name) for key, name in vendor_choices()]


def _vendor_recipients(key: str) -> list[str]:
    """A vendor's staff are mailed about its threads."""
    stmt = (
        sa.select(User.email)
        .join(StaffRole, StaffRole.user_id == User.id)
        .where(User.is_staff, StaffRole.vendor_id == int(key))
        .order_by(User.id)
    )
    return list(db.session.scalars(stmt))


def _marketplace_recipients() -> list[str]:
    """The marketplace's own staff (no vendor): mail about its own orders and disputes."""
    vendor_staff = sa.select(StaffRole.user_id).where(StaffRole.vendor_id.is_not(None))
    stmt = sa.select(User.email).where(User.is_staff, User.id.not_in(vendor_staff))
    return list(db.session.scalars(stmt.order_by(User.id)))


def _staff_permission(user: User, permission: str) -> bool:
    """The example of a permission hook: a read-only support member reads (and marks read)
    but answers nothing; everyone else may do everything."""
    row = _roles().get(user.id)
    if row is not None and row.role == READ_ONLY:
        return permission == READ
    return True


def apply(app: Flask) -> None:
    """Register the marketplace's hooks when ``app`` is a marketplace, else take them off;
    ``shop_market`` in the templates."""
    switch_hooks(bool(app.config.get("SHOP_MARKETPLACE")))

    @app.context_processor
    def _market() -> dict[str, Any]:
        return {"shop_market": Templates()}


def switch_hooks(on: bool) -> None:
    """The marketplace's hooks on the shop's ``OrderMessages``, or the plain shop's."""
    hooks = order_messages.hooks
    if on:
        order_messages.order_vendor(_order_vendor)
        order_messages.product_vendor(_product_vendor)
        order_messages.staff_vendor(_staff_vendor)
        order_messages.vendor_name(_vendor_name)
        order_messages.vendor_recipients(_vendor_recipients)
        order_messages.vendors(_vendors)
        order_messages.staff_permission(_staff_permission)
        order_messages.staff_recipients(_marketplace_recipients)
    else:
        # The extension has no call to take a hook off: its defaults answer once the
        # registered function is gone from the hooks object (as the test suite does).
        for name in (*HOOKS, "staff_permission"):
            vars(hooks).pop(name, None)
        order_messages.staff_recipients(shop_staff_recipients)


class Templates:
    """``shop_market`` in the shop's templates (not ``market``: the extension's Messages page
    has one of its own): ``shop_market.on``, ``shop_market.vendor`` (the current staff
    member's vendor name or None), ``shop_market.vendors()``, ``shop_market.orders(orders)``,
    ``shop_market.products(products)``, ``shop_market.order(order)`` (its vendor's name, None
    for the marketplace's own)."""

    @property
    def on(self) -> bool:
        return enabled()

    @property
    def vendor(self) -> str | None:
        own = vendor_of_user(current_user)
        return None if own is None else vendor_name(own)

    def vendors(self) -> list[tuple[int, str]]:
        return vendor_choices()

    def orders(self, orders: list[Order]) -> dict[int, str]:
        return order_vendor_names(orders)

    def products(self, products: list[Product]) -> dict[int, str]:
        return product_vendor_names(products)

    def order(self, order: Order) -> str | None:
        found = vendor_of_order(order)
        return None if found is None else vendor_name(found)
