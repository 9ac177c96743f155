"""The presence table, built on the extension's own declarative base (see :mod:`.models`):
which staff member has which order's thread open, and whether they are typing a reply (see
:mod:`.services.presence`).

One row per order and staff member, rewritten by every heartbeat of their page (one upsert on
the primary key) and deleted when they leave.  Kept in the database, not in a process, so
that every worker and machine of the shop sees the same people.  Keyed by the order, not the
thread: an order nobody has written on yet has no thread, and two people starting its first
message is just the collision these rows are there to show.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .dialects.types import DateTime


def build_presence_model(base: Any, order_model: Any, user_model: Any, prefix: str) -> Any:
    """The ``presence`` table's class on ``base`` (our own declarative base)."""
    from .models import primary_key_column

    order_pk = primary_key_column(order_model, "order_model")
    user_type = primary_key_column(user_model, "user_model").type
    order_table = order_model.__table__

    class Presence(base):  # type: ignore[misc]
        __tablename__ = f"{prefix}presence"
        order_id: Mapped[Any] = mapped_column(
            order_pk.type,
            sa.ForeignKey(
                f"{order_table.fullname}.{order_pk.name}",
                ondelete="CASCADE",
                name=f"fk_{prefix}presence_order_id",
            ),
            primary_key=True,
            autoincrement=False,
        )
        user_id: Mapped[Any] = mapped_column(user_type, primary_key=True, autoincrement=False)
        # "viewing" or "replying" (services.presence.STATES).
        state: Mapped[str] = mapped_column(sa.String(16), nullable=False)
        # The last heartbeat: a row older than a few poll intervals is nobody any more.
        # Indexed for the sweep of rows whose page never said goodbye.
        seen_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, index=True)

        def __repr__(self) -> str:
            return f"<Presence order={self.order_id!r} user={self.user_id!r} {self.state}>"

    return Presence
