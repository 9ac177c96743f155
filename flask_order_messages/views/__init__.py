"""The blueprint: staff pages, customer pages, JSON endpoints."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Blueprint, jsonify, render_template, request
from flask.typing import RouteCallable
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError, validate_csrf
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms.validators import ValidationError as CSRFValidationError

from .. import mail
from ..errors import OrderMessagesError
from ..i18n import gettext as _
from ..i18n import lazy_gettext
from ..layouts import host_blueprint_context, page_layout, side_of_endpoint
from ..state import current_order_messages, current_settings
from ..templating import safe_next
from ..transactions import committed

log = logging.getLogger("flask_order_messages")

_PACKAGE = Path(__file__).resolve().parent.parent
#: The mail provider's hook (views/inbound.py): no browser form, so no CSRF token.
INBOUND_ENDPOINT = "order_messages.inbound_mail"


def _check_csrf() -> None:
    """Every state-changing request carries a valid CSRF token (form field or header)."""
    if request.method in ("GET", "HEAD", "OPTIONS") or request.endpoint == INBOUND_ENDPOINT:
        return  # the inbound mail hook proves itself with its shared secret instead
    from ..api import token_request

    if token_request():
        return  # an access token is no cookie a foreign page can make the browser send
    token = request.form.get("csrf_token") or request.headers.get("X-CSRFToken")
    try:
        validate_csrf(token)
    except CSRFValidationError as exc:
        raise CSRFError(str(exc)) from None


def _error_layout() -> Any:
    """Staff pages' errors look like the admin, customers' like the storefront."""
    return page_layout(side_of_endpoint(request.endpoint))


def _api_aware(handler: Any) -> Any:
    """``handler`` for the pages; a Problem Details answer for the JSON API's routes."""
    import functools

    @functools.wraps(handler)
    def handle(exc: Exception) -> Any:
        from ..api import problems

        if not problems.wants_problem():
            return handler(exc)
        return problems.of_exception(exc)

    return handle


def _csrf_error(exc: CSRFError) -> tuple[str, int]:
    return (
        render_template(
            "order_messages/error.html",
            layout=_error_layout(),
            title=_("Please try again"),
            message=_(
                "This form has expired or lacks its security token. Nothing was saved. "
                "Reload the page and send it again."
            ),
            draft=request.form.get("body") or request.form.get("reason") or "",
        ),
        400,
    )


def _service_error(exc: OrderMessagesError) -> tuple[str, int]:
    return (
        render_template(
            "order_messages/error.html",
            layout=_error_layout(),
            # A refused page address or filter is no failed save.
            title=_("Not saved") if request.method == "POST" else _("This page cannot be shown"),
            message=exc.message,
            draft=_draft(),
        ),
        exc.status_code,
    )


def _draft() -> str:
    """The text the person typed, to give back on an error page."""
    return request.form.get("body") or request.form.get("reason") or request.form.get("note") or ""


def _rate_limited(exc: RateLimitExceeded) -> tuple[str, int, dict[str, str]]:
    """429: the person posts faster than ``ORDER_MESSAGES_POST_RATE_LIMIT``.  Their text comes
    back in a form that sends it again."""
    from ..ratelimit import seconds_to_wait

    wait = seconds_to_wait()
    field = next((f for f in ("body", "reason", "note") if f in request.form), "")
    page = render_template(
        "order_messages/rate_limited.html",
        layout=_error_layout(),
        title=_("Please wait a moment"),
        message=_(
            "You're sending messages quickly — please wait a minute, then send it again. "
            "Nothing was lost: your text is below."
        ),
        field=field,
        draft=request.form.get(field, "") if field else "",
        action=request.path,
        next=safe_next(request.form.get("next")) or "",
        wait=wait,
    )
    return page, 429, {"Retry-After": str(wait)}


def _size_limits() -> str:
    """What one message may carry, in words, for the 413 page."""
    from ..services.attachments import format_size

    settings = current_settings
    length = format(settings.max_body_length, ",")
    if not settings.attachments_enabled:
        return _("A message can be up to %(length)s characters.", length=length)
    return _(
        "A message can be up to %(length)s characters, with at most %(count)s files of up to "
        "%(size)s each (%(total)s in all). Go back and send your text again, with smaller or "
        "fewer files.",
        length=length,
        count=settings.max_attachments,
        size=format_size(settings.max_attachment_bytes),
        total=format_size(settings.max_attachments_total_bytes),
    )


