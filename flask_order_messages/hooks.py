"""The host's hooks: what the extension cannot know about the shop, each with its default.

:class:`Hooks` is the set the extension calls (``ext.hooks.order_number(order)``), typed, one
method per hook, as pinax-messages' ``DefaultHookSet``.  The host replaces a default with the
decorator of the same name on ``OrderMessages`` (``@order_messages.order_number``), as
Flask-Login's ``user_loader``; each hook is checked when registered and again at ``init_app``.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from flask import has_request_context, url_for
from flask_login import current_user

from .errors import MissingHookError
from .i18n import gettext, lazy_gettext

#: A user of the host's user model (its class is the host's, unknown here).
HostUser = Any
#: An order of the host's order model.
HostOrder = Any

#: Each hook's name and the parameters it is called with.
HOOK_PARAMETERS: dict[str, tuple[str, ...]] = {
    "staff_check": ("user",),
    "staff_permission": ("user", "permission"),
    "display_name": ("user",),
    "user_email": ("user",),
    "staff_recipients": (),
    "staff_members": (),
    "staff_user_for_email": ("email",),
    "order_number": ("order",),
    "staff_order_url": ("order",),
    "customer_order_url": ("order",),
    "customer_orders_url": ("user",),
    "order_summary": ("order",),
    # Marketplaces (see services/vendors.py): a shop that registers no order_vendor has none.
    "order_vendor": ("order",),
    "staff_vendor": ("user",),
    "vendor_name": ("key",),
    "vendor_recipients": ("key",),
    "vendors": (),
    # Questions before purchase (see services/questions.py): each has a default.
    "product_name": ("key",),
    "product_url": ("key",),
    "product_vendor": ("key",),
    # The reader's language and time zone (see i18n.py): pages of a host without Flask-Babel,
    # and every mail.  None: the request's Accept-Language, or the shop's default.
    "user_locale": ("user",),
    "user_timezone": ("user",),
}

#: What the default ``display_name`` shows for a staff member with no name of any kind.
STAFF_LABEL = lazy_gettext("Store staff")
#: ... and for a customer with neither a name nor an email.
CUSTOMER_LABEL = lazy_gettext("Customer")
#: Attributes the default ``display_name`` takes a name from, in this order (then
#: ``first_name`` + ``last_name``, then ``username``).
NAME_ATTRIBUTES = ("name", "full_name", "display_name")
#: How many users (the first, by key) the default ``staff_members`` asks the staff check about.
STAFF_SCAN = 1000
#: What the default ``vendor_name`` calls the marketplace itself (its own staff's label).
MARKETPLACE_LABEL = lazy_gettext("Marketplace")
#: How many vendors the default ``vendors`` lists (those that have threads, by key).
VENDOR_SCAN = 500
_ADDRESS = re.compile(r"\S+@\S+")


def default_product_name(key: str) -> str:
    """What a product is called when the host names none: "Product <key>", in the reader's
    language (a page's, or a mail's recipient's while it is written)."""
    return gettext("Product %(key)s", key=key)


class Keys(Protocol):
    """What the defaults need of the extension: who is staff, and the keys of users and orders."""

    def is_staff(self, user: HostUser) -> bool: ...

    def user_key(self, user: HostUser) -> object: ...

    def order_key(self, order: HostOrder) -> object: ...

    def user_by_email(self, email: str) -> HostUser | None: ...

    def first_users(self, limit: int) -> list[HostUser]: ...

    def thread_vendor_keys(self, limit: int) -> list[str]: ...


def check_hook(name: str, func: object) -> None:
    """Raise a :class:`TypeError` naming hook ``name`` unless ``func`` can be called with the
    hook's parameters."""
    parameters = HOOK_PARAMETERS[name]
    wanted = f"({', '.join(parameters)})"
    if not callable(func):
        raise TypeError(
            f"The '{name}' hook must be a function taking {wanted}; got "
            f"{type(func).__name__} {func!r:.60}."
        )
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):  # some built-ins have no signature to check
        return
    try:
        signature.bind(*parameters)
    except TypeError:
        label = getattr(func, "__qualname__", type(func).__name__)
        raise TypeError(
            f"The '{name}' hook must take {wanted}; {label}{signature} cannot be called so."
        ) from None


