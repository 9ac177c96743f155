"""Questions before purchase through the API, with the rules of their pages
(``views/questions.py``): the customer asks about a product, reads and answers their own
questions, links one to an order of theirs; staff read, answer (notes too), mark and link
the questions they may see.  A question anyone else may not see -- made up, malformed,
another customer's, another vendor's -- is the same "not-found" problem."""

from __future__ import annotations

from typing import Any

from ..errors import NotAllowedError
from ..i18n import gettext as _
from ..permissions import ANSWER, READ
from ..services import Actor, mark_threads, questions
from ..services.thread_view import thread_view
from ..state import current_order_messages as ext
from ..views.common import check_notes_enabled
from . import auth, present, schemas
from .problems import ApiProblem
from .registry import body_of, query_of, route
from .schemas_more import (
    AskIn,
    Linked,
    LinkIn,
    QuestionList,
    QuestionMessageIn,
    QuestionOut,
    QuestionPosted,
    QuestionSummary,
)

STAFF = "/staff/questions/<thread_id>"
MINE = "/questions/<thread_id>"
ERRORS = (400, 404, 409, 415)


def _question(thread_id: str, actor: Actor) -> Any:
    thread = questions.get_question(thread_id, actor)
    if thread is None:
        raise ApiProblem("not-found", _("No such question."))
    return thread


def _show(thread: Any, actor: Actor) -> QuestionOut:
    """The question and a page of its entries after the cursor; reads only."""
    query = query_of(schemas.EntriesQuery)
    view = thread_view(None, actor, state=questions.question_state(thread, actor))
    fresh = [e for e in view.entries if e.id > query.after]
    page = fresh[: query.limit]
    key = thread.product_key
    return QuestionOut(
        thread_id=thread.id,
        product_key=key,
        product_name=questions.product_name(key),
        product_url=questions.product_url(key),
        order_id=present.key_text(thread.order_id),
        unread=view.unread,
        first_unread_id=view.first_unread_id,
        entries=[present.entry(e, view, actor) for e in page],
        next_after=page[-1].id if len(fresh) > query.limit else None,
        link_orders=[str(k) for k, _ in questions.orders_to_link(thread, actor)],
    )


def _post(thread: Any, actor: Actor) -> QuestionPosted:
    body = body_of(QuestionMessageIn)
    note = body.kind == "note"
    if note and not actor.is_staff:
        raise ApiProblem("validation", _("Only staff can write staff-only notes."), field="kind")
    if body.kind not in ("message", "note"):
        raise ApiProblem("validation", _("kind: 'message' or 'note'."), field="kind")
    if note:
        check_notes_enabled()
    message = questions.post_question(thread, actor, body.body, note=note)
    return QuestionPosted(thread_id=thread.id, entry=present.posted(message, None, actor))


def _mark(thread: Any, actor: Actor, *, read: bool) -> schemas.Changed:
    return schemas.Changed(changed=mark_threads(actor, [thread.id], read=read))


def _link(thread: Any, actor: Actor) -> Linked:
    """Link the question to one of its customer's orders (a made-up or someone else's order
    is the "not-found" problem, as on the page)."""
    order = ext.get_order(body_of(LinkIn).order_id)
    allowed = [key for key, _ in questions.orders_to_link(thread, actor)]
    if order is None or ext.order_key(order) not in allowed:
        raise ApiProblem("not-found", _("No such order."), field="order_id")
    entry = questions.link_to_order(thread, actor, order)
    return Linked(order_id=str(ext.order_key(order)), entry=present.posted(entry, order, actor))


# -- customers ---------------------------------------------------------------------------------


@route(
    "GET",
    "/questions",
    "api_customer_questions",
    summary="My questions about products",
    tag="questions",
    side="customer",
    response=QuestionList,
)
def mine() -> QuestionList:
    actor = auth.customer()
    return QuestionList(
        questions=[
            QuestionSummary(
                thread_id=row.thread.id,
                product_key=row.thread.product_key or "",
                product_name=row.product_name,
                product_url=row.product_url,
                unread=row.unread,
                last_message_at=present.utc_or_none(row.last_message_at),
            )
            for row in questions.customer_questions(actor)
        ]
    )


