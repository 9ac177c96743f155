"""Full-text index for keyword search on messages.search_text.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-01

PostgreSQL: a GIN index on to_tsvector('simple', search_text).  MariaDB/MySQL: a FULLTEXT
index.  SQLite: an FTS5 table kept in step by triggers, filled from the existing messages.
"""

from flask_order_messages.schema import Migration

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    Migration.current().create_search_index("messages")


def downgrade() -> None:
    Migration.current().drop_search_index("messages")
