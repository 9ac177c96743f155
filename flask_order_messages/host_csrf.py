"""Routes a host's app-wide ``CSRFProtect`` must let through: they prove themselves another way
(a JSON API call with an access token, the inbound-mail hook with its shared secret), and the
extension's own check (``views._check_csrf``) still asks a session's writes for the token.

Flask-WTF's ``CSRFProtect`` checks before any blueprint does, so the exemption has to be in
place before its check runs, whether the host set it up before the extension (the blueprint's
registration exempts them) or after (the first request does, ahead of its check: our
``before_app_request`` was registered first)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Blueprint, current_app


def _exempt(app: Any, views: Iterable[Callable[..., Any]]) -> None:
    csrf = app.extensions.get("csrf")
    if csrf is not None and hasattr(csrf, "exempt"):
        for view in views:
            csrf.exempt(f"{view.__module__}.{view.__name__}")


def exempt_from_host_csrf(bp: Blueprint, views: Callable[[], Iterable[Callable[..., Any]]]) -> None:
    """Exempt ``views()`` on ``bp``'s app from a host's ``CSRFProtect``, set up before or after."""
    bp.record_once(lambda state: _exempt(state.app, views()))

    def before_csrf_check() -> None:
        _exempt(current_app, views())

    bp.before_app_request(before_csrf_check)
