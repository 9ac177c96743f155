"""The shared read state beyond the pages: switching modes on a database in use, the team's
key on integer, string and UUID user keys, the configuration check, migration 0010, and a
property test against a model of the shared rule (``test_shared_read.py`` has the pages)."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import mysql

from flask_order_messages import ConfigError, OrderMessages, schema
from flask_order_messages.extension import current_order_messages as ext
from flask_order_messages.services import floors, readers

from . import committing as services
from .conftest import Browser, User, db, make_app, make_order
from .host_pages import P, page, rows
from .hosts import host
from .reconfigure import reconfigure
from .test_migrations import add_message_at, add_order, add_user, migrating_host
from .test_read_state_properties import (
    ORDERS,
    _assert_agrees,
    _assert_counts_agree,
    _people,
    _thread_ids,
    _wipe,
    step,
)

MESSAGES = f"{P}/admin/messages"


def unread_numbers(browser: Browser) -> list[str]:
    """The order numbers the Messages list marks new (the page refreshes the read floor)."""
    return [r.text.split()[0] for r in rows(page(browser.get(MESSAGES))) if r.unread]


def bell(browser: Browser) -> int:
    """The header's bell: counted without refreshing the read floor."""
    html = page(browser.get("/admin/header"))
    return int(html.split('title="Unread threads">')[1].split("<")[0])


def pointers_of(user: Any) -> dict[int, int]:
    rp = ext.models.ReadPointer
    found = db.session.execute(
        sa.select(rp.thread_id, rp.last_read_id).where(rp.user_id == user.id)
    )
    return {thread_id: last_read for thread_id, last_read in found}


# -- switching modes -----------------------------------------------------------------------------


@pytest.mark.usefixtures("host_pages")
def test_switching_to_shared_and_back_carries_the_marks(app, staff, staff2, customer):
    ann, bob = Browser(app).login(staff), Browser(app).login(staff2)
    as_ann, as_bob = services.staff_actor(staff), services.staff_actor(staff2)
    as_customer = services.customer_actor(customer)
    x, y, z = (make_order(customer) for _ in range(3))
    for o in (x, y, z):
        services.post_message(o, as_customer, f"About order {o.id}")
    services.thread_view(x, as_ann)
    services.thread_view(y, as_bob)
    services.post_message(y, as_bob, "On its way")
    assert unread_numbers(ann) == ["#00002", "#00003"]  # personal: each their own
    assert unread_numbers(bob) == ["#00003", "#00001"]
    ann_before, bob_before = pointers_of(staff), pointers_of(staff2)

    reconfigure(app, READ_STATE="shared")
    # A thread read by either is read for the team; the first count carried the marks over.
    assert unread_numbers(ann) == ["#00003"]
    assert bell(bob) == 1
    services.thread_view(z, as_bob)
    services.post_message(x, as_customer, "One more question")
    assert unread_numbers(ann) == unread_numbers(bob) == ["#00001"]
    # Their own marks stay as they were, for a switch back.
    assert (pointers_of(staff), pointers_of(staff2)) == (ann_before, bob_before)

    reconfigure(app, READ_STATE="personal")
    # What the team read stays read for each: only the new question is unread.
    assert unread_numbers(ann) == unread_numbers(bob) == ["#00001"]
    # A staff member new since starts from the team's marks too.
    dan = User(name="Dan Staff", email="dan@example.test", is_admin=True)
    db.session.add(dan)
    db.session.commit()
    assert unread_numbers(Browser(app).login(dan)) == ["#00001"]
    # The customer's marks were never touched: Bob's answer is still new to her.
    assert services.order_unread_count(y, as_customer) == 1


