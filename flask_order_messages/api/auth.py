"""Who calls the API: the host's session (the browser; CSRF on writes, checked by the
blueprint for every POST), or a personal access token (``Authorization: Bearer omt_...``;
no CSRF, and the session is then never looked at).  Either way the same actors as the
pages: staff through ``require_staff``'s rules (staff check, vendors taking part, the
permission), customers as themselves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import g, request
from flask_login import current_user

from .. import access_tokens
from ..errors import NotAllowedError
from ..i18n import gettext as _
from ..i18n import lazy_gettext
from ..model_types import AccessToken
from ..permissions import require as require_permission
from ..services import Actor, customer_actor, staff_actor, vendors
from ..state import current_order_messages as ext
from ..transactions import has_pending_writes, read_state
from .problems import ApiProblem

LOG_IN = lazy_gettext("Log in to see your messages.")
STAFF_ONLY = lazy_gettext("This endpoint is for store staff.")


@dataclass(frozen=True)
class Caller:
    user: Any
    token: AccessToken | None


def bearer() -> str | None:
    """The token of an ``Authorization: Bearer`` header; None without the header (an
    ``Authorization`` of another scheme is refused: it is not ours to guess at)."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _sep, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiProblem("invalid-token", _("Send the token as 'Authorization: Bearer <token>'."))
    return secret.strip()


def _by_token(secret: str, write: bool) -> Caller:
    token = access_tokens.authenticate(secret)  # TokenRefused: the "invalid-token" problem
    user = access_tokens.user_of(token)
    if user is None:
        raise ApiProblem("invalid-token", _("This access token's user no longer exists."))
    if write and token.scope != access_tokens.WRITE:
        raise ApiProblem(
            "token-scope",
            _("This token may only read: changes need a token with the 'write' scope."),
            scope=token.scope,
        )
    if access_tokens.due_for_touch(token) and not has_pending_writes():
        with read_state("token used"):
            access_tokens.touch(token)
    return Caller(user, token)


def caller(write: bool) -> Caller:
    """The user behind this request (token first), or the "unauthenticated" problem."""
    secret = bearer()
    if secret is not None:
        found = _by_token(secret, write)
    elif getattr(current_user, "is_authenticated", False):
        found = Caller(current_user._get_current_object(), None)
    else:
        raise ApiProblem("unauthenticated", LOG_IN)
    g.order_messages_api_caller = found
    return found


def staff(permission: str, *, write: bool = False) -> Actor:
    """The staff member calling, if they may do what ``permission`` guards (see
    ``views.common.require_staff``: the same checks, in the same order)."""
    user = caller(write).user
    if not ext.is_staff(user):
        raise ApiProblem("forbidden", STAFF_ONLY)
    actor = staff_actor(user)
    if not vendors.takes_part(actor):
        raise NotAllowedError(vendors.NOT_PARTICIPATING)
    require_permission(actor, permission)
    return actor


def customer(*, write: bool = False) -> Actor:
    """The customer calling (any logged-in user, on their own orders)."""
    return customer_actor(caller(write).user)


def staff_order(raw_key: str, actor: Actor) -> Any:
    """The order for staff member ``actor``; another vendor's order is answered as a made-up
    one (the same problem, word for word)."""
    order = ext.get_order(raw_key)
    if order is None or not vendors.may_see_order(order, actor):
        raise ApiProblem("not-found", _("No such order."))
    return order


def own_order(raw_key: str, actor: Actor) -> Any:
    """The order if ``actor`` owns it; else the very same problem as for a missing order."""
    order = ext.get_order(raw_key)
    if order is None or ext.order_owner_id(order) != actor.id:
        raise ApiProblem("not-found", _("No such order."))
    return order
