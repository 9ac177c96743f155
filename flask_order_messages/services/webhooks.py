"""Webhook endpoints: add, turn off and on, delete, send a test, list with their deliveries.

Endpoints belong to the shop (a marketplace's own staff manage them; a vendor's staff may
not: they would receive every vendor's events).  Each gets its own secret, shown to staff
once, when it is added.  Services flush, never commit.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from ..errors import NotAllowedError, OrderMessagesError, ValidationError
from ..i18n import gettext as _
from ..i18n import lazy_gettext
from ..model_types import WebhookDelivery, WebhookEndpoint
from ..models import utcnow
from ..state import current_order_messages as ext
from ..state import current_settings
from ..webhooks import events, signing, urls
from ..webhooks.delivery import after_commit
from .common import Actor, clean_text, session

#: What a vendor's staff member is told on the webhook pages.
MANAGED_BY_MARKETPLACE = lazy_gettext(
    "Webhooks are managed by the marketplace's staff: an endpoint receives every vendor's "
    "events. Nothing was changed."
)
#: Deliveries the page lists.
RECENT = 50
#: How long a rotated secret still signs deliveries, beside the new one.
ROTATION_GRACE = timedelta(hours=24)


class EndpointNotFound(OrderMessagesError):
    """No endpoint with this id (deleted meanwhile, or a made-up id)."""

    status_code = 404


def check_manager(actor: Actor) -> None:
    """Only the shop's (the marketplace's own) staff manage webhooks."""
    if actor.vendor is not None:
        raise NotAllowedError(MANAGED_BY_MARKETPLACE)


def list_endpoints() -> list[WebhookEndpoint]:
    ep = ext.models.WebhookEndpoint
    return list(session().execute(sa.select(ep).order_by(ep.id)).scalars())


def get_endpoint(raw_id: Any) -> WebhookEndpoint:
    """The endpoint named by ``raw_id`` (text from a form), or :class:`EndpointNotFound`."""
    raw = str(raw_id)
    endpoint_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else 0
    found = session().get(ext.models.WebhookEndpoint, endpoint_id) if endpoint_id > 0 else None
    if found is None:
        raise EndpointNotFound(_("This webhook endpoint does not exist (any more)."))
    return found


def clean_events(raw: Any) -> list[str]:
    """The chosen event types, in the order of :data:`.events.EVENTS`; at least one."""
    chosen = set(raw or ())
    unknown = chosen - events.EVENTS.keys()
    if unknown:
        raise ValidationError(
            _("Unknown event %(event)s.", event=repr(sorted(unknown)[0])), "events"
        )
    if not chosen:
        raise ValidationError(_("Choose at least one event to send."), "events")
    return [name for name in events.EVENTS if name in chosen]


def _clean_url(url: Any, other_than: int | None = None) -> str:
    clean_url = urls.check_url(url, allow_private=current_settings.webhooks.allow_private)
    e = ext.models.WebhookEndpoint
    taken = sa.select(e.id).where(e.url == clean_url)
    if other_than is not None:
        taken = taken.where(e.id != other_than)
    if session().execute(taken.limit(1)).first():
        # Each event would go there twice, two deliveries nobody could tell apart.
        raise ValidationError(
            _("This address has an endpoint already: change or delete that one instead."), "url"
        )
    return clean_url


def _clean_description(description: Any) -> str:
    if description in (None, "") or not str(description).strip():
        return ""
    return clean_text(description, field="description", label=_("The description"), max_length=200)


def create_endpoint(actor: Actor, url: Any, chosen: Any, description: Any = "") -> WebhookEndpoint:
    """Add an active endpoint with a fresh secret (its ``secret`` is shown once)."""
    check_manager(actor)
    clean_url = _clean_url(url)
    names = clean_events(chosen)
    text = _clean_description(description)
    endpoint = ext.models.WebhookEndpoint(
        url=clean_url,
        description=text,
        secret=signing.new_secret(),
        events=f" {' '.join(names)} ",
        active=True,
        created_by_id=actor.id,
    )
    session().add(endpoint)
    session().flush()
    return endpoint


def update_endpoint(
    actor: Actor,
    endpoint: WebhookEndpoint,
    *,
    url: Any = None,
    chosen: Any = None,
    description: Any = None,
) -> None:
    """Change an endpoint's URL, events or description (None: left as it is); every field is
    checked before any is changed.  Its secret and its deliveries stay."""
    check_manager(actor)
    clean_url = _clean_url(url, other_than=endpoint.id) if url is not None else endpoint.url
    names = clean_events(chosen) if chosen is not None else endpoint.event_list
    text = _clean_description(description) if description is not None else endpoint.description
    endpoint.url = clean_url
    endpoint.events = f" {' '.join(names)} "
    endpoint.description = text
    session().flush()


def rotate_secret(actor: Actor, endpoint: WebhookEndpoint) -> str:
    """Give ``endpoint`` a new secret (returned: shown once).  For :data:`ROTATION_GRACE`
    deliveries are signed with the previous secret as well, so its receiver can move to the
    new one meanwhile; a second rotation within it drops the secret before the previous one."""
    check_manager(actor)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = utcnow() + ROTATION_GRACE
    endpoint.secret = signing.new_secret()
    session().flush()
    return endpoint.secret


def deliveries_of(endpoint: WebhookEndpoint, limit: int, before: int = 0) -> list[WebhookDelivery]:
    """``endpoint``'s deliveries, newest first, older than the id ``before`` (0: the newest)."""
    d = ext.models.WebhookDelivery
    stmt = sa.select(d).where(d.endpoint_id == endpoint.id)
    if before:
        stmt = stmt.where(d.id < before)
    return list(session().execute(stmt.order_by(d.id.desc()).limit(limit)).scalars())


def set_active(actor: Actor, endpoint: WebhookEndpoint, active: bool) -> None:
    """Turn an endpoint on or off.  Off, its pending deliveries wait (they are not sent)."""
    check_manager(actor)
    endpoint.active = active
    if active:
        endpoint.disabled_reason = endpoint.disabled_code = endpoint.disabled_args = None
    session().flush()


def delete_endpoint(actor: Actor, endpoint: WebhookEndpoint) -> None:
    """Delete an endpoint and its deliveries."""
    check_manager(actor)
    d = ext.models.WebhookDelivery
    session().execute(
        sa.delete(d)
        .where(d.endpoint_id == endpoint.id)
        .execution_options(synchronize_session=False)
    )
    session().delete(endpoint)
    session().flush()


def send_test(actor: Actor, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Write a ``webhook.test`` ping for ``endpoint`` alone, delivered after the commit."""
    check_manager(actor)
    message_id = signing.new_message_id()
    data = {"endpoint_id": endpoint.id, "actor": events.actor_data(actor)}
    delivery = ext.models.WebhookDelivery(
        endpoint_id=endpoint.id,
        event=events.TEST,
        webhook_id=message_id,
        payload=events.body(events.TEST, data),
        status="pending",
        attempts=0,
    )
    session().add(delivery)
    session().flush()
    after_commit(message_id)
    return delivery


def recent_deliveries(limit: int = RECENT) -> list[tuple[WebhookDelivery, str]]:
    """The newest deliveries, with their endpoint's URL, newest first."""
    d, ep = ext.models.WebhookDelivery, ext.models.WebhookEndpoint
    stmt = sa.select(d, ep.url).join(ep, ep.id == d.endpoint_id).order_by(d.id.desc()).limit(limit)
    return [(row, url) for row, url in session().execute(stmt).all()]
