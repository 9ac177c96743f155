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
from jinja2 import Environment, TemplateNotFound, TemplateSyntaxError, nodes

from .doctor import ERROR, OK, WARNING, Finding, Subjects, brief
from .state import current_order_messages as ext
from .state import current_settings

#: Our own stand-alone layout, the default of both layout keys.
OWN_LAYOUT = "order_messages/layout.html"


class LayoutError(Exception):
    """A layout or one of its parents cannot be loaded or parsed."""


def layout_blocks(env: Environment, name: str) -> tuple[set[str], list[str]]:
    """(every block named in ``name`` and the templates it extends, that chain of names).
    A parent named by an expression (not a plain string) cannot be followed and is left out.
    Raises :class:`LayoutError` when a template of the chain is missing or broken."""
    if env.loader is None:
        raise LayoutError("the app's Jinja environment has no loader")
    blocks: set[str] = set()
    chain: list[str] = []
    todo = [name]
    while todo:
        current = todo.pop(0)
        if current in chain:
            continue
        chain.append(current)
        try:
            source, _, _ = env.loader.get_source(env, current)
            tree = env.parse(source, current)
        except TemplateNotFound:
            where = "" if current == name else f" (extended by {chain[-2]})"
            raise LayoutError(f"template {current!r}{where} is not found") from None
        except TemplateSyntaxError as exc:
            raise LayoutError(f"template {current!r} does not parse: {brief(exc)}") from None
        blocks |= {block.name for block in tree.find_all(nodes.Block)}
        for extends in tree.find_all(nodes.Extends):
            if isinstance(extends.template, nodes.Const) and isinstance(
                extends.template.value, str
            ):
                todo.append(extends.template.value)
    return blocks, chain


def _check_layout(side: str, name: str, block: str, key: str) -> list[Finding]:
    check = f"{side} layout"
    if name == OWN_LAYOUT:
        return [
            Finding(
                OK,
                check,
                f"the extension's own stand-alone layout; set {key} to "
                "your own base template to have the pages look like yours.",
            )
        ]
    try:
        blocks, chain = layout_blocks(current_app.jinja_env, name)
    except LayoutError as exc:
        return [
            Finding(
                ERROR,
                check,
                f"{key} = {name!r}: {exc}.",
                f"Set {key} to a template your app's loader finds (a path under its "
                "templates folder, as you would pass to render_template).",
            )
        ]
    via = f" (via {' -> '.join(chain)})" if len(chain) > 1 else ""
    if block not in blocks:
        listed = ", ".join(sorted(blocks)) or "none"
        return [
            Finding(
                ERROR,
                check,
                f"{name!r}{via} has no block {block!r}, which our pages "
                f"fill; its blocks: {listed}.",
                f"Set {key}_BLOCK to the block that holds the page's main content, "
                f"or add {{% block {block} %}}{{% endblock %}} to the layout.",
            )
        ]
    title = (
        "and its 'title' block"
        if "title" in blocks
        else "(it has no 'title' block: the pages keep the layout's own title)"
    )
    return [Finding(OK, check, f"{name!r}{via} found; our pages fill its {block!r} block {title}.")]


