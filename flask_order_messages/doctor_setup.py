"""The doctor's checks of the app's set-up: layouts and their blocks, the tables' migration,
the rate limit's storage, retired configuration keys, the mail sender and mail links (see
:mod:`.doctor`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import partial
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_request_context, url_for

from .doctor import ERROR, OK, WARNING, Finding, Subjects, brief
from .i18n import gettext as _
from .state import current_order_messages as ext
from .state import current_settings


def check_schema() -> list[Finding]:
    """The extension's tables are at the newest migration."""
    check = "tables"
    try:
        from . import schema
    except ImportError as exc:
        return [
            Finding(
                ERROR,
                check,
                _("cannot check the migrations: %(brief)s.", brief=brief(exc)),
                _("Install Alembic (pip install alembic)."),
            )
        ]
    try:
        now, head = schema.current(), schema.head()
    except Exception as exc:  # noqa: BLE001 - the database is down or refuses
        return [
            Finding(
                ERROR,
                check,
                _("cannot read the database: %(brief)s.", brief=brief(exc)),
                _("Check SQLALCHEMY_DATABASE_URI and that the database is up."),
            )
        ]
    upgrade = _("Run: %(command)s", command="flask order-messages db upgrade")
    if now == head:
        return [Finding(OK, check, _("at the newest migration (%(head)s).", head=head))]
    if now is not None:
        return [
            Finding(
                ERROR,
                check,
                _("at migration %(now)s; this version needs %(head)s.", now=now, head=head),
                _("%(run)s (back up the database first).", run=upgrade),
            )
        ]
    names = [getattr(ext.models, f.name).__table__.name for f in dataclasses.fields(ext.models)]
    inspector = sa.inspect(ext.db.session.get_bind(mapper=sa.inspect(ext.models.Message)))
    missing = [n for n in names if not inspector.has_table(n)]
    if missing:
        return [
            Finding(ERROR, check, _("missing: %(items)s.", items=", ".join(missing)), f"{upgrade}.")
        ]
    return [
        Finding(
            WARNING,
            check,
            _(
                "all there, but with no migration history (made by "
                "db.create_all()): the next upgrade cannot tell where they are."
            ),
            _("Run once: flask order-messages db stamp head"),
        )
    ]


def _limiter_storage() -> tuple[Any | None, str]:
    from .ratelimit import host_limiter

    limiter = host_limiter(current_app)
    if limiter is None:
        return None, ""
    return limiter.storage, getattr(limiter, "_storage_uri", None) or ""


def check_rate_limit() -> list[Finding]:
    """The posting limit counts in a storage every worker shares."""
    check = "rate limit"
    if not current_settings.post_rate_limit:
        return [Finding(OK, check, _("off (ORDER_MESSAGES_POST_RATE_LIMIT is empty)."))]
    from limits.storage import MemoryStorage

    try:
        storage, uri = _limiter_storage()
    except Exception as exc:  # noqa: BLE001 - an unreachable storage raises on first use
        return [
            Finding(
                WARNING,
                check,
                _("its storage cannot be opened: %(brief)s.", brief=brief(exc)),
                _("Check ORDER_MESSAGES_RATE_LIMIT_STORAGE (or your Limiter's storage)."),
            )
        ]
    if storage is None:
        return [
            Finding(
                WARNING,
                check,
                _(
                    "no Flask-Limiter is active (RATELIMIT_ENABLED is "
                    "off?), so posting is not limited."
                ),
                _(
                    "Leave RATELIMIT_ENABLED on, or set ORDER_MESSAGES_POST_RATE_LIMIT = "
                    "None to say you want no limit."
                ),
            )
        ]
    limit = current_settings.post_rate_limit
    if isinstance(storage, MemoryStorage):
        return [
            Finding(
                WARNING,
                check,
                _(
                    "counts in each process's memory (%(uri)s): with several workers (gunicorn "
                    "-w 4, uWSGI processes) each worker counts alone, so one person can post "
                    "%(limit)s once per worker.",
                    uri=uri or "memory://",
                    limit=repr(limit),
                ),
                _(
                    "Point ORDER_MESSAGES_RATE_LIMIT_STORAGE (or your own Limiter's "
                    "RATELIMIT_STORAGE_URI) at a store the workers share, e.g. "
                    "'redis://127.0.0.1:6379/1'. Fine as it is with a single process."
                ),
            )
        ]
    try:
        answers = bool(storage.check())
    except Exception:  # noqa: BLE001 - same as not answering
        answers = False
    if not answers:
        return [
            Finding(
                WARNING,
                check,
                _(
                    "its storage %(uri)s does not answer: meanwhile each process counts in its "
                    "own memory.",
                    uri=repr(uri),
                ),
                _("Start it, or fix the URI."),
            )
        ]
    return [
        Finding(
            OK,
            check,
            _(
                "%(limit)s, counted in %(uri)s.",
                limit=repr(limit),
                uri=uri or type(storage).__name__,
            ),
        )
    ]


