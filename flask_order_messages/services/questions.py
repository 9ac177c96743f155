"""Questions before purchase: a customer asks about a product from its page, before any order.

A question is a thread whose ``product_key`` names the product (the host's key, as text) and
whose ``asker_id`` is the customer who asked (``models_questions.py``).  It is like an order's
thread everywhere else: the same posting (:func:`.posting.post_into`, the message and its mail
in one transaction), read state, bell and unread counts, staff search, and scope
(:func:`.common.thread_scope`: the customer who asked; a product's vendor's staff in a
marketplace, the ``product_vendor`` hook naming the vendor when the question is made).

A question can later be linked to an order the customer placed: it becomes that order's thread
(its ``asker_id`` cleared, so the customer may ask about the product again).  An order that has
a thread already is refused: two conversations are never merged.
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from .. import search
from ..errors import DisputeError, NotAllowedError, ValidationError
from ..event_words import EVENT_LINKED
from ..hooks import default_product_name
from ..i18n import gettext as _
from ..i18n import lazy_gettext
from ..mail_reader import in_shop_language
from ..model_types import Message, Thread
from ..models import KIND_EVENT
from ..models_questions import PRODUCT_KEY_LENGTH
from ..state import current_order_messages as ext
from ..transactions import FIRST_MESSAGE, commit_early, has_pending_writes
from . import vendors
from .common import Actor, clean_body, session, thread_scope
from .context import email_of
from .posting import add_event, get_thread, index_order_number, lock_thread, post_into
from .reading import unread_counts
from .thread_view import ThreadState, state_where


#: A product key the extension cannot keep.
def bad_key() -> str:
    return _(
        "This product cannot take questions: its key must be 1 to %(limit)s characters of "
        "text without control characters.",
        limit=PRODUCT_KEY_LENGTH,
    )


#: An order that has a conversation already.
def order_has_thread(number: str) -> str:
    return _(
        "Order #%(number)s has a conversation already, so this question was not linked to "
        "it: the two are never merged. Answer the question here, or mention the order in a "
        "reply.",
        number=number,
    )


#: Staff only ever link a question to one of its customer's orders.
NOT_THEIR_ORDER = lazy_gettext("That order is not this customer's, so the question was not linked.")
#: How many of the customer's orders the "Link to order" list offers (newest first).
LINK_CHOICES = 50


def product_key_of(value: Any) -> str:
    """A product key as the threads keep it: text (an int or UUID is written as text) of 1 to
    :data:`PRODUCT_KEY_LENGTH` characters, no control characters.  Else a
    :class:`ValidationError` (a key cut short or cleaned could name another product)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, uuid.UUID)):
        raise ValidationError(bad_key(), "product_key")
    key = str(value)
    controls = any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in key)
    if not key or len(key) > PRODUCT_KEY_LENGTH or controls or not key.strip():
        raise ValidationError(bad_key(), "product_key")
    return key


def product_name(key: str | None) -> str:
    """The product's name from the ``product_name`` hook ("Product <key>" in the reader's
    language without an answer)."""
    name = ext.hooks.product_name(key) if key is not None else None
    text = str(name).strip() if name is not None else ""
    return text or default_product_name(str(key))


def product_url(key: str | None) -> str | None:
    """The host's page of the product (the ``product_url`` hook), or None."""
    url = ext.hooks.product_url(key) if key is not None else None
    return str(url) if url else None


def product_vendor(key: str) -> str | None:
    """The vendor who sells the product (the ``product_vendor`` hook), as the threads keep it."""
    return vendors.key_of(ext.hooks.product_vendor(key), "product_vendor")


# -- finding questions ------------------------------------------------------------------------


def question_of(product_key: str, actor: Actor) -> Thread | None:
    """``actor``'s question about the product (not yet linked to an order), or None."""
    t = ext.models.Thread
    stmt = sa.select(t).where(
        t.product_key == product_key, t.asker_id == actor.id, t.order_id.is_(None)
    )
    return session().execute(stmt).scalar()


def get_question(raw_id: Any, actor: Actor, *, lock: bool = False) -> Thread | None:
    """The question thread with id ``raw_id`` if ``actor`` may see it (a question linked to an
    order since included); None for a made-up, malformed or someone else's id alike."""
    try:
        thread_id = int(str(raw_id), 10)
    except ValueError:
        return None
    if not 0 < thread_id < 2**31:
        return None
    t = ext.models.Thread
    stmt = sa.select(t).where(t.id == thread_id, t.product_key.is_not(None), thread_scope(actor))
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session().execute(stmt).scalar()


def question_state(thread: Thread, actor: Actor) -> ThreadState:
    """The question as ``actor`` finds it before reading (see ``thread_view.thread_state``)."""
    return state_where(ext.models.Thread.id == thread.id, actor)


@dataclass(frozen=True)
class QuestionRow:
    """One of a customer's questions, for their list."""

    thread: Thread
    product_name: str
    product_url: str | None
    unread: int
    last_message_at: datetime | None


