"""Staff search documents: one row per thread with the distinct words of all its entries.

Revision ID: 0003
Revises: 0002
Create Date: 2025-01-01

The table, filled from the messages already there in one INSERT ... SELECT, then its own
full-text index (built once over the filled table): PostgreSQL a GIN index on
to_tsvector('simple', search_text), MariaDB/MySQL a FULLTEXT index, SQLite an FTS5 table kept
in step by triggers.
"""

from flask_order_messages.schema import Migration

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    migration = Migration.current()
    migration.create_table("thread_search")
    migration.fill_thread_documents()
    migration.create_search_index("thread_search")


def downgrade() -> None:
    migration = Migration.current()
    migration.drop_search_index("thread_search")
    migration.drop_table("thread_search")
