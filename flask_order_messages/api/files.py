"""Attachment files through the API: the ``url`` of each attachment an API answer lists.
The same access checks as the pages' file routes (``views/files.py``): staff with ``read``
reach every attachment of an order they may see, staff-only notes' too; a customer those of
their own orders, never a note's.  Anything else -- another's order, a made-up id, a file
missing from the storage -- is the same "not-found" problem.  A token works here as on every
API route (``Authorization: Bearer``), so an integration can fetch the files it is told of."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from ..i18n import gettext as _
from ..i18n import lazy_gettext
from ..permissions import READ
from ..services.attachments import attachment_for
from ..state import current_settings
from ..views.files import send_attachment
from . import auth
from .problems import ApiProblem
from .registry import route

#: Nobody in between may keep a file; the caller's own cache may, but must ask again.
HEADERS = {"Cache-Control": "private, no-cache", "Vary": "Authorization, Cookie"}
GONE = lazy_gettext("No such attachment.")
#: Text, not an ``int`` converter: any other id is answered with the not-found problem.
_ID = "<attachment_id>"


def _file(order: Any, raw_id: str, *, staff: bool) -> Response:
    if not current_settings.attachments_enabled:
        raise ApiProblem("feature-off", _("Attachments are turned off in this shop."))
    if not (raw_id.isascii() and raw_id.isdigit() and len(raw_id) < 19):
        raise ApiProblem("not-found", GONE)
    attachment = attachment_for(order, int(raw_id), staff=staff)
    response = send_attachment(attachment, HEADERS) if attachment is not None else None
    if response is None:
        raise ApiProblem("not-found", GONE)
    return response


@route(
    "GET",
    f"/staff/orders/<order_id>/attachments/{_ID}",
    "api_staff_attachment",
    summary="An attachment's file (staff: every attachment of the order)",
    tag="staff",
    side="staff",
    errors=(404,),
    binary=True,
)
def staff_attachment(order_id: str, attachment_id: str) -> Response:
    actor = auth.staff(READ)
    return _file(auth.staff_order(order_id, actor), attachment_id, staff=True)


@route(
    "GET",
    f"/orders/<order_id>/attachments/{_ID}",
    "api_customer_attachment",
    summary="An attachment's file, of my order (never a staff-only note's)",
    tag="customer",
    side="customer",
    errors=(404,),
    binary=True,
)
def customer_attachment(order_id: str, attachment_id: str) -> Response:
    actor = auth.customer()
    return _file(auth.own_order(order_id, actor), attachment_id, staff=False)
