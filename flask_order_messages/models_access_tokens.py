"""The personal access tokens table, built on the extension's own declarative base (see
:mod:`.models`): one row per token of the JSON API (see :mod:`.access_tokens`).

Only the SHA-256 of the secret is kept, never the secret; ``prefix`` (its first characters)
lets its owner tell their tokens apart.  A token is scoped (``read`` or ``write``), expires,
and is revoked by setting ``revoked_at`` (the row stays, so its owner sees what it was).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .dialects.types import DateTime


def build_access_token_model(base: Any, user_model: Any, table_prefix: str) -> Any:
    """The ``access_tokens`` table's class on ``base`` (our own declarative base)."""
    from .models import primary_key_column, utcnow

    user_type = primary_key_column(user_model, "user_model").type

    class AccessToken(base):  # type: ignore[misc]
        __tablename__ = f"{table_prefix}access_tokens"
        # Named, so that a migration and create_all() make the very same constraint.
        __table_args__ = (
            sa.UniqueConstraint("token_hash", name=f"uq_{table_prefix}access_tokens_token_hash"),
        )
        id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
        # Whose token: it acts as this user, with their rights, never more.
        user_id: Mapped[Any] = mapped_column(user_type, nullable=False, index=True)
        name: Mapped[str] = mapped_column(sa.String(120), nullable=False, default="")
        # "read" or "write" (access_tokens.SCOPES).
        scope: Mapped[str] = mapped_column(sa.String(8), nullable=False)
        # The hex SHA-256 of the secret: a lookup by it finds the token.
        token_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False)
        prefix: Mapped[str] = mapped_column(sa.String(16), nullable=False)
        created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
        created_by_id: Mapped[Any] = mapped_column(user_type, nullable=True)
        expires_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
        last_used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
        revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

        def __repr__(self) -> str:
            return f"<AccessToken {self.id} user={self.user_id!r} {self.scope}>"

    return AccessToken
