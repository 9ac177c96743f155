"""The interface every database answers: one method per operation whose SQL differs between
databases.  Callers ask :func:`flask_order_messages.dialects.of` for the database they talk to
and call these methods; they never test a dialect's name themselves."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

if TYPE_CHECKING:
    from alembic.operations import Operations

#: ``Index.info`` key: the dialects an index exists on (absent: all of them).
DIALECTS_KEY = "order_messages_dialects"

#: What :meth:`Dialect.upsert` asks of the caller: given the columns of the row the statement
#: proposes (``excluded`` / ``inserted``), the new values of the row already there.
Update = Callable[[Any], Mapping[str, Any]]


def index_name(table: str) -> str:
    """Name of the full-text index (PostgreSQL, MariaDB) on a searchable table (the messages,
    the thread documents)."""
    return f"ix_{table}_search"


def _rows(
    insert: Any, values: Mapping[str, Any] | None, select: Any, columns: Sequence[str]
) -> Any:
    """``insert`` with its rows: ``values`` (one row), or ``select`` into ``columns``."""
    if select is not None:
        return insert.from_select(list(columns), select)
    return insert.values(dict(values or {}))


class Dialect:
    """A database we know nothing special about: no upsert, no full-text index (a search
    checks every message with ``LIKE``).  :mod:`.postgresql`, :mod:`.mysql` and :mod:`.sqlite`
    hold the databases the extension supports."""

    #: The SQLAlchemy dialect names this class serves.
    names: tuple[str, ...] = ()
    #: Whether the database takes one writer at a time (its writers queue: transactions.py).
    one_writer_at_a_time = False
    #: Whether :meth:`upsert` and :meth:`insert_missing` exist here.
    has_upsert = False
    #: Whether ``LIMIT`` takes an expression such as a scalar subquery (MariaDB and MySQL take
    #: a number only).
    expression_limits = False
    #: Keys of a plain ``INTEGER`` column lie in ``[-integer_bound, integer_bound)``.
    integer_bound = 2**31
    #: Statements :meth:`documents_select` needs run first on the same connection.
    documents_setup: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} dialect>"

    # -- upserts ----------------------------------------------------------------------------

    def _insert(self, table: Any) -> Any:
        """The database's own ``INSERT`` construct, which carries its upsert clauses."""
        raise NotImplementedError(f"{self!r} has no upsert: use PostgreSQL, MariaDB or SQLite")

    def upsert(
        self,
        table: Any,
        keys: Sequence[str],
        update: Update,
        *,
        values: Mapping[str, Any] | None = None,
        select: Any = None,
        columns: Sequence[str] = (),
    ) -> Any:
        """One statement: insert the rows (``values``, or ``select`` into ``columns``); where
        a row with the same ``keys`` (a unique key) is there already, set its columns to
        ``update(new)`` instead, ``new`` being the columns of the row proposed.  Rewriting a
        row locks it for the rest of the transaction.  Here: ``INSERT ... ON CONFLICT (keys)
        DO UPDATE`` (PostgreSQL, SQLite)."""
        stmt = _rows(self._insert(table), values, select, columns)
        return stmt.on_conflict_do_update(
            index_elements=list(keys), set_=dict(update(stmt.excluded))
        )

    def insert_missing(
        self,
        table: Any,
        keys: Sequence[str],
        *,
        values: Mapping[str, Any] | None = None,
        select: Any = None,
        columns: Sequence[str] = (),
    ) -> Any:
        """One statement: insert the rows whose ``keys`` are not there yet, skip the others.
        Here: ``INSERT ... ON CONFLICT (keys) DO NOTHING`` (PostgreSQL, SQLite)."""
        stmt = _rows(self._insert(table), values, select, columns)
        return stmt.on_conflict_do_nothing(index_elements=list(keys))

    def analyze(self, table: str) -> str:
        """SQL that has the database gather the planner's statistics of ``table`` (a quoted
        name) afresh.  Here: ``ANALYZE`` (PostgreSQL, SQLite)."""
        return f"ANALYZE {table}"

    # -- text -------------------------------------------------------------------------------

    def char_length(self, text: Any) -> Any:
        """SQL: the length of ``text`` in characters."""
        return sa.func.char_length(text)

    # -- time -------------------------------------------------------------------------------

    def seconds_between(self, later: Any, earlier: Any) -> Any:
        """SQL: ``later - earlier`` (two timestamps) in seconds, a float."""
        raise NotImplementedError(f"{self!r} cannot subtract times")

    # -- full-text search -------------------------------------------------------------------

    def add_search_index(self, table: sa.Table, *, documents: bool) -> None:
        """Declare this database's full-text index on the ``search_text`` of ``table`` (the
        messages, or the thread documents when ``documents``), tagged with
        :data:`DIALECTS_KEY`.  None here."""

    def create_search_index(self, op: Operations, table: sa.Table) -> None:
        """Migration: make the full-text index of ``table`` that :meth:`add_search_index`
        declared, filled from the rows already there."""
        from alembic.operations import ops

        for index in self._search_indexes(table):
            op.invoke(ops.CreateIndexOp.from_index(index))

    def drop_search_index(self, op: Operations, table: sa.Table) -> None:
        """Migration: undo :meth:`create_search_index`."""
        for index in self._search_indexes(table):
            op.drop_index(str(index.name), table_name=table.name)

    def _search_indexes(self, table: sa.Table) -> list[sa.Index]:
        tagged = [index for index in table.indexes if index.info.get(DIALECTS_KEY)]
        return [index for index in tagged if set(self.names) & set(index.info[DIALECTS_KEY])]

    def index_covers(self, term: str, *, engine: Any, documents: bool) -> bool:
        """Whether the full-text index surely holds every word that begins with ``term`` (one
        of :func:`~flask_order_messages.search.terms`).  When it does not, a search checks
        the word with ``LIKE`` alone."""
        return False

    def index_match(self, model: Any, term: str, *, documents: bool) -> Any:
        """SQL on a searchable model: its full-text index says a word may begin with ``term``
        (asked only where :meth:`index_covers` says yes)."""
        raise NotImplementedError(f"{self!r} has no full-text index")

    def documents_select(self, messages: str, where: str) -> str:
        """SQL text for :func:`~flask_order_messages.search.fill_documents`: ``SELECT
        thread_id, search_text FROM <messages> m ... <where>``, the distinct words of each
        thread's messages, joined by single spaces and cut at ``:limit`` characters.
        ``messages`` is quoted already; ``where`` ends in ``GROUP BY m.thread_id``."""
        raise NotImplementedError(f"{self!r} cannot split words in SQL")
