"""What a host's own views hand to the helpers, made safe: any value gives a harmless answer.

The order-list filter and the template partials run inside the host's pages with whatever the
request carried (``?messages=bogus``, a repeated parameter, a huge string) and whatever the
host's template passed (None, an order of another customer, a list where one order was
meant).  An exception there would be a 500 on the host's page, not ours; so these helpers
never raise, and an unknown value means the harmless default ("all", 0, nothing).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .state import current_order_messages as ext

#: Larger counts are shown as this: no badge needs more digits, and no int() of a huge
#: string runs (Python refuses one over 4,300 digits with a ValueError).
MAX_COUNT = 1_000_000


def choice(raw: Any, choices: tuple[str, ...]) -> str:
    """``raw`` if it is one of ``choices``, else the first (the default)."""
    return raw if isinstance(raw, str) and raw in choices else choices[0]


def count(raw: Any) -> int:
    """A non-negative whole number from ``raw`` (an int or its digits), else 0."""
    if isinstance(raw, bool):
        return 0
    if isinstance(raw, int):
        return max(0, min(raw, MAX_COUNT))
    if isinstance(raw, str) and 0 < len(raw.strip()) <= 7 and raw.strip().isascii():
        text = raw.strip()
        return min(int(text), MAX_COUNT) if text.isdigit() else 0
    return 0


def is_order(value: Any) -> bool:
    """Whether ``value`` is a stored order of the host's order model (one with a key)."""
    try:
        return isinstance(value, ext.order_model) and ext.order_key(value) is not None
    except Exception:  # noqa: BLE001 - an expired row of a closed session, a broken property
        return False


def orders(value: Any) -> list[Any]:
    """The orders in ``value``: one order, or any iterable of them (other items dropped)."""
    if is_order(value):
        return [value]
    if value is None or isinstance(value, (str, bytes, dict)) or not isinstance(value, Iterable):
        return []
    return [item for item in value if is_order(item)]


def field_name(raw: Any, default: str) -> str:
    """A form field name: ``raw`` if it is a short non-empty string, else ``default``."""
    return raw if isinstance(raw, str) and 0 < len(raw) <= 100 else default
