"""``flask order-messages db ...``: the extension's tables as Alembic migrations (upgrade,
downgrade, current, stamp).  :mod:`.cli` adds the group to its own.  The revisions and
``head`` are Alembic's names and stay as they are; the words around them are translated."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from .i18n import gettext as _


@click.group("db", cls=AppGroup)
def db_group() -> None:
    """The extension's tables as Alembic migrations (history in <prefix>alembic_version)."""


def _schema_call(action: str, *args: object, **kwargs: object) -> None:
    from . import schema

    try:
        getattr(schema, action)(*args, **kwargs)
    except schema.SchemaError as exc:
        raise click.ClickException(str(exc)) from exc
    except Exception as exc:  # noqa: BLE001 - alembic's and the driver's errors, in words
        from alembic.util import CommandError

        if isinstance(exc, CommandError):
            raise click.ClickException(
                _(
                    "%(error)s. 'flask order-messages db current' shows where the database is.",
                    error=exc,
                )
            ) from exc
        raise


def _where() -> str:
    from . import schema

    now, newest = schema.current(), schema.head()
    if now is None:
        return _("base (no order-messages tables from migrations)")
    if now == newest:
        return _("%(revision)s (head)", revision=now)
    return _("%(revision)s (head is %(head)s)", revision=now, head=newest)


def _schema_at() -> str:
    return _("order-messages schema at %(where)s", where=_where())


@db_group.command("upgrade")
@click.argument("revision", default="head")
@click.option("--sql", is_flag=True, help="Print the SQL instead of running it.")
def db_upgrade(revision: str, sql: bool) -> None:
    """Create or update the tables, up to REVISION (default: head)."""
    _schema_call("upgrade", revision, sql=sql)
    if not sql:
        click.echo(_schema_at())


@db_group.command("downgrade")
@click.argument("revision", default="-1")
@click.option("--sql", is_flag=True, help="Print the SQL instead of running it.")
def db_downgrade(revision: str, sql: bool) -> None:
    """Undo migrations down to REVISION (default: one step; 'base' removes every table)."""
    _schema_call("downgrade", revision, sql=sql)
    if not sql:
        click.echo(_schema_at())


@db_group.command("current")
def db_current() -> None:
    """Show the revision the database is at."""
    click.echo(_where())


@db_group.command("stamp")
@click.argument("revision", default="head")
def db_stamp(revision: str) -> None:
    """Record REVISION as applied without running it (tables made by db.create_all())."""
    _schema_call("stamp", revision)
    click.echo(_schema_at())
