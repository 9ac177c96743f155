"""Canned replies' owners: the marketplace's or one vendor's, and whether a marketplace reply is
shared with the vendors' staff; a title is unique among one owner's replies.

Revision ID: 0014
Revises: 0013
Create Date: 2027-02-28

The replies already there are the marketplace's (``vendor_key`` ``""``, see
``models_canned.py``) and shared: vendors' staff were offered every reply until now, and still
are until the marketplace unshares one.  In a shop without vendors nothing changes.

Downgrading deletes the vendors' own replies: before 0014 every reply is the marketplace's.
"""

from typing import Any

import sqlalchemy as sa
from alembic import context

from flask_order_messages.models_canned import MARKETPLACE, owner_unique_name, title_unique_name
from flask_order_messages.models_vendors import VENDOR_KEY_LENGTH
from flask_order_messages.schema import Migration

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    migration = Migration.current()
    canned = migration.tables["canned_replies"]
    prefix = str(migration.ext.table_prefix)
    op = migration.op
    op.add_column(
        canned.name,
        sa.Column(
            "vendor_key", sa.String(VENDOR_KEY_LENGTH), nullable=False, server_default=MARKETPLACE
        ),
    )
    op.add_column(
        canned.name, sa.Column("shared", sa.Boolean, nullable=False, server_default=sa.false())
    )
    op.execute(sa.update(canned).values(shared=True))
    with op.batch_alter_table(canned.name, **_offline(canned, prefix, after=False)) as batch:
        batch.drop_constraint(title_unique_name(prefix), type_="unique")
        batch.create_unique_constraint(owner_unique_name(prefix), ["vendor_key", "title"])


def downgrade() -> None:
    migration = Migration.current()
    canned = migration.tables["canned_replies"]
    prefix = str(migration.ext.table_prefix)
    migration.op.execute(sa.delete(canned).where(canned.c.vendor_key != MARKETPLACE))
    with migration.op.batch_alter_table(canned.name, **_offline(canned, prefix, after=True)) as b:
        b.drop_constraint(owner_unique_name(prefix), type_="unique")
        b.create_unique_constraint(title_unique_name(prefix), ["title"])
        b.drop_column("shared")
        b.drop_column("vendor_key")


def _offline(canned: sa.Table, prefix: str, after: bool) -> dict[str, Any]:
    """``--sql`` on SQLite: batch mode cannot reflect the table, so it is handed the table as
    it is at that step (its columns added; ``after``: with 0014's unique key, else with the
    title's) to "move and copy" from.  Online the table is reflected."""
    if not context.is_offline_mode():
        return {"reflect_kwargs": {"resolve_fks": False}}
    table = canned.to_metadata(sa.MetaData())
    if not after:
        for constraint in list(table.constraints):
            if constraint.name == owner_unique_name(prefix):
                table.constraints.discard(constraint)
        table.append_constraint(sa.UniqueConstraint("title", name=title_unique_name(prefix)))
    return {"copy_from": table}
