"""Canned replies: reusable answers the staff keep, with placeholders filled per order.

One list for the whole store, shared by every staff member.  A body may hold the placeholders
in :data:`PLACEHOLDERS`; :func:`fill` replaces them for one order and one staff member, and
leaves every other brace alone.

In a marketplace each reply has an owner (``models_canned.py``), and one rule says who sees
which (:func:`visible`): the marketplace's staff see every reply, their own and every vendor's;
a vendor's staff see their vendor's and the marketplace's ``shared`` ones, never another
vendor's (one of those is a made-up id to them).  Only the owner's staff change or delete a
reply (:func:`check_owner`).  A reply box offers the marketplace's replies and the thread's
vendor's (:func:`choices_for`): a vendor's reply never goes into another vendor's thread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..errors import NotAllowedError, OrderMessagesError, ValidationError
from ..i18n import gettext as _
from ..i18n import lazy_gettext
from ..model_types import CannedReply
from ..models_canned import MARKETPLACE
from ..state import current_order_messages as ext
from ..state import current_settings
from .common import Actor, clean_text, session

#: Placeholders a canned reply may hold, with what they become (in the reader's language).
PLACEHOLDERS = {
    "customer_name": lazy_gettext("the customer's name"),
    "customer_first_name": lazy_gettext("the first word of the customer's name"),
    "order_number": lazy_gettext("the order number"),
    "staff_name": lazy_gettext("your own name"),
}
#: Longest title, in characters.
MAX_TITLE_LENGTH = 120

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class CannedReplyNotFound(OrderMessagesError):
    """No canned reply with this id (deleted meanwhile, or a made-up id)."""

    status_code = 404


def _model() -> type[CannedReply]:
    return ext.models.CannedReply


def owner_of(actor: Actor) -> str:
    """The ``vendor_key`` of the replies ``actor`` makes: their vendor's, else the
    marketplace's (``""``)."""
    return actor.vendor if actor.vendor is not None else MARKETPLACE


def visible(actor: Actor) -> Any:
    """SQL condition: the canned replies ``actor`` sees (the module docstring's rule)."""
    c = _model()
    if actor.vendor is None:
        return sa.true()
    mine = c.vendor_key == actor.vendor
    return sa.or_(mine, sa.and_(c.vendor_key == MARKETPLACE, c.shared.is_(True)))


def list_replies(actor: Actor) -> list[CannedReply]:
    """The canned replies ``actor`` sees, by title (case-insensitively)."""
    c = _model()
    stmt = sa.select(c).where(visible(actor)).order_by(sa.func.lower(c.title), c.id)
    return list(session().execute(stmt).scalars())


def get_reply(raw_id: Any, actor: Actor, *, where: Any = None) -> CannedReply:
    """The canned reply with this id (a number or a query-string value) that ``actor`` sees
    (and that meets ``where``), or :class:`CannedReplyNotFound`: another vendor's is answered
    as a made-up id."""
    try:
        reply_id = int(raw_id)
    except (TypeError, ValueError):
        reply_id = 0
    c = _model()
    reply = None
    if 0 < reply_id < 2**31:
        stmt = sa.select(c).where(c.id == reply_id, visible(actor))
        reply = session().execute(stmt if where is None else stmt.where(where)).scalar()
    if reply is None:
        raise CannedReplyNotFound(
            _("This canned reply does not exist (any more). It may have been deleted.")
        )
    return reply


def check_owner(reply: CannedReply, actor: Actor) -> None:
    """Raise :class:`NotAllowedError` (403, saying whose it is) unless ``actor``'s staff own
    ``reply``: the marketplace's staff change the marketplace's, a vendor's their vendor's."""
    if reply.vendor_key == owner_of(actor):
        return
    from . import vendors

    whose = "the marketplace's" if reply.vendor_key == MARKETPLACE else "its vendor's"
    if actor.vendor is None:
        whose = f"{vendors.name_of(reply.vendor_key)}'s"
    raise NotAllowedError(
        _(
            "This canned reply is kept by %(whose)s staff. You can insert it into your "
            "replies; nothing was changed.",
            whose=whose,
        )
    )


def kept_by(replies: list[CannedReply], actor: Actor) -> dict[int, str]:
    """{reply id: whose it is} for the list, in a marketplace ("Acme Tools", "Marketplace",
    "Marketplace, shared with vendors" for its staff); empty in a shop without vendors."""
    from . import vendors

    if not vendors.enabled():
        return {}
    found = {}
    for reply in replies:
        key = None if reply.vendor_key == MARKETPLACE else reply.vendor_key
        label = vendors.name_of(key)
        if key is None and reply.shared and actor.vendor is None:
            label += ", shared with vendors"
        found[reply.id] = label
    return found


