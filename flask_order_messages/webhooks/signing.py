"""Standard Webhooks signing (https://www.standardwebhooks.com, spec 1.0.0, symmetric).

Each endpoint has its own secret: 32 random bytes, base64, prefixed ``whsec_``.  A delivery
carries three headers: ``webhook-id`` (the event's id, the same on every retry and for every
endpoint), ``webhook-timestamp`` (integer Unix seconds of this attempt) and
``webhook-signature``: ``v1,`` then the base64 HMAC-SHA256, keyed with the secret's bytes, of
``{webhook-id}.{webhook-timestamp}.{body}`` -- the body exactly as sent.  While an endpoint's
secret is being rotated, the header carries one such signature per secret, space-separated
(the new secret's first): receivers move to the new secret within the grace period.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Sequence

SECRET_PREFIX = "whsec_"
#: Random bytes in a new secret (the spec asks for 24 to 64).
SECRET_BYTES = 32
#: What every ``webhook-id`` starts with; the rest is random and never holds a ".".
ID_PREFIX = "msg_"


def new_secret() -> str:
    """A fresh endpoint secret, ``whsec_`` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_`` secret: its base64 part, decoded."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("A webhook secret starts with 'whsec_'.")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("A webhook secret is 'whsec_' and base64.") from None
    if not key:
        raise ValueError("A webhook secret may not be empty.")
    return key


def new_message_id() -> str:
    """A new ``webhook-id``: ``msg_`` and 24 random URL-safe characters."""
    return ID_PREFIX + secrets.token_urlsafe(18)


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value: ``v1,<base64 HMAC-SHA256>``."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def headers(
    secret: str | Sequence[str], message_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The headers of one attempt.  Several secrets (during a rotation: the new one, then the
    previous one) give several signatures, space-separated, as the spec allows: a receiver
    that knows either secret verifies the delivery."""
    secrets_ = [secret] if isinstance(secret, str) else list(secret)
    signed = " ".join(signature(s, message_id, timestamp, body) for s in secrets_)
    return {
        "Content-Type": "application/json",
        "User-Agent": "flask-order-messages-webhooks/1",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signed,
    }
