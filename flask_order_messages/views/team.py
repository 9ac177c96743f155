"""Team inbox pages: assign a thread, set its status, one thread or the ticked ones.  Each
answers 404 while its feature is off (``ORDER_MESSAGES_ASSIGNMENT_ENABLED``,
``ORDER_MESSAGES_STATUS_ENABLED``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, redirect, url_for
from werkzeug.wrappers import Response

from ..forms import AssignForm, StatusForm
from ..forms_team import BulkAssignForm, BulkStatusForm
from ..models_team import STATUS_LABELS
from ..permissions import ANSWER
from ..services import Actor, assignment, status
from ..services.listing import ThreadPage
from ..state import current_settings
from .common import back_to_thread, order_or_404, require_staff


@dataclass
class ListTeam:
    """What the Messages list shows of the team inbox: the view, the status filter, who the
    ticked threads can be assigned to, and each row's assignee and status in words.  A
    feature that is off shows nothing (``assignment``, ``statuses``)."""

    view: str
    status: str
    members: list[assignment.StaffMember]
    assignees: dict[int, str]
    labels: dict[str, str]
    assignment: bool = True
    statuses: bool = True

    @property
    def narrowed(self) -> bool:
        """Whether the view or the status filter differs from the list's default."""
        return (self.assignment and self.view != "all") or (
            self.statuses and self.status != "active"
        )


def list_team(page: ThreadPage, form: Any, actor: Actor) -> ListTeam:
    """The team inbox's part of a Messages page (one query at most, for assignees who are
    not among the staff members any more; none, and no staff members, while assignment is
    off)."""
    switches = current_settings.team
    assignees: dict[int, str] = {}
    if switches.assignment:
        names = assignment.names_of([row.thread.assignee_id for row in page.rows])
        assignees = {
            row.thread.id: names.get(row.thread.assignee_id, "")
            for row in page.rows
            if row.thread.assignee_id is not None
        }
    return ListTeam(
        view=form.view.data,
        status=form.status.data,
        members=assignment.members_offered(actor) if switches.assignment else [],
        assignees=assignees,
        labels=STATUS_LABELS,
        assignment=switches.assignment,
        statuses=switches.status,
    )


def _staff_with(feature: bool) -> Actor:
    """The staff member acting; 404 while ``feature`` is off (as if the page did not exist)."""
    actor = require_staff(ANSWER)
    if not feature:
        abort(404)
    return actor


def assign(order_id: str) -> Response:
    """Assign the thread to a staff member, to oneself ("Assign to me") or to nobody."""
    actor = _staff_with(current_settings.team.assignment)
    order = order_or_404(order_id, actor)
    form = AssignForm.from_request()
    form.check()
    assignment.assign(order, actor, form.chosen())
    return back_to_thread(order, "staff", form.next.data)


def set_status(order_id: str) -> Response:
    """Set the thread's status by hand."""
    actor = _staff_with(current_settings.team.status)
    order = order_or_404(order_id, actor)
    form = StatusForm.from_request()
    form.check()
    status.set_status(order, actor, form.status.data)
    return back_to_thread(order, "staff", form.next.data)


def _back_to_list(form: Any, changed: int, done: str) -> Response:
    """Back to the list, which says what was done ("2 threads closed")."""
    params = form.list_params(changed, done, ticked=len(set(form.thread_id.data or [])))
    return redirect(url_for("order_messages.staff_messages", **params), code=303)


def bulk_assign() -> Response:
    """Assign (or unassign) the ticked threads of the Messages list."""
    actor = _staff_with(current_settings.team.assignment)
    form = BulkAssignForm.from_request()
    form.check()
    changed = assignment.assign_threads(actor, form.thread_id.data, form.chosen())
    return _back_to_list(form, changed, "assigned" if form.chosen() else "unassigned")


def bulk_status() -> Response:
    """Close or reopen the ticked threads of the Messages list."""
    actor = _staff_with(current_settings.team.status)
    form = BulkStatusForm.from_request()
    form.check()
    changed = status.set_statuses(actor, form.thread_id.data, form.new_status.data)
    return _back_to_list(form, changed, form.new_status.data)


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/admin/messages/assign", "staff_bulk_assign", bulk_assign, methods=["POST"])
    bp.add_url_rule("/admin/messages/status", "staff_bulk_status", bulk_status, methods=["POST"])
    bp.add_url_rule("/admin/orders/<order_id>/assign", "staff_assign", assign, methods=["POST"])
    bp.add_url_rule("/admin/orders/<order_id>/status", "staff_status", set_status, methods=["POST"])
