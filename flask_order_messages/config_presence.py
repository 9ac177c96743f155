"""The keys of "no two people answering at once": staff presence on a thread, and the
confirmation a reply needs when someone else wrote meanwhile.  Their defaults are merged into
:data:`.config.DEFAULTS`; :func:`.config.load_settings` calls :func:`presence_settings`, and
``current_settings.presence`` holds them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: The keys and their defaults, without the prefix.
PRESENCE_DEFAULTS: dict[str, Any] = {
    # Staff see "<name> is viewing" / "<name> is replying" on a thread and in the Messages
    # list while a colleague has it open (needs POLL_INTERVAL above 0: the page reports it).
    "PRESENCE_ENABLED": True,
    # A staff reply posted after someone else's newer message or note is not sent until its
    # writer confirms ("Send anyway").
    "CONFIRM_NEWER_REPLY": True,
}


@dataclass(frozen=True)
class PresenceSettings:
    """The validated keys."""

    #: ``PRESENCE_ENABLED``, and live updates on (``POLL_INTERVAL`` above 0).
    enabled: bool
    #: ``CONFIRM_NEWER_REPLY``.
    confirm_newer_reply: bool
    #: ``POLL_INTERVAL``: how often an open page reports its presence.
    poll_interval: int


def presence_settings(get: Callable[[str], Any]) -> PresenceSettings:
    """The validated settings; raises :class:`.config.ConfigError` naming a wrong key."""
    from .config import PREFIX, ConfigError

    def flag(key: str) -> bool:
        value = get(key)
        if not isinstance(value, bool):
            raise ConfigError(f"{PREFIX}{key} must be True or False, got {value!r}.")
        return value

    poll = get("POLL_INTERVAL")
    return PresenceSettings(
        enabled=flag("PRESENCE_ENABLED") and poll > 0,
        confirm_newer_reply=flag("CONFIRM_NEWER_REPLY"),
        poll_interval=poll,
    )
