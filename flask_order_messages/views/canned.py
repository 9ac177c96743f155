"""Staff pages for canned replies: the list, new, edit, delete (with a confirm step).

The pages extend the admin layout.  A reply is named by ``?id=<n>``; ``?next=<path>`` (a
same-site path, e.g. the order the staff member came from) is carried through every step so
the list can link back there.  Off (404) while ``ORDER_MESSAGES_CANNED_REPLIES_ENABLED`` is.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ..errors import NotAllowedError, ValidationError
from ..forms import CannedReplyForm, ConfirmForm
from ..permissions import CANNED
from ..services import canned
from ..services.common import Actor
from ..state import current_settings
from ..templating import safe_next
from .common import require_staff

Page = Response | tuple[str, int]
#: What a vendor's staff member is told on the forms that change canned replies.
MANAGED_BY_MARKETPLACE = (
    "Canned replies are kept by the marketplace's staff. You can insert them into your "
    "replies; nothing was changed."
)


def _enabled() -> None:
    if not current_settings.canned_replies_enabled:
        abort(404)


def _may_manage(actor: Actor) -> None:
    """In a marketplace the canned replies are the marketplace's: its own staff keep them, a
    vendor's staff insert them (403 on the forms that change them, saying so)."""
    if actor.vendor is not None:
        raise NotAllowedError(MANAGED_BY_MARKETPLACE)


def _next() -> str | None:
    return safe_next(request.values.get("next"))


def _to_list(**params: Any) -> Response:
    next_path = _next()
    if next_path:
        params["next"] = next_path
    return redirect(url_for("order_messages.staff_canned_replies", **params), code=303)


def _list_page(
    notice: str | None, error: str | None, status: int, *, manage: bool = True
) -> tuple[str, int]:
    page = render_template(
        "order_messages/canned_list.html",
        manage=manage,
        replies=canned.list_replies(),
        placeholders=canned.PLACEHOLDERS,
        notice=notice,
        error=error,
        next=_next() or "",
    )
    return page, status


def _reply_or_page(action: str) -> Any:
    """The reply named by ``?id=``; else the list: asking which one (a GET without an id) or
    saying it is gone (404)."""
    raw = request.values.get("id")
    if raw in (None, "") and request.method == "GET":
        return _list_page(f"Choose the canned reply to {action} below.", None, 200)
    try:
        return canned.get_reply(raw)
    except canned.CannedReplyNotFound as exc:
        return _list_page(None, exc.message, exc.status_code)


def replies() -> str:
    """Every canned reply, with links to add, edit and delete."""
    actor = require_staff(CANNED)
    _enabled()
    notice = None
    if request.args.get("saved"):
        notice = "The canned reply was saved."
    elif request.args.get("deleted"):
        notice = "The canned reply was deleted."
    return _list_page(notice, None, 200, manage=actor.vendor is None)[0]


def _form(reply: Any, form: CannedReplyForm, status: int) -> Page:
    page = render_template(
        "order_messages/canned_form.html",
        reply=reply,
        form=form,
        placeholders=canned.PLACEHOLDERS,
        max_title=canned.MAX_TITLE_LENGTH,
        next=_next() or "",
    )
    return page, status


def new() -> Page:
    """GET: an empty form.  POST: add the reply; a refused one comes back with its text."""
    actor = require_staff(CANNED)
    _enabled()
    _may_manage(actor)
    form = CannedReplyForm.from_request()
    if request.method == "GET":
        return _form(None, form, 200)
    try:
        reply = canned.create_reply(actor, form.title.data or "", form.body.data or "")
    except ValidationError as exc:
        form.refuse(exc)
        return _form(None, form, exc.status_code)
    return _to_list(saved=reply.id)


def edit() -> Page:
    """GET: the form with the reply's text.  POST: save the change."""
    _may_manage(require_staff(CANNED))
    _enabled()
    reply = _reply_or_page("edit")
    if isinstance(reply, tuple):
        return reply
    if request.method == "GET":
        return _form(reply, CannedReplyForm(formdata=None, obj=reply), 200)
    form = CannedReplyForm.from_request()
    try:
        canned.update_reply(reply, form.title.data or "", form.body.data or "")
    except ValidationError as exc:
        form.refuse(exc)
        return _form(reply, form, exc.status_code)
    return _to_list(saved=reply.id)


def delete() -> Page:
    """GET: "Delete this canned reply?".  POST: delete it."""
    _may_manage(require_staff(CANNED))
    _enabled()
    reply = _reply_or_page("delete")
    if isinstance(reply, tuple):
        return reply
    if request.method == "POST":
        ConfirmForm.from_request().check()
        canned.delete_reply(reply)
        return _to_list(deleted=1)
    page = render_template("order_messages/canned_delete.html", reply=reply, next=_next() or "")
    return page, 200


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/admin/canned-replies", "staff_canned_replies", replies)
    bp.add_url_rule("/admin/canned-replies/new", "staff_canned_new", new, methods=["GET", "POST"])
    bp.add_url_rule(
        "/admin/canned-replies/edit", "staff_canned_edit", edit, methods=["GET", "POST"]
    )
    bp.add_url_rule(
        "/admin/canned-replies/delete", "staff_canned_delete", delete, methods=["GET", "POST"]
    )
