"""Team inbox: a thread's assignee, its status (open / waiting on customer / closed) and when
the status last changed, with the indexes the Messages list's views and status filter use.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07

Threads already there become open and unassigned.
"""

from typing import Any

import sqlalchemy as sa

from flask_order_messages.schema import ADDED_LATER, Migration

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _added(migration: Migration) -> tuple[sa.Table, list[sa.Column[Any]]]:
    table = migration.tables["threads"]
    names = [n for n, added_in in ADDED_LATER["threads"].items() if added_in == revision]
    return table, [table.c[name] for name in names]


def _indexes(table: sa.Table, columns: list[sa.Column[Any]]) -> list[sa.Index]:
    names = {c.name for c in columns}
    found = [i for i in table.indexes if names & {c.name for c in i.columns}]
    return sorted(found, key=lambda i: str(i.name))


def upgrade() -> None:
    migration = Migration.current()
    table, columns = _added(migration)
    for column in columns:
        # status is NOT NULL with a server default: the rows already there get "open".
        migration.op.add_column(
            table.name,
            sa.Column(
                column.name,
                column.type,
                nullable=column.nullable,
                server_default=column.server_default.arg if column.server_default else None,  # type: ignore[attr-defined]
            ),
        )
    for index in _indexes(table, columns):
        migration.op.create_index(str(index.name), table.name, [c.name for c in index.columns])


def downgrade() -> None:
    migration = Migration.current()
    table, columns = _added(migration)
    for index in _indexes(table, columns):
        migration.op.drop_index(str(index.name), table_name=table.name)
    with migration.op.batch_alter_table(table.name) as batch:
        for column in reversed(columns):
            batch.drop_column(column.name)
