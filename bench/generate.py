"""A realistic shop in memory, made reproducibly from a seed, handed out as table rows.

Shape (at the default size): 20 staff, 20,000 customers (a few of them with many orders),
100,000 orders over two years, 80 % of them with a thread.  Most threads are short, some run
long, and one order (of the bench customer, ``customer1@example.com``) has a 200-message
thread.  Each thread has a topic, so its messages talk about one thing, as real ones do:
delivery, damage, refunds, warranty...  Message ids follow time across the whole shop, as
they would in a database that has been running for two years.

Read state: the bench staff member (``admin@shop.example``, user 1) has read nearly
everything except threads that moved in the last three days (half of those are new to
them) and a few old ones they skipped; the other staff members have read between 5 % and
60 % of the threads; customers have mostly read their own threads.  Some threads carry a
closed dispute, some an open one (recent orders more often).
"""

from __future__ import annotations

import random
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from flask_order_messages import search

PASSWORD = "bench123"
STAFF_EMAIL = "admin@shop.example"
CUSTOMER_EMAIL = "customer1@example.com"
LONG_THREAD = 200
SEARCH_WORD = "warranty"
DAY = 86400.0

# Message codes in the flat arrays.
CUSTOMER_MSG, STAFF_MSG, NOTE, OPENED, CLOSED = range(5)

FIRST = (
    "Anna Ben Carla David Emma Felix Greta Hugo Ida Jonas Klara Leon Mia Noah Olga Paul "
    "Quinn Rosa Sam Tina Uwe Vera Will Xenia Yusuf Zoe"
).split()
LAST = (
    "Adler Brandt Costa Dubois Eriksen Fischer Garcia Horvat Ivanova Jensen Kowalski Lopez "
    "Moreau Nowak Olsen Petrov Quist Rossi Schmidt Tanaka Urban Varga Weber Young Zimmermann"
).split()
PRODUCTS = [
    ("House espresso beans, 1 kg", 2400),
    ("Decaf beans, 500 g", 1500),
    ("Ceramic pour-over dripper", 3250),
    ("Gooseneck kettle", 6900),
    ("Conical burr grinder", 14900),
    ("Paper filters, 100 pcs", 690),
    ("Travel mug", 1995),
    ("Cold brew bottle", 2700),
    ("Milk frother", 4400),
    ("Espresso machine", 54900),
    ("Tamper, 58 mm", 2900),
    ("Knock box", 2500),
    ("Digital scale", 3900),
    ("French press", 3400),
    ("Moka pot", 2800),
    ("Cupping spoons", 1200),
]
STREETS = "Maple Street|Harbour Road|Linden Allee|Station Square|Mill Lane|Park Avenue".split("|")
CARRIERS = ("DHL", "UPS", "DPD", "GLS", "the post office")

