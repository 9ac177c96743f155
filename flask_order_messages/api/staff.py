"""The staff side of the API: the Messages list, a thread, replies and notes, marks,
disputes, the counts.  Each route names its permission, as the pages do
(``tests/test_permissions.py`` GUARDS)."""

from __future__ import annotations

from .. import services
from ..permissions import ANSWER, DISPUTES, READ
from ..services import vendors
from ..services.assignment import view_condition
from ..services.status import status_condition
from ..state import current_settings
from . import actions, auth, present, schemas
from .registry import body_of, query_of, route

ORDER = "/staff/orders/<order_id>"
WRITE_ERRORS = (400, 404, 409, 415)


def _team_filters(query: schemas.StaffThreadsQuery) -> tuple[str, str, str]:
    """(view, status, due) as the Messages page takes them: a switched-off feature's
    parameter is left out, whatever it says (see ``forms.MessagesQuery.from_request``)."""
    view = query.view if current_settings.team.assignment else "all"
    status = query.status if current_settings.team.status else "all"
    due = query.due if current_settings.targets.enabled else ""
    return view, status, due


@route(
    "GET",
    "/staff/threads",
    "api_staff_threads",
    summary="List and search threads",
    tag="staff",
    side="staff",
    query=schemas.StaffThreadsQuery,
    response=schemas.ThreadList,
    errors=(400,),
)
def threads() -> schemas.ThreadList:
    actor = auth.staff(READ)
    query = query_of(schemas.StaffThreadsQuery)
    view, status, due = _team_filters(query)
    services.refresh_read_floor(actor)  # after the checks, as the page does
    _, by_vendor = vendors.chosen_vendor(actor, query.vendor)
    where = (view_condition(actor, view), status_condition(status), by_vendor)
    page = services.list_threads(
        actor,
        query=query.q,
        filter=query.filter,
        page=query.page,
        per_page=query.per_page,
        where=[c for c in where if c is not None],
        due=due,
    )
    return present.thread_list(page, actor)


@route(
    "GET",
    ORDER,
    "api_staff_thread",
    summary="One thread with its entries (cursor paging)",
    tag="staff",
    side="staff",
    query=schemas.EntriesQuery,
    response=schemas.ThreadOut,
    errors=(400, 404),
)
def thread(order_id: str) -> schemas.ThreadOut:
    actor = auth.staff(READ)
    order = auth.staff_order(order_id, actor)
    return actions.show(order, actor, query_of(schemas.EntriesQuery))


@route(
    "POST",
    ORDER + "/messages",
    "api_staff_post",
    summary="Reply, or add a staff-only note",
    tag="staff",
    side="staff",
    body=schemas.MessageIn,
    response=schemas.Posted,
    status=201,
    errors=(*WRITE_ERRORS, 413, 429),
    files=True,
)
def post(order_id: str) -> schemas.Posted:
    actor = auth.staff(ANSWER, write=True)
    order = auth.staff_order(order_id, actor)
    return actions.post(order, actor, body_of(schemas.MessageIn))


@route(
    "POST",
    ORDER + "/read",
    "api_staff_thread_read",
    summary="Mark the thread read",
    tag="staff",
    side="staff",
    response=schemas.Changed,
    errors=(404,),
)
def read(order_id: str) -> schemas.Changed:
    actor = auth.staff(READ, write=True)
    return actions.mark(auth.staff_order(order_id, actor), actor, read=True)


@route(
    "POST",
    ORDER + "/unread",
    "api_staff_thread_unread",
    summary="Mark the thread unread",
    tag="staff",
    side="staff",
    response=schemas.Changed,
    errors=(404,),
)
def unread(order_id: str) -> schemas.Changed:
    actor = auth.staff(READ, write=True)
    return actions.mark(auth.staff_order(order_id, actor), actor, read=False)


@route(
    "POST",
    "/staff/threads/mark",
    "api_staff_mark",
    summary="Mark many threads read or unread",
    tag="staff",
    side="staff",
    body=schemas.MarkIn,
    response=schemas.Changed,
    errors=(400, 415),
)
def mark() -> schemas.Changed:
    actor = auth.staff(READ, write=True)
    return actions.mark_many(actor, body_of(schemas.MarkIn))


@route(
    "POST",
    ORDER + "/dispute/open",
    "api_staff_dispute_open",
    summary="Open a dispute",
    tag="staff",
    side="staff",
    body=schemas.DisputeOpenIn,
    response=schemas.DisputeChanged,
    errors=(*WRITE_ERRORS, 429),
)
def dispute_open(order_id: str) -> schemas.DisputeChanged:
    actor = auth.staff(DISPUTES, write=True)
    order = auth.staff_order(order_id, actor)
    return actions.dispute_open(order, actor, body_of(schemas.DisputeOpenIn))


@route(
    "POST",
    ORDER + "/dispute/close",
    "api_staff_dispute_close",
    summary="Close the open dispute, with an outcome",
    tag="staff",
    side="staff",
    body=schemas.DisputeCloseIn,
    response=schemas.DisputeChanged,
    errors=(*WRITE_ERRORS, 429),
)
def dispute_close(order_id: str) -> schemas.DisputeChanged:
    actor = auth.staff(DISPUTES, write=True)
    order = auth.staff_order(order_id, actor)
    return actions.dispute_close(order, actor, body_of(schemas.DisputeCloseIn))


@route(
    "POST",
    ORDER + "/dispute/reopen",
    "api_staff_dispute_reopen",
    summary="Reopen the last closed dispute",
    tag="staff",
    side="staff",
    body=schemas.DisputeReopenIn,
    response=schemas.DisputeChanged,
    errors=(*WRITE_ERRORS, 429),
)
def dispute_reopen(order_id: str) -> schemas.DisputeChanged:
    actor = auth.staff(DISPUTES, write=True)
    order = auth.staff_order(order_id, actor)
    return actions.dispute_reopen(order, actor, body_of(schemas.DisputeReopenIn))


@route(
    "GET",
    "/staff/counts",
    "api_staff_counts",
    summary="The bell's counts",
    tag="staff",
    side="staff",
    response=schemas.Counts,
)
def counts() -> schemas.Counts:
    return actions.counts(auth.staff(READ))
