"""Routes a host's app-wide ``CSRFProtect`` must let through: they prove themselves another way
(a JSON API call with an access token, the inbound-mail hook with its shared secret), and the
extension's own check (``views._check_csrf``) still asks a session's writes for the token.

Flask-WTF's ``CSRFProtect`` checks before any blueprint does, so the exemption has to be in
place before its check runs, whether the host set it up before the extension (the blueprint's
registration exempts them) or after (the first request does, ahead of its check: our
``before_app_request`` was registered first)."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable
from typing import Any

from flask import Blueprint, current_app


def exempt_from_host_csrf(bp: Blueprint, views: Callable[[], Iterable[Callable[..., Any]]]) -> None:
    """Exempt ``views()`` on ``bp``'s app from a host's ``CSRFProtect``, set up before or after.
    Each ``CSRFProtect`` is told once (it may serve several apps): after that a request costs
    one look-up."""
    told: weakref.WeakSet[Any] = weakref.WeakSet()

    def exempt(app: Any) -> None:
        csrf = app.extensions.get("csrf")
        if csrf is None or not hasattr(csrf, "exempt") or csrf in told:
            return
        for view in views():
            csrf.exempt(f"{view.__module__}.{view.__name__}")
        told.add(csrf)

    bp.record_once(lambda state: exempt(state.app))
    bp.before_app_request(lambda: exempt(current_app))
