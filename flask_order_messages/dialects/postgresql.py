"""PostgreSQL: ``ON CONFLICT`` upserts, a GIN index over a ``tsvector`` of ``search_text``,
interval arithmetic."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from .base import DIALECTS_KEY, Dialect, index_name

# PostgreSQL's parser reads "1e5" as a number and cuts "1e5x" into "1e5" and "x".
_PG_SPLIT = re.compile(r"\d+e\d+[a-z]")


def vector(table: sa.Table, *, documents: bool) -> Any:
    """The ``tsvector`` of a searchable table's ``search_text``, as its GIN index holds it.
    For the messages ``to_tsvector('simple', ...)``.  For the thread documents, whose words
    are distinct and single-spaced, ``array_to_tsvector`` of the words: each word one lexeme
    as it is, no parser -- exact for every word (other scripts, ``1e5x``...), and about five
    times cheaper where the planner reads every document (a word in most threads).  Constants
    are literals, never bound parameters, so that a generic plan still matches the index's
    expression."""
    column = table.c.search_text
    if documents:
        words = sa.func.string_to_array(column, sa.literal_column("' '"))
        # ''-free by construction; array_remove keeps a stray double space from ever making
        # the index refuse a row (array_to_tsvector rejects empty lexemes).
        return sa.func.array_to_tsvector(sa.func.array_remove(words, sa.literal_column("''")))
    return sa.func.to_tsvector(sa.literal_column("'simple'"), column)


class PostgreSQL(Dialect):
    """PostgreSQL."""

    names = ("postgresql",)
    has_upsert = True
    expression_limits = True

    def _insert(self, table: Any) -> Any:
        return postgresql.insert(table)

    def seconds_between(self, later: Any, earlier: Any) -> Any:
        return sa.extract("epoch", later - earlier)

    def add_search_index(self, table: sa.Table, *, documents: bool) -> None:
        """A GIN index on :func:`vector`."""
        name = index_name(table.name)
        if name in {index.name for index in table.indexes}:
            return
        index = sa.Index(
            name,
            vector(table, documents=documents),
            postgresql_using="gin",
            info={DIALECTS_KEY: self.names},
        )
        table.append_constraint(index.ddl_if(dialect="postgresql"))  # an expression: not bound

    def index_covers(self, term: str, *, engine: Any, documents: bool) -> bool:
        """Every word of the documents (one lexeme per word, as it is); in the messages, ASCII
        words the parser does not cut as a number (``1e5x``)."""
        if documents:
            return True
        return term.isascii() and _PG_SPLIT.match(term) is None

    def index_match(self, model: Any, term: str, *, documents: bool) -> Any:
        query = sa.cast(sa.literal(f"'{term}':*"), postgresql.TSQUERY)
        return vector(model.__table__, documents=documents).op("@@")(query)

    def documents_select(self, messages: str, where: str) -> str:
        """Words split with ``string_to_array``."""
        return (
            "SELECT m.thread_id AS thread_id, "
            "rtrim(left(string_agg(DISTINCT w.word, ' '), :limit)) AS search_text "
            f"FROM {messages} m "
            f"CROSS JOIN LATERAL unnest(string_to_array(m.search_text, ' ')) AS w(word) {where}"
        )
