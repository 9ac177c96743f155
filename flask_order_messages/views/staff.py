"""Staff pages: the Messages section, a thread, replies, marks, disputes."""

from __future__ import annotations

import unicodedata
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from .. import services
from ..errors import ValidationError
from ..page_reads import remember_unread_threads
from ..state import current_order_messages as ext
from .common import (
    dispute_close_view,
    dispute_open_view,
    order_or_404,
    post_view,
    render_thread_page,
    require_staff,
)


def messages() -> str:
    """Orders -> Messages: one row per thread, unread first, search, filter, paging."""
    actor = require_staff()
    query = _search_query(request.args.get("q", ""))
    filter = services.parse_choice(request.args.get("filter"), services.THREAD_FILTERS, "filter")
    number = services.parse_page(request.args.get("page"))
    services.refresh_read_floor(actor)  # after the checks: a refused request writes nothing
    page = services.list_threads(actor, query=query, filter=filter, page=number)
    if page.filter in ("all", "unread") and not page.query.strip():
        # The list counted this staff member's unread threads: the bell shows that number.
        remember_unread_threads(actor, page.unread_total)
    links = {
        row.thread.id: ext.thread_url(row.order, "staff")
        for row in page.rows
        if row.order is not None
    }
    return render_template("order_messages/staff_messages.html", page=page, links=links)


#: Longest search the Messages section takes, in characters.
MAX_QUERY_LENGTH = 200


def _search_query(raw: str) -> str:
    """The search box's text: control characters dropped (a NUL is no word, and PostgreSQL
    refuses it in a string); longer than :data:`MAX_QUERY_LENGTH` is refused with a reason."""
    text = "".join(ch for ch in raw if ch.isspace() or unicodedata.category(ch) != "Cc")
    if len(text) > MAX_QUERY_LENGTH:
        raise ValidationError(
            f"This search is too long: {len(text):,} characters, at most "
            f"{MAX_QUERY_LENGTH} are taken. Search for a few words or an order number.",
            "q",
        )
    return text


def _thread_ids(raw: list[str]) -> list[int]:
    try:
        ids = [int(x) for x in raw]
    except ValueError:
        ids = [-1]
    if any(not 1 <= i < 2**31 for i in ids):
        raise ValidationError("Thread ids must be whole numbers.", "thread_id")
    return ids


def mark() -> Response:
    """Mark the selected threads, or all, read or unread; back to the same list view."""
    actor = require_staff()
    action = services.parse_choice(request.form.get("action"), ("read", "unread"), "action")
    scope = services.parse_choice(request.values.get("scope"), ("selected", "all"), "scope")
    ids = None
    if scope == "selected":
        ids = _thread_ids(request.form.getlist("thread_id"))
    (services.mark_read if action == "read" else services.mark_unread)(actor, ids)
    params: dict[str, Any] = {
        k: request.form[k] for k in ("q", "filter", "page") if request.form.get(k)
    }
    return redirect(url_for("order_messages.staff_messages", **params), code=303)


def thread(order_id: str) -> tuple[str, int]:
    """The extension's own staff page for one order's thread."""
    actor = require_staff()
    return render_thread_page(order_or_404(order_id), actor, "staff")


def post(order_id: str) -> Response:
    """Reply (or start a thread) as staff."""
    actor = require_staff()
    return post_view(order_or_404(order_id), actor, "staff")


def mark_thread_unread(order_id: str) -> Response:
    """ "Mark unread" on one thread: back to the Messages section, where it shows as new."""
    actor = require_staff()
    order = order_or_404(order_id)
    thread = services.get_thread(order)
    if thread is not None:
        services.mark_unread(actor, [thread.id])
    return redirect(url_for("order_messages.staff_messages"), code=303)


def dispute_open(order_id: str) -> Response | tuple[str, int]:
    """Ask for a reason (GET) and open a dispute (POST)."""
    actor = require_staff()
    return dispute_open_view(order_or_404(order_id), actor, "staff")


def dispute_close(order_id: str) -> Response | tuple[str, int]:
    """Confirm (GET) and close the open dispute (POST)."""
    actor = require_staff()
    return dispute_close_view(order_or_404(order_id), actor, "staff")


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/admin/messages", "staff_messages", messages)
    bp.add_url_rule("/admin/messages/mark", "staff_mark", mark, methods=["POST"])
    bp.add_url_rule("/admin/orders/<order_id>", "staff_thread", thread)
    bp.add_url_rule("/admin/orders/<order_id>/messages", "staff_post", post, methods=["POST"])
    bp.add_url_rule(
        "/admin/orders/<order_id>/unread", "staff_mark_unread", mark_thread_unread, methods=["POST"]
    )
    bp.add_url_rule(
        "/admin/orders/<order_id>/dispute/open",
        "staff_dispute_open",
        dispute_open,
        methods=["GET", "POST"],
    )
    bp.add_url_rule(
        "/admin/orders/<order_id>/dispute/close",
        "staff_dispute_close",
        dispute_close,
        methods=["GET", "POST"],
    )
