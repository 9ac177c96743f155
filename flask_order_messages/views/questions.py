"""Questions before purchase: the customer's questions and each question's page, for the
customer who asked and for staff (see ``services/questions.py``).  A question id nobody may see
here -- made up, malformed, another customer's, another vendor's -- is the same 404."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import RouteCallable
from werkzeug.wrappers import Response

from .. import services
from ..errors import NotAllowedError, OrderMessagesError
from ..forms import ConfirmForm, LinkOrderForm, MessageForm, QuestionForm
from ..i18n import gettext as _
from ..page_reads import mark_read_now
from ..permissions import ANSWER, READ, of_actor
from ..services import questions
from ..services.context import customer_context, users_by_key
from ..services.thread_view import thread_view
from ..state import current_order_messages as ext
from ..state import current_settings
from .common import check_notes_enabled, require_customer, require_staff


def _question_or_404(thread_id: str, actor: services.Actor) -> Any:
    thread = questions.get_question(thread_id, actor)
    if thread is None:
        abort(404)
    return thread


def _linked(thread: Any, side: str) -> Response | None:
    """A question linked to an order since: its order's thread page (None: still a question)."""
    if thread.order_id is None:
        return None
    order = ext.get_order(str(thread.order_id))
    if order is None:
        abort(404)
    return redirect(ext.thread_url(order, side), code=303)


def _page(
    thread: Any, actor: services.Actor, side: str, refused: OrderMessagesError | None = None
) -> tuple[str, int]:
    """The question's page: marks it read for the viewer (as an order's thread page does)."""
    state = questions.question_state(thread, actor)
    if state.thread is not None and state.unread and refused is None:  # a refusal writes nothing
        mark_read_now(actor, [thread.id])
    view = thread_view(None, actor, state=state)
    context = None
    if side == "staff":
        context = customer_context(None, users_by_key([thread.asker_id]).get(thread.asker_id))
    page = render_template(
        "order_messages/question_thread.html",
        side=side,
        view=view,
        thread=thread,
        product_name=questions.product_name(thread.product_key),
        product_url=questions.product_url(thread.product_key),
        context=context,
        orders=questions.orders_to_link(thread, actor),
        may=of_actor(actor),
        notes=side == "staff" and current_settings.notes_enabled,
        error=refused.message if refused is not None else "",
        draft=request.form.get("body", "") if request.method == "POST" else "",
        notice=_asked_notice(actor) if side == "customer" and request.args.get("asked") else "",
    )
    return page, refused.status_code if refused is not None else 200


def _asked_notice(actor: services.Actor) -> str:
    """What the page says just after the question was asked: where the answer will come."""
    from ..mail_compose import clean_address

    if clean_address(ext.hooks.user_email(actor.user) or "") is not None:
        return _("Your question was sent; we will email you the answer.")
    return _("Your question was sent; the answer will show on this page.")


def _back(thread: Any, side: str) -> Response:
    endpoint = "staff_question" if side == "staff" else "customer_question"
    return redirect(url_for(f"order_messages.{endpoint}", thread_id=thread.id), code=303)


def _reply(thread: Any, actor: services.Actor, side: str) -> Response | tuple[str, int]:
    form = MessageForm.from_request()
    note = form.wants_note(side)
    try:
        if note:
            check_notes_enabled()
        questions.post_question(thread, actor, form.body.data or "", note=note)
    except OrderMessagesError as exc:
        return _page(thread, actor, side, exc)
    return _back(thread, side)


def _link(thread: Any, actor: services.Actor, side: str) -> Response | tuple[str, int]:
    form = LinkOrderForm.from_request()
    order = ext.get_order(form.order_id.data or "")
    allowed = [key for key, _ in questions.orders_to_link(thread, actor)]
    if order is None or ext.order_key(order) not in allowed:
        abort(404)  # not one of the customer's (or this vendor's) orders: as a made-up key
    try:
        questions.link_to_order(thread, actor, order)
    except OrderMessagesError as exc:
        return _page(thread, actor, side, exc)
    return redirect(ext.thread_url(order, side), code=303)


# -- customers ----------------------------------------------------------------------------


def customer_questions() -> str:
    """The customer's questions about products, with their unread marks."""
    actor = require_customer()
    return render_template(
        "order_messages/customer_questions.html", rows=questions.customer_questions(actor)
    )


def customer_ask() -> Response:
    """ "Ask a question about this product" (the host's product page): the question's page."""
    actor = require_customer()
    if ext.is_staff(actor.user):  # the partial offers staff no form either
        raise NotAllowedError(_("Questions about products are asked by customers."))
    form = QuestionForm.from_request()
    message = questions.ask(form.product_key.data, actor, form.body.data or "")
    # The page says the question was sent (a query flag: no host has to show flashed messages).
    target = url_for("order_messages.customer_question", thread_id=message.thread_id, asked=1)
    return redirect(target, code=303)


def customer_question(thread_id: str) -> Response | tuple[str, int]:
    actor = require_customer()
    thread = _question_or_404(thread_id, actor)
    return _linked(thread, "customer") or _page(thread, actor, "customer")


def customer_reply(thread_id: str) -> Response | tuple[str, int]:
    actor = require_customer()
    return _reply(_question_or_404(thread_id, actor), actor, "customer")


def customer_link(thread_id: str) -> Response | tuple[str, int]:
    actor = require_customer()
    return _link(_question_or_404(thread_id, actor), actor, "customer")


# -- staff --------------------------------------------------------------------------------


def staff_question(thread_id: str) -> Response | tuple[str, int]:
    actor = require_staff(READ)
    thread = _question_or_404(thread_id, actor)
    return _linked(thread, "staff") or _page(thread, actor, "staff")


def staff_reply(thread_id: str) -> Response | tuple[str, int]:
    actor = require_staff(ANSWER)
    return _reply(_question_or_404(thread_id, actor), actor, "staff")


def staff_unread(thread_id: str) -> Response:
    """ "Mark unread": back to the Messages section, where the question shows as new."""
    actor = require_staff(READ)
    thread = _question_or_404(thread_id, actor)
    ConfirmForm.from_request().check()
    services.mark_unread(actor, [thread.id])
    return redirect(url_for("order_messages.staff_messages"), code=303)


def staff_link(thread_id: str) -> Response | tuple[str, int]:
    actor = require_staff(ANSWER)
    return _link(_question_or_404(thread_id, actor), actor, "staff")


def register(bp: Blueprint) -> None:
    get, post = ["GET"], ["POST"]
    rules: list[tuple[str, str, RouteCallable, list[str]]] = [
        ("/questions", "customer_questions", customer_questions, get),
        ("/product-questions", "customer_ask", customer_ask, post),
        ("/questions/<thread_id>", "customer_question", customer_question, get),
        ("/questions/<thread_id>/messages", "customer_question_post", customer_reply, post),
        ("/questions/<thread_id>/link", "customer_question_link", customer_link, post),
        ("/admin/questions/<thread_id>", "staff_question", staff_question, get),
        ("/admin/questions/<thread_id>/messages", "staff_question_post", staff_reply, post),
        ("/admin/questions/<thread_id>/unread", "staff_question_unread", staff_unread, post),
        ("/admin/questions/<thread_id>/link", "staff_question_link", staff_link, post),
    ]
    for rule, endpoint, view, methods in rules:
        bp.add_url_rule(rule, endpoint, view, methods=methods)
