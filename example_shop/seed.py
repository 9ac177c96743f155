"""Demo data: products, staff and customers, orders, and threads in every state.

Threads are written through the extension's own services, exactly as the pages write them,
then their timestamps are spread over the orders' lifetimes so the demo reads like a shop
that has been open for a while.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from flask_order_messages import commit, customer_actor, services, staff_actor
from flask_order_messages.services.canned import create_reply
from flask_order_messages.services.deadlines import respond_by_from
from flask_order_messages.services.targets import replay
from flask_order_messages.state import current_settings

from . import marketplace
from .demo_image import kettle_png
from .messaging import order_messages
from .models import Order, Product, User, db, utcnow

# (name, email, password, is_staff).  Printed by ``flask logins``.
DEMO_USERS = [
    ("Admin Admin", "admin@example.com", "admin123", True),
    ("Sam Support", "support@example.com", "support123", True),
    ("Carol Customer", "carol@example.com", "carol123", False),
    ("Dan Dawson", "dan@example.com", "dan123", False),
    ("Erin Evans", "erin@example.com", "erin123", False),
    ("Frank Foster", "frank@example.com", "frank123", False),
]

PRODUCTS = [
    ("House espresso beans, 1 kg", "Chocolate, hazelnut, a little cherry.", 2400),
    ("Ceramic pour-over dripper", "Hand-glazed, fits most mugs.", 3250),
    ("Gooseneck kettle", "0.9 l, stovetop, brushed steel.", 6900),
    ("Conical burr grinder", "40 grind settings, quiet motor.", 14900),
    ("Paper filters, 100 pcs", "Unbleached, size 02.", 690),
    ("Travel mug", "Double-walled, 350 ml, leak-proof lid.", 1995),
    ("Cold brew bottle", "1 l glass bottle with a fine mesh filter.", 2700),
    ("Milk frother", "Hand-held, two speeds, USB charged.", 4400),
]

# Each customer's orders, by age in days, newest first (24 in all).
ORDER_AGES = {
    "carol@example.com": (0.1, 2.5, 6, 12, 18, 26, 33, 41),
    "dan@example.com": (0.6, 3, 8, 16, 29, 40),
    "erin@example.com": (0.3, 4.5, 9, 20, 31, 44),
    "frank@example.com": (0.05, 7, 22, 38),
}
CANCELLED = {("dan@example.com", 4)}


@dataclass
class Script:
    """One thread: whose order (their n-th newest), the steps, and who has read it all.

    A step is (who, kind, text): who is "customer", "admin" or "support"; kind is
    "message", "photo" (a message with a demo photo attached), "note", "open" (a dispute,
    text is the reason), "close" (text is the note; "close:<outcome>" closes with that
    outcome), "status" (staff set the thread's status to text, e.g. "closed") or "read"
    (they read the thread so far; no text).
    """

    customer: str
    nth: int
    steps: list[tuple[str, str, str]]
    read_by: tuple[str, ...] = ()
    #: The order's lines as (index into PRODUCTS, qty), so the talk matches what was bought.
    lines: tuple[tuple[int, int], ...] = ()


def _grinder_chat() -> list[tuple[str, str, str]]:
    lines = [
        ("customer", "Hi, which grind setting do you recommend for a V60?"),
        ("admin", "Hi Carol! Start at 18 and adjust by taste: finer if it tastes sour."),
        ("customer", "18 came out a bit bitter with your house beans."),
        ("admin", "Then try 21. Darker roasts like a slightly coarser grind."),
        ("customer", "21 is better. Water temperature?"),
        ("admin", "About 93 °C. Our gooseneck kettle shows it on the lid."),
        ("customer", "Ha, nice try :) I'll use a thermometer for now."),
        ("admin", "Fair enough! 30 s bloom, then pour slowly in circles."),
        ("customer", "How many grams of coffee for one big mug?"),
        ("admin", "18 g coffee to 300 g water is a good start."),
        ("customer", "Perfect cup this morning. The grinder is really quiet too."),
        ("admin", "Glad to hear it! Clean the burrs once a month with a dry brush."),
        ("customer", "Will do. Thanks for all the help!"),
        ("admin", "Any time. Enjoy your coffee!"),
    ]
    return [(who, "message", text) for who, text in lines]


SCRIPTS = [
    Script(
        "carol@example.com",
        2,
        [
            ("customer", "message", "Hi! When will my order arrive? I need the beans by Friday."),
            (
                "admin",
                "message",
                "Hi Carol, it left our warehouse yesterday and should arrive on Thursday.\n"
                "Tracking: https://tracking.example.com/parcel/EX123456",
            ),
        ],
        read_by=("admin", "support"),
        lines=((0, 2), (4, 1)),
    ),
    Script(
        "carol@example.com",
        6,
        _grinder_chat(),
        read_by=("customer", "admin", "support"),
        lines=((3, 1), (0, 1)),
    ),
    Script(
        "carol@example.com",
        4,
        [
            ("customer", "message", "The kettle arrived with a dent and the lid doesn't close."),
            ("support", "read", ""),
            ("support", "message", "So sorry about that! Could you send us a photo?"),
            ("customer", "photo", "Here it is, the dent is on the left side."),
            (
                "customer",
                "open",
                "The kettle arrived damaged: dented body, the lid does not close. "
                "I would like a replacement.",
            ),
        ],
        # Nobody has seen the photo and the dispute yet (with the shop's shared read state:
        # the whole team has not).
        lines=((2, 1),),
    ),
    Script(
        "dan@example.com",
        1,
        [("customer", "message", "Can I still change the delivery address to 12 Harbour St?")],
        lines=((6, 1), (0, 1)),
    ),
    Script(
        "dan@example.com",
        5,
        [
            ("customer", "message", "Are the paper filters compostable?"),
            ("admin", "message", "Yes, they are unbleached and fully compostable."),
            ("customer", "message", "Great, thanks!"),
            # Nothing left to answer: closed, so a fresh demo's bell is not red for a "thanks".
            ("admin", "status", "closed"),
        ],
        read_by=("customer", "admin", "support"),
        lines=((4, 3), (1, 1)),
    ),
    Script(
        "dan@example.com",
        3,
        [
            ("customer", "message", "My frother stopped charging after a week."),
            ("support", "message", "Sorry! We're sending a new one today, no need to return it."),
        ],
        read_by=("customer", "support"),
        lines=((7, 1),),
    ),
    Script(
        "erin@example.com",
        2,
        [
            (
                "admin",
                "message",
                "Hi Erin, the blue travel mug is out of stock, so we sent it in black. "
                "Tell us if you'd rather wait for blue.",
            ),
        ],
        read_by=("admin",),
        lines=((5, 2), (0, 1)),
    ),
    Script(
        "erin@example.com",
        5,
        [
            ("customer", "message", "Tracking says delivered, but there is no parcel."),
            ("customer", "open", "The parcel never arrived."),
            ("admin", "message", "We asked the carrier: it was left with your neighbour at no. 8."),
            ("admin", "close:resolved_for_store", "Parcel found at the neighbour's."),
            ("customer", "message", "Got it, thank you!"),
            ("admin", "status", "closed"),
        ],
        read_by=("customer", "admin", "support"),
        lines=((1, 1), (4, 2)),
    ),
    Script(
        "frank@example.com",
        0,
        [("customer", "message", "Do you gift-wrap? It's a birthday present.")],
        lines=((2, 1),),
    ),
    Script(
        "frank@example.com",
        3,
        [
            ("customer", "message", "Could I get an invoice made out to Foster Ltd?"),
            ("admin", "message", "Of course, we've emailed it to you."),
            ("admin", "note", "Invoice 2291 reissued to Foster Ltd, VAT no. on file."),
        ],
        read_by=("customer", "admin", "support"),
        lines=((3, 1), (5, 4)),
    ),
]


# Canned replies the staff keep (Messages -> Canned replies), as (title, body).
CANNED_REPLIES = [
    (
        "Delivery times",
        "Hi {customer_first_name},\n\nthanks for your message about order #{order_number}. "
        "Orders leave our warehouse within one working day and usually arrive two to three "
        "days later; you get a tracking link by email as soon as yours ships.\n\n"
        "Best wishes,\n{staff_name}",
    ),
    (
        "Damaged on arrival",
        "Hi {customer_first_name},\n\nI'm sorry order #{order_number} arrived damaged. Could "
        "you send us a photo of the item and of the box? We'll send a replacement or refund "
        "you, whichever you prefer.\n\n{staff_name}",
    ),
    (
        "Thanks, all sorted",
        "Thanks {customer_first_name}, glad it's sorted! Enjoy your coffee.\n\n{staff_name}",
    ),
]


def _status_for(days: float) -> str:
    if days < 1:
        return "pending"
    if days < 4:
        return "paid"
    if days < 10:
        return "shipped"
    return "delivered"


def _make_orders(
    customers: list[User], products: list[Product], now: datetime
) -> dict[str, list[Order]]:
    """Orders per customer email, newest first.  Lines are random unless a script fixes them."""
    rng = random.Random(2018)
    fixed = {(s.customer, s.nth): s.lines for s in SCRIPTS if s.lines}
    by_customer: dict[str, list[Order]] = {}
    for customer in customers:
        orders = []
        for nth, days in enumerate(ORDER_AGES[customer.email]):
            key = (customer.email, nth)
            created = now - timedelta(days=days, minutes=rng.randint(0, 50))
            status = "cancelled" if key in CANCELLED else _status_for(days)
            order = Order(customer_id=customer.id, created_at=created, status=status)
            picks = fixed.get(key) or [
                (i, rng.choice((1, 1, 1, 2, 3)))
                for i in rng.sample(range(len(products)), rng.randint(1, 3))
            ]
            for index, qty in picks:
                order.add_line(products[index], qty)
            db.session.add(order)
            orders.append(order)
        by_customer[customer.email] = orders
    db.session.commit()
    return by_customer


def _play(script: Script, order: Order, actors: dict[str, Any]) -> None:
    for who, kind, text in script.steps:
        actor = actors[who] if who != "customer" else customer_actor(order.customer)
        if kind == "open":
            services.open_dispute(order, actor, text)
        elif kind.startswith("close"):
            outcome = kind.partition(":")[2] or None
            services.close_dispute(order, actor, outcome=outcome, note=text)
        elif kind == "status":
            services.set_status(order, actor, text)
        elif kind == "read":
            services.mark_read(actor, [services.get_or_create_thread(order).id])
        elif kind == "photo":  # a message with a picture attached
            services.post_message(order, actor, text, files=[("kettle-dent.png", kettle_png())])
        else:
            services.post_message(order, actor, text, note=kind == "note")
    thread = services.get_thread(order)
    assert thread is not None
    for who in script.read_by:
        actor = actors[who] if who != "customer" else customer_actor(order.customer)
        services.mark_read(actor, [thread.id])
    commit()  # the script's unit of work: then its mail and signals


def _spread_times(order: Order, now: datetime) -> None:
    """Give the thread's entries times between the order's creation and now."""
    models = order_messages.models
    thread = services.get_thread(order)
    assert thread is not None
    entries = db.session.scalars(
        sa.select(models.Message).where(models.Message.thread_id == thread.id).order_by("id")
    ).all()
    start = order.created_at + timedelta(minutes=40)
    gap = min(timedelta(hours=9), (now - start) / (len(entries) + 1))
    times = [start + gap * (i + 1) for i in range(len(entries))]
    events = []
    for entry, when in zip(entries, times, strict=True):
        entry.created_at = when
        if entry.event:
            events.append((entry.event, when))
    thread.created_at, thread.last_message_at = times[0], times[-1]
    _replay_targets(thread, entries)
    disputes = db.session.scalars(
        sa.select(models.Dispute).where(models.Dispute.thread_id == thread.id).order_by("id")
    ).all()
    opened = iter(w for e, w in events if e == "dispute_opened")
    closed = iter(w for e, w in events if e == "dispute_closed")
    for dispute in disputes:
        dispute.opened_at = next(opened, dispute.opened_at)
        if dispute.respond_by is not None:
            # The respond-by time follows the opening: Carol's dispute is overdue in the demo.
            dispute.respond_by = respond_by_from(dispute.opened_at)
        if dispute.closed_at is not None:
            dispute.closed_at = next(closed, dispute.closed_at)
    db.session.commit()


def _replay_targets(thread: Any, entries: Any) -> None:
    """The reply due, first response and answers as if the thread had been written at its
    spread times (posting computed them at seeding time: every reply looked on time and no
    thread overdue)."""
    rows = [(thread.id, e.id, e.author_role, e.created_at) for e in entries if e.kind == "message"]
    for state in replay(rows, current_settings.targets):
        thread.awaiting_since, thread.awaiting_first = state.awaiting_since, state.awaiting_first
        thread.response_due_at = state.response_due_at
        thread.first_response_at = state.first_response_at
        for entry in entries:
            for column, value in state.answers.get(entry.id, {}).items():
                setattr(entry, column, value)
    if thread.status == "closed":
        # As closing does (services.status): nobody owes the customer a reply any more.
        thread.awaiting_since = thread.awaiting_first = thread.response_due_at = None
        thread.status_changed_at = entries[-1].created_at


def seed() -> dict[str, int]:
    """Fill an empty shop.  Needs an app and request context (hooks build URLs)."""
    now = utcnow()
    users = []
    for name, email, password, is_staff in DEMO_USERS:
        user = User(name=name, email=email, is_staff=is_staff)
        user.set_password(password)
        users.append(user)
    products = [Product(name=n, description=d, price_cents=p) for n, d, p in PRODUCTS]
    db.session.add_all(users + products)
    db.session.commit()

    staff = {u.email: u for u in users if u.is_staff}
    customers = [u for u in users if not u.is_staff]
    orders = _make_orders(customers, products, now)
    actors = {
        "admin": staff_actor(staff["admin@example.com"]),
        "support": staff_actor(staff["support@example.com"]),
    }
    for script in SCRIPTS:
        order = orders[script.customer][script.nth]
        _play(script, order, actors)
        _spread_times(order, now)
    for title, body in CANNED_REPLIES:
        create_reply(actors["admin"], title, body, shared=True)  # vendors too, in a marketplace
    db.session.commit()  # services only flush: without this the replies were rolled back
    market: dict[str, int] = {}
    if marketplace.enabled():
        from .seed_marketplace import seed_marketplace

        market = seed_marketplace(now)

    return market | {
        "products": len(products),
        "staff": len(staff),
        "customers": len(customers),
        "orders": sum(len(o) for o in orders.values()),
        "threads": len(SCRIPTS) + market.get("vendor_threads", 0),
        "unread_for_admin": services.unread_thread_count(actors["admin"]),
        "open_disputes": services.open_dispute_count(actors["admin"]),
        "overdue_disputes": services.overdue_dispute_count(actors["admin"]),
        "canned_replies": len(CANNED_REPLIES),
    }
