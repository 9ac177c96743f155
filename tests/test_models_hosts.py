"""Every host shape the extension promises to fit, end to end: tables, a message, the bell."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, declared_attr

from flask_order_messages import (
    OrderMessages,
    customer_actor,
    schema,
    search,
    staff_actor,
)

from . import committing as services
from .conftest import db as conftest_db
from .host_models import STAMPED_BASES, StampedBase, our_tables, reflected_shape, table_shape
from .hosts import Host, define_host, host, make_host_app

OUR_TABLES = (
    "threads",
    "thread_search",
    "messages",
    "read_pointers",
    "read_floors",
    "read_floor_threads",
    "disputes",
    "mail_outbox",
    "attachments",
    "canned_replies",
    "drafts",
    "reply_addresses",
    "inbound_mails",
    "presence",
    "webhook_endpoints",
    "webhook_deliveries",
    "access_tokens",
)


def exercise(h: Host) -> None:
    """What every host must be able to do: a customer writes, staff see it on the bell and
    answer, the customer sees the answer as unread, a dispute shows on the staff bell."""
    staff = h.add_user("Admin Admin", admin=True)
    carol = h.add_user("Carol Customer")
    order = h.add_order(carol)
    as_staff, as_carol = staff_actor(staff), customer_actor(carol)

    message = services.post_message(order, as_carol, "Where is my parcel?")
    assert message.id is not None
    assert services.bell_counts(as_staff) == {
        "unread_threads": 1,
        "open_disputes": 0,
        "overdue_disputes": 0,
    }
    assert services.bell_counts(as_carol) == {"unread_threads": 0, "open_disputes": 0}
    assert services.order_unread_count(order, as_staff) == 1

    view = services.thread_view(order, as_staff)
    assert [e.body for e in view.entries] == ["Where is my parcel?"]
    assert view.first_unread_id == message.id
    assert services.bell_counts(as_staff)["unread_threads"] == 0

    services.post_message(order, as_staff, "It left today.")
    assert services.order_unread_count(order, as_carol) == 1
    assert services.unread_by_order(as_carol, [h.ext.order_key(order)]) == {
        h.ext.order_key(order): 1
    }

    services.open_dispute(order, as_carol, "It never arrived.")
    assert services.bell_counts(as_staff) == {
        "unread_threads": 1,
        "open_disputes": 1,
        "overdue_disputes": 0,
    }

    page = services.list_threads(as_staff)
    assert [row.order for row in page.rows] == [order]
    # The order key typed into the search box finds the thread, whatever its type.
    found = services.list_threads(as_staff, query=str(h.ext.order_key(order)))
    assert [row.order for row in found.rows] == [order]

    # The host's own order query can be filtered by messages.
    other = h.add_order(carol)

    def orders(mode: str) -> list[Any]:
        stmt = services.filter_orders(sa.select(h.Order), mode, as_staff)
        return list(h.db.session.execute(stmt).scalars())

    assert orders("any") == [order]
    assert orders("unread") == [order]
    assert {o.id for o in orders("all")} == {order.id, other.id}


def table_names(h: Host) -> set[str]:
    return set(sa.inspect(h.db.engine).get_table_names())


def test_integer_key_host_from_conftest(app, staff, customer, order, as_staff, as_customer):
    # The conftest host: integer keys, an order table not called "orders", a plain owner column.
    tables = set(sa.inspect(conftest_db.engine).get_table_names())
    assert {f"order_messages_{t}" for t in OUR_TABLES} <= tables
    services.post_message(order, as_customer, "Hello")
    assert services.bell_counts(as_staff) == {
        "unread_threads": 1,
        "open_disputes": 0,
        "overdue_disputes": 0,
    }
    thread = services.get_thread(order)
    assert isinstance(thread.order_id, int) and thread.order_id == order.id


@pytest.mark.parametrize("key", ["int", "uuid", "str"])
def test_each_key_type_works_end_to_end(tmp_path, key):
    with host(tmp_path, key=key) as h:
        exercise(h)
        thread_table = h.ext.models.Thread.__table__
        # order_id copies the type of the host's order key.
        assert type(thread_table.c.order_id.type) is type(h.Order.__table__.c.id.type)
        thread = h.db.session.execute(sa.select(h.ext.models.Thread)).scalar_one()
        order = h.db.session.get(h.Order, thread.order_id)
        assert order is not None


def test_uuid_host_pages_parse_the_key(tmp_path):
    with host(tmp_path, key="uuid") as h:
        staff = h.add_user("Admin Admin", admin=True)
        carol = h.add_user("Carol Customer")
        order = h.add_order(carol)
        services.post_message(order, customer_actor(carol), "Parcel is late")

        client = h.login(h.app.test_client(), staff)
        page = h.get(client, f"/order-messages/admin/orders/{order.id}")
        assert page.status_code == 200
        assert "Parcel is late" in page.get_data(as_text=True)
        # A malformed or unknown key is a plain 404, never a 500.
        assert h.get(client, "/order-messages/admin/orders/not-a-uuid").status_code == 404
        assert h.get(client, f"/order-messages/admin/orders/{uuid.uuid4()}").status_code == 404

        client = h.login(h.app.test_client(), carol)
        reply = h.post(client, f"/order-messages/orders/{order.id}/messages", {"body": "Any news?"})
        assert reply.status_code == 303
        assert services.bell_counts(staff_actor(staff))["unread_threads"] == 1


def test_string_key_host_with_foreign_key_to_users(tmp_path):
    with host(tmp_path, key="str", customer_fk=True, order_table="Shop Orders 2") as h:
        exercise(h)
        fk = next(iter(h.ext.models.Thread.__table__.c.order_id.foreign_keys))
        assert fk.column.table.name == "Shop Orders 2"


@pytest.mark.parametrize("name", ["purchase", "sales_order_headers", "Order-Table"])
def test_order_table_with_any_name(tmp_path, name):
    with host(tmp_path, order_table=name) as h:
        exercise(h)
        assert name in table_names(h)
        fk = next(iter(h.ext.models.Thread.__table__.c.order_id.foreign_keys))
        assert fk.target_fullname == f"{name}.id"


def test_owner_column_with_another_name_and_no_foreign_key(tmp_path):
    with host(tmp_path, customer_key="buyer_ref") as h:
        assert not h.Order.__table__.c.buyer_ref.foreign_keys
        exercise(h)
        carol = h.db.session.execute(sa.select(h.User).where(h.User.is_admin.is_(False))).scalar()
        stranger = h.add_user("Sam Stranger")
        # Only the owner named by the plain column sees the thread.
        assert services.list_threads(customer_actor(carol)).total == 1
        assert services.list_threads(customer_actor(stranger)).total == 0


def test_missing_owner_attribute_is_refused_with_its_name(tmp_path):
    db = SQLAlchemy()

    class Buyer(db.Model):  # type: ignore[name-defined,misc]
        __tablename__ = "buyers"
        id = sa.Column(sa.Integer, primary_key=True)

    class Purchase(db.Model):  # type: ignore[name-defined,misc]
        __tablename__ = "purchases"
        id = sa.Column(sa.Integer, primary_key=True)
        buyer = sa.Column(sa.Integer)

    with pytest.raises(TypeError, match="customer_id"):
        OrderMessages(db=db, order_model=Purchase, user_model=Buyer)


def test_composite_order_key_is_refused(tmp_path):
    db = SQLAlchemy()

    class Buyer(db.Model):  # type: ignore[name-defined,misc]
        __tablename__ = "buyers"
        id = sa.Column(sa.Integer, primary_key=True)

    class Purchase(db.Model):  # type: ignore[name-defined,misc]
        __tablename__ = "purchases"
        shop = sa.Column(sa.Integer, primary_key=True)
        number = sa.Column(sa.Integer, primary_key=True)
        customer_id = sa.Column(sa.Integer)

    with pytest.raises(TypeError, match="exactly one primary-key column"):
        OrderMessages(db=db, order_model=Purchase, user_model=Buyer)


# -- a host whose model_class injects keys, columns and table args ----------------------


class TenantBase:
    """A plain ``model_class``: a tenant column and table options on every model."""

    tenant = sa.Column(sa.String(20), nullable=False, default="main")
    __table_args__ = {"info": {"audited": True}, "comment": "managed by the shop"}


class CheckedBase:
    """A ``model_class`` whose table args are a ``declared_attr`` holding a constraint of its
    own (a fresh one per table) plus options."""

    @declared_attr
    def tenant(cls):  # no annotation: declarative would read it as a mapping
        return sa.Column(sa.String(20), nullable=False, default="main")

    @declared_attr.directive
    def __table_args__(cls) -> Any:
        return (
            sa.CheckConstraint("tenant <> ''", name=f"ck_{cls.__tablename__}_tenant"),
            {"info": {"audited": True}},
        )


class ModernBase(DeclarativeBase):
    """A SQLAlchemy 2 ``DeclarativeBase`` as ``model_class``, with a plain dict of table args."""

    __table_args__ = {"comment": "managed by the shop"}


#: Every host base model we promise to fit, as factories of the ``model_class``.
HOST_BASES = {
    **STAMPED_BASES,
    "tenant": lambda: TenantBase,
    "declared-check": lambda: CheckedBase,
    "modern": lambda: ModernBase,
}


def _shapes(h: Host) -> dict[str, tuple[Any, Any]]:
    """Each of our tables as declared and as in the database, by name without the prefix."""
    prefix = h.ext.table_prefix
    return {
        t.name[len(prefix) :]: (
            table_shape(t, prefix),
            reflected_shape(h.db.engine, t.name, prefix),
        )
        for t in our_tables(h.ext)
    }


@pytest.fixture(scope="module")
def designed(tmp_path_factory):
    """Our tables as a host with Flask-SQLAlchemy's own ``db.Model`` gets them."""
    with host(tmp_path_factory.mktemp("plain")) as h:
        return _shapes(h)


