"""``flask order-messages`` mail commands, both ways: ``send-mail`` and ``mail-status`` for
the outbox (and the inbound record), ``receive-mail`` (SMTP/LMTP) and ``fetch-mail`` (IMAP)
for replies by mail.  :mod:`.cli` adds them to its group; each runs in the app's context, as
the group's own commands do."""

from __future__ import annotations

import logging
import time

import click
from flask.cli import with_appcontext

from .i18n import gettext as _
from .i18n import lazy_gettext, lazy_pgettext, ngettext

#: Why a mail was marked suppressed: Flask-Mail had nowhere to send it.
#: A mail's or a webhook delivery's status in words (``mail-status``, ``webhook-status``).
STATUS_WORDS = {
    "pending": lazy_gettext("pending"),
    "sending": lazy_gettext("sending"),
    "sent": lazy_gettext("sent"),
    "delivered": lazy_gettext("delivered"),
    "failed": lazy_gettext("failed"),
}


def status_word(status: str) -> str:
    """A status of the outbox in the reader's language (``pending``, ``ausstehend``)."""
    return str(STATUS_WORDS.get(status, status))


def echo_counts(counts: dict[str, int], width: int) -> None:
    """One ``status count`` line per status, the counts in a column at least ``width`` from
    the left (wider when a word in the reader's language is longer)."""
    words = {status: status_word(status) for status in counts}
    width = max([width, *(len(word) for word in words.values())])
    for status, count in counts.items():
        click.echo(f"{words[status]:{width}} {count}")


#: What became of an inbound mail, in words (``mail-status``, ``fetch-mail``).
OUTCOME_WORDS = {
    "posted": lazy_pgettext("inbound mail", "posted"),
    "ignored": lazy_pgettext("inbound mail", "ignored"),
    "duplicate": lazy_pgettext("inbound mail", "duplicate"),
    "refused": lazy_pgettext("inbound mail", "refused"),
    "deferred": lazy_pgettext("inbound mail", "deferred"),
}


def outcome_word(outcome: str) -> str:
    """An inbound mail's outcome in the reader's language (``posted``, ``veröffentlicht``)."""
    return str(OUTCOME_WORDS.get(outcome, outcome))


def outcome_counts(counts: dict[str, int]) -> str:
    """``posted 1, refused 2`` in the reader's language."""
    return ", ".join(f"{outcome_word(outcome)} {n}" for outcome, n in counts.items())


NO_MAIL_SERVER = lazy_gettext(
    "MAIL_SUPPRESS_SEND is on (no MAIL_SERVER, or TESTING); these mails went nowhere and are "
    "not sent again."
)


@click.command("send-mail")
@with_appcontext
@click.option("--now", is_flag=True, help="Also send mails whose retry time has not come yet.")
@click.option(
    "--retry-failed", is_flag=True, help="Give mails that were given up a fresh set of attempts."
)
def send_mail(now: bool, retry_failed: bool) -> None:
    """Deliver pending mail from the outbox (run it from cron every minute)."""
    from . import mail
    from .transactions import unit_of_work

    with unit_of_work():  # each mail's claim and outcome commit on their own, as they happen
        if retry_failed:
            revived = mail.retry_failed()
            click.echo(
                ngettext("revived %(num)d failed mail", "revived %(num)d failed mails", revived)
            )
        waiting = 0 if now else mail.waiting_count()
        report = mail.send_pending(include_not_due=now)
    counts = mail.status_counts()
    click.echo(
        _(
            "sent %(sent)d, failed %(failed)d, left to another sender %(skipped)d; "
            "pending %(pending)d, given up %(given_up)d",
            sent=report.sent,
            failed=report.failed,
            skipped=report.skipped,
            pending=counts[mail.PENDING],
            given_up=counts[mail.FAILED],
        )
    )
    next_retry = mail.next_retry_at() if waiting else None
    if next_retry is not None:
        click.echo(
            ngettext(
                "%(num)d mail waits for its retry time (at %(when)s UTC); 'send-mail --now' "
                "sends it now.",
                "%(num)d mails wait for their retry time (the next at %(when)s UTC); "
                "'send-mail --now' sends them now.",
                waiting,
                when=next_retry.strftime("%H:%M:%S"),
            )
        )
    if report.suppressed:
        click.echo(
            ngettext(
                "%(num)d mail not delivered: %(why)s",
                "%(num)d mails not delivered: %(why)s",
                report.suppressed,
                why=NO_MAIL_SERVER,
            )
        )
    if report.failed:
        click.echo(
            _(
                "Last error: %(error)s\nThe mails stay in the outbox and are retried. Check "
                "MAIL_SERVER / MAIL_PORT and that the mail server is up.",
                error=mail.latest_error(),
            ),
            err=True,
        )


