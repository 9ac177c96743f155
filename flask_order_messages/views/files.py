"""Attachment files, sent only to people who may read the thread.

* staff: ``<prefix>/admin/orders/<order>/attachments/<id>``, every attachment of the order,
  staff-only notes' too;
* the order's customer: ``<prefix>/orders/<order>/attachments/<id>``, except notes' files;
* a guest link: ``<prefix>/t/<token>/attachments/<id>``, as the order's customer.

Anyone else, a made-up id, an attachment of another order and a file missing from the storage
all get the very same 404.  Images are sent ``inline`` (thumbnails, a click opens them),
everything else as a download; every file goes out with its detected type, ``nosniff`` and a
sandboxing Content-Security-Policy, so a file can never run as a page of the shop.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, abort, current_app, request, send_file
from werkzeug.wrappers import Response

from ..permissions import READ
from ..services.attachments import attachment_for, is_image_type
from ..state import current_order_messages as ext
from ..state import current_settings
from ..storage import current_storage
from ..tokens import GuestLinkError, load_guest_order
from .common import (
    limit_this_request,
    order_or_404,
    owned_order_or_404,
    require_customer,
    require_staff,
)

log = logging.getLogger("flask_order_messages")

#: The forms that may carry files: their requests get the size ceiling below.
UPLOAD_ENDPOINTS = frozenset(
    "order_messages." + name
    for name in (
        "staff_post",
        "customer_post",
        "guest_thread",
        "api_staff_post",
        "api_customer_post",
    )
)
#: Headers of every file response.
_FILE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
    "sandbox",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def upload_ceiling() -> int:
    """The most a reply form's request may carry when the host sets no lower
    ``MAX_CONTENT_LENGTH``: twice the per-message total plus 1 MiB for the text.  Up to it,
    too many or too large files are refused on the form with the text kept; beyond it the
    request is not even read (a 413 page)."""
    return 2 * current_settings.max_attachments_total_bytes + 1024 * 1024


def limit_request_size(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Bound what a reply form's request may carry before anything reads it.

    A URL value preprocessor rather than a ``before_request`` function: those of the app (a
    host's ``CSRFProtect``) run first and would read the whole body already."""
    if request.method != "POST" or endpoint not in UPLOAD_ENDPOINTS:
        return
    if not current_settings.attachments_enabled:
        return
    host_limit = current_app.config.get("MAX_CONTENT_LENGTH")
    ceiling = upload_ceiling()
    if host_limit is None or host_limit > ceiling:
        limit_this_request(ceiling)


def _send(order: Any, attachment_id: int, *, staff: bool, headers: dict[str, str]) -> Response:
    if not current_settings.attachments_enabled:
        abort(404)
    attachment = attachment_for(order, attachment_id, staff=staff)
    response = send_attachment(attachment, headers) if attachment is not None else None
    if response is None:
        abort(404)
    return response


def send_attachment(attachment: Any, headers: dict[str, str]) -> Response | None:
    """The file of ``attachment`` (one the caller may read), with the headers every file
    gets and ``headers``; None when it is missing from the storage (logged)."""
    try:
        stream = current_storage().open(attachment.storage_key)
    except FileNotFoundError:
        log.warning(
            "order-messages: attachment %s (%s) is missing from the storage",
            attachment.id,
            attachment.storage_key,
        )
        return None
    response = send_file(
        stream,
        mimetype=attachment.content_type,
        as_attachment=not is_image_type(attachment.content_type),
        download_name=attachment.filename,
        etag=attachment.storage_key,
        last_modified=attachment.created_at,
        max_age=None,
    )
    response.headers.update(_FILE_HEADERS)
    response.headers.update(headers)
    return response


# Logged-in readers may keep a file for an hour; nobody in between may keep it at all.
_LOGGED_IN = {"Cache-Control": "private, max-age=3600"}
# A guest link's token is in the address: as private as the guest thread page.
_GUEST = {
    "Cache-Control": "private, no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
}


def staff_attachment(order_id: str, attachment_id: int) -> Response:
    """Any attachment of the order, to staff."""
    actor = require_staff(READ)
    return _send(order_or_404(order_id, actor), attachment_id, staff=True, headers=_LOGGED_IN)


def customer_attachment(order_id: str, attachment_id: int) -> Response:
    """An attachment of one of the customer's own orders (never a staff-only note's)."""
    actor = require_customer()
    order = owned_order_or_404(order_id, actor)
    return _send(order, attachment_id, staff=False, headers=_LOGGED_IN)


def guest_attachment(token: str, attachment_id: int) -> Response:
    """An attachment seen through a guest link, as the order's customer sees it."""
    try:
        order = load_guest_order(token)
    except GuestLinkError:
        abort(404)
    if ext.db.session.get(ext.user_model, ext.order_owner_id(order)) is None:
        abort(404)
    return _send(order, attachment_id, staff=False, headers=_GUEST)


#: Ids beyond a 64-bit integer can name no attachment: a 404 from the URL map, not a 500.
_ID = "<int(min=1, max=9223372036854775807):attachment_id>"


def register(bp: Blueprint) -> None:
    bp.url_value_preprocessor(limit_request_size)
    bp.add_url_rule(
        f"/admin/orders/<order_id>/attachments/{_ID}", "staff_attachment", staff_attachment
    )
    bp.add_url_rule(
        f"/orders/<order_id>/attachments/{_ID}", "customer_attachment", customer_attachment
    )
    bp.add_url_rule(f"/t/<token>/attachments/{_ID}", "guest_attachment", guest_attachment)
