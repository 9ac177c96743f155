"""The MariaDB (and MySQL) writer of ``python -m bench.load``.

    python -m bench.load "mysql+pymysql://root@127.0.0.1:3306/om_bench?charset=utf8mb4&ssl_disabled=1"

The secondary indexes and foreign keys are read from ``SHOW CREATE TABLE`` and set aside;
the rows go in with ``LOAD DATA LOCAL INFILE`` from tab-separated files written in chunks
(``--mariadb-inserts``, or a server with ``local_infile`` off: multi-row ``INSERT`` batches
instead); the threads' search documents are written by the extension's own
``fill_documents`` statement (``JSON_TABLE`` + ``GROUP_CONCAT``); then the indexes come back
(the plain ones in one ``ALTER TABLE`` per table, each ``FULLTEXT`` index on its own), the
foreign keys last (with ``foreign_key_checks`` off, as a dump restores them), and
``ANALYZE TABLE``.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

import sqlalchemy as sa

from .load import COLUMNS, Progress, fill_documents_sql, tracked

CHUNK = 250_000  # rows per LOAD DATA file (bounded temporary disk)
INSERT_BATCH = 2_000  # rows per multi-row INSERT
KEY_LINE = re.compile(r"^\s*((?:UNIQUE |FULLTEXT |SPATIAL )?KEY) `([^`]+)` (.*?),?$")
FK_LINE = re.compile(r"^\s*CONSTRAINT `([^`]+)` (FOREIGN KEY .*?),?$")
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\0": "\\0"})


@dataclass
class Aside:
    """One table's secondary indexes and foreign keys, as ``SHOW CREATE TABLE`` wrote them."""

    table: str
    keys: list[tuple[str, str]] = field(default_factory=list)  # (name, "KEY `x` (...)")
    fulltext: list[tuple[str, str]] = field(default_factory=list)
    foreign: list[tuple[str, str]] = field(default_factory=list)  # (name, "CONSTRAINT ...")


def set_aside(cur: Any, table: str) -> Aside:
    cur.execute(f"SHOW CREATE TABLE `{table}`")
    aside = Aside(table)
    for line in cur.fetchone()[1].splitlines():
        if found := KEY_LINE.match(line):
            kind, name, rest = found.groups()
            target = aside.fulltext if kind.startswith("FULLTEXT") else aside.keys
            target.append((name, f"{kind} `{name}` {rest}"))
        elif found := FK_LINE.match(line):
            name, rest = found.groups()
            aside.foreign.append((name, f"CONSTRAINT `{name}` {rest}"))
    return aside


def tsv_value(value: Any) -> str:
    """One field of a ``LOAD DATA`` file (its default format: tabs, ``\\`` escapes, ``\\N``)."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return str(value).translate(_ESCAPES)


def load_data(cur: Any, table: str, columns: tuple[str, ...], rows: Iterator[Any]) -> None:
    """``rows`` through ``LOAD DATA LOCAL INFILE``, ``CHUNK`` rows per file."""
    cols = ", ".join(f"`{c}`" for c in columns)
    with tempfile.TemporaryDirectory(prefix="bench-mariadb-") as tmp:
        path = os.path.join(tmp, f"{table}.tsv")
        while chunk := list(islice(rows, CHUNK)):
            with open(path, "w", encoding="utf-8", newline="\n") as out:
                out.writelines("\t".join(map(tsv_value, row)) + "\n" for row in chunk)
            cur.execute(
                f"LOAD DATA LOCAL INFILE %s INTO TABLE `{table}` CHARACTER SET utf8mb4 ({cols})",
                (path,),
            )


def insert_batches(cur: Any, table: str, columns: tuple[str, ...], rows: Iterator[Any]) -> None:
    """``rows`` as multi-row ``INSERT`` statements of ``INSERT_BATCH`` rows."""
    cols = ", ".join(f"`{c}`" for c in columns)
    marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
    while chunk := list(islice(rows, INSERT_BATCH)):
        values = ", ".join([marks] * len(chunk))
        cur.execute(
            f"INSERT INTO `{table}` ({cols}) VALUES {values}",
            [v for row in chunk for v in row],
        )


def connect(url: str, *, local_infile: bool) -> Any:
    import pymysql

    parsed = sa.engine.make_url(url)
    return pymysql.connect(
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 3306,
        user=parsed.username or "root",
        password=parsed.password or "",
        database=parsed.database,
        charset="utf8mb4",
        local_infile=local_infile,
        autocommit=True,
    )


def rebuild(cur: Any, asides: list[Aside]) -> None:
    steps = [a for a in asides if a.keys] + [a for a in asides for _ in a.fulltext]
    bar = Progress("indexes", len(steps) + sum(1 for a in asides if a.foreign))
    for aside in asides:
        if aside.keys:
            adds = ", ".join(f"ADD {definition}" for _name, definition in aside.keys)
            cur.execute(f"ALTER TABLE `{aside.table}` {adds}")
            bar.update()
    for aside in asides:
        for _name, definition in aside.fulltext:
            cur.execute(f"ALTER TABLE `{aside.table}` ADD {definition}")
            bar.update()
    for aside in asides:
        if aside.foreign:
            adds = ", ".join(f"ADD {definition}" for _name, definition in aside.foreign)
            cur.execute(f"ALTER TABLE `{aside.table}` {adds}")
            bar.update()
    bar.close()


def load_mariadb(
    url: str, names: dict[str, str], steps: list[Any], *, inserts: bool = False
) -> str:
    """Write the shop; returns how the rows went in ("LOAD DATA" or "INSERT")."""
    conn = connect(url, local_infile=not inserts)
    try:
        cur = conn.cursor()
        for setting in ("foreign_key_checks = 0", "unique_checks = 0"):
            cur.execute(f"SET SESSION {setting}")
        if not inserts:
            cur.execute("SELECT @@local_infile")
            inserts = not cur.fetchone()[0]
        asides = [set_aside(cur, table) for table in names.values()]
        for aside in asides:
            drops = [f"DROP FOREIGN KEY `{name}`" for name, _ in aside.foreign]
            if drops:
                cur.execute(f"ALTER TABLE `{aside.table}` {', '.join(drops)}")
        for aside in asides:
            drops = [f"DROP INDEX `{name}`" for name, _ in aside.keys + aside.fulltext]
            if drops:
                cur.execute(f"ALTER TABLE `{aside.table}` {', '.join(drops)}")
        write = insert_batches if inserts else load_data
        for key, rows, total in steps:
            write(cur, names[key], COLUMNS[key], tracked(_rows(rows()), Progress(key, total)))
        from sqlalchemy.dialects import mysql

        from flask_order_messages import search

        bar = Progress("thread_search", 1)
        for statement in search.fill_documents_setup(mysql.dialect()):
            cur.execute(statement)
        cur.execute(fill_documents_sql(mysql.dialect()))
        bar.close()
        rebuild(cur, asides)
        bar = Progress("analyze", len(asides))
        for aside in asides:
            cur.execute(f"ANALYZE TABLE `{aside.table}`")
            cur.fetchall()
            bar.update()
        bar.close()
    finally:
        conn.close()
    return "INSERT" if inserts else "LOAD DATA"


def _rows(rows: Iterable[Any]) -> Iterator[tuple[Any, ...]]:
    return (tuple(row) for row in rows)
