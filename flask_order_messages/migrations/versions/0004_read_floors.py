"""Read floors: the tables that keep a staff member's unread count off the shop's history.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26

Both tables start empty: a person's floor is made the first time their count is refreshed
(see ``services/floors.py``); until then their count looks at every thread, as before.
"""

from flask_order_messages.schema import Migration

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    migration = Migration.current()
    migration.create_table("read_floors")
    migration.create_table("read_floor_threads")


def downgrade() -> None:
    migration = Migration.current()
    migration.drop_table("read_floor_threads")
    migration.drop_table("read_floors")
