"""Staff pages: the Messages section, a thread, replies, marks, disputes."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from werkzeug.wrappers import Response

from .. import services
from ..forms import ConfirmForm, MarkForm, MessagesQuery
from ..notices import bulk_notice, nothing_ticked
from ..page_reads import remember_unread_threads
from ..permissions import ANSWER, DISPUTES, READ
from ..services import presence, vendors
from ..services.assignment import view_condition
from ..services.status import status_condition
from ..state import current_order_messages as ext
from .common import (
    dispute_close_view,
    dispute_open_view,
    order_or_404,
    post_view,
    render_thread_page,
    require_staff,
)
from .team import list_team


def messages() -> str:
    """Orders -> Messages: one row per thread, unread first, search, filter, paging."""
    actor = require_staff(READ)
    form = MessagesQuery.from_request()
    form.check()
    services.refresh_read_floor(actor)  # after the checks: a refused request writes nothing
    team = (view_condition(actor, form.view.data), status_condition(form.status.data))
    vendor, by_vendor = vendors.chosen_vendor(actor, form.vendor.data)
    page = services.list_threads(
        actor,
        query=form.q.data or "",
        filter=form.filter.data,
        page=form.page.data,
        where=[c for c in (*team, by_vendor) if c is not None],
        due=form.due.data or "",
    )
    if (
        page.filter in ("all", "unread")
        and not page.query.strip()
        and not form.narrowed_by_team
        and not page.due
        and not vendor
    ):
        # The list counted this staff member's unread threads: the bell shows that number.
        remember_unread_threads(actor, page.unread_total)
    links = {
        row.thread.id: ext.thread_url(row.order, "staff")
        if row.order is not None
        else url_for("order_messages.staff_question", thread_id=row.thread.id)
        for row in page.rows
        if row.order is not None or row.product is not None
    }
    # Colleagues on the rows' threads now (one query; none while presence is off).
    others = presence.others_by_thread(actor, [row.thread.id for row in page.rows])
    marked = form.marked_notice()
    return render_template(
        "order_messages/staff_messages.html",
        page=page,
        links=links,
        # What a bulk change did, one sentence in the reader's language ("3 threads closed.").
        marked_text=bulk_notice(*marked) if marked else "",
        marked_warning=bool(marked and nothing_ticked(marked[2])),
        team=list_team(page, form, actor),
        market=vendors.list_vendors(actor, [row.thread for row in page.rows], vendor),
        presence_on=presence.enabled(),
        presence={thread_id: presence.as_json(people) for thread_id, people in others.items()},
    )


def mark() -> Response:
    """Mark the selected threads, or all, read or unread; back to the same list view."""
    actor = require_staff(READ)
    form = MarkForm.from_request()
    form.check()
    ids = form.thread_ids()
    marked = services.mark_threads(actor, ids, read=form.action.data == "read")
    # The list says what was done ("3 threads marked read", "1 of the 2 ticked ..."): a query
    # flag, so that no host has to render flashed messages.
    ticked = None if ids is None else len(set(ids))
    target = url_for("order_messages.staff_messages", **form.list_params(marked, ticked=ticked))
    return redirect(target, code=303)


def thread(order_id: str) -> tuple[str, int]:
    """The extension's own staff page for one order's thread."""
    actor = require_staff(READ)
    return render_thread_page(order_or_404(order_id, actor), actor, "staff")


def post(order_id: str) -> Response:
    """Reply (or start a thread) as staff."""
    actor = require_staff(ANSWER)
    return post_view(order_or_404(order_id, actor), actor, "staff")


def mark_thread_unread(order_id: str) -> Response:
    """ "Mark unread" on one thread: back to the Messages section, where it shows as new."""
    actor = require_staff(READ)
    order = order_or_404(order_id, actor)
    ConfirmForm.from_request().check()
    thread = services.get_thread(order)
    if thread is not None:
        services.mark_unread(actor, [thread.id])
    return redirect(url_for("order_messages.staff_messages"), code=303)


def dispute_open(order_id: str) -> Response | tuple[str, int]:
    """Ask for a reason (GET) and open a dispute (POST)."""
    actor = require_staff(DISPUTES)
    return dispute_open_view(order_or_404(order_id, actor), actor, "staff")


def dispute_close(order_id: str) -> Response | tuple[str, int]:
    """Confirm (GET) and close the open dispute (POST)."""
    actor = require_staff(DISPUTES)
    return dispute_close_view(order_or_404(order_id, actor), actor, "staff")


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