@route(
    "POST",
    "/product-questions",
    "api_customer_question_ask",
    summary="Ask about a product (added to my question about it, if I have one)",
    tag="questions",
    side="customer",
    body=AskIn,
    response=QuestionPosted,
    status=201,
    errors=(400, 415),
)
def ask() -> QuestionPosted:
    actor = auth.customer(write=True)
    if ext.is_staff(actor.user):  # as on the page: the partial offers staff no form either
        raise NotAllowedError(_("Questions about products are asked by customers."))
    body = body_of(AskIn)
    message = questions.ask(body.product_key, actor, body.body)
    return QuestionPosted(thread_id=message.thread_id, entry=present.posted(message, None, actor))


@route(
    "GET",
    MINE,
    "api_customer_question",
    summary="My question, with its entries (cursor paging)",
    tag="questions",
    side="customer",
    query=schemas.EntriesQuery,
    response=QuestionOut,
    errors=(400, 404),
)
def customer_question(thread_id: str) -> QuestionOut:
    actor = auth.customer()
    return _show(_question(thread_id, actor), actor)


@route(
    "POST",
    MINE + "/messages",
    "api_customer_question_post",
    summary="Write in my question",
    tag="questions",
    side="customer",
    body=QuestionMessageIn,
    response=QuestionPosted,
    status=201,
    errors=ERRORS,
)
def customer_post(thread_id: str) -> QuestionPosted:
    actor = auth.customer(write=True)
    return _post(_question(thread_id, actor), actor)


@route(
    "POST",
    MINE + "/read",
    "api_customer_question_read",
    summary="Mark my question read",
    tag="questions",
    side="customer",
    response=schemas.Changed,
    errors=(404,),
)
def customer_read(thread_id: str) -> schemas.Changed:
    actor = auth.customer(write=True)
    return _mark(_question(thread_id, actor), actor, read=True)


@route(
    "POST",
    MINE + "/link",
    "api_customer_question_link",
    summary="Link my question to one of my orders",
    tag="questions",
    side="customer",
    body=LinkIn,
    response=Linked,
    errors=ERRORS,
)
def customer_link(thread_id: str) -> Linked:
    actor = auth.customer(write=True)
    return _link(_question(thread_id, actor), actor)


# -- staff -------------------------------------------------------------------------------------


@route(
    "GET",
    STAFF,
    "api_staff_question",
    summary="A question, with its entries (cursor paging)",
    tag="questions",
    side="staff",
    query=schemas.EntriesQuery,
    response=QuestionOut,
    errors=(400, 404),
)
def staff_question(thread_id: str) -> QuestionOut:
    actor = auth.staff(READ)
    return _show(_question(thread_id, actor), actor)


@route(
    "POST",
    STAFF + "/messages",
    "api_staff_question_post",
    summary="Answer a question, or add a staff-only note",
    tag="questions",
    side="staff",
    body=QuestionMessageIn,
    response=QuestionPosted,
    status=201,
    errors=ERRORS,
)
def staff_post(thread_id: str) -> QuestionPosted:
    actor = auth.staff(ANSWER, write=True)
    return _post(_question(thread_id, actor), actor)


@route(
    "POST",
    STAFF + "/read",
    "api_staff_question_read",
    summary="Mark a question read",
    tag="questions",
    side="staff",
    response=schemas.Changed,
    errors=(404,),
)
def staff_read(thread_id: str) -> schemas.Changed:
    actor = auth.staff(READ, write=True)
    return _mark(_question(thread_id, actor), actor, read=True)


@route(
    "POST",
    STAFF + "/unread",
    "api_staff_question_unread",
    summary="Mark a question unread",
    tag="questions",
    side="staff",
    response=schemas.Changed,
    errors=(404,),
)
def staff_unread(thread_id: str) -> schemas.Changed:
    actor = auth.staff(READ, write=True)
    return _mark(_question(thread_id, actor), actor, read=False)


@route(
    "POST",
    STAFF + "/link",
    "api_staff_question_link",
    summary="Link a question to one of its customer's orders",
    tag="questions",
    side="staff",
    body=LinkIn,
    response=Linked,
    errors=ERRORS,
)
def staff_link(thread_id: str) -> Linked:
    actor = auth.staff(ANSWER, write=True)
    return _link(_question(thread_id, actor), actor)
