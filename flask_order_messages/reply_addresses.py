"""Reply addresses: a per-person, per-thread ``Reply-To`` such as
``reply+3f-k2p-7yq4...@reply.shop.example``.

A mail about an order carries, as its ``Reply-To``, an address that says who is answering
which thread.  Its local part is ``<REPLY_PREFIX>+<token>``; the token is made of

- the id of a :class:`ReplyAddress` row (one per thread, role and person: it holds who the
  address is for),
- the day it was issued (days since 1970-01-01, UTC: the expiry counts from it), and
- a MAC: HMAC-SHA256 under the app's ``SECRET_KEY`` (``SECRET_KEY_FALLBACKS`` are accepted
  too, so rotating the key does not break addresses already mailed), with a salt of its own,
  over the row id, its thread, role, person and address, and the day.  Truncated to 130 bits.

So an address cannot be guessed (the MAC), nor moved to another thread or person (the row's
content is in the MAC), nor kept forever (``ORDER_MESSAGES_REPLY_MAX_AGE`` days).  Every part
is lowercase base36 or base32 with ``-`` between them: mail servers that lower-case addresses
keep it valid, and the local part stays within 64 characters (RFC 5321).

What a receiver must still check is left to it: that the sender matches the person
(:attr:`ReplyTarget.email`), and that a staff member still is staff.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import getaddresses
from typing import Any

import sqlalchemy as sa
from flask import current_app

from .errors import OrderMessagesError
from .models import CUSTOMER, STAFF, utcnow
from .state import current_order_messages as ext
from .state import current_settings

SALT = b"flask-order-messages.reply-address"
#: The most characters of a local part (RFC 5321, section 4.5.3.1.1).
MAX_LOCAL_PART = 64
#: Characters of the MAC in a token: 130 bits of base32.
MAC_CHARS = 26
_EPOCH = datetime(1970, 1, 1)
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class ReplyTarget:
    """Who a genuine, unexpired reply address is for."""

    thread_id: int
    role: str  # models.CUSTOMER or models.STAFF
    user_key: str  # the person's user key as text
    email: str  # the address it was issued to, lower-cased
    issued_at: datetime  # naive UTC, the start of the day it was issued


class ReplyAddressError(OrderMessagesError):
    """Not a valid reply address.  ``reason``: ``"bad"`` (not one of ours, or malformed),
    ``"forged"`` (its MAC does not match), ``"unknown"`` (its row or thread is gone, or the
    order has another customer now), ``"expired"`` (:class:`ReplyAddressExpired`)."""

    status_code = 404

    def __init__(self, message: str, reason: str = "bad") -> None:
        super().__init__(message)
        self.reason = reason


class ReplyAddressExpired(ReplyAddressError):
    """A genuine reply address older than ``ORDER_MESSAGES_REPLY_MAX_AGE`` days."""

    status_code = 410

    def __init__(self, message: str) -> None:
        super().__init__(message, "expired")


def reply_addresses_enabled() -> bool:
    """Whether mails carry reply addresses (``ORDER_MESSAGES_REPLY_DOMAIN`` is set)."""
    return current_settings.reply_domain is not None


# -- encoding ---------------------------------------------------------------------------------


def _base36(number: int) -> str:
    if number < 0:
        raise ValueError(number)
    digits = ""
    while True:
        number, rest = divmod(number, 36)
        digits = _DIGITS[rest] + digits
        if not number:
            return digits


def _from_base36(text: str) -> int:
    if not text or len(text) > 13 or any(ch not in _DIGITS for ch in text):
        raise ValueError(text)
    return int(text, 36)


def _secrets() -> list[bytes]:
    """The signing key first, then the fallbacks (accepted, never used to sign)."""
    secret = current_app.config.get("SECRET_KEY")
    if not secret:
        raise RuntimeError(
            "Reply addresses need the app's SECRET_KEY. Set it, or turn replies by mail off "
            "(ORDER_MESSAGES_REPLY_DOMAIN = None)."
        )
    keys = [secret, *reversed(list(current_app.config.get("SECRET_KEY_FALLBACKS") or []))]
    return [k.encode() if isinstance(k, str) else bytes(k) for k in keys if k]


def _mac(key: bytes, row: Any, day: int) -> str:
    fields = (row.id, row.thread_id, row.role, row.user_key, row.email, day)
    payload = SALT + b"\x00" + "\x1f".join(str(f) for f in fields).encode()
    digest = hmac.new(key, payload, hashlib.sha256).digest()
    return base64.b32encode(digest).decode().lower()[:MAC_CHARS]


def _today() -> int:
    return (utcnow() - _EPOCH).days


def _token(row: Any, day: int) -> str:
    return f"{_base36(row.id)}-{_base36(day)}-{_mac(_secrets()[0], row, day)}"


# -- issuing ----------------------------------------------------------------------------------


def reply_address_for(thread: Any, role: str, user: Any, email: str) -> str | None:
    """The reply address of ``user`` (in ``role``) in ``thread``, issued today to ``email``;
    None when replies by mail are off.  Adds (and flushes) the person's row on first use; an
    address changed since points the row at the new one (tokens issued to the old address stop
    working).  Called with the thread's row locked; the caller commits."""
    domain = current_settings.reply_domain
    if domain is None:
        return None
    if role not in (CUSTOMER, STAFF):
        raise ValueError(f"role must be {CUSTOMER!r} or {STAFF!r}, got {role!r}")
    user_key = str(ext.user_key(user))
    address = email.strip().lower()
    row = _find_row(thread.id, role, user_key)
    if row is None:
        # Mail is written while the thread's row is locked (see services.posting), so no
        # other writer adds this row meanwhile; the unique key would refuse it if one did.
        row = ext.models.ReplyAddress(
            thread_id=thread.id, role=role, user_key=user_key, email=address, created_at=utcnow()
        )
        ext.db.session.add(row)
        ext.db.session.flush()
    elif row.email != address:
        row.email = address
        ext.db.session.flush()
    local = f"{current_settings.reply_prefix}+{_token(row, _today())}"
    assert len(local) <= MAX_LOCAL_PART, local
    return f"{local}@{domain}"


