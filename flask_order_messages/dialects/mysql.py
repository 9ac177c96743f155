"""MariaDB and MySQL: ``ON DUPLICATE KEY`` upserts, InnoDB ``FULLTEXT`` indexes,
``TIMESTAMPDIFF``."""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from .base import DIALECTS_KEY, Dialect, Update, _rows, index_name

#: Room for a whole thread's distinct words in ``fill_documents``: in strict mode a
#: ``GROUP_CONCAT`` longer than ``group_concat_max_len`` (1 MB) is an error, not a cut.
GROUP_CONCAT_SETTING = "SET SESSION group_concat_max_len = 1073741824"


@dataclass(frozen=True)
class InnoDBLimits:
    """What InnoDB leaves out of its full-text indexes."""

    min_token: int
    max_token: int
    stopwords: frozenset[str]


_innodb_limits: weakref.WeakKeyDictionary[Any, InnoDBLimits] = weakref.WeakKeyDictionary()


def innodb_limits(engine: Any) -> InnoDBLimits:
    """The server's full-text token sizes and stopwords, read once per engine on a raw
    connection (so a page's statement count stays the same on the first request)."""
    found = _innodb_limits.get(engine)
    if found is not None:
        return found
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(
            "SELECT @@innodb_ft_min_token_size, @@innodb_ft_max_token_size, "
            "@@innodb_ft_enable_stopword, @@innodb_ft_user_stopword_table, "
            "@@innodb_ft_server_stopword_table"
        )
        min_token, max_token, enabled, user_table, server_table = cursor.fetchone()
        stopwords: set[str] = set()
        if enabled:
            table = user_table or server_table
            if table:
                schema, _, name = str(table).partition("/")
                cursor.execute(f"SELECT value FROM `{schema}`.`{name}`")
            else:
                cursor.execute("SELECT value FROM information_schema.INNODB_FT_DEFAULT_STOPWORD")
            stopwords = {str(row[0]).lower() for row in cursor.fetchall()}
        cursor.close()
    finally:
        raw.close()
    found = InnoDBLimits(int(min_token), int(max_token), frozenset(stopwords))
    _innodb_limits[engine] = found
    return found


class MySQL(Dialect):
    """MariaDB and MySQL (InnoDB)."""

    names = ("mysql", "mariadb")
    has_upsert = True
    documents_setup = (GROUP_CONCAT_SETTING,)

    def _insert(self, table: Any) -> Any:
        return mysql.insert(table)

    def upsert(
        self,
        table: Any,
        keys: Sequence[str],
        update: Update,
        *,
        values: Mapping[str, Any] | None = None,
        select: Any = None,
        columns: Sequence[str] = (),
    ) -> Any:
        """``INSERT ... ON DUPLICATE KEY UPDATE``: any unique key of ``table`` counts, so
        ``keys`` must be its only one."""
        stmt = _rows(self._insert(table), values, select, columns)
        return stmt.on_duplicate_key_update(dict(update(stmt.inserted)))

    def insert_missing(
        self,
        table: Any,
        keys: Sequence[str],
        *,
        values: Mapping[str, Any] | None = None,
        select: Any = None,
        columns: Sequence[str] = (),
    ) -> Any:
        """``INSERT IGNORE``."""
        return _rows(self._insert(table), values, select, columns).prefix_with("IGNORE")

    def analyze(self, table: str) -> str:
        return f"ANALYZE TABLE {table}"

    def seconds_between(self, later: Any, earlier: Any) -> Any:
        micro = sa.func.timestampdiff(sa.literal_column("MICROSECOND"), earlier, later)
        return micro / 1_000_000.0

    def add_search_index(self, table: sa.Table, *, documents: bool) -> None:
        """A ``FULLTEXT`` index on ``search_text``."""
        name = f"{index_name(table.name)}_ft"
        if name in {index.name for index in table.indexes}:
            return
        sa.Index(
            name,
            table.c.search_text,
            mysql_prefix="FULLTEXT",
            mariadb_prefix="FULLTEXT",
            info={DIALECTS_KEY: self.names},
        ).ddl_if(dialect=self.names)  # type: ignore[arg-type]  # a tuple works too

    def index_covers(self, term: str, *, engine: Any, documents: bool) -> bool:
        """ASCII words no shorter than ``innodb_ft_min_token_size`` that begin no stopword
        (InnoDB leaves those out of its index)."""
        from ..search.text import WORD_LIMIT  # here: the search package imports this one

        if not term.isascii():
            return False
        limits = innodb_limits(engine)
        return (
            len(term) >= limits.min_token
            and WORD_LIMIT <= limits.max_token
            and not any(word.startswith(term) for word in limits.stopwords)
        )

    def index_match(self, model: Any, term: str, *, documents: bool) -> Any:
        return model.search_text.match(f"+{term}*")

    def documents_select(self, messages: str, where: str) -> str:
        """Words split with ``JSON_TABLE`` (MariaDB 10.6+, MySQL 8; words never hold quotes,
        commas or backslashes).  Needs :data:`GROUP_CONCAT_SETTING` first."""
        from ..search.text import WORD_LIMIT  # here: the search package imports this one

        words = "CONCAT('[\"', REPLACE(m.search_text, ' ', '\",\"'), '\"]')"
        return (
            "SELECT m.thread_id AS thread_id, "
            "RTRIM(LEFT(GROUP_CONCAT(DISTINCT w.word SEPARATOR ' '), :limit)) AS search_text "
            f"FROM {messages} m, JSON_TABLE({words}, '$[*]' COLUMNS (word VARCHAR({WORD_LIMIT}) "
            f"CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$')) AS w {where}"
        )
