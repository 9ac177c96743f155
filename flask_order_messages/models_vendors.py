"""Marketplaces' columns (migration 0012): the vendor a thread belongs to, and when the
marketplace was told that a vendor let a dispute's respond-by time pass.

Kept beside :mod:`.models` as mixins that ``Thread`` and ``Dispute`` take, like
:mod:`.models_team`.  ``vendor_key`` is the host's vendor key as text, written when the thread
is made (the ``order_vendor`` hook, see ``services/vendors.py``): a host's vendors may be keyed
by integers, UUIDs or slugs, and may not be rows of a table at all (a config list, users with a
role), so no foreign key could point at them; 64 characters hold a UUID, a 64-bit number or a
slug.  NULL: the marketplace's own thread, or a shop without vendors.  Its index pairs it with
``last_message_at``, the Messages list's order, as the team inbox's do: a vendor's staff read
their own threads down it, newest first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .dialects.types import DateTime

#: Longest vendor key, as text.
VENDOR_KEY_LENGTH = 64


class VendorThread:
    """The thread's vendor (migration 0012)."""

    vendor_key: Mapped[str | None] = mapped_column(
        sa.String(VENDOR_KEY_LENGTH), nullable=True, default=None
    )


class VendorDispute:
    """When ``flask order-messages notify-overdue`` told the marketplace that the vendor had
    not answered this dispute by its respond-by time (NULL: not yet, or never needed)."""

    overdue_mailed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


def vendor_indexes(thread: Any, prefix: str) -> None:
    """The index a vendor's staff read their threads through, added to the thread table."""
    sa.Index(f"ix_{prefix}threads_vendor_last", thread.vendor_key, thread.last_message_at)
