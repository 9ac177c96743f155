"""The app factory: ``create_app(config)``.

Configuration, lowest priority first: the defaults below, the environment (``SECRET_KEY``,
``SHOP_DATABASE_URL``, ``MAIL_SERVER``, ``MAIL_PORT``, and for replies by mail
``ORDER_MESSAGES_REPLY_DOMAIN``, ``ORDER_MESSAGES_INBOUND_SECRET``, ``SERVER_NAME``;
``SHOP_MARKETPLACE=1`` for marketplace mode), then
the ``config`` dict a caller passes (tests pass ``SQLALCHEMY_DATABASE_URI``, ``SECRET_KEY``,
``TESTING``...).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_mail import Mail, email_dispatched
from flask_wtf.csrf import CSRFError, CSRFProtect

from . import language, marketplace
from .auth import bp as auth_bp
from .auth import login_manager
from .cli import register_cli
from .messaging import order_messages
from .models import db, money
from .views import admin, mailbox, storefront

mail = Mail()
csrf = CSRFProtect()
mail_log = logging.getLogger("example_shop.mail")


def _defaults() -> dict[str, Any]:
    config: dict[str, Any] = {
        "SECRET_KEY": os.environ.get("SECRET_KEY", "dev-only-secret-change-me"),
        # Relative SQLite paths land in the instance folder (<repo>/instance/shop.sqlite).
        "SQLALCHEMY_DATABASE_URI": os.environ.get("SHOP_DATABASE_URL", "sqlite:///shop.sqlite"),
        "MAIL_DEFAULT_SENDER": "Example Shop <shop@example.com>",
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_HTTPONLY": True,
        "ORDER_MESSAGES_ADMIN_LAYOUT": "shop/admin/layout.html",
        "ORDER_MESSAGES_CUSTOMER_LAYOUT": "shop/layout.html",
        # A small team's inbox: a thread one staff member read is read for all, and nobody's
        # bell lights up for a colleague's answer (README, "Team inbox: shared read state").
        "ORDER_MESSAGES_READ_STATE": "shared",
        # Webhooks to a receiver on this machine are fine in the demo (docs/webhooks.md).
        "ORDER_MESSAGES_WEBHOOK_ALLOW_PRIVATE": True,
        "SHOP_ORDERS_PER_PAGE": 15,
        # No request over 32 MiB is read at all (a reply with files is at most 20 MiB of
        # files, ORDER_MESSAGES_MAX_ATTACHMENTS_TOTAL_BYTES); the extension answers a bigger
        # one on its forms with a 413 page that says the limits.
        "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
        # Set by ``flask demo``, which starts the demo's mail sink on this port and delivers the
        # shop's mail to it (example_shop/demo_mail.py); the admin then links Mailbox (demo).
        "DEMO_MAIL_SINK_PORT": None,
        # Marketplace mode (example_shop/README.md): vendors, their staff, arbitration.
        "SHOP_MARKETPLACE": os.environ.get("SHOP_MARKETPLACE", "").lower()
        not in ("", "0", "false", "no", "off"),
    }
    if os.environ.get("MAIL_SERVER"):
        config["MAIL_SERVER"] = os.environ["MAIL_SERVER"]
        config["MAIL_PORT"] = int(os.environ.get("MAIL_PORT", "25"))
    else:
        config["MAIL_SUPPRESS_SEND"] = True
    for key in ("ORDER_MESSAGES_REPLY_DOMAIN", "ORDER_MESSAGES_INBOUND_SECRET", "SERVER_NAME"):
        if os.environ.get(key):
            config[key] = os.environ[key]
    return config


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the shop.  ``config`` overrides the defaults and the environment."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(_defaults())
    app.config.update(config or {})
    os.makedirs(app.instance_path, exist_ok=True)

    db.init_app(app)
    mail.init_app(app)  # before the extension, so it uses this Mail and its settings
    csrf.init_app(app)
    login_manager.init_app(app)
    marketplace.apply(app)  # the vendor hooks, before init_app checks the hooks
    language.init_app(app)  # the shop's own Flask-Babel, which the extension follows
    order_messages.init_app(app)

    app.register_blueprint(auth_bp)
    app.register_blueprint(storefront.bp)
    app.register_blueprint(admin.bp, url_prefix="/admin")
    app.register_blueprint(mailbox.bp, url_prefix="/admin/mailbox")
    app.jinja_env.filters["money"] = money
    register_cli(app)
    _register_errors(app)
    _setup_mail_log()
    if app.config.get("BENCH_SQL_COUNT"):
        from .bench import install  # bench/run.py only: SQL counter header, bare endpoint

        install(app)

    with app.app_context():
        db.create_all()
    return app


def _register_errors(app: Flask) -> None:
    def page(code: int, title: str, message: str) -> tuple[str, int]:
        return render_template("shop/error.html", code=code, title=title, message=message), code

    @app.errorhandler(403)
    def forbidden(exc: Exception) -> tuple[str, int]:
        if getattr(exc, "description", None) == marketplace.MARKETPLACE_ONLY:
            return page(403, _("Marketplace staff only"), marketplace.MARKETPLACE_ONLY)
        return page(403, _("Staff only"), _("This part of the shop is for store staff."))

    @app.errorhandler(404)
    def not_found(exc: Exception) -> tuple[str, int]:
        return page(404, _("Page not found"), _("There is nothing at this address."))

    @app.errorhandler(CSRFError)
    def csrf_failed(exc: CSRFError) -> tuple[str, int]:
        return page(
            400, _("Please try again"), _("The form expired. Reload the page and send it again.")
        )


def _setup_mail_log() -> None:
    """Log every mail, so the demo shows mail happening even with sending suppressed."""
    if not mail_log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[mail] %(message)s"))
        mail_log.addHandler(handler)
        mail_log.setLevel(logging.INFO)
        mail_log.propagate = False


@email_dispatched.connect
def _log_mail(app: Flask, message: Any, **_: Any) -> None:
    state = app.extensions["mail"]
    how = "not sent, no MAIL_SERVER" if state.suppress else f"sent to {state.server}:{state.port}"
    mail_log.info("to %s: %s (%s)", ", ".join(message.recipients), message.subject, how)
