"""The extension class and its host hooks."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa
from flask import Flask, current_app, has_request_context, url_for
from flask_login import current_user
from werkzeug.local import LocalProxy

from .config import Settings, load_settings
from .errors import MissingHookError
from .models import Models, build_models, primary_key_column
from .search import add_search_index, configured_dialect

EXTENSION_KEY = "order_messages"
log = logging.getLogger("flask_order_messages")

#: What the default ``display_name`` shows for a staff member with no name of any kind.
STAFF_LABEL = "Store staff"
#: ... and for a customer with neither a name nor an email.
CUSTOMER_LABEL = "Customer"
#: Attributes the default ``display_name`` takes a name from, in this order (then
#: ``first_name`` + ``last_name``, then ``username``).
NAME_ATTRIBUTES = ("name", "full_name", "display_name")
_ADDRESS = re.compile(r"\S+@\S+")


def thread_link(url: str, *, tab: bool = True) -> str:
    """``url`` pointing at the thread on the page: ``tab=messages`` added to its query (for
    hosts with tabs) and ``#order-messages`` as its fragment unless it has one."""
    parts = urlsplit(url)
    query = parts.query
    if tab and "tab=" not in query:
        query = f"{query}&tab=messages" if query else "tab=messages"
    return urlunsplit(parts._replace(query=query, fragment=parts.fragment or "order-messages"))


_HOOKS = (
    "staff_check",
    "display_name",
    "user_email",
    "staff_recipients",
    "order_number",
    "staff_order_url",
    "customer_order_url",
)


def _nobody_is_staff(user: Any) -> bool:
    """The default staff check: staff pages stay closed until the host says who is staff."""
    return False


