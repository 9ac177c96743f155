"""``create_app()``: the shop with Flask-Security-Too, and its ``flask seed`` command.

Configuration, lowest priority first: the defaults below, the environment (``SERVER_NAME``,
``PREFERRED_URL_SCHEME``, ``SECRET_KEY``, ``SECURITY_PASSWORD_SALT``, ``SHOP_DATABASE_URL``,
``MAIL_SERVER``), then ``config``.
"""

from __future__ import annotations

import os
from typing import Any

import click
from flask import Flask, render_template
from flask.cli import with_appcontext
from flask_mail import Mail
from flask_security import Security, SQLAlchemyUserDatastore, hash_password
from flask_wtf.csrf import CSRFError, CSRFProtect

from .messaging import STAFF_ROLE, order_messages
from .models import Order, Role, User, db
from .views import admin, shop

mail = Mail()
csrf = CSRFProtect()
security = Security()
user_datastore = SQLAlchemyUserDatastore(db, User, Role)

# (email, password, staff?) - printed by ``flask seed``.
DEMO_USERS = [
    ("admin@example.com", "admin1234", True),
    ("carol@example.com", "carol1234", False),
    ("dan@example.com", "dan12345", False),
]
# (number, customer, item, cents)
DEMO_ORDERS = [
    ("S-1001", "carol@example.com", "Gooseneck kettle", 6900),
    ("S-1002", "carol@example.com", "House espresso beans, 1 kg", 2400),
    ("S-1003", "dan@example.com", "Conical burr grinder", 14900),
]


def _defaults() -> dict[str, Any]:
    config: dict[str, Any] = {
        "SECRET_KEY": os.environ.get("SECRET_KEY", "dev-only-secret-change-me"),
        "SECURITY_PASSWORD_SALT": os.environ.get("SECURITY_PASSWORD_SALT", "dev-only-salt"),
        # Pure Python, no extra package; install flask-security-too[common] for argon2.
        "SECURITY_PASSWORD_HASH": "pbkdf2_sha512",
        # Logging out changes state: a POST with a CSRF token, like every other change.
        "SECURITY_LOGOUT_METHODS": ["POST"],
        # Demo addresses at example.com: no DNS lookup when a form checks an address.
        "SECURITY_EMAIL_VALIDATOR_ARGS": {"check_deliverability": False},
        "SQLALCHEMY_DATABASE_URI": os.environ.get(
            "SHOP_DATABASE_URL", "sqlite:///security_shop.sqlite"
        ),
        "MAIL_DEFAULT_SENDER": "Security Shop <shop@example.com>",
        "SESSION_COOKIE_SAMESITE": "Lax",
        "ORDER_MESSAGES_ADMIN_LAYOUT": "security_shop/admin/layout.html",
        "ORDER_MESSAGES_CUSTOMER_LAYOUT": "security_shop/layout.html",
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
    # CSRFProtect before Security: Flask-Security-Too looks for it when it starts.
    csrf.init_app(app)
    security.init_app(app, user_datastore)
    # After Security, whose LoginManager the extension's pages then use (its login view).
    order_messages.init_app(app)

    app.register_blueprint(shop)
    app.register_blueprint(admin, url_prefix="/admin")
    app.cli.add_command(seed_command)

    @app.errorhandler(403)
    def forbidden(exc: Exception) -> tuple[str, int]:
        title = "This part of the shop is for store staff."
        return render_template("security_shop/error.html", title=title), 403

    @app.errorhandler(404)
    def not_found(exc: Exception) -> tuple[str, int]:
        return render_template("security_shop/error.html", title="Page not found"), 404

    @app.errorhandler(CSRFError)
    def csrf_failed(exc: CSRFError) -> tuple[str, int]:
        title = "The form expired. Reload the page and send it again."
        return render_template("security_shop/error.html", title=title), 400

    with app.app_context():
        db.create_all()
    return app


@click.command("seed")
@with_appcontext
def seed_command() -> None:
    """Create the staff role, demo users and orders (once; run again, it does nothing)."""
    if db.session.scalar(db.select(User).limit(1)) is not None:
        click.echo("The shop has users already; nothing done.")
        return
    staff = user_datastore.find_or_create_role(STAFF_ROLE, description="Store staff")
    users = {}
    for email, password, is_staff in DEMO_USERS:
        users[email] = user_datastore.create_user(
            email=email, password=hash_password(password), roles=[staff] if is_staff else []
        )
    for number, email, item, cents in DEMO_ORDERS:
        db.session.add(Order(number=number, customer=users[email], item=item, total_cents=cents))
    db.session.commit()
    click.echo("Log in with:")
    for email, password, is_staff in DEMO_USERS:
        click.echo(f"  {email} / {password}{'  (staff)' if is_staff else ''}")
