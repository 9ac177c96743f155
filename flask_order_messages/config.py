"""Configuration keys: defaults in one place, validated once at ``init_app``.

Every key is read from ``app.config`` with the ``ORDER_MESSAGES_`` prefix.  The README's
configuration table lists the same keys; keep both in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PREFIX = "ORDER_MESSAGES_"

#: Defaults, without the prefix.  Applied with ``setdefault`` so a host value always wins.
DEFAULTS: dict[str, Any] = {
    # URL prefix of the extension's blueprint.
    "URL_PREFIX": "/order-messages",
    # Longest message body, in characters.
    "MAX_BODY_LENGTH": 5000,
    # Longest dispute reason, in characters.
    "MAX_REASON_LENGTH": 1000,
    # Threads per page in the staff Messages section.
    "PER_PAGE": 20,
    # Threads longer than this fold their middle in the thread view.
    "FOLD_THRESHOLD": 12,
    # How many messages stay visible at the start and at the end of a folded thread.
    "FOLD_KEEP_HEAD": 2,
    "FOLD_KEEP_TAIL": 6,
    # Template that staff pages extend.  It must define the blocks ``title`` and ``content``.
    "ADMIN_LAYOUT": "order_messages/layout.html",
    # Template that customer pages extend.  Same blocks.
    "CUSTOMER_LAYOUT": "order_messages/layout.html",
    # Mail: "sync" sends right after commit in the request, "rq" hands it to RQ workers,
    # "off" only writes the outbox (deliver with ``flask order-messages send-mail``).
    "MAIL_DELIVERY": "sync",
    # Whether to send mail at all (the outbox is written either way when True).
    "MAIL_ENABLED": True,
    # Sender address; falls back to MAIL_DEFAULT_SENDER.
    "MAIL_SENDER": None,
    # Attempts before a mail is marked failed for good.
    "MAIL_MAX_ATTEMPTS": 8,
    # Seconds before the first retry; doubles after each failed attempt.
    "MAIL_RETRY_BASE": 60,
    # Seconds an SMTP connect or reply may take before the attempt counts as failed.
    "MAIL_TIMEOUT": 30,
    # Seconds a guest link in a customer's mail stays valid; 0 turns guest links off.
    "GUEST_LINK_MAX_AGE": 30 * 24 * 3600,
    # Redis URL for the RQ queue (MAIL_DELIVERY = "rq").
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    # Name of the RQ queue.
    "RQ_QUEUE": "order-messages",
    # Seconds between bell / thread refreshes in the browser; 0 turns polling off.
    "POLL_INTERVAL": 10,
    # How often one person may post (messages, dispute opening and closing), as a
    # Flask-Limiter rate ("20 per minute", "5/10 seconds;100/day"); None or "" turns it off.
    "POST_RATE_LIMIT": "20 per minute",
    # Where the rate limit counts hits (a Flask-Limiter storage URI): "memory://" for one
    # process, "redis://host:6379/1" for several workers.  A Limiter the host set up before
    # OrderMessages is used with its own storage instead.
    "RATE_LIMIT_STORAGE": "memory://",
}

_CHOICES = {"MAIL_DELIVERY": ("sync", "rq", "off")}


class ConfigError(ValueError):
    """A configuration value is wrong.  The message names the key and what it expects."""


@dataclass(frozen=True)
class Settings:
    """The validated configuration of one app, stored on the extension state."""

    url_prefix: str
    max_body_length: int
    max_reason_length: int
    per_page: int
    fold_threshold: int
    fold_keep_head: int
    fold_keep_tail: int
    admin_layout: str
    customer_layout: str
    mail_delivery: str
    mail_enabled: bool
    mail_sender: str | None
    mail_max_attempts: int
    mail_retry_base: int
    mail_timeout: int
    guest_link_max_age: int
    redis_url: str
    rq_queue: str
    poll_interval: int
    post_rate_limit: str | None
    rate_limit_storage: str


def _positive_int(key: str, value: Any, *, allow_zero: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{PREFIX}{key} must be an integer, got {value!r}.")
    if value < 0 or (value == 0 and not allow_zero):
        bound = "0 or more" if allow_zero else "1 or more"
        raise ConfigError(f"{PREFIX}{key} must be {bound}, got {value!r}.")
    return value


def _string(key: str, value: Any, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{PREFIX}{key} must be a non-empty string, got {value!r}.")
    if key in _CHOICES and value not in _CHOICES[key]:
        allowed = ", ".join(repr(c) for c in _CHOICES[key])
        raise ConfigError(f"{PREFIX}{key} must be one of {allowed}, got {value!r}.")
    return value


def _rate_limit(key: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ConfigError(
            f"{PREFIX}{key} must be a rate such as '20 per minute', or None, got {value!r}."
        )
    from limits import parse_many

    try:
        items = parse_many(value)
    except ValueError:
        items = []
    if not items or any(item.amount < 1 for item in items):
        raise ConfigError(
            f"{PREFIX}{key} must be a rate such as '20 per minute' or '5/10 seconds', "
            f"got {value!r}."
        )
    return value


def _storage_uri(key: str, value: Any) -> str:
    from limits.storage import SCHEMES

    uri = _string(key, value) or ""
    scheme = uri.split("://", 1)[0] if "://" in uri else ""
    if scheme not in SCHEMES or scheme.startswith("async+"):
        raise ConfigError(
            f"{PREFIX}{key} must be a Flask-Limiter storage URI such as 'memory://' or "
            f"'redis://127.0.0.1:6379/1', got {value!r}."
        )
    return uri


def load_settings(config: dict[str, Any]) -> Settings:
    """Apply the defaults to ``config`` and return the validated settings.

    Raises :class:`ConfigError` naming the first wrong key.
    """
    for key, value in DEFAULTS.items():
        config.setdefault(PREFIX + key, value)
    unknown = sorted(k for k in config if k.startswith(PREFIX) and k[len(PREFIX) :] not in DEFAULTS)
    if unknown:
        raise ConfigError(f"Unknown configuration key {unknown[0]}; see the README's table.")

    def get(key: str) -> Any:
        return config[PREFIX + key]

    prefix = _string("URL_PREFIX", get("URL_PREFIX"))
    assert prefix is not None
    if not prefix.startswith("/"):
        raise ConfigError(f"{PREFIX}URL_PREFIX must start with '/', got {prefix!r}.")
    if not isinstance(get("MAIL_ENABLED"), bool):
        raise ConfigError(f"{PREFIX}MAIL_ENABLED must be True or False.")
    return Settings(
        url_prefix=prefix.rstrip("/") or "",
        max_body_length=_positive_int("MAX_BODY_LENGTH", get("MAX_BODY_LENGTH")),
        max_reason_length=_positive_int("MAX_REASON_LENGTH", get("MAX_REASON_LENGTH")),
        per_page=_positive_int("PER_PAGE", get("PER_PAGE")),
        fold_threshold=_positive_int("FOLD_THRESHOLD", get("FOLD_THRESHOLD")),
        fold_keep_head=_positive_int("FOLD_KEEP_HEAD", get("FOLD_KEEP_HEAD"), allow_zero=True),
        fold_keep_tail=_positive_int("FOLD_KEEP_TAIL", get("FOLD_KEEP_TAIL")),
        admin_layout=_string("ADMIN_LAYOUT", get("ADMIN_LAYOUT")) or "",
        customer_layout=_string("CUSTOMER_LAYOUT", get("CUSTOMER_LAYOUT")) or "",
        mail_delivery=_string("MAIL_DELIVERY", get("MAIL_DELIVERY")) or "",
        mail_enabled=get("MAIL_ENABLED"),
        mail_sender=_string("MAIL_SENDER", get("MAIL_SENDER"), optional=True),
        mail_max_attempts=_positive_int("MAIL_MAX_ATTEMPTS", get("MAIL_MAX_ATTEMPTS")),
        mail_retry_base=_positive_int("MAIL_RETRY_BASE", get("MAIL_RETRY_BASE")),
        mail_timeout=_positive_int("MAIL_TIMEOUT", get("MAIL_TIMEOUT")),
        guest_link_max_age=_positive_int(
            "GUEST_LINK_MAX_AGE", get("GUEST_LINK_MAX_AGE"), allow_zero=True
        ),
        redis_url=_string("REDIS_URL", get("REDIS_URL")) or "",
        rq_queue=_string("RQ_QUEUE", get("RQ_QUEUE")) or "",
        poll_interval=_positive_int("POLL_INTERVAL", get("POLL_INTERVAL"), allow_zero=True),
        post_rate_limit=_rate_limit("POST_RATE_LIMIT", get("POST_RATE_LIMIT")),
        rate_limit_storage=_storage_uri("RATE_LIMIT_STORAGE", get("RATE_LIMIT_STORAGE")),
    )
