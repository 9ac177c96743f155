"""How often one person may post: ``ORDER_MESSAGES_POST_RATE_LIMIT``, through Flask-Limiter.

One shared limit covers every route that adds an entry to a thread (messages, replies from a
guest link, opening and closing disputes), counted per person: the logged-in user's id, the
order's customer for a guest link, the client address only for someone who is neither (who
never gets past the login anyway).  Only posts that went through (a 303) count, so a refused
empty message or a stale form costs nothing.  The person over the limit gets a 429 page that
keeps their text and lets them send it again once the minute is over.

If the host set up a Flask-Limiter ``Limiter`` before ``OrderMessages``, its storage and
strategy are used and its own limits keep applying to our routes; otherwise the extension
makes its own ``Limiter`` with ``ORDER_MESSAGES_RATE_LIMIT_STORAGE``, which adds no limit to
any other route.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, g, request
from flask_login import current_user

from .config import Settings
from .i18n import gettext

#: Every endpoint that adds an entry to a thread.
POSTING_ENDPOINTS = frozenset(
    "order_messages." + name
    for name in (
        "staff_post",
        "customer_post",
        "guest_thread",
        "staff_dispute_open",
        "customer_dispute_open",
        "staff_dispute_close",
        "customer_dispute_close",
        "staff_dispute_reopen",
        "customer_dispute_reopen",
        # The JSON API's (api/): the same limit, whichever way a post comes.
        "api_staff_post",
        "api_customer_post",
        "api_staff_dispute_open",
        "api_customer_dispute_open",
        "api_staff_dispute_close",
        "api_customer_dispute_close",
        "api_staff_dispute_reopen",
        "api_customer_dispute_reopen",
    )
)
SCOPE = "order-messages-post"


def poster_key() -> str:
    """Who is posting: ``user:<id>`` for a logged-in user or a guest link's customer."""
    from .state import current_order_messages as ext

    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        # An API call with a token (checked later, by the view): counted per token.
        from .access_tokens import hash_secret

        return f"token:{hash_secret(header[7:].strip())[:32]}"
    if getattr(current_user, "is_authenticated", False):
        return f"user:{ext.user_key(current_user)}"
    token = (request.view_args or {}).get("token")
    if token is not None:
        from .tokens import GuestLinkError, load_guest_order

        try:
            return f"user:{ext.order_owner_id(load_guest_order(token))}"
        except GuestLinkError:
            pass
    return f"address:{request.remote_addr or 'unknown'}"


def _not_posting() -> bool:
    return request.endpoint not in POSTING_ENDPOINTS


#: Set in the request's environ when a post was refused and its 303 only leads back to the form
#: (see ``views.common.back_with_draft``).
REFUSED_KEY = "flask_order_messages.refused"


def _went_through(response: Any) -> bool:
    """A page's post that went through (303), or the API's (2xx)."""
    code = response.status_code
    saved = code == 303 or (200 <= code < 300 and request.endpoint in POSTING_ENDPOINTS)
    return bool(saved) and not request.environ.get(REFUSED_KEY)


def _remember_breach(limit: Any) -> None:
    # The 429 page says when to try again; the exception itself does not carry the window.
    g.order_messages_rate_limit = limit


def host_limiter(app: Flask) -> Any | None:
    """The host's own working Flask-Limiter ``Limiter`` on ``app``, if it has one."""
    for limiter in app.extensions.get("limiter") or ():
        if getattr(limiter, "initialized", True) and getattr(limiter, "enabled", True):
            return limiter
    return None


def install(app: Flask, bp: Blueprint, settings: Settings) -> Any | None:
    """Apply the posting limit to ``bp``'s posting routes on ``app``.  Returns the
    ``Limiter`` used (the host's or a new one), or None when the limit is off."""
    if not settings.post_rate_limit:
        return None
    from flask_limiter import Limiter

    limiter = host_limiter(app)
    if limiter is None:
        limiter = Limiter(
            poster_key,
            app=app,
            storage_uri=settings.rate_limit_storage,
            # Redis down: count in each process's memory meanwhile, never refuse to post.
            in_memory_fallback_enabled=True,
            swallow_errors=True,
        )
    limiter.shared_limit(
        settings.post_rate_limit,
        scope=SCOPE,
        key_func=poster_key,
        methods=["POST"],
        exempt_when=_not_posting,
        deduct_when=_went_through,
        on_breach=_remember_breach,
        error_message=_quickly,
        # The host's own default limits keep applying to these routes too.
        override_defaults=False,
    )(bp)
    return limiter


def seconds_to_wait() -> int:
    """Seconds until the person who just hit the limit may post again (at least 1)."""
    import time

    limit = g.get("order_messages_rate_limit")
    if limit is None:
        return 60
    try:
        return max(1, int(limit.reset_at - time.time()))
    except Exception:  # noqa: BLE001 - the storage is unreachable: a fair guess will do
        return 60


# -- replies by mail: the same limit and the same counter, outside a request ---------------------


def _limits_for_mail() -> tuple[Any, list[Any]] | None:
    """(the app's ``Limiter``, the parsed ``POST_RATE_LIMIT`` items), or None when off."""
    from flask import current_app
    from limits import parse_many

    from .state import current_settings

    if not current_settings.post_rate_limit:
        return None
    limiter = host_limiter(current_app)
    if limiter is None:
        return None
    return limiter, parse_many(current_settings.post_rate_limit)


def may_post(user_key: Any) -> bool:
    """Whether the person with this user key may post now, counted in the very bucket the
    web routes count them in (``user:<key>`` under :data:`SCOPE`): a reply by mail (see
    ``inbound.pipeline``) asks first, and :func:`count_post` counts it once it went through.
    True while the limit is off or its storage cannot be read (as on the web)."""
    found = _limits_for_mail()
    if found is None:
        return True
    limiter, items = found
    try:
        return all(limiter.limiter.test(item, f"user:{user_key}", SCOPE) for item in items)
    except Exception:  # noqa: BLE001 - the storage is down: never refuse to post
        return True


def count_post(user_key: Any) -> None:
    """Count one post that went through (a reply by mail) against the person's limit."""
    found = _limits_for_mail()
    if found is None:
        return
    limiter, items = found
    for item in items:
        try:
            limiter.limiter.hit(item, f"user:{user_key}", SCOPE)
        except Exception:  # noqa: BLE001 - the storage is down: the post is saved already
            return


def _quickly() -> str:
    """The limit's words, in the language of the request that met it."""
    return gettext("You're sending messages quickly — please wait a minute.")
