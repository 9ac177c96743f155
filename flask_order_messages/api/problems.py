"""Problem Details (RFC 9457) for the JSON API: every error an API route answers is an
``application/problem+json`` object with a stable ``type`` per kind of error (listed in
:data:`PROBLEMS` and docs/api.md), ``title``, ``status``, ``detail`` (the sentence a page
would show) and, where it applies, ``field`` (the request field in question), ``errors``
(each refused field), ``permission`` or ``entry_id``.  The HTML pages keep their own error
pages: the blueprint's handlers ask :func:`wants_problem` first."""

from __future__ import annotations

from typing import Any

from flask import Response, json, request
from flask_babel.speaklater import LazyString

from ..errors import DisputeError, FeatureOffError, NewerEntryError, OrderMessagesError
from ..i18n import gettext as _
from ..i18n import lazy_gettext

MIMETYPE = "application/problem+json"
#: Every ``type`` is this and a slug: stable, and the same in every shop.
TYPE_BASE = "urn:flask-order-messages:problem:"

#: slug: (status, title).  The title is in the reader's language; the ``type`` stays English.
PROBLEMS: dict[str, tuple[int, LazyString]] = {
    "unauthenticated": (401, lazy_gettext("Authentication required")),
    "invalid-token": (401, lazy_gettext("Access token refused")),
    "forbidden": (403, lazy_gettext("Not allowed")),
    "permission-missing": (403, lazy_gettext("Permission missing")),
    "token-scope": (403, lazy_gettext("Token scope too narrow")),
    "csrf": (400, lazy_gettext("CSRF token missing or invalid")),
    "not-found": (404, lazy_gettext("Not found")),
    "feature-off": (404, lazy_gettext("Feature turned off")),
    "validation": (400, lazy_gettext("Invalid request")),
    "unsupported-media-type": (415, lazy_gettext("Unsupported media type")),
    "dispute-state": (409, lazy_gettext("Dispute state conflict")),
    "newer-entry": (409, lazy_gettext("Newer entry not seen")),
    "conflict": (409, lazy_gettext("Conflict")),
    "too-large": (413, lazy_gettext("Request too large")),
    "rate-limited": (429, lazy_gettext("Too many posts")),
    "unavailable": (503, lazy_gettext("Database unavailable")),
}


def type_uri(slug: str) -> str:
    return TYPE_BASE + slug


class ApiProblem(Exception):
    """Raised by the API's own checks: answered as the problem ``slug`` (see :data:`PROBLEMS`)."""

    def __init__(self, slug: str, detail: object, **extra: Any) -> None:
        super().__init__(str(detail))
        self.slug = slug
        self.detail = str(detail)
        self.extra = extra


def problem_response(
    slug: str, detail: object, *, status: int | None = None, headers: Any = None, **extra: Any
) -> Response:
    """The problem ``slug`` as a response (``extra``: members such as ``field``)."""
    code, title = PROBLEMS[slug]
    body: dict[str, Any] = {
        "type": type_uri(slug),
        "title": str(title),
        "status": status or code,
        "detail": str(detail),
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    response = Response(json.dumps(body), status=status or code, mimetype=MIMETYPE)
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def wants_problem() -> bool:
    """Whether the current request is one of the API's routes (not the pages' JSON)."""
    from .registry import ENDPOINTS

    return request.endpoint in ENDPOINTS


def of_service_error(exc: OrderMessagesError) -> Response:
    """A service's refusal as a problem: its words, its field, its status."""
    from ..access_tokens import TokenNotFound, TokenRefused
    from ..permissions import PermissionDenied

    field = getattr(exc, "field", None) or None
    if isinstance(exc, PermissionDenied):
        return problem_response("permission-missing", exc.message, permission=exc.permission)
    if isinstance(exc, TokenRefused):
        return problem_response("invalid-token", exc.message, reason=exc.reason)
    if isinstance(exc, NewerEntryError):
        return problem_response("newer-entry", exc.message, entry_id=exc.entry_id, field="seen_id")
    if isinstance(exc, DisputeError):
        return problem_response("dispute-state", exc.message)
    if isinstance(exc, FeatureOffError | TokenNotFound):
        return problem_response(
            "feature-off" if isinstance(exc, FeatureOffError) else "not-found", exc.message
        )
    slug = {400: "validation", 403: "forbidden", 404: "not-found", 409: "conflict"}.get(
        exc.status_code, "validation"
    )
    return problem_response(slug, exc.message, status=exc.status_code, field=field)


def of_exception(exc: Exception) -> Response:
    """The blueprint's errors (a refused CSRF token, a service's refusal, the posting
    limit, a body too large) as problems, for the API's routes."""
    from flask_limiter.errors import RateLimitExceeded
    from flask_wtf.csrf import CSRFError
    from werkzeug.exceptions import RequestEntityTooLarge

    if isinstance(exc, OrderMessagesError):
        return of_service_error(exc)
    if isinstance(exc, CSRFError):
        return problem_response(
            "csrf",
            _(
                "A write with the session needs the page's CSRF token (the X-CSRFToken "
                "header); or call with an access token. Nothing was saved."
            ),
        )
    if isinstance(exc, RateLimitExceeded):
        from ..ratelimit import seconds_to_wait

        wait = seconds_to_wait()
        return problem_response(
            "rate-limited",
            _("You're sending messages quickly — please wait a minute, then send it again."),
            headers={"Retry-After": str(wait)},
        )
    if isinstance(exc, RequestEntityTooLarge):
        return problem_response("too-large", _("What you sent is far too large to be a message."))
    raise exc
