"""The one home of what differs between databases: upserts, full-text index DDL and matching,
time arithmetic, integer sizes.  One class per database, each answering the same interface
(:class:`~.base.Dialect`); the rest of the extension asks :func:`of` for the database it
talks to and never tests a dialect's name.

- :mod:`.postgresql`: PostgreSQL.
- :mod:`.mysql`: MariaDB and MySQL.
- :mod:`.sqlite`: SQLite.
- :class:`~.base.Dialect` itself: any other database (no upsert, no full-text index).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from .base import DIALECTS_KEY, Dialect, Update, index_name
from .mysql import MySQL
from .postgresql import PostgreSQL
from .sqlite import SQLite

__all__ = [
    "DIALECTS_KEY",
    "Dialect",
    "Update",
    "configured",
    "configured_name",
    "index_name",
    "named",
    "of",
]

_OTHER = Dialect()
_BY_NAME: dict[str, Dialect] = {
    name: dialect for dialect in (PostgreSQL(), MySQL(), SQLite()) for name in dialect.names
}


def named(name: str | None) -> Dialect:
    """The :class:`Dialect` of databases whose SQLAlchemy dialect is called ``name``."""
    return _BY_NAME.get(name or "", _OTHER)


def of(bind: Any) -> Dialect:
    """The :class:`Dialect` of ``bind``: an engine, a connection, a session's bind or a
    SQLAlchemy dialect object."""
    return named(getattr(bind, "dialect", bind).name)


def configured_name(config: Any) -> str | None:
    """The dialect name of the app's default database, read from Flask-SQLAlchemy's config."""
    uri = config.get("SQLALCHEMY_DATABASE_URI")
    if uri is None:
        uri = (config.get("SQLALCHEMY_BINDS") or {}).get(None)
        if isinstance(uri, dict):
            uri = uri.get("url")
    if uri is None:
        return None
    return str(sa.engine.make_url(uri).get_backend_name())


def configured(config: Any) -> Dialect:
    """The :class:`Dialect` of the app's default database, before any engine exists."""
    return named(configured_name(config))
