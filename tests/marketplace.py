"""A marketplace on the test host of ``conftest.py``: two vendors, Acme Tools and Bolt Bikes,
a staff member working for each, the marketplace's own staff member, two customers, and
orders sold by each vendor and by the marketplace itself.

The vendor hooks are registered on the test host's ``OrderMessages`` for one test (the
:func:`market` fixture) and taken off after it, so every other test keeps a shop without
vendors.  Which vendor sold an order and whom a staff member works for are kept in two dicts,
as a host keeps them in two columns.  Tests ask for it as the ``market`` fixture
(``conftest.py``).  ``staff_recipients`` is the marketplace's own address
here (the test host's mails every admin, vendors' staff included).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from . import committing as services
from .conftest import Order, User, _user, db, make_order, order_messages

VENDORS = {"acme": "Acme Tools", "bolt": "Bolt Bikes"}
#: The hooks the fixture registers (and the one it replaces), to take off afterwards.
HOOKS = ("order_vendor", "staff_vendor", "vendors", "staff_recipients")


@dataclass
class Market:
    """The people and orders of the marketplace."""

    ann: User  # works for Acme Tools
    ben: User  # works for Bolt Bikes
    sam: User  # the marketplace's own staff
    carol: User
    dan: User
    acme_order: Order  # Carol's, sold by Acme Tools
    bolt_order: Order  # Dan's, sold by Bolt Bikes
    own_order: Order  # Carol's, sold by the marketplace itself
    sold_by: dict[Any, str] = field(default_factory=dict)
    works_for: dict[Any, str] = field(default_factory=dict)

    def order(self, owner: User, vendor: str | None) -> Order:
        """A new order of ``owner``'s, sold by ``vendor`` (None: the marketplace)."""
        made = make_order(owner)
        if vendor is not None:
            self.sold_by[made.id] = vendor
        return made

    def staff(self, name: str, vendor: str | None) -> User:
        """A new staff member working for ``vendor`` (None: the marketplace)."""
        user = _user(name, admin=True)
        if vendor is not None:
            self.works_for[user.id] = vendor
        return user

    def actor(self, user: User) -> Any:
        """The person as the services take them: staff (with their vendor) or customer."""
        return services.staff_actor(user) if user.is_admin else services.customer_actor(user)

    def thread(self, order: Order) -> Any:
        return services.get_thread(order)


def install_hooks(market: Market) -> dict[str, Any]:
    """Register the marketplace's hooks; returns what was registered before, to restore."""
    hooks = order_messages.hooks
    before = {name: vars(hooks)[name] for name in HOOKS if name in vars(hooks)}
    order_messages.order_vendor(lambda order: market.sold_by.get(order.id))
    order_messages.staff_vendor(lambda user: market.works_for.get(user.id))
    order_messages.vendors(lambda: list(VENDORS.items()))
    order_messages.staff_recipients(lambda: [market.sam.email])
    return before


def remove_hooks(before: dict[str, Any]) -> None:
    hooks = order_messages.hooks
    for name in HOOKS:
        vars(hooks).pop(name, None)
    for name, func in before.items():
        setattr(hooks, name, func)


def open_market() -> Iterator[Market]:
    """The body of conftest's ``market`` fixture: the people, the orders, the hooks; the
    hooks are taken off again afterwards."""
    ann, ben, sam = _user("Ann Acme", True), _user("Ben Bolt", True), _user("Sam Support", True)
    carol, dan = _user("Carol Customer"), _user("Dan Customer")
    found = Market(ann, ben, sam, carol, dan, make_order(carol), make_order(dan), make_order(carol))
    found.sold_by.update({found.acme_order.id: "acme", found.bolt_order.id: "bolt"})
    found.works_for.update({ann.id: "acme", ben.id: "bolt"})
    before = install_hooks(found)
    try:
        yield found
    finally:
        remove_hooks(before)
        db.session.rollback()


def converse(market: Market) -> None:
    """Each order's customer writes and its vendor's staff (the marketplace for its own)
    answers: every thread is made, and unread for the other people."""
    for order, customer, staff, word in (
        (market.acme_order, market.carol, market.ann, "anvil"),
        (market.bolt_order, market.dan, market.ben, "bicycle"),
        (market.own_order, market.carol, market.sam, "voucher"),
    ):
        services.post_message(order, services.customer_actor(customer), f"About the {word}?")
        services.post_message(order, market.actor(staff), f"Your {word} ships today.")