def test_designed_keys(designed):
    # What "as designed" means for the tables keyed on other columns than an id.
    keys = {name: shape[0]["primary_key"] for name, shape in designed.items()}
    assert keys["thread_search"] == ["thread_id"]
    assert keys["read_floors"] == ["user_id"]
    assert keys["read_floor_threads"] == ["user_id", "thread_id"]
    # Presence: one row per order and person (an order may have no thread yet).
    assert keys["presence"] == ["order_id", "user_id"]
    assert {keys[name][0] for name in keys} <= {"id", "thread_id", "user_id", "order_id"}


@pytest.mark.parametrize("base", HOST_BASES)
def test_host_base_model_neither_breaks_nor_changes_our_tables(tmp_path, designed, base):
    model_class = HOST_BASES[base]()
    # OrderMessages(...) is built inside host(): it used to crash here for an injected id.
    with host(tmp_path, model_class=model_class) as h:
        # The host's own models did get what its base adds...
        orders = h.Order.__table__
        assert set(orders.c.keys()) - {"id", "customer_id", "total"} or orders.comment
        # ...ours are exactly as designed: the same columns, keys, constraints, indexes and
        # comment, in the metadata and in the database create_all made.
        assert _shapes(h) == designed
        exercise(h)
        _assert_our_constraints_hold(h)


