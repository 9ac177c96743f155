"""The inbound-mail table, built on the extension's own declarative base (see :mod:`.models`).

One row per mail that reached a receiver (``receive-mail``, ``fetch-mail``, the HTTP hook) and
what became of it (see :mod:`.inbound.pipeline`).  ``accepted_key`` is what makes a mail count
once: the SHA-256 of its ``Message-ID`` (of its raw bytes when it has none), set only on the
row that decided it (posted, ignored or refused) and unique, so the database itself lets one
of two deliveries of the same mail through; rows of duplicates and deferrals keep it NULL
(NULLs never collide, on SQLite, PostgreSQL and MariaDB alike).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .dialects.types import BigId, DateTime


def build_inbound_model(base: Any, user_model: Any, prefix: str) -> Any:
    """The ``inbound_mails`` table's class on ``base`` (our own declarative base)."""
    from .models import primary_key_column, utcnow

    user_type = primary_key_column(user_model, "user_model").type

    class InboundMail(base):  # type: ignore[misc]
        __tablename__ = f"{prefix}inbound_mails"
        __table_args__ = (
            sa.UniqueConstraint("accepted_key", name=f"uq_{prefix}inbound_mails_accepted"),
            # "At most one refusal reply per sender and hour" reads these.
            sa.Index(f"ix_{prefix}inbound_mails_sender", "sender", "replied_at"),
        )
        id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
        received_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
        # "smtp", "lmtp", "imap", "http" or "demo" (the example shop's Mailbox page).
        via: Mapped[str] = mapped_column(sa.String(8), nullable=False)
        # The mail's Message-ID as it said it (cut to 255 characters), for people to read.
        message_id: Mapped[str | None] = mapped_column(sa.String(255), nullable=True)
        accepted_key: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
        envelope_from: Mapped[str | None] = mapped_column(sa.String(320), nullable=True)
        # The From address, bare and lower-cased.
        sender: Mapped[str | None] = mapped_column(sa.String(320), nullable=True)
        # The reply address it was sent to (the first at the reply domain), if any.
        recipient: Mapped[str | None] = mapped_column(sa.String(320), nullable=True)
        subject: Mapped[str] = mapped_column(sa.String(255), nullable=False, default="")
        size: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
        # "posted", "ignored", "duplicate", "refused" or "deferred" (see inbound.pipeline).
        outcome: Mapped[str] = mapped_column(sa.String(16), nullable=False)
        reason: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
        thread_id: Mapped[int | None] = mapped_column(
            sa.Integer, sa.ForeignKey(f"{prefix}threads.id", ondelete="SET NULL"), nullable=True
        )
        posted_id: Mapped[int | None] = mapped_column(
            BigId, sa.ForeignKey(f"{prefix}messages.id", ondelete="SET NULL"), nullable=True
        )
        author_role: Mapped[str | None] = mapped_column(sa.String(16), nullable=True)
        author_id: Mapped[Any] = mapped_column(user_type, nullable=True)
        # When the one short explanatory reply to a refused mail was written to the outbox.
        replied_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

        def __repr__(self) -> str:
            return f"<InboundMail {self.id} {self.via} {self.outcome}>"

    return InboundMail
