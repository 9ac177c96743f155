"""Finding threads: the Messages section's pages (the host's order lists: ``order_lists``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from .. import search
from ..errors import ValidationError
from ..i18n import gettext as _
from ..model_types import Dispute, Message, Thread
from ..state import current_order_messages as ext
from ..state import current_settings
from . import floors, listing_pages, targets
from .common import (
    Actor,
    customer_scope,
    pointer_join,
    session,
    thread_unread_condition,
    visible_to,
)
from .context import CustomerContext, orders_by_key, page_context
from .deadlines import overdue_condition
from .questions import product_name
from .reading import unread_counts

THREAD_FILTERS = ("all", "unread", "disputes", "overdue")
MAX_SEARCH_WORDS = search.MAX_TERMS


@dataclass
class ThreadRow:
    """One row of the Messages section."""

    thread: Thread
    order: Any
    order_number: str
    #: The entry the row shows: the newest message, note or dispute event the viewer may see
    #: (the team's events, assigned or status set, only when the thread has nothing else).
    last_message: Message | None
    unread: int
    dispute: Dispute | None
    #: The open dispute is past its respond-by time and the store has not answered.
    overdue: bool = False
    #: Customer context (staff): the customer, the order's total and status.
    context: CustomerContext | None = None
    #: Who wrote ``last_message``, for the viewer: "You", a colleague, the customer.
    last_author: str = ""
    #: A question about a product (no order): the product's name (questions.py).
    product: str | None = None


@dataclass
class ThreadPage:
    """A page of the Messages section."""

    rows: list[ThreadRow]
    page: int
    per_page: int
    total: int
    query: str
    filter: str
    #: Threads on every page of this list that are unread for the viewer.
    unread_total: int = 0
    #: "overdue": only threads whose reply is overdue (response targets); "" for any.
    due: str = ""
    #: The list has more than ``total`` threads (a total counted up to
    #: ``listing_pages.COUNT_CAP``, shown as "1,000+").
    capped: bool = False
    #: Whether a page follows this one, when the page's statement found out (None: from the
    #: total).
    more: bool | None = None

    @property
    def pages(self) -> int:
        """Pages of the list; with a capped total, the pages the total fills (more follow)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.more if self.more is not None else self.page < self.pages


def search_words(query: str) -> list[str]:
    """The words of a search box that a search uses (see :mod:`flask_order_messages.search`)."""
    return search.terms(query)


def _search_condition(actor: Actor, query: str) -> Any:
    """Every word must begin a word of some message the actor may see in the thread (through
    the database's full-text index, see :mod:`flask_order_messages.search`), or the whole
    query is the order key.  For staff the thread's words include its order number as the
    pages show it (written into its search document, see ``posting.index_order_number``)."""
    models = ext.models
    t, m = models.Thread, models.Message
    # A customer searches their own few orders: their messages, not the shop's index.
    own = None if actor.is_staff else sa.select(t.id).where(customer_scope(actor)).correlate(None)
    conditions = [
        search.threads_matching(
            query,
            thread=t,
            message=m,
            visible=visible_to(actor, m),
            bind=session().get_bind(mapper=sa.inspect(m)),
            within=own,
            # Staff see every entry: the threads' search documents answer for them.
            documents=models.ThreadSearch if actor.is_staff else None,
        )
    ]
    key = ext.parse_order_key(query.strip().lstrip("#"))
    if key is not None:
        conditions.append(t.order_id == key)
    return sa.or_(*conditions)


def list_threads(
    actor: Actor,
    *,
    query: str = "",
    filter: str = "all",
    page: int = 1,
    per_page: int | None = None,
    where: Sequence[Any] = (),
    due: str = "",
) -> ThreadPage:
    """A page of threads for ``actor``: unread first, then newest.

    ``filter`` is ``"all"``, ``"unread"``, ``"disputes"`` (open disputes only) or
    ``"overdue"`` (open disputes past their respond-by time, unanswered); ``query`` is
    keywords (each must begin a word in the thread; case and accents do not count) or an
    order key; for staff, the order number as the pages show it counts as words of the
    thread.  ``where``: more conditions on the thread (the team inbox's view and status);
    ``due="overdue"``: only threads whose reply is overdue (services/targets.py).
    A fixed number of queries, whatever the number of threads.
    """
    filter = _thread_filter(filter)
    per_page = per_page or current_settings.per_page
    listing = _listing(actor, query, filter, due)
    listing.conditions.extend(where)
    if due:
        listing.conditions.append(targets.overdue_condition())
    offset = (page - 1) * per_page
    if filter in ("all", "unread") and not due and (actor.is_staff or not query.strip()):
        searched = _staff_search(actor, query) if query.strip() else None
        return _unread_first(actor, listing, searched, query, filter, page, per_page, due)
    found, total, unread_total = _narrowed(listing, page, offset, per_page)
    rows = _rows(actor, found)
    return ThreadPage(rows, page, per_page, total, query, filter, unread_total, due)


