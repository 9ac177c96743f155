"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

Build the operations from the extension's table objects (see flask_order_messages.schema):
no hard-coded types, and list an added column in schema.ADDED_LATER.
"""

from flask_order_messages.schema import Migration

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade() -> None:
    migration = Migration.current()
    ${upgrades if upgrades else "raise NotImplementedError"}


def downgrade() -> None:
    migration = Migration.current()
    ${downgrades if downgrades else "raise NotImplementedError"}
