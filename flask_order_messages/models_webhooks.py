"""The webhook tables, built on the extension's own declarative base (see :mod:`.models`):
the endpoints staff registered, and one delivery row per endpoint and event -- the webhook
outbox, written in the same transaction as the event (see :mod:`.webhooks`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .dialects.types import DateTime


def build_webhook_models(base: Any, user_model: Any, prefix: str) -> tuple[Any, Any]:
    """The ``webhook_endpoints`` and ``webhook_deliveries`` tables' classes on ``base``."""
    from .models import primary_key_column, utcnow

    user_type = primary_key_column(user_model, "user_model").type
    t_endpoints = f"{prefix}webhook_endpoints"

    class WebhookEndpoint(base):  # type: ignore[misc]
        """A URL that is told of events, with its signing secret (``whsec_...``)."""

        __tablename__ = t_endpoints
        id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
        url: Mapped[str] = mapped_column(sa.String(2000), nullable=False)
        description: Mapped[str] = mapped_column(sa.String(200), nullable=False, default="")
        secret: Mapped[str] = mapped_column(sa.String(100), nullable=False)
        # After a rotation, the secret before it, and until when deliveries are signed with it
        # as well (services/webhooks.rotate_secret); NULL otherwise.
        previous_secret: Mapped[str | None] = mapped_column(sa.String(100), nullable=True)
        previous_secret_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
        # The event types it receives, each between spaces: " message.posted dispute.opened ".
        events: Mapped[str] = mapped_column(sa.String(500), nullable=False)
        active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
        # Why it was turned off by delivery (the receiver answered 410 Gone); NULL otherwise.
        disabled_reason: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
        # The same as a code and its parameters (JSON), written in the reader's language
        # (webhooks/disabled.py); NULL on endpoints turned off before they were kept.
        disabled_code: Mapped[str | None] = mapped_column(sa.String(32), nullable=True)
        disabled_args: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
        created_by_id: Mapped[Any] = mapped_column(user_type, nullable=True)
        created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

        @property
        def event_list(self) -> list[str]:
            return self.events.split()

        def signing_secrets(self, now: datetime) -> list[str]:
            """The secrets deliveries are signed with at ``now``: the current one, and the
            previous one while its grace period after a rotation lasts."""
            until = self.previous_secret_until
            if self.previous_secret and until is not None and now < until:
                return [self.secret, self.previous_secret]
            return [self.secret]

        def rotating_until(self, now: datetime) -> datetime | None:
            """The end of the previous secret's grace period, or None when it is over."""
            until = self.previous_secret_until
            return until if self.previous_secret and until is not None and now < until else None

        def __repr__(self) -> str:
            return f"<WebhookEndpoint {self.id} {self.url!r}>"

    class WebhookDelivery(base):  # type: ignore[misc]
        """One event for one endpoint: its payload as sent, and how delivering it went."""

        __tablename__ = f"{prefix}webhook_deliveries"
        __table_args__ = (
            sa.UniqueConstraint(
                "endpoint_id", "webhook_id", name=f"uq_{prefix}webhook_deliveries_message"
            ),
            sa.Index(f"ix_{prefix}webhook_deliveries_due", "status", "next_attempt_at"),
            sa.Index(f"ix_{prefix}webhook_deliveries_endpoint", "endpoint_id", "id"),
        )
        id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
        endpoint_id: Mapped[int] = mapped_column(
            sa.Integer, sa.ForeignKey(f"{t_endpoints}.id", ondelete="CASCADE"), nullable=False
        )
        event: Mapped[str] = mapped_column(sa.String(64), nullable=False)
        # The ``webhook-id`` header: one per event, the same for every endpoint and attempt.
        webhook_id: Mapped[str] = mapped_column(sa.String(64), nullable=False)
        # The body, exactly as signed and sent (JSON).
        payload: Mapped[str] = mapped_column(sa.Text, nullable=False)
        status: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="pending")
        attempts: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
        created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
        next_attempt_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
        claimed_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
        last_status_code: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
        last_error: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
        delivered_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

        def __repr__(self) -> str:
            return f"<WebhookDelivery {self.id} {self.event} {self.status}>"

    return WebhookEndpoint, WebhookDelivery
