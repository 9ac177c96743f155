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

from ..state import current_order_messages as ext
from .common import session

#: Most threads a list's total counts; one more is shown as "1,000+".
COUNT_CAP = 1000
#: Newest threads a search walks past, testing each, before it asks the full-text index.
SAMPLE = 1500


@dataclass
class Search:
    """A staff search's two equal conditions on the thread: tested thread by thread
    (``probe``), and through the full-text index (``indexed``)."""

    probe: Any
    indexed: Any


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
    bind = session().get_bind(mapper=sa.inspect(ext.models.Thread))
    return str(bind.dialect.name) in ("postgresql", "sqlite")


def _ids(stmt: Any, rank: int, limit: Any) -> Any:
    """SELECT (id, rank) of the first ``limit`` threads of ``stmt``, newest first."""
    t = ext.models.Thread
    rows = (
        stmt.with_only_columns(t.id.label("id"), sa.literal(rank).label("rank"))
        .order_by(*_newest())
        .limit(limit)
        .subquery()
    )
    return sa.select(rows.c.id, rows.c.rank)


def page_query(
    listing: Any,
    rows: Any,
    *,
    unread_only: bool,
    offset: int,
    per_page: int,
    search: Search | None,
) -> PageQuery:
    """The statement of a page of ``listing`` (listing.py's ``_Listing``): ``rows`` (the
    SELECT of the page's columns from the threads) with two more columns, the total (capped,
    or the exact unread total when ``unread_only``) and the unread total, ``per_page + 1``
    rows from ``offset``."""
    t = ext.models.Thread
    need = offset + per_page + 1
    matched = [search.probe] if search is not None else []
    unread_where = [*listing.conditions, listing.unread, *matched]
    # The unread matches, read once (a CTE): counted, and the newest of them on the page.
    unread = (
        listing.candidates.with_only_columns(t.id.label("id"), t.last_message_at.label("at"))
        .where(*unread_where)
        .cte("om_unread")
    )
    first = (
        sa.select(unread.c.id, sa.literal(0).label("rank"))
        .order_by(unread.c.at.desc(), unread.c.id.desc())
        .limit(need)
        .subquery()
    )
    parts = [sa.select(first.c.id, first.c.rank)]
    unread_count = _count(sa.select(unread.c.id))
    if unread_only:
        total = unread_count
    elif search is None:
        parts.append(
            _ids(listing.base.where(*listing.conditions, sa.not_(listing.unread)), 1, need)
        )
        total = _capped_count(sa.select(t.id).where(*listing.conditions))
    else:
        read_parts, total = _searched(listing, search, need)
        parts.extend(read_parts)
    page_ids = sa.union_all(*parts).subquery("om_page")
    stmt = (
        rows.add_columns(total, unread_count)
        .join(page_ids, page_ids.c.id == t.id)
        .order_by(page_ids.c.rank, *_newest())
        .limit(per_page + 1)
        .offset(offset)
    )
    return PageQuery(stmt, sa.select(total, unread_count))


def _searched(listing: Any, search: Search, need: int) -> tuple[list[Any], Any]:
    """The read part of a searched page (two gated alternatives) and its capped total."""
    t = ext.models.Thread
    size = max(SAMPLE, 2 * need)
    newest = listing.base.where(*listing.conditions).order_by(*_newest()).limit(size)
    sample = newest.with_only_columns(
        t.id.label("id"),
        t.last_message_at.label("at"),
        sa.case((search.probe, 1), else_=0).label("hit"),
        sa.case((listing.unread, 1), else_=0).label("unread"),
    ).subquery("om_sample")
    read_hits = (
        sa.select(sample.c.id, sa.literal(1).label("rank"))
        .where(sample.c.hit == 1, sample.c.unread == 0)
        .order_by(sample.c.at.desc(), sample.c.id.desc())
        .limit(need)
    )
    # Read once (a CTE): the sample's read matches for the page, and whether the sample is
    # the whole list.
    gate = sa.select(
        _count(read_hits).label("found"), _count(newest.with_only_columns(t.id)).label("sampled")
    ).cte("om_gate")
    found = sa.select(gate.c.found).scalar_subquery()
    use_sample = sa.or_(found >= need, sa.select(gate.c.sampled).scalar_subquery() < size)
    from_sample = read_hits.subquery("om_hits")
    parts = [sa.select(from_sample.c.id, from_sample.c.rank).where(use_sample)]
    read = sa.not_(listing.unread)
    indexed = listing.base.where(*listing.conditions, search.indexed, read)
    if _expression_limits():
        parts.append(_ids(indexed, 1, sa.case((use_sample, 0), else_=need)))
    else:
        parts.append(_ids(indexed.where(sa.not_(use_sample)), 1, need))
    many = _count(sa.select(sample.c.id).where(sample.c.hit == 1).limit(COUNT_CAP + 1))
    counted = _capped_count(sa.select(t.id).where(*listing.conditions, search.indexed))
    # A word with too few matches in the sample for one page cannot have 1,000 there.
    total = sa.case((found < need, counted), (many > COUNT_CAP, COUNT_CAP + 1), else_=counted)
    return parts, total
