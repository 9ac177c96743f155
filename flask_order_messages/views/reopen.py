"""Reopening a closed dispute, for staff and for the customer who opened it.

``GET`` shows the closed dispute and asks for an optional note (the way without JavaScript; the
thread's "Reopen dispute" dialog posts straight here); ``POST`` reopens it.  Off (404) while
``ORDER_MESSAGES_DISPUTE_OUTCOMES_ENABLED`` is.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request
from werkzeug.wrappers import Response

from .. import services
from ..errors import OrderMessagesError
from ..forms import DisputeReopenForm
from ..permissions import DISPUTES
from ..services import vendors
from ..services.common import Actor
from ..services.disputes import last_dispute_of, may_reopen
from ..state import current_order_messages as ext
from ..state import current_settings
from .common import (
    _back_link,
    _display_name_of,
    back_to_thread,
    back_with_draft,
    forget_draft,
    order_or_404,
    owned_order_or_404,
    require_customer,
    require_staff,
)


def dispute_reopen_view(order: Any, actor: Actor, side: str) -> Response | tuple[str, int]:
    """GET: the closed dispute and a note field.  POST: reopen it.  A refusal comes back on
    the page with its reason (409 for the dispute's state, 400 for a too long note), the
    note kept as typed."""
    if not current_settings.dispute_outcomes_enabled:
        abort(404)
    vendors.check_arbitration(actor)
    form = DisputeReopenForm.from_request()
    status = 200
    if request.method == "POST":
        try:
            services.reopen_dispute(order, actor, form.note.data or "")
            forget_draft(order, actor)
            return back_to_thread(order, side, form.next.data)
        except OrderMessagesError as exc:
            form.refuse(exc)
            if form.posted_from_panel:
                return back_with_draft(order, actor, side, form, "reopen_note", form.note.data)
            status = exc.status_code
    thread = services.get_thread(order)
    previous = last_dispute_of(thread) if thread is not None else None
    next_path, back = _back_link(order, side)
    page = render_template(
        "order_messages/dispute_reopen.html",
        order=order,
        side=side,
        form=form,
        previous=previous,
        may_reopen=may_reopen(previous, actor),
        opened_by=_display_name_of(previous.opened_by_id) if previous is not None else "",
        closed_by=(
            _display_name_of(previous.closed_by_id)
            if previous is not None and previous.closed_by_id is not None
            else ""
        ),
        order_number=ext.hooks.order_number(order),
        next=next_path,
        back=back,
    )
    return page, status


def staff_dispute_reopen(order_id: str) -> Response | tuple[str, int]:
    """Ask (GET) and reopen the order's last closed dispute (POST), as staff."""
    actor = require_staff(DISPUTES)
    return dispute_reopen_view(order_or_404(order_id, actor), actor, "staff")


def customer_dispute_reopen(order_id: str) -> Response | tuple[str, int]:
    """Ask (GET) and reopen a dispute the customer opened (POST)."""
    actor = require_customer()
    return dispute_reopen_view(owned_order_or_404(order_id, actor), actor, "customer")


def register(bp: Blueprint) -> None:
    bp.add_url_rule(
        "/admin/orders/<order_id>/dispute/reopen",
        "staff_dispute_reopen",
        staff_dispute_reopen,
        methods=["GET", "POST"],
    )
    bp.add_url_rule(
        "/orders/<order_id>/dispute/reopen",
        "customer_dispute_reopen",
        customer_dispute_reopen,
        methods=["GET", "POST"],
    )