def check_layouts() -> list[Finding]:
    """Both layouts load from the app's Jinja loader and have the blocks our pages fill."""
    config = current_app.config
    out = []
    sides = (
        ("admin", current_settings.admin_layout),
        ("customer", current_settings.customer_layout),
    )
    for side, name in sides:
        key = f"ORDER_MESSAGES_{side.upper()}_LAYOUT"
        # The block keys may be missing from an older config: "content" is their default.
        block = config.get(f"{key}_BLOCK") or "content"
        out += _check_layout(side, name, block, key)
    return out


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
                f"cannot check the migrations: {brief(exc)}.",
                "Install Alembic (pip install alembic).",
            )
        ]
    try:
        now, head = schema.current(), schema.head()
    except Exception as exc:  # noqa: BLE001 - the database is down or refuses
        return [
            Finding(
                ERROR,
                check,
                f"cannot read the database: {brief(exc)}.",
                "Check SQLALCHEMY_DATABASE_URI and that the database is up.",
            )
        ]
    upgrade = "Run: flask order-messages db upgrade"
    if now == head:
        return [Finding(OK, check, f"at the newest migration ({head}).")]
    if now is not None:
        return [
            Finding(
                ERROR,
                check,
                f"at migration {now}; this version needs {head}.",
                upgrade + " (back up the database first).",
            )
        ]
    names = [getattr(ext.models, f.name).__table__.name for f in dataclasses.fields(ext.models)]
    inspector = sa.inspect(ext.db.session.get_bind(mapper=sa.inspect(ext.models.Message)))
    missing = [n for n in names if not inspector.has_table(n)]
    if missing:
        return [Finding(ERROR, check, f"missing: {', '.join(missing)}.", upgrade + ".")]
    return [
        Finding(
            WARNING,
            check,
            "all there, but with no migration history (made by "
            "db.create_all()): the next upgrade cannot tell where they are.",
            "Run once: flask order-messages db stamp head",
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
        return [Finding(OK, check, "off (ORDER_MESSAGES_POST_RATE_LIMIT is empty).")]
    from limits.storage import MemoryStorage

    try:
        storage, uri = _limiter_storage()
    except Exception as exc:  # noqa: BLE001 - an unreachable storage raises on first use
        return [
            Finding(
                WARNING,
                check,
                f"its storage cannot be opened: {brief(exc)}.",
                "Check ORDER_MESSAGES_RATE_LIMIT_STORAGE (or your Limiter's storage).",
            )
        ]
    if storage is None:
        return [
            Finding(
                WARNING,
                check,
                "no Flask-Limiter is active (RATELIMIT_ENABLED is "
                "off?), so posting is not limited.",
                "Leave RATELIMIT_ENABLED on, or set ORDER_MESSAGES_POST_RATE_LIMIT = "
                "None to say you want no limit.",
            )
        ]
    limit = current_settings.post_rate_limit
    if isinstance(storage, MemoryStorage):
        return [
            Finding(
                WARNING,
                check,
                f"counts in each process's memory ({uri or 'memory://'})"
                f": with several workers (gunicorn -w 4, uWSGI processes) each worker "
                f"counts alone, so one person can post {limit!r} once per worker.",
                "Point ORDER_MESSAGES_RATE_LIMIT_STORAGE (or your own Limiter's "
                "RATELIMIT_STORAGE_URI) at a store the workers share, e.g. "
                "'redis://127.0.0.1:6379/1'. Fine as it is with a single process.",
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
                f"its storage {uri!r} does not answer: meanwhile each "
                "process counts in its own memory.",
                "Start it, or fix the URI.",
            )
        ]
    return [Finding(OK, check, f"{limit!r}, counted in {uri or type(storage).__name__}.")]


# -- configuration ------------------------------------------------------------------------------


def check_retired_keys() -> list[Finding]:
    """Keys that are still accepted but do nothing any more (nothing to say when none is set)."""
    from .config import PREFIX
    from .config_targets import RETIRED_KEYS, retired_keys_set

    return [
        Finding(
            WARNING,
            "config",
            f"{key} is no longer used: {RETIRED_KEYS[key[len(PREFIX) :]]}.",
            f"Remove {key} from your configuration.",
        )
        for key in retired_keys_set(current_app.config)
    ]


# -- mail ---------------------------------------------------------------------------------------


def check_mail_sender() -> list[Finding]:
    """A From address is set while mail is on."""
    if not current_settings.mail_enabled:
        return [Finding(OK, "mail sender", "not needed: mail is off.")]
    sender = current_settings.mail_sender or current_app.config.get("MAIL_DEFAULT_SENDER")
    if not sender:
        return [
            Finding(
                ERROR,
                "mail sender",
                "no sender is set: every notification mail "
                "fails and is retried until it is given up.",
                "Set MAIL_DEFAULT_SENDER = 'Your Shop <shop@example.com>' (or "
                "ORDER_MESSAGES_MAIL_SENDER for these mails only).",
            )
        ]
    return [Finding(OK, "mail sender", f"mails come from {sender!r}.")]


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
        return [Finding(WARNING, check, "not checked: run the doctor from the command line.")]
    builders: list[tuple[str, Callable[[], str]]] = [
        (
            "url_for(..., _external=True)",
            lambda: url_for("order_messages.staff_messages", _external=True),
        ),
    ]
    if subjects.order is not None:
        order = subjects.order
        builders += [
            (f"the {side}_order_url hook", partial(_mail_link, order, side))
            for side in ("staff", "customer")
        ]
        if guest_links_enabled():
            builders.append(("the guest link", lambda: mail.absolute_url(guest_url(order))))
    built: dict[str, str] = {}
    failed: dict[str, list[str]] = {}  # the same error from several builders is said once
    for what, build in builders:
        try:
            built[what] = build()
        except Exception as exc:  # noqa: BLE001 - reported with the fix
            failed.setdefault(brief(exc), []).append(what)
    server = current_app.config.get("SERVER_NAME")
    example = built.get("the customer_order_url hook") or next(iter(built.values()), "")
    fix = (
        "Set SERVER_NAME = 'shop.example.com' (and PREFERRED_URL_SCHEME = 'https') so that "
        "URLs can be built without a request."
    )
    if failed:
        if server:
            fix = "Build the URLs in your hooks with url_for(), not from the request."
        return [
            Finding(
                ERROR,
                check,
                "cannot be built (a message posted from a script or a job fails, and "
                "'expire-disputes' mails link to localhost): "
                + "; ".join(f"{', '.join(whats)}: {error}" for error, whats in failed.items()),
                fix,
            )
        ]
    if not server:
        return [
            Finding(WARNING, check, f"point at localhost (SERVER_NAME is not set): {example}", fix)
        ]
    return [Finding(OK, check, f"look like {example}")]
