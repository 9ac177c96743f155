"""Staff presence, as JSON: a page's heartbeat (POST, CSRF like every POST), and the
Messages list's live presence of its rows (GET, reads only).  See ``services.presence``."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from .. import services
from ..errors import ValidationError
from ..forms_presence import PresenceForm, PresenceQuery
from ..i18n import gettext as _
from ..services import presence
from ..state import current_order_messages as ext
from .api import _fail, _json, _may_read, _order, _user
from .common import limit_this_request

#: The largest heartbeat taken, in bytes (it is ``{"state": "replying"}``).
MAX_HEARTBEAT_BYTES = 1024


def _staff() -> services.Actor:
    """The logged-in staff member (401 for nobody, 403 for anyone else or for staff who may not
    read, as the staff entries endpoint answers), while presence is on (404 when it is off)."""
    user = _user()
    if not ext.is_staff(user):
        _fail(403, _("This endpoint is for store staff."))
    actor = services.staff_actor(user)
    if not services.vendors.takes_part(actor):
        _fail(403, str(services.vendors.NOT_PARTICIPATING))
    _may_read(actor)
    if not presence.enabled():
        _fail(404, _("Presence is turned off in this shop."))
    return actor


def _checked(form: PresenceForm | PresenceQuery) -> None:
    if not form.validate():
        error = form.first_error()
        _fail(400, error.message if error else _("Refused."))


def heartbeat(order_id: str) -> Response:
    """``{"state": "viewing" | "replying" | "gone"}`` from a staff member's page of the
    order's thread.  Answers the others there now (``services.presence.as_json``), or 204
    for "gone"."""
    actor = _staff()
    order = _order(order_id, actor)
    too_large = _("A heartbeat is a few bytes of JSON.")
    if (request.content_length or 0) > MAX_HEARTBEAT_BYTES:
        _fail(413, too_large)
    try:
        limit_this_request(MAX_HEARTBEAT_BYTES)  # a body without a length, too
        form = PresenceForm.from_request()
    except ValidationError as exc:
        _fail(400, exc.message)
    except RequestEntityTooLarge:
        _fail(413, too_large)
    _checked(form)
    presence.report(order, actor, form.state.data)
    if form.state.data == presence.GONE:
        return Response(status=204)
    response = jsonify(presence.as_json(presence.others_on(order, actor)))
    response.headers["Cache-Control"] = "no-store"
    return response


def of_threads() -> Response:
    """``{"threads": {"<thread id>": {"text", "replying", "people"}}}`` for the rows of the
    Messages list (``?thread=<id>``, repeated); threads with nobody on them are left out."""
    actor = _staff()
    form = PresenceQuery.from_request()
    _checked(form)
    found = presence.others_by_thread(actor, form.thread.data or [])
    return _json({"threads": {str(k): presence.as_json(v) for k, v in found.items()}})


def register(bp: Blueprint) -> None:
    bp.add_url_rule(
        "/api/admin/orders/<order_id>/presence",
        "api_staff_presence",
        heartbeat,
        methods=["POST"],
    )
    bp.add_url_rule("/api/admin/presence", "api_staff_presence_list", of_threads)
