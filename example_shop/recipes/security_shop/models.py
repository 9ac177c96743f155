"""The shop's tables: Flask-Security-Too's users and roles, and the orders."""

from __future__ import annotations

import secrets
from datetime import datetime, timezone

from flask_security.models import sqla as fsqla
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

db = SQLAlchemy()

# Flask-Security-Too's ready models: the ``roles_users`` table goes into our metadata.
fsqla.FsModels.set_db_info(base_model=db.Model)


def utcnow() -> datetime:
    """Naive UTC, as the extension stores times."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Role(db.Model, fsqla.FsRoleMixin):  # type: ignore[name-defined,misc]
    """A Flask-Security role ("admin" makes a user staff here)."""

    __tablename__ = "role"


class User(db.Model, fsqla.FsUserMixin):  # type: ignore[name-defined,misc]
    """A Flask-Security user: an email, no name column (as most such shops have)."""

    __tablename__ = "user"


class Order(db.Model):  # type: ignore[name-defined,misc]
    """An order; ``customer_id`` is the owner, ``number`` what the pages show."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(
        String(12), unique=True, default=lambda: secrets.token_hex(3).upper()
    )
    customer_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    item: Mapped[str] = mapped_column(String(120))
    total_cents: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    customer: Mapped[User] = relationship(lazy="joined")

    @property
    def total(self) -> str:
        """The total as the pages print it."""
        return f"${self.total_cents / 100:,.2f}"
