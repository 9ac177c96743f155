"""The team inbox through the API: assign a thread, set its status, one or the ticked ones.
A feature that is off answers the "feature-off" problem (404), as its pages do."""

from __future__ import annotations

from ..i18n import lazy_gettext
from ..permissions import ANSWER
from ..services import Actor, assignment, status
from ..state import current_settings
from . import auth, schemas
from .problems import ApiProblem
from .registry import body_of, route
from .staff import ORDER, WRITE_ERRORS

ASSIGNMENT_OFF = lazy_gettext("Assignment is turned off in this shop.")
STATUS_OFF = lazy_gettext("Thread status is turned off in this shop.")


def _staff_with(feature: bool, off: object) -> Actor:
    """The staff member, if the feature is on; else the "feature-off" problem saying ``off``."""
    actor = auth.staff(ANSWER, write=True)
    if not feature:
        raise ApiProblem("feature-off", off)
    return actor


@route(
    "POST",
    ORDER + "/assign",
    "api_staff_assign",
    summary="Assign the thread",
    tag="team",
    side="staff",
    body=schemas.AssignIn,
    response=schemas.Changed,
    errors=WRITE_ERRORS,
)
def assign(order_id: str) -> schemas.Changed:
    actor = _staff_with(current_settings.team.assignment, ASSIGNMENT_OFF)
    order = auth.staff_order(order_id, actor)
    changed = assignment.assign(order, actor, body_of(schemas.AssignIn).assignee)
    return schemas.Changed(changed=int(changed))


@route(
    "POST",
    ORDER + "/status",
    "api_staff_status",
    summary="Set the thread's status",
    tag="team",
    side="staff",
    body=schemas.StatusIn,
    response=schemas.Changed,
    errors=WRITE_ERRORS,
)
def set_status(order_id: str) -> schemas.Changed:
    actor = _staff_with(current_settings.team.status, STATUS_OFF)
    order = auth.staff_order(order_id, actor)
    changed = status.set_status(order, actor, body_of(schemas.StatusIn).status)
    return schemas.Changed(changed=int(changed))


@route(
    "POST",
    "/staff/threads/assign",
    "api_staff_bulk_assign",
    summary="Assign many threads",
    tag="team",
    side="staff",
    body=schemas.BulkAssignIn,
    response=schemas.Changed,
    errors=(400, 415),
)
def bulk_assign() -> schemas.Changed:
    actor = _staff_with(current_settings.team.assignment, ASSIGNMENT_OFF)
    body = body_of(schemas.BulkAssignIn)
    return schemas.Changed(changed=assignment.assign_threads(actor, body.thread_ids, body.assignee))


@route(
    "POST",
    "/staff/threads/status",
    "api_staff_bulk_status",
    summary="Close or reopen many threads",
    tag="team",
    side="staff",
    body=schemas.BulkStatusIn,
    response=schemas.Changed,
    errors=(400, 415),
)
def bulk_status() -> schemas.Changed:
    actor = _staff_with(current_settings.team.status, STATUS_OFF)
    body = body_of(schemas.BulkStatusIn)
    return schemas.Changed(changed=status.set_statuses(actor, body.thread_ids, body.status))
