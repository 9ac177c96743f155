"""The staff webhooks page (Messages → Webhooks): endpoints, a form to add one, and the
recent deliveries with their status; turn an endpoint off or on, send it a test, delete it
(with a confirm step).  A new endpoint's secret is shown once, in the answer to the POST that
added it (never in a URL or a redirect).  404 while ``ORDER_MESSAGES_WEBHOOKS_ENABLED`` is off;
the ``webhooks`` permission; a marketplace's own staff only (``services/webhooks.py``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ..errors import ValidationError
from ..forms import ConfirmForm
from ..forms_webhooks import WebhookEndpointForm
from ..i18n import lazy_gettext
from ..permissions import WEBHOOKS
from ..services import webhooks
from ..services.common import Actor
from ..state import current_settings
from ..webhooks.events import EVENTS
from .common import require_staff

Page = Response | tuple[str, int]
#: The notice after each action (``?done=...``).
DONE = {
    "on": lazy_gettext("The endpoint was turned on; its waiting deliveries go out now."),
    "off": lazy_gettext(
        "The endpoint was turned off; its deliveries wait until it is turned on again."
    ),
    "test": lazy_gettext(
        "A test event is on its way; its status is in the list of deliveries below."
    ),
    "deleted": lazy_gettext("The endpoint was deleted, with its deliveries."),
}


def _manager() -> Actor:
    actor = require_staff(WEBHOOKS)
    if not current_settings.webhooks.enabled:
        abort(404)
    webhooks.check_manager(actor)
    return actor


def _page(form: Any, *, created: Any = None, notice: str | None = None, status: int = 200) -> Page:
    page = render_template(
        "order_messages/webhooks.html",
        endpoints=webhooks.list_endpoints(),
        deliveries=webhooks.recent_deliveries(),
        events=EVENTS,
        form=form,
        created=created,
        notice=notice,
        allow_private=current_settings.webhooks.allow_private,
    )
    return page, status


def _to_page(done: str) -> Response:
    return redirect(url_for("order_messages.staff_webhooks", done=done), code=303)


def _empty_form() -> WebhookEndpointForm:
    return WebhookEndpointForm(formdata=None, data={"events": list(EVENTS)})


def page() -> Page:
    """GET: the page.  POST: add an endpoint; its secret is shown once, on the answer."""
    actor = _manager()
    if request.method == "GET":
        return _page(_empty_form(), notice=DONE.get(request.args.get("done", "")))
    form = WebhookEndpointForm.from_request()
    form.check()  # the CSRF token
    try:
        endpoint = webhooks.create_endpoint(
            actor, form.url.data, form.events.data, form.description.data
        )
    except ValidationError as exc:
        form.refuse(exc)
        return _page(form, status=exc.status_code)
    return _page(
        WebhookEndpointForm(formdata=None, data={"events": list(EVENTS)}), created=endpoint
    )


def _endpoint(endpoint_id: int) -> Any:
    try:
        return webhooks.get_endpoint(endpoint_id)
    except webhooks.EndpointNotFound:
        abort(404)


def switch(endpoint_id: int) -> Response:
    """POST ``active=1`` or ``0``: turn the endpoint on or off."""
    actor = _manager()
    ConfirmForm.from_request().check()
    endpoint = _endpoint(endpoint_id)
    active = request.form.get("active") == "1"
    webhooks.set_active(actor, endpoint, active)
    return _to_page("on" if active else "off")


def test(endpoint_id: int) -> Response:
    """POST: send the endpoint a ``webhook.test`` event."""
    actor = _manager()
    ConfirmForm.from_request().check()
    webhooks.send_test(actor, _endpoint(endpoint_id))
    return _to_page("test")


def delete(endpoint_id: int) -> Page:
    """GET: "Delete this endpoint?".  POST: delete it."""
    actor = _manager()
    endpoint = _endpoint(endpoint_id)
    if request.method == "POST":
        ConfirmForm.from_request().check()
        webhooks.delete_endpoint(actor, endpoint)
        return _to_page("deleted")
    return render_template("order_messages/webhook_delete.html", webhook=endpoint), 200


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/admin/webhooks", "staff_webhooks", page, methods=["GET", "POST"])
    bp.add_url_rule(
        "/admin/webhooks/<int:endpoint_id>/active", "staff_webhook_switch", switch, methods=["POST"]
    )
    bp.add_url_rule(
        "/admin/webhooks/<int:endpoint_id>/test", "staff_webhook_test", test, methods=["POST"]
    )
    bp.add_url_rule(
        "/admin/webhooks/<int:endpoint_id>/delete",
        "staff_webhook_delete",
        delete,
        methods=["GET", "POST"],
    )
