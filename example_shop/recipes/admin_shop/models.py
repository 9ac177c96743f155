"""The shop's tables: users (staff have ``is_admin``) and their orders."""

from __future__ import annotations

from datetime import datetime, timezone

from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

db = SQLAlchemy()


def utcnow() -> datetime:
    """Naive UTC, as the extension stores times."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class User(db.Model, UserMixin):  # type: ignore[name-defined,misc]
    """A customer or, with ``is_admin``, a staff member."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str] = mapped_column(String(255), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __str__(self) -> str:  # how Flask-Admin shows the customer column
        return f"{self.name} <{self.email}>"


class Order(db.Model):  # type: ignore[name-defined,misc]
    """An order; ``customer_id`` is the owner, ``number`` what the pages show."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(12), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    item: Mapped[str] = mapped_column(String(120))
    total_cents: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    customer: Mapped[User] = relationship(lazy="joined")

    @property
    def total(self) -> str:
        """The total as the pages print it."""
        return f"${self.total_cents / 100:,.2f}"
