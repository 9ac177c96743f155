"""Webhook secret rotation: an endpoint keeps its previous secret, and until when deliveries
are signed with it as well as with the new one (Standard Webhooks: several ``v1,``
signatures in ``webhook-signature``).

Revision ID: 0018
Revises: 0017
Create Date: 2027-03-15

Endpoints already there get NULL in both columns: one secret, as before.
"""

from flask_order_messages.schema import Migration

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    Migration.current().add_columns("webhook_endpoints", revision)


def downgrade() -> None:
    Migration.current().drop_columns("webhook_endpoints", revision)
