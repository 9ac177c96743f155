"""Staff pages for canned replies: the list, new, edit, delete (with a confirm step).

The pages extend the admin layout.  A reply is named by ``?id=<n>``; ``?next=<path>`` (a
same-site path, e.g. the order the staff member came from) is carried through every step so
the list can link back there.  Off (404) while ``ORDER_MESSAGES_CANNED_REPLIES_ENABLED`` is.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ..errors import ValidationError
from ..forms import CannedReplyForm, ConfirmForm
from ..i18n import gettext as _
from ..permissions import CANNED
from ..services import canned
from ..services.common import Actor
from ..state import current_settings
from ..templating import safe_next
from .common import require_staff

Page = Response | tuple[str, int]


def _enabled() -> None:
    if not current_settings.canned_replies_enabled:
        abort(404)


def _next() -> str | None:
    return safe_next(request.values.get("next"))


def _to_list(**params: Any) -> Response:
    next_path = _next()
    if next_path:
        params["next"] = next_path
    return redirect(url_for("order_messages.staff_canned_replies", **params), code=303)


def _list_page(actor: Actor, notice: str | None, error: str | None, status: int) -> tuple[str, int]:
    replies = canned.list_replies(actor)
    page = render_template(
        "order_messages/canned_list.html",
        owner=canned.owner_of(actor),
        kept_by=canned.kept_by(replies, actor),
        replies=replies,
        placeholders=canned.PLACEHOLDERS,
        notice=notice,
        error=error,
        next=_next() or "",
    )
    return page, status


def _reply_or_page(actor: Actor, action: str) -> Any:
    """The reply named by ``?id=`` that ``actor`` sees and whose owner's staff they are (else
    a 403 saying whose it is); else the list: asking which one (a GET without an id) or saying
    it is gone (404; another vendor's too)."""
    raw = request.values.get("id")
    if raw in (None, "") and request.method == "GET":
        ask = (
            _("Choose the canned reply to edit below.")
            if action == "edit"
            else _("Choose the canned reply to delete below.")
        )
        return _list_page(actor, ask, None, 200)
    try:
        reply = canned.get_reply(raw, actor)
    except canned.CannedReplyNotFound as exc:
        return _list_page(actor, None, exc.message, exc.status_code)
    canned.check_owner(reply, actor)
    return reply


def replies() -> str:
    """The canned replies this staff member sees, with links to add, edit and delete."""
    actor = require_staff(CANNED)
    _enabled()
    notice = None
    if request.args.get("saved"):
        notice = _("The canned reply was saved.")
    elif request.args.get("deleted"):
        notice = _("The canned reply was deleted.")
    return _list_page(actor, notice, None, 200)[0]


def _form(actor: Actor, reply: Any, form: CannedReplyForm, status: int) -> Page:
    page = render_template(
        "order_messages/canned_form.html",
        may_share=canned.may_share(actor),
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
    form = CannedReplyForm.from_request()
    if request.method == "GET":
        return _form(actor, None, form, 200)
    try:
        reply = canned.create_reply(
            actor, form.title.data or "", form.body.data or "", shared=bool(form.shared.data)
        )
    except ValidationError as exc:
        form.refuse(exc)
        return _form(actor, None, form, exc.status_code)
    return _to_list(saved=reply.id)


def edit() -> Page:
    """GET: the form with the reply's text.  POST: save the change."""
    actor = require_staff(CANNED)
    _enabled()
    reply = _reply_or_page(actor, "edit")
    if isinstance(reply, tuple):
        return reply
    if request.method == "GET":
        return _form(actor, reply, CannedReplyForm(formdata=None, obj=reply), 200)
    form = CannedReplyForm.from_request()
    try:
        canned.update_reply(
            reply, actor, form.title.data or "", form.body.data or "", shared=bool(form.shared.data)
        )
    except ValidationError as exc:
        form.refuse(exc)
        return _form(actor, reply, form, exc.status_code)
    return _to_list(saved=reply.id)


def delete() -> Page:
    """GET: "Delete this canned reply?".  POST: delete it."""
    actor = require_staff(CANNED)
    _enabled()
    reply = _reply_or_page(actor, "delete")
    if isinstance(reply, tuple):
        return reply
    if request.method == "POST":
        ConfirmForm.from_request().check()
        canned.delete_reply(reply, actor)
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
