"""The blueprint: staff pages, customer pages, JSON endpoints."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, render_template, request
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms.validators import ValidationError as CSRFValidationError

from ..errors import OrderMessagesError
from ..extension import current_settings

_PACKAGE = Path(__file__).resolve().parent.parent


def _check_csrf() -> None:
    """Every state-changing request carries a valid CSRF token (form field or header)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    token = request.form.get("csrf_token") or request.headers.get("X-CSRFToken")
    try:
        validate_csrf(token)
    except CSRFValidationError as exc:
        raise CSRFError(str(exc)) from None


def _error_layout() -> str:
    """Staff pages' errors look like the admin, customers' like the storefront."""
    staff = (request.endpoint or "").startswith("order_messages.staff_")
    return current_settings.admin_layout if staff else current_settings.customer_layout


def _csrf_error(exc: CSRFError) -> tuple[str, int]:
    return (
        render_template(
            "order_messages/error.html",
            layout=_error_layout(),
            title="Please try again",
            message="This form has expired or lacks its security token. Nothing was saved. "
            "Reload the page and send it again.",
            draft=request.form.get("body") or request.form.get("reason") or "",
        ),
        400,
    )


def _service_error(exc: OrderMessagesError) -> tuple[str, int]:
    return (
        render_template(
            "order_messages/error.html",
            layout=_error_layout(),
            title="Not saved",
            message=exc.message,
            draft=request.form.get("body") or request.form.get("reason") or "",
        ),
        exc.status_code,
    )


def build_blueprint() -> Blueprint:
    """A fresh blueprint (one per app, so several apps can hold the extension)."""
    from . import api, customer, guest, staff

    bp = Blueprint(
        "order_messages",
        __name__,
        template_folder=str(_PACKAGE / "templates"),
        static_folder=str(_PACKAGE / "static"),
        static_url_path="/static",
    )
    bp.before_request(_check_csrf)
    bp.register_error_handler(CSRFError, _csrf_error)
    bp.register_error_handler(OrderMessagesError, _service_error)
    staff.register(bp)
    customer.register(bp)
    api.register(bp)
    guest.register(bp)
    return bp
