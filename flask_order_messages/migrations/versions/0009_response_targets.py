"""Response targets: the reply each thread waits for, and one row per answer given.

Revision ID: 0009
Revises: 0007
Create Date: 2027-01-10

Four columns on the threads (awaiting_since, awaiting_first, response_due_at with its index,
first_response_at) and the responses table, both filled from the messages already there with
the app's targets and business hours (``schema_targets.fill_response_targets``; ``--sql`` leaves
them empty).
"""

from flask_order_messages.schema import Migration
from flask_order_messages.schema_targets import create_indexes, drop_indexes, fill_response_targets

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    migration = Migration.current()
    migration.add_columns("threads", revision)
    create_indexes(migration, "threads", revision)
    migration.create_table("responses")
    fill_response_targets(migration)


def downgrade() -> None:
    migration = Migration.current()
    migration.drop_table("responses")
    drop_indexes(migration, "threads", revision)
    migration.drop_columns("threads", revision)
