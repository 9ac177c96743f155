"""``POST <prefix>/inbound-mail``: a mail provider's inbound hook hands over one raw mail.

The body is the message itself (``Content-Type: message/rfc822``, or
``application/octet-stream``), at most :func:`..inbound.pipeline.max_mail_bytes`.  The caller
proves it knows ``ORDER_MESSAGES_INBOUND_SECRET`` with ``Authorization: Bearer <secret>``
(or HTTP Basic auth with the secret as password, for providers that take credentials in the
URL; or, for those that can set neither, ``?key=<secret>`` -- which ends up in access logs, so
prefer a header).  No secret configured: 404, as if the endpoint did not exist.  Not a
browser form, so no CSRF token; a write, so never a GET.

Answers JSON: ``202`` with what became of the mail (``{"outcome": "posted", ...}``, refused
and ignored mail included: they are recorded, there is nothing to retry); ``503`` with
``Retry-After`` when it could not be handled now (send it again); ``401``, ``413``, ``415``.
"""

from __future__ import annotations

import hmac
from typing import Any

from flask import Blueprint, abort, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wsgi import get_input_stream

from ..host_csrf import exempt_from_host_csrf
from ..state import current_settings

ENDPOINT = "inbound_mail"
CONTENT_TYPES = ("message/rfc822", "application/octet-stream")


def _offered_secret() -> str:
    auth = request.authorization
    if auth is not None:
        if auth.type == "bearer":
            return auth.token or ""
        if auth.type == "basic":
            return auth.password or ""
    return request.args.get("key", "")


def _error(status: int, message: str, **headers: str) -> Any:
    return jsonify(error=message), status, headers


def inbound_mail() -> Any:
    """Take one raw mail from a mail provider's hook (see the module's text)."""
    from ..inbound.pipeline import max_mail_bytes, receive

    secret = getattr(current_settings, "inbound_secret", None)
    if not secret:
        abort(404)
    offered = _offered_secret().encode("utf-8", "replace")
    if not hmac.compare_digest(offered, secret.encode("utf-8")):
        return _error(401, "wrong or missing secret", **{"WWW-Authenticate": "Bearer"})
    if request.mimetype not in CONTENT_TYPES:
        return _error(415, "send the raw mail as message/rfc822")
    limit = max_mail_bytes()
    if (request.content_length or 0) > limit:
        return _error(413, f"a mail here can be up to {limit} bytes")
    try:
        # Read up to this limit, not the host's MAX_CONTENT_LENGTH for forms (which
        # request.stream applies, and which Flask 3.0 cannot change per request).
        stream = get_input_stream(request.environ, max_content_length=limit + 1)
        raw = stream.read(limit + 1)
    except RequestEntityTooLarge:
        raw = b"x" * (limit + 1)
    if len(raw) > limit:
        return _error(413, f"a mail here can be up to {limit} bytes")
    if not raw.strip():
        return _error(400, "the body is empty: send the raw mail")
    outcome = receive(raw, via="http")
    body = {"outcome": outcome.outcome, "reason": outcome.reason, "id": outcome.inbound_id}
    if outcome.temporary:
        return jsonify(body), 503, {"Retry-After": "60"}
    return jsonify(body), 202


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/inbound-mail", ENDPOINT, inbound_mail, methods=["POST"])
    exempt_from_host_csrf(bp, lambda: [inbound_mail])
