"""Marketplaces: the vendor each thread belongs to (with the index a vendor's staff read their
threads through), and when the marketplace was told that a vendor let a dispute's respond-by
time pass.

Revision ID: 0012
Revises: 0011
Create Date: 2027-02-14

Threads already there get no vendor (NULL: the marketplace's own).  A marketplace that had
threads before fills them in from its ``order_vendor`` hook with
``flask order-messages assign-vendors`` (a Python hook, which SQL cannot call).
"""

from flask_order_messages.schema import Migration
from flask_order_messages.schema_targets import create_indexes, drop_indexes

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    migration = Migration.current()
    migration.add_columns("threads", revision)
    create_indexes(migration, "threads", revision)
    migration.add_columns("disputes", revision)


def downgrade() -> None:
    migration = Migration.current()
    migration.drop_columns("disputes", revision)
    drop_indexes(migration, "threads", revision)
    migration.drop_columns("threads", revision)
