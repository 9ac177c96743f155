"""``flask seed`` fills the demo shop; ``flask logins`` prints who can log in."""

from __future__ import annotations

import logging
from collections.abc import Callable

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from .models import User, db


def _database() -> str:
    return db.engine.url.render_as_string(hide_password=True)


def _remove_attachment_files() -> None:
    """With the data gone, the files of the default local storage belong to nothing."""
    import shutil

    from flask_order_messages.storage import LocalFolderStorage, current_storage

    storage = current_storage()
    if isinstance(storage, LocalFolderStorage):
        shutil.rmtree(storage.folder, ignore_errors=True)


@click.command("seed")
@click.option("--if-empty", is_flag=True, help="Do nothing when the shop already has users.")
@click.option("--reset", is_flag=True, help="Delete every table's data first, then seed.")
@with_appcontext
def seed_command(if_empty: bool, reset: bool) -> None:
    """Create demo products, staff, customers, orders and message threads (and, with
    SHOP_MARKETPLACE=1, the vendors; --if-empty adds them to a shop seeded without)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if reset:
        db.drop_all()
        db.create_all()
        _remove_attachment_files()
    users = db.session.scalar(db.select(db.func.count(User.id)))
    if users:
        if if_empty and _needs_vendors():
            _seed_quietly(app, _seed_vendors_only)
            return
        if if_empty:
            click.echo(f"The shop already has {users} users; not seeding ({_database()}).")
            return
        raise click.ClickException(
            f"The shop already has {users} users. Use --if-empty to skip seeding, "
            "or --reset to wipe the data and seed again."
        )
    _seed_quietly(app, _seed_all)


def _seed_quietly(app: Flask, run: Callable[[], None]) -> None:
    """``run`` the seed in a request context, its mail written to the outbox, never sent."""
    mail_state = app.extensions["mail"]
    mail_log = logging.getLogger("example_shop.mail")
    # Demo addresses are made up: never send seed mail, and keep the log for real traffic.
    suppress, level = mail_state.suppress, mail_log.level
    mail_state.suppress, mail_log.level = True, logging.WARNING
    try:
        with app.test_request_context("/"), mail_state.record_messages() as outbox:
            run()
    finally:
        mail_state.suppress, mail_log.level = suppress, level
    click.echo(f"  {len(outbox)} notification mails written (not sent while seeding)")


def _needs_vendors() -> bool:
    """Marketplace mode switched on in a shop seeded without it: it has no vendors yet."""
    from . import marketplace
    from .seed_marketplace import has_vendors

    return marketplace.enabled() and not has_vendors()


def _echo_vendors(counts: dict[str, int]) -> None:
    click.echo(
        f"  marketplace: {counts['vendors']} vendors with {counts['vendor_products']} products, "
        f"{counts['vendor_staff']} staff logins, {counts['vendor_orders']} orders, "
        f"{counts['vendor_threads']} threads (flask logins prints the logins)"
    )


def _seed_vendors_only() -> None:
    from .seed_marketplace import seed_marketplace

    click.echo(f"Seeded the marketplace's vendors in {_database()}:")
    _echo_vendors(seed_marketplace())


def _seed_all() -> None:
    from .seed import seed

    counts = seed()
    click.echo(f"Seeded the demo shop in {_database()}:")
    click.echo(f"  {counts['products']} products, {counts['orders']} orders")
    click.echo(f"  {counts['staff']} staff and {counts['customers']} customers")
    click.echo(
        f"  {counts['threads']} message threads, {counts['unread_for_admin']} of them unread "
        f"for Admin Admin, {counts['open_disputes']} open dispute "
        f"({counts['overdue_disputes']} overdue)"
    )
    click.echo(f"  {counts['canned_replies']} canned replies")
    if "vendors" in counts:
        _echo_vendors(counts)


@click.command("logins")
@with_appcontext
def logins_command() -> None:
    """Print the demo logins."""
    from . import marketplace
    from .seed import DEMO_USERS
    from .seed_marketplace import login_rows

    existing = set(db.session.scalars(db.select(User.email)))
    if not existing:
        raise click.ClickException("The shop has no users yet. Run: flask seed")
    rows = [("Role", "Name", "Email", "Password")]
    rows += [
        ("staff" if staff else "customer", name, email, password)
        for name, email, password, staff in DEMO_USERS
        if email in existing
    ]
    if marketplace.enabled():
        # The plain demo's staff are the marketplace's own admins in marketplace mode.
        rows = [(("marketplace " + r[0]) if r[0] == "staff" else r[0], *r[1:]) for r in rows]
        rows += login_rows(existing)
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    click.echo("Demo logins:")
    for n, row in enumerate(rows):
        click.echo(
            "  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        )
        if n == 0:
            click.echo("  " + "  ".join("-" * w for w in widths))
    click.echo("Staff: /admin    Customers: /account/orders")
    click.echo("Mailbox (demo), for staff: /admin/mailbox/ (the mails the shop sent, to reply to)")


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address the shop serves on.")
@click.option("--port", default=5000, show_default=True, type=int, help="The shop's port.")
@click.option(
    "--mail-port",
    envvar="DEMO_MAIL_SINK_PORT",
    default=8025,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="Port of the demo's mail sink on 127.0.0.1 (or $DEMO_MAIL_SINK_PORT).",
)
def demo_command(host: str, port: int, mail_port: int) -> None:
    """Serve the demo shop; without MAIL_SERVER, with a local mail sink that catches its mail.

    The shop delivers its mail over SMTP to the sink (aiosmtpd on 127.0.0.1:MAIL_PORT); staff
    read each caught mail, and answer it as a mail client would, on Mailbox (demo)."""
    import os

    from werkzeug.serving import run_simple

    from .app import create_app
    from .demo_mail import demo_mail_config, start_sink

    sink = None
    if os.environ.get("MAIL_SERVER"):
        app = create_app()
        click.echo(f"Mail goes to MAIL_SERVER {os.environ['MAIL_SERVER']}; no demo mail sink.")
    else:
        app = create_app(demo_mail_config(mail_port))
        try:
            sink = start_sink(app, mail_port)
        except OSError as exc:
            raise click.ClickException(
                f"The demo mail sink cannot listen on 127.0.0.1:{mail_port} ({exc.strerror}). "
                "Is another demo running? Set DEMO_MAIL_SINK_PORT to a free port."
            ) from None
        click.echo(
            f"Mail: delivered over SMTP to the demo mail sink on 127.0.0.1:{mail_port}; read and "
            f"answer it on Mailbox (demo): http://{host}:{port}/admin/mailbox/ (log in as staff)"
        )
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        if sink is not None:
            sink.stop()


def register_cli(app: Flask) -> None:
    app.cli.add_command(seed_command)
    app.cli.add_command(logins_command)
    app.cli.add_command(demo_command)
