"""Response targets' tables (see :mod:`.services.targets`), on the extension's own declarative
base (see :mod:`.models`): the columns a thread keeps about the answer it waits for, and
those of the staff message that answered, which the response-time page reports on."""

from __future__ import annotations

from datetime import datetime

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


class MessageTargetColumns:
    """Mixed into the message model: set on a staff message that answers a waiting customer,
    so the response-time page counts answers within their target without a row per answer."""

    #: When the customer started waiting (the thread's awaiting_since then).
    answers_since: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    #: Whether it was the thread's first staff answer.
    answers_first: Mapped[bool | None] = mapped_column(sa.Boolean, nullable=True)
    #: When it was due (None: no target then).
    answers_due_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
