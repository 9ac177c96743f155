"""Presence: which staff member has which order's thread open, or is typing a reply in it.

Revision ID: 0011
Revises: 0010
Create Date: 2027-01-20

The table starts empty; its rows live a few poll intervals after their page's last heartbeat.
"""

from flask_order_messages.schema import Migration

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    Migration.current().create_table("presence")


def downgrade() -> None:
    Migration.current().drop_table("presence")
