"""Marketplaces: vendors, the staff who work for them, and what each may do.

A host becomes a marketplace by registering the ``order_vendor`` hook (which vendor sold an
order); one that does not has no vendors, and nothing here changes anything for it.  In a
marketplace there are three kinds of participant:

- the **customer**, who sees the threads of their own orders;
- **vendor staff**, staff whose ``staff_vendor`` hook names a vendor: they see and answer that
  vendor's threads only (``Thread.vendor_key``, written when the thread is made), and nothing
  at all while ``ORDER_MESSAGES_VENDOR_PARTICIPATION`` is off (X-Cart's "warehouse" mode);
- the **marketplace staff** (``staff_vendor`` None): every thread, a vendor filter, and the
  arbitration of disputes, which vendor staff answer in but open, close or reopen only with
  ``ORDER_MESSAGES_VENDORS_CLOSE_DISPUTES``.

The rule of which threads a person sees is :func:`.common.thread_scope`, in SQL; this module
holds the rest: the hooks' answers as the threads keep them (text), what a vendor's staff
member may do, the names shown, and who is mailed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request

from ..errors import NotAllowedError
from ..i18n import lazy_gettext
from ..models import CUSTOMER
from ..models_vendors import VENDOR_KEY_LENGTH
from ..state import current_order_messages as ext
from ..state import current_settings

#: What vendor staff are told when they try to open, close or reopen a dispute.
ARBITRATION_REFUSED = lazy_gettext(
    "Disputes are opened and closed by the customer and the marketplace's staff; you can "
    "answer in them. Nothing was changed."
)
#: What vendor staff are told on the staff pages while vendor participation is off.
NOT_PARTICIPATING = lazy_gettext(
    "Messages about orders are answered by the marketplace's staff in this shop, so there is "
    "nothing here for a vendor's staff."
)
#: Vendor keys and names of this request (the hooks are asked once per request).
_NAMES = "flask_order_messages.vendor_names"


def enabled() -> bool:
    """Whether the shop is a marketplace: it registered the ``order_vendor`` hook."""
    return ext.has_hook("order_vendor")


def key_of(value: Any, hook: str) -> str | None:
    """A vendor key from hook ``hook`` as the threads keep it: None, or text of at most
    :data:`~.models_vendors.VENDOR_KEY_LENGTH` characters (else a ``ValueError`` naming the
    hook: a key cut short could name another vendor)."""
    if value is None:
        return None
    key = str(value)
    if not key or len(key) > VENDOR_KEY_LENGTH:
        raise ValueError(
            f"The '{hook}' hook returned {value!r:.80}: a vendor key must be 1 to "
            f"{VENDOR_KEY_LENGTH} characters as text (or None)."
        )
    return key


def order_vendor(order: Any) -> str | None:
    """The vendor who sold ``order`` (None: the marketplace's own sale, or no vendors)."""
    if not enabled():
        return None
    return key_of(ext.hooks.order_vendor(order), "order_vendor")


def staff_vendor(user: Any) -> str | None:
    """The vendor staff member ``user`` works for (None: the marketplace's, or no vendors)."""
    if user is None or not enabled():
        return None
    return key_of(ext.hooks.staff_vendor(user), "staff_vendor")


def participates() -> bool:
    """Whether vendor staff take part (``ORDER_MESSAGES_VENDOR_PARTICIPATION``)."""
    return current_settings.vendors.participation


def takes_part(actor: Any) -> bool:
    """Whether ``actor`` may use the staff pages and partials: anyone but a vendor's staff
    while vendor participation is off."""
    return actor.vendor is None or participates()


def may_see_order(order: Any, actor: Any) -> bool:
    """Whether staff member ``actor`` may see ``order`` and its thread (Python's side of
    :func:`.common.thread_scope`, for a page about one order): the marketplace's staff any
    order, a vendor's staff their vendor's orders while vendors take part."""
    if actor.vendor is None:
        return True
    return participates() and order_vendor(order) == actor.vendor


def may_arbitrate(actor: Any) -> bool:
    """Whether ``actor`` may open, close or reopen disputes as far as vendors go: everyone
    but a vendor's staff, who may while ``ORDER_MESSAGES_VENDORS_CLOSE_DISPUTES`` is on.  (A
    customer's own limits -- their own order, their own dispute -- are checked elsewhere.)"""
    return not (actor.is_staff and actor.vendor is not None) or (
        current_settings.vendors.close_disputes
    )


def check_arbitration(actor: Any) -> None:
    """Raise :class:`NotAllowedError` (403) unless :func:`may_arbitrate`."""
    if not may_arbitrate(actor):
        raise NotAllowedError(ARBITRATION_REFUSED)


# -- names ------------------------------------------------------------------------------------


def _names() -> dict[str | None, str]:
    """{vendor key: name} from the ``vendors`` hook, and the marketplace's own name under
    None; asked once per request."""
    store: dict[str, Any] = request.environ if has_request_context() else {}
    found: dict[str | None, str] | None = store.get(_NAMES)
    if found is None:
        found = {key_of(key, "vendors"): str(name) for key, name in ext.hooks.vendors() or []}
        found[None] = str(ext.hooks.vendor_name(None))
        store[_NAMES] = found
    return found


def name_of(key: str | None) -> str:
    """Vendor ``key``'s name (None: the marketplace's): from ``vendors``, else ``vendor_name``."""
    names = _names()
    if key not in names:
        names[key] = str(ext.hooks.vendor_name(key))
    return names[key]


def choices() -> list[tuple[str, str]]:
    """(key, name) of every vendor, by name: the marketplace staff's vendor filter."""
    found = [(key, name) for key, name in _names().items() if key is not None]
    return sorted(found, key=lambda pair: (pair[1].casefold(), pair[0]))


def chosen_vendor(actor: Any, raw: Any) -> tuple[str, Any]:
    """The Messages list's vendor filter for ``actor``: (the vendor chosen, or "" for all;
    the SQL condition on Thread, or None).  Only the marketplace's staff filter by vendor: a
    vendor's staff see their own vendor's threads anyway.  A key that names no vendor of
    ``vendors`` (a typo, an old link) finds no thread, never an error."""
    if not isinstance(raw, str) or not raw or actor.vendor is not None or not enabled():
        return "", None
    t = ext.models.Thread
    known = {key for key, _ in choices()}
    return raw, (t.vendor_key == raw if raw in known else sa.false())


@dataclass(frozen=True)
class ListVendors:
    """What the Messages list shows of vendors, to the marketplace's staff only: the vendor
    filter (the vendor chosen, "" for all; every vendor) and each row's vendor by thread id."""

    shown: bool = False
    chosen: str = ""
    choices: list[tuple[str, str]] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)


