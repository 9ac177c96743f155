"""Personal access tokens for the JSON API (hashed, scoped, expiring, revocable).

Revision ID: 0016
Revises: 0015
Create Date: 2027-03-01

The table starts empty: staff make tokens with ``flask order-messages
create-token``.
"""

from flask_order_messages.schema import Migration

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    Migration.current().create_table("access_tokens")


def downgrade() -> None:
    Migration.current().drop_table("access_tokens")
