"""The search columns and indexes our tables declare: the ``search_text`` type, the full-text
index of the app's database, and the thread documents' link to the messages."""

from __future__ import annotations

import weakref

import sqlalchemy as sa

from .. import dialects
from ..dialects.sqlite import install_events as install_sqlite_events
from ..dialects.types import SearchText

__all__ = ["SearchText", "add_search_index", "install_documents", "install_sqlite_events"]


# The thread documents' table of each messages table (not in ``Table.info``: a host's base
# class may hand every table the same ``info`` dict).
_documents_of: weakref.WeakKeyDictionary[sa.Table, sa.Table] = weakref.WeakKeyDictionary()


def install_documents(messages: sa.Table, documents: sa.Table) -> None:
    """Declare ``documents`` the thread documents of ``messages``: its FTS5 table on SQLite
    (:func:`install_sqlite_events`), its index elsewhere when :func:`add_search_index` indexes
    the messages."""
    _documents_of[messages] = documents
    install_sqlite_events(documents)


def add_search_index(table: sa.Table, dialect: str | None) -> None:
    """Add the full-text index for ``dialect`` (a dialect name) to the messages table, and to
    its thread documents' table (:func:`install_documents`), once.

    Called at ``init_app``, when the database is known: the index exists only in its own
    dialect's form (PostgreSQL's GIN index on an expression, MariaDB's FULLTEXT), so that
    ``create_all`` and a host's Alembic autogenerate see exactly what that database has, and
    autogenerate never meets an index it cannot reflect.  SQLite's FTS5 table is not an index;
    :func:`install_sqlite_events` makes it.  ``info["order_messages_dialects"]`` tells the
    migrations which dialects an index belongs to; ``ddl_if`` keeps ``create_all`` right
    should one metadata serve apps on two kinds of database."""
    database = dialects.named(dialect)
    database.add_search_index(table, documents=False)
    documents = _documents_of.get(table)
    if documents is not None:
        database.add_search_index(documents, documents=True)
