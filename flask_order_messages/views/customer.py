"""Customer pages: the thread on one of their orders, replies, disputes."""

from __future__ import annotations

from flask import Blueprint
from werkzeug.wrappers import Response

from .common import (
    dispute_close_view,
    dispute_open_view,
    owned_order_or_404,
    post_view,
    render_thread_page,
    require_customer,
)


def thread(order_id: str) -> tuple[str, int]:
    """The extension's own customer page for one of their orders' thread."""
    actor = require_customer()
    return render_thread_page(owned_order_or_404(order_id, actor), actor, "customer")


def post(order_id: str) -> Response:
    """Write about an order, or reply."""
    actor = require_customer()
    return post_view(owned_order_or_404(order_id, actor), actor, "customer")


def dispute_open(order_id: str) -> Response | tuple[str, int]:
    """Ask for a reason (GET) and open a dispute (POST)."""
    actor = require_customer()
    return dispute_open_view(owned_order_or_404(order_id, actor), actor, "customer")


def dispute_close(order_id: str) -> Response | tuple[str, int]:
    """Confirm (GET) and close the open dispute (POST)."""
    actor = require_customer()
    return dispute_close_view(owned_order_or_404(order_id, actor), actor, "customer")


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/orders/<order_id>", "customer_thread", thread)
    bp.add_url_rule("/orders/<order_id>/messages", "customer_post", post, methods=["POST"])
    bp.add_url_rule(
        "/orders/<order_id>/dispute/open",
        "customer_dispute_open",
        dispute_open,
        methods=["GET", "POST"],
    )
    bp.add_url_rule(
        "/orders/<order_id>/dispute/close",
        "customer_dispute_close",
        dispute_close,
        methods=["GET", "POST"],
    )
