"""Questions before purchase: a thread may belong to a product instead of an order.

Revision ID: 0013
Revises: 0012
Create Date: 2027-02-21

``threads.order_id`` becomes nullable; ``product_key`` (the host's product key as text) and
``asker_id`` (the customer who asked) are added; the database holds that a thread has an order
or a product and its customer, and that a customer has one question per product (see
``models_questions.py``).  Threads already there are all orders' threads: nothing to fill.

Downgrading deletes the questions that were never linked to an order (with their messages):
before 0013 a thread cannot be without an order.
"""

from typing import Any

import sqlalchemy as sa
from alembic import context

from flask_order_messages.models_questions import check_name, question_rules, unique_name
from flask_order_messages.schema import Migration

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _prefix(migration: Migration) -> str:
    return str(migration.ext.table_prefix)


def upgrade() -> None:
    migration = Migration.current()
    migration.add_columns("threads", revision)
    threads = migration.tables["threads"]
    check, unique = question_rules(_prefix(migration))
    with migration.op.batch_alter_table(threads.name, **_offline(threads, False)) as batch:
        batch.alter_column("order_id", existing_type=threads.c.order_id.type, nullable=True)
        batch.create_unique_constraint(unique.name, ["product_key", "asker_id"])
        batch.create_check_constraint(check.name, sa.text(str(check.sqltext)))


def downgrade() -> None:
    migration = Migration.current()
    threads = migration.tables["threads"]
    prefix = _prefix(migration)
    _delete_questions(migration, threads)
    with migration.op.batch_alter_table(threads.name, **_offline(threads, True)) as batch:
        batch.drop_constraint(check_name(prefix), type_="check")
        batch.drop_constraint(unique_name(prefix), type_="unique")
        batch.alter_column("order_id", existing_type=threads.c.order_id.type, nullable=False)
    migration.drop_columns("threads", revision)


def _delete_questions(migration: Migration, threads: sa.Table) -> None:
    """Delete the questions never linked to an order, and every row that hangs from them
    (by hand: SQLite does not enforce the foreign keys' ON DELETE CASCADE by default)."""
    questions = sa.select(threads.c.id).where(threads.c.order_id.is_(None))
    messages = migration.tables["messages"]
    their_messages = sa.select(messages.c.id).where(messages.c.thread_id.in_(questions))
    for parent, keys in ((messages, their_messages), (threads, questions)):
        for table in migration.tables.values():
            for fk in table.foreign_keys:
                if fk.column.table is parent and table is not parent:
                    migration.op.execute(sa.delete(table).where(fk.parent.in_(keys)))
    migration.op.execute(sa.delete(threads).where(threads.c.order_id.is_(None)))


def _offline(threads: sa.Table, after: bool) -> dict[str, Any]:
    """``--sql`` on SQLite: batch mode cannot reflect the table, so it is handed the threads
    table as it is before this step (``after``: with 0013's rules, else without them and with
    ``order_id`` NOT NULL) to "move and copy" from.  Online the table is reflected, without
    the host's tables its keys point at: a host may make its own tables after ours."""
    if not context.is_offline_mode():
        return {"reflect_kwargs": {"resolve_fks": False}}
    metadata = sa.MetaData()
    for fk in threads.foreign_keys:  # the tables its keys point at, for the copy's
        fk.column.table.to_metadata(metadata)
    table = threads.to_metadata(metadata)
    if not after:
        for constraint in list(table.constraints):
            if str(constraint.name).endswith(("_order_or_product", "_question")):
                table.constraints.discard(constraint)
        table.c.order_id.nullable = False
    return {"copy_from": table}