@pytest.mark.usefixtures("host_pages")
def test_the_cli_carries_the_marks_over_at_once(app, staff, staff2, customer):
    ann, bob = Browser(app).login(staff), Browser(app).login(staff2)
    as_customer = services.customer_actor(customer)
    x, y = make_order(customer), make_order(customer)
    for o in (x, y):
        services.post_message(o, as_customer, f"About order {o.id}")
    services.thread_view(x, services.staff_actor(staff))
    runner = app.test_cli_runner()

    reconfigure(app, READ_STATE="shared")
    result = runner.invoke(args=["order-messages", "carry-read-state"])
    assert result.exit_code == 0, result.output
    assert "Carried the staff's read marks over to the team's shared ones." in result.output
    assert bell(bob) == 1  # before any refresh: the carry-over is done

    services.thread_view(y, services.staff_actor(staff2))
    reconfigure(app, READ_STATE="personal")
    result = runner.invoke(args=["order-messages", "carry-read-state"])
    assert result.exit_code == 0, result.output
    assert "Carried the team's read marks over to 2 staff members." in result.output
    assert bell(ann) == bell(bob) == 0


@pytest.mark.usefixtures("host_pages")
def test_marked_unread_right_after_the_switch_stays_unread(app, staff, staff2, customer):
    """The carry-over happens under the floor lock before "mark unread" moves a pointer back,
    and only once: a later count does not carry Bob's old read mark over it."""
    ann = Browser(app).login(staff)
    as_bob = services.staff_actor(staff2)
    order = make_order(customer)
    services.post_message(order, services.customer_actor(customer), "Where is my parcel?")
    services.thread_view(order, as_bob)
    floors.refresh(as_bob)  # Bob counted in personal mode

    reconfigure(app, READ_STATE="shared")
    services.mark_unread(as_bob, [services.get_thread(order).id])
    assert unread_numbers(ann) == ["#00001"]
    assert bell(ann) == 1


# -- the team's key -------------------------------------------------------------------------------


class IntegerKey(sa.types.TypeDecorator[int]):
    impl = sa.Integer
    cache_ok = True


@pytest.mark.parametrize(
    ("column_type", "key"),
    [
        (sa.Integer(), -(2**31)),
        (sa.BigInteger(), -(2**63)),
        (sa.SmallInteger(), -(2**15)),
        (mysql.MEDIUMINT(), -(2**23)),
        (mysql.INTEGER(unsigned=True), 2**32 - 1),
        (IntegerKey(), -(2**31)),
        (sa.String(36), ""),
        (sa.Uuid(), uuid.UUID(int=0)),
        (sa.Uuid(as_uuid=False), "00000000-0000-0000-0000-000000000000"),
    ],
)
def test_the_team_key_is_a_value_of_the_user_key_type_no_user_gets(column_type, key):
    assert readers.team_key(column_type) == key


def test_an_unknown_read_state_or_key_type_is_refused_at_init_app(tmp_path):
    with pytest.raises(ConfigError, match="ORDER_MESSAGES_READ_STATE must be one of"):
        make_app(tmp_path, ORDER_MESSAGES_READ_STATE="team")
    numeric = SQLAlchemy()
    Person = type(
        "Person",
        (numeric.Model, UserMixin),
        {"__tablename__": "people", "id": sa.Column(sa.Numeric(12, 0), primary_key=True)},
    )
    Purchase = type(
        "Purchase",
        (numeric.Model,),
        {
            "__tablename__": "purchases",
            "id": sa.Column(sa.Integer, primary_key=True),
            "customer_id": sa.Column(sa.Numeric(12, 0)),
        },
    )
    extension = OrderMessages(db=numeric, order_model=Purchase, user_model=Person)
    app = Flask("numeric_keys")
    app.config.update(ORDER_MESSAGES_READ_STATE="shared", SQLALCHEMY_DATABASE_URI="sqlite://")
    numeric.init_app(app)
    with pytest.raises(ConfigError, match=r"ORDER_MESSAGES_READ_STATE = 'shared' needs a user key"):
        extension.init_app(app)


