"""Webhook endpoints through the API, with the rules of the webhooks page
(``views/webhooks.py``): the ``webhooks`` permission, the shop's own staff only (a vendor's
staff are refused: an endpoint receives every vendor's events), the "feature-off" problem
while ``ORDER_MESSAGES_WEBHOOKS_ENABLED`` is off.  A new endpoint's secret is in the answer
that made it, and never again."""

from __future__ import annotations

from typing import Any

from werkzeug.exceptions import MethodNotAllowed

from ..i18n import gettext as _
from ..models import utcnow
from ..permissions import WEBHOOKS
from ..services import Actor, webhooks
from ..state import current_settings
from ..webhooks.disabled import disabled_reason
from ..webhooks.events import EVENTS
from . import auth
from .present import utc, utc_or_none
from .problems import ApiProblem
from .registry import body_of, query_of, route
from .schemas_more import (
    ActiveIn,
    DeliveriesQuery,
    DeliveryList,
    DeliveryOut,
    WebhookIn,
    WebhookList,
    WebhookOut,
    WebhookSecret,
    WebhookUpdateIn,
)

BASE = "/staff/webhooks"
#: Text, not an ``int`` converter: any other id is the not-found problem, not Werkzeug's bare
#: HTML 404 (see :func:`endpoint` for the one word that is a sibling route's).
ONE = BASE + "/<endpoint_id>"
WRITE_ERRORS = (400, 404, 415)


def _manager(*, write: bool = False) -> Actor:
    actor = auth.staff(WEBHOOKS, write=write)
    if not current_settings.webhooks.enabled:
        raise ApiProblem("feature-off", _("Webhooks are turned off in this shop."))
    webhooks.check_manager(actor)
    return actor


def _endpoint(endpoint_id: str) -> Any:
    try:
        return webhooks.get_endpoint(endpoint_id)
    except webhooks.EndpointNotFound as exc:
        raise ApiProblem("not-found", exc.message) from None


def out(endpoint: Any) -> WebhookOut:
    return WebhookOut(
        id=endpoint.id,
        url=endpoint.url,
        description=endpoint.description,
        events=endpoint.event_list,
        active=endpoint.active,
        disabled_reason=disabled_reason(endpoint),  # in the reader's language
        created_at=utc(endpoint.created_at),
        previous_secret_until=utc_or_none(endpoint.rotating_until(utcnow())),
    )


def delivery_out(d: Any) -> DeliveryOut:
    return DeliveryOut(
        id=d.id,
        event=d.event,
        webhook_id=d.webhook_id,
        status=d.status,
        attempts=d.attempts,
        created_at=utc(d.created_at),
        next_attempt_at=utc(d.next_attempt_at),
        last_status_code=d.last_status_code,
        last_error=d.last_error,
        delivered_at=utc_or_none(d.delivered_at),
    )


@route(
    "GET",
    BASE,
    "api_staff_webhooks",
    summary="Every webhook endpoint, and the event types",
    tag="webhooks",
    side="staff",
    response=WebhookList,
    errors=(404,),
)
def endpoints() -> WebhookList:
    _manager()
    return WebhookList(
        endpoints=[out(e) for e in webhooks.list_endpoints()],
        events={name: str(words) for name, words in EVENTS.items()},
    )


@route(
    "POST",
    BASE + "/new",
    "api_staff_webhook_create",
    summary="Add an endpoint (its signing secret is in this answer only)",
    tag="webhooks",
    side="staff",
    body=WebhookIn,
    response=WebhookSecret,
    status=201,
    errors=WRITE_ERRORS,
)
def create() -> WebhookSecret:
    actor = _manager(write=True)
    body = body_of(WebhookIn)
    endpoint = webhooks.create_endpoint(actor, body.url, body.events, body.description)
    return WebhookSecret(endpoint=out(endpoint), secret=endpoint.secret)


@route(
    "GET",
    ONE,
    "api_staff_webhook",
    summary="One endpoint",
    tag="webhooks",
    side="staff",
    response=WebhookOut,
    errors=(404,),
)
def endpoint(endpoint_id: str) -> WebhookOut:
    if endpoint_id == "new":  # the address of POST .../new, asked with GET
        raise MethodNotAllowed(valid_methods=["POST"])
    _manager()
    return out(_endpoint(endpoint_id))


@route(
    "POST",
    ONE + "/edit",
    "api_staff_webhook_update",
    summary="Change an endpoint's URL, events or description (the fields sent)",
    tag="webhooks",
    side="staff",
    body=WebhookUpdateIn,
    response=WebhookOut,
    errors=WRITE_ERRORS,
)
def update(endpoint_id: str) -> WebhookOut:
    actor = _manager(write=True)
    found = _endpoint(endpoint_id)
    body = body_of(WebhookUpdateIn)
    webhooks.update_endpoint(
        actor, found, url=body.url, chosen=body.events, description=body.description
    )
    return out(found)


@route(
    "POST",
    ONE + "/active",
    "api_staff_webhook_active",
    summary="Turn an endpoint on or off",
    tag="webhooks",
    side="staff",
    body=ActiveIn,
    response=WebhookOut,
    errors=WRITE_ERRORS,
)
def active(endpoint_id: str) -> WebhookOut:
    actor = _manager(write=True)
    found = _endpoint(endpoint_id)
    webhooks.set_active(actor, found, body_of(ActiveIn).active)
    return out(found)


@route(
    "POST",
    ONE + "/delete",
    "api_staff_webhook_delete",
    summary="Delete an endpoint, with its deliveries",
    tag="webhooks",
    side="staff",
    status=204,
    errors=(404,),
)
def delete(endpoint_id: str) -> None:
    actor = _manager(write=True)
    webhooks.delete_endpoint(actor, _endpoint(endpoint_id))


@route(
    "GET",
    ONE + "/deliveries",
    "api_staff_webhook_deliveries",
    summary="An endpoint's deliveries, newest first (cursor paging)",
    tag="webhooks",
    side="staff",
    query=DeliveriesQuery,
    response=DeliveryList,
    errors=(400, 404),
)
def deliveries(endpoint_id: str) -> DeliveryList:
    _manager()
    found = _endpoint(endpoint_id)
    query = query_of(DeliveriesQuery)
    rows = webhooks.deliveries_of(found, query.limit, query.before)
    return DeliveryList(deliveries=[delivery_out(d) for d in rows])


@route(
    "POST",
    ONE + "/test",
    "api_staff_webhook_test",
    summary="Send the endpoint a webhook.test event",
    tag="webhooks",
    side="staff",
    response=DeliveryOut,
    status=202,
    errors=(404,),
)
def test(endpoint_id: str) -> DeliveryOut:
    actor = _manager(write=True)
    return delivery_out(webhooks.send_test(actor, _endpoint(endpoint_id)))


@route(
    "POST",
    ONE + "/rotate",
    "api_staff_webhook_rotate",
    summary="A new signing secret (in this answer only); the previous one signs too for a day",
    tag="webhooks",
    side="staff",
    response=WebhookSecret,
    errors=(404,),
)
def rotate(endpoint_id: str) -> WebhookSecret:
    actor = _manager(write=True)
    found = _endpoint(endpoint_id)
    secret = webhooks.rotate_secret(actor, found)
    return WebhookSecret(endpoint=out(found), secret=secret)
