"""The SQLite writer of ``python -m bench.load``: ``executemany`` in one transaction, with the
indexes and triggers set aside and rebuilt, the FTS5 tables rebuilt, then ``ANALYZE``."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from itertools import islice
from typing import Any

from .load import COLUMNS, Progress, fill_documents_sql, tracked


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's own storage format
    return value


def load_sqlite(path: str, names: dict[str, str], steps: list[Any]) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in (
            "journal_mode = OFF",
            "synchronous = OFF",
            "cache_size = -400000",
            "temp_store = MEMORY",
        ):
            conn.execute(f"PRAGMA {pragma}")
        tables = list(names.values())
        marks = ",".join("?" * len(tables))
        aside = conn.execute(
            f"SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
            f"AND sql IS NOT NULL AND tbl_name IN ({marks})",
            tables,
        ).fetchall()
        for kind, name, _sql in aside:
            conn.execute(f'DROP {kind.upper()} "{name}"')
        conn.execute("BEGIN")
        for key, rows, total in steps:
            columns = COLUMNS[key]
            sql = (
                f"INSERT INTO {names[key]} ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' * len(columns))})"
            )
            bar = Progress(key, total)
            source = (tuple(map(_sqlite_value, row)) for row in tracked(rows(), bar))
            while chunk := list(islice(source, 20000)):
                conn.executemany(sql, chunk)
        conn.execute("COMMIT")
        from sqlalchemy.dialects import sqlite

        from flask_order_messages import search

        bar = Progress("thread_search", 1)
        conn.execute(fill_documents_sql(sqlite.dialect()))  # autocommit: one statement
        bar.close()
        bar = Progress("indexes", len(aside) + 2)
        for _kind, _name, sql in aside:
            conn.execute(sql)
            bar.update()
        for key in ("messages", "thread_search"):
            conn.execute(search.sqlite_rebuild_statement(names[key]))
            bar.update()
        bar.close()
        bar = Progress("analyze", 1)
        conn.execute("ANALYZE")
        bar.close()
        # What a shop serving several processes from SQLite runs with.
        conn.execute("PRAGMA journal_mode = WAL")
    finally:
        conn.close()
