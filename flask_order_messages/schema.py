"""The extension's tables as Alembic migrations, with a version table of their own.

Run them with ``flask order-messages db upgrade`` (or :func:`upgrade` in an app context).  The
history is kept in ``<table_prefix>alembic_version``, so it never mixes with the host's own
Flask-Migrate history in ``alembic_version``.

The tables' shape depends on the host: the table prefix, the type of its order and user keys,
and the order table the foreign key points at (never what its ``model_class`` adds to its own
models: see :mod:`.models`).  So the scripts in ``migrations/versions`` hold no types.  They
build their operations at run time from the extension's own table objects
(``ext.models.Thread.__table__``...) through :class:`Migration`.  A script names what it adds;
the first one creates each table as the models declare it, minus the columns that later scripts
add (:data:`ADDED_LATER`), so that running every script in turn ends at the models' shape.  A
new column is two edits: the model, and a script that adds it, listed in :data:`ADDED_LATER`.

A host that keeps its own tables in Flask-Migrate passes :func:`host_include_object` to
``Migrate(app, db, include_object=...)`` so that its autogenerate leaves ours alone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.operations import Operations, ops
from alembic.script import ScriptDirectory

from . import dialects, search
from .models_canned import as_first_created
from .schema_history import ADDED_LATER as ADDED_LATER
from .schema_history import INDEXES_ADDED_LATER as INDEXES_ADDED_LATER
from .schema_history import INITIAL_TABLES as INITIAL_TABLES
from .schema_history import LATER_TABLES as LATER_TABLES

#: Where the scripts live, as an Alembic package resource.
SCRIPT_LOCATION = "flask_order_messages:migrations"
DIALECTS_KEY = search.DIALECTS_KEY
#: The tables with a full-text index on ``search_text`` (see :mod:`.search`).
SEARCH_TABLES = ("messages", "thread_search")
#: ``Config.attributes`` key: a script filled the threads' search documents from SQL, so the
#: order numbers (a Python hook) are still to be written into them after the commit.
DOCUMENTS_FILLED = "order_messages_documents_filled"


class SchemaError(RuntimeError):
    """The database is not in a state the requested migration can start from."""


def _ext(ext: Any = None) -> Any:
    if ext is not None:
        return ext
    from .state import current_order_messages, unproxied

    return unproxied(current_order_messages)


def _tables(ext: Any) -> dict[str, sa.Table]:
    """Every model table of the extension, by its name without the table prefix."""
    prefix = ext.table_prefix
    tables = (getattr(ext.models, f.name).__table__ for f in dataclasses.fields(ext.models))
    return {t.name[len(prefix) :]: t for t in tables}


def table_keys(ext: Any = None) -> list[str]:
    """The keys of the extension's model tables: their names without the table prefix."""
    return list(_tables(_ext(ext)))


def version_table(ext: Any = None) -> str:
    """Name of the extension's own Alembic version table: ``<table_prefix>alembic_version``."""
    return f"{_ext(ext).table_prefix}alembic_version"


def _fts_names(tables: dict[str, sa.Table]) -> set[str]:
    """SQLite's FTS5 tables (and their shadow tables) over the searchable tables."""
    return {name for key in SEARCH_TABLES for name in search.fts_shadow_names(tables[key].name)}


def managed_table_names(ext: Any = None) -> set[str]:
    """Every table the migrations make: the model tables, SQLite's FTS5 tables, the version
    table."""
    ext = _ext(ext)
    tables = _tables(ext)
    return {t.name for t in tables.values()} | _fts_names(tables) | {version_table(ext)}


def host_include_object(ext: Any, *, with_our_tables: bool = False) -> Callable[..., bool]:
    """An Alembic ``include_object`` hook for the host's own migrations (Flask-Migrate):
    ``Migrate(app, db, include_object=host_include_object(order_messages))``.

    By default it hides every table that ``flask order-messages db`` manages, so the host's
    autogenerate neither creates ours nor drops our version table.  With
    ``with_our_tables=True`` -- the host lets its own migrations create our tables -- it hides
    only what SQLAlchemy metadata cannot describe: SQLite's FTS5 table and its shadow tables,
    and our version table."""
    tables = _tables(ext)
    hidden = _fts_names(tables) | {version_table(ext)}
    if not with_our_tables:
        hidden |= {t.name for t in tables.values()}

    def include_object(
        obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
    ) -> bool:
        if type_ == "table":
            return name not in hidden
        table = getattr(obj, "table", None)
        return getattr(table, "name", None) not in hidden

    return include_object


# -- what the scripts use ---------------------------------------------------------------------


