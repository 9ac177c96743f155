"""Alembic environment of the extension's own migrations; see ``flask_order_messages.schema``."""

from alembic import context

from flask_order_messages.schema import run_migrations

run_migrations(context)
