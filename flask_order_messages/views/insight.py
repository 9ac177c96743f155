"""The staff page with response-time insight (``ORDER_MESSAGES_INSIGHT_ENABLED``)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from ..permissions import READ
from ..services.insight import bar_chart, response_insight
from ..state import current_settings
from .common import require_staff


def insight() -> str:
    """First-response times, replies against the response targets (business hours), open
    disputes by age, messages per day (a server-drawn SVG)."""
    actor = require_staff(READ)
    if not current_settings.insight_enabled:
        abort(404)
    figures = response_insight(actor=actor)  # a marketplace vendor's staff: their threads
    return render_template(
        "order_messages/insight.html", insight=figures, chart=bar_chart(figures.per_day)
    )


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/admin/insight", "staff_insight", insight)
