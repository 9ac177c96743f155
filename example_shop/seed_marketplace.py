"""Marketplace mode's demo data, on top of the plain demo (whose coffee gear stays the
marketplace's own): two vendors with their products and staff, a read-only support login,
orders sold by each vendor, their threads and an open dispute.

Seeded with the plain demo by ``SHOP_MARKETPLACE=1 flask seed``, or alone by ``flask seed
--if-empty`` in a shop seeded before the mode was switched on.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_order_messages import commit, staff_actor

from .marketplace import READ_ONLY, OrderVendor, ProductVendor, StaffRole, Vendor
from .models import Order, Product, User, db, utcnow
from .seed import DEMO_USERS, Script, _play, _spread_times

#: Each vendor and what it sells: (name, [(product, description, price in cents)]).
VENDORS = [
    (
        "Acme Tools",
        [
            ("Cordless drill, 18 V", "Two batteries, a charger and a case.", 8900),
            ("Claw hammer, 450 g", "Fibreglass handle, magnetic nail holder.", 1890),
            ("Tape measure, 5 m", "Locking blade, belt clip.", 990),
        ],
    ),
    (
        "Bolt Books",
        [
            ("The Coffee Atlas", "Hardcover, 300 pages, maps of every growing region.", 3400),
            ("Brewing at Home", "A field guide to filter, espresso and cold brew.", 1850),
            ("Dotted notebook, A5", "For your tasting notes, 160 pages.", 1200),
        ],
    ),
]

# (name, email, password, vendor name or None, role).  Printed by ``flask logins``.
MARKET_USERS = [
    ("Ann Anvil", "ann@acme.example.com", "acme123", "Acme Tools", "full"),
    ("Ben Binder", "ben@bolt.example.com", "bolt123", "Bolt Books", "full"),
    ("Rita Reader", "rita@example.com", "rita123", None, READ_ONLY),
]

#: Orders sold by the vendors: (customer, age in days, vendor, product index, qty, status).
ORDERS = [
    ("carol@example.com", 5, "Acme Tools", 0, 1, "shipped"),
    ("dan@example.com", 1.5, "Acme Tools", 1, 2, "paid"),
    ("erin@example.com", 12, "Bolt Books", 0, 1, "delivered"),
    ("frank@example.com", 3, "Bolt Books", 1, 1, "paid"),
    ("carol@example.com", 0.2, "Bolt Books", 2, 3, "pending"),
]

#: The threads, by index into ORDERS: "acme"/"bolt" are the vendor's staff member.
SCRIPTS = {
    0: [
        ("customer", "message", "Does the drill come with a second battery?"),
        ("acme", "message", "Hi Carol, yes: two 2 Ah batteries and a fast charger."),
        ("customer", "message", "Great, thank you!"),
    ],
    1: [("customer", "message", "Could you send the hammers in two separate parcels?")],
    2: [
        ("customer", "message", "The atlas arrived with water damage on the cover."),
        ("bolt", "message", "Sorry to hear that! Could you send a photo?"),
        ("customer", "open", "The book is water-damaged and the seller has not replaced it."),
    ],
    3: [
        ("customer", "message", "Is this the second edition?"),
        ("bolt", "message", "It is: the second edition, printed this spring."),
    ],
}
READ_BY = {0: ("customer", "acme"), 2: ("bolt",), 3: ("customer", "bolt")}


def _customer(email: str) -> User:
    """A demo customer (made, with the demo password, when the shop has other users)."""
    user: User | None = db.session.scalar(db.select(User).where(User.email == email))
    if user is None:
        name, _, password, _ = next(u for u in DEMO_USERS if u[1] == email)
        user = User(name=name, email=email, is_staff=False)
        user.set_password(password)
        db.session.add(user)
    return user


def _vendors() -> tuple[dict[str, Vendor], dict[str, list[Product]]]:
    vendors: dict[str, Vendor] = {}
    products: dict[str, list[Product]] = {}
    for name, catalogue in VENDORS:
        vendors[name] = Vendor(name=name)
        products[name] = [Product(name=n, description=d, price_cents=p) for n, d, p in catalogue]
        db.session.add_all([vendors[name], *products[name]])
    db.session.flush()
    for name, sold in products.items():
        for product in sold:
            db.session.add(ProductVendor(product_id=product.id, vendor_id=vendors[name].id))
    return vendors, products


def _staff(vendors: dict[str, Vendor]) -> dict[str, User]:
    staff = {}
    for name, email, password, vendor, role in MARKET_USERS:
        user = User(name=name, email=email, is_staff=True)
        user.set_password(password)
        db.session.add(user)
        db.session.flush()
        vendor_id = vendors[vendor].id if vendor else None
        db.session.add(StaffRole(user_id=user.id, vendor_id=vendor_id, role=role))
        staff[email] = user
    return staff


def _orders(
    vendors: dict[str, Vendor], products: dict[str, list[Product]], now: datetime
) -> list[Order]:
    orders = []
    for email, days, vendor, index, qty, status in ORDERS:
        created = now - timedelta(days=days)
        order = Order(customer_id=_customer(email).id, created_at=created, status=status)
        order.add_line(products[vendor][index], qty)
        db.session.add(order)
        db.session.flush()
        db.session.add(OrderVendor(order_id=order.id, vendor_id=vendors[vendor].id))
        orders.append(order)
    return orders


def has_vendors() -> bool:
    return bool(db.session.scalar(db.select(db.func.count(Vendor.id))))


def seed_marketplace(now: datetime | None = None) -> dict[str, int]:
    """Add the vendors, their products, staff, orders and threads.  Needs an app and a
    request context in marketplace mode (the hooks read the vendors)."""
    now = now or utcnow()
    for email in {row[0] for row in ORDERS}:
        _customer(email)
    vendors, products = _vendors()
    staff = _staff(vendors)
    orders = _orders(vendors, products, now)
    db.session.commit()
    actors = {
        "acme": staff_actor(staff["ann@acme.example.com"]),
        "bolt": staff_actor(staff["ben@bolt.example.com"]),
    }
    for index, steps in SCRIPTS.items():
        script = Script("", 0, steps, READ_BY.get(index, ()))
        _play(script, orders[index], actors)
        _spread_times(orders[index], now)
    commit()
    return {
        "vendors": len(vendors),
        "vendor_products": sum(len(p) for p in products.values()),
        "vendor_orders": len(orders),
        "vendor_threads": len(SCRIPTS),
        "vendor_staff": len(staff),
    }


def login_rows(existing: set[str]) -> list[tuple[str, str, str, str]]:
    """``flask logins``' rows for the marketplace's people: (role, name, email, password)."""
    rows = []
    for name, email, password, vendor, role in MARKET_USERS:
        if email in existing:
            who = f"{vendor} staff" if vendor else "marketplace support"
            rows.append((who + (", read-only" if role == READ_ONLY else ""), name, email, password))
    return rows
