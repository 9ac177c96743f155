"""One page of a long list of threads, unread first then newest, in one statement that never
visits every thread of the list: the Messages section unfiltered ("all"), its unread
threads, and a staff search in either.

- The rows: the viewer's unread threads come from their few candidates (``floors.narrow``),
  the read ones are read newest first down the ``last_message_at`` index, each part
  stopping after ``offset + per_page + 1`` rows (the one more says whether a next page
  exists).  The page is the union of the two, sorted and sliced.
- The total is counted up to :data:`COUNT_CAP` + 1 threads: a page shows "1,000+ threads"
  rather than paying for an exact count of a list that long (an exact count reads every
  thread, or every match of a common word).  The unread total stays exact: it counts the
  candidates only.
- A search tests each thread it walks past with :func:`search.thread_probe` (its document,
  read by its key, checked with the exact ``LIKE``): cheap per thread, and a common word
  ("the", in most threads) fills a page after a few dozen.  A rare word would send that walk
  down every thread, so the walk looks at the newest :data:`SAMPLE` threads only; when they
  hold too few read matches for the page, the full-text index answers instead (the same
  condition as before, ``search.threads_matching``: the index finds the few matches, which
  are then sorted).  The total is the same choice: more than :data:`COUNT_CAP` matches among
  the sample says "1,000+" at once; otherwise the index counts up to the cap.  Both choices
  are made inside the statement: each alternative is gated by an uncorrelated subquery,
  which PostgreSQL runs once as a one-time filter and SQLite once and caches, and a ``LIMIT``
  of 0 keeps the unneeded alternative from running at all (MariaDB/MySQL take no expression
  there: the ``WHERE`` gate alone).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from .. import dialects
from ..models import EVENT_DISPUTE_CLOSED, EVENT_DISPUTE_OPENED, EVENT_DISPUTE_REOPENED
from ..state import current_order_messages as ext
from .common import Actor, session, visible_to

#: Most threads a list's total counts; one more is shown as "1,000+".
COUNT_CAP = 1000
#: Newest threads a search walks past, testing each, before it asks the full-text index.
SAMPLE = 1500


#: The events a row's preview ("Latest message") may show besides messages and notes: a
#: dispute's, which carry a person's words (its reason, its closing note).  Never the team's
#: own events (assigned, status set), which would hide what the customer asked.
PREVIEW_EVENTS = (EVENT_DISPUTE_OPENED, EVENT_DISPUTE_REOPENED, EVENT_DISPUTE_CLOSED)


def preview_id(actor: Actor) -> Any:
    """The id of the entry a thread's row shows, as a correlated expression on the thread:
    its newest entry ``actor`` may see that is a message, a note or a dispute's event (one
    step down the (thread, id) index, in the page's own statement); the newest entry when the
    thread has no other (an assignment on an order nobody wrote about yet)."""
    t = ext.models.Thread
    m = sa.orm.aliased(ext.models.Message)
    said = sa.or_(m.event.is_(None), m.event.in_(PREVIEW_EVENTS))
    newest = (
        sa.select(m.id)
        .where(m.thread_id == t.id, said, visible_to(actor, m))
        .order_by(m.id.desc())
        .limit(1)
        .correlate(t)
        .scalar_subquery()
    )
    return sa.func.coalesce(newest, t.last_message_id)


@dataclass
class Search:
    """A staff search's two equal conditions on the thread: tested thread by thread
    (``probe``), and through the full-text index (``indexed``); and, for a search by words
    alone, its conditions on the thread documents (``documents``: the documents' model and
    ``search.documents_matching``), to count from the documents the index finds."""

    probe: Any
    indexed: Any
    documents: tuple[Any, list[Any]] | None = None


@dataclass
class PageQuery:
    """The statement of one page and, for a page past the end (no rows, so no counts), the
    statement of the two counts alone."""

    rows: Any
    counts: Any


def _newest() -> tuple[Any, Any]:
    t = ext.models.Thread
    return (t.last_message_at.desc(), t.id.desc())


def _count(stmt: Any) -> Any:
    """Uncorrelated scalar subquery: how many rows ``stmt`` gives."""
    return sa.select(sa.func.count()).select_from(stmt.subquery()).correlate(None).scalar_subquery()


def _capped_count(stmt: Any) -> Any:
    """How many rows ``stmt`` (a SELECT from the threads) gives, counting at most
    :data:`COUNT_CAP` + 1 of them."""
    return _count(stmt.with_only_columns(sa.literal(1)).limit(COUNT_CAP + 1))


def _expression_limits() -> bool:
    """Whether the database takes a subquery in ``LIMIT`` (MariaDB/MySQL take a number)."""
    return dialects.of(session().get_bind(mapper=sa.inspect(ext.models.Thread))).expression_limits


def _ids(stmt: Any, rank: int, limit: Any) -> Any:
    """SELECT (id, rank, at) of the first ``limit`` threads of ``stmt``, newest first."""
    t = ext.models.Thread
    rows = (
        stmt.with_only_columns(
            t.id.label("id"), sa.literal(rank).label("rank"), t.last_message_at.label("at")
        )
        .order_by(*_newest())
        .limit(limit)
        .subquery()
    )
    return sa.select(rows.c.id, rows.c.rank, rows.c.at)


def _unread_matches(listing: Any, search: Search | None) -> Any:
    """SELECT (id, at) of the viewer's unread threads of the list (a staff search's matches
    among them): from their few candidates (``floors.narrow``)."""
    t = ext.models.Thread
    matched = [search.probe] if search is not None else []
    return listing.candidates.with_only_columns(
        t.id.label("id"), t.last_message_at.label("at")
    ).where(*listing.conditions, listing.unread, *matched)


def unread_statement(listing: Any, search: Search | None) -> Any:
    """SELECT of how many unread threads the list holds (exact): asked first for a page
    past the first, so that the page reads only as many read threads as it lacks."""
    return sa.select(_count(_unread_matches(listing, search)))


def page_query(
    listing: Any,
    rows: Any,
    *,
    unread_only: bool,
    offset: int,
    per_page: int,
    search: Search | None,
    unread_before: int | None = None,
) -> PageQuery:
    """The statement of a page of ``listing`` (listing.py's ``_Listing``): ``rows`` (the
    SELECT of the page's columns from the threads) with two more columns, the total (capped,
    or the exact unread total when ``unread_only``) and the unread total, ``per_page + 1``
    rows from ``offset``.  ``unread_before``: the list's unread total, when known
    (:func:`unread_statement`): the read threads are then read only as far as the page
    needs (page 50 otherwise reads 1,001 of them, and PostgreSQL hashes every thread)."""
    t = ext.models.Thread
    need = offset + per_page + 1
    read_need = need if unread_before is None else max(0, need - unread_before)
    # The unread matches, read once (a CTE): counted, and the newest of them on the page.
    unread = _unread_matches(listing, search).cte("om_unread")
    first = (
        sa.select(unread.c.id, sa.literal(0).label("rank"), unread.c.at)
        .order_by(unread.c.at.desc(), unread.c.id.desc())
        .limit(need)
        .subquery()
    )
    parts = [sa.select(first.c.id, first.c.rank, first.c.at)]
    unread_count = _count(sa.select(unread.c.id))
    if unread_only:
        total = unread_count
    elif search is None:
        if read_need:
            read = listing.base.where(*listing.conditions, sa.not_(listing.unread))
            parts.append(_ids(read, 1, read_need))
        total = _capped_count(sa.select(t.id).where(*listing.conditions))
    else:
        read_parts, total = _searched(listing, search, max(1, read_need))
        parts.extend(read_parts if read_need else [])
    # The page's ids first, sorted and sliced, so that only they are joined to the columns.
    both = sa.union_all(*parts).subquery("om_both")
    page_ids = (
        sa.select(both.c.id, both.c.rank)
        .order_by(both.c.rank, both.c.at.desc(), both.c.id.desc())
        .limit(per_page + 1)
        .offset(offset)
        .subquery("om_page")
    )
    stmt = (
        rows.add_columns(total, unread_count)
        .join(page_ids, page_ids.c.id == t.id)
        .order_by(page_ids.c.rank, *_newest())
    )
    return PageQuery(stmt, sa.select(total, unread_count))


def _indexed_count(conditions: list[Any], search: Search) -> Any:
    """The matches the full-text index finds, counted up to :data:`COUNT_CAP` + 1: from the
    documents it finds, joined to their threads, stopping at the cap (a membership test of
    every thread would first collect every match)."""
    t = ext.models.Thread
    if search.documents is None:
        return _capped_count(sa.select(t.id).where(*conditions, search.indexed))
    documents, matching = search.documents
    found = (
        sa.select(sa.literal(1))
        .select_from(documents)
        .join(t, t.id == documents.thread_id)
        .where(*matching, *conditions)
        .limit(COUNT_CAP + 1)
    )
    return _count(found)


def _searched(listing: Any, search: Search, need: int) -> tuple[list[Any], Any]:
    """The read part of a searched page (two gated alternatives) and its capped total."""
    t = ext.models.Thread
    size = max(SAMPLE, 2 * need)
    conditions = listing.conditions
    # The sample: the list's newest ``size`` threads, as the threads no older than the
    # oldest of them (read once, a CTE, with how many there are: fewer, the whole list).
    newest = (
        sa.select(t.last_message_at.label("at"))
        .where(*conditions)
        .order_by(*_newest())
        .limit(size)
        .subquery("om_newest")
    )
    edge = sa.select(sa.func.min(newest.c.at).label("at"), sa.func.count().label("n")).cte(
        "om_edge"
    )
    complete = sa.select(edge.c.n).scalar_subquery() < size
    in_sample = t.last_message_at >= sa.select(edge.c.at).scalar_subquery()
    # The sample's first read matches, newest first down the index (read once, a CTE).
    hits = (
        listing.base.with_only_columns(t.id.label("id"), t.last_message_at.label("at"))
        .where(*conditions, in_sample, search.probe, sa.not_(listing.unread))
        .order_by(*_newest())
        .limit(need)
        .cte("om_hits")
    )
    found = _count(sa.select(hits.c.id))
    use_sample = sa.or_(found >= need, complete)
    parts = [sa.select(hits.c.id, sa.literal(1).label("rank"), hits.c.at).where(use_sample)]
    indexed = listing.base.where(*conditions, search.indexed, sa.not_(listing.unread))
    if _expression_limits():
        parts.append(_ids(indexed, 1, sa.case((use_sample, 0), else_=need)))
    else:
        parts.append(_ids(indexed.where(sa.not_(use_sample)), 1, need))
    # How many threads the walk passed for the page's matches: the threads no older than
    # the last of them (an index range, no test).
    reach = _count(
        sa.select(t.id).where(
            *conditions, t.last_message_at >= sa.select(sa.func.min(hits.c.at)).scalar_subquery()
        )
    )
    many = _capped_count(sa.select(t.id).where(*conditions, in_sample, search.probe))
    counted = _indexed_count(conditions, search)
    total = sa.case(
        (found < need, counted),
        # Matches too thin in the sample for it to hold more than the cap (the page's read
        # ones came at less than a third of the threads walked): the index counts.
        (reach * (COUNT_CAP + 1) > 3 * size * need, counted),
        (many > COUNT_CAP, COUNT_CAP + 1),
        else_=counted,
    )
    return parts, total
