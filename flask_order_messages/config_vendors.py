"""The marketplace keys (see :mod:`.services.vendors`): their defaults, merged into
:data:`.config.DEFAULTS`, and their validation, which :func:`.config.load_settings` calls.
``current_settings.vendors`` holds them.  They matter only to a host that registers the
``order_vendor`` hook; a shop without vendors never reads them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: The keys and their defaults, without the prefix.
VENDOR_DEFAULTS: dict[str, Any] = {
    # Vendor staff see and answer their own vendor's threads.  False is X-Cart's "warehouse"
    # mode: vendor staff see no thread and get no mail; the marketplace's staff answer all.
    "VENDOR_PARTICIPATION": True,
    # Vendor staff may open, close and reopen disputes on their threads, as the customer and
    # the marketplace's staff may.  False (the marketplace arbitrates): they answer in them.
    "VENDORS_CLOSE_DISPUTES": False,
}


@dataclass(frozen=True)
class VendorSettings:
    """The validated marketplace keys."""

    participation: bool
    close_disputes: bool


def vendor_settings(get: Callable[[str], Any]) -> VendorSettings:
    """The marketplace keys from ``get(key)`` (a key without the prefix), validated."""
    from .config import PREFIX, ConfigError

    values = {}
    for key in VENDOR_DEFAULTS:
        value = get(key)
        if not isinstance(value, bool):
            raise ConfigError(f"{PREFIX}{key} must be True or False, got {value!r}.")
        values[key] = value
    return VendorSettings(
        participation=values["VENDOR_PARTICIPATION"],
        close_disputes=values["VENDORS_CLOSE_DISPUTES"],
    )
