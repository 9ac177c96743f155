"""Inbound mail: every mail the receivers got (receive-mail, fetch-mail, the HTTP hook) and
what became of it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07

The table starts empty.
"""

from flask_order_messages.schema import Migration

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    Migration.current().create_table("inbound_mails")


def downgrade() -> None:
    Migration.current().drop_table("inbound_mails")