# -- configuration ------------------------------------------------------------------------------


def check_retired_keys() -> list[Finding]:
    """Keys that are still accepted but do nothing any more (nothing to say when none is set)."""
    from .config import PREFIX
    from .config_targets import RETIRED_KEYS, retired_keys_set

    return [
        Finding(
            WARNING,
            "config",
            _(
                "%(key)s is no longer used: %(value)s.",
                key=key,
                value=RETIRED_KEYS[key[len(PREFIX) :]],
            ),
            _("Remove %(key)s from your configuration.", key=key),
        )
        for key in retired_keys_set(current_app.config)
    ]


# -- mail ---------------------------------------------------------------------------------------


def check_mail_sender() -> list[Finding]:
    """A From address is set while mail is on."""
    if not current_settings.mail_enabled:
        return [Finding(OK, "mail sender", _("not needed: mail is off."))]
    sender = current_settings.mail_sender or current_app.config.get("MAIL_DEFAULT_SENDER")
    if not sender:
        return [
            Finding(
                ERROR,
                "mail sender",
                _(
                    "no sender is set: every notification mail "
                    "fails and is retried until it is given up."
                ),
                _(
                    "Set MAIL_DEFAULT_SENDER = 'Your Shop <shop@example.com>' (or "
                    "ORDER_MESSAGES_MAIL_SENDER for these mails only)."
                ),
            )
        ]
    return [Finding(OK, "mail sender", _("mails come from %(sender)s.", sender=repr(sender)))]


def _mail_link(order: Any, side: str) -> str:
    from .mail import absolute_url

    return absolute_url(ext.thread_url(order, side))


def check_mail_urls(subjects: Subjects) -> list[Finding]:
    """The links in mail written outside a request (``expire-disputes``, a host's own jobs
    that post messages) can be built, and point at the shop rather than ``localhost``."""
    from . import mail
    from .tokens import guest_links_enabled, guest_url

    check = "mail links outside a request"
    if has_request_context():
        return [Finding(WARNING, check, _("not checked: run the doctor from the command line."))]
    builders: list[tuple[str, Callable[[], str]]] = [
        (
            "url_for(..., _external=True)",
            lambda: url_for("order_messages.staff_messages", _external=True),
        ),
    ]
    if subjects.order is not None:
        order = subjects.order
        builders += [
            (_("the %(name)s hook", name=side + "_order_url"), partial(_mail_link, order, side))
            for side in ("staff", "customer")
        ]
        if guest_links_enabled():
            builders.append((_("the guest link"), lambda: mail.absolute_url(guest_url(order))))
    built: dict[str, str] = {}
    failed: dict[str, list[str]] = {}  # the same error from several builders is said once
    for what, build in builders:
        try:
            built[what] = build()
        except Exception as exc:  # noqa: BLE001 - reported with the fix
            failed.setdefault(brief(exc), []).append(what)
    server = current_app.config.get("SERVER_NAME")
    customer_link = _("the %(name)s hook", name="customer_order_url")
    example = built.get(customer_link) or next(iter(built.values()), "")
    fix = _(
        "Set SERVER_NAME = 'shop.example.com' (and PREFERRED_URL_SCHEME = 'https') so that "
        "URLs can be built without a request."
    )
    if failed:
        if server:
            fix = _("Build the URLs in your hooks with url_for(), not from the request.")
        return [
            Finding(
                ERROR,
                check,
                _(
                    "cannot be built (a message posted from a script or a job fails, and "
                    "'expire-disputes' mails link to localhost): %(failures)s",
                    failures="; ".join(
                        f"{', '.join(whats)}: {error}" for error, whats in failed.items()
                    ),
                ),
                fix,
            )
        ]
    if not server:
        return [
            Finding(
                WARNING,
                check,
                _("point at localhost (SERVER_NAME is not set): %(example)s", example=example),
                fix,
            )
        ]
    return [Finding(OK, check, _("look like %(example)s", example=example))]
