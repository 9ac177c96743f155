"""What ``flask order-messages mail-status`` shows of inbound mail: counts per outcome and the
latest mails."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ..state import current_order_messages as ext
from .pipeline import OUTCOMES


def outcome_counts() -> dict[str, int]:
    """Inbound mails per outcome (every outcome, 0 included)."""
    box = ext.models.InboundMail
    rows = ext.db.session.execute(sa.select(box.outcome, sa.func.count()).group_by(box.outcome))
    counts = dict.fromkeys(OUTCOMES, 0)
    counts.update({outcome: n for outcome, n in rows})
    return counts


def latest(limit: int) -> list[Any]:
    """The ``limit`` latest inbound mails, newest first."""
    box = ext.models.InboundMail
    stmt = sa.select(box).order_by(box.id.desc()).limit(limit)
    return list(ext.db.session.execute(stmt).scalars())