def _server_database() -> dict[str, Any]:
    """Where a host of its own goes: the test database when one is set (its own table names),
    else a SQLite file (``hosts.host``'s default)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return {"shape": {}, "config": {}}
    tag = uuid.uuid4().hex[:8]
    shape = {"table_prefix": f"sr{tag}_", "order_table": f"sr{tag}_orders"}
    return {"shape": shape, "config": {"SQLALCHEMY_DATABASE_URI": url}}


@pytest.mark.parametrize("user_key", ["int", "str", "uuid"])
def test_hosts_with_integer_string_and_uuid_user_keys(tmp_path, user_key):
    where = _server_database()
    config = {"ORDER_MESSAGES_READ_STATE": "shared", **where["config"]}
    with host(tmp_path, user_key=user_key, config=config, **where["shape"]) as h:
        ann, bob = h.add_user("Ann", admin=True), h.add_user("Bob", admin=True)
        carol = h.add_user("Carol")
        order = h.add_order(carol)
        as_ann, as_bob = services.staff_actor(ann), services.staff_actor(bob)
        as_carol = services.customer_actor(carol)
        services.post_message(order, as_carol, "Where is my parcel?")
        services.post_message(order, as_carol, "Hello?")
        assert services.bell_counts(as_bob)["unread_threads"] == 1

        services.thread_view(order, as_ann)
        floors.refresh(as_bob)
        assert services.bell_counts(as_bob)["unread_threads"] == 0
        assert services.list_threads(as_bob, filter="unread").total == 0
        services.mark_unread(as_bob)
        assert services.order_unread_count(order, as_ann) == 1
        services.post_message(order, as_bob, "It left today.")
        assert services.order_unread_count(order, as_ann) == 1
        assert services.order_unread_count(order, as_carol) == 1

        team = readers.team_key(h.ext.user_pk.type)
        rp, f = h.ext.models.ReadPointer, h.ext.models.ReadFloor
        staff_keys = {ann.id, bob.id}
        assert not set(h.db.session.execute(sa.select(rp.user_id)).scalars()) & staff_keys
        assert h.db.session.execute(sa.select(f.user_id)).scalars().all() == [team]
        assert h.db.session.get(h.User, team) is None  # nobody's key


# -- migration 0010 -------------------------------------------------------------------------------


def test_migration_0010_fills_the_last_authors_role(tmp_path):
    with migrating_host(tmp_path) as h:
        schema.upgrade("0009")
        staff, carol = add_user(h, "Ann", admin=True), add_user(h, "Carol")
        answered, asked = add_order(h, carol), add_order(h, carol)
        add_message_at(h, answered, carol, "Where is my parcel?")
        add_message_at(h, answered, staff, "It left today.")
        add_message_at(h, asked, carol, "Wrong size")
        schema.upgrade()
        t = h.ext.models.Thread
        roles = h.db.session.execute(sa.select(t.order_id, t.last_author_role)).all()
        assert {order_id: role for order_id, role in roles} == {
            answered.id: "staff",
            asked.id: "customer",
        }
        h.db.session.remove()
        schema.downgrade("0009")
        columns = {c["name"] for c in sa.inspect(h.db.engine).get_columns(t.__table__.name)}
        assert "last_author_role" not in columns and "last_author_id" in columns


# -- the shared rule, against a model ----------------------------------------------------------


@dataclass
class SharedModel:
    """The shared rule in a few lines: staff read as one ("team"); a staff entry is never
    unread to staff and writing does not move the team's pointer; the customer reads (and
    writes) as before."""

    threads: dict[int, list[Any]] = field(default_factory=lambda: {0: [], 1: []})
    marks: dict[tuple[str, int], int] = field(default_factory=dict)

    @staticmethod
    def reader(who: str) -> str:
        return who if who == "customer" else "team"

    @property
    def pointers(self) -> dict[tuple[str, int], int]:
        """Each person's pointer: the customer's own, the team's for staff."""
        people = ("customer", "staff_a", "staff_b")
        found = {(w, o): self.marks.get((self.reader(w), o)) for w in people for o in ORDERS}
        return {key: value for key, value in found.items() if value is not None}

    def visible(self, who: str, order: int) -> list[Any]:
        return [m for m in self.threads[order] if not (m.note and who == "customer")]

    def others(self, who: str, order: int) -> list[Any]:
        if who == "customer":
            return [m for m in self.visible(who, order) if m.author != "customer"]
        return [m for m in self.visible(who, order) if m.author == "customer"]

    def unread(self, who: str, order: int) -> list[Any]:
        last = self.marks.get((self.reader(who), order), 0)
        return [m for m in self.others(who, order) if m.id > last]

    def post(self, who: str, order: int, message_id: int, note: bool) -> None:
        self.threads[order].append(Message(message_id, who, note))
        if who == "customer":
            self.marks[(who, order)] = max(self.marks.get((who, order), 0), message_id)

    def mark_read(self, who: str, order: int) -> None:
        if self.threads[order]:
            key = (self.reader(who), order)
            self.marks[key] = max(self.marks.get(key, 0), self.threads[order][-1].id)

    def mark_unread(self, who: str, order: int) -> None:
        others = [m.id for m in self.others(who, order)]
        if others:
            self.marks[(self.reader(who), order)] = max(others) - 1

    def view(self, who: str, order: int) -> None:
        if self.unread(who, order):
            self.mark_read(who, order)


