"""Host base models as real shops write them, and how to read a table's shape.

A shop's ``SQLAlchemy(model_class=...)`` may add an ``id`` key, timestamps, ``extend_existing``
or constraints to every model it maps; :data:`STAMPED_BASES` are such bases, and
:func:`table_shape` / :func:`reflected_shape` say what a table is, to compare our tables on
such a host with the ones a plain host gets.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column


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
