"""The tables: threads, messages, read pointers, disputes, outbox, attachments, canned replies.

Revision ID: 0001
Revises:
Create Date: 2025-01-01

Each table is created from the extension's own table object, so the order key type, the
foreign key target, the prefix and whatever the host's base class adds come from the host.
"""

from flask_order_messages.schema import INITIAL_TABLES, Migration

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    migration = Migration.current()
    for key in INITIAL_TABLES:
        migration.create_table(key)


def downgrade() -> None:
    migration = Migration.current()
    for key in reversed(INITIAL_TABLES):
        migration.drop_table(key)
