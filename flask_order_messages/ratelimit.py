"""How often one person may post: ``ORDER_MESSAGES_POST_RATE_LIMIT``, through Flask-Limiter.

One shared limit covers every route that adds an entry to a thread (messages, replies from a
guest link, opening and closing disputes), counted per person: the logged-in user's id, the
order's customer for a guest link, the client address only for someone who is neither (who
never gets past the login anyway).  Only posts that went through (a 303) count, so a refused
empty message or a stale form costs nothing.  The person over the limit gets a 429 page that
keeps their text and lets them send it again once the minute is over.

Exact under parallelism: a post takes its place in the count *before* it runs (Flask-Limiter's
``hit``, one atomic step in the storage: a lock in memory, a script in Redis), so of N posts
sent at once exactly the limit go through, in one process or many.  (Testing first and
counting after the response, as ``deduct_when`` does, let every post that arrived before the
first one finished through.)  A post that did not go through gives its place back
(:func:`_give_back`), where the strategy can: the fixed window (Flask-Limiter's default)
always; a moving or sliding window cannot take one entry back, so there a refused post counts.

If the host set up a Flask-Limiter ``Limiter`` before ``OrderMessages``, its storage and
strategy are used and its own limits keep applying to our routes; otherwise the extension
makes its own ``Limiter`` with ``ORDER_MESSAGES_RATE_LIMIT_STORAGE``, which adds no limit to
any other route.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Flask, g, request
from flask_login import current_user

from .config import Settings
from .i18n import gettext

log = logging.getLogger(__name__)

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
        on_breach=_remember_breach,
        error_message=_quickly,
        # The host's own default limits keep applying to these routes too.
        override_defaults=False,
    )(bp)

    @app.after_request
    def give_back(response: Any) -> Any:
        if not _went_through(response) and request.endpoint in POSTING_ENDPOINTS:
            _give_back(limiter)
        return response

    return limiter


def _give_back(limiter: Any) -> None:
    """Take back the places this request's post took in the count (it did not go through)."""
    try:
        counted = [lim for lim in limiter.current_limits or () if SCOPE in lim.request_args]
        for lim in counted:
            _uncount(limiter.limiter, lim.limit, lim.request_args)
    except Exception:  # noqa: BLE001 - the storage is down: the post was not saved anyway
        log.warning("order-messages: could not give back a refused post's place", exc_info=True)


#: Redis: one less, unless the window ended meanwhile (the key is gone: nothing to give back).
_REDIS_DECREMENT = """
if redis.call('exists', KEYS[1]) == 1 then return redis.call('decr', KEYS[1]) end
return 0
"""


def _uncount(strategy: Any, item: Any, args: list[str]) -> None:
    """One less in ``item``'s fixed-window counter for ``args``; nothing for other strategies."""
    from limits.strategies import FixedWindowRateLimiter

    if not isinstance(strategy, FixedWindowRateLimiter):
        return
    storage, key = strategy.storage, item.key_for(*args)
    if hasattr(storage, "decr"):  # memory, memcached
        storage.decr(key)
    elif hasattr(storage, "get_connection") and hasattr(storage, "prefixed_key"):  # Redis
        connection = storage.get_connection()
        connection.register_script(_REDIS_DECREMENT)(keys=[storage.prefixed_key(key)])
    elif hasattr(storage, "incr"):  # the memory storage of older limits (3.x) has no decr
        storage.incr(key, item.get_expiry(), amount=-1)


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


def _mail_args(limiter: Any, user_key: Any) -> list[str]:
    # The very arguments Flask-Limiter counts a web post of ``user:<key>`` under.
    prefix = getattr(limiter, "_key_prefix", "") or ""
    return [*([prefix] if prefix else []), f"user:{user_key}", SCOPE]


def take_place(user_key: Any) -> bool:
    """Count a post (a reply by mail, see ``inbound.pipeline``) by the person with this user
    key in the very bucket the web routes count them in, before it is posted: True when it is
    within the limit.  Atomic, as on the web: of several at once, exactly the limit get True.
    A post refused here takes no place; one that is not saved afterwards gives its place back
    (:func:`give_back_place`).  True while the limit is off or its storage cannot be reached."""
    found = _limits_for_mail()
    if found is None:
        return True
    limiter, items = found
    args = _mail_args(limiter, user_key)
    try:
        taken = [item for item in items if limiter.limiter.hit(item, *args)]
    except Exception:  # noqa: BLE001 - the storage is down: never refuse to post
        return True
    if len(taken) == len(items):
        return True
    for item in items:  # every item was hit, those over the limit too
        _uncount(limiter.limiter, item, args)
    return False


def give_back_place(user_key: Any) -> None:
    """Give back the place :func:`take_place` took for a post that was not saved."""
    found = _limits_for_mail()
    if found is None:
        return
    limiter, items = found
    args = _mail_args(limiter, user_key)
    for item in items:
        try:
            _uncount(limiter.limiter, item, args)
        except Exception:  # noqa: BLE001 - the storage is down
            return


def _quickly() -> str:
    """The limit's words, in the language of the request that met it."""
    return gettext("You're sending messages quickly — please wait a minute.")
