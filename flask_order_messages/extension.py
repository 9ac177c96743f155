"""The extension class: registration on an app, the hook decorators, the host's keys."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from . import dialects
from .config import PREFIX, Settings, load_settings
from .config_targets import RETIRED_KEYS, retired_keys_set
from .hooks import HOOK_PARAMETERS, Hooks, HostOrder, HostUser, thread_link
from .models import Models, build_models, primary_key_column
from .search import add_search_index, configured_dialect
from .state import EXTENSION_KEY as EXTENSION_KEY
from .state import current_order_messages as current_order_messages
from .state import current_settings as current_settings
from .state import install
from .storage import AttachmentStorage

log = logging.getLogger("flask_order_messages")


class OrderMessages:
    """Order messaging for a Flask shop.

    ``db`` is the host's ``SQLAlchemy()``, ``order_model`` and ``user_model`` its mapped classes.
    ``order_customer_key`` names the attribute of ``order_model`` that holds the owning
    customer's user id (a plain column is enough; a foreign key is not needed).
    ``table_prefix`` starts the name of every table the extension adds.
    ``attachment_storage`` keeps attachment files (see :mod:`flask_order_messages.storage`);
    by default they go to a folder (``ORDER_MESSAGES_ATTACHMENT_FOLDER``).

    Register with ``OrderMessages(app, ...)`` or, app-factory style, ``ext.init_app(app)``.
    """

    def __init__(
        self,
        app: Flask | None = None,
        *,
        db: SQLAlchemy,
        order_model: Any,
        user_model: Any,
        order_customer_key: str = "customer_id",
        table_prefix: str = "order_messages_",
        attachment_storage: AttachmentStorage | None = None,
    ) -> None:
        self.db = db
        self.order_model = order_model
        self.user_model = user_model
        if not hasattr(order_model, order_customer_key):
            raise TypeError(
                f"order_customer_key={order_customer_key!r}: {order_model.__name__} has no such "
                "attribute. Pass the name of the column that holds the customer's user id."
            )
        self.order_customer_key = order_customer_key
        self.table_prefix = table_prefix
        #: Where attachment files go: an object with ``save``/``open``/``delete`` (see
        #: :mod:`flask_order_messages.storage`); None: a local folder per app.
        self.attachment_storage = attachment_storage
        self.order_pk = primary_key_column(order_model, "order_model")
        self.user_pk = primary_key_column(user_model, "user_model")
        self.models: Models = build_models(db, order_model, user_model, table_prefix)
        #: The host's hooks, each with its default: ``ext.hooks.order_number(order)``.
        self.hooks = Hooks(self)
        if app is not None:
            self.init_app(app)

    # -- registration -------------------------------------------------------------------

    def init_app(self, app: Flask) -> None:
        """Validate the config, register the blueprint, CLI, template helpers and mail."""
        settings = load_settings(app.config)
        from .services.readers import check as check_read_state

        check_read_state(settings.read_state, self.user_pk.type)
        self.hooks.check()
        install(app, self, settings)
        # The full-text index takes its database's form, now that the database is known.
        add_search_index(self.models.Message.__table__, configured_dialect(app.config))

        from . import i18n, ratelimit
        from .cli import cli_group
        from .templating import register_template_helpers
        from .views import build_blueprint

        blueprint = build_blueprint()
        app.register_blueprint(blueprint, url_prefix=settings.url_prefix)
        ratelimit.install(app, blueprint, settings)
        app.cli.add_command(cli_group)
        register_template_helpers(app)
        i18n.install(app)
        if "mail" not in app.extensions:
            from flask_mail import Mail

            Mail(app)
        _warn_about_config(app, settings)

    # -- hooks --------------------------------------------------------------------------

    def staff_check(self, func: Callable[[HostUser], bool]) -> Callable[[HostUser], bool]:
        """Register ``func(user) -> bool``: may this user act as staff?  Default: nobody."""
        self.hooks.register("staff_check", func)
        return func

    def staff_permission(
        self, func: Callable[[HostUser, str], bool]
    ) -> Callable[[HostUser, str], bool]:
        """Register ``func(user, permission) -> bool``: may this staff member do what
        ``permission`` guards?  ``permission`` is one of ``"read"``, ``"answer"``,
        ``"disputes"``, ``"canned"`` (:mod:`flask_order_messages.permissions`); asked only
        about staff, at most once per person and permission in a request.  Default: everything
        allowed."""
        self.hooks.register("staff_permission", func)
        return func

    def display_name(self, func: Callable[[HostUser], str]) -> Callable[[HostUser], str]:
        """Register ``func(user) -> str``, the name shown beside a user's messages.
        Default: the first of ``name``, ``full_name``, ``display_name``, ``first_name`` +
        ``last_name``, ``username`` the user has (an address such as ``ann@shop.example`` does
        not count); without one, "Store staff" for staff and the email for a customer.  A staff
        member's email is never shown."""
        self.hooks.register("display_name", func)
        return func

    def user_email(
        self, func: Callable[[HostUser], str | None]
    ) -> Callable[[HostUser], str | None]:
        """Register ``func(user) -> str | None``, where a user's mail goes.
        Default: ``user.email``."""
        self.hooks.register("user_email", func)
        return func

    def staff_recipients(self, func: Callable[[], list[str]]) -> Callable[[], list[str]]:
        """Register ``func() -> list[str]``: who gets mail about customers' messages."""
        self.hooks.register("staff_recipients", func)
        return func

    def staff_members(self, func: Callable[[], list[HostUser]]) -> Callable[[], list[HostUser]]:
        """Register ``func() -> list[user]``: who a thread can be assigned to.  Default: the
        users the staff check admits among the first users of the user model."""
        self.hooks.register("staff_members", func)
        return func

    def staff_user_for_email(
        self, func: Callable[[str], HostUser | None]
    ) -> Callable[[str], HostUser | None]:
        """Register ``func(email) -> user or None``: the staff user behind an address of
        ``staff_recipients``, whose reply address that mail carries.  Default: the user whose
        ``email`` column holds it, if staff; None: that mail has no ``Reply-To``."""
        self.hooks.register("staff_user_for_email", func)
        return func

    def order_number(self, func: Callable[[HostOrder], str]) -> Callable[[HostOrder], str]:
        """Register ``func(order) -> str``, the number shown for an order. Default: its key."""
        self.hooks.register("order_number", func)
        return func

    def staff_order_url(self, func: Callable[[HostOrder], str]) -> Callable[[HostOrder], str]:
        """Register ``func(order) -> str``, the host's admin order page.
        Default: the extension's own staff thread page."""
        self.hooks.register("staff_order_url", func)
        return func

    def customer_order_url(self, func: Callable[[HostOrder], str]) -> Callable[[HostOrder], str]:
        """Register ``func(order) -> str``, the customer's order page.
        Default: the extension's own customer thread page."""
        self.hooks.register("customer_order_url", func)
        return func

    def customer_orders_url(
        self, func: Callable[[HostUser], str | None]
    ) -> Callable[[HostUser], str | None]:
        """Register ``func(user) -> str | None``, the customer's order list: the header's
        unread note leads there while several orders hold unread messages.  Default: None,
        the note leads to the newest of them."""
        self.hooks.register("customer_orders_url", func)
        return func

    def order_summary(
        self, func: Callable[[HostOrder], dict[str, Any] | None]
    ) -> Callable[[HostOrder], dict[str, Any] | None]:
        """Register ``func(order) -> {"total": str, "status": str} | None``, what the Messages
        section and the staff thread page show of an order.  Default: nothing."""
        self.hooks.register("order_summary", func)
        return func

    def order_vendor(self, func: Callable[[HostOrder], Any]) -> Callable[[HostOrder], Any]:
        """Register ``func(order) -> vendor key or None``: which vendor sold the order
        (None: the marketplace itself).  Registering it makes the shop a marketplace (see
        the README's "Marketplaces")."""
        self.hooks.register("order_vendor", func)
        return func

    def staff_vendor(self, func: Callable[[HostUser], Any]) -> Callable[[HostUser], Any]:
        """Register ``func(user) -> vendor key or None``: the vendor a staff member works
        for; None: the marketplace's own staff.  Default: None for everyone."""
        self.hooks.register("staff_vendor", func)
        return func

    def vendor_name(self, func: Callable[[str | None], str]) -> Callable[[str | None], str]:
        """Register ``func(key) -> str``: a vendor's name (``key`` None: the marketplace's
        own).  Default: the key, and "Marketplace"."""
        self.hooks.register("vendor_name", func)
        return func

    def vendor_recipients(self, func: Callable[[str], list[str]]) -> Callable[[str], list[str]]:
        """Register ``func(key) -> list[str]``: who is mailed about a vendor's threads.
        Default: the staff members working for that vendor."""
        self.hooks.register("vendor_recipients", func)
        return func

    def vendors(
        self, func: Callable[[], list[tuple[str, str]]]
    ) -> Callable[[], list[tuple[str, str]]]:
        """Register ``func() -> [(key, name), ...]``: every vendor, for the marketplace
        staff's vendor filter.  Default: the vendors whose orders have threads."""
        self.hooks.register("vendors", func)
        return func

    def product_name(self, func: Callable[[str], str]) -> Callable[[str], str]:
        """Register ``func(key) -> str``: a product's name, for its key as text (questions
        before purchase).  Default: "Product <key>", in the reader's language."""
        self.hooks.register("product_name", func)
        return func

    def product_url(self, func: Callable[[str], str | None]) -> Callable[[str], str | None]:
        """Register ``func(key) -> str``: the host's page of a product.  Default: no link."""
        self.hooks.register("product_url", func)
        return func

    def product_vendor(self, func: Callable[[str], Any]) -> Callable[[str], Any]:
        """Register ``func(key) -> vendor key or None``: who sells a product, whose staff
        answer questions about it.  Default: None (the marketplace, or a shop's staff)."""
        self.hooks.register("product_vendor", func)
        return func

    def user_locale(self, func: Callable[[HostUser], str | None]) -> Callable[..., str | None]:
        """Register ``func(user) -> locale or None``: the language of the user's pages (when
        the host has no Flask-Babel of its own) and mails.  Default: ``user.locale``."""
        self.hooks.register("user_locale", func)
        return func

    def user_timezone(self, func: Callable[[HostUser], str | None]) -> Callable[..., str | None]:
        """Register ``func(user) -> IANA zone or None``: where the user's dates are told.
        Default: ``user.timezone``."""
        self.hooks.register("user_timezone", func)
        return func

    def has_hook(self, name: str) -> bool:
        """Whether the host registered hook ``name`` (False: a default, or nothing, answers)."""
        return self.hooks.is_registered(name)

    def hook(self, name: str) -> Callable[..., Any]:
        """Hook ``name`` looked up by name (the registered function or its default; one with
        no default raises :class:`MissingHookError` when called).  The extension itself calls
        ``self.hooks.<name>``, typed."""
        if name not in HOOK_PARAMETERS:
            raise KeyError(name)
        func: Callable[..., Any] = getattr(self.hooks, name)
        return func

    def order_url(self, order: HostOrder, side: str) -> str:
        """The host's page of ``order`` for ``side`` ("staff" or "customer"), from its hook."""
        if side == "staff":
            return self.hooks.staff_order_url(order)
        return self.hooks.customer_order_url(order)

    def thread_url(self, order: HostOrder, side: str) -> str:
        """The host's order page for ``side`` ("staff" or "customer") pointing at the thread:
        ``tab=messages`` merged into its query and ``#order-messages`` as fragment."""
        return thread_link(self.order_url(order, side))

    # -- identity helpers ---------------------------------------------------------------

    def is_staff(self, user: Any) -> bool:
        """Whether the host's staff check admits ``user`` (anonymous users never)."""
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        return bool(self.hooks.staff_check(user))

    def user_key(self, user: Any) -> Any:
        """The primary-key value of a host user."""
        return getattr(user, self.user_pk.key)

    def order_key(self, order: Any) -> Any:
        """The primary-key value of a host order."""
        return getattr(order, self.order_pk.key)

    def user_by_email(self, email: str) -> Any | None:
        """The host user whose ``email`` column holds ``email`` (any case), or None (also when
        the user model has no such column)."""
        column = sa.inspect(self.user_model).columns.get("email")
        if column is None or not email:
            return None
        users = self.user_model
        stmt = sa.select(users).where(sa.func.lower(column) == email.strip().lower()).limit(2)
        found = list(self.db.session.execute(stmt).scalars())
        return found[0] if len(found) == 1 else None

    def first_users(self, limit: int) -> list[Any]:
        """The first ``limit`` host users by key (the default ``staff_members`` hook's pool)."""
        key = getattr(self.user_model, self.user_pk.key)
        stmt = sa.select(self.user_model).order_by(key).limit(limit)
        return list(self.db.session.execute(stmt).scalars())

    def thread_vendor_keys(self, limit: int) -> list[str]:
        """The first ``limit`` vendor keys that threads hold (the default ``vendors`` hook)."""
        key = self.models.Thread.vendor_key
        stmt = sa.select(key).where(key.is_not(None)).distinct().order_by(key).limit(limit)
        return [str(found) for found in self.db.session.execute(stmt).scalars()]

    def order_owner_id(self, order: Any) -> Any:
        """The user id of the customer who owns ``order``."""
        return getattr(order, self.order_customer_key)

    def order_owner_column(self) -> Any:
        """The SQL column of the order model that holds the owner's user id."""
        return getattr(self.order_model, self.order_customer_key)

    def parse_order_key(self, raw: str) -> Any | None:
        """Turn a URL segment into an order key of the right type, or None if it cannot be one."""
        try:
            python_type = self.order_pk.type.python_type
        except NotImplementedError:
            return raw
        try:
            if python_type is uuid.UUID:
                return uuid.UUID(raw)
            if python_type is int:
                # Only plain digits: int() would also take " 1", "1_0" or Arabic-Indic digits,
                # giving one order many addresses.
                if not raw.isascii() or not raw.lstrip("-").isdigit():
                    return None
                value = int(raw)
                bound = self._int_key_bound()
                return value if -bound <= value < bound else None
            if python_type is str and any(ord(ch) < 32 for ch in raw):
                return None  # PostgreSQL refuses a NUL in a string; no key holds one
            return python_type(raw)
        except (TypeError, ValueError):
            return None

    def _int_key_bound(self) -> int:
        """Keys of the order's integer column lie in [-bound, bound): a larger number can name
        no order, and PostgreSQL would refuse to compare it with the column."""
        column_type = self.order_pk.type
        if isinstance(column_type, sa.BigInteger):
            return 2**63
        if isinstance(column_type, sa.SmallInteger):
            return 2**15
        try:
            return dialects.of(self.db.session.get_bind()).integer_bound
        except Exception:  # noqa: BLE001 - no app context: the narrowest common size
            return dialects.Dialect.integer_bound

    def get_order(self, raw_key: Any) -> Any | None:
        """The order with this key (a URL segment or a typed key), or None."""
        key = self.parse_order_key(raw_key) if isinstance(raw_key, str) else raw_key
        if key is None:
            return None
        return self.db.session.get(self.order_model, key)


def _warn_about_config(app: Flask, settings: Settings) -> None:
    """Log, once at start-up, the problems ``init_app`` can see by itself (``flask
    order-messages doctor`` checks the rest)."""
    if settings.mail_enabled and not (
        settings.mail_sender or app.config.get("MAIL_DEFAULT_SENDER")
    ):
        log.warning(
            "order-messages: no mail sender is set, so every notification mail will fail and "
            "be retried. Set MAIL_DEFAULT_SENDER (or ORDER_MESSAGES_MAIL_SENDER), or turn mail "
            "off with ORDER_MESSAGES_MAIL_ENABLED = False."
        )
    for key in retired_keys_set(app.config):
        log.warning(
            "order-messages: %s is no longer used (%s). Remove it from your configuration.",
            key,
            RETIRED_KEYS[key[len(PREFIX) :]],
        )
