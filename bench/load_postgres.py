"""The PostgreSQL writer of ``python -m bench.load``: ``COPY``, with the secondary indexes and
constraints set aside and rebuilt from their own definitions, then ``VACUUM ANALYZE``."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from .load import COLUMNS, Progress, fill_documents_sql, tracked


def load_postgres(url: str, names: dict[str, str], steps: list[Any]) -> None:
    import psycopg

    conninfo = sa.engine.make_url(url).set(drivername="postgresql")
    with psycopg.connect(conninfo.render_as_string(hide_password=False)) as conn:
        cur = conn.cursor()
        tables = list(names.values())
        cur.execute("SET maintenance_work_mem = '512MB'")
        # Secondary indexes and constraints (unique, foreign keys) go aside during COPY and
        # come back afterwards from their own definitions: building them once is far faster.
        cur.execute(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), c.contype "
            "FROM pg_constraint c "
            "WHERE c.conrelid = ANY(%s::regclass[]) AND c.contype IN ('f','u') "
            "ORDER BY c.contype",  # 'f' before 'u': drop foreign keys first
            (tables,),
        )
        constraints = cur.fetchall()
        cur.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            (tables,),
        )
        indexes = cur.fetchall()
        for table, name, _definition, _kind in constraints:
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        for key, rows, total in steps:
            columns = ", ".join(COLUMNS[key])
            bar = Progress(key, total)
            with cur.copy(f"COPY {names[key]} ({columns}) FROM STDIN") as copy:
                for row in tracked(rows(), bar):
                    copy.write_row(row)
        conn.commit()
        from sqlalchemy.dialects import postgresql

        bar = Progress("thread_search", 1)
        cur.execute("SET work_mem = '256MB'")
        cur.execute(fill_documents_sql(postgresql.dialect()))  # type: ignore[no-untyped-call]
        conn.commit()
        bar.close()
        rebuild = [definition for _name, definition in indexes]
        rebuild += [
            f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
            for table, name, definition, _kind in reversed(constraints)
        ]
        bar = Progress("indexes", len(rebuild))
        for statement in rebuild:
            cur.execute(statement)
            bar.update()
        bar.close()
        for table in tables:
            keyed_otherwise = ("thread_search", "floors", "floor_threads")
            if table in {names[key] for key in keyed_otherwise}:  # no id, no sequence
                continue
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table}), 1))"
            )
        conn.commit()
        conn.autocommit = True
        bar = Progress("vacuum analyze", len(tables))
        for table in tables:
            cur.execute(f"VACUUM (ANALYZE) {table}")
            bar.update()
        bar.close()
