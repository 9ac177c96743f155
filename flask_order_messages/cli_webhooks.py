"""``flask order-messages deliver-webhooks`` and ``webhook-status``: the webhook outbox's
commands (:mod:`.cli` adds them to its group)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from .cli_mail import echo_counts
from .i18n import gettext as _
from .i18n import ngettext


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
            revived = delivery.retry_failed()
            click.echo(
                ngettext(
                    "revived %(num)d failed delivery", "revived %(num)d failed deliveries", revived
                )
            )
        report = delivery.send_pending(include_not_due=now)
    counts = delivery.status_counts()
    click.echo(
        _(
            "delivered %(delivered)d, failed %(failed)d, left to another deliverer "
            "%(skipped)d; pending %(pending)d, given up %(given_up)d",
            delivered=report.delivered,
            failed=report.failed,
            skipped=report.skipped,
            pending=counts[delivery.PENDING],
            given_up=counts[delivery.FAILED],
        )
    )


@click.command("webhook-status")
@with_appcontext
def webhook_status() -> None:
    """Show how many webhook deliveries are pending, being sent, delivered and given up."""
    from .webhooks import delivery

    echo_counts(delivery.status_counts(), 9)


WEBHOOK_COMMANDS = (deliver_webhooks, webhook_status)
