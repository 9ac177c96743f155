"""The shop's own tables: users, products, orders and their lines.

Money is kept in whole cents (integers), so totals add up exactly on every database.
"""

from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

db = SQLAlchemy()

#: Order statuses, in the order an order goes through them.
STATUSES = ("pending", "paid", "shipped", "delivered", "cancelled")


def utcnow() -> datetime:
    """Naive UTC, like the extension stores it."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class User(db.Model, UserMixin):  # type: ignore[name-defined,misc]
    __tablename__ = "shop_users"
    # The staff hooks (messaging.py: staff_members, staff_recipients) ask for the few staff
    # among every customer: without this index each admin order page read the whole table
    # (58 ms at 200,000 users on PostgreSQL, bench/RESULTS.md's cost curve).
    __table_args__ = (sa.Index("ix_shop_users_staff_name", "is_staff", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    is_staff: Mapped[bool] = mapped_column(default=False)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Product(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "shop_products"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.String(255), default="")
    price_cents: Mapped[int]


class Order(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "shop_orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("shop_users.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    total_cents: Mapped[int] = mapped_column(default=0)

    customer: Mapped[User] = relationship(lazy="joined")
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.id", cascade="all, delete-orphan"
    )

    @property
    def number(self) -> str:
        """The number customers and staff see: ``00042``."""
        return f"{self.id:05d}"

    @property
    def item_count(self) -> int:
        return sum(line.qty for line in self.lines)

    def add_line(self, product: Product, qty: int = 1) -> OrderLine:
        line = OrderLine(product=product, qty=qty, unit_price_cents=product.price_cents)
        self.lines.append(line)
        self.total_cents = sum(x.subtotal_cents for x in self.lines)
        return line


class OrderLine(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "shop_order_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("shop_orders.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("shop_products.id"))
    qty: Mapped[int] = mapped_column(default=1)
    unit_price_cents: Mapped[int]

    order: Mapped[Order] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship(lazy="joined")

    @property
    def subtotal_cents(self) -> int:
        return self.qty * self.unit_price_cents


class DemoMail(db.Model):  # type: ignore[name-defined,misc]
    """A mail the demo's mail sink caught (``flask demo``): what the shop really delivered
    over SMTP, as it arrived.  The Mailbox (demo) page shows them to staff."""

    __tablename__ = "shop_demo_mails"
    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    envelope_from: Mapped[str] = mapped_column(sa.String(320), default="")
    # The envelope's recipients (RCPT TO), comma-separated.
    envelope_to: Mapped[str] = mapped_column(sa.Text, default="")
    # The decoded subject on one line, for the list.
    subject: Mapped[str] = mapped_column(sa.String(255), default="")
    raw: Mapped[bytes] = mapped_column(sa.LargeBinary)


def money(cents: int | None) -> str:
    """``$1,234.50`` from cents."""
    cents = cents or 0
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) // 100:,}.{abs(cents) % 100:02d}"
