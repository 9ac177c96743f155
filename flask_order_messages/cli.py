"""``flask order-messages ...``: the RQ worker, disputes that expire, attachment files left
behind, read floors, the schema's migrations; mail, both ways, in :mod:`.cli_mail`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from .i18n import gettext as _
from .i18n import lazy_pgettext, ngettext

cli_group = AppGroup("order-messages", help="Order messages: mail outbox and workers.")


def _add_mail_commands() -> None:
    from .cli_db import db_group
    from .cli_mail import MAIL_COMMANDS
    from .cli_tokens import TOKEN_COMMANDS
    from .cli_webhooks import WEBHOOK_COMMANDS

    for command in (*MAIL_COMMANDS, *WEBHOOK_COMMANDS, *TOKEN_COMMANDS, db_group):
        cli_group.add_command(command)


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
            _(
                "The worker needs RQ (%(error)s): pip install 'flask-order-messages[queue]'.",
                error=exc,
            )
        ) from exc
    except Exception as exc:  # noqa: BLE001 - tell the operator, not a traceback
        raise click.ClickException(
            _(
                "Cannot run the worker: %(error)s. Is Redis running at ORDER_MESSAGES_REDIS_URL?",
                error=exc,
            )
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
    from .model_types import Dispute
    from .services import deadlines, expire_disputes
    from .state import current_order_messages as ext
    from .state import current_settings

    wait = days if days is not None else current_settings.dispute_expire_days
    if not wait:
        click.echo(
            _(
                "Disputes never expire here: ORDER_MESSAGES_DISPUTE_EXPIRE_DAYS is 0. "
                "Pass --days N to expire those quiet for N days anyway."
            )
        )
        return
    due = deadlines.expirable_disputes(wait)
    number = ext.hooks.order_number

    def label(dispute: Dispute) -> str:
        thread = ext.db.session.get(ext.models.Thread, dispute.thread_id)
        order = ext.get_order(thread.order_id) if thread is not None else None
        if order is not None:
            return _("order #%(number)s", number=number(order))
        return _("thread %(id)s", id=dispute.thread_id)

    if dry_run:
        click.echo(
            ngettext(
                "%(num)d open dispute quiet for %(days)d days or more would expire:",
                "%(num)d open disputes quiet for %(days)d days or more would expire:",
                len(due),
                days=wait,
            )
        )
        for dispute in due:
            opened = f"{dispute.opened_at:%Y-%m-%d %H:%M}"
            click.echo("  " + _("%(what)s, opened %(when)s UTC", what=label(dispute), when=opened))
        return
    from flask import current_app

    from .transactions import unit_of_work

    # The mails link to the order pages: URLs need a request (SERVER_NAME makes them right).
    with current_app.test_request_context("/"), unit_of_work():
        closed = expire_disputes(wait)  # each dispute's mail and signal follow the commit
    click.echo(
        ngettext(
            "Expired %(num)d dispute quiet for %(days)d days or more.",
            "Expired %(num)d disputes quiet for %(days)d days or more.",
            len(closed),
            days=wait,
        )
    )
    for dispute in closed:
        click.echo(f"  {label(dispute)}")


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
    if dry_run:
        said = ngettext(
            "Would remove %(num)d attachment file that no message names.",
            "Would remove %(num)d attachment files that no message names.",
            len(orphans),
        )
    else:
        said = ngettext(
            "Removed %(num)d attachment file that no message names.",
            "Removed %(num)d attachment files that no message names.",
            len(orphans),
        )
    click.echo(said)


@cli_group.command("reset-read-floors")
def reset_read_floors() -> None:
    """Lower every staff member's read floor to 0 (each is raised again by their next count).
    Run it after writing messages outside the extension in a transaction that stayed open
    for minutes, such as a bulk import: see services/floors.py."""
    from .services import floors
    from .transactions import unit_of_work

    with unit_of_work():
        count = floors.reset_all()
    click.echo(ngettext("Reset %(num)d read floor.", "Reset %(num)d read floors.", count))


@cli_group.command("carry-read-state")
def carry_read_state() -> None:
    """After changing ORDER_MESSAGES_READ_STATE, carry the staff's read marks over to it now:
    "shared", a thread any staff member read is read for the team; "personal", what the team
    read stays read for each staff member.  Otherwise each reader's first count in the new
    mode does it (see services/switching.py).  Then the database's statistics of the read
    pointers are gathered afresh."""
    from .services import switching
    from .state import current_settings

    count = switching.carry_over_now()
    switching.analyze_pointers()
    if current_settings.read_state == "shared":
        click.echo(_("Carried the staff's read marks over to the team's shared ones."))
    else:
        click.echo(
            ngettext(
                "Carried the team's read marks over to %(num)d staff member.",
                "Carried the team's read marks over to %(num)d staff members.",
                count,
            )
        )


@cli_group.command("reindex")
@click.option("--batch-size", default=500, show_default=True, help="Threads per commit.")
def reindex(batch_size: int) -> None:
    """Write every thread's order number, as the pages show it (the order_number hook), and
    its customer's name and email into its staff search document, so that searching them
    finds it.  Run it after changing the order_number hook, after customers change their
    names or emails, or after loading threads with SQL."""
    from .services import index_order_numbers
    from .transactions import unit_of_work

    with unit_of_work():
        count = index_order_numbers(batch_size=batch_size)
    click.echo(
        ngettext(
            "Indexed the order number and customer of %(num)d thread.",
            "Indexed the order numbers and customers of %(num)d threads.",
            count,
        )
    )


@cli_group.command("assign-vendors")
@click.option("--batch-size", default=500, show_default=True, help="Threads per commit.")
def assign_vendors(batch_size: int) -> None:
    """Marketplaces: write each thread's vendor from the order_vendor hook.  Run it once
    after upgrading a marketplace that had threads to migration 0012, and after moving
    orders to another vendor.  It lowers every read floor to 0 (each is raised again by its
    owner's next count)."""
    from .services import vendors
    from .transactions import unit_of_work

    if not vendors.enabled():
        raise click.ClickException(
            _(
                "This shop has no vendors: register the order_vendor hook first (see the "
                "README's Marketplaces)."
            )
        )
    with unit_of_work():
        looked, changed = vendors.assign_vendors(batch_size=batch_size)
    click.echo(
        ngettext(
            "Looked at %(num)d thread; %(changed)d changed vendor.",
            "Looked at %(num)d threads; %(changed)d changed vendor.",
            looked,
            changed=changed,
        )
    )


@cli_group.command("notify-overdue")
def notify_overdue() -> None:
    """Marketplaces: mail the marketplace's staff (staff_recipients) about each dispute a
    vendor let pass its respond-by time unanswered, once per dispute.  Run it from cron,
    every quarter of an hour or so."""
    from flask import current_app

    from .services import deadlines
    from .transactions import unit_of_work

    # The mails link to the order pages: URLs need a request (SERVER_NAME makes them right).
    with current_app.test_request_context("/"), unit_of_work():
        told = deadlines.tell_marketplace_of_overdue()  # the mails go after the commit
    click.echo(
        ngettext(
            "Told the marketplace of %(num)d overdue dispute.",
            "Told the marketplace of %(num)d overdue disputes.",
            len(told),
        )
    )


#: A finding's tag and colour by its level.  The tags are translated: people read them, and no
#: script should parse the doctor's words (its exit code says whether there was an error).
_LABELS = {
    "ok": (lazy_pgettext("doctor tag", "ok"), "green"),
    "warning": (lazy_pgettext("doctor tag", "WARN"), "yellow"),
    "error": (lazy_pgettext("doctor tag", "ERROR"), "red"),
}


@cli_group.command("doctor")
@click.option(
    "--order", "order_key", metavar="KEY", help="Check with this order (default: the newest)."
)
@click.option(
    "--user",
    "user_key",
    metavar="KEY",
    help="Check with this user: a staff member, or a customer (then their newest order is used).",
)
def doctor(order_key: str | None, user_key: str | None) -> None:
    """Check the shop's integration against a real order and its users: hooks, mail, layouts,
    tables, rate limit.  Prints each problem with its fix; exits 1 if any is an error."""
    import textwrap
    from functools import partial

    from . import doctor as checks

    try:
        subjects = checks.find_subjects(order_key, user_key)
    except checks.DoctorError as exc:
        raise click.ClickException(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - the shop's own tables cannot be read
        raise click.ClickException(
            _(
                "Cannot read the shop's orders and users: %(brief)s. Check "
                "SQLALCHEMY_DATABASE_URI and that the database is up.",
                brief=checks.brief(exc),
            )
        ) from None
    click.echo(checks.describe(subjects))
    findings = checks.run_checks(subjects)
    # The tags in a column as wide as the longest one in the reader's language (6 in English).
    width = max(5, *(len(str(label)) for label, _color in _LABELS.values())) + 1
    for finding in findings:
        label, color = _LABELS[finding.level]
        # Whole words and URLs on a line: a link can be copied from the terminal.
        wrap = partial(textwrap.wrap, width=88, break_long_words=False, break_on_hyphens=False)
        lines = wrap(f"{checks.check_name(finding.check)}: {finding.text}") or [""]
        if finding.fix:
            lines += wrap(_("fix: %(fix)s", fix=finding.fix))
        tag = click.style(f"{str(label):<{width}}", fg=color, bold=finding.level != "ok")
        click.echo(tag + f" {lines[0]}")
        for line in lines[1:]:
            click.echo(f"{'':{width}} {line}")
    errors = sum(f.level == "error" for f in findings)
    warnings = sum(f.level == "warning" for f in findings)
    click.echo(
        "\n"
        + _(
            "%(errors)s, %(warnings)s.",
            errors=ngettext("%(num)d error", "%(num)d errors", errors),
            warnings=ngettext("%(num)d warning", "%(num)d warnings", warnings),
        )
    )
    if errors:
        raise SystemExit(1)


_add_mail_commands()
