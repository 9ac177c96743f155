"""Shared read state: the role of a thread's newest author beside its id.

Revision ID: 0010
Revises: 0009
Create Date: 2027-02-01

``threads.last_author_role`` ("staff" or "customer"), which the unread rule reads instead of
the messages when staff share their read marks (``ORDER_MESSAGES_READ_STATE = "shared"``);
filled from each thread's newest entry by one UPDATE (``--sql`` prints it too).
"""

import sqlalchemy as sa

from flask_order_messages.schema import Migration

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    migration = Migration.current()
    migration.add_columns("threads", revision)
    threads, messages = migration.tables["threads"], migration.tables["messages"]
    newest = (
        sa.select(messages.c.author_role)
        .where(messages.c.id == threads.c.last_message_id)
        .scalar_subquery()
    )
    migration.op.execute(
        sa.update(threads)
        .where(threads.c.last_message_id.is_not(None))
        .values(last_author_role=newest)
    )


def downgrade() -> None:
    Migration.current().drop_columns("threads", revision)