def list_vendors(actor: Any, threads: list[Any], chosen: str) -> ListVendors:
    """The Messages list's :class:`ListVendors` for ``actor``, for a page of ``threads``."""
    if actor.vendor is not None or not enabled():
        return ListVendors()
    names = {thread.id: name_of(thread.vendor_key) for thread in threads}
    return ListVendors(True, chosen, choices(), names)


def author_name(user: Any, staff: bool, *, name: str | None = None) -> str:
    """``user``'s name beside their entries (``name``: the ``display_name`` hook's answer,
    when the caller has it): in a marketplace, a staff member's followed by whom they work
    for ("Ann (Acme Tools)", "Sam (Marketplace)"); else the name as it is.  The one rule of
    authors' labels: the thread, the JSON entries, the mail, the Messages list's last
    author."""
    if name is None:
        name = ext.hooks.display_name(user)
    if not staff or not enabled():
        return name
    return f"{name} ({name_of(staff_vendor(user))})"


def recipients(key: str) -> list[str]:
    """Who is mailed about vendor ``key``'s threads (none while vendors do not take part)."""
    if not participates():
        return []
    return list(ext.hooks.vendor_recipients(key) or [])


def marketplace_recipients() -> list[str]:
    """The ``staff_recipients``: who is mailed for the store (in a marketplace, for the
    marketplace itself).  In a marketplace an address of a vendor's staff member is left out
    (a host whose ``staff_recipients`` lists every admin): the marketplace's own threads, its
    arbitration and its overdue notices are no vendor's mail; a vendor's own come through
    :func:`recipients`."""
    found = list(ext.hooks.staff_recipients() or [])
    if not enabled():
        return found
    return [raw for raw in found if not _vendor_staff_address(raw)]


def _vendor_staff_address(raw: Any) -> bool:
    """Whether ``raw`` is the address of a staff member who works for a vendor."""
    if not isinstance(raw, str) or not raw.strip():
        return False
    user = ext.hooks.staff_user_for_email(raw.strip())
    return user is not None and staff_vendor(user) is not None


def store_recipients(vendor: str | None, actor: Any, *, dispute: bool) -> list[str]:
    """Who on the store's side is mailed about an entry ``actor`` wrote in a thread of
    ``vendor`` (None: the marketplace's own, or a shop without vendors); ``dispute``: the
    entry is a dispute opened, closed (with its outcome) or reopened.  The one rule:

    - the marketplace's own threads (and every thread in warehouse mode): a customer's words
      go to :func:`marketplace_recipients`; staff's tell no one on the store's side;
    - a vendor's thread: that vendor's :func:`recipients` hear of the customer's words and
      of the marketplace's staff stepping in (they are the thread's participants), never of
      their own staff's messages; a dispute event also tells the marketplace, which
      arbitrates.  Never another vendor's.

    Staff-only notes mail nobody (see ``mail_compose``), and the author is never mailed."""
    if vendor is None or not participates():
        return marketplace_recipients() if actor.role == CUSTOMER else []
    found = []
    if actor.role == CUSTOMER or dispute or actor.vendor != vendor:
        found = recipients(vendor)
    return found + marketplace_recipients() if dispute else found


def assign_vendors(*, batch_size: int = 500) -> tuple[int, int]:
    """Write each thread's vendor from the ``order_vendor`` hook (a marketplace that had
    threads before migration 0012, or whose orders changed vendor), committing every
    ``batch_size`` threads (``BATCH`` in :mod:`..transactions`); then every read floor is
    lowered to 0 (see ``floors.py``), so that a vendor's staff find their vendor's unread
    threads that lay below their floor.  Returns (threads looked at, threads changed).
    Idempotent."""
    from ..transactions import BATCH, commit_early
    from . import floors
    from .common import session

    t = ext.models.Thread
    pk = getattr(ext.order_model, ext.order_pk.key)
    db = session()
    looked = changed = 0
    after = None
    while True:
        stmt = sa.select(t.id, t.order_id, t.vendor_key).order_by(t.id).limit(batch_size)
        threads = db.execute(stmt if after is None else stmt.where(t.id > after)).all()
        if not threads:
            break
        keys = [order_id for _, order_id, _ in threads]
        found = db.execute(sa.select(ext.order_model).where(pk.in_(keys))).scalars()
        orders = {ext.order_key(order): order for order in found}
        for thread_id, order_id, vendor in threads:
            wanted = order_vendor(orders[order_id]) if order_id in orders else vendor
            if wanted != vendor:
                db.execute(sa.update(t).where(t.id == thread_id).values(vendor_key=wanted))
                changed += 1
        commit_early(BATCH)
        looked += len(threads)
        after = threads[-1][0]
    floors.reset_all()
    return looked, changed
