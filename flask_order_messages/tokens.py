"""Guest links: a signed, expiring token that opens one order's thread without a login.

The link in a customer's mail carries it, because many orders are placed without an account
and a customer reading mail on a phone is rarely logged in.  The token names one order and the
customer who owned it when the mail was written; it opens that thread (read and reply, as that
customer) and nothing else: no other order, no account, no dispute actions.

Tokens are signed with the app's ``SECRET_KEY`` (and checked against ``SECRET_KEY_FALLBACKS``
too, so rotating the key does not break links already mailed) under a salt of their own, so a
session cookie or another extension's token can never pass as one.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from .errors import OrderMessagesError
from .i18n import gettext as _
from .state import current_order_messages as ext
from .state import current_settings

SALT = "flask-order-messages.guest-link"


class GuestLinkError(OrderMessagesError):
    """The guest link is not valid: tampered with, cut short, or for an order that changed.
    Shown as a 404, the same answer as for a made-up order."""

    status_code = 404


class GuestLinkExpired(GuestLinkError):
    """The guest link was genuine but is older than ``ORDER_MESSAGES_GUEST_LINK_MAX_AGE``."""

    status_code = 410


def guest_links_enabled() -> bool:
    """Whether mails carry guest links (``ORDER_MESSAGES_GUEST_LINK_MAX_AGE`` is not 0)."""
    return current_settings.guest_link_max_age > 0


def _serializer() -> URLSafeTimedSerializer:
    secret = current_app.config.get("SECRET_KEY")
    if not secret:
        raise RuntimeError(
            "Guest links need the app's SECRET_KEY. Set it, or turn guest links off with "
            "ORDER_MESSAGES_GUEST_LINK_MAX_AGE = 0."
        )
    fallbacks = list(current_app.config.get("SECRET_KEY_FALLBACKS") or [])
    # itsdangerous signs with the last key and accepts any of them.
    return URLSafeTimedSerializer([*fallbacks, secret], salt=SALT)


def make_guest_token(order: Any) -> str:
    """A token that opens ``order``'s thread as its customer, until it expires."""
    payload = {"o": str(ext.order_key(order)), "c": str(ext.order_owner_id(order))}
    return _serializer().dumps(payload)


def guest_url(order: Any) -> str:
    """The path of ``order``'s guest link (``<URL_PREFIX>/t/<token>``)."""
    token = make_guest_token(order)
    try:
        return url_for("order_messages.guest_thread", token=token)
    except RuntimeError:
        # No request and no SERVER_NAME (a CLI or a worker): the route's own path.
        return f"{current_settings.url_prefix}/t/{token}"


def load_guest_order(token: str) -> Any:
    """The order a guest token opens.

    Raises :class:`GuestLinkExpired` for a genuine but old token and :class:`GuestLinkError`
    for anything else: a bad signature, guest links turned off, an order that no longer exists
    or that belongs to someone else now.
    """
    max_age = current_settings.guest_link_max_age
    if max_age <= 0:
        raise GuestLinkError(_("Links in emails are turned off in this shop. Please log in."))
    try:
        payload = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise GuestLinkExpired(
            _("This link has expired. Log in to read and answer the messages about your order.")
        ) from None
    except BadSignature:
        raise GuestLinkError(
            _("This link is not valid. Please use the complete link from the email, or log in.")
        ) from None
    if not isinstance(payload, dict) or not {"o", "c"} <= payload.keys():
        raise GuestLinkError(_("This link is not valid. Please log in."))
    order = ext.get_order(str(payload["o"]))
    if order is None or str(ext.order_owner_id(order)) != str(payload["c"]):
        raise GuestLinkError(_("This link does not open any order. Please log in."))
    return order
