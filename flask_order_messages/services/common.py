"""Pieces every service shares: who is acting, text checks, the unread rule in SQL."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy.session import Session
from sqlalchemy.orm import scoped_session

from .. import dialects
from ..dialects import Dialect
from ..errors import ValidationError
from ..i18n import gettext as _
from ..models import CUSTOMER, KIND_NOTE, STAFF
from ..state import current_order_messages as ext
from ..state import current_settings
from . import readers


@dataclass(frozen=True)
class Actor:
    """A person acting on threads, in one role.  ``role`` is ``"staff"`` or ``"customer"``;
    ``vendor``: in a marketplace, the vendor a staff member works for (None: the
    marketplace's own staff, customers, and everyone in a shop without vendors)."""

    user: Any
    id: Any
    role: str
    vendor: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.role == STAFF


def staff_actor(user: Any) -> Actor:
    """An :class:`Actor` for a staff member (the caller has checked they are staff)."""
    from .vendors import staff_vendor

    return Actor(user=user, id=ext.user_key(user), role=STAFF, vendor=staff_vendor(user))


def customer_actor(user: Any) -> Actor:
    """An :class:`Actor` for a customer."""
    return Actor(user=user, id=ext.user_key(user), role=CUSTOMER)


#: Unicode's control characters (category Cc: U+0000-U+001F, U+007F-U+009F) but line feed and
#: tab; and those that are not blank space (tab, line breaks, form feed, the separators, NEL).
#: Regular expressions: a loop over the characters in Python took 0.6 s for 1 MiB.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROLS_BUT_BLANK = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")


def strip_controls(text: str, *, keep_blank: bool = False) -> str:
    """NUL and the other control characters removed: they have no place in a message or a
    search (PostgreSQL refuses a NUL in text); line breaks and tabs stay, and with
    ``keep_blank`` every control character that is blank space (a search splits words there)."""
    return (_CONTROLS_BUT_BLANK if keep_blank else _CONTROLS).sub("", text)


def clean_text(raw: Any, *, field: str, label: str, max_length: int) -> str:
    """Normalise user text (line endings, control characters, outer blank space) and check it.

    Raises :class:`ValidationError` with a sentence for the person who typed it.
    """
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raise ValidationError(_("%(label)s must be text.", label=label), field)
    text = strip_controls(raw.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not text:
        raise ValidationError(_("%(label)s cannot be empty.", label=label), field)
    if len(text) > max_length:
        raise ValidationError(
            _(
                "%(label)s is too long: %(length)s characters, the limit is %(max_length)s.",
                label=label,
                length=format(len(text), ","),
                max_length=format(max_length, ","),
            ),
            field,
        )
    return text


def clean_body(raw: Any) -> str:
    """A message body, checked against ``ORDER_MESSAGES_MAX_BODY_LENGTH``."""
    return clean_text(
        raw, field="body", label=_("Your message"), max_length=current_settings.max_body_length
    )


def clean_reason(raw: Any) -> str:
    """A dispute reason, checked against ``ORDER_MESSAGES_MAX_REASON_LENGTH``."""
    return clean_text(
        raw, field="reason", label=_("The reason"), max_length=current_settings.max_reason_length
    )


def session() -> scoped_session[Session]:
    """The host's session (``db.session``)."""
    return ext.db.session


def database() -> Dialect:
    """What the database of our tables does its own way (upserts, time arithmetic...)."""
    return dialects.of(session().get_bind(mapper=sa.inspect(ext.models.Message)))


def visible_to(actor: Actor, message_model: Any) -> Any:
    """SQL condition: entries this actor may see (customers never see staff-only notes)."""
    if actor.is_staff:
        return sa.true()
    return message_model.kind != KIND_NOTE


def pointer_join(actor: Actor) -> tuple[Any, Any]:
    """The read-pointer table and the ON clause joining it to threads for this actor (their
    own pointers, or the team's: see :mod:`.readers`)."""
    m = ext.models
    on = sa.and_(
        m.ReadPointer.thread_id == m.Thread.id, m.ReadPointer.user_id == readers.reader_key(actor)
    )
    return m.ReadPointer, on


def unread_message_condition(actor: Actor, last_read: Any) -> Any:
    """SQL condition on Message rows: unread for ``actor`` given their pointer ``last_read``.

    The one place where "unread" is defined: newer than the pointer, visible to the actor,
    and written by someone else (:func:`.readers.others_entry`: your own messages are never
    unread to you; with a shared read state, no staff entry is unread to staff).
    """
    m = ext.models.Message
    return sa.and_(
        m.id > last_read,
        readers.others_entry(actor, m.author_id, m.author_role),
        visible_to(actor, m),
    )


def thread_unread_condition(actor: Actor) -> Any:
    """SQL condition on a Thread joined to the actor's pointer: has it anything unread?

    The thread's newest message answers most cases without touching the messages table;
    the EXISTS only runs where the newest message is the actor's own (shared: a staff
    entry) or, for customers, where it might be a staff-only note.
    """
    models = ext.models
    t, rp, msg = models.Thread, models.ReadPointer, models.Message
    last_read = sa.func.coalesce(rp.last_read_id, 0)
    exists = (
        sa.select(sa.literal(1))
        .where(msg.thread_id == t.id, unread_message_condition(actor, last_read))
        .correlate(t, rp)
        .exists()
    )
    newer = t.last_message_id > last_read
    if actor.is_staff:
        return sa.and_(newer, sa.or_(readers.newest_by_others(actor), exists))
    return sa.and_(newer, exists)


def thread_scope(actor: Actor) -> Any:
    """SQL condition on Thread: the threads ``actor`` may see, the one rule every list, count,
    search, bulk action and page applies.  A customer: the threads of orders they own, and
    their questions before purchase.  A
    vendor's staff (marketplaces, see ``vendors.py``): that vendor's threads, and none while
    ``ORDER_MESSAGES_VENDOR_PARTICIPATION`` is off.  Other staff: every thread."""
    t = ext.models.Thread
    if actor.is_staff:
        if actor.vendor is None:
            return sa.true()
        if not current_settings.vendors.participation:
            return sa.false()
        return t.vendor_key == actor.vendor
    # ... and the questions they asked about products (questions.py).
    return sa.or_(t.order_id.in_(owned_orders(actor)), t.asker_id == actor.id)


def owned_orders(actor: Actor) -> Any:
    """SELECT of the keys of the orders a customer owns (:func:`thread_scope`'s rule)."""
    order_pk = getattr(ext.order_model, ext.order_pk.key)
    return sa.select(order_pk).where(ext.order_owner_column() == actor.id)


def scope_parts(actor: Actor) -> list[Any]:
    """:func:`thread_scope` as disjoint conditions any of which admits a thread, for a
    statement that reads each through an index of its own: as one ``OR``, PostgreSQL reads
    every thread to find a customer's (staff: ``[thread_scope]``)."""
    if actor.is_staff:
        return [thread_scope(actor)]
    t = ext.models.Thread
    return [t.order_id.in_(owned_orders(actor)), asked_questions(actor)]


def asked_questions(actor: Actor) -> Any:
    """SQL condition on Thread: a customer's questions about products, as
    :func:`thread_scope` admits them, read through the index on ``order_id``: a question
    never has an order (``questions.py`` clears its asker when it gets one)."""
    t = ext.models.Thread
    return sa.and_(t.order_id.is_(None), t.asker_id == actor.id)


#: The name :func:`thread_scope` had while it only kept customers to their own orders.
customer_scope = thread_scope
