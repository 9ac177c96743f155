"""The reply-address table, built on the extension's own declarative base (see
:mod:`.models`).  One row per person and thread: the token in a ``Reply-To`` address names the
row, and its MAC binds the row's thread, role, person and address (see
:mod:`.reply_addresses`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .dialects.types import DateTime


def build_reply_address_model(base: Any, prefix: str) -> Any:
    """The ``reply_addresses`` table's class on ``base`` (our own declarative base)."""
    from .models import utcnow

    class ReplyAddress(base):  # type: ignore[misc]
        __tablename__ = f"{prefix}reply_addresses"
        __table_args__ = (
            sa.UniqueConstraint(
                "thread_id", "role", "user_key", name=f"uq_{prefix}reply_addresses_person"
            ),
        )
        id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
        thread_id: Mapped[int] = mapped_column(
            sa.Integer,
            sa.ForeignKey(f"{prefix}threads.id", ondelete="CASCADE"),
            nullable=False,
        )
        # models.CUSTOMER or models.STAFF.
        role: Mapped[str] = mapped_column(sa.String(16), nullable=False)
        # The person's user key as text (the host's key may be an int, a string or a UUID).
        user_key: Mapped[str] = mapped_column(sa.String(100), nullable=False)
        # The address the reply address was last issued to, lower-cased.
        email: Mapped[str] = mapped_column(sa.String(320), nullable=False)
        created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

        def __repr__(self) -> str:
            return f"<ReplyAddress {self.id} thread={self.thread_id} {self.role}/{self.user_key}>"

    return ReplyAddress
