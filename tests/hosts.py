"""Build other host shops than the one in ``conftest.py``, one fresh ``SQLAlchemy()`` each.

A ``SQLAlchemy()`` metadata can hold our tables only once, so every test that needs an unusual
host calls :func:`host` and gets its own ``db``, its own ``Order`` and ``User``, its own
``OrderMessages`` and app, on a SQLite file in ``tmp_path``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from itertools import count
from typing import Any

import sqlalchemy as sa
from flask import Flask, g
from flask_login import LoginManager, UserMixin
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import generate_csrf
from jinja2 import StrictUndefined
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from flask_order_messages import OrderMessages

_names = count(1)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


# -- host base models, as real shops write them ----------------------------------------------


class StampedBase:
    """A plain ``model_class`` (Flask-SQLAlchemy's ``SQLAlchemy(model_class=...)``) like the
    shop that first broke us: an ``id`` key, timestamps and ``extend_existing`` on every
    model it maps."""

    id = sa.Column(sa.Integer, primary_key=True)
    created_at = sa.Column(sa.DateTime, nullable=False, default=_now)
    updated_at = sa.Column(sa.DateTime, nullable=False, default=_now, onupdate=_now)
    __table_args__ = {"extend_existing": True}


class DeclaredStampedBase:
    """The same through ``declared_attr``, with a check constraint on the timestamps."""

    @declared_attr
    def id(cls):  # no annotation: declarative would read it as a mapping
        return sa.Column(sa.Integer, primary_key=True)

    @declared_attr
    def created_at(cls):
        return sa.Column(sa.DateTime, nullable=False, default=_now)

    @declared_attr
    def updated_at(cls):
        return sa.Column(sa.DateTime, nullable=False, default=_now, onupdate=_now)

    @declared_attr.directive
    def __table_args__(cls) -> Any:
        return (
            sa.CheckConstraint("updated_at >= created_at", name=f"ck_{cls.__tablename__}_stamps"),
            {"extend_existing": True, "comment": "managed by the shop"},
        )


def stamped_declarative_base() -> type:
    """A SQLAlchemy 2 ``DeclarativeBase`` as ``model_class`` (Flask-SQLAlchemy 3.1), typed, with
    the same ``id``, timestamps and ``extend_existing``.  A new class per call: Flask-SQLAlchemy
    copies the class's registry, so two ``SQLAlchemy()`` on one would share their metadata."""

    class ShopBase(DeclarativeBase):
        id: Mapped[int] = mapped_column(primary_key=True)
        created_at: Mapped[datetime] = mapped_column(default=_now)
        updated_at: Mapped[datetime] = mapped_column(default=_now, onupdate=_now)
        __table_args__ = {"extend_existing": True}

    return ShopBase


#: The host base models above, by a name for test ids (each a factory of the ``model_class``).
STAMPED_BASES: dict[str, Any] = {
    "plain-class": lambda: StampedBase,
    "declared-attr": lambda: DeclaredStampedBase,
    "declarative-base": stamped_declarative_base,
}


def table_shape(table: sa.Table, prefix: str) -> dict[str, Any]:
    """What a table is, as SQLAlchemy declares it, with ``prefix`` written as ``<p>``: its
    columns (name, type, nullable, key), primary key, constraints, indexes and comment."""

    def name(value: Any) -> str:
        return str(value).replace(prefix, "<p>")

    return {
        "name": name(table.name),
        "columns": [
            (c.name, str(c.type.compile(sqlite.dialect())), c.nullable, c.primary_key)
            for c in table.columns
        ],
        "primary_key": [c.name for c in table.primary_key.columns],
        "uniques": sorted(
            (name(c.name), [col.name for col in c.columns])
            for c in table.constraints
            if isinstance(c, sa.UniqueConstraint)
        ),
        "checks": sorted(
            name(c.name) for c in table.constraints if isinstance(c, sa.CheckConstraint)
        ),
        "indexes": sorted(
            (name(i.name), [col.name for col in i.columns], i.unique) for i in table.indexes
        ),
        "foreign_keys": sorted(
            (fk.parent.name, name(fk.target_fullname), fk.ondelete) for fk in table.foreign_keys
        ),
        "comment": table.comment,
    }


def reflected_shape(engine: Any, table_name: str, prefix: str) -> dict[str, Any]:
    """What a table is in the database (SQLAlchemy's inspector), ``prefix`` as ``<p>``."""
    inspector = sa.inspect(engine)

    def name(value: Any) -> str:
        return str(value).replace(prefix, "<p>")

    return {
        "columns": [
            (c["name"], c["nullable"], bool(c.get("primary_key")))
            for c in inspector.get_columns(table_name)
        ],
        "primary_key": inspector.get_pk_constraint(table_name)["constrained_columns"],
        "uniques": sorted(
            (name(u["name"]), u["column_names"])
            for u in inspector.get_unique_constraints(table_name)
        ),
        "checks": sorted(name(c["name"]) for c in inspector.get_check_constraints(table_name)),
        "indexes": sorted(
            (name(i["name"]), i["column_names"]) for i in inspector.get_indexes(table_name)
        ),
        "foreign_keys": sorted(
            (tuple(fk["constrained_columns"]), name(fk["referred_table"]))
            for fk in inspector.get_foreign_keys(table_name)
        ),
    }


def our_tables(ext: Any) -> list[sa.Table]:
    """Every table of the extension's models."""
    return [model.__table__ for model in vars(ext.models).values()]


@dataclass
class Host:
    app: Flask
    db: Any
    Order: Any
    User: Any
    ext: OrderMessages
    key: str

    def add_user(self, name: str, *, admin: bool = False, email: str | None = None) -> Any:
        user = self.User(is_admin=admin)
        if hasattr(self.User, "name"):
            user.name = name
        if hasattr(self.User, "email"):
            user.email = email if email is not None else f"{name.lower().replace(' ', '.')}@x.test"
        if self.key == "uuid":
            user.id = uuid.uuid4()
        self.db.session.add(user)
        self.db.session.commit()
        return user

    def add_order(self, owner: Any, **values: Any) -> Any:
        order = self.Order(**values)
        setattr(order, self.ext.order_customer_key, owner.id)
        pk = self.ext.order_pk.key
        if self.key == "uuid":
            setattr(order, pk, uuid.uuid4())
        elif self.key == "str":
            setattr(order, pk, f"ORD-{next(_names):04d}-{uuid.uuid4().hex[:6]}")
        self.db.session.add(order)
        self.db.session.commit()
        return order

    def login(self, client: Any, user: Any) -> Any:
        with client.session_transaction() as session:
            session["_user_id"] = str(user.id)
            session["_fresh"] = True
        g.pop("_login_user", None)
        return client

    def get(self, client: Any, url: str) -> Any:
        """GET as whoever the client is logged in as (see :meth:`post` about ``g``)."""
        for key in ("_login_user", "csrf_token"):
            g.pop(key, None)
        return client.get(url)

    def post(self, client: Any, url: str, data: dict[str, Any]) -> Any:
        """POST a form with a fresh CSRF token.  The test keeps one app context open, so
        ``g`` is shared by requests: forget the cached user and token between them."""
        for key in ("_login_user", "csrf_token"):
            g.pop(key, None)
        token = client.get("/_csrf").get_data(as_text=True)
        for key in ("_login_user", "csrf_token"):
            g.pop(key, None)
        return client.post(url, data={**data, "csrf_token": token})


def define_host(
    *,
    key: str = "int",
    order_table: str = "orders",
    model_class: Any = None,
    table_prefix: str = "order_messages_",
    customer_key: str = "customer_id",
    customer_fk: bool = False,
    hooks: bool = True,
    user_fields: tuple[str, ...] = ("name", "email"),
) -> tuple[Any, Any, Any, OrderMessages]:
    """A fresh ``db``, ``User``, ``Order`` and ``OrderMessages`` (no app yet).

    ``key``: ``"int"``, ``"uuid"`` (orders and users keyed by ``sa.Uuid``) or ``"str"``
    (orders keyed by ``String(36)``, users by integers).  ``user_fields``: which of the
    ``name`` and ``email`` columns the user model has.  ``hooks=False`` registers none.
    """
    db = SQLAlchemy(model_class=model_class) if model_class is not None else SQLAlchemy()
    user_type: Any = sa.Uuid if key == "uuid" else sa.Integer
    order_type: Any = {"int": sa.Integer, "uuid": sa.Uuid, "str": sa.String(36)}[key]
    n = next(_names)

    user_attrs: dict[str, Any] = {
        "__tablename__": f"host_accounts_{n}",
        "id": sa.Column(user_type, primary_key=True),
        "is_admin": sa.Column(sa.Boolean, nullable=False, default=False),
    }
    for field in user_fields:
        user_attrs[field] = sa.Column(sa.String(120), nullable=True)
    User = type("User", (db.Model, UserMixin), user_attrs)

    owner_args: list[Any] = [user_type]
    if customer_fk:
        owner_args.append(sa.ForeignKey(f"{user_attrs['__tablename__']}.id"))
    order_attrs: dict[str, Any] = {
        "__tablename__": order_table,
        "id": sa.Column(order_type, primary_key=True),
        customer_key: sa.Column(*owner_args, nullable=False),
        "total": sa.Column(sa.Numeric(10, 2), nullable=False, default=0),
    }
    Order = type("Order", (db.Model,), order_attrs)

    ext = OrderMessages(
        db=db,
        order_model=Order,
        user_model=User,
        order_customer_key=customer_key,
        table_prefix=table_prefix,
    )
    if hooks:

        @ext.staff_check
        def _is_staff(user: Any) -> bool:
            return bool(user.is_admin)

        @ext.staff_recipients
        def _recipients() -> list[str]:
            return [
                u.email for u in db.session.execute(sa.select(User).where(User.is_admin)).scalars()
            ]

    return db, User, Order, ext


def make_host_app(tmp_path: Any, db: Any, User: Any, ext: OrderMessages, **config: Any) -> Flask:
    """A Flask app for a host defined by :func:`define_host`, on a SQLite file."""
    app = Flask("other_host")
    app.config.update(
        TESTING=True,
        SECRET_KEY="host-secret",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / f'host-{next(_names)}.sqlite'}",
        MAIL_DEFAULT_SENDER="shop@example.test",
        MAIL_SUPPRESS_SEND=True,
        ORDER_MESSAGES_POLL_INTERVAL=0,
        SERVER_NAME="host.test",
    )
    app.config.update(config)
    app.jinja_env.undefined = StrictUndefined
    db.init_app(app)
    ext.init_app(app)
    login = LoginManager(app)
    key_type: Any = uuid.UUID if ext.user_pk.type.python_type is uuid.UUID else int

    @login.user_loader
    def _load(user_id: str) -> Any:
        return db.session.get(User, key_type(user_id))

    @app.route("/_csrf")
    def csrf() -> str:
        return generate_csrf()  # type: ignore[no-any-return]

    return app


@contextmanager
def host(tmp_path: Any, *, config: dict[str, Any] | None = None, **shape: Any) -> Iterator[Host]:
    """A whole host shop, tables created, inside a request context; cleaned up afterwards."""
    db, User, Order, ext = define_host(**shape)
    app = make_host_app(tmp_path, db, User, ext, **(config or {}))
    with app.test_request_context():
        db.create_all()
        try:
            yield Host(app, db, Order, User, ext, shape.get("key", "int"))
        finally:
            db.session.remove()
            db.drop_all()
            db.engine.dispose()
