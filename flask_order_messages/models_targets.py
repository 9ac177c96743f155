"""Response targets' tables (see :mod:`.services.targets`), on the extension's own declarative
base (see :mod:`.models`): the columns a thread keeps about the answer it waits for, and one
row per answer given, which the response-time page reports on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .dialects.types import DateTime


class ThreadTargetColumns:
    """Mixed into the thread model: what the Messages list shows and filters on, kept by
    posting in the same transaction as the entry (``services/targets.py``)."""

    #: The customer's first message not yet answered by a staff message; None: not waiting.
    awaiting_since: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    #: True while it waits for the thread's first staff answer; None when not waiting.
    awaiting_first: Mapped[bool | None] = mapped_column(sa.Boolean, nullable=True)
    #: When the answer is due (awaiting_since + the target in business time); None: not
    #: waiting, or no target.  Indexed for the "Reply overdue" view.
    response_due_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True, index=True)
    #: The thread's first staff message (None: staff never answered).
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


def build_response_model(base: Any, prefix: str) -> Any:
    """The ``responses`` table's class on ``base``: one row per staff answer to a waiting
    customer, with when they asked and when the answer was due."""

    class Response(base):  # type: ignore[misc]
        __tablename__ = f"{prefix}responses"
        id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
        thread_id: Mapped[int] = mapped_column(
            sa.Integer, sa.ForeignKey(f"{prefix}threads.id", ondelete="CASCADE"), nullable=False
        )
        first: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)
        asked_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
        due_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
        answered_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, index=True)

        def __repr__(self) -> str:
            return f"<Response {self.id} thread={self.thread_id} first={self.first}>"

    return Response
