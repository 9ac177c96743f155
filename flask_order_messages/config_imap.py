"""The IMAP keys of ``flask order-messages fetch-mail`` (replies by mail read from a mailbox):
their defaults, merged into :data:`.config.DEFAULTS`, and their validation, which
:func:`.config.load_settings` calls.  ``current_settings.imap`` holds them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: The IMAP keys and their defaults, without the prefix.
IMAP_DEFAULTS: dict[str, Any] = {
    # The mailbox's server; None: fetch-mail is off.
    "IMAP_HOST": None,
    # Its port; None: 993 with IMAP_SSL, else 143.
    "IMAP_PORT": None,
    # Its login.
    "IMAP_USER": None,
    "IMAP_PASSWORD": None,
    # True: TLS from the first byte (port 993).  False: plain IMAP, upgraded with STARTTLS
    # whenever the server offers it.
    "IMAP_SSL": True,
    # The folder whose unseen mail is read, and the one handled mail is moved to (made when
    # missing).
    "IMAP_FOLDER": "INBOX",
    "IMAP_DONE_FOLDER": "Handled",
}


@dataclass(frozen=True)
class ImapSettings:
    """The validated IMAP keys."""

    host: str | None
    port: int | None
    user: str | None
    password: str | None
    ssl: bool
    folder: str
    done_folder: str

    @property
    def enabled(self) -> bool:
        return self.host is not None

    @property
    def port_or_default(self) -> int:
        return self.port or (993 if self.ssl else 143)


def imap_settings(get: Callable[[str], Any]) -> ImapSettings:
    """The validated IMAP settings; raises :class:`.config.ConfigError` naming a wrong key."""
    from .config import PREFIX, ConfigError, _bool, _positive_int, _string

    host = _string("IMAP_HOST", get("IMAP_HOST"), optional=True)
    port = get("IMAP_PORT")
    if port is not None and _positive_int("IMAP_PORT", port) > 65535:
        raise ConfigError(f"{PREFIX}IMAP_PORT must be a port number (1-65535), got {port!r}.")
    user = _string("IMAP_USER", get("IMAP_USER"), optional=True)
    password = get("IMAP_PASSWORD")
    if password is not None and not isinstance(password, str):
        raise ConfigError(f"{PREFIX}IMAP_PASSWORD must be a string or None.")
    if host is not None and (user is None or password is None):
        raise ConfigError(
            f"{PREFIX}IMAP_HOST is set: {PREFIX}IMAP_USER and {PREFIX}IMAP_PASSWORD are needed "
            "too (the mailbox's login)."
        )
    folder = _string("IMAP_FOLDER", get("IMAP_FOLDER")) or ""
    done = _string("IMAP_DONE_FOLDER", get("IMAP_DONE_FOLDER")) or ""
    if folder == done:
        raise ConfigError(
            f"{PREFIX}IMAP_DONE_FOLDER must differ from {PREFIX}IMAP_FOLDER ({folder!r}): "
            "handled mail is moved out of the folder that is read."
        )
    return ImapSettings(
        host=host,
        port=port,
        user=user,
        password=password,
        ssl=_bool("IMAP_SSL", get("IMAP_SSL")),
        folder=folder,
        done_folder=done,
    )
