"""Drafts: a refused post's text and error, kept for its writer across the redirect back to
the order page.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03

The table starts empty; its rows live a day at most.
"""

from flask_order_messages.schema import Migration

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    Migration.current().create_table("drafts")


def downgrade() -> None:
    Migration.current().drop_table("drafts")