@dataclass
class Message:
    id: int
    author: str
    note: bool


def _step(model: SharedModel, actors: dict, orders: list, n: int, move: tuple) -> None:
    kind, who, order, *rest = move
    actor = actors[who]
    targets = ORDERS if order is None else (order,)
    if kind == "post":
        note = rest[0] and who != "customer"
        message = services.post_message(orders[order], actor, f"step {n}", note=note)
        model.post(who, order, message.id, note)
    elif kind in ("read", "unread"):
        mark = services.mark_read if kind == "read" else services.mark_unread
        mark(actor, _thread_ids(orders, targets))
        for o in targets:
            (model.mark_read if kind == "read" else model.mark_unread)(who, o)
    elif kind == "age":
        for entry in db.session.execute(sa.select(ext.models.Message)).scalars():
            entry.created_at -= floors.margin() + timedelta(minutes=1)
        db.session.commit()
    elif kind == "floor":
        floors.refresh(actor)
    else:
        services.thread_view(orders[order], actor)
        model.view(who, order)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=1, max_size=25))
def test_shared_counts_follow_the_model(app, steps):
    reconfigure(app, READ_STATE="shared")
    people = _people()
    actors = {
        "customer": services.customer_actor(people["customer"]),
        "staff_a": services.staff_actor(people["staff_a"]),
        "staff_b": services.staff_actor(people["staff_b"]),
    }
    orders = people["orders"]
    _wipe()
    model = SharedModel()
    for n, move in enumerate(steps):
        _step(model, actors, orders, n, move)
        _assert_counts_agree(model, actors, orders, f"after step {n} {move}")  # type: ignore[arg-type]
    _assert_agrees(model, actors, orders, "at the end")  # type: ignore[arg-type]


# -- the doctor ----------------------------------------------------------------------------------


def test_the_doctor_says_whose_marks_and_finds_a_user_with_the_team_key(app):
    from flask_order_messages import doctor

    assert [f.text for f in doctor.check_read_state()] == [
        "personal: each staff member keeps their own unread marks."
    ]
    reconfigure(app, READ_STATE="shared")
    (ok,) = doctor.check_read_state()
    assert (ok.level, ok.text) == (
        "ok",
        "shared: the staff's marks are kept under -2147483648, nobody's key.",
    )
    db.session.add(User(id=-(2**31), name="Imported", email="old@example.test"))
    db.session.commit()
    (error,) = doctor.check_read_state()
    assert error.level == "error" and "user -2147483648 has the key" in error.text