class Migration:
    """The operations of one migration script, built from the extension's table objects."""

    def __init__(self, ext: Any, op: Operations, attributes: dict[str, Any] | None = None) -> None:
        self.ext = ext
        self.op = op
        #: The running Alembic ``Config.attributes`` (what a script tells :func:`upgrade`).
        self.attributes: dict[str, Any] = {} if attributes is None else attributes
        #: What this database does its own way (its full-text index...).
        self.database = dialects.of(op.get_context().dialect)
        self.tables = _tables(ext)

    @classmethod
    def current(cls) -> Migration:
        """The :class:`Migration` of the script Alembic is running now."""
        from alembic import context, op

        attributes = context.config.attributes
        return cls(attributes["order_messages"], op, attributes)  # type: ignore[arg-type]

    def create_table(self, key: str) -> None:
        """Create table ``key`` (``"threads"``...: :func:`table_keys`) as the models declare
        it -- columns, keys, constraints, plain indexes -- less the columns in
        :data:`ADDED_LATER` and the full-text index (its own script)."""
        table = self.tables[key]
        later = set(ADDED_LATER.get(key, {}))
        create = ops.CreateTableOp.from_table(table)
        items: list[Any] = []
        for item in create.columns:
            if isinstance(item, sa.Column) and item.name in later:
                continue
            if later & {c.name for c in getattr(item, "columns", ())}:
                continue
            items.append(item)
        create.columns = as_first_created(key, items, self.ext.table_prefix)  # as 0001 made it
        self.op.invoke(create)
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            if index.info.get(DIALECTS_KEY):  # a full-text index: its own script
                continue
            if later & {c.name for c in index.columns} or self._added_later(key, index):
                continue
            self.op.invoke(ops.CreateIndexOp.from_index(index))

    def _added_later(self, key: str, index: sa.Index, revision: str | None = None) -> bool:
        """Whether :data:`INDEXES_ADDED_LATER` lists ``index`` of table ``key`` (for
        ``revision``, when given)."""
        prefix = f"ix_{self.ext.table_prefix}"
        added = INDEXES_ADDED_LATER.get(key, {})
        name = str(index.name)
        found = added.get(name[len(prefix) :]) if name.startswith(prefix) else None
        return found is not None and revision in (None, found)

    def create_indexes(self, key: str, revision: str) -> None:
        """Create the indexes :data:`INDEXES_ADDED_LATER` lists for table ``key`` and
        ``revision``, as the models declare them."""
        for index in sorted(self.tables[key].indexes, key=lambda i: str(i.name)):
            if self._added_later(key, index, revision):
                self.op.invoke(ops.CreateIndexOp.from_index(index))

    def drop_indexes(self, key: str, revision: str) -> None:
        """Undo :meth:`create_indexes` for the same ``key`` and ``revision``."""
        table = self.tables[key]
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            if self._added_later(key, index, revision):
                self.op.drop_index(str(index.name), table_name=table.name)

    def add_columns(self, key: str, revision: str) -> None:
        """Add the columns :data:`ADDED_LATER` lists for table ``key`` and ``revision``, as
        the models declare them (nullable, no foreign key: rows already there get NULL)."""
        table = self.tables[key]
        for name, added_in in ADDED_LATER.get(key, {}).items():
            if added_in == revision:
                column = table.c[name]
                assert column.nullable and not column.foreign_keys, f"{key}.{name}"
                self.op.add_column(table.name, sa.Column(name, column.type, nullable=True))

    def drop_columns(self, key: str, revision: str) -> None:
        """Undo :meth:`add_columns` for the same ``key`` and ``revision``."""
        table = self.tables[key]
        names = [n for n, added_in in ADDED_LATER.get(key, {}).items() if added_in == revision]
        with self.op.batch_alter_table(table.name) as batch:
            for name in reversed(names):
                batch.drop_column(name)

    def drop_table(self, key: str) -> None:
        """Drop table ``key`` with its indexes and constraints."""
        self.op.drop_table(self.tables[key].name)

    def create_search_index(self, *keys: str) -> None:
        """The full-text index on ``search_text`` of tables ``keys`` (default: every table
        that has one, :data:`SEARCH_TABLES`) for this dialect: PostgreSQL's GIN index,
        MariaDB/MySQL's FULLTEXT index, or SQLite's FTS5 table and triggers (filled from the
        rows already there)."""
        for key in keys or SEARCH_TABLES:
            self.database.create_search_index(self.op, self.tables[key])

    def drop_search_index(self, *keys: str) -> None:
        """Undo :meth:`create_search_index` for the same ``keys``."""
        for key in keys or SEARCH_TABLES:
            self.database.drop_search_index(self.op, self.tables[key])

    def fill_thread_documents(self) -> None:
        """Write the staff search document of every thread that has messages, from them (one
        ``INSERT ... SELECT``, see :func:`.search.fill_documents`).  The threads' order numbers
        come from a Python hook, which SQL cannot call: :func:`upgrade` writes them in after
        the commit (``--sql``: run ``flask order-messages reindex`` after the SQL)."""
        dialect = self.op.get_context().dialect
        messages, documents = self.tables["messages"], self.tables["thread_search"]
        for statement in search.fill_documents_setup(dialect):
            self.op.execute(statement)
        self.op.execute(search.fill_documents(messages, documents, dialect))
        self.attributes[DOCUMENTS_FILLED] = True


# -- running them -----------------------------------------------------------------------------


