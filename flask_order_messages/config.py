"""Configuration keys: defaults in one place, validated once at ``init_app``.

Every key is read from ``app.config`` with the ``ORDER_MESSAGES_`` prefix.  The README's
configuration table lists the same keys; keep both in step.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from .config_imap import IMAP_DEFAULTS, ImapSettings, imap_settings
from .config_presence import PRESENCE_DEFAULTS, PresenceSettings, presence_settings
from .config_targets import RETIRED_KEYS, TARGET_DEFAULTS, TargetSettings, target_settings
from .config_team import TEAM_DEFAULTS, TeamSettings, team_settings
from .config_vendors import VENDOR_DEFAULTS, VendorSettings, vendor_settings
from .config_webhooks import WEBHOOK_DEFAULTS, WebhookSettings, webhook_settings

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
    # Template that staff pages extend.  Our pages fill its block named by ADMIN_LAYOUT_BLOCK,
    # and its ``title`` block when it has one.
    "ADMIN_LAYOUT": "order_messages/layout.html",
    # Template that customer pages extend.  Same blocks.
    "CUSTOMER_LAYOUT": "order_messages/layout.html",
    # The blocks of ADMIN_LAYOUT and CUSTOMER_LAYOUT that hold a page's main content ("body"?).
    "ADMIN_LAYOUT_BLOCK": "content",
    "CUSTOMER_LAYOUT_BLOCK": "content",
    # Name of the host's admin blueprint whose template context processors (a sidebar, the
    # shop's name...) also run on our staff pages; None: only the app-wide ones run.
    "ADMIN_BLUEPRINT": None,
    # The same for our customer pages and the host's storefront blueprint.
    "CUSTOMER_BLUEPRINT": None,
    # Mail: "sync" sends after commit, once the response has gone out; "rq" hands it to RQ
    # workers; "off" only writes the outbox (deliver with ``flask order-messages send-mail``).
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
    # Redis URL and name of the RQ queue (MAIL_DELIVERY = "rq").
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "RQ_QUEUE": "order-messages",
    # Seconds between bell / thread refreshes in the browser; 0 turns polling off.
    "POLL_INTERVAL": 10,
    # Seconds a staff member's read floor stays behind the newest message (services/floors.py),
    # raised at most every fifth of this; longer than any transaction that writes messages.
    "READ_FLOOR_MARGIN": 300,
    # Read marks: "personal" (each their own) or "shared" (staff read as one team, customers
    # keep their own: see services/readers.py).
    "READ_STATE": "personal",
    # How often one person may post (messages, dispute opening and closing), as a
    # Flask-Limiter rate ("20 per minute", "5/10 seconds;100/day"); None or "" turns it off.
    "POST_RATE_LIMIT": "20 per minute",
    # Where the rate limit counts hits (a Flask-Limiter storage URI): "memory://" for one
    # process, "redis://host:6379/1" for several workers.  A Limiter the host set up before
    # OrderMessages is used with its own storage instead.
    "RATE_LIMIT_STORAGE": "memory://",
    # Staff-only notes: a second button on the staff reply box posts an internal note.
    "NOTES_ENABLED": True,
    # Canned replies: staff keep reusable answers and insert them into the reply box.
    "CANNED_REPLIES_ENABLED": True,
    # Staff close a dispute with an outcome; a closed dispute can be reopened.
    "DISPUTE_OUTCOMES_ENABLED": True,
    # Hours the store has to answer a new dispute (its respond-by time); 0 turns respond-by
    # times, overdue marks and the overdue count off.
    "DISPUTE_RESPONSE_HOURS": 48,
    # ``flask order-messages expire-disputes`` closes open disputes whose thread has been
    # quiet this many days, with the outcome "expired"; 0: it closes none.
    "DISPUTE_EXPIRE_DAYS": 30,
    # Attachments: files on messages, served only to people who may read the thread.
    "ATTACHMENTS_ENABLED": True,
    # Types accepted, detected from the file's first bytes (not its name): a comma-separated
    # string or a list, out of filetypes.KNOWN_TYPES.
    "ATTACHMENT_TYPES": "image/png,image/jpeg,image/gif,image/webp,application/pdf",
    # Largest single file, in bytes (5 MiB).
    "MAX_ATTACHMENT_BYTES": 5 * 1024 * 1024,
    # Files on one message, and all of them together, in bytes (20 MiB).
    "MAX_ATTACHMENTS": 5,
    "MAX_ATTACHMENTS_TOTAL_BYTES": 20 * 1024 * 1024,
    # Folder of the default local storage; relative to the app's instance folder.  None:
    # <instance_path>/order_messages_attachments.
    "ATTACHMENT_FOLDER": None,
    # Replies by mail (validated in config_mail.py).  The domain of per-recipient Reply-To
    # addresses, ``<REPLY_PREFIX>+<token>@<REPLY_DOMAIN>``; None: mails carry no Reply-To.
    "REPLY_DOMAIN": None,
    # The local part's prefix of reply addresses; the days one stays valid after the mail
    # that carried it (0: never expires).
    "REPLY_PREFIX": "reply",
    "REPLY_MAX_AGE": 180,
    # The domain in generated Message-IDs; None: REPLY_DOMAIN, else SERVER_NAME, else the
    # sender's domain.
    "MAIL_DOMAIN": None,
    # Shared secret of the HTTP endpoint for inbound mail; None: the endpoint answers 404.
    "INBOUND_SECRET": None,
    # Response-time insight page for staff, and the days it looks back.
    "INSIGHT_ENABLED": True,
    "INSIGHT_DAYS": 30,
}

# The keys kept beside their validation: fetch-mail's mailbox, response targets, marketplaces,
# the team inbox's switches, presence and confirm-before-send, webhooks (config_<name>.py).
for _more in (IMAP_DEFAULTS, TARGET_DEFAULTS, VENDOR_DEFAULTS, TEAM_DEFAULTS, PRESENCE_DEFAULTS):
    DEFAULTS.update(_more)
DEFAULTS.update(WEBHOOK_DEFAULTS)

_CHOICES = {"MAIL_DELIVERY": ("sync", "rq", "off"), "READ_STATE": ("personal", "shared")}


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
    admin_layout_block: str
    customer_layout_block: str
    admin_blueprint: str | None
    customer_blueprint: str | None
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
    read_floor_margin: int
    read_state: str
    post_rate_limit: str | None
    rate_limit_storage: str
    notes_enabled: bool
    canned_replies_enabled: bool
    dispute_outcomes_enabled: bool
    dispute_response_hours: int
    dispute_expire_days: int
    attachments_enabled: bool
    attachment_types: tuple[str, ...]
    max_attachment_bytes: int
    max_attachments: int
    max_attachments_total_bytes: int
    attachment_folder: str | None
    insight_enabled: bool
    insight_days: int
    reply_domain: str | None
    reply_prefix: str
    reply_max_age: int
    mail_domain: str | None
    inbound_secret: str | None
    imap: ImapSettings
    targets: TargetSettings
    vendors: VendorSettings
    team: TeamSettings
    presence: PresenceSettings
    webhooks: WebhookSettings


def _positive_int(key: str, value: Any, *, allow_zero: bool = False, most: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{PREFIX}{key} must be an integer, got {value!r}.")
    if value < 0 or (value == 0 and not allow_zero):
        bound = "0 or more" if allow_zero else "1 or more"
        raise ConfigError(f"{PREFIX}{key} must be {bound}, got {value!r}.")
    if most and value > most:
        raise ConfigError(f"{PREFIX}{key} must be at most {most}, got {value!r}.")
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
    # limits lists its schemes here without exporting the name; there is no public list.
    from limits.storage import SCHEMES  # type: ignore[attr-defined]

    uri = _string(key, value) or ""
    scheme = uri.split("://", 1)[0] if "://" in uri else ""
    if scheme not in SCHEMES or scheme.startswith("async+"):
        raise ConfigError(
            f"{PREFIX}{key} must be a Flask-Limiter storage URI such as 'memory://' or "
            f"'redis://127.0.0.1:6379/1', got {value!r}."
        )
    return uri


def _block_name(key: str, value: Any) -> str:
    # A block name goes into a generated ``{% block ... %}`` tag: only a Jinja identifier.
    if not isinstance(value, str) or not value.isidentifier() or not value.isascii():
        raise ConfigError(
            f"{PREFIX}{key} must name a block of the layout, such as 'content' or 'body', "
            f"got {value!r}."
        )
    if value == "title":
        raise ConfigError(
            f"{PREFIX}{key} names the block of the page's main content; 'title' is the "
            "page title's block."
        )
    return value


def _blueprint_name(key: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not all(part.isidentifier() for part in value.split(".")):
        raise ConfigError(
            f"{PREFIX}{key} must be the name of one of the app's blueprints, such as 'admin', "
            f"or None, got {value!r}."
        )
    return value


def _bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{PREFIX}{key} must be True or False, got {value!r}.")
    return value


def _attachment_types(key: str, value: Any) -> tuple[str, ...]:
    from .filetypes import KNOWN_TYPES

    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, (list, tuple, set, frozenset)) or not all(
        isinstance(item, str) for item in items
    ):
        raise ConfigError(
            f"{PREFIX}{key} must be a comma-separated string or a list of content types, "
            f"got {value!r}."
        )
    types = tuple(dict.fromkeys(item.strip().lower() for item in items if item.strip()))
    known = ", ".join(KNOWN_TYPES)
    if not types:
        raise ConfigError(
            f"{PREFIX}{key} names no type; list some of {known}, or turn attachments off with "
            f"{PREFIX}ATTACHMENTS_ENABLED = False."
        )
    for item in types:
        if item not in KNOWN_TYPES:
            raise ConfigError(
                f"{PREFIX}{key}: {item!r} is not a type the extension can recognise by its "
                f"content; use some of {known}."
            )
    return types


def _folder(key: str, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{PREFIX}{key} must be a folder path or None, got {value!r}.")
    return value


def load_settings(config: dict[str, Any]) -> Settings:
    """Apply the defaults to ``config`` and return the validated settings.

    Raises :class:`ConfigError` naming the first wrong key.
    """
    for key, value in DEFAULTS.items():
        config.setdefault(PREFIX + key, value)
    known = DEFAULTS.keys() | RETIRED_KEYS.keys()  # a retired key is accepted, and does nothing
    unknown = sorted(k for k in config if k.startswith(PREFIX) and k[len(PREFIX) :] not in known)
    if unknown:
        raise ConfigError(f"Unknown configuration key {unknown[0]}; see the README's table.")

    def get(key: str) -> Any:
        return config[PREFIX + key]

    from .config_mail import mail_settings

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
        admin_layout_block=_block_name("ADMIN_LAYOUT_BLOCK", get("ADMIN_LAYOUT_BLOCK")),
        customer_layout_block=_block_name("CUSTOMER_LAYOUT_BLOCK", get("CUSTOMER_LAYOUT_BLOCK")),
        admin_blueprint=_blueprint_name("ADMIN_BLUEPRINT", get("ADMIN_BLUEPRINT")),
        customer_blueprint=_blueprint_name("CUSTOMER_BLUEPRINT", get("CUSTOMER_BLUEPRINT")),
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
        read_floor_margin=_positive_int("READ_FLOOR_MARGIN", get("READ_FLOOR_MARGIN")),
        read_state=_string("READ_STATE", get("READ_STATE")) or "",
        post_rate_limit=_rate_limit("POST_RATE_LIMIT", get("POST_RATE_LIMIT")),
        rate_limit_storage=_storage_uri("RATE_LIMIT_STORAGE", get("RATE_LIMIT_STORAGE")),
        notes_enabled=_bool("NOTES_ENABLED", get("NOTES_ENABLED")),
        canned_replies_enabled=_bool("CANNED_REPLIES_ENABLED", get("CANNED_REPLIES_ENABLED")),
        dispute_outcomes_enabled=_bool("DISPUTE_OUTCOMES_ENABLED", get("DISPUTE_OUTCOMES_ENABLED")),
        dispute_response_hours=_positive_int(
            "DISPUTE_RESPONSE_HOURS", get("DISPUTE_RESPONSE_HOURS"), allow_zero=True
        ),
        dispute_expire_days=_positive_int(
            "DISPUTE_EXPIRE_DAYS", get("DISPUTE_EXPIRE_DAYS"), allow_zero=True
        ),
        attachments_enabled=_bool("ATTACHMENTS_ENABLED", get("ATTACHMENTS_ENABLED")),
        attachment_types=_attachment_types("ATTACHMENT_TYPES", get("ATTACHMENT_TYPES")),
        max_attachment_bytes=_positive_int("MAX_ATTACHMENT_BYTES", get("MAX_ATTACHMENT_BYTES")),
        max_attachments=_positive_int("MAX_ATTACHMENTS", get("MAX_ATTACHMENTS")),
        max_attachments_total_bytes=_positive_int(
            "MAX_ATTACHMENTS_TOTAL_BYTES", get("MAX_ATTACHMENTS_TOTAL_BYTES")
        ),
        attachment_folder=_folder("ATTACHMENT_FOLDER", get("ATTACHMENT_FOLDER")),
        insight_enabled=_bool("INSIGHT_ENABLED", get("INSIGHT_ENABLED")),
        insight_days=_positive_int("INSIGHT_DAYS", get("INSIGHT_DAYS"), most=366),
        **mail_settings(get),
        imap=imap_settings(get),
        targets=target_settings(get),
        vendors=vendor_settings(get),
        team=team_settings(get),
        presence=presence_settings(get),
        webhooks=webhook_settings(get),
    )
