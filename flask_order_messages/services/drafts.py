"""Refused posts come back inside the host's order page, the text kept and the error shown.

A reply (or a dispute reason, or a note) posted from the thread panel and refused (empty, too
long, a bad file...) is kept here with its error, and the browser is redirected to the page
the panel was on with ``?om_draft=<key>``; the panel there gives the text and the error back
beside the field.  This works without JavaScript.  The text can be longer than a cookie
session holds, so only the random key travels; the row is shown to its writer alone (same
user, same role, same order) and lives :data:`MAX_AGE` at most.

Showing a draft changes nothing (a GET never writes): the panel's forms carry its key back,
and the writer's next successful post on that order deletes it (:func:`forget`); expired
drafts go with the next refused post of anyone (:func:`keep`).
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
from .common import Actor, session

#: The query parameter that carries a draft's key.
DRAFT_PARAM = "om_draft"
#: How long a draft waits for its writer to come back.
MAX_AGE = timedelta(hours=24)
#: Characters of a refused text that are kept.  A text this long is no message a person
#: typed (the limit is ORDER_MESSAGES_MAX_BODY_LENGTH); the rest is not worth a row.
MAX_KEPT = 100_000
#: The fields a draft's error goes beside: the reply box, its file input (the text goes back
#: into the reply box), the reply's "Send anyway?" question (``confirm``: the text goes back
#: into the reply box, the question above it) and the panel's dispute dialogs.
FIELDS = ("body", "files", "confirm", "reason", "close_note", "reopen_note")


@dataclass(frozen=True)
class Kept:
    """A refused post as the panel gives it back: which field, the text, the error, and its
    key (which the panel's forms send back, so that a successful post deletes it)."""

    field: str
    text: str
    error: str
    key: str = ""


def keep(order: Any, actor: Actor, field: str, text: str, error: str) -> str:
    """Store a refused post of ``actor`` on ``order`` and return its key (the view commits
    before its redirect carries the key).  Drops the writer's earlier drafts on this order
    and everyone's expired ones."""
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
            # A NUL has no place in typed text, and PostgreSQL refuses it in a text column.
            body=(text or "").replace("\x00", "")[:MAX_KEPT],
            error=error.replace("\x00", ""),
            created_at=now,
        )
    )
    db.flush()
    return key


def find(order: Any, actor: Actor, key: str | None) -> Kept | None:
    """The draft ``key`` if ``actor`` wrote it on ``order`` (same user, same role) and it
    has not expired; None otherwise, and a draft someone else asks for stays for its writer.
    Only reads: the draft stays until its writer's next successful post (:func:`forget`)."""
    if not key or len(key) > 64:
        return None
    model = ext.models.Draft
    row = (
        session()
        .execute(
            sa.select(model.field, model.body, model.error).where(
                model.key == key,
                model.user_id == actor.id,
                model.role == actor.role,
                model.order_id == ext.order_key(order),
                model.created_at >= utcnow() - MAX_AGE,
            )
        )
        .first()
    )
    if row is None:
        return None
    return Kept(field=row.field, text=row.body, error=row.error, key=key)


def forget(order: Any, actor: Actor, key: str | None) -> None:
    """After ``actor``'s successful post on ``order``: delete the draft ``key`` (sent back
    by the form that showed it) if it is theirs.  Nothing to do for a form without one."""
    if not key or len(key) > 64:
        return
    model = ext.models.Draft
    session().execute(
        sa.delete(model).where(
            model.key == key,
            model.user_id == actor.id,
            model.role == actor.role,
            model.order_id == ext.order_key(order),
        )
    )


def with_draft(url: str, key: str) -> str:
    """``url`` with ``om_draft=<key>`` in its query (any earlier one replaced) and pointing
    at the thread."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != DRAFT_PARAM]
    query.append((DRAFT_PARAM, key))
    return urlunsplit(
        parts._replace(query=urlencode(query), fragment=parts.fragment or "order-messages")
    )