def _assert_our_constraints_hold(h: Host) -> None:
    """The database refuses a second thread per order and a second open dispute per thread."""
    models = h.ext.models
    thread = h.db.session.execute(sa.select(models.Thread)).scalars().first()
    h.db.session.add(models.Thread(order_id=thread.order_id, message_count=0))
    with pytest.raises(IntegrityError):
        h.db.session.commit()
    h.db.session.rollback()
    h.db.session.add(
        models.Dispute(
            thread_id=thread.id, open_thread_id=thread.id, opened_by_role="staff", reason="x"
        )
    )
    with pytest.raises(IntegrityError):
        h.db.session.commit()
    h.db.session.rollback()


def test_two_hosts_on_the_same_kind_of_base_model(tmp_path):
    # Two shops in one process (an app factory called twice, the tests) on one base model.
    for _ in range(2):
        with host(tmp_path, model_class=StampedBase) as h:
            exercise(h)


@pytest.mark.parametrize("prefix", ["order_messages_", "shop_msg_"])
def test_tables_share_the_configurable_prefix(tmp_path, prefix):
    with host(tmp_path, table_prefix=prefix) as h:
        ours = {m.__table__.name for m in vars(h.ext.models).values()}
        assert ours == {prefix + t for t in OUR_TABLES}
        # db.create_all() created every one of them, and nothing else of ours but SQLite's
        # full-text search table (FTS5 keeps its index in shadow tables of its own name).
        created = table_names(h)
        assert ours <= created
        fts = search.fts_table_name(prefix + "messages")
        assert fts in created
        shadows = search.fts_shadow_names(prefix + "messages")
        shadows |= search.fts_shadow_names(prefix + "thread_search")
        extra = created - ours - shadows
        assert extra == {h.Order.__tablename__, h.User.__tablename__}
        exercise(h)


