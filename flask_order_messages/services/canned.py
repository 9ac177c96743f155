"""Canned replies: reusable answers the staff keep, with placeholders filled per order.

One list for the whole store, shared by every staff member.  A body may hold the placeholders
in :data:`PLACEHOLDERS`; :func:`fill` replaces them for one order and one staff member, and
leaves every other brace alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..errors import OrderMessagesError, ValidationError
from ..model_types import CannedReply
from ..state import current_order_messages as ext
from ..state import current_settings
from .common import Actor, clean_text, session

#: Placeholders a canned reply may hold, with what they become.
PLACEHOLDERS = {
    "customer_name": "the customer's name",
    "customer_first_name": "the first word of the customer's name",
    "order_number": "the order number",
    "staff_name": "your own name",
}
#: Longest title, in characters.
MAX_TITLE_LENGTH = 120

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class CannedReplyNotFound(OrderMessagesError):
    """No canned reply with this id (deleted meanwhile, or a made-up id)."""

    status_code = 404


def _model() -> type[CannedReply]:
    return ext.models.CannedReply


def list_replies() -> list[CannedReply]:
    """Every canned reply, by title (case-insensitively)."""
    c = _model()
    stmt = sa.select(c).order_by(sa.func.lower(c.title), c.id)
    return list(session().execute(stmt).scalars())


def get_reply(raw_id: Any) -> CannedReply:
    """The canned reply with this id (a number or a query-string value), or
    :class:`CannedReplyNotFound`."""
    try:
        reply_id = int(raw_id)
    except (TypeError, ValueError):
        reply_id = 0
    reply = session().get(_model(), reply_id) if 0 < reply_id < 2**31 else None
    if reply is None:
        raise CannedReplyNotFound(
            "This canned reply does not exist (any more). It may have been deleted."
        )
    return reply


def _clean(title: Any, body: Any, *, keep_id: int | None = None) -> tuple[str, str]:
    text_title = clean_text(title, field="title", label="The title", max_length=MAX_TITLE_LENGTH)
    text_title = " ".join(text_title.split())  # one line
    text_body = clean_text(
        body, field="body", label="The reply", max_length=current_settings.max_body_length
    )
    unknown = sorted({m.group(1) for m in _PLACEHOLDER.finditer(text_body)} - set(PLACEHOLDERS))
    if unknown:
        known = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
        raise ValidationError(
            f"The reply uses an unknown placeholder {{{unknown[0]}}}. You can use {known}.",
            "body",
        )
    c = _model()
    clash = sa.select(c.id).where(sa.func.lower(c.title) == text_title.lower())
    if keep_id is not None:
        clash = clash.where(c.id != keep_id)
    if session().execute(clash.limit(1)).first() is not None:
        raise ValidationError(_clash_message(text_title), "title")
    return text_title, text_body


def _clash_message(title: str) -> str:
    return f"There is already a canned reply called “{title}”. Please choose another title."


def _commit(title: str) -> None:
    try:
        session().commit()
    except IntegrityError:
        # Two people saved the same title at once: the unique key refused the second.
        session().rollback()
        raise ValidationError(_clash_message(title), "title") from None


def create_reply(actor: Actor, title: Any, body: Any) -> CannedReply:
    """Add a canned reply.  Raises :class:`ValidationError` (field ``title`` or ``body``) for
    an empty or too long text, a title that is taken, or an unknown placeholder."""
    text_title, text_body = _clean(title, body)
    reply = _model()(title=text_title, body=text_body, created_by_id=actor.id)
    session().add(reply)
    _commit(text_title)
    return reply


def update_reply(reply: CannedReply, title: Any, body: Any) -> CannedReply:
    """Change a canned reply's title and text (checked as in :func:`create_reply`)."""
    text_title, text_body = _clean(title, body, keep_id=reply.id)
    reply.title, reply.body = text_title, text_body
    _commit(text_title)
    return reply


def delete_reply(reply: CannedReply) -> None:
    """Delete a canned reply.  Replies already sent with its text are not touched."""
    session().delete(reply)
    session().commit()


def placeholder_values(order: Any, actor: Actor) -> dict[str, str]:
    """What each placeholder stands for on ``order``, for the staff member ``actor``."""
    display = ext.hooks.display_name
    customer = ext.db.session.get(ext.user_model, ext.order_owner_id(order))
    customer_name = display(customer) if customer is not None else ""
    return {
        "customer_name": customer_name,
        "customer_first_name": customer_name.split()[0] if customer_name.split() else "",
        "order_number": str(ext.hooks.order_number(order)),
        "staff_name": display(actor.user) if actor.user is not None else "",
    }


def fill(text: str, values: dict[str, str]) -> str:
    """``text`` with each known ``{placeholder}`` replaced; any other brace stays as it is."""

    def swap(match: re.Match[str]) -> str:
        name = match.group(1)
        return values[name] if name in values else match.group(0)

    return _PLACEHOLDER.sub(swap, text)


@dataclass(frozen=True)
class CannedChoice:
    """A canned reply ready for one reply box: its placeholders filled in."""

    id: int
    title: str
    text: str


def choices_for(order: Any, actor: Actor) -> list[CannedChoice]:
    """Every canned reply, filled in for ``order`` and ``actor``, by title."""
    replies = list_replies()
    if not replies:
        return []
    values = placeholder_values(order, actor)
    return [CannedChoice(r.id, r.title, fill(r.body, values)) for r in replies]
