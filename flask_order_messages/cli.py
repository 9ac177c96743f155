"""``flask order-messages ...``: mail delivery and status, the RQ worker, disputes that
expire, attachment files left behind, read floors, the schema's migrations."""

from __future__ import annotations

import click
from flask.cli import AppGroup

cli_group = AppGroup("order-messages", help="Order messages: mail outbox and workers.")


@cli_group.command("send-mail")
@click.option("--now", is_flag=True, help="Also send mails whose retry time has not come yet.")
@click.option(
    "--retry-failed", is_flag=True, help="Give mails that were given up a fresh set of attempts."
)
def send_mail(now: bool, retry_failed: bool) -> None:
    """Deliver pending mail from the outbox (run it from cron every minute)."""
    from . import mail

    if retry_failed:
        click.echo(f"revived {mail.retry_failed()} failed mails")
    waiting = 0 if now else mail.waiting_count()
    report = mail.send_pending(include_not_due=now)
    counts = mail.status_counts()
    click.echo(
        f"sent {report.sent}, failed {report.failed}, left to another sender {report.skipped}; "
        f"pending {counts[mail.PENDING]}, given up {counts[mail.FAILED]}"
    )
    next_retry = mail.next_retry_at() if waiting else None
    if next_retry is not None:
        click.echo(
            f"{waiting} mail(s) wait for their retry time (the next at {next_retry:%H:%M:%S} "
            "UTC); 'send-mail --now' sends them now."
        )
    if report.failed:
        click.echo(
            f"Last error: {mail.latest_error()}\nThe mails stay in the outbox and are retried. "
            "Check MAIL_SERVER / MAIL_PORT and that the mail server is up.",
            err=True,
        )


@cli_group.command("mail-status")
def mail_status() -> None:
    """Show how many mails are pending, being sent, sent and given up."""
    from . import mail

    counts = mail.status_counts()
    for status, count in counts.items():
        click.echo(f"{status:8} {count}")
    if counts[mail.PENDING] or counts[mail.FAILED]:
        error = mail.latest_error()
        if error:
            click.echo(f"last error: {error}")
        if counts[mail.PENDING]:
            click.echo(f"next retry: {mail.next_retry_at():%Y-%m-%d %H:%M:%S} UTC")
        if counts[mail.FAILED]:
            click.echo("Failed mails are not retried; 'send-mail --retry-failed' revives them.")


@cli_group.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst: bool) -> None:
    """Run an RQ worker that delivers mail (ORDER_MESSAGES_MAIL_DELIVERY = "rq")."""
    from .queue import run_worker

    try:
        run_worker(burst=burst)
    except ImportError as exc:
        # RQ and redis come with the optional extra only.
        raise click.ClickException(
            f"The worker needs RQ ({exc}): pip install 'flask-order-messages[queue]'."
        ) from exc
    except Exception as exc:  # noqa: BLE001 - tell the operator, not a traceback
        raise click.ClickException(
            f"Cannot run the worker: {exc}. Is Redis running at ORDER_MESSAGES_REDIS_URL?"
        ) from exc