def _too_large(exc: RequestEntityTooLarge) -> tuple[str, int]:
    return (
        render_template(
            "order_messages/error.html",
            layout=_error_layout(),
            title=_("Not saved"),
            message=_(
                "What you sent is far too long to be a message. Nothing was saved. %(limits)s",
                limits=_size_limits(),
            ),
            draft="",
        ),
        413,
    )


_UNAVAILABLE = lazy_gettext(
    "The shop could not reach its database just now, so nothing was saved. "
    "Please try again in a moment."
)


def _database_down(exc: Exception) -> Any:
    """503: the database dropped the connection or could not be reached.  The service rolled
    back, so nothing was half-saved; the next request gets a fresh connection."""
    log.warning(
        "order-messages: database unavailable during %s %s: %s", request.method, request.path, exc
    )
    session = current_order_messages.db.session
    try:
        session.rollback()
    except Exception:  # noqa: BLE001 - the connection is gone already; it is discarded
        session.remove()
    headers = {"Retry-After": "5"}
    from ..api.problems import problem_response, wants_problem

    if wants_problem():
        return problem_response("unavailable", _UNAVAILABLE, headers=headers)
    if (request.endpoint or "").startswith("order_messages.api_"):
        return (
            jsonify(error=str(_UNAVAILABLE)),
            503,
            headers,
        )  # scripts get JSON, as for every error
    context = {
        "title": _("Please try again in a moment"),
        "message": _UNAVAILABLE,
        "draft": _draft(),
        # A GET is tried again where it was; a POST goes back to the page its form was on.
        "back": (safe_next(request.full_path.rstrip("?")) if request.method == "GET" else None)
        or safe_next(request.form.get("next"))
        or "/",
    }
    try:
        # In the host's layout if it renders (its header may need the database too) ...
        page = render_template("order_messages/error.html", layout=_error_layout(), **context)
    except Exception:  # noqa: BLE001
        try:
            session.rollback()
        except Exception:  # noqa: BLE001
            session.remove()
        # ... else a page that stands alone.
        page = render_template("order_messages/unavailable.html", **context)
    return page, 503, headers


class _UnitOfWorkBlueprint(Blueprint):
    """A blueprint whose every view ends its request's unit of work: a POST is committed
    once, after its view returned (see :func:`..transactions.committed`); a GET commits
    nothing."""

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: RouteCallable | None = None,
        provide_automatic_options: bool | None = None,
        **options: Any,
    ) -> None:
        view = committed(view_func) if view_func is not None else None
        super().add_url_rule(rule, endpoint, view, provide_automatic_options, **options)


def build_blueprint() -> Blueprint:
    """A fresh blueprint (one per app, so several apps can hold the extension)."""
    from . import (
        api,
        api_questions,
        canned,
        customer,
        files,
        guest,
        inbound,
        insight,
        presence,
        questions,
        reopen,
        staff,
        team,
        webhooks,
    )

    bp = _UnitOfWorkBlueprint(
        "order_messages",
        __name__,
        template_folder=str(_PACKAGE / "templates"),
        static_folder=str(_PACKAGE / "static"),
        static_url_path="/static",
    )
    bp.before_request(_check_csrf)
    bp.before_request(mail.send_after_response)
    bp.context_processor(host_blueprint_context)
    bp.register_error_handler(CSRFError, _api_aware(_csrf_error))
    bp.register_error_handler(OrderMessagesError, _api_aware(_service_error))
    bp.register_error_handler(RateLimitExceeded, _api_aware(_rate_limited))
    bp.register_error_handler(RequestEntityTooLarge, _api_aware(_too_large))
    for error in (OperationalError, InterfaceError, PoolTimeoutError):
        bp.register_error_handler(error, _database_down)
    staff.register(bp)
    customer.register(bp)
    api.register(bp)
    guest.register(bp)
    files.register(bp)
    insight.register(bp)
    canned.register(bp)
    reopen.register(bp)
    inbound.register(bp)
    team.register(bp)
    presence.register(bp)
    questions.register(bp)
    api_questions.register(bp)
    webhooks.register(bp)
    from .. import api as json_api

    json_api.install(bp)
    return bp