def _thread_filter(filter: Any) -> str:
    """One of :data:`THREAD_FILTERS` ("all" when empty); else a :class:`ValidationError`."""
    if filter in (None, ""):
        return THREAD_FILTERS[0]
    if filter not in THREAD_FILTERS:
        choices = ", ".join(THREAD_FILTERS)
        raise ValidationError(
            _(
                "Unknown filter %(filter)s; use one of: %(choices)s.",
                filter=repr(filter),
                choices=choices,
            ),
            "filter",
        )
    return str(filter)


@dataclass
class _Listing:
    """The statements a page of the Messages section is read with."""

    #: "Unread for the viewer", as a condition on the thread and the viewer's pointer.
    unread: Any
    #: What every thread of the list meets (has messages, the viewer's, search, filter).
    conditions: list[Any]
    #: Threads with the viewer's pointer and the open dispute (thread, dispute, last
    #: message, overdue) -- narrowed to the candidates for the unread filter.
    base: Any
    #: ``base`` narrowed to the viewer's candidates: only they can be unread (floors.py).
    candidates: Any
    #: The id of the entry a row shows (``listing_pages.preview_id``).
    preview: Any = None


def _listing(actor: Actor, query: str, filter: str, due: str = "") -> _Listing:
    models = ext.models
    t, d, m = models.Thread, models.Dispute, models.Message
    rp, on = pointer_join(actor)
    unread = thread_unread_condition(actor)
    overdue = sa.case((overdue_condition(d), True), else_=False)
    base = (
        sa.select(t, d, m, overdue)
        .select_from(t)
        .outerjoin(rp, on)
        .outerjoin(d, d.open_thread_id == t.id)
    )
    candidates = floors.narrow(base, actor)
    return _Listing(
        unread=unread,
        conditions=_conditions(
            actor, query if _narrowing(actor, filter, due) else "", filter, unread
        ),
        base=candidates if filter == "unread" else base,
        candidates=candidates,
        preview=listing_pages.preview_id(actor),
    )


def _narrowing(actor: Actor, filter: str, due: str) -> bool:
    """Whether a list is read by :func:`_narrowed` (the search in its conditions) rather than
    by :func:`_unread_first` (a staff search kept apart, see ``listing_pages``)."""
    return filter not in ("all", "unread") or bool(due) or not actor.is_staff


def _staff_search(actor: Actor, query: str) -> listing_pages.Search:
    """A staff search's condition, thread by thread and through the index
    (:class:`listing_pages.Search`); either also matches the order key."""
    models = ext.models
    t = models.Thread
    probe = search.thread_probe(query, thread=t, documents=models.ThreadSearch)
    indexed = _search_condition(actor, query)
    key = ext.parse_order_key(query.strip().lstrip("#"))
    if key is not None:
        return listing_pages.Search(probe=sa.or_(probe, t.order_id == key), indexed=indexed)
    bind = session().get_bind(mapper=sa.inspect(models.Message))
    docs = models.ThreadSearch
    matching = search.documents_matching(query, documents=docs, bind=bind)
    return listing_pages.Search(probe=probe, indexed=indexed, documents=(docs, matching))


def _conditions(actor: Actor, query: str, filter: str, unread: Any) -> list[Any]:
    """What a thread of the list meets: messages, the viewer's scope, the search, the filter."""
    t, d = ext.models.Thread, ext.models.Dispute
    conditions = [t.last_message_id.is_not(None), customer_scope(actor)]
    if query.strip():
        conditions.append(_search_condition(actor, query))
    if filter == "unread":
        conditions.append(unread)
    elif filter in ("disputes", "overdue"):
        # Also said as "among the threads with an open dispute", so that a database that
        # cannot reorder the outer join (SQLite) starts from the few disputes, not every thread.
        opened = sa.orm.aliased(d)
        disputed = sa.select(opened.open_thread_id).where(opened.open_thread_id.is_not(None))
        conditions.append(t.id.in_(disputed))
        conditions.append(d.id.is_not(None) if filter == "disputes" else overdue_condition(d))
    return conditions