@click.command("mail-status")
@with_appcontext
@click.option(
    "--inbound",
    "latest",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="How many of the latest inbound mails to list.",
)
def mail_status(latest: int) -> None:
    """Show how many mails are pending, being sent, sent and given up; then the inbound
    mail: how many were posted, ignored, refused..., and the latest ones."""
    from . import mail

    counts = mail.status_counts()
    suppressed = counts.pop(mail.SUPPRESSED)
    echo_counts(counts, 8)
    if suppressed:
        click.echo(
            _(
                "not delivered (no mail server) %(num)d: %(why)s",
                num=suppressed,
                why=NO_MAIL_SERVER,
            )
        )
    if counts[mail.PENDING] or counts[mail.FAILED]:
        error = mail.latest_error()
        if error:
            click.echo(_("last error: %(error)s", error=error))
        if counts[mail.PENDING]:
            when = f"{mail.next_retry_at():%Y-%m-%d %H:%M:%S}"
            click.echo(_("next retry: %(when)s UTC", when=when))
        if counts[mail.FAILED]:
            click.echo(_("Failed mails are not retried; 'send-mail --retry-failed' revives them."))
    _inbound_status(latest)


def _inbound_status(latest: int) -> None:
    from .inbound import status

    counts = status.outcome_counts()
    click.echo(_("inbound: %(counts)s", counts=outcome_counts(counts)))
    for row in status.latest(latest):
        # The reason is the record's own text, kept as it was written when the mail came.
        reason = f" ({row.reason})" if row.reason else ""
        click.echo(
            f"  {row.received_at:%Y-%m-%d %H:%M:%S} {row.via:4} {row.sender or '?'}: "
            f"{outcome_word(row.outcome)}{reason}"
        )


def _log_each_mail() -> None:
    """One line per inbound mail on stderr (the pipeline logs it at INFO)."""
    logger = logging.getLogger("flask_order_messages.inbound")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)


@click.command("receive-mail")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8025, show_default=True)
@click.option("--lmtp", is_flag=True, help="Speak LMTP (for a local mail server) instead of SMTP.")
def receive_mail(host: str, port: int, lmtp: bool) -> None:
    """Receive replies by mail: an SMTP (or LMTP) server for the reply domain, which the
    shop's mail server forwards to.  Runs until SIGTERM or Ctrl-C."""
    from flask import current_app

    from .inbound.smtp import serve

    _log_each_mail()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        serve(app, host=host, port=port, lmtp=lmtp)
    except (RuntimeError, OSError) as exc:
        raise click.ClickException(str(exc)) from None


@click.command("fetch-mail")
@with_appcontext
@click.option(
    "--loop",
    "every",
    type=click.IntRange(min=1),
    default=None,
    metavar="SECONDS",
    help="Keep fetching, every SECONDS, until stopped (default: once).",
)
def fetch_mail(every: int | None) -> None:
    """Read replies by mail from the IMAP mailbox (ORDER_MESSAGES_IMAP_*), post them, and
    move each handled mail to the done folder."""
    from flask import current_app

    from .inbound.imap import FetchError, fetch_once

    _log_each_mail()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    while True:
        try:
            report = fetch_once(app)
        except FetchError as exc:
            if every is None:
                raise click.ClickException(str(exc)) from None
            click.echo(_("%(error)s; trying again in %(num)d s", error=exc, num=every), err=True)
        else:
            outcomes = outcome_counts(dict(sorted(report.outcomes.items())))
            click.echo(
                ngettext(
                    "fetched %(num)d mail(s) (%(outcomes)s); left for the next run: %(left)d",
                    "fetched %(num)d mail(s) (%(outcomes)s); left for the next run: %(left)d",
                    report.handled,
                    outcomes=outcomes or _("none"),
                    left=report.left,
                )
            )
        if every is None:
            return
        try:
            time.sleep(every)
        except KeyboardInterrupt:
            return


MAIL_COMMANDS = (send_mail, mail_status, receive_mail, fetch_mail)
