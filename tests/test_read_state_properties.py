"""Property tests (hypothesis): read pointers and unread counts against a model in plain Python.

Random sequences of posts (the customer, staff A, staff B; staff also write staff-only notes),
"mark read" and "mark unread" (one thread or all), and views of a thread, over two orders of
the same customer.  After every step each person's unread count per thread, and at the end of
each sequence every count the services give - per thread, per order, the bell, the unread
filter of the Messages section, the customer's header total, the "New messages" divider, each
read pointer - equals what the model says.  Steps also age the entries past the read
floor's margin and raise a staff member's floor, so the bell's floor-backed count is held to
the same model (checking everything after every step made the test
slow on MariaDB).

The model is the read-state rule (README, "Rules it keeps") in a few lines: a message is
unread for a person when it is newer than their pointer, visible to them (customers never
see notes) and not their own;
writing moves your own pointer to your message; "mark read" moves it to the newest entry;
"mark unread" puts it just before the newest entry someone else wrote; viewing a thread with
something unread marks it read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from flask import g
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flask_order_messages.extension import current_order_messages as ext
from flask_order_messages.services import floors

from . import committing as services
from .conftest import User, db, make_order

PEOPLE = ("customer", "staff_a", "staff_b")
ORDERS = (0, 1)


@dataclass
class Message:
    id: int
    author: str
    note: bool


@dataclass
class Model:
    threads: dict[int, list[Message]] = field(default_factory=lambda: {0: [], 1: []})
    pointers: dict[tuple[str, int], int] = field(default_factory=dict)

    def visible(self, who: str, order: int) -> list[Message]:
        return [m for m in self.threads[order] if not (m.note and who == "customer")]

    def unread(self, who: str, order: int) -> list[Message]:
        last = self.pointers.get((who, order), 0)
        return [m for m in self.visible(who, order) if m.id > last and m.author != who]

    def post(self, who: str, order: int, message_id: int, note: bool) -> None:
        self.threads[order].append(Message(message_id, who, note))
        key = (who, order)
        self.pointers[key] = max(self.pointers.get(key, 0), message_id)

    def mark_read(self, who: str, order: int) -> None:
        if self.threads[order]:
            key = (who, order)
            newest = self.threads[order][-1].id
            self.pointers[key] = max(self.pointers.get(key, 0), newest)

    def mark_unread(self, who: str, order: int) -> None:
        others = [m.id for m in self.visible(who, order) if m.author != who]
        if self.threads[order] and others:
            self.pointers[(who, order)] = max(others) - 1

    def view(self, who: str, order: int) -> None:
        if self.unread(who, order):
            self.mark_read(who, order)


who_st = st.sampled_from(PEOPLE)
order_st = st.sampled_from(ORDERS)
step = st.one_of(
    st.tuples(st.just("post"), who_st, order_st, st.booleans()),
    st.tuples(st.just("read"), who_st, st.one_of(order_st, st.none())),
    st.tuples(st.just("unread"), who_st, st.one_of(order_st, st.none())),
    st.tuples(st.just("view"), who_st, order_st),
    # Time passes (every entry so far becomes older than the floor's margin), then a staff
    # member's read floor is raised past whatever is old enough.
    st.tuples(st.just("age"), who_st, order_st),
    st.tuples(st.just("floor"), st.sampled_from(PEOPLE[1:]), order_st),
)


def _wipe() -> None:
    """Back to two orders without threads (one hypothesis example after another)."""
    db.session.rollback()
    m = ext.models
    for model in (
        m.MailOutbox,
        m.ReadFloorThread,
        m.ReadFloor,
        m.ReadPointer,
        m.Dispute,
        m.Message,
        m.Thread,
    ):
        db.session.execute(sa.delete(model))
    db.session.commit()
    g.pop("order_messages_floors", None)  # the floors read earlier are gone with their rows


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=1, max_size=25))
def test_counts_follow_the_model(app, steps):
    people = _people()
    actors = {
        "customer": services.customer_actor(people["customer"]),
        "staff_a": services.staff_actor(people["staff_a"]),
        "staff_b": services.staff_actor(people["staff_b"]),
    }
    orders = people["orders"]
    _wipe()
    model = Model()
    for n, (kind, who, order, *rest) in enumerate(steps):
        actor = actors[who]
        if kind == "post":
            note = rest[0] and who != "customer"
            message = services.post_message(orders[order], actor, f"step {n}", note=note)
            model.post(who, order, message.id, note)
        elif kind == "read":
            targets = ORDERS if order is None else (order,)
            services.mark_read(actor, _thread_ids(orders, targets))
            for o in targets:
                model.mark_read(who, o)
        elif kind == "unread":
            targets = ORDERS if order is None else (order,)
            services.mark_unread(actor, _thread_ids(orders, targets))
            for o in targets:
                model.mark_unread(who, o)
        elif kind == "age":
            for entry in db.session.execute(sa.select(ext.models.Message)).scalars():
                entry.created_at -= floors.margin() + timedelta(minutes=1)
            db.session.commit()
        elif kind == "floor":
            floors.refresh(actor)
        else:
            services.thread_view(orders[order], actor)
            model.view(who, order)
        where = f"after step {n} {(kind, who, order, *rest)}"
        _assert_counts_agree(model, actors, orders, where)
    _assert_agrees(model, actors, orders, "at the end")


def _thread_ids(orders, targets) -> list[int] | None:
    ids = []
    for o in targets:
        thread = services.get_thread(orders[o])
        if thread is not None:
            ids.append(thread.id)
    return ids


def _people() -> dict:
    """The customer, two staff and two orders: made by the first example, found by the rest
    (the app fixture lives for the whole test, hypothesis runs many examples in it)."""
    from .conftest import Order

    found = {u.email: u for u in db.session.execute(sa.select(User)).scalars()}
    if "carol@example.test" not in found:
        for name, email, admin in (
            ("Carol", "carol@example.test", False),
            ("Ann Staff", "ann@example.test", True),
            ("Bob Staff", "bob@example.test", True),
        ):
            found[email] = User(name=name, email=email, is_admin=admin)
            db.session.add(found[email])
        db.session.commit()
        make_order(found["carol@example.test"])
        make_order(found["carol@example.test"])
    customer = found["carol@example.test"]
    orders = list(
        db.session.execute(
            sa.select(Order).where(Order.customer_id == customer.id).order_by(Order.id)
        ).scalars()
    )
    return {
        "customer": customer,
        "staff_a": found["ann@example.test"],
        "staff_b": found["bob@example.test"],
        "orders": orders,
    }


def _assert_counts_agree(model: Model, actors, orders, where: str) -> None:
    """After each step: everyone's unread count per thread, in one query each."""
    threads = {o: services.get_thread(orders[o]) for o in ORDERS}
    ids = {o: t.id for o, t in threads.items() if t is not None}
    for who, actor in actors.items():
        counts = services.unread_counts(actor, list(ids.values()))
        got = {o: counts.get(ids[o], 0) if o in ids else 0 for o in ORDERS}
        assert got == {o: len(model.unread(who, o)) for o in ORDERS}, f"{where}: {who}"
        # The bell counts through the read floor (staff): it must agree too.
        unread_threads = sum(1 for o in ORDERS if model.unread(who, o))
        assert services.unread_thread_count(actor) == unread_threads, f"{where}: {who}"


