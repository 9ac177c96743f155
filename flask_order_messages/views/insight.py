"""The staff page with response-time insight (``ORDER_MESSAGES_INSIGHT_ENABLED``)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from ..permissions import READ
from ..services import vendors
from ..services.insight import bar_chart, response_insight
from ..state import current_settings
from .common import require_staff


def insight() -> str:
    """First-response times, replies against the response targets (business hours), open
    disputes by age, messages per day (a server-drawn SVG).  A marketplace's staff narrow
    them to one vendor (``?vendor=<key>``, as the Messages list); a vendor's staff see their
    own vendor's figures, whatever they ask for."""
    actor = require_staff(READ)
    if not current_settings.insight_enabled:
        abort(404)
    vendor, by_vendor = vendors.chosen_vendor(actor, request.args.get("vendor"))
    figures = response_insight(actor=actor, where=by_vendor)
    return render_template(
        "order_messages/insight.html",
        insight=figures,
        chart=bar_chart(figures.per_day),
        market=vendors.list_vendors(actor, [], vendor),
    )


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/admin/insight", "staff_insight", insight)
