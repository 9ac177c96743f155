"""Each test's tables, empty: the schema made once and emptied between tests on a server
database, a copy of a SQLite file made once on SQLite (``conftest.fresh_tables``)."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from typing import Any

import sqlalchemy as sa

#: {the tables' names: a SQLite file with them made}, one per process.
_SQLITE_TEMPLATES: dict[tuple[str, ...], str] = {}
#: The worker's SQLite file, and the test folder it was last handed out for.
_WORKER_FILE: list[Any] = [None, None]


def worker_sqlite_file(test_folder: Any) -> tuple[str, bool]:
    """The path of this process's SQLite file for the test of ``test_folder``, and whether the
    test asked for it first just now.  Then the last test's file is removed
    (``sqlite_from_template`` copies the schema into it); later asks of the same test share
    its file, as they would share its folder."""
    if _WORKER_FILE[0] is None:
        folder = tempfile.mkdtemp(prefix="order-messages-worker-")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _WORKER_FILE[0] = os.path.join(folder, "test.sqlite")
    path: str = _WORKER_FILE[0]
    if _WORKER_FILE[1] == test_folder:
        return path, False
    _WORKER_FILE[1] = test_folder
    for leftover in (path, path + "-journal"):
        if os.path.exists(leftover):
            os.remove(leftover)  # a connection left open keeps its own (removed) file
    return path, True


def sqlite_from_template(db: Any, engine: sa.Engine) -> None:
    """A new SQLite file gets the schema as a copy of a file made once: ``create_all`` writes
    each table, index and FTS5 table to disk one by one, a fifth of a second per test."""
    path = engine.url.database
    if not path or path == ":memory:" or os.path.exists(path):
        db.create_all()  # not a file of its own that nobody opened yet: no copy
        return
    key = tuple(sorted(db.metadata.tables))
    template = _SQLITE_TEMPLATES.get(key)
    if template is None:
        db.create_all()
        engine.dispose()
        folder = tempfile.mkdtemp(prefix="order-messages-schema-")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        template = os.path.join(folder, "schema.sqlite")
        shutil.copyfile(path, template)
        _SQLITE_TEMPLATES[key] = template
        return
    shutil.copyfile(template, path)


def schema_present(conn: sa.Connection, tables: list[sa.Table]) -> bool:
    """Whether all of ``tables`` are there: one query (this runs before every test)."""
    if conn.dialect.name == "postgresql":
        query = sa.text(
            "SELECT count(*) FROM pg_class WHERE relkind IN ('r', 'p') "
            "AND relnamespace = current_schema()::regnamespace AND relname = ANY(:names)"
        )
    else:
        query = sa.text(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = DATABASE() AND table_name IN :names"
        ).bindparams(sa.bindparam("names", expanding=True))
    names = [t.name for t in tables]
    return conn.execute(query, {"names": names}).scalar_one() == len(tables)


def empty_tables(conn: sa.Connection, tables: list[sa.Table]) -> None:
    """Empty ``tables`` and restart their ids, so every test sees order #1 first.

    A test writes to a few tables only: DELETE empties the others at no cost, where TRUNCATE
    (a table made anew) cost 15-40 ms for each table before every test."""
    if conn.dialect.name == "postgresql":
        _empty_postgresql(conn, tables)
        return
    if not getattr(conn.dialect, "is_mariadb", False):
        # MySQL 8 caches these figures for a day; MariaDB reads them live.
        conn.execute(sa.text("SET SESSION information_schema_stats_expiry = 0"))
    quote = conn.dialect.identifier_preparer.quote
    # One query: the tables whose counter has moved (TRUNCATE restarts it; ALTER TABLE costs
    # more) and the other ones that hold a row (DELETE empties them; the rest are empty).
    moved = set(
        conn.execute(
            sa.text(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = DATABASE() AND auto_increment > 1"
            )
        ).scalars()
    )
    holding = " UNION ALL ".join(
        f"SELECT {i} FROM DUAL WHERE EXISTS (SELECT 1 FROM {quote(t.name)})"
        for i, t in enumerate(tables)
        if t.name not in moved
    )
    full = set(conn.execute(sa.text(holding)).scalars()) if holding else set()
    conn.execute(sa.text("SET FOREIGN_KEY_CHECKS = 0"))
    for i, table in enumerate(tables):
        if table.name in moved:
            conn.execute(sa.text(f"TRUNCATE TABLE {quote(table.name)}"))
        elif i in full:
            conn.execute(table.delete())
    conn.execute(sa.text("SET FOREIGN_KEY_CHECKS = 1"))


def _empty_postgresql(conn: sa.Connection, tables: list[sa.Table]) -> None:
    """On PostgreSQL, one statement (a DO block) for the whole schema: it empties the tables,
    referencing rows first, and restarts the sequences of their keys that handed out an id
    (``setval`` to the start, as ``ALTER SEQUENCE ... RESTART`` does, without making the
    sequence anew).  Sixteen DELETEs and a query for the sequences cost a round trip each."""
    quote = conn.dialect.identifier_preparer.quote
    deletes = "".join(f"DELETE FROM {quote(t.name)};" for t in reversed(tables))
    names = ", ".join(f"'{t.name}'" for t in tables)  # our own tables' names: no quotes in them
    conn.execute(
        sa.text(
            "DO $$ DECLARE s record; BEGIN "
            + deletes
            + " FOR s IN SELECT DISTINCT ps.schemaname, ps.sequencename, ps.start_value "
            "FROM pg_class sc "
            "JOIN pg_depend d ON d.objid = sc.oid AND d.deptype IN ('a', 'i') "
            "JOIN pg_class t ON t.oid = d.refobjid "
            "JOIN pg_sequences ps ON ps.sequencename = sc.relname "
            "AND ps.schemaname = current_schema() "
            "WHERE sc.relkind = 'S' AND ps.last_value IS NOT NULL "
            f"AND t.relname IN ({names}) LOOP "
            "PERFORM setval(format('%I.%I', s.schemaname, s.sequencename), s.start_value, false); "
            "END LOOP; END $$"
        )
    )
