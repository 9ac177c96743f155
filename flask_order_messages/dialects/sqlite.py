"""SQLite: ``ON CONFLICT`` upserts, an FTS5 table kept in step by triggers, ``julianday``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from .base import Dialect

if TYPE_CHECKING:
    from alembic.operations import Operations


def fts_table_name(table: str) -> str:
    """Name of the FTS5 table over a searchable table."""
    return f"{table}_fts"


def fts_shadow_names(table: str) -> set[str]:
    """Every table SQLite makes for the FTS5 table (it and its shadow tables)."""
    fts = fts_table_name(table)
    return {fts} | {f"{fts}_{s}" for s in ("data", "idx", "config", "docsize", "content")}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def rowid_column(table: sa.Table) -> str:
    """The integer key the FTS5 table uses as its rowid: the table's primary key."""
    (column,) = table.primary_key.columns
    return str(column.name)


def create_statements(table: str, rowid: str = "id") -> list[str]:
    """DDL: the FTS5 table over ``search_text`` and the triggers that keep it in step.

    The FTS5 table reads its text from ``table`` (``content=``, keyed by its integer primary
    key ``rowid``), so it stores only the index; the ``ascii`` tokenizer splits exactly at the
    spaces ``search_text`` has."""
    fts = fts_table_name(table)
    qt, qf, qr = _q(table), _q(fts), _q(rowid)
    delete = (
        f"INSERT INTO {qf}({qf}, rowid, search_text) VALUES ('delete', old.{qr}, old.search_text);"
    )
    insert = f"INSERT INTO {qf}(rowid, search_text) VALUES (new.{qr}, new.search_text);"
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {qf} USING fts5(search_text, content={qt}, "
        f"content_rowid={_q(rowid)}, tokenize='ascii', detail='none', columnsize=0)",
        f"CREATE TRIGGER IF NOT EXISTS {_q(fts + '_ai')} AFTER INSERT ON {qt} BEGIN {insert} END",
        f"CREATE TRIGGER IF NOT EXISTS {_q(fts + '_ad')} AFTER DELETE ON {qt} BEGIN {delete} END",
        f"CREATE TRIGGER IF NOT EXISTS {_q(fts + '_au')} AFTER UPDATE OF search_text ON {qt} "
        f"BEGIN {delete} {insert} END",
    ]


def rebuild_statement(table: str) -> str:
    """Fill the FTS5 table from the rows already there (after creating it late)."""
    qf = _q(fts_table_name(table))
    return f"INSERT INTO {qf}({qf}) VALUES ('rebuild')"


def drop_statements(table: str) -> list[str]:
    """DDL that removes the FTS5 table and its triggers."""
    fts = fts_table_name(table)
    triggers = [f"DROP TRIGGER IF EXISTS {_q(fts + s)}" for s in ("_ai", "_ad", "_au")]
    return [*triggers, f"DROP TABLE IF EXISTS {_q(fts)}"]


def install_events(table: sa.Table) -> None:
    """Make ``create_all`` / ``drop_all`` on SQLite create and drop the FTS5 table and triggers
    of a searchable table (the FTS5 table is not an index: ``add_search_index`` cannot declare
    it)."""
    ddl: Callable[[str], Any] = sa.DDL  # untyped in SQLAlchemy
    for statement in create_statements(table.name, rowid_column(table)):
        sa.event.listen(table, "after_create", ddl(statement).execute_if(dialect="sqlite"))
    for statement in drop_statements(table.name):
        sa.event.listen(table, "before_drop", ddl(statement).execute_if(dialect="sqlite"))


class SQLite(Dialect):
    """SQLite."""

    names = ("sqlite",)
    one_writer_at_a_time = True
    has_upsert = True
    expression_limits = True
    # INTEGER is a 64-bit integer in SQLite.
    integer_bound = 2**63

    def _insert(self, table: Any) -> Any:
        return sqlite.insert(table)

    def char_length(self, text: Any) -> Any:
        return sa.func.length(text)

    def seconds_between(self, later: Any, earlier: Any) -> Any:
        """Exact to about a millisecond only (``julianday`` is a float of days)."""
        return (sa.func.julianday(later) - sa.func.julianday(earlier)) * 86400.0

    def create_search_index(self, op: Operations, table: sa.Table) -> None:
        """The FTS5 table and its triggers, filled from the rows already there."""
        for statement in create_statements(table.name, rowid_column(table)):
            op.execute(statement)
        op.execute(rebuild_statement(table.name))

    def drop_search_index(self, op: Operations, table: sa.Table) -> None:
        for statement in drop_statements(table.name):
            op.execute(statement)

    def index_covers(self, term: str, *, engine: Any, documents: bool) -> bool:
        """Every word: the ``ascii`` tokenizer splits exactly at ``search_text``'s spaces."""
        return True

    def index_match(self, model: Any, term: str, *, documents: bool) -> Any:
        table = model.__table__
        fts = fts_table_name(table.name)
        hits: sa.Select[Any] = (
            sa.select(sa.literal_column("rowid"))
            .select_from(sa.table(fts))
            .where(sa.column(fts).match(f'"{term}"*'))
        )
        return table.c[rowid_column(table)].in_(hits)

    def documents_select(self, messages: str, where: str) -> str:
        """Words split with ``json_each`` (words never hold quotes, commas or backslashes)."""
        words = "'[\"' || replace(m.search_text, ' ', '\",\"') || '\"]'"
        return (
            "SELECT m.thread_id AS thread_id, "
            "rtrim(substr(replace(group_concat(DISTINCT w.value), ',', ' '), 1, :limit)) "
            f"AS search_text FROM {messages} m, json_each({words}) AS w {where}"
        )
