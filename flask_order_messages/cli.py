"""``flask order-messages ...``: mail delivery and status, the RQ worker."""

from __future__ import annotations

import click
from flask.cli import AppGroup

cli_group = AppGroup("order-messages", help="Order messages: mail outbox and workers.")


@cli_group.command("send-mail")
@click.option("--now", is_flag=True, help="Also send mails whose retry time has not come yet.")
def send_mail(now: bool) -> None:
    """Deliver pending mail from the outbox (run it from cron)."""
    from . import mail

    sent, failed = mail.send_pending(include_not_due=now)
    counts = mail.status_counts()
    click.echo(f"sent {sent}, failed {failed}; pending {counts['pending']}, "
               f"given up {counts['failed']}")


@cli_group.command("mail-status")
def mail_status() -> None:
    """Show how many mails are pending, being sent, sent and given up."""
    from . import mail

    for status, count in mail.status_counts().items():
        click.echo(f"{status:8} {count}")


@cli_group.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst: bool) -> None:
    """Run an RQ worker that delivers mail (ORDER_MESSAGES_MAIL_DELIVERY = "rq")."""
    from .queue import run_worker

    try:
        run_worker(burst=burst)
    except Exception as exc:  # noqa: BLE001 - tell the operator, not a traceback
        raise click.ClickException(
            f"Cannot run the worker: {exc}. Is Redis running at ORDER_MESSAGES_REDIS_URL?"
        ) from exc
