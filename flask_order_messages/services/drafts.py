"""Refused posts come back inside the host's order page, the text kept and the error shown.

A reply (or a dispute reason, or a note) posted from the thread panel and refused (empty, too
long, a bad file...) is kept here with its error, and the browser is redirected to the page
the panel was on with ``?om_draft=<key>``; the panel there gives the text and the error back
beside the field, once.  This works without JavaScript.  The text can be longer than a cookie
session holds, so only the random key travels; the row is shown to its writer alone (same
user, same role, same order) and lives :data:`MAX_AGE` at most.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import sqlalchemy as sa

from ..models import utcnow
from ..state import current_order_messages as ext
from .common import Actor, commit_keeping_loaded, session

#: The query parameter that carries a draft's key.
DRAFT_PARAM = "om_draft"
#: How long a draft waits for its writer to come back.
MAX_AGE = timedelta(hours=24)
#: Characters of a refused text that are kept.  A text this long is no message a person
#: typed (the limit is ORDER_MESSAGES_MAX_BODY_LENGTH); the rest is not worth a row.
MAX_KEPT = 100_000
#: The fields a draft's error goes beside: the reply box, its file input (the text goes back
#: into the reply box) and the panel's dispute dialogs.
FIELDS = ("body", "files", "reason", "close_note", "reopen_note")


@dataclass(frozen=True)
class Kept:
    """A refused post as the panel gives it back: which field, the text, the error."""

    field: str
    text: str
    error: str


def keep(order: Any, actor: Actor, field: str, text: str, error: str) -> str:
    """Store a refused post of ``actor`` on ``order`` and return its key.  Commits (the
    redirect that carries the key must find the row).  Drops the writer's earlier drafts on
    this order and everyone's expired ones."""
    if field not in FIELDS:
        raise ValueError(f"unknown draft field {field!r}")
    model = ext.models.Draft
    now = utcnow()
    order_key = ext.order_key(order)
    db = session()
    db.execute(
        sa.delete(model).where(
            sa.or_(
                model.created_at < now - MAX_AGE,
                sa.and_(
                    model.user_id == actor.id,
                    model.role == actor.role,
                    model.order_id == order_key,
                ),
            )
        )
    )
    key = secrets.token_urlsafe(24)
    db.add(
        model(
            key=key,
            user_id=actor.id,
            role=actor.role,
            order_id=order_key,
            field=field,
            body=(text or "")[:MAX_KEPT],
            error=error,
            created_at=now,
        )
    )
    commit_keeping_loaded()
    return key


def take(order: Any, actor: Actor, key: str | None) -> Kept | None:
    """The draft ``key`` if ``actor`` wrote it on ``order`` (same user, same role) and it
    has not expired; it is deleted, so it shows once.  None otherwise, and a draft someone
    else asks for stays for its writer."""
    if not key or len(key) > 64:
        return None
    model = ext.models.Draft
    db = session()
    row = db.execute(
        sa.select(model.id, model.field, model.body, model.error).where(
            model.key == key,
            model.user_id == actor.id,
            model.role == actor.role,
            model.order_id == ext.order_key(order),
            model.created_at >= utcnow() - MAX_AGE,
        )
    ).first()
    if row is None:
        return None
    db.execute(sa.delete(model).where(model.id == row.id))
    commit_keeping_loaded()  # in its own short transaction, as marking a thread read is
    return Kept(field=row.field, text=row.body, error=row.error)


def with_draft(url: str, key: str) -> str:
    """``url`` with ``om_draft=<key>`` in its query (any earlier one replaced) and pointing
    at the thread."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != DRAFT_PARAM]
    query.append((DRAFT_PARAM, key))
    return urlunsplit(
        parts._replace(query=urlencode(query), fragment=parts.fragment or "order-messages")
    )
