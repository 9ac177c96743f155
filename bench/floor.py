"""The floor's hand-written SQL (``bench/queries.py``), run straight through the database
driver (sqlite3, psycopg, PyMySQL), and the staff member's read floor as the pages left it."""

from __future__ import annotations

import re
import sqlite3
import time
from typing import Any

import sqlalchemy as sa

from .load import absolute


def run_floor(
    url: str, sql: str | list[str], params: dict[str, Any], n: int, warmup: int
) -> list[float]:
    """Timings in ms of running ``sql`` (one statement, or a list run together and committed)
    ``n`` times after ``warmup``, straight through the database driver."""
    statements = [sql] if isinstance(sql, str) else sql
    parsed = sa.engine.make_url(url)
    times = []
    if parsed.get_backend_name() == "sqlite":
        conn: Any = sqlite3.connect(str(parsed.database), isolation_level=None)
        for i in range(warmup + n):
            start = time.perf_counter()
            writes = len(statements) > 1 or statements[0].lstrip().startswith(("INSERT", "UPDATE"))
            if writes:
                conn.execute("BEGIN IMMEDIATE")
            for statement in statements:
                names = set(re.findall(r"(?<!:):([a-z_]+)", statement))
                conn.execute(statement, {k: v for k, v in params.items() if k in names}).fetchall()
            if writes:
                conn.execute("COMMIT")
            if i >= warmup:
                times.append((time.perf_counter() - start) * 1000)
        conn.close()
        return times
    pyformat = [re.sub(r"(?<!:):([a-z_]+)", r"%(\1)s", s.replace("%", "%%")) for s in statements]
    if parsed.get_backend_name() in ("mysql", "mariadb"):
        return _run_mariadb(url, pyformat, params, n, warmup)
    import psycopg

    conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    pg_statements = pyformat
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for i in range(warmup + n):
            start = time.perf_counter()
            for statement in pg_statements:
                cursor = conn.execute(statement, params, prepare=False)
                if cursor.description is not None:
                    cursor.fetchall()
            if i >= warmup:
                times.append((time.perf_counter() - start) * 1000)
    return times


def _run_mariadb(
    url: str, statements: list[str], params: dict[str, Any], n: int, warmup: int
) -> list[float]:
    """PyMySQL, autocommit; several statements (posting) in one transaction."""
    from .load_mariadb import connect

    times = []
    conn = connect(url, local_infile=False)
    try:
        cursor = conn.cursor()
        for i in range(warmup + n):
            start = time.perf_counter()
            if len(statements) > 1:
                conn.begin()
            for statement in statements:
                cursor.execute(statement, params)
                cursor.fetchall()
            if len(statements) > 1:
                conn.commit()
            if i >= warmup:
                times.append((time.perf_counter() - start) * 1000)
    finally:
        conn.close()
    return times


def read_floor(url: str, table: str, user: Any) -> int:
    """The staff member's read floor as the pages left it (0 before their first count)."""
    engine = sa.create_engine(absolute(url))
    try:
        with engine.connect() as conn:
            found = conn.execute(
                sa.text(f"SELECT floor_id FROM {table} WHERE user_id = :user"), {"user": user}
            ).scalar()
    finally:
        engine.dispose()
    return int(found or 0)
