"""Mail in its reader's language: each outbox mail keeps the locale and time zone it was
written in.

Revision ID: 0017
Revises: 0016
Create Date: 2027-03-20

Mails already in the outbox get NULL in the new columns (they were written in English, in
the shop's time zone); their stored subject and body are sent as they are.
"""

from flask_order_messages.schema import Migration

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    Migration.current().add_columns("mail_outbox", revision)


def downgrade() -> None:
    Migration.current().drop_columns("mail_outbox", revision)