# Templates by topic: (customer lines, staff lines).
TOPICS: dict[str, tuple[list[str], list[str]]] = {
    "delivery": (
        [
            "Hi, when will my order arrive? I need the {product} by {weekday}.",
            "The tracking number {tracking} shows no movement since {weekday}.",
            "Still nothing here. Has the parcel been lost?",
            "Could {carrier} leave it with a neighbour if I am not at home?",
            "It arrived today, thank you!",
            "The parcel says delivered but there is nothing at my door.",
        ],
        [
            "Hi {name}, your parcel left our warehouse on {weekday} with {carrier}.",
            "Tracking: https://tracking.example.com/parcel/{tracking}",
            "We have asked {carrier} to investigate and will get back to you within two days.",
            "The parcel is at your local depot and should arrive tomorrow.",
            "Sorry for the delay, we are sending a replacement by express today.",
        ],
    ),
    "damage": (
        [
            "The {product} arrived damaged, the box was crushed.",
            "Here are photos of the damage: https://photos.example.com/{tracking}.jpg",
            "The glass of the {product} is cracked, can you replace it?",
            "Do I need to send the broken one back?",
        ],
        [
            "So sorry about that! Could you send us a photo of the damage and the box?",
            "Thanks for the photos. A new {product} is on its way, no need to return the old one.",
            "We have filed a claim with {carrier}; your replacement ships today.",
        ],
    ),
    "address": (
        [
            "Can I change the delivery address to {number} {street}?",
            "I moved last week, please send it to {number} {street} instead.",
            "Sorry, I made a typo in the house number, it should be {number}.",
        ],
        [
            "Done, the new address is {number} {street}.",
            "The parcel has already left, we asked {carrier} to redirect it.",
            "Address updated. It will ship tomorrow morning.",
        ],
    ),
    "refund": (
        [
            "I would like a refund for the {product}, it is not what I expected.",
            "When will the refund of {amount} reach my card?",
            "I returned the {product} on {weekday}, tracking {tracking}.",
        ],
        [
            "We have received your return and refunded {amount} to your card.",
            "Refunds take three to five working days to show on your statement.",
            "Please use the return label in your account; the refund follows once it arrives.",
        ],
    ),
    "question": (
        [
            "Which grind setting do you recommend for the {product}?",
            "Does the {product} work on an induction hob?",
            "How many grams of coffee for one big mug?",
            "Can I order more filters for the {product}?",
        ],
        [
            "Start at setting {number} and adjust by taste: finer if it tastes sour.",
            "Yes, it works on induction and gas alike.",
            "18 g of coffee to 300 g of water is a good start.",
            "Of course, they are in the shop under accessories.",
        ],
    ),
    "warranty": (
        [
            "Is the {product} still under warranty? It stopped working after {number} weeks.",
            "The {product} makes a loud noise now. What does the warranty cover?",
            "I sent the {product} in for warranty repair on {weekday}.",
        ],
        [
            "Yes, the {product} has a two-year warranty. Please send it back with the form.",
            "The warranty covers the motor and the electronics, not the glass parts.",
            "Your warranty repair is done and the {product} ships back today.",
        ],
    ),
    "other": (
        [
            "Can I get an invoice with my company name on it?",
            "Please add a gift note: Happy birthday, {first}!",
            "Do you ship to Switzerland?",
        ],
        [
            "The invoice is attached to your account under Orders.",
            "We added the note. Have a lovely day!",
            "Yes, we ship to Switzerland; customs are included in the price.",
        ],
    ),
}
TOPIC_NAMES = list(TOPICS)
TOPIC_WEIGHTS = [40, 15, 10, 10, 15, 3, 7]
GENERIC_CUSTOMER = ["Thanks!", "Any news?", "Hello? I am still waiting for an answer.", "OK."]
GENERIC_STAFF = [
    "Thanks for your patience, {name}.",
    "You are welcome! Enjoy your coffee.",
    "Is there anything else we can help with?",
]
NOTES = [
    "Customer called, promised a callback tomorrow.",
    "Checked with the warehouse: shipped {weekday} with {carrier}.",
    "VIP customer, be generous.",
    "Refund approved by {first}.",
]
REASONS = [
    "The parcel never arrived and {carrier} says it was delivered.",
    "I was charged twice for this order.",
    "The {product} is broken and nobody answers me.",
    "The refund of {amount} never reached my card.",
]
WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()


@dataclass
class Thread:
    id: int
    order_id: int
    customer_id: int
    start: int  # index into the flat message arrays
    count: int
    topic: int
    disputes: list[tuple[int, int | None]] = field(default_factory=list)  # (open, close) offsets


