"""Response targets: the reply each thread waits for, and what each staff answer answered.

Revision ID: 0009
Revises: 0008
Create Date: 2027-01-10

Four columns on the threads (awaiting_since, awaiting_first, response_due_at with its index,
first_response_at) and three on the messages (answers_since, answers_first, answers_due_at),
filled from the messages already there with the app's targets and business hours
(``schema_targets.fill_response_targets``; ``--sql`` leaves them empty).
"""

from flask_order_messages.schema import Migration
from flask_order_messages.schema_targets import create_indexes, drop_indexes, fill_response_targets

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    migration = Migration.current()
    migration.add_columns("threads", revision)
    create_indexes(migration, "threads", revision)
    migration.add_columns("messages", revision)
    fill_response_targets(migration)


def downgrade() -> None:
    migration = Migration.current()
    migration.drop_columns("messages", revision)
    drop_indexes(migration, "threads", revision)
    migration.drop_columns("threads", revision)
