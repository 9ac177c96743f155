"""The host's layouts and template context, as the extension's full pages use them.

Our pages (the Messages section, the thread pages, the confirm steps, the error pages...) fill
the blocks ``title`` and ``content``.  A host layout whose main block has another name
(``ORDER_MESSAGES_ADMIN_LAYOUT_BLOCK = "body"``) gets a small template in between, compiled
once per (layout, block), that puts our ``content`` into that block: our templates keep their
names and paths, so a host still overrides any of them by path.  A layout without a ``title``
block simply ignores ours.

The host's own admin sidebar is often filled by a context processor of its admin blueprint,
which Flask runs only for that blueprint's requests; ``ORDER_MESSAGES_ADMIN_BLUEPRINT`` (and
``..._CUSTOMER_BLUEPRINT``) name the blueprint whose processors run on our pages too.
"""

from __future__ import annotations

import logging
from typing import Any
from weakref import WeakKeyDictionary

from flask import current_app, has_request_context, request
from jinja2 import Environment, Template

from .state import current_settings

log = logging.getLogger("flask_order_messages")

#: Main block of a layout when none is configured: our pages' own block name.
DEFAULT_BLOCK = "content"

_bases: WeakKeyDictionary[Environment, dict[tuple[str, str], Template]] = WeakKeyDictionary()
_warned: set[str] = set()


def side_of_endpoint(endpoint: str | None) -> str:
    """ "staff" for our staff pages (``order_messages.staff_*``), else "customer"."""
    return "staff" if (endpoint or "").startswith("order_messages.staff_") else "customer"


def page_layout(side: str) -> str | Template:
    """What our full pages for ``side`` ("staff" or "customer") extend: the configured layout
    itself when its main block is ``content``, else an in-between template that maps our
    ``content`` block onto the configured one."""
    settings = current_settings
    if side == "staff":
        layout, block = settings.admin_layout, settings.admin_layout_block
    else:
        layout, block = settings.customer_layout, settings.customer_layout_block
    if block == DEFAULT_BLOCK:
        return layout
    env = current_app.jinja_env
    cache = _bases.setdefault(env, {})
    base = cache.get((layout, block))
    if base is None:
        # The block name is checked as an identifier at init_app; the layout's name goes in
        # as a string literal.  The layout itself is loaded at render time, so a host editing
        # it in debug mode sees the change.
        source = (
            f"{{% extends {layout!r} %}}"
            f"{{% block {block} %}}{{% block {DEFAULT_BLOCK} %}}{{% endblock %}}{{% endblock %}}"
        )
        base = cache[(layout, block)] = env.from_string(source)
    return base


def host_blueprint_context() -> dict[str, Any]:
    """Context processor of our blueprint: on our staff pages, the template context
    processors of the host blueprint named by ``ORDER_MESSAGES_ADMIN_BLUEPRINT`` (and of its
    parents, outermost first, as Flask runs them); on our customer pages, those of
    ``ORDER_MESSAGES_CUSTOMER_BLUEPRINT``.  Flask runs a blueprint's processors only for that
    blueprint's own requests, so without this a sidebar they fill stays empty on our pages."""
    if not has_request_context():
        return {}
    settings = current_settings
    side = side_of_endpoint(request.endpoint)
    name = settings.admin_blueprint if side == "staff" else settings.customer_blueprint
    if not name:
        return {}
    app = current_app
    if name not in app.blueprints:
        key = "ADMIN_BLUEPRINT" if side == "staff" else "CUSTOMER_BLUEPRINT"
        if name not in _warned:
            _warned.add(name)
            log.warning(
                "order-messages: ORDER_MESSAGES_%s is %r, but the app has no blueprint of that "
                "name (it has: %s); its template context processors cannot run on our pages.",
                key,
                name,
                ", ".join(sorted(app.blueprints)) or "none",
            )
        return {}
    parts = name.split(".")
    context: dict[str, Any] = {}
    for i in range(1, len(parts) + 1):
        for func in app.template_context_processors.get(".".join(parts[:i]), ()):
            context.update(app.ensure_sync(func)())
    return context