@cli_group.command("expire-disputes")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=None,
    help="Quiet days before a dispute expires (default: ORDER_MESSAGES_DISPUTE_EXPIRE_DAYS).",
)
@click.option("--dry-run", is_flag=True, help="Only list the disputes that would be closed.")
def expire_disputes(days: int | None, dry_run: bool) -> None:
    """Close open disputes whose thread has been quiet for a while, with the outcome "expired"
    (run it from cron once a day).  Each gets a "dispute closed" event and a mail."""
    from .extension import current_order_messages as ext
    from .extension import current_settings
    from .services import deadlines, expire_disputes

    wait = days if days is not None else current_settings.dispute_expire_days
    if not wait:
        click.echo(
            "Disputes never expire here: ORDER_MESSAGES_DISPUTE_EXPIRE_DAYS is 0. "
            "Pass --days N to expire those quiet for N days anyway."
        )
        return
    due = deadlines.expirable_disputes(wait)
    number = ext.hook("order_number")

    def label(dispute: object) -> str:
        thread = ext.db.session.get(ext.models.Thread, dispute.thread_id)  # type: ignore[attr-defined]
        order = ext.get_order(thread.order_id) if thread is not None else None
        return f"#{number(order)}" if order is not None else f"thread {dispute.thread_id}"  # type: ignore[attr-defined]

    if dry_run:
        click.echo(f"{len(due)} open dispute(s) quiet for {wait} days or more would expire:")
        for dispute in due:
            click.echo(f"  order {label(dispute)}, opened {dispute.opened_at:%Y-%m-%d %H:%M} UTC")
        return
    from flask import current_app

    # The mails link to the order pages: URLs need a request (SERVER_NAME makes them right).
    with current_app.test_request_context("/"):
        closed = expire_disputes(wait)
    click.echo(f"Expired {len(closed)} dispute(s) quiet for {wait} days or more.")
    for dispute in closed:
        click.echo(f"  order {label(dispute)}")


@cli_group.command("clean-attachments")
@click.option(
    "--older-than",
    type=click.IntRange(min=0),
    default=24,
    show_default=True,
    help="Spare files written in the last N hours.",
)
@click.option("--dry-run", is_flag=True, help="Only count the files that would be removed.")
def clean_attachments(older_than: int, dry_run: bool) -> None:
    """Remove attachment files whose rows are gone (orders the shop deleted): run it from
    cron now and then.  Needs a storage that can list its files (the local folder can)."""
    from datetime import timedelta

    from .services import attachments
    from .storage import current_storage

    try:
        orphans = list(attachments.orphaned_files(timedelta(hours=older_than)))
    except TypeError as exc:
        raise click.ClickException(str(exc)) from None
    if not dry_run:
        storage = current_storage()
        for key in orphans:
            storage.delete(key)
    verb = "Would remove" if dry_run else "Removed"
    click.echo(f"{verb} {len(orphans)} attachment file(s) that no message names.")


@cli_group.command("reset-read-floors")
def reset_read_floors() -> None:
    """Lower every staff member's read floor to 0 (each is raised again by their next count).
    Run it after writing messages outside the extension in a transaction that stayed open
    for minutes, such as a bulk import: see services/floors.py."""
    from .services import floors

    click.echo(f"Reset {floors.reset_all()} read floor(s).")


@cli_group.group("db")
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
                f"{exc}. 'flask order-messages db current' shows where the database is."
            ) from exc
        raise


def _where() -> str:
    from . import schema

    now, newest = schema.current(), schema.head()
    if now is None:
        return "base (no order-messages tables from migrations)"
    return f"{now} (head)" if now == newest else f"{now} (head is {newest})"


@db_group.command("upgrade")
@click.argument("revision", default="head")
@click.option("--sql", is_flag=True, help="Print the SQL instead of running it.")
def db_upgrade(revision: str, sql: bool) -> None:
    """Create or update the tables, up to REVISION (default: head)."""
    _schema_call("upgrade", revision, sql=sql)
    if not sql:
        click.echo(f"order-messages schema at {_where()}")


@db_group.command("downgrade")
@click.argument("revision", default="-1")
@click.option("--sql", is_flag=True, help="Print the SQL instead of running it.")
def db_downgrade(revision: str, sql: bool) -> None:
    """Undo migrations down to REVISION (default: one step; 'base' removes every table)."""
    _schema_call("downgrade", revision, sql=sql)
    if not sql:
        click.echo(f"order-messages schema at {_where()}")


@db_group.command("current")
def db_current() -> None:
    """Show the revision the database is at."""
    click.echo(_where())


@db_group.command("stamp")
@click.argument("revision", default="head")
def db_stamp(revision: str) -> None:
    """Record REVISION as applied without running it (tables made by db.create_all())."""
    _schema_call("stamp", revision)
    click.echo(f"order-messages schema at {_where()}")
