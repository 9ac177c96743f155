"""Mail threading: each outbox mail keeps its own Message-ID, its thread's root id, its
Reply-To and who it is for; reply addresses name one person in one thread.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-10

Mails already in the outbox get NULL in the new columns; they are sent with a Message-ID
made (and kept) when they are first tried.
"""

from flask_order_messages.schema import Migration

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    migration = Migration.current()
    migration.add_columns("mail_outbox", revision)
    migration.create_table("reply_addresses")


def downgrade() -> None:
    migration = Migration.current()
    migration.drop_table("reply_addresses")
    migration.drop_columns("mail_outbox", revision)
