"""The per-app state ``init_app`` stores, and the proxies the package reads it through.

Everything below the extension class (services, views, mail, storage, schema, tokens, the
template helpers) imports ``current_order_messages`` / ``current_settings`` from here, never
from :mod:`.extension`: that module imports the views to register them, and importing it back
would close a circle.  ``extension.py`` fills this state at ``init_app``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

from flask import Flask, current_app, has_app_context
from werkzeug.local import LocalProxy

from .config import Settings

if TYPE_CHECKING:  # a type only: importing it at run time would close the circle
    from .extension import OrderMessages

EXTENSION_KEY = "order_messages"
T = TypeVar("T")


@dataclass(frozen=True)
class _State:
    """What ``init_app`` stores at ``app.extensions["order_messages"]``."""

    ext: OrderMessages
    settings: Settings


def install(app: Flask, ext: OrderMessages, settings: Settings) -> None:
    """Store ``ext`` and its validated ``settings`` on ``app`` (once per app)."""
    if EXTENSION_KEY in app.extensions:
        raise RuntimeError(
            "OrderMessages is already registered on this app. Create one OrderMessages and "
            "call init_app(app) once per app."
        )
    app.extensions[EXTENSION_KEY] = _State(ext=ext, settings=settings)


def _get_state() -> _State:
    try:
        state: _State = current_app.extensions[EXTENSION_KEY]
    except KeyError:
        raise RuntimeError(
            "OrderMessages is not registered on this app; call order_messages.init_app(app)."
        ) from None
    return state


#: The extension registered on the current app.  Internals reach it only through this.
current_order_messages = cast("OrderMessages", LocalProxy(lambda: _get_state().ext))
#: The validated settings of the current app.
current_settings = cast(Settings, LocalProxy(lambda: _get_state().settings))


def unproxied(proxy: T) -> T:
    """The object behind a werkzeug proxy (``current_app``, ``current_order_messages``): a
    signal's sender must be the app itself, and a thread outlives the context of the proxy."""
    return cast("LocalProxy[T]", proxy)._get_current_object()


def call_when_sent(response: Any, work: Callable[[], None]) -> Any:
    """Run ``work`` once the WSGI server has sent ``response`` (the mail and webhook outboxes'
    ``"sync"`` delivery: the writer never waits for them), in this request's app.  By then
    the request's app context is gone, unless one outlives the request, as in tests: that one
    is used."""
    app = unproxied(current_app)

    def run() -> None:
        if has_app_context() and unproxied(current_app) is app:
            work()
            return
        with app.app_context():
            work()

    response.call_on_close(run)
    return response
