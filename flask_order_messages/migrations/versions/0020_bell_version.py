"""The bell's version: an index on each reader's read pointers by when they last moved.

Revision ID: 0020
Revises: 0019
Create Date: 2027-04-02

``read_pointers (user_id, updated_at)``: the newest change of one person's (or the team's)
read marks is one index probe, which the live bell's version reads before it counts
anything (``services/bell.py``).  Rows already there need nothing.
"""

from flask_order_messages.schema import Migration

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    Migration.current().create_indexes("read_pointers", revision)


def downgrade() -> None:
    Migration.current().drop_indexes("read_pointers", revision)
