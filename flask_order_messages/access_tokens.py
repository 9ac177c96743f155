"""Personal access tokens of the JSON API (``tokens.py`` is the guest links of the mail).

A token is ``omt_`` and 43 random URL-safe characters, shown once when it is made; only its
SHA-256 is kept (``models_access_tokens.py``).  It acts as its user, with their rights and
never more: a staff member's permissions and vendor, a customer's own orders.  Its scope
limits it further: ``read`` tokens may only GET, ``write`` tokens may also change things.  It
expires (``days``, at most :data:`MAX_DAYS`), can be revoked, and remembers when it was last
used (at most once a minute is written: see ``transactions.READ_STATES``).

Like every service, these add rows and flush; the page or CLI command commits.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from .errors import OrderMessagesError, ValidationError
from .i18n import gettext as _
from .model_types import AccessToken
from .models import utcnow
from .state import current_order_messages as ext

READ = "read"
WRITE = "write"
SCOPES = (READ, WRITE)
#: What every token starts with: secret scanners and people can tell it is one of ours.
TOKEN_PREFIX = "omt_"
DEFAULT_DAYS = 90
MAX_DAYS = 3650
MAX_NAME_LENGTH = 120
#: How often a token's ``last_used_at`` is written, at most.
TOUCH_EVERY = timedelta(minutes=1)


class TokenRefused(OrderMessagesError):
    """A token that opens nothing: unknown, malformed, expired or revoked (``reason``)."""

    status_code = 401

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class TokenNotFound(OrderMessagesError):
    """No such token of this user (the same answer for someone else's)."""

    status_code = 404


@dataclass(frozen=True)
class NewToken:
    """A token just made: its row, and its secret (shown this once, kept nowhere)."""

    token: AccessToken
    secret: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def _model() -> type[AccessToken]:
    return ext.models.AccessToken


def _checked_scope(scope: Any) -> str:
    if scope not in SCOPES:
        raise ValidationError(
            _("Unknown scope %(scope)s; use one of: read, write.", scope=repr(scope)), "scope"
        )
    return str(scope)


def _checked_days(days: Any) -> int:
    if days in (None, ""):
        return DEFAULT_DAYS
    try:
        value = int(days)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= MAX_DAYS or isinstance(days, bool):
        raise ValidationError(
            _("A token lasts from 1 to %(max_days)s days.", max_days=format(MAX_DAYS, ",")), "days"
        )
    return value


def _checked_name(name: Any) -> str:
    text = " ".join(str(name or "").split())
    if len(text) > MAX_NAME_LENGTH:
        raise ValidationError(
            _(
                "A token's name can be up to %(max_name_length)s characters.",
                max_name_length=MAX_NAME_LENGTH,
            ),
            "name",
        )
    return text


def create_token(
    user: Any, *, scope: Any, days: Any = None, name: Any = "", created_by: Any = None
) -> NewToken:
    """Make a token for ``user``; returns it with its secret (the only time it is known)."""
    scope = _checked_scope(scope)
    lasts = _checked_days(days)
    label = _checked_name(name)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = _model()(
        user_id=ext.user_key(user),
        name=label,
        scope=scope,
        token_hash=hash_secret(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        created_at=now,
        created_by_id=ext.user_key(created_by) if created_by is not None else None,
        expires_at=now + timedelta(days=lasts),
    )
    ext.db.session.add(token)
    ext.db.session.flush()
    return NewToken(token, secret)


def tokens_of(user_key: Any) -> list[AccessToken]:
    """A user's tokens, newest first (revoked and expired ones too)."""
    t = _model()
    stmt = sa.select(t).where(t.user_id == user_key).order_by(t.id.desc())
    return list(ext.db.session.execute(stmt).scalars())


def get_token(raw_id: Any, user_key: Any) -> AccessToken:
    """The token with this id if it is ``user_key``'s; else :class:`TokenNotFound`."""
    text = str(raw_id or "")
    token = None
    if text.isascii() and text.isdigit() and len(text) < 10:
        token = ext.db.session.get(_model(), int(text))
    if token is None or token.user_id != user_key:
        raise TokenNotFound(_("There is no such token (it may have been deleted)."))
    return token


def revoke_token(token: AccessToken) -> bool:
    """Revoke ``token`` now; False when it was revoked already."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    ext.db.session.flush()
    return True


def state_of(token: AccessToken, now: datetime | None = None) -> str:
    """ "active", "expired" or "revoked", in words for a page."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at <= (now or utcnow()):
        return "expired"
    return "active"


def _looks_like_one(secret: str) -> bool:
    return secret.startswith(TOKEN_PREFIX) and 20 <= len(secret) <= 100 and secret.isascii()


def authenticate(secret: str, now: datetime | None = None) -> AccessToken:
    """The live token with this secret; :class:`TokenRefused` saying why otherwise."""
    if not _looks_like_one(secret):
        raise TokenRefused("malformed", _("This is not an access token of this shop."))
    digest = hash_secret(secret)
    t = _model()
    token = ext.db.session.execute(sa.select(t).where(t.token_hash == digest)).scalar()
    # The lookup is by hash; compare again in constant time all the same.
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        raise TokenRefused("unknown", _("This access token is not known here."))
    state = state_of(token, now)
    if state == "revoked":
        raise TokenRefused("revoked", _("This access token was revoked."))
    if state == "expired":
        raise TokenRefused("expired", _("This access token has expired: make a new one."))
    return token


def due_for_touch(token: AccessToken, now: datetime | None = None) -> bool:
    """Whether ``token``'s last-used time is older than :data:`TOUCH_EVERY`."""
    last = token.last_used_at
    return last is None or (now or utcnow()) - last >= TOUCH_EVERY


def touch(token: AccessToken, now: datetime | None = None) -> None:
    """Write that ``token`` was used now (one UPDATE; the caller decides the transaction)."""
    t = _model()
    when = now or utcnow()
    ext.db.session.execute(sa.update(t).where(t.id == token.id).values(last_used_at=when))
    token.last_used_at = when


def user_of(token: AccessToken) -> Any | None:
    """The token's user, or None when the host removed them."""
    return ext.db.session.get(ext.user_model, token.user_id)