def missing(name: str, why: str = "") -> MissingHookError:
    """The error for a needed hook ``name`` the host never registered."""
    return MissingHookError(
        f"OrderMessages needs the '{name}' hook{why or ' here'}. Register it with "
        f"@order_messages.{name} (see the README's hooks table)."
    )


class Hooks:
    """The hooks of one ``OrderMessages``: each method is the default, replaced on this object
    by the function the host registers.  Hooks with no sensible default raise
    :class:`MissingHookError` when called."""

    def __init__(self, keys: Keys) -> None:
        self._keys = keys

    def register(self, name: str, func: Callable[..., object]) -> None:
        """Make ``func`` answer for hook ``name`` (checked first: see :func:`check_hook`)."""
        if name not in HOOK_PARAMETERS:
            raise KeyError(name)
        check_hook(name, func)
        setattr(self, name, func)

    def is_registered(self, name: str) -> bool:
        """Whether the host registered hook ``name`` (False: the default answers)."""
        if name not in HOOK_PARAMETERS:
            raise KeyError(name)
        return name in vars(self)

    def check(self) -> None:
        """Check every hook (registered or a subclass's override) can be called as it will be."""
        for name in HOOK_PARAMETERS:
            check_hook(name, getattr(self, name))

    # -- the hooks and their defaults --------------------------------------------------------

    def staff_check(self, user: HostUser) -> bool:
        """May ``user`` act as staff?  Default: nobody, until the host says who is staff."""
        return False

    def staff_permission(self, user: HostUser, permission: str) -> bool:
        """May staff member ``user`` do what ``permission`` guards ("read", "answer",
        "disputes", "canned": see :mod:`.permissions`)?  Default: yes, everything."""
        return True

    def display_name(self, user: HostUser) -> str:
        """The name shown beside ``user``'s messages.  Default: the first of ``name``,
        ``full_name``, ``display_name``, ``first_name`` + ``last_name``, ``username`` the user has
        (an address such as ``ann@shop.example`` does not count); without one, "Store staff" for
        staff and the email for a customer.  A staff member's email is never shown."""
        name = _name_like(user)
        if name:
            return name
        if self._keys.is_staff(user) or self._seen_by_another_customer(user):
            return str(STAFF_LABEL)
        # A customer's address is known to the staff who read it (the only others who see a
        # customer's messages) and to the customer.
        email = getattr(user, "email", None)
        return email.strip() if isinstance(email, str) and email.strip() else str(CUSTOMER_LABEL)

    def _seen_by_another_customer(self, user: HostUser) -> bool:
        """Whether a logged-in customer other than ``user`` is looking: in their thread,
        anyone else is the store (staff who has since lost the role included)."""
        if not has_request_context() or not getattr(current_user, "is_authenticated", False):
            return False
        if self._keys.is_staff(current_user):
            return False
        return bool(self._keys.user_key(current_user) != self._keys.user_key(user))

    def user_email(self, user: HostUser) -> str | None:
        """Where ``user``'s mail goes.  Default: ``user.email``."""
        if not hasattr(user, "email"):
            raise missing("user_email", ": the user model has no 'email' attribute")
        email: str | None = user.email
        return email

    def staff_recipients(self) -> list[str]:
        """Who gets mail about customers' messages.  No default."""
        raise missing("staff_recipients")

    def staff_members(self) -> list[HostUser]:
        """Who a thread can be assigned to.  Default: the users the staff check admits among
        the first :data:`STAFF_SCAN` users of the user model, by key (staff accounts are
        usually the shop's first).  A shop with many customers, or a role column, registers
        its own (one query on that column)."""
        return [u for u in self._keys.first_users(STAFF_SCAN) if self._keys.is_staff(u)]

    def staff_user_for_email(self, email: str) -> HostUser | None:
        """The staff user behind ``email``, one of ``staff_recipients`` (their reply address
        needs a person).  Default: the user whose ``email`` column holds it (any case) when
        the staff check admits them, else None: that mail carries no ``Reply-To``."""
        user = self._keys.user_by_email(email)
        return user if user is not None and self._keys.is_staff(user) else None

    def order_number(self, order: HostOrder) -> str:
        """The number shown for ``order``.  Default: its key."""
        return str(self._keys.order_key(order))

    def staff_order_url(self, order: HostOrder) -> str:
        """The host's admin page of ``order``.  Default: the extension's staff thread page."""
        return url_for("order_messages.staff_thread", order_id=self._keys.order_key(order))

    def customer_order_url(self, order: HostOrder) -> str:
        """The customer's page of ``order``.  Default: the extension's customer thread page."""
        return url_for("order_messages.customer_thread", order_id=self._keys.order_key(order))

    def customer_orders_url(self, user: HostUser) -> str | None:
        """The customer's list of their orders (each with its unread count), where the
        header's unread note leads while more than one order holds unread messages.
        Default: None, the note leads to the newest of them."""
        return None

    def order_summary(self, order: HostOrder) -> dict[str, Any] | None:
        """What staff see of ``order`` beside its messages: ``{"total": str, "status": str}``
        (either may be left out).  Default: None, nothing shown."""
        return None

    # -- marketplaces (services/vendors.py) ------------------------------------------------

    def order_vendor(self, order: HostOrder) -> object:
        """The key of the vendor who sold ``order`` (any value; kept as text), or None for
        the marketplace's own sale.  Registering it makes the shop a marketplace."""
        return None

    def staff_vendor(self, user: HostUser) -> object:
        """The key of the vendor staff member ``user`` works for; None: the marketplace's own
        staff (who see every thread).  Default: None for everyone."""
        return None

    def vendor_name(self, key: str | None) -> str:
        """A vendor's name, for its key as text; ``None`` asks for the marketplace's own
        name.  Default: the key itself, and "Marketplace"."""
        return str(MARKETPLACE_LABEL) if key is None else key

    def vendor_recipients(self, key: str) -> list[str]:
        """Who is mailed about vendor ``key``'s threads.  Default: the addresses of the
        ``staff_members`` whose ``staff_vendor`` is ``key``."""
        emails = []
        for user in self.staff_members():
            if _text_key(self.staff_vendor(user)) == key:
                email = self.user_email(user)
                if email:
                    emails.append(email)
        return emails

    def vendors(self) -> list[tuple[str, str]]:
        """(key, name) of every vendor, for the marketplace staff's vendor filter.  Default:
        the vendors whose orders have threads (the first :data:`VENDOR_SCAN` by key), named
        by ``vendor_name``."""
        return [(key, self.vendor_name(key)) for key in self._keys.thread_vendor_keys(VENDOR_SCAN)]

    # -- questions before purchase (services/questions.py) ---------------------------------

    def product_name(self, key: str) -> str:
        """The name of the product with key ``key`` (as text).  Default: "Product <key>", in
        the reader's language (:func:`default_product_name`)."""
        return default_product_name(key)

    def product_url(self, key: str) -> str | None:
        """The host's page of the product with key ``key``.  Default: None (no link)."""
        return None

    def user_locale(self, user: HostUser) -> str | None:
        """The user's language (``de``, ``pt_BR``); default: a ``locale`` attribute, or None."""
        return _text_key(getattr(user, "locale", None))

    def user_timezone(self, user: HostUser) -> str | None:
        """The user's IANA time zone; default: a ``timezone`` attribute, or None."""
        return _text_key(getattr(user, "timezone", None))

    def product_vendor(self, key: str) -> object:
        """The key of the vendor who sells the product (a question goes to them), or None
        for the marketplace's own product.  Default: None."""
        return None


def _text_key(value: object) -> str | None:
    """A vendor key as the threads keep it: None, or text."""
    return None if value is None else str(value)


def thread_link(url: str, *, tab: bool = True) -> str:
    """``url`` pointing at the thread on the page: ``tab=messages`` added to its query (for
    hosts with tabs) and ``#order-messages`` as its fragment unless it has one."""
    parts = urlsplit(url)
    query = parts.query
    if tab and "tab=" not in query:
        query = f"{query}&tab=messages" if query else "tab=messages"
    return urlunsplit(parts._replace(query=query, fragment=parts.fragment or "order-messages"))


def _name_like(user: HostUser) -> str | None:
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
