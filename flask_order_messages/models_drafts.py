"""The drafts table, built on the extension's own declarative base (see :mod:`.models`): a
refused post's text and error, kept for its writer across the redirect back to the order page
(see :mod:`.services.drafts`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .dialects.types import DateTime, LongText


def build_draft_model(base: Any, order_model: Any, user_model: Any, prefix: str) -> Any:
    """The drafts table: a refused post's text and error, kept for its writer while the
    redirect takes them back to the order page (see ``services/drafts.py``).  A message may
    be thousands of characters, too many for a cookie session; only ``key`` travels, in the
    URL, and the row is shown to its writer alone.  ``base`` is our own declarative base."""
    from .models import primary_key_column, utcnow

    order_pk = primary_key_column(order_model, "order_model")
    user_pk = primary_key_column(user_model, "user_model")
    order_table = order_model.__table__

    class Draft(base):  # type: ignore[misc]
        __tablename__ = f"{prefix}drafts"
        __table_args__ = (sa.UniqueConstraint("key", name=f"uq_{prefix}drafts_key"),)
        id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
        # Random and unguessable, though a key alone shows nothing to anyone but the writer.
        key: Mapped[str] = mapped_column(sa.String(64), nullable=False)
        user_id: Mapped[Any] = mapped_column(user_pk.type, nullable=False)
        role: Mapped[str] = mapped_column(sa.String(16), nullable=False)
        order_id: Mapped[Any] = mapped_column(
            order_pk.type,
            sa.ForeignKey(
                f"{order_table.fullname}.{order_pk.name}",
                ondelete="CASCADE",
                name=f"fk_{prefix}drafts_order_id",
            ),
            nullable=False,
        )
        # Which box the text goes back into: one of services.drafts.FIELDS.
        field: Mapped[str] = mapped_column(sa.String(16), nullable=False)
        # Up to services.drafts.MAX_KEPT characters: more than MariaDB's TEXT holds.
        body: Mapped[str] = mapped_column(LongText, nullable=False)
        error: Mapped[str] = mapped_column(sa.Text, nullable=False)
        created_at: Mapped[datetime] = mapped_column(
            DateTime, nullable=False, default=utcnow, index=True
        )

        def __repr__(self) -> str:
            return f"<Draft {self.id} order={self.order_id!r} {self.role}/{self.field}>"

    return Draft
