"""The shop's pages: the storefront and the admin area."""

from __future__ import annotations

from typing import Any

from flask import current_app

TABS = ("details", "messages")


def current_tab(raw: str | None) -> str:
    """The order page's tab from ``?tab=``; anything unknown is the details tab."""
    return raw if raw in TABS else "details"


def om() -> Any:
    """The extension's template helpers (``order_messages`` in templates), for use in views."""
    return current_app.jinja_env.globals["order_messages"]
