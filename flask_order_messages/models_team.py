"""The team inbox's columns on the thread: who it is assigned to, and its status.

Kept beside :mod:`.models` as a mixin that ``Thread`` takes, with the indexes the Messages
list's "Mine" / "Unassigned" views and status filter read (each pairs the column with
``last_message_at``, the list's order).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .dialects.types import DateTime
from .i18n import lazy_gettext

#: A thread's statuses: waiting for the store, waiting for the customer, done.
STATUS_OPEN = "open"
STATUS_WAITING = "waiting"
STATUS_CLOSED = "closed"
STATUSES = (STATUS_OPEN, STATUS_WAITING, STATUS_CLOSED)
#: Each status in words.
STATUS_LABELS = {
    STATUS_OPEN: lazy_gettext("Open"),
    STATUS_WAITING: lazy_gettext("Waiting on customer"),
    STATUS_CLOSED: lazy_gettext("Closed"),
}
#: The ``event`` of the staff-only entries that record an assignment or a status set by hand.
EVENT_ASSIGNED = "assigned"
EVENT_UNASSIGNED = "unassigned"
EVENT_STATUS = "status_changed"
TEAM_EVENTS = (EVENT_ASSIGNED, EVENT_UNASSIGNED, EVENT_STATUS)


def team_inbox_columns(user_type: Any) -> type:
    """A mixin with the thread's team-inbox columns; ``user_type`` is the host user key's type."""

    class TeamInbox:
        # Team inbox (assignment and status, migration 0008).
        assignee_id: Mapped[Any] = mapped_column(user_type, nullable=True)
        # The database fills it in (no Python default): rows written by code that predates
        # it, or into a schema before 0008, are open.
        status: Mapped[str] = mapped_column(
            sa.String(16), nullable=False, server_default=STATUS_OPEN
        )
        status_changed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    return TeamInbox


def team_inbox_indexes(thread: Any, prefix: str) -> None:
    """The indexes the list filters use, added to the thread table."""
    sa.Index(f"ix_{prefix}threads_assignee_last", thread.assignee_id, thread.last_message_at)
    sa.Index(f"ix_{prefix}threads_status_last", thread.status, thread.last_message_at)