def alembic_config(ext: Any = None) -> Config:
    """An Alembic ``Config`` for the extension's scripts (no ini file needed)."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.set_main_option("path_separator", "os")
    config.attributes["order_messages"] = _ext(ext)
    return config


def run_migrations(context: Any) -> None:
    """The body of ``migrations/env.py``: online on the connection :func:`upgrade` opened, or
    offline (``--sql``) for the engine's dialect."""
    config = context.config
    ext = config.attributes["order_messages"]
    options = {"version_table": version_table(ext), "target_metadata": ext.db.metadata}
    if context.is_offline_mode():
        context.configure(url=config.attributes["url"], literal_binds=True, **options)
    else:
        context.configure(connection=config.attributes["connection"], **options)
    with context.begin_transaction():
        context.run_migrations()


def _engine(ext: Any) -> Any:
    return ext.db.session.get_bind(mapper=sa.inspect(ext.models.Message))


@contextmanager
def _connected(ext: Any) -> Iterator[tuple[Config, Any]]:
    config = alembic_config(ext)
    # Migrations run on a connection of their own, in one transaction that ends with the block.
    with _engine(ext).begin() as connection:
        config.attributes["connection"] = connection
        yield config, connection


def _current(ext: Any, connection: Any) -> str | None:
    context = MigrationContext.configure(connection, opts={"version_table": version_table(ext)})
    return context.get_current_revision()


def head() -> str:
    """The newest revision the extension ships."""
    found = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert found is not None
    return found


def current() -> str | None:
    """The revision the database is at, or None before the first upgrade."""
    ext = _ext()
    with _engine(ext).connect() as connection:
        return _current(ext, connection)


def _offline(ext: Any, name: str, revision: str) -> None:
    """Print the SQL of an upgrade or downgrade, from where the database is now (or from
    ``FROM:`` in ``revision``)."""
    if ":" not in revision:
        with _engine(ext).connect() as connection:
            now = _current(ext, connection)
        if now is None and name == "downgrade":
            raise SchemaError(
                f"Nothing to downgrade: {version_table(ext)} records no migration here."
            )
        if now is not None:
            revision = f"{now}:{revision}"
    config = alembic_config(ext)
    config.attributes["url"] = _engine(ext).url
    getattr(command, name)(config, revision, sql=True)
    if config.attributes.get(DOCUMENTS_FILLED):
        print("-- Then run 'flask order-messages reindex': it adds the order numbers to the")
        print("-- threads' staff search documents (the order_number hook is Python).")


def upgrade(revision: str = "head", *, sql: bool = False) -> None:
    """Bring the extension's tables up to ``revision`` (default: the newest).

    Refuses with :class:`SchemaError` when the tables exist without a migration history (they
    were made by ``db.create_all()``): ``stamp`` them first.  ``sql=True`` prints the SQL
    instead of running it, from the revision the database is at.  When a script filled the
    threads' staff search documents from their messages, the threads' order numbers are
    written into them afterwards (:func:`.services.index_order_numbers`)."""
    ext = _ext()
    if sql:
        _offline(ext, "upgrade", revision)
        return
    with _connected(ext) as (config, connection):
        if _current(ext, connection) is None:
            present = set(sa.inspect(connection).get_table_names())
            found = sorted(present & {t.name for t in _tables(ext).values()})
            if found:
                raise SchemaError(
                    f"The tables {', '.join(found)} already exist but have no migration "
                    f"history in {version_table(ext)} (db.create_all() made them?). If they "
                    "are this version's tables, record that with "
                    "'flask order-messages db stamp head'."
                )
        command.upgrade(config, revision)
    if config.attributes.get(DOCUMENTS_FILLED):
        from . import transactions
        from .services.posting import index_order_numbers

        # Ended, not left open: its last read (no threads left) opened a transaction that
        # would hold a lock on the threads table the next DDL waits for (PostgreSQL).
        with transactions.unit_of_work():
            index_order_numbers()


def downgrade(revision: str = "-1", *, sql: bool = False) -> None:
    """Take the extension's tables back to ``revision`` (``"-1"``: one step; ``"base"``:
    remove them all, the version table too).  ``sql=True`` prints the SQL instead."""
    ext = _ext()
    if sql:
        _offline(ext, "downgrade", revision)
        return
    with _connected(ext) as (config, connection):
        if _current(ext, connection) is None:
            raise SchemaError(
                f"Nothing to downgrade: {version_table(ext)} records no migration here."
            )
        command.downgrade(config, revision)
        if _current(ext, connection) is None:
            connection.execute(sa.text(f"DROP TABLE {_quoted(connection, version_table(ext))}"))


def stamp(revision: str = "head") -> None:
    """Record ``revision`` as applied without running anything (for tables that
    ``db.create_all()`` made)."""
    ext = _ext()
    with _connected(ext) as (config, _connection):
        command.stamp(config, revision)


def _quoted(connection: Any, name: str) -> str:
    return str(connection.dialect.identifier_preparer.quote(name))