def customer_questions(actor: Actor) -> list[QuestionRow]:
    """The customer's questions not linked to an order, newest first, with their unread
    messages (two queries)."""
    t = ext.models.Thread
    stmt = (
        sa.select(t)
        .where(t.asker_id == actor.id, t.order_id.is_(None), t.last_message_id.is_not(None))
        .order_by(t.last_message_at.desc(), t.id.desc())
    )
    threads = list(session().execute(stmt).scalars())
    counts = unread_counts(actor, [thread.id for thread in threads])
    return [
        QuestionRow(
            thread,
            product_name(thread.product_key),
            product_url(thread.product_key),
            counts.get(thread.id, 0),
            thread.last_message_at,
        )
        for thread in threads
    ]


def orders_to_link(thread: Thread, actor: Actor) -> list[tuple[Any, str]]:
    """(order key, number) of the orders the question may be linked to: its customer's,
    newest first (a vendor's staff: their vendor's only)."""
    if thread.order_id is not None or thread.asker_id is None:
        return []
    pk = getattr(ext.order_model, ext.order_pk.key)
    stmt = (
        sa.select(ext.order_model)
        .where(ext.order_owner_column() == thread.asker_id)
        .order_by(pk.desc())
        .limit(LINK_CHOICES)
    )
    found = session().execute(stmt).scalars()
    shown = [o for o in found if not actor.is_staff or vendors.may_see_order(o, actor)]
    return [(ext.order_key(o), str(ext.hooks.order_number(o))) for o in shown]


# -- writing ----------------------------------------------------------------------------------


def ask(product_key: Any, actor: Actor, body: Any) -> Message:
    """Customer ``actor`` asks about the product: their question made if they have none yet
    (its vendor from ``product_vendor``), else the message added to it.  Checked first: a bad
    key or body raises :class:`ValidationError` and nothing is saved."""
    if actor.is_staff:
        raise NotAllowedError(_("Questions about products are asked by customers."))
    key = product_key_of(product_key)
    text = clean_body(body)
    thread = question_of(key, actor) or _new_question(key, actor)
    return _post(thread, actor, text, note=False)


def post_question(thread: Thread, actor: Actor, body: Any, *, note: bool = False) -> Message:
    """A reply (or, staff, a staff-only note) in question ``thread``, which ``actor`` may see
    (:func:`get_question`)."""
    text = clean_body(body)
    if note and not actor.is_staff:
        raise NotAllowedError(_("Only staff can write staff-only notes."))
    return _post(thread, actor, text, note=note)


def _post(thread: Thread, actor: Actor, text: str, *, note: bool) -> Message:
    lock_thread(thread)
    session().refresh(thread)
    if thread.order_id is not None:  # linked meanwhile: its order's thread now
        raise DisputeError(_("This question was linked to an order meanwhile: reply there."))
    return post_into(thread, actor, text, note=note, uploads=[], order=None)


def _new_question(key: str, actor: Actor) -> Thread:
    """The customer's new question about the product, saved on its own like a first message
    (``FIRST_MESSAGE``): the unique key on (product, customer) decides a race of two."""
    thread = ext.models.Thread(
        order_id=None,
        product_key=key,
        asker_id=actor.id,
        vendor_key=product_vendor(key),
        message_count=0,
    )
    db = session()
    pending = has_pending_writes()
    db.add(thread)
    try:
        db.flush()
        _index(thread, actor.user)
        if not pending:
            commit_early(FIRST_MESSAGE)
    except IntegrityError:
        db.rollback()
        found = question_of(key, actor)
        if found is None:
            raise
        return found
    return thread


def _index(thread: Thread, customer: Any) -> None:
    """Staff find a question by its product's name and key and its customer's name and email."""
    with in_shop_language():  # kept, like an event's words: the same whoever asked
        words = [product_name(thread.product_key), thread.product_key or ""]
    if customer is not None:
        words += [ext.hooks.display_name(customer) or "", email_of(customer) or ""]
    text = search.search_text(" ".join(words))
    search.add_to_document(session(), ext.models.ThreadSearch, thread.id, text)


def link_to_order(thread: Thread, actor: Actor, order: Any) -> Message:
    """Make question ``thread`` the thread of ``order``, one of its customer's orders, and
    record it in the thread.  Refused (nothing changed) when the order has a thread already:
    :func:`order_has_thread`."""
    lock_thread(thread)
    session().refresh(thread)
    if thread.order_id is not None:
        raise DisputeError(_("This question is linked to an order already."))
    if ext.order_owner_id(order) != thread.asker_id:
        raise NotAllowedError(NOT_THEIR_ORDER)
    number = str(ext.hooks.order_number(order))
    if get_thread(order) is not None:
        raise DisputeError(order_has_thread(number))
    t = ext.models.Thread
    values = {"order_id": ext.order_key(order), "asker_id": None}
    if vendors.enabled():
        values["vendor_key"] = vendors.order_vendor(order)
    try:
        session().execute(
            sa.update(t)
            .where(t.id == thread.id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        session().flush()
    except IntegrityError:  # its thread was made meanwhile: the unique key on order_id
        session().rollback()
        raise DisputeError(order_has_thread(number)) from None
    index_order_number(thread.id, order)
    entry = _linked_entry(thread, actor, number)
    session().expire(thread)
    return entry


def _linked_entry(thread: Thread, actor: Actor, number: str) -> Message:
    args = {"number": number}
    return add_event(thread, actor, EVENT_LINKED, args, kind=KIND_EVENT, locked=True)