def _clean(title: Any, body: Any, owner: str, *, keep_id: int | None = None) -> tuple[str, str]:
    text_title = clean_text(title, field="title", label=_("The title"), max_length=MAX_TITLE_LENGTH)
    text_title = " ".join(text_title.split())  # one line
    text_body = clean_text(
        body, field="body", label=_("The reply"), max_length=current_settings.max_body_length
    )
    unknown = sorted({m.group(1) for m in _PLACEHOLDER.finditer(text_body)} - set(PLACEHOLDERS))
    if unknown:
        known = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
        raise ValidationError(
            _(
                "The reply uses an unknown placeholder {%(placeholder)s}. You can use %(known)s.",
                placeholder=unknown[0],
                known=known,
            ),
            "body",
        )
    c = _model()
    clash = sa.select(c.id).where(
        c.vendor_key == owner, sa.func.lower(c.title) == text_title.lower()
    )
    if keep_id is not None:
        clash = clash.where(c.id != keep_id)
    if session().execute(clash.limit(1)).first() is not None:
        raise ValidationError(_clash_message(text_title), "title")
    return text_title, text_body


def _clash_message(title: str) -> str:
    return _(
        "There is already a canned reply called “%(title)s”. Please choose another title.",
        title=title,
    )


def _flush(title: str) -> None:
    try:
        session().flush()
    except IntegrityError:
        # Two people saved the same title at once: the unique key refused the second.
        session().rollback()
        raise ValidationError(_clash_message(title), "title") from None


def may_share(actor: Actor) -> bool:
    """Whether ``actor`` chooses if their replies are shared: the marketplace's staff, in a
    marketplace (a vendor's reply is its own, and a shop without vendors shares with nobody)."""
    from . import vendors

    return actor.vendor is None and vendors.enabled()


def create_reply(actor: Actor, title: Any, body: Any, *, shared: bool = False) -> CannedReply:
    """Add a canned reply, ``actor``'s vendor's (or the marketplace's, ``shared`` with the
    vendors' staff or not).  Raises :class:`ValidationError` (field ``title`` or ``body``)
    for an empty or too long text, a title the owner has already, or an unknown
    placeholder."""
    owner = owner_of(actor)
    text_title, text_body = _clean(title, body, owner)
    reply = _model()(
        title=text_title,
        body=text_body,
        created_by_id=actor.id,
        vendor_key=owner,
        shared=bool(shared) and may_share(actor),
    )
    session().add(reply)
    _flush(text_title)
    return reply


def update_reply(
    reply: CannedReply, actor: Actor, title: Any, body: Any, *, shared: bool = False
) -> CannedReply:
    """Change a canned reply's title and text (checked as in :func:`create_reply`) and
    whether it is shared; only its owner's staff may (:func:`check_owner`)."""
    check_owner(reply, actor)
    text_title, text_body = _clean(title, body, reply.vendor_key, keep_id=reply.id)
    reply.title, reply.body = text_title, text_body
    reply.shared = bool(shared) and may_share(actor)
    _flush(text_title)
    return reply


def delete_reply(reply: CannedReply, actor: Actor) -> None:
    """Delete a canned reply (its owner's staff only).  Replies already sent with its text are
    not touched."""
    check_owner(reply, actor)
    session().delete(reply)
    session().flush()


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


def fits(order: Any) -> Any:
    """SQL condition: the canned replies that may go into ``order``'s thread: the
    marketplace's, and its vendor's (never another vendor's)."""
    from . import vendors

    c = _model()
    vendor = vendors.order_vendor(order)
    return c.vendor_key.in_([MARKETPLACE] if vendor is None else [MARKETPLACE, vendor])


def choices_for(order: Any, actor: Actor) -> list[CannedChoice]:
    """The canned replies ``actor`` sees that fit ``order`` (:func:`fits`), filled in for
    ``order`` and ``actor``, by title."""
    c = _model()
    stmt = sa.select(c).where(visible(actor), fits(order))
    replies = list(session().execute(stmt.order_by(sa.func.lower(c.title), c.id)).scalars())
    if not replies:
        return []
    values = placeholder_values(order, actor)
    return [CannedChoice(r.id, r.title, fill(r.body, values)) for r in replies]
