"""``create_app()``: the shop with a Flask-Admin admin area, and its ``flask seed`` command.

Configuration, lowest priority first: the defaults below, the environment (``SERVER_NAME``,
``PREFERRED_URL_SCHEME``, ``SECRET_KEY``, ``SHOP_DATABASE_URL``, ``MAIL_SERVER``), then ``config``.
"""

from __future__ import annotations

import os
from typing import Any

import click
from flask import Flask, render_template
from flask.cli import with_appcontext
from flask_mail import Mail
from flask_wtf.csrf import CSRFError, CSRFProtect

from . import auth, views
from .admin import init_admin
from .messaging import order_messages
from .models import Order, User, db

mail = Mail()
csrf = CSRFProtect()

# (name, email, password, staff?) - printed by ``flask seed``.
DEMO_USERS = [
    ("Ada Admin", "admin@example.com", "admin1234", True),
    ("Carol Customer", "carol@example.com", "carol1234", False),
    ("Dan Dawson", "dan@example.com", "dan12345", False),
]
# (number, customer, item, cents)
DEMO_ORDERS = [
    ("A-2001", "carol@example.com", "Gooseneck kettle", 6900),
    ("A-2002", "carol@example.com", "Paper filters, 100 pcs", 690),
    ("A-2003", "dan@example.com", "Travel mug", 1995),
]


def _defaults() -> dict[str, Any]:
    config: dict[str, Any] = {
        "SECRET_KEY": os.environ.get("SECRET_KEY", "dev-only-secret-change-me"),
        "SQLALCHEMY_DATABASE_URI": os.environ.get(
            "SHOP_DATABASE_URL", "sqlite:///admin_shop.sqlite"
        ),
        "MAIL_DEFAULT_SENDER": "Admin Shop <shop@example.com>",
        "SESSION_COOKIE_SAMESITE": "Lax",
        # The extension's staff pages inside Flask-Admin's layout, customers' in the shop's.
        "ORDER_MESSAGES_ADMIN_LAYOUT": "admin_shop/messages_layout.html",
        "ORDER_MESSAGES_CUSTOMER_LAYOUT": "admin_shop/layout.html",
    }
    # Mail sent outside a request (a job, ``flask order-messages expire-disputes``) links
    # to the shop only when Flask knows its address.
    for key in ("SERVER_NAME", "PREFERRED_URL_SCHEME"):
        if os.environ.get(key):
            config[key] = os.environ[key]
    if os.environ.get("MAIL_SERVER"):
        config["MAIL_SERVER"] = os.environ["MAIL_SERVER"]
        config["MAIL_PORT"] = int(os.environ.get("MAIL_PORT", "25"))
    else:
        config["MAIL_SUPPRESS_SEND"] = True
    return config


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the shop.  ``config`` overrides the defaults and the environment."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(_defaults())
    app.config.update(config or {})
    os.makedirs(app.instance_path, exist_ok=True)

    db.init_app(app)
    mail.init_app(app)
    csrf.init_app(app)
    auth.login_manager.init_app(app)
    order_messages.init_app(app)
    init_admin(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(views.bp)
    app.cli.add_command(seed_command)

    @app.errorhandler(403)
    def forbidden(exc: Exception) -> tuple[str, int]:
        title = "This part of the shop is for store staff."
        return render_template("admin_shop/error.html", title=title), 403

    @app.errorhandler(404)
    def not_found(exc: Exception) -> tuple[str, int]:
        return render_template("admin_shop/error.html", title="Page not found"), 404

    @app.errorhandler(CSRFError)
    def csrf_failed(exc: CSRFError) -> tuple[str, int]:
        title = "The form expired. Reload the page and send it again."
        return render_template("admin_shop/error.html", title=title), 400

    with app.app_context():
        db.create_all()
    return app


@click.command("seed")
@with_appcontext
def seed_command() -> None:
    """Create demo users and orders (once; run again, it does nothing)."""
    if db.session.scalar(db.select(User).limit(1)) is not None:
        click.echo("The shop has users already; nothing done.")
        return
    users = {}
    for name, email, password, is_admin in DEMO_USERS:
        user = users[email] = User(name=name, email=email, is_admin=is_admin)
        user.set_password(password)
        db.session.add(user)
    for number, email, item, cents in DEMO_ORDERS:
        db.session.add(Order(number=number, customer=users[email], item=item, total_cents=cents))
    db.session.commit()
    click.echo("Log in with:")
    for _name, email, password, is_admin in DEMO_USERS:
        click.echo(f"  {email} / {password}{'  (staff)' if is_admin else ''}")