def _with_last_message(listing: _Listing) -> Any:
    m = ext.models.Message
    return listing.base.outerjoin(m, m.id == listing.preview)


def _unread_first(
    actor: Actor,
    listing: _Listing,
    searched: listing_pages.Search | None,
    query: str,
    filter: str,
    page: int,
    per_page: int,
    due: str,
) -> ThreadPage:
    """A page of the whole list, unread first, then newest, or of a staff search in it: one
    statement that never visits every thread (``listing_pages``), with a total counted up to
    ``listing_pages.COUNT_CAP`` (the unread total is exact)."""
    offset = (page - 1) * per_page
    before = None
    if offset and filter != "unread":
        # Past the first page: the unread total first, so that the read threads are read
        # only as far as this page needs (the statement that page 1 saves).
        before = session().execute(listing_pages.unread_statement(listing, searched)).scalar()
    built = listing_pages.page_query(
        listing,
        _with_last_message(listing),
        unread_only=filter == "unread",
        offset=offset,
        per_page=per_page,
        search=searched,
        unread_before=None if before is None else int(before),
    )
    found = session().execute(built.rows).all()
    if found:
        total, unread_total = found[0][-2:]
    else:
        total, unread_total = session().execute(built.counts).one() if page > 1 else (0, 0)
    total, unread_total = int(total or 0), int(unread_total or 0)
    rows = _rows(actor, [row[:-2] for row in found[:per_page]])
    capped = total > listing_pages.COUNT_CAP
    return ThreadPage(
        rows,
        page,
        per_page,
        min(total, listing_pages.COUNT_CAP),
        query,
        filter,
        unread_total,
        due,
        capped=capped,
        more=len(found) > per_page,
    )


def _narrowed(
    listing: _Listing, page: int, offset: int, per_page: int
) -> tuple[list[Any], int, int]:
    """(rows, threads, unread threads) of a searched or filtered list: the search or the
    filter narrows the threads down first; the counts come with them."""
    t = ext.models.Thread
    conditions = listing.conditions
    # Counted in the same pass as the threads themselves: (all of them, the unread ones).
    counted = (sa.func.count(), sa.func.count(sa.case((listing.unread, 1))))
    unread_first = sa.case((listing.unread, 0), else_=1)
    stmt = (
        _with_last_message(listing)
        .add_columns(*(c.over() for c in counted))
        .where(*conditions)
        .order_by(unread_first, t.last_message_at.desc(), t.id.desc())
        .limit(per_page)
        .offset(offset)
    )
    found = session().execute(stmt).all()
    if found:
        total, unread_total = found[0][-2:]
    elif page > 1:
        count_stmt = listing.base.with_only_columns(*counted).where(*conditions)
        total, unread_total = session().execute(count_stmt).one()
    else:
        total = unread_total = 0
    return [row[:-2] for row in found], int(total or 0), int(unread_total or 0)


def _number_of(thread: Any, order: Any, number: Any) -> str:
    """The row's order number: the host's; the bare key when the order is gone; none ("") for
    a question before purchase, which has no order."""
    if order is not None:
        return str(number(order))
    return "" if thread.order_id is None else str(thread.order_id)


def _rows(actor: Actor, found: list[Any]) -> list[ThreadRow]:
    """The page's rows, with their orders, unread counts and, for staff, the customers and
    last authors (three queries)."""
    orders = orders_by_key([row[0].order_id for row in found if row[0].order_id is not None])
    counts = unread_counts(actor, [row[0].id for row in found])
    contexts, authors = page_context(actor, found, orders)
    number = ext.hooks.order_number
    rows = []
    for thread, dispute, last, is_overdue in found:
        order = orders.get(thread.order_id)
        product = None if thread.order_id is not None else product_name(thread.product_key)
        rows.append(
            ThreadRow(
                thread=thread,
                order=order,
                product=product,
                order_number=_number_of(thread, order, number),
                last_message=last,
                unread=counts.get(thread.id, 0),
                dispute=dispute,
                overdue=bool(is_overdue),
                context=contexts.get(thread.id),
                last_author=authors.get(thread.id, ""),
            )
        )
    return rows