def _find_row(thread_id: int, role: str, user_key: str) -> Any:
    box = ext.models.ReplyAddress
    stmt = sa.select(box).where(
        box.thread_id == thread_id, box.role == role, box.user_key == user_key
    )
    return ext.db.session.execute(stmt).scalar()


# -- reading ----------------------------------------------------------------------------------


def find_reply_token(addresses: Iterable[str]) -> str | None:
    """The first of ``addresses`` (bare, or header values such as ``"Shop" <a@b>, c@d``) that
    is at the reply domain with the reply prefix, lower-cased; None if there is none (or
    replies by mail are off).  Hand it to :func:`parse_reply_address`."""
    domain = current_settings.reply_domain
    if domain is None:
        return None
    start = f"{current_settings.reply_prefix}+"
    for _name, address in getaddresses([str(a) for a in addresses if a]):
        found = address.strip().lower()
        local, at, host = found.rpartition("@")
        if at and host == domain and local.startswith(start):
            return found
    return None


def _split(address: str) -> tuple[int, int, str]:
    """(row id, day, mac) of a reply address (``prefix+token@domain``, ``prefix+token`` or the
    bare token); raises :class:`ReplyAddressError` (bad) for anything else."""
    text = address.strip().strip("<>").lower()
    local, at, host = text.rpartition("@")
    if not at:
        local = text
    elif current_settings.reply_domain is not None and host != current_settings.reply_domain:
        raise ReplyAddressError("This is not a reply address of this shop.")
    if "+" in local:
        prefix, _, local = local.partition("+")
        if prefix != current_settings.reply_prefix:
            raise ReplyAddressError("This is not a reply address of this shop.")
    parts = local.split("-")
    if len(parts) != 3 or len(parts[2]) != MAC_CHARS:
        raise ReplyAddressError("This reply address is incomplete or damaged.")
    try:
        return _from_base36(parts[0]), _from_base36(parts[1]), parts[2]
    except ValueError:
        raise ReplyAddressError("This reply address is incomplete or damaged.") from None


def parse_reply_address(address: str) -> ReplyTarget:
    """Who the reply address ``address`` is for.

    Raises :class:`ReplyAddressExpired` for a genuine address older than
    ``ORDER_MESSAGES_REPLY_MAX_AGE`` days, and :class:`ReplyAddressError` for anything else:
    not ours or malformed (``reason="bad"``), a MAC that does not match (``"forged"``), a row
    or thread that is gone or a customer's order that changed hands (``"unknown"``).
    """
    row_id, day, mac = _split(address)
    row = ext.db.session.get(ext.models.ReplyAddress, row_id)
    if row is None:
        # A row deleted with its thread, or a made-up id: the MAC cannot be checked.
        raise ReplyAddressError("This reply address is not known here.", "unknown")
    if not any(hmac.compare_digest(_mac(key, row, day), mac) for key in _secrets()):
        raise ReplyAddressError("This reply address is not valid.", "forged")
    issued_at = _EPOCH + timedelta(days=day)
    max_age = current_settings.reply_max_age
    if max_age and _today() - day > max_age:
        raise ReplyAddressExpired("This reply address has expired.")
    if row.role == CUSTOMER:
        thread = ext.db.session.get(ext.models.Thread, row.thread_id)
        order = ext.db.session.get(ext.order_model, thread.order_id) if thread else None
        if order is None or str(ext.order_owner_id(order)) != row.user_key:
            raise ReplyAddressError("This reply address's order has changed.", "unknown")
    return ReplyTarget(row.thread_id, row.role, row.user_key, row.email, issued_at)
