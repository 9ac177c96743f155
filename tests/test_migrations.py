"""The extension's Alembic migrations: empty -> head -> base, on whatever TEST_DATABASE_URL says.

Every test builds its own host (its own ``SQLAlchemy()``, models and table names with a random
tag), because the conftest ``app`` runs ``create_all`` and because other runs may share the
PostgreSQL and MariaDB databases: nothing here touches a table it did not name itself.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata, produce_migrations
from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.operations import ops as alembic_ops
from alembic.script import ScriptDirectory
from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy

from flask_order_messages import (
    OrderMessages,
    customer_actor,
    schema,
    search,
    staff_actor,
)

from . import committing as services
from .host_models import STAMPED_BASES, DeclaredStampedBase, reflected_shape
from .hosts import Host, make_host_app


def _url(tmp_path: Any) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'migrations.sqlite'}"


@contextmanager
def migrating_host(tmp_path: Any, *, key: str = "int", model_class: Any = None) -> Iterator[Host]:
    """A host whose own tables exist and whose order-messages tables do not (yet)."""
    tag = uuid.uuid4().hex[:8]
    db = SQLAlchemy(model_class=model_class) if model_class is not None else SQLAlchemy()
    user_type: Any = sa.Uuid if key == "uuid" else sa.Integer
    order_type: Any = {"int": sa.Integer, "uuid": sa.Uuid, "str": sa.String(36)}[key]
    User = type(
        "User",
        (db.Model, UserMixin),
        {
            "__tablename__": f"mig{tag}_users",
            "id": sa.Column(user_type, primary_key=True),
            "name": sa.Column(sa.String(80)),
            "email": sa.Column(sa.String(120)),
            "is_admin": sa.Column(sa.Boolean, nullable=False, default=False),
        },
    )
    Order = type(
        "Order",
        (db.Model,),
        {
            "__tablename__": f"mig{tag}_orders",
            "id": sa.Column(order_type, primary_key=True),
            "customer_id": sa.Column(user_type, nullable=False),
        },
    )
    ext = OrderMessages(db=db, order_model=Order, user_model=User, table_prefix=f"mig{tag}_om_")
    ext.staff_check(lambda user: bool(user.is_admin))
    ext.staff_recipients(lambda: [])
    app = make_host_app(tmp_path, db, User, ext, SQLALCHEMY_DATABASE_URI=_url(tmp_path))
    with app.test_request_context():
        db.metadata.create_all(db.engine, tables=[User.__table__, Order.__table__])
        try:
            yield Host(app, db, Order, User, ext, key)
        finally:
            db.session.remove()
            _drop_everything(db, ext)
            db.engine.dispose()


def _drop_everything(db: Any, ext: OrderMessages) -> None:
    """Leave the shared database as we found it, whatever a failed test left behind."""
    with db.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            for model in (ext.models.Message, ext.models.ThreadSearch):
                for statement in search.sqlite_drop_statements(model.__table__.name):
                    conn.execute(sa.text(statement))
        conn.execute(sa.text(f"DROP TABLE IF EXISTS {schema.version_table(ext)}"))
    db.drop_all()


def ours(h: Host) -> set[str]:
    """Every table name the test may see: ours, the host's and the migrations' extras."""
    return schema.managed_table_names(h.ext) | {h.Order.__tablename__, h.User.__tablename__}


def present(h: Host) -> set[str]:
    """Which of :func:`ours` exist in the database now."""
    return set(sa.inspect(h.db.engine).get_table_names()) & ours(h)


def model_tables(h: Host) -> list[sa.Table]:
    return [getattr(h.ext.models, f.name).__table__ for f in dataclasses.fields(h.ext.models)]


def _later_models(h: Host) -> list[Any]:
    """The fields of ``h.ext.models`` whose tables a script after 0001 creates."""
    prefix = h.ext.table_prefix
    return [
        f
        for f in dataclasses.fields(h.ext.models)
        if getattr(h.ext.models, f.name).__table__.name[len(prefix) :] in schema.LATER_TABLES
    ]


def search_tables(h: Host) -> list[sa.Table]:
    """The tables with a full-text index on ``search_text``."""
    tables = {t.name[len(h.ext.table_prefix) :]: t for t in model_tables(h)}
    return [tables[key] for key in schema.SEARCH_TABLES]


def differences(h: Host, **opts: Any) -> list[Any]:
    """Alembic's comparison of the database with what ``build_models`` declares, looking at
    no table but :func:`ours` (``opts``: more ``MigrationContext`` options, such as a host's
    ``include_object``)."""
    names = ours(h)

    def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
        return type_ != "table" or name in names

    with h.db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_name, **opts})
        return list(compare_metadata(context, h.db.metadata))


def search_index_present(h: Host, key: str = "messages") -> bool:
    """Whether the dialect's full-text index on the messages table (or on the table ``key``
    of :data:`schema.SEARCH_TABLES`) exists."""
    table = {"messages": h.ext.models.Message, "thread_search": h.ext.models.ThreadSearch}[
        key
    ].__table__.name
    with h.db.engine.connect() as conn:
        dialect = conn.dialect.name
        if dialect == "sqlite":
            names = set(
                conn.execute(
                    sa.text("SELECT name FROM sqlite_master WHERE tbl_name LIKE :t"),
                    {"t": f"{table}%"},
                ).scalars()
            )
            fts = search.fts_table_name(table)
            wanted = {fts, f"{fts}_ai", f"{fts}_ad", f"{fts}_au"}
            assert not names & wanted or names >= wanted, names  # all or nothing
            return names >= wanted
        indexes = {i["name"]: i for i in sa.inspect(conn).get_indexes(table)}
        if dialect == "postgresql":
            definition = conn.execute(
                sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = :n"),
                {"n": search.index_name(table)},
            ).scalar()
            if definition is None:
                return False
            if key == "messages":
                assert "USING gin (to_tsvector('simple'::regconfig, search_text))" in definition
            else:
                assert "USING gin (array_to_tsvector(array_remove(string_to_array(" in definition
            return True
        found = indexes.get(f"{search.index_name(table)}_ft")
        if found is None:
            return False
        assert found["dialect_options"].get("mysql_prefix") == "FULLTEXT"
        assert found["column_names"] == ["search_text"]
        return True


def assert_schema_is_the_models(h: Host) -> None:
    # Our version table and SQLite's FTS5 tables are not in the metadata: leave them out.
    assert (
        differences(h, include_object=schema.host_include_object(h.ext, with_our_tables=True)) == []
    )
    # compare_metadata skips what it cannot compare everywhere; name the rest one by one.
    inspector = sa.inspect(h.db.engine)
    dialect = h.db.engine.dialect.name
    for table in model_tables(h):
        declared = {
            i.name for i in table.indexes if dialect in i.info.get(schema.DIALECTS_KEY, (dialect,))
        }
        uniques = {c.name for c in table.constraints if isinstance(c, sa.UniqueConstraint)}
        reflected = {
            i["name"]: i["column_names"]
            for i in inspector.get_indexes(table.name)
            if i["name"] not in uniques
        }
        if dialect in ("mysql", "mariadb"):  # InnoDB adds an index for a foreign key lacking one
            keys = [fk["constrained_columns"] for fk in inspector.get_foreign_keys(table.name)]
            reflected = {n: c for n, c in reflected.items() if n in declared or c not in keys}
        assert set(reflected) == declared, table.name
        assert {c["name"] for c in inspector.get_unique_constraints(table.name)} == uniques
        assert {fk["referred_table"] for fk in inspector.get_foreign_keys(table.name)} == {
            fk.column.table.name for fk in table.foreign_keys
        }
    assert search_index_present(h)
    assert search_index_present(h, "thread_search")


def add_user(h: Host, name: str, *, admin: bool = False) -> Any:
    user = h.User(name=name, email=f"{name.lower()}@x.test", is_admin=admin)
    if h.key == "uuid":
        user.id = uuid.uuid4()
    h.db.session.add(user)
    h.db.session.commit()
    return user


def add_order(h: Host, owner: Any) -> Any:
    order = h.Order(customer_id=owner.id)
    if h.key == "uuid":
        order.id = uuid.uuid4()
    elif h.key == "str":
        order.id = f"ORD-{uuid.uuid4().hex[:8]}"
    h.db.session.add(order)
    h.db.session.commit()
    return order


def exercise(h: Host) -> None:
    """The app works on migrated tables: post, counts, a search through the index, a dispute."""
    staff, carol = add_user(h, "Admin", admin=True), add_user(h, "Carol")
    order = add_order(h, carol)
    as_staff, as_carol = staff_actor(staff), customer_actor(carol)

    services.post_message(order, as_carol, "Where is my parcel? Tracking 1Z999")
    assert services.bell_counts(as_staff) == {
        "unread_threads": 1,
        "open_disputes": 0,
        "overdue_disputes": 0,
    }
    services.post_message(order, as_staff, "Secret: courier lost it", note=True)
    services.post_message(order, as_staff, "It left the warehouse today.")
    assert services.order_unread_count(order, as_carol) == 1
    services.open_dispute(order, as_carol, "It never arrived.")
    assert services.bell_counts(as_staff) == {
        "unread_threads": 1,
        "open_disputes": 1,
        "overdue_disputes": 0,
    }

    def found(actor: Any, query: str) -> int:
        return services.list_threads(actor, query=query).total

    assert found(as_staff, "parc warehouse") == 1
    assert found(as_staff, "courier") == 1 and found(as_carol, "courier") == 0
    assert found(as_carol, "1z999") == 1 and found(as_carol, "cardboard") == 0


# -- the tests --------------------------------------------------------------------------------


def test_every_model_table_has_a_migration(tmp_path):
    with migrating_host(tmp_path) as h:
        later = {key for key, columns in schema.ADDED_LATER.items() if columns}
        scripted = set(schema.INITIAL_TABLES) | set(schema.LATER_TABLES)
        missing = set(schema.table_keys(h.ext)) - scripted
        assert missing == set(), (
            f"build_models declares {sorted(missing)} but no migration creates them: add them to "
            "schema.INITIAL_TABLES (before the first release) or write a script for them and list "
            "them in schema.LATER_TABLES."
        )
        assert later <= set(schema.table_keys(h.ext))
        assert not set(schema.INITIAL_TABLES) & set(schema.LATER_TABLES)


SHAPES = [
    pytest.param({}, id="int"),
    pytest.param({"key": "uuid"}, id="uuid"),
    pytest.param({"key": "str", "model_class": DeclaredStampedBase}, id="str-model_class"),
]


@pytest.mark.parametrize("shape", SHAPES)
def test_empty_to_head_to_base(tmp_path, shape):
    with migrating_host(tmp_path, **shape) as h:
        host_tables = {h.Order.__tablename__, h.User.__tablename__}
        assert present(h) == host_tables
        schema.upgrade()
        assert schema.current() == schema.head()
        expected = {t.name for t in model_tables(h)} | {schema.version_table(h.ext)}
        messages = h.ext.models.Message.__table__.name
        fts = set().union(*(search.fts_shadow_names(t.name) for t in search_tables(h)))
        assert present(h) - fts == host_tables | expected
        if h.db.engine.dialect.name == "sqlite":
            assert search.fts_table_name(messages) in present(h)
        assert_schema_is_the_models(h)
        exercise(h)

        h.db.session.remove()
        schema.downgrade("base")
        assert schema.current() is None
        assert present(h) == host_tables  # ours all gone, the version table too


def migrated_shapes(h: Host) -> dict[str, Any]:
    """Each of our tables as the database has it, by name without the prefix (the random tag
    that starts every table name of the host, the order table's too, is left out)."""
    prefix, tag = h.ext.table_prefix, h.Order.__tablename__.removesuffix("orders")
    return {
        t.name[len(prefix) :]: reflected_shape(h.db.engine, t.name, tag) for t in model_tables(h)
    }


@pytest.mark.parametrize("base", STAMPED_BASES)
def test_db_upgrade_on_a_host_whose_base_model_injects_a_key(tmp_path, base):
    # The shop whose model_class adds an id key, timestamps and extend_existing to every model:
    # `flask order-messages db upgrade` crashed there; now it makes the tables a plain host gets.
    with migrating_host(tmp_path) as plain:
        schema.upgrade()
        designed = migrated_shapes(plain)
    with migrating_host(tmp_path, model_class=STAMPED_BASES[base]()) as h:
        assert "created_at" in h.Order.__table__.c
        result = h.app.test_cli_runner().invoke(args=["order-messages", "db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert schema.current() == schema.head()
        assert migrated_shapes(h) == designed
        assert designed["read_floors"]["primary_key"] == ["user_id"]
        assert_schema_is_the_models(h)
        exercise(h)


def test_one_step_at_a_time(tmp_path):
    with migrating_host(tmp_path) as h:
        schema.upgrade("0001")
        assert schema.current() == "0001"
        later = {getattr(h.ext.models, f.name).__table__.name for f in _later_models(h)}
        assert {t.name for t in model_tables(h)} - later <= present(h)
        assert not present(h) & later
        assert not search_index_present(h)
        schema.upgrade("0002")
        assert schema.current() == "0002"
        assert search_index_present(h)
        schema.upgrade("0003")
        assert h.ext.models.ThreadSearch.__table__.name in present(h)
        assert search_index_present(h, "thread_search")
        schema.downgrade()  # one step
        assert schema.current() == "0002"
        assert h.ext.models.ThreadSearch.__table__.name not in present(h)
        assert search_index_present(h)
        schema.downgrade()
        assert schema.current() == "0001"
        assert not search_index_present(h)
        schema.upgrade()
        assert schema.current() == schema.head()
        schema.downgrade("base")
        assert present(h) == {h.Order.__tablename__, h.User.__tablename__}


def add_message_at(h: Host, order: Any, author: Any, body: str, **columns: Any) -> Any:
    """A message written as the app of an earlier revision did, by a Core insert (today's
    services also write tables a later script creates); returns its thread id."""
    t, m = h.ext.models.Thread.__table__, h.ext.models.Message.__table__
    thread_id = h.db.session.execute(sa.select(t.c.id).where(t.c.order_id == order.id)).scalar()
    if thread_id is None:
        thread_id = h.db.session.execute(
            sa.insert(t).values(order_id=order.id, message_count=0)
        ).inserted_primary_key[0]
    message_id = h.db.session.execute(
        sa.insert(m).values(
            thread_id=thread_id,
            author_id=author.id,
            author_role="staff" if author.is_admin else "customer",
            body=body,
            **columns,
        )
    ).inserted_primary_key[0]
    h.db.session.execute(
        sa.update(t)
        .where(t.c.id == thread_id)
        .values(last_message_id=message_id, message_count=t.c.message_count + 1)
    )
    h.db.session.commit()
    return thread_id


def test_the_search_index_is_filled_from_messages_already_there(tmp_path):
    # A shop that ran 0001 and has messages, then upgrades: the index must cover the old rows.
    with migrating_host(tmp_path) as h:
        schema.upgrade("0001")
        carol = add_user(h, "Carol")
        order = add_order(h, carol)
        add_message_at(h, order, carol, "The umbrella arrived broken")
        carol_id = carol.id
        h.db.session.remove()
        schema.upgrade()
        carol = h.db.session.get(h.User, carol_id)
        assert services.list_threads(customer_actor(carol), query="umbrel").total == 1


def test_the_cli_commands(tmp_path):
    with migrating_host(tmp_path) as h:
        runner = h.app.test_cli_runner()

        def run(*args: str) -> Any:
            return runner.invoke(args=["order-messages", "db", *args])

        assert run("current").output.strip() == "base (no order-messages tables from migrations)"
        result = run("upgrade", "0001")
        assert result.exit_code == 0, result.output
        assert result.output.strip() == f"order-messages schema at 0001 (head is {schema.head()})"
        result = run("upgrade")
        assert result.exit_code == 0, result.output
        assert run("current").output.strip() == f"{schema.head()} (head)"
        result = run("downgrade")
        # The revision before the head, as the scripts chain them (not always head - 1).
        scripts = ScriptDirectory.from_config(schema.alembic_config(h.ext))
        before = scripts.get_revision(schema.head()).down_revision
        assert result.exit_code == 0 and f"schema at {before}" in result.output
        result = run("downgrade", "base")
        assert result.exit_code == 0, result.output
        assert (
            result.output.strip()
            == "order-messages schema at base (no order-messages tables from migrations)"
        )
        result = run("downgrade")
        assert result.exit_code == 1
        assert "Nothing to downgrade" in result.output
        result = run("upgrade", "0099")
        assert result.exit_code == 1
        assert "0099" in result.output and "Traceback" not in result.output


def test_tables_made_by_create_all_are_stamped_not_recreated(tmp_path):
    with migrating_host(tmp_path) as h:
        h.db.create_all()
        runner = h.app.test_cli_runner()
        result = runner.invoke(args=["order-messages", "db", "upgrade"])
        assert result.exit_code == 1
        assert "already exist but have no migration history" in result.output
        assert "flask order-messages db stamp head" in result.output
        result = runner.invoke(args=["order-messages", "db", "stamp"])
        assert result.exit_code == 0, result.output
        assert schema.current() == schema.head()
        # create_all and the migrations make the same schema.
        assert_schema_is_the_models(h)


def test_offline_sql_for_a_dba(tmp_path, capsys):
    with migrating_host(tmp_path) as h:
        schema.upgrade(sql=True)
        sql = capsys.readouterr().out
        messages = h.ext.models.Message.__table__.name
        assert f"CREATE TABLE {messages}" in sql
        assert f"CREATE TABLE {schema.version_table(h.ext)}" in sql
        dialect = h.db.engine.dialect.name
        expected = {
            "postgresql": "USING gin (to_tsvector('simple', search_text))",
            "sqlite": "USING fts5(search_text",
        }.get(dialect, "CREATE FULLTEXT INDEX")
        assert expected in sql
        assert present(h) == {h.Order.__tablename__, h.User.__tablename__}  # nothing ran
        # From where the database is: only the steps it lacks, and back.
        schema.upgrade("0001")
        schema.upgrade(sql=True)
        sql = capsys.readouterr().out
        assert f"CREATE TABLE {messages}" not in sql and expected in sql
        schema.downgrade("base", sql=True)
        sql = capsys.readouterr().out
        assert f"DROP TABLE {messages}" in sql and expected not in sql
        assert schema.current() == "0001"


def test_the_hosts_own_autogenerate_leaves_ours_alone(tmp_path):
    # A host with its own Flask-Migrate history passes host_include_object to Migrate(): its
    # autogenerate neither adds our tables (before our upgrade) nor drops our version table,
    # FTS5 tables or anything else of ours (after it).
    with migrating_host(tmp_path) as h:
        host_tables = {h.Order.__tablename__, h.User.__tablename__}

        def host_diffs(**kw: Any) -> list[Any]:
            return differences(h, include_object=schema.host_include_object(h.ext, **kw))

        assert host_diffs() == []
        schema.upgrade()
        assert host_diffs() == []
        # Without the hook the host would be asked to drop our version table.
        assert ("remove_table", schema.version_table(h.ext)) in {
            (d[0], d[1].name) for d in differences(h)
        }
        # The alternative: the host's own migrations own our tables too, and only what
        # metadata cannot describe stays hidden.
        assert host_diffs(with_our_tables=True) == []
        schema.downgrade("base")
        created = {d[1].name for d in host_diffs(with_our_tables=True) if d[0] == "add_table"}
        assert created == {t.name for t in model_tables(h)}
        assert present(h) == host_tables


def test_or_the_hosts_own_autogenerate_makes_our_tables(tmp_path):
    # The alternative: the host's Flask-Migrate writes our tables into its own history.  Run
    # what its autogenerate writes (plus, on SQLite, the FTS5 table, as the README says): the
    # schema is the models' and the app works, search included.
    with migrating_host(tmp_path) as h:
        include = schema.host_include_object(h.ext, with_our_tables=True)
        names = ours(h)
        with h.db.engine.begin() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "include_object": include,
                    "include_name": lambda name, type_, parents: type_ != "table" or name in names,
                    "target_metadata": h.db.metadata,
                },
            )
            script = produce_migrations(context, h.db.metadata)
            operations = Operations(context)

            def run(op: Any) -> None:
                if isinstance(op, alembic_ops.OpContainer):
                    for inner in op.ops:
                        run(inner)
                else:
                    operations.invoke(op)

            run(script.upgrade_ops)
            if conn.dialect.name == "sqlite":
                schema.Migration(h.ext, operations).create_search_index()
        assert schema.current() is None  # our own history is not involved
        assert_schema_is_the_models(h)
        exercise(h)
