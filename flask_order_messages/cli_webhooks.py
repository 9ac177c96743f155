"""``flask order-messages deliver-webhooks`` and ``webhook-status``: the webhook outbox's
commands (:mod:`.cli` adds them to its group)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("deliver-webhooks")
@with_appcontext
@click.option("--now", is_flag=True, help="Also send deliveries whose retry time has not come.")
@click.option(
    "--retry-failed",
    is_flag=True,
    help="Give up-on deliveries a fresh set of attempts.",
)
def deliver_webhooks(now: bool, retry_failed: bool) -> None:
    """Deliver the webhooks that are due, retrying failed ones with back-off (run it from
    cron every minute)."""
    from .transactions import unit_of_work
    from .webhooks import delivery

    with unit_of_work():  # each delivery's claim and outcome commit on their own
        if retry_failed:
            click.echo(f"revived {delivery.retry_failed()} failed deliveries")
        report = delivery.send_pending(include_not_due=now)
    counts = delivery.status_counts()
    click.echo(
        f"delivered {report.delivered}, failed {report.failed}, left to another deliverer "
        f"{report.skipped}; pending {counts[delivery.PENDING]}, given up {counts[delivery.FAILED]}"
    )


@click.command("webhook-status")
@with_appcontext
def webhook_status() -> None:
    """Show how many webhook deliveries are pending, being sent, delivered and given up."""
    from .webhooks import delivery

    for status, count in delivery.status_counts().items():
        click.echo(f"{status:9} {count}")


WEBHOOK_COMMANDS = (deliver_webhooks, webhook_status)
