"""Validation of the mail-threading keys (replies by mail); :mod:`.config` calls it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .config import PREFIX, ConfigError, _positive_int

#: A mail domain: dot-separated labels of letters, digits and hyphens (an IDN in its xn-- form).
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*")
#: A reply prefix: kept as it is by mail servers that lower-case addresses, and no "+" (the
#: token follows it).  At most 16 characters, so the local part stays within 64.
_REPLY_PREFIX = re.compile(r"[a-z0-9](?:[a-z0-9._-]{0,14}[a-z0-9])?")
#: The shortest inbound secret accepted.
MIN_SECRET = 16


def _domain(key: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _DOMAIN.fullmatch(value.strip().lower()):
        raise ConfigError(
            f"{PREFIX}{key} must be a mail domain such as 'reply.shop.example' (an "
            f"international one in its xn-- form), or None, got {value!r}."
        )
    return value.strip().lower()


def _reply_prefix(key: str, value: Any) -> str:
    if not isinstance(value, str) or not _REPLY_PREFIX.fullmatch(value) or ".." in value:
        raise ConfigError(
            f"{PREFIX}{key} must be 1 to 16 lowercase letters, digits, '.', '_' or '-', "
            f"starting and ending with a letter or digit (such as 'reply'), got {value!r}."
        )
    return value


def _secret(key: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value.strip()) < MIN_SECRET:
        what = f"{len(value)} characters" if isinstance(value, str) else type(value).__name__
        raise ConfigError(
            f"{PREFIX}{key} must be a string of at least {MIN_SECRET} characters, or None "
            f"(the inbound mail endpoint answers 404), got {what}."
        )
    return value


def mail_settings(get: Callable[[str], Any]) -> dict[str, Any]:
    """The validated mail-threading settings, as :class:`.config.Settings` fields."""
    return {
        "reply_domain": _domain("REPLY_DOMAIN", get("REPLY_DOMAIN")),
        "reply_prefix": _reply_prefix("REPLY_PREFIX", get("REPLY_PREFIX")),
        "reply_max_age": _positive_int("REPLY_MAX_AGE", get("REPLY_MAX_AGE"), allow_zero=True),
        "mail_domain": _domain("MAIL_DOMAIN", get("MAIL_DOMAIN")),
        "inbound_secret": _secret("INBOUND_SECRET", get("INBOUND_SECRET")),
    }
