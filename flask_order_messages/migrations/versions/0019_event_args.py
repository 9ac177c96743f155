"""Events in the reader's language: a thread event keeps its kind's parameters
(``messages.event_args``, JSON), and a webhook endpoint turned off by delivery keeps why as a
code and its parameters (``disabled_code``, ``disabled_args``); their words are written when
someone reads them, in that person's language.

Revision ID: 0019
Revises: 0018
Create Date: 2027-03-25

Rows already there get NULL: their stored text (``body``, ``disabled_reason``), written in
the shop's language, is shown as it is.
"""

from flask_order_messages.schema import Migration

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    migration = Migration.current()
    migration.add_columns("messages", revision)
    migration.add_columns("webhook_endpoints", revision)


def downgrade() -> None:
    migration = Migration.current()
    migration.drop_columns("webhook_endpoints", revision)
    migration.drop_columns("messages", revision)