def _assert_agrees(model: Model, actors, orders, where: str) -> None:
    """Every count the services give, for everyone."""
    for who, actor in actors.items():
        threads = {o: services.get_thread(orders[o]) for o in ORDERS}
        expected = {o: len(model.unread(who, o)) for o in ORDERS}
        got = {
            o: services.unread_counts(actor, [t.id]).get(t.id, 0) if t is not None else 0
            for o, t in threads.items()
        }
        assert got == expected, f"{where}: unread per thread for {who}"
        assert {o: services.order_unread_count(orders[o], actor) for o in ORDERS} == expected
        by_order = services.unread_by_order(actor, [o.id for o in orders])
        assert {o: by_order.get(orders[o].id, 0) for o in ORDERS} == expected, where
        unread_threads = sum(1 for n in expected.values() if n)
        assert services.bell_counts(actor)["unread_threads"] == unread_threads, (where, who)
        for o, thread in threads.items():
            pointer = services.last_read_id(actor, thread.id) if thread is not None else 0
            assert pointer == model.pointers.get((who, o), 0), (where, who, o)
            view = services.thread_view(orders[o], actor, mark=False)
            first = model.unread(who, o)
            assert view.unread == len(first), (where, who, o)
            assert view.first_unread_id == (first[0].id if first else None), (where, who, o)
            assert [e.id for e in view.entries] == [m.id for m in model.visible(who, o)]
        if who == "customer":
            total, _ = services.customer_unread_summary(actor)
            assert total == sum(expected.values()), where
        else:
            page = services.list_threads(actor, filter="unread")
            assert page.total == unread_threads, (where, who)
            assert services.list_threads(actor).total == sum(1 for o in ORDERS if model.threads[o])