def test_two_prefixes_live_side_by_side_in_one_database(tmp_path):
    # Two shops (two dbs) may share one database file as long as the names differ.
    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    first = define_host(table_prefix="a_", order_table="a_orders")
    second = define_host(table_prefix="b_", order_table="b_orders")
    for db, User, _Order, ext in (first, second):
        app = make_host_app(tmp_path, db, User, ext, SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            db.create_all()
            db.engine.dispose()
    engine = sa.create_engine(url)
    try:
        names = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {f"a_{t}" for t in OUR_TABLES} | {f"b_{t}" for t in OUR_TABLES} <= names


def _autogenerate(h: Host, url: str) -> list[Any]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            # As a host's Flask-Migrate would, with the hook the README gives it: SQLite's FTS5
            # tables cannot be described by metadata, so autogenerate must not see them.
            include = schema.host_include_object(h.ext, with_our_tables=True)
            context = MigrationContext.configure(conn, opts={"include_object": include})
            return compare_metadata(context, h.db.metadata)
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "shape",
    [{}, {"key": "uuid"}, {"model_class": TenantBase, "table_prefix": "om_"}],
    ids=["int", "uuid", "model_class"],
)
def test_flask_migrate_autogenerate_sees_every_table(tmp_path, shape):
    with host(tmp_path, **shape) as h:
        empty = f"sqlite:///{tmp_path / 'empty.sqlite'}"
        diffs = _autogenerate(h, empty)
        added = {d[1].name for d in diffs if d[0] == "add_table"}
        prefix = shape.get("table_prefix", "order_messages_")
        assert {prefix + t for t in OUR_TABLES} <= added
        # The migration would carry our constraints, indexes and foreign key with the tables.
        threads = next(
            d[1] for d in diffs if d[0] == "add_table" and d[1].name == prefix + "threads"
        )
        assert any(
            isinstance(c, sa.UniqueConstraint) and [col.name for col in c.columns] == ["order_id"]
            for c in threads.constraints
        )
        assert {fk.target_fullname for fk in threads.foreign_keys} == {
            f"{h.Order.__tablename__}.id"
        }


def test_autogenerate_after_create_all_finds_nothing_to_change(tmp_path):
    # A host that ran create_all and then autogenerates must not get a spurious migration.
    with host(tmp_path, model_class=TenantBase) as h:
        diffs = _autogenerate(h, str(h.db.engine.url))
        ours = [d for d in diffs if "order_messages_" in repr(d)]
        assert ours == []