class Shop:
    """Everything to load, generated once from ``seed``.  Times are seconds after ``base``."""

    def __init__(
        self,
        *,
        orders: int,
        messages: int,
        customers: int,
        staff: int,
        seed: int = 42,
        now: datetime | None = None,
    ) -> None:
        if messages < LONG_THREAD + orders // 2:
            raise ValueError("Give at least 200 + orders/2 messages.")
        self.rng = random.Random(seed)
        self.n_orders, self.n_messages = orders, messages
        self.n_customers, self.n_staff = customers, staff
        self.now = now or datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
        self.span = 730 * DAY
        self.base = self.now - timedelta(seconds=self.span)
        self._orders()
        self._threads()
        self._messages()
        self._ids()

    # -- generation -----------------------------------------------------------------------

    def at(self, seconds: float) -> datetime:
        return self.base + timedelta(seconds=seconds)

    def _orders(self) -> None:
        rng, n = self.rng, self.n_orders
        self.order_time = array("d")
        self.order_customer = array("i")
        first_customer = self.n_staff + 1
        for i in range(n):
            self.order_time.append(self.span * (i + rng.random()) / n - 3600)
            # Skewed: low customer numbers order often (customer 1 most of all).
            self.order_customer.append(first_customer + int(self.n_customers * rng.random() ** 2))
        self.order_customer[n - 40] = first_customer  # the bench customer's long thread

    def _threads(self) -> None:
        rng, n = self.rng, self.n_orders
        long_order = n - 40  # zero-based: about a week old
        with_thread = [i for i in range(n) if i == long_order or rng.random() < 0.8]
        counts = []
        for i in with_thread:
            r = rng.random()
            if i == long_order:
                counts.append(LONG_THREAD)
            elif r < 0.55:
                counts.append(rng.randint(1, 5))
            elif r < 0.85:
                counts.append(rng.randint(6, 15))
            elif r < 0.97:
                counts.append(rng.randint(16, 40))
            else:
                counts.append(rng.randint(41, 120))
        # Scale to exactly the number of messages asked for; no other thread reaches 200.
        long_index = with_thread.index(long_order)
        rest = self.n_messages - LONG_THREAD
        factor = rest / (sum(counts) - LONG_THREAD)
        for k, c in enumerate(counts):
            if k != long_index:
                counts[k] = min(150, max(1, round(c * factor)))
        diff = self.n_messages - sum(counts)
        while diff:
            k = rng.randrange(len(counts))
            if k == long_index:
                continue
            step = 1 if diff > 0 else -1
            if 1 <= counts[k] + step <= 150:
                counts[k] += step
                diff -= step
        self.threads: list[Thread] = []
        start = 0
        for tid, (i, c) in enumerate(zip(with_thread, counts, strict=True), start=1):
            topic = rng.choices(range(len(TOPIC_NAMES)), TOPIC_WEIGHTS)[0]
            t = Thread(tid, i + 1, self.order_customer[i], start, c, topic)
            self.threads.append(t)
            start += c
        self.long_thread = self.threads[long_index]

    def _messages(self) -> None:
        rng, now = self.rng, self.span
        self.m_time = array("d")
        self.m_author = array("i")
        self.m_code = array("b")
        self.m_thread = array("i")
        staff = self.n_staff
        for t in self.threads:
            n = t.count
            t0 = self.order_time[t.order_id - 1]
            time = min(t0 + rng.uniform(600, 3 * DAY), t0 + (now - t0) * 0.2)
            gap = min(6 * 3600, (now - time) / (n + 1))
            handler = 1 if rng.random() < 0.3 else rng.randint(2, staff)
            customer_side = rng.random() < 0.8
            recent = now - time < 60 * DAY
            if t is self.long_thread:
                t.disputes = [(40, 60), (190, None)]
            elif n >= 4 and rng.random() < (0.03 if recent else 0.001):
                t.disputes = [(rng.randint(max(1, n - 4), n - 1), None)]
            elif n >= 4 and rng.random() < 0.025:
                k = rng.randint(1, n - 2)
                t.disputes = [(k, rng.randint(k + 1, n - 1))]
            events = {}
            for k, j in t.disputes:
                events[k] = OPENED
                if j is not None:
                    events[j] = CLOSED
            for k in range(n):
                if k:
                    step = rng.expovariate(1 / gap) + 1
                    time = time + step if time + step < now else time + (now - time) / 2
                    if rng.random() < 0.7:
                        customer_side = not customer_side
                code = events.get(k)
                if code == OPENED:
                    author = t.customer_id if rng.random() < 0.85 else handler
                elif code == CLOSED:
                    author = handler
                elif customer_side:
                    code, author = CUSTOMER_MSG, t.customer_id
                else:
                    code = NOTE if rng.random() < 0.04 else STAFF_MSG
                    author = handler if rng.random() < 0.8 else rng.randint(1, staff)
                self.m_time.append(time)
                self.m_author.append(author)
                self.m_code.append(code)
                self.m_thread.append(t.id)

    def _ids(self) -> None:
        """Message ids in time order over the whole shop."""
        order = sorted(range(len(self.m_time)), key=self.m_time.__getitem__)
        self.m_id = array("i", bytes(4 * len(order)))
        for rank, pos in enumerate(order, start=1):
            self.m_id[pos] = rank
        self.id_order = array("i", order)

    # -- text -----------------------------------------------------------------------------

    def _fill(self, template: str) -> str:
        rng = self.rng
        if "{" not in template:
            return template
        return template.format(
            product=rng.choice(PRODUCTS)[0].split(",")[0].lower(),
            weekday=rng.choice(WEEKDAYS),
            tracking=f"EX{rng.randrange(10**9):09d}",
            carrier=rng.choice(CARRIERS),
            name=rng.choice(FIRST),
            first=rng.choice(FIRST),
            number=rng.randint(2, 40),
            street=rng.choice(STREETS),
            amount=f"${rng.randint(5, 300)}.{rng.randint(0, 99):02d}",
        )

    def body(self, pos: int) -> str:
        rng, code = self.rng, self.m_code[pos]
        topic = self.threads[self.m_thread[pos] - 1].topic
        customer_lines, staff_lines = TOPICS[TOPIC_NAMES[topic]]
        if code == OPENED:
            return self._fill(rng.choice(REASONS))
        if code == CLOSED:
            return rng.choice(
                ("Resolved.", "Resolved: refund issued.", "Withdrawn by the customer.")
            )
        if code == NOTE:
            return self._fill(rng.choice(NOTES))
        generic = rng.random() < 0.25
        if code == CUSTOMER_MSG:
            text = self._fill(rng.choice(GENERIC_CUSTOMER if generic else customer_lines))
        else:
            text = self._fill(rng.choice(GENERIC_STAFF if generic else staff_lines))
        if rng.random() < 0.1:
            text += "\n\n" + ("Best regards" if code == STAFF_MSG else "Thanks")
        return text

    # -- rows, table by table ---------------------------------------------------------------

    def users(self, password_hash: str) -> Iterator[tuple[Any, ...]]:
        rng = random.Random(1)
        for i in range(1, self.n_staff + 1):
            name = "Admin Admin" if i == 1 else f"{rng.choice(FIRST)} {rng.choice(LAST)} (staff)"
            email = STAFF_EMAIL if i == 1 else f"staff{i}@shop.example"
            yield (i, name, email, password_hash, True)
        for c in range(1, self.n_customers + 1):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            yield (self.n_staff + c, name, f"customer{c}@example.com", password_hash, False)

    def products(self) -> Iterator[tuple[Any, ...]]:
        for i, (name, price) in enumerate(PRODUCTS, start=1):
            yield (i, name, "", price)

    def orders_and_lines(self) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        rng = random.Random(2)
        orders, lines = [], []
        line_id = 0
        for i in range(self.n_orders):
            age = self.span - self.order_time[i]
            status = (
                "cancelled"
                if rng.random() < 0.03
                else "pending"
                if age < DAY
                else "paid"
                if age < 2 * DAY
                else "shipped"
                if age < 6 * DAY
                else "delivered"
            )
            total = 0
            for _ in range(rng.randint(1, 3)):
                line_id += 1
                product = rng.randrange(len(PRODUCTS))
                qty = rng.randint(1, 3)
                price = PRODUCTS[product][1]
                total += qty * price
                lines.append((line_id, i + 1, product + 1, qty, price))
            orders.append(
                (i + 1, self.order_customer[i], status, self.at(self.order_time[i]), total)
            )
        return orders, lines

    def threads_rows(self) -> Iterator[tuple[Any, ...]]:
        for t in self.threads:
            first, last = t.start, t.start + t.count - 1
            yield (
                t.id,
                t.order_id,
                self.at(self.m_time[first]),
                self.m_id[last],
                self.at(self.m_time[last]),
                self.m_author[last],
                self.role(last),
                t.count,
            )

    def role(self, pos: int) -> str:
        """The author role of message ``pos``: a customer's message, or a dispute a customer
        opened, is the customer's; everything else staff wrote."""
        code = self.m_code[pos]
        customer = code == CUSTOMER_MSG or (code == OPENED and self.m_author[pos] > self.n_staff)
        return "customer" if customer else "staff"

    def message_rows(self) -> Iterator[tuple[Any, ...]]:
        """In id order (time order), as a live shop would have written them."""
        self.reasons: dict[int, str] = {}
        kinds = ("message", "message", "note", "event", "event")
        events = (None, None, None, "dispute_opened", "dispute_closed")
        for pos in self.id_order:
            code = self.m_code[pos]
            body = self.body(pos)
            if code in (OPENED, CLOSED):
                self.reasons[pos] = body
            yield (
                self.m_id[pos],
                self.m_thread[pos],
                self.m_author[pos],
                self.role(pos),
                kinds[code],
                events[code],
                body,
                search.search_text(body),
                self.at(self.m_time[pos]),
            )

    def dispute_rows(self) -> Iterator[tuple[Any, ...]]:
        """After :meth:`message_rows` (the reasons are the events' bodies)."""
        did = 0
        for t in self.threads:
            for k, j in t.disputes:
                did += 1
                o = t.start + k
                opener = self.m_author[o]
                role = "staff" if opener <= self.n_staff else "customer"
                row: tuple[Any, ...] = (did, t.id, t.id if j is None else None, opener, role)
                row += (self.at(self.m_time[o]), self.reasons[o])
                if j is None:
                    row += (None, None, None, None, None)
                else:
                    c = t.start + j
                    outcome = "withdrawn" if "Withdrawn" in self.reasons[c] else "resolved"
                    note = None if self.reasons[c] in ("Resolved.",) else self.reasons[c]
                    row += (self.m_author[c], "staff", self.at(self.m_time[c]), outcome, note)
                yield row

    def pointer_rows(self) -> Iterator[tuple[Any, ...]]:
        """Read pointers (user_id, thread_id, last_read_id, updated_at), each at least at the
        person's own last message (writing means having read)."""
        rng, staff, span = random.Random(3), self.n_staff, self.span
        shares = [0.0, 0.0] + [
            0.05 + 0.55 * (s - 2) / max(1, staff - 2) for s in range(2, staff + 1)
        ]
        for t in self.threads:
            ids = self.m_id[t.start : t.start + t.count]
            authors = self.m_author[t.start : t.start + t.count]
            last = ids[-1]
            last_time = self.m_time[t.start + t.count - 1]
            when = self.at(last_time)
            own: dict[int, int] = {}
            for mid, author in zip(ids, authors, strict=True):
                own[author] = mid
            # The customer.
            mine = own.get(t.customer_id, 0)
            if mine or rng.random() > 0.3:
                pointer = last if rng.random() < 0.9 else max(mine, rng.choice(ids))
                yield (t.customer_id, t.id, pointer, when)
            # The bench staff member.
            mine = own.get(1, 0)
            recent = span - last_time < 3 * DAY
            if rng.random() < (0.5 if recent else 0.006):
                pointer = max(
                    mine, rng.choice(ids[:-1]) if t.count > 1 and rng.random() < 0.7 else 0
                )
            else:
                pointer = last
            if pointer:
                yield (1, t.id, pointer, when)
            # The others.
            for s in range(2, staff + 1):
                mine = own.get(s, 0)
                pointer = last if rng.random() < shares[s] else mine
                if pointer:
                    yield (s, t.id, pointer, when)