@dataclass(frozen=True)
class _State:
    """What ``init_app`` stores at ``app.extensions["order_messages"]``."""

    ext: OrderMessages
    settings: Settings


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
        db: Any,
        order_model: Any,
        user_model: Any,
        order_customer_key: str = "customer_id",
        table_prefix: str = "order_messages_",
        attachment_storage: Any = None,
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
        self._hooks: dict[str, Callable[..., Any]] = {"staff_check": _nobody_is_staff}
        if app is not None:
            self.init_app(app)

    # -- registration -------------------------------------------------------------------

    def init_app(self, app: Flask) -> None:
        """Validate the config, register the blueprint, CLI, template helpers and mail."""
        if EXTENSION_KEY in app.extensions:
            raise RuntimeError(
                "OrderMessages is already registered on this app. Create one OrderMessages and "
                "call init_app(app) once per app."
            )
        settings = load_settings(app.config)
        app.extensions[EXTENSION_KEY] = _State(ext=self, settings=settings)
        # The full-text index takes its database's form, now that the database is known.
        add_search_index(self.models.Message.__table__, configured_dialect(app.config))

        from . import ratelimit
        from .cli import cli_group
        from .templating import register_template_helpers
        from .views import build_blueprint

        blueprint = build_blueprint()
        app.register_blueprint(blueprint, url_prefix=settings.url_prefix)
        ratelimit.install(app, blueprint, settings)
        app.cli.add_command(cli_group)
        register_template_helpers(app)
        if "mail" not in app.extensions:
            from flask_mail import Mail

            Mail(app)
        _warn_about_config(app, settings)

    # -- hooks --------------------------------------------------------------------------

    def _register(self, name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            self._hooks[name] = func
            return func

        return decorator

    def staff_check(self, func: Callable[[Any], bool]) -> Callable[[Any], bool]:
        """Register ``func(user) -> bool``: may this user act as staff?  Default: nobody."""
        return self._register("staff_check")(func)

    def display_name(self, func: Callable[[Any], str]) -> Callable[[Any], str]:
        """Register ``func(user) -> str``, the name shown beside a user's messages.
        Default: the first of ``name``, ``full_name``, ``display_name``, ``first_name`` +
        ``last_name``, ``username`` the user has (an address such as ``ann@shop.example`` does
        not count); without one, "Store staff" for staff and the email for a customer.  A staff
        member's email is never shown."""
        return self._register("display_name")(func)

    def user_email(self, func: Callable[[Any], str | None]) -> Callable[[Any], str | None]:
        """Register ``func(user) -> str | None``, where a user's mail goes.
        Default: ``user.email``."""
        return self._register("user_email")(func)

    def staff_recipients(self, func: Callable[[], list[str]]) -> Callable[[], list[str]]:
        """Register ``func() -> list[str]``: who gets mail about customers' messages."""
        return self._register("staff_recipients")(func)

    def order_number(self, func: Callable[[Any], str]) -> Callable[[Any], str]:
        """Register ``func(order) -> str``, the number shown for an order. Default: its key."""
        return self._register("order_number")(func)

    def staff_order_url(self, func: Callable[[Any], str]) -> Callable[[Any], str]:
        """Register ``func(order) -> str``, the host's admin order page.
        Default: the extension's own staff thread page."""
        return self._register("staff_order_url")(func)

    def customer_order_url(self, func: Callable[[Any], str]) -> Callable[[Any], str]:
        """Register ``func(order) -> str``, the customer's order page.
        Default: the extension's own customer thread page."""
        return self._register("customer_order_url")(func)

    def has_hook(self, name: str) -> bool:
        """Whether the host registered hook ``name`` (False: a default, or nothing, answers)."""
        if name not in _HOOKS:
            raise KeyError(name)
        return self._hooks.get(name) not in (None, _nobody_is_staff)

    def hook(self, name: str) -> Callable[..., Any]:
        """The registered hook ``name``, its default, or a :class:`MissingHookError`."""
        if name not in _HOOKS:
            raise KeyError(name)
        func = self._hooks.get(name) or getattr(self, f"_default_{name}", None)
        if func is None:
            raise MissingHookError(
                f"OrderMessages needs the '{name}' hook here. Register it with "
                f"@order_messages.{name} (see the README's hooks table)."
            )
        return func

    # Defaults for hooks with an obvious answer; the others fail loudly when needed.
    def _default_display_name(self, user: Any) -> str:
        name = _name_like(user)
        if name:
            return name
        if self.is_staff(user) or self._seen_by_another_customer(user):
            return STAFF_LABEL
        # A customer's address is known to the staff who read it (the only others who see a
        # customer's messages) and to the customer.
        email = getattr(user, "email", None)
        return email.strip() if isinstance(email, str) and email.strip() else CUSTOMER_LABEL

    def _seen_by_another_customer(self, user: Any) -> bool:
        """Whether a logged-in customer other than ``user`` is looking: in their thread,
        anyone else is the store (staff who has since lost the role included)."""
        if not has_request_context() or not getattr(current_user, "is_authenticated", False):
            return False
        if self.is_staff(current_user):
            return False
        return bool(self.user_key(current_user) != self.user_key(user))

    def _default_user_email(self, user: Any) -> str | None:
        if not hasattr(user, "email"):
            raise MissingHookError(
                "OrderMessages needs the 'user_email' hook: "
                "the user model has no 'email' attribute."
            )
        return user.email  # type: ignore[no-any-return]

    def _default_order_number(self, order: Any) -> str:
        return str(getattr(order, self.order_pk.key))

    def _default_staff_order_url(self, order: Any) -> str:
        return url_for("order_messages.staff_thread", order_id=self.order_key(order))

    def _default_customer_order_url(self, order: Any) -> str:
        return url_for("order_messages.customer_thread", order_id=self.order_key(order))

    def thread_url(self, order: Any, side: str) -> str:
        """The host's order page for ``side`` ("staff" or "customer") pointing at the thread:
        ``tab=messages`` merged into its query and ``#order-messages`` as fragment."""
        hook = "staff_order_url" if side == "staff" else "customer_order_url"
        return thread_link(self.hook(hook)(order))

    # -- identity helpers ---------------------------------------------------------------

    def is_staff(self, user: Any) -> bool:
        """Whether the host's staff check admits ``user`` (anonymous users never)."""
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        return bool(self.hook("staff_check")(user))

    def user_key(self, user: Any) -> Any:
        """The primary-key value of a host user."""
        return getattr(user, self.user_pk.key)

    def order_key(self, order: Any) -> Any:
        """The primary-key value of a host order."""
        return getattr(order, self.order_pk.key)

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
            dialect = self.db.session.get_bind().dialect.name
        except Exception:  # noqa: BLE001 - no app context: the narrowest common size
            dialect = ""
        return 2**63 if dialect == "sqlite" else 2**31

    def get_order(self, raw_key: Any) -> Any | None:
        """The order with this key (a URL segment or a typed key), or None."""
        key = self.parse_order_key(raw_key) if isinstance(raw_key, str) else raw_key
        if key is None:
            return None
        return self.db.session.get(self.order_model, key)


def _name_like(user: Any) -> str | None:
    """The user's name from the usual attributes, or None.  A value that is an address (one
    word with "@" in it: shops often keep the email as the username) is never a name."""

    def text(attr: str) -> str:
        value = getattr(user, attr, None)
        value = value.strip() if isinstance(value, str) else ""
        return "" if _ADDRESS.fullmatch(value) else value

    first_last = " ".join(part for part in (text("first_name"), text("last_name")) if part)
    for value in (*(text(attr) for attr in NAME_ATTRIBUTES), first_last, text("username")):
        if value:
            return value
    return None


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


def _get_state() -> _State:
    try:
        return current_app.extensions[EXTENSION_KEY]  # type: ignore[no-any-return]
    except KeyError:
        raise RuntimeError(
            "OrderMessages is not registered on this app; call order_messages.init_app(app)."
        ) from None


#: The extension registered on the current app.  Internals reach it only through this.
current_order_messages: OrderMessages = LocalProxy(lambda: _get_state().ext)  # type: ignore[assignment]
#: The validated settings of the current app.
current_settings: Settings = LocalProxy(lambda: _get_state().settings)  # type: ignore[assignment]
