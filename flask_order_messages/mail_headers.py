"""What goes into the headers of outgoing mail: text that cannot make a header of its own, and
the ids that let mail clients thread the mails of one order.

**Header text.**  Names, order numbers and subjects come from people and hooks.  Python's
``email`` package decodes RFC 2047 encoded words (``=?utf-8?q?...?=``) when it re-folds a
long header, so a display name holding ``=?utf-8?q?Carol=0D=0ABcc=3A_x=40y?=`` came out as a
raw ``Bcc:`` line.  :func:`header_text` therefore breaks every encoded-word delimiter and turns
line breaks (CR, LF, U+0085, U+2028, U+2029), other control and format characters into spaces
*before* the text reaches a header; it is the one place that does.

**Threading.**  Each mail has its own ``Message-ID`` (:func:`new_message_id`, stored on the
outbox row when the mail is written, so a retry sends the same one).  Every mail about one
order has ``In-Reply-To`` and ``References`` set to the thread's root id
(:func:`thread_root_id`, ``<thread-<id>.<hash>@<domain>>``), which never changes, and the same
subject: Gmail, Outlook, Apple Mail and Thunderbird show them as one conversation.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
import unicodedata
from email.utils import parseaddr
from typing import Any

from flask import current_app

from .state import current_order_messages as ext
from .state import current_settings

#: What a domain in a Message-ID may hold.
_DOMAIN = re.compile(r"[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?")


def _blank(ch: str) -> bool:
    """Characters that never belong in a header: controls (CR, LF, NUL, U+0085...), line and
    paragraph separators, and format characters (bidi overrides, zero-width ones)."""
    return unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn")


def header_text(text: Any, limit: int = 200) -> str:
    """``text`` fit for a header: one line of printable characters, no encoded word, white
    space folded, at most ``limit`` characters (cut with "…")."""
    flat = " ".join("".join(" " if _blank(ch) else ch for ch in str(text)).split())
    while "=?" in flat or "?=" in flat:
        flat = flat.replace("=?", "= ?").replace("?=", "? =")
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _clean_domain(raw: Any) -> str | None:
    if not isinstance(raw, str):
        return None
    domain = raw.strip().lower().rsplit(":", 1)[0] if raw.count(":") == 1 else raw.strip().lower()
    return domain if _DOMAIN.fullmatch(domain) and ".." not in domain else None


def mail_domain() -> str:
    """The domain of generated ids: ``ORDER_MESSAGES_MAIL_DOMAIN``, else the reply domain,
    else ``SERVER_NAME``'s host, else the sender's domain, else ``localhost``."""
    config = current_app.config
    sender = current_settings.mail_sender or config.get("MAIL_DEFAULT_SENDER")
    if isinstance(sender, (tuple, list)) and len(sender) == 2:
        sender = sender[1]
    sender_domain = parseaddr(sender)[1].rpartition("@")[2] if isinstance(sender, str) else None
    for candidate in (
        current_settings.mail_domain,
        current_settings.reply_domain,
        config.get("SERVER_NAME"),
        sender_domain,
    ):
        domain = _clean_domain(candidate)
        if domain:
            return domain
    return "localhost"


def new_message_id(domain: str | None = None) -> str:
    """A fresh, unique ``Message-ID``: ``<om.<time>.<random>@<domain>>``."""
    stamp = format(time.time_ns() // 1000, "x")
    return f"<om.{stamp}.{secrets.token_hex(10)}@{domain or mail_domain()}>"


def thread_root_id(thread: Any, domain: str | None = None) -> str:
    """The id every mail about ``thread`` replies to (``In-Reply-To`` and ``References``).
    Stable for the thread's life: made from its id, its order's key and the table prefix (so
    two shops sharing a domain do not collide), no secret that could rotate."""
    seed = f"{ext.table_prefix}|{thread.id}|{thread.order_id}".encode()
    digest = hashlib.sha256(seed).hexdigest()[:12]
    return f"<thread-{thread.id}.{digest}@{domain or mail_domain()}>"


def thread_id_headers(row: Any) -> dict[str, str]:
    """The ``In-Reply-To`` and ``References`` of an outbox row (none for a row written before
    threading)."""
    if not row.thread_root:
        return {}
    return {"In-Reply-To": row.thread_root, "References": row.thread_root}
