"""Canned replies through the API: list, add, edit, delete, with the rules of their pages
(the "canned" permission; in a marketplace each reply has an owner, services/canned.py)."""

from __future__ import annotations

from typing import Any

from ..i18n import gettext as _
from ..permissions import CANNED
from ..services import Actor, canned
from ..state import current_settings
from . import auth, schemas
from .present import utc
from .problems import ApiProblem
from .registry import body_of, route

BASE = "/staff/canned-replies"


def _staff(*, write: bool) -> Actor:
    actor = auth.staff(CANNED, write=write)
    if not current_settings.canned_replies_enabled:
        raise ApiProblem("feature-off", _("Canned replies are turned off in this shop."))
    return actor


def _out(reply: Any) -> schemas.CannedOut:
    return schemas.CannedOut(
        id=reply.id,
        title=reply.title,
        body=reply.body,
        shared=bool(reply.shared),
        updated_at=utc(reply.updated_at),
    )


@route(
    "GET",
    BASE,
    "api_staff_canned_list",
    summary="Every canned reply",
    tag="canned",
    side="staff",
    response=schemas.CannedList,
    errors=(404,),
)
def replies() -> schemas.CannedList:
    actor = _staff(write=False)
    return schemas.CannedList(
        replies=[_out(r) for r in canned.list_replies(actor)],
        placeholders=list(canned.PLACEHOLDERS),
    )


@route(
    "POST",
    BASE + "/new",
    "api_staff_canned_create",
    summary="Add a canned reply",
    tag="canned",
    side="staff",
    body=schemas.CannedIn,
    response=schemas.CannedOut,
    status=201,
    errors=(400, 404, 415),
)
def create() -> schemas.CannedOut:
    actor = _staff(write=True)
    body = body_of(schemas.CannedIn)
    return _out(canned.create_reply(actor, body.title, body.body, shared=body.shared))


@route(
    "POST",
    BASE + "/<reply_id>",
    "api_staff_canned_update",
    summary="Change a canned reply",
    tag="canned",
    side="staff",
    body=schemas.CannedIn,
    response=schemas.CannedOut,
    errors=(400, 403, 404, 415),
)
def update(reply_id: str) -> schemas.CannedOut:
    actor = _staff(write=True)
    reply = canned.get_reply(reply_id, actor)
    body = body_of(schemas.CannedIn)
    return _out(canned.update_reply(reply, actor, body.title, body.body, shared=body.shared))


@route(
    "POST",
    BASE + "/<reply_id>/delete",
    "api_staff_canned_delete",
    summary="Delete a canned reply",
    tag="canned",
    side="staff",
    status=204,
    errors=(403, 404),
)
def delete(reply_id: str) -> None:
    actor = _staff(write=True)
    canned.delete_reply(canned.get_reply(reply_id, actor), actor)
