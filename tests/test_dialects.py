"""The database-specific SQL in ``flask_order_messages.dialects``, run on the suite's database:
each operation does the same thing on SQLite, PostgreSQL and MariaDB; and no module outside
that package asks which database it is on."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_order_messages import dialects

from .conftest import db

PACKAGE = Path(__file__).resolve().parent.parent / "flask_order_messages"

probe = sa.Table(
    "om_dialect_probe",
    sa.MetaData(),
    sa.Column("user_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("thread_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("value", sa.Integer, nullable=False),
)


@pytest.fixture
def table(app: Flask) -> Iterator[sa.Table]:
    probe.drop(db.engine, checkfirst=True)
    probe.create(db.engine)
    yield probe
    db.session.rollback()
    probe.drop(db.engine, checkfirst=True)


def rows(conn: sa.Connection) -> list[tuple[int, int, int]]:
    found = conn.execute(sa.select(probe).order_by(probe.c.user_id, probe.c.thread_id))
    return [(r.user_id, r.thread_id, r.value) for r in found]


def test_upsert_inserts_then_updates_from_the_proposed_row(table: sa.Table) -> None:
    database = dialects.of(db.engine)
    keys = ["user_id", "thread_id"]

    def larger(new: sa.ColumnClause) -> dict[str, object]:
        return {"value": sa.case((new.value > table.c.value, new.value), else_=table.c.value)}

    with db.engine.begin() as conn:
        for value in (5, 9, 7):  # inserted, raised, kept
            conn.execute(
                database.upsert(
                    table, keys, larger, values={"user_id": 1, "thread_id": 2, "value": value}
                )
            )
        # Rows from a SELECT (not of this table: MariaDB calls its columns ambiguous then).
        source = sa.select(sa.literal(1), sa.literal(3), sa.literal(4))
        conn.execute(database.upsert(table, keys, larger, select=source, columns=[*keys, "value"]))
        assert rows(conn) == [(1, 2, 9), (1, 3, 4)]


def test_insert_missing_keeps_the_rows_already_there(table: sa.Table) -> None:
    database = dialects.of(db.engine)
    keys = ["user_id", "thread_id"]
    with db.engine.begin() as conn:
        conn.execute(sa.insert(table).values(user_id=1, thread_id=1, value=10))
        source = sa.union_all(
            sa.select(sa.literal(1), sa.literal(1), sa.literal(99)),
            sa.select(sa.literal(1), sa.literal(2), sa.literal(20)),
        )
        conn.execute(database.insert_missing(table, keys, select=source, columns=[*keys, "value"]))
        conn.execute(
            database.insert_missing(table, keys, values={"user_id": 1, "thread_id": 2, "value": 0})
        )
        assert rows(conn) == [(1, 1, 10), (1, 2, 20)]


def test_seconds_between_two_times_on_the_database(app: Flask) -> None:
    later = sa.literal(datetime(2024, 3, 1, 0, 1, 30, 500_000), sa.DateTime)
    earlier = sa.literal(datetime(2024, 2, 29, 23, 0, 0), sa.DateTime)
    seconds = dialects.of(db.engine).seconds_between(later, earlier)
    with db.engine.connect() as conn:
        assert float(conn.execute(sa.select(seconds)).scalar_one()) == pytest.approx(
            3690.5, abs=0.002
        )


def test_char_length_counts_characters_not_bytes(app: Flask) -> None:
    length = dialects.of(db.engine).char_length(sa.literal("Straße ½"))
    with db.engine.connect() as conn:
        assert conn.execute(sa.select(length)).scalar_one() == 8


# A test of a dialect's name, or a branch on one: ``.dialect.name``, ``dialect == "..."``,
# ``name in ("mysql", ...)``.
DIALECT_TEST = re.compile(
    r"dialect\.name|dialect\s*(==|!=|in)\s|==\s*[\"'](sqlite|postgresql|mysql|mariadb)[\"']"
    r"|\(\s*[\"'](mysql|mariadb)[\"'],"
)


def test_only_the_dialects_package_asks_which_database_it_is() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if "dialects" not in path.relative_to(PACKAGE).parts
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if DIALECT_TEST.search(line)
    ]
    assert offenders == []
