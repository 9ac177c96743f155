"""The SQL condition of a search: which threads every word of the search box matches."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from .. import dialects
from .text import terms


def exact_match(model: Any, term: str) -> Any:
    """SQL on a searchable table, the definition itself: a word of its ``search_text`` begins
    with ``term`` (one of :func:`terms`: letters and digits only, so nothing to escape).

    ``" " || search_text LIKE "% term%"``.  PostgreSQL's planner expects a LIKE with a leading
    ``%`` to keep few rows, so it joins the index's hits to their threads one by one: the
    fastest plan for the rare words people search for (a ``strpos`` test, guessed at a third
    of the rows, made it hash all 100,000 threads even for a word in 60 of them)."""
    return (sa.literal(" ") + model.search_text).like(f"% {term}%")


def threads_matching(
    query: str,
    *,
    thread: Any,
    message: Any,
    visible: Any,
    bind: Any,
    within: Any = None,
    documents: Any = None,
) -> Any:
    """SQL condition on the thread model: every word of ``query`` begins a word of some message
    of the thread for which ``visible`` (a condition on the message model) holds.

    False when the query has no words at all (only punctuation, say).  ``documents``, the
    thread documents' model, says ``visible`` holds for every entry (a staff search): then
    each word is looked up in the threads' documents, one row per thread, instead of in their
    messages.  Words the index serves become ``thread.id IN (rows the index finds, checked
    exactly)``; the others an ``EXISTS`` over the thread's own document (or messages), which
    the planner runs only for the threads the other conditions leave.  ``within``, an
    uncorrelated ``SELECT`` of thread ids (a customer's own threads), says the search covers
    only those few threads: then every word is checked on their messages alone, a few dozen
    rows, rather than on every message the index finds in the whole shop."""
    found = terms(query)
    if not found:
        return sa.false()
    if within is not None:
        return sa.and_(*(_within(term, thread, message, visible, within) for term in found))
    database = dialects.of(bind)
    engine = getattr(bind, "engine", bind)
    # Staff: the thread's document holds the words of every entry; otherwise its messages.
    source, shown = (documents, sa.true()) if documents is not None else (message, visible)
    is_documents = documents is not None
    conditions = []
    for term in found:
        exact = exact_match(source, term)
        if database.index_covers(term, engine=engine, documents=is_documents):
            hit = database.index_match(source, term, documents=is_documents)
            ids = sa.select(source.thread_id).where(hit, exact, shown)
            conditions.append(thread.id.in_(ids))
        else:
            conditions.append(
                sa.select(sa.literal(1))
                .where(source.thread_id == thread.id, exact, shown)
                .correlate(thread)
                .exists()
            )
    return sa.and_(*conditions)


def thread_probe(query: str, *, thread: Any, documents: Any) -> Any:
    """SQL condition on the thread model, the same as :func:`threads_matching` for a staff
    search (``documents`` given), tested on one thread at a time: its document is read by its
    key and checked with the exact ``LIKE`` alone, no full-text index.  A correlated scalar
    subquery, which no database turns into a join: the cheap test for a walk down the newest
    threads, where most threads match (a common word), and for a few candidates.  False when
    the query has no words."""
    found = terms(query)
    if not found:
        return sa.false()
    hits = (
        sa.select(sa.func.count())
        .select_from(documents)
        .where(documents.thread_id == thread.id, *(exact_match(documents, t) for t in found))
        .correlate(thread)
        .scalar_subquery()
    )
    return hits > 0


def documents_matching(query: str, *, documents: Any, bind: Any) -> list[Any]:
    """SQL conditions on the thread documents: every word of ``query`` begins a word of the
    document -- through the full-text index where it serves the word, always checked with the
    exact ``LIKE``.  For a statement that starts from the documents the index finds (a count
    that stops early), rather than testing threads for membership.  ``[false]`` when the
    query has no words."""
    found = terms(query)
    if not found:
        return [sa.false()]
    database = dialects.of(bind)
    engine = getattr(bind, "engine", bind)
    conditions = []
    for term in found:
        if database.index_covers(term, engine=engine, documents=True):
            conditions.append(database.index_match(documents, term, documents=True))
        conditions.append(exact_match(documents, term))
    return conditions


def _within(term: str, thread: Any, message: Any, visible: Any, within: Any) -> Any:
    """``term`` checked on the messages of the threads ``within`` alone."""
    exact = exact_match(message, term)
    ids = sa.select(message.thread_id).where(message.thread_id.in_(within), exact, visible)
    return thread.id.in_(ids)
