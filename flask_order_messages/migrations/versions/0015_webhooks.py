"""Webhooks: the endpoints staff register, and the webhook outbox (one delivery row per
endpoint and event, written in the same transaction as the event).

Revision ID: 0015
Revises: 0014
Create Date: 2027-03-07

Both tables start empty.
"""

from flask_order_messages.schema import Migration

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    migration = Migration.current()
    migration.create_table("webhook_endpoints")
    migration.create_table("webhook_deliveries")


def downgrade() -> None:
    migration = Migration.current()
    migration.drop_table("webhook_deliveries")
    migration.drop_table("webhook_endpoints")
