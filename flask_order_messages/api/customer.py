"""The customer side of the API: their threads, one of their orders' thread, messages,
marks, disputes, their counts.  Any order not theirs is answered as a made-up one."""

from __future__ import annotations

from .. import services
from . import actions, auth, present, schemas
from .registry import body_of, query_of, route

ORDER = "/orders/<order_id>"
WRITE_ERRORS = (400, 404, 409, 415)


@route(
    "GET",
    "/threads",
    "api_customer_threads",
    summary="List and search my threads",
    tag="customer",
    side="customer",
    query=schemas.CustomerThreadsQuery,
    response=schemas.ThreadList,
    errors=(400,),
)
def threads() -> schemas.ThreadList:
    actor = auth.customer()
    query = query_of(schemas.CustomerThreadsQuery)
    page = services.list_threads(
        actor, query=query.q, filter=query.filter, page=query.page, per_page=query.per_page
    )
    return present.thread_list(page, actor)


@route(
    "GET",
    ORDER,
    "api_customer_thread",
    summary="My order's thread (cursor paging)",
    tag="customer",
    side="customer",
    query=schemas.EntriesQuery,
    response=schemas.ThreadOut,
    errors=(400, 404),
)
def thread(order_id: str) -> schemas.ThreadOut:
    actor = auth.customer()
    order = auth.own_order(order_id, actor)
    return actions.show(order, actor, query_of(schemas.EntriesQuery))


@route(
    "POST",
    ORDER + "/messages",
    "api_customer_post",
    summary="Write about my order",
    tag="customer",
    side="customer",
    body=schemas.MessageIn,
    response=schemas.Posted,
    status=201,
    errors=(*WRITE_ERRORS, 413, 429),
    files=True,
)
def post(order_id: str) -> schemas.Posted:
    actor = auth.customer(write=True)
    order = auth.own_order(order_id, actor)
    return actions.post(order, actor, body_of(schemas.MessageIn))


@route(
    "POST",
    ORDER + "/read",
    "api_customer_thread_read",
    summary="Mark my thread read",
    tag="customer",
    side="customer",
    response=schemas.Changed,
    errors=(404,),
)
def read(order_id: str) -> schemas.Changed:
    actor = auth.customer(write=True)
    return actions.mark(auth.own_order(order_id, actor), actor, read=True)


@route(
    "POST",
    ORDER + "/unread",
    "api_customer_thread_unread",
    summary="Mark my thread unread",
    tag="customer",
    side="customer",
    response=schemas.Changed,
    errors=(404,),
)
def unread(order_id: str) -> schemas.Changed:
    actor = auth.customer(write=True)
    return actions.mark(auth.own_order(order_id, actor), actor, read=False)


@route(
    "POST",
    "/threads/mark",
    "api_customer_mark",
    summary="Mark my threads read or unread",
    tag="customer",
    side="customer",
    body=schemas.MarkIn,
    response=schemas.Changed,
    errors=(400, 415),
)
def mark() -> schemas.Changed:
    actor = auth.customer(write=True)
    return actions.mark_many(actor, body_of(schemas.MarkIn))


@route(
    "POST",
    ORDER + "/dispute/open",
    "api_customer_dispute_open",
    summary="Open a dispute",
    tag="customer",
    side="customer",
    body=schemas.DisputeOpenIn,
    response=schemas.DisputeChanged,
    errors=(*WRITE_ERRORS, 429),
)
def dispute_open(order_id: str) -> schemas.DisputeChanged:
    actor = auth.customer(write=True)
    order = auth.own_order(order_id, actor)
    return actions.dispute_open(order, actor, body_of(schemas.DisputeOpenIn))


@route(
    "POST",
    ORDER + "/dispute/close",
    "api_customer_dispute_close",
    summary="Withdraw my dispute",
    tag="customer",
    side="customer",
    body=schemas.DisputeCloseIn,
    response=schemas.DisputeChanged,
    errors=(*WRITE_ERRORS, 429),
)
def dispute_close(order_id: str) -> schemas.DisputeChanged:
    actor = auth.customer(write=True)
    order = auth.own_order(order_id, actor)
    return actions.dispute_close(order, actor, body_of(schemas.DisputeCloseIn))


@route(
    "POST",
    ORDER + "/dispute/reopen",
    "api_customer_dispute_reopen",
    summary="Reopen the dispute I opened",
    tag="customer",
    side="customer",
    body=schemas.DisputeReopenIn,
    response=schemas.DisputeChanged,
    errors=(*WRITE_ERRORS, 429),
)
def dispute_reopen(order_id: str) -> schemas.DisputeChanged:
    actor = auth.customer(write=True)
    order = auth.own_order(order_id, actor)
    return actions.dispute_reopen(order, actor, body_of(schemas.DisputeReopenIn))


@route(
    "GET",
    "/counts",
    "api_customer_counts",
    summary="My unread threads and open disputes",
    tag="customer",
    side="customer",
    response=schemas.Counts,
)
def counts() -> schemas.Counts:
    return actions.counts(auth.customer())
