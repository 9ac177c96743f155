"""Customer context for staff: who the customer is (name, email), who wrote last, and the
order's total and status (the host's ``order_summary`` hook), for the Messages section and
the staff thread page.  A page's people are read in one query, whatever its rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ..errors import MissingHookError
from ..hooks import STAFF_LABEL
from ..i18n import lazy_gettext
from ..models import CUSTOMER, STAFF
from ..state import current_order_messages as ext
from .common import Actor, session
from .vendors import author_name

#: The last author when it is the viewer.
YOU = lazy_gettext("You")
#: The last author when the customer has no name to show (or is gone).
CUSTOMER_LABEL = lazy_gettext("Customer")


@dataclass(frozen=True)
class CustomerContext:
    """What staff see about an order's customer and the order itself (None: nothing shown)."""

    name: str | None = None
    email: str | None = None
    total: str | None = None
    status: str | None = None


def users_by_key(keys: Iterable[Any]) -> dict[Any, Any]:
    """The users with these keys, in one query (none for no keys)."""
    wanted = {key for key in keys if key is not None}
    if not wanted:
        return {}
    pk = getattr(ext.user_model, ext.user_pk.key)
    found = session().execute(sa.select(ext.user_model).where(pk.in_(wanted))).scalars()
    return {ext.user_key(user): user for user in found}


def _text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def email_of(user: Any) -> str | None:
    """The user's address through the ``user_email`` hook; None when there is none (also when
    the user model has no email and no hook says where it is)."""
    try:
        return _text(ext.hooks.user_email(user))
    except MissingHookError:
        return None


def order_summary(order: Any) -> tuple[str | None, str | None]:
    """(total, status) of ``order`` from the ``order_summary`` hook; (None, None) without one.
    Anything but a mapping (or None) from the hook is a :class:`TypeError` naming it."""
    summary = ext.hooks.order_summary(order)
    if summary is None:
        return None, None
    if not isinstance(summary, Mapping):
        raise TypeError(
            "The 'order_summary' hook must return a dict such as "
            f'{{"total": "€12.50", "status": "Shipped"}} or None; got {type(summary).__name__}.'
        )
    return _text(summary.get("total")), _text(summary.get("status"))


def customer_context(order: Any, customer: Any) -> CustomerContext:
    """The context of ``order``, whose owner is ``customer`` (None: the user is gone).  A
    customer without a name shows their email once, not twice."""
    total, status = order_summary(order) if order is not None else (None, None)
    if customer is None:
        return CustomerContext(total=total, status=status)
    email = email_of(customer)
    name = _text(ext.hooks.display_name(customer))
    if name is not None and email is not None and name.casefold() == email.casefold():
        name = None
    return CustomerContext(name=name, email=email, total=total, status=status)


def last_author(actor: Actor, author_id: Any, role: str | None, users: Mapping[Any, Any]) -> str:
    """Who wrote a thread's newest entry, as ``actor`` reads it: "You", a colleague's name
    (in a marketplace with whom they work for, as in the thread: ``vendors.author_name``),
    or the customer's name ("Customer" without one)."""
    if author_id is not None and author_id == actor.id:
        return str(YOU)
    user = users.get(author_id)
    name = _text(ext.hooks.display_name(user)) if user is not None else None
    if name is None:
        return str(CUSTOMER_LABEL if role == CUSTOMER else STAFF_LABEL)
    return author_name(user, role == STAFF, name=name)


def order_context(order: Any) -> CustomerContext:
    """The context of one order (one query, for its customer)."""
    owner_id = ext.order_owner_id(order)
    return customer_context(order, users_by_key([owner_id]).get(owner_id))


def orders_by_key(keys: list[Any]) -> dict[Any, Any]:
    """The orders with these keys, by key, in one query."""
    if not keys:
        return {}
    pk = getattr(ext.order_model, ext.order_pk.key)
    found = session().execute(sa.select(ext.order_model).where(pk.in_(keys))).scalars()
    return {ext.order_key(o): o for o in found}


def page_context(
    actor: Actor, found: Iterable[Any], orders: Mapping[Any, Any]
) -> tuple[dict[Any, CustomerContext], dict[Any, str]]:
    """For a page of the Messages section: ({thread id: context}, {thread id: last author}),
    for staff (a customer gets two empty dicts).  ``found`` are the page's rows (thread,
    dispute, newest entry, ...); ``orders`` its orders by key.  The customers and the last
    authors are read in one query."""
    if not actor.is_staff:
        return {}, {}
    rows = [(row[0], row[2]) for row in found]
    owners = {key: ext.order_owner_id(order) for key, order in orders.items()}
    askers = [thread.asker_id for thread, _ in rows]  # questions' customers (questions.py)
    # The last author is the author of the entry the row shows (listing_pages.preview_id).
    writers = [last.author_id if last is not None else t.last_author_id for t, last in rows]
    users = users_by_key([*owners.values(), *askers, *writers])
    contexts, authors = {}, {}
    for thread, last in rows:
        order = orders.get(thread.order_id)
        owner_id = owners.get(thread.order_id) if order is not None else thread.asker_id
        owner = users.get(owner_id)
        contexts[thread.id] = customer_context(order, owner)
        if last is None:
            authors[thread.id] = last_author(actor, thread.last_author_id, None, users)
        else:
            authors[thread.id] = last_author(actor, last.author_id, last.author_role, users)
    return contexts, authors
