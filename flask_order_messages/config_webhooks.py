"""The webhook keys (``ORDER_MESSAGES_WEBHOOK*``, see ``docs/webhooks.md``).  Their defaults
are merged into :data:`.config.DEFAULTS`; :func:`.config.load_settings` calls
:func:`webhook_settings`, and ``current_settings.webhooks`` holds them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: The keys and their defaults, without the prefix.
WEBHOOK_DEFAULTS: dict[str, Any] = {
    # Staff with the "webhooks" permission register URLs that are told of events.
    "WEBHOOKS_ENABLED": True,
    # "sync": POSTed once the page's response has been sent (elsewhere: right after the
    # commit); "rq": by an RQ worker; "off": only by `flask order-messages deliver-webhooks`.
    "WEBHOOK_DELIVERY": "sync",
    # Seconds a receiver may take to connect and answer before the attempt fails.
    "WEBHOOK_TIMEOUT": 15,
    # Attempts before a delivery is given up (marked failed).
    "WEBHOOK_MAX_ATTEMPTS": 8,
    # Seconds before the first retry; doubles with each attempt (plus up to 10% jitter).
    "WEBHOOK_RETRY_BASE": 30,
    # Allow URLs whose host is (or resolves to) a loopback, private, link-local or reserved
    # address.  Off: such URLs are refused when added and when delivered (SSRF).
    "WEBHOOK_ALLOW_PRIVATE": False,
}

DELIVERY_CHOICES = ("sync", "rq", "off")


@dataclass(frozen=True)
class WebhookSettings:
    """The validated keys."""

    enabled: bool = True
    delivery: str = "sync"
    timeout: int = 15
    max_attempts: int = 8
    retry_base: int = 30
    allow_private: bool = False


def webhook_settings(get: Callable[[str], Any]) -> WebhookSettings:
    """The validated settings; raises :class:`.config.ConfigError` naming a wrong key."""
    from .config import PREFIX, ConfigError

    def flag(key: str) -> bool:
        value = get(key)
        if not isinstance(value, bool):
            raise ConfigError(f"{PREFIX}{key} must be True or False, got {value!r}.")
        return value

    def positive(key: str, most: int) -> int:
        value = get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
            raise ConfigError(f"{PREFIX}{key} must be an integer from 1 to {most}, got {value!r}.")
        return value

    delivery = get("WEBHOOK_DELIVERY")
    if delivery not in DELIVERY_CHOICES:
        raise ConfigError(
            f"{PREFIX}WEBHOOK_DELIVERY must be one of {', '.join(DELIVERY_CHOICES)}, "
            f"got {delivery!r}."
        )
    return WebhookSettings(
        enabled=flag("WEBHOOKS_ENABLED"),
        delivery=delivery,
        timeout=positive("WEBHOOK_TIMEOUT", 120),
        max_attempts=positive("WEBHOOK_MAX_ATTEMPTS", 100),
        retry_base=positive("WEBHOOK_RETRY_BASE", 86400),
        allow_private=flag("WEBHOOK_ALLOW_PRIVATE"),
    )
