"""The team inbox's switches: assignment and thread status, each on by default and off by
config.  Their defaults are merged into :data:`.config.DEFAULTS`; ``current_settings.team``
holds them.  (Response targets switch off with their own keys, see ``config_targets.py``.)"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: The keys and their defaults, without the prefix.
TEAM_DEFAULTS: dict[str, Any] = {
    # Threads can be assigned to a staff member: the thread's "Assigned to" controls, the
    # Messages list's Mine / Unassigned views and bulk assign, the assignee's mail.
    "ASSIGNMENT_ENABLED": True,
    # Threads have a status (open, waiting on customer, closed) that the conversation moves
    # and staff set by hand: the controls, the list's status filter, bulk close / reopen.
    "STATUS_ENABLED": True,
}


@dataclass(frozen=True)
class TeamSettings:
    """The validated switches."""

    assignment: bool = True
    status: bool = True

    @property
    def enabled(self) -> bool:
        """Whether the thread shows any team control at all."""
        return self.assignment or self.status


def team_settings(get: Callable[[str], Any]) -> TeamSettings:
    """The validated switches; raises :class:`.config.ConfigError` naming a wrong key."""
    from .config import PREFIX, ConfigError

    values = {}
    for key, name in (("ASSIGNMENT_ENABLED", "assignment"), ("STATUS_ENABLED", "status")):
        value = get(key)
        if not isinstance(value, bool):
            raise ConfigError(f"{PREFIX}{key} must be True or False, got {value!r}.")
        values[name] = value
    return TeamSettings(**values)
