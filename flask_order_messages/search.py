"""Keyword search: one meaning on every database, served by its own full-text index.

What a search means (the same on every database):

- The text of the search box is cut into words at everything that is not a letter or a digit:
  spaces, punctuation, ``%``, ``_``, quotes...  These never act as wildcards.
- Case and accents do not count: ``CAFÉ`` finds ``cafe``, ``Straße`` finds ``strasse``.
- A thread matches when every word begins some word of a message in it that the searcher may
  see (customers never match staff-only notes): ``parc`` finds "parcel", ``arcel`` does not.
  The words may sit in different messages of the thread.
- Words longer than :data:`WORD_LIMIT` characters count by their first :data:`WORD_LIMIT`.

How it is served: each message keeps ``search_text``, its words as defined here (case folded,
accents removed, one space between them), computed by :func:`search_text` when the row is
inserted.  Every engine indexes that column with its own full-text index -- PostgreSQL a GIN
index on ``to_tsvector('simple', search_text)``, SQLite an FTS5 table kept in step by triggers,
MariaDB/MySQL a FULLTEXT index -- and the index narrows the messages down fast.  A ``LIKE``
on the same column then checks each candidate exactly, so the engines' own ideas of a
word (tokenizers, collations, stopwords) can only ever add candidates, never change the
answer.  The normalised text is indexed rather than ``body`` for the same reason: on the raw
body PostgreSQL reads ``bob@example.com`` as one token, MariaDB reads ``A_B`` as one word
and folds accents, and SQLite's ``lower()`` folds ASCII only.

Where an engine's index could miss a match, the word is checked by the ``LIKE`` alone (exact,
but it reads the messages of every thread): on MariaDB/MySQL words shorter than
``innodb_ft_min_token_size`` (3) and words that begin a stopword (``the``, ``wit``...), which
InnoDB leaves out of its index; on PostgreSQL words whose start its parser reads as a number in
scientific notation (``1e5x``); on both, words with letters outside ASCII (accented Latin
letters become ASCII first, so this means other scripts).  SQLite's FTS5 index serves every word.
A customer's search covers only their own orders, so it checks those threads' messages with the
``LIKE`` alone (``within``), without the shop-wide index.
"""

from __future__ import annotations

import re
import unicodedata
import weakref
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql

#: Longest word kept in ``search_text``; longer words count by their start.  InnoDB does not
#: index tokens over ``innodb_ft_max_token_size`` (84) characters, so this must stay below it.
WORD_LIMIT = 64
#: Longest ``search_text``, in characters (PostgreSQL refuses a tsvector over 1 MB).
TEXT_LIMIT = 60_000
#: Most words a search uses; the rest of the search box is ignored.
MAX_TERMS = 8
#: ``Index.info`` key: the dialects an index exists on (absent: all of them).
DIALECTS_KEY = "order_messages_dialects"

#: The column type of ``search_text``.  On MariaDB/MySQL a binary collation, so that ``LIKE``
#: compares exactly (the default collations fold accents and case by their own rules).
SearchText = sa.Text().with_variant(
    mysql.MEDIUMTEXT(charset="utf8mb4", collation="utf8mb4_bin"), "mysql", "mariadb"
)

_WORD = re.compile(r"[^\W_]+")
_ASCII_WORD = re.compile(r"[a-z0-9]+")
# PostgreSQL's parser reads "1e5" as a number and cuts "1e5x" into "1e5" and "x".
_PG_SPLIT = re.compile(r"\d+e\d+[a-z]")


def words(text: str) -> list[str]:
    """The searchable words of ``text``: runs of letters and digits, case folded, accents and
    other combining marks removed, each cut to :data:`WORD_LIMIT` characters."""
    if text.isascii():
        found = _ASCII_WORD.findall(text.lower())
    else:
        folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
        stripped = "".join(ch for ch in folded if not unicodedata.category(ch).startswith("M"))
        found = _WORD.findall(stripped)
    return [w[:WORD_LIMIT] for w in found]


def search_text(body: str | None) -> str:
    """What ``search_text`` holds for a message ``body``.  A host or a bulk loader that writes
    messages with raw SQL must fill the column with this."""
    text = " ".join(words(body or ""))
    if len(text) > TEXT_LIMIT:
        text = text[: text.rfind(" ", 0, TEXT_LIMIT + 1)].rstrip()
    return text


def search_text_default(context: Any) -> str:
    """Column default: ``search_text`` follows the ``body`` of the row being inserted."""
    return search_text(context.get_current_parameters().get("body"))


def terms(query: str) -> list[str]:
    """The words of a search box that a search uses: at most :data:`MAX_TERMS`, no repeats,
    and none that is the start of another (``par parcel`` asks no more than ``parcel``)."""
    unique = list(dict.fromkeys(words(query)))[:MAX_TERMS]
    return [t for t in unique if not any(o != t and o.startswith(t) for o in unique)]


# -- names and DDL ----------------------------------------------------------------------------


def index_name(messages_table: str) -> str:
    """Name of the full-text index (PostgreSQL, MariaDB) on the messages table."""
    return f"ix_{messages_table}_search"


def fts_table_name(messages_table: str) -> str:
    """Name of SQLite's FTS5 table over the messages table."""
    return f"{messages_table}_fts"


def fts_shadow_names(messages_table: str) -> set[str]:
    """Every table SQLite makes for the FTS5 table (it and its shadow tables)."""
    fts = fts_table_name(messages_table)
    return {fts} | {f"{fts}_{s}" for s in ("data", "idx", "config", "docsize", "content")}


def configured_dialect(config: Any) -> str | None:
    """The dialect name of the app's default database, read from Flask-SQLAlchemy's config."""
    uri = config.get("SQLALCHEMY_DATABASE_URI")
    if uri is None:
        uri = (config.get("SQLALCHEMY_BINDS") or {}).get(None)
        if isinstance(uri, dict):
            uri = uri.get("url")
    if uri is None:
        return None
    return str(sa.engine.make_url(uri).get_backend_name())


def add_search_index(table: sa.Table, dialect: str | None) -> None:
    """Add the full-text index for ``dialect`` to the messages table, once.

    Called at ``init_app``, when the database is known: the index exists only in its own
    dialect's form (PostgreSQL's GIN index on an expression, MariaDB's FULLTEXT), so that
    ``create_all`` and a host's Alembic autogenerate see exactly what that database has, and
    autogenerate never meets an index it cannot reflect.  SQLite's FTS5 table is not an index;
    :func:`install_sqlite_events` makes it.  ``info["order_messages_dialects"]`` tells the
    migrations which dialects an index belongs to; ``ddl_if`` keeps ``create_all`` right
    should one metadata serve apps on two kinds of database."""
    name = index_name(table.name)
    have = {index.name for index in table.indexes}
    if dialect == "postgresql" and name not in have:
        vector = sa.func.to_tsvector(sa.literal_column("'simple'"), table.c.search_text)
        index = sa.Index(name, vector, postgresql_using="gin", info={DIALECTS_KEY: ("postgresql",)})
        table.append_constraint(index.ddl_if(dialect="postgresql"))  # an expression: not bound
    elif dialect in ("mysql", "mariadb") and f"{name}_ft" not in have:
        sa.Index(
            f"{name}_ft",
            table.c.search_text,
            mysql_prefix="FULLTEXT",
            mariadb_prefix="FULLTEXT",
            info={DIALECTS_KEY: ("mysql", "mariadb")},
        ).ddl_if(dialect=("mysql", "mariadb"))  # type: ignore[arg-type]  # a tuple works too


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sqlite_create_statements(messages_table: str) -> list[str]:
    """SQLite DDL: the FTS5 table over ``search_text`` and the triggers that keep it in step.

    The FTS5 table reads its text from the messages table (``content=``), so it stores only the
    index; the ``ascii`` tokenizer splits exactly at the spaces ``search_text`` has."""
    m, fts = messages_table, fts_table_name(messages_table)
    qm, qf = _q(m), _q(fts)
    delete = (
        f"INSERT INTO {qf}({qf}, rowid, search_text) VALUES ('delete', old.id, old.search_text);"
    )
    insert = f"INSERT INTO {qf}(rowid, search_text) VALUES (new.id, new.search_text);"
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {qf} USING fts5(search_text, content={_q(m)}, "
        "content_rowid='id', tokenize='ascii', detail='none', columnsize=0)",
        f"CREATE TRIGGER IF NOT EXISTS {_q(fts + '_ai')} AFTER INSERT ON {qm} BEGIN {insert} END",
        f"CREATE TRIGGER IF NOT EXISTS {_q(fts + '_ad')} AFTER DELETE ON {qm} BEGIN {delete} END",
        f"CREATE TRIGGER IF NOT EXISTS {_q(fts + '_au')} AFTER UPDATE OF search_text ON {qm} "
        f"BEGIN {delete} {insert} END",
    ]


def sqlite_rebuild_statement(messages_table: str) -> str:
    """SQLite: fill the FTS5 table from the rows already there (after creating it late)."""
    qf = _q(fts_table_name(messages_table))
    return f"INSERT INTO {qf}({qf}) VALUES ('rebuild')"


def sqlite_drop_statements(messages_table: str) -> list[str]:
    """SQLite DDL that removes the FTS5 table and its triggers."""
    fts = fts_table_name(messages_table)
    triggers = [f"DROP TRIGGER IF EXISTS {_q(fts + s)}" for s in ("_ai", "_ad", "_au")]
    return [*triggers, f"DROP TABLE IF EXISTS {_q(fts)}"]


def install_sqlite_events(table: sa.Table) -> None:
    """Make ``create_all`` / ``drop_all`` on SQLite create and drop the FTS5 table and triggers."""
    for statement in sqlite_create_statements(table.name):
        sa.event.listen(table, "after_create", sa.DDL(statement).execute_if(dialect="sqlite"))
    for statement in sqlite_drop_statements(table.name):
        sa.event.listen(table, "before_drop", sa.DDL(statement).execute_if(dialect="sqlite"))


# -- the SQL condition ------------------------------------------------------------------------


@dataclass(frozen=True)
class _InnoDBLimits:
    min_token: int
    max_token: int
    stopwords: frozenset[str]


_innodb_limits: weakref.WeakKeyDictionary[Any, _InnoDBLimits] = weakref.WeakKeyDictionary()


def _read_innodb_limits(engine: Any) -> _InnoDBLimits:
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
    found = _InnoDBLimits(int(min_token), int(max_token), frozenset(stopwords))
    _innodb_limits[engine] = found
    return found


def _indexed(term: str, dialect: str, engine: Any) -> bool:
    """Whether the engine's full-text index surely holds every word that begins with ``term``."""
    if dialect == "sqlite":
        return True
    if not term.isascii():
        return False
    if dialect == "postgresql":
        return _PG_SPLIT.match(term) is None
    if dialect in ("mysql", "mariadb"):
        limits = _read_innodb_limits(engine)
        return (
            len(term) >= limits.min_token
            and WORD_LIMIT <= limits.max_token
            and not any(word.startswith(term) for word in limits.stopwords)
        )
    return False


def _index_match(message: Any, term: str, dialect: str) -> Any:
    """SQL on the messages table: the full-text index says a word may begin with ``term``."""
    column = message.search_text
    if dialect == "postgresql":
        vector = sa.func.to_tsvector(sa.literal_column("'simple'"), column)
        return vector.op("@@")(sa.cast(sa.literal(f"'{term}':*"), postgresql.TSQUERY))
    if dialect in ("mysql", "mariadb"):
        return column.match(f"+{term}*")
    fts = fts_table_name(message.__table__.name)
    hits: sa.Select[Any] = (
        sa.select(sa.literal_column("rowid"))
        .select_from(sa.table(fts))
        .where(sa.column(fts).match(f'"{term}"*'))
    )
    return message.id.in_(hits)


def exact_match(message: Any, term: str) -> Any:
    """SQL on the messages table, the definition itself: a word of the message begins with
    ``term`` (one of :func:`terms`: letters and digits only, so nothing to escape).

    ``" " || search_text LIKE "% term%"``.  PostgreSQL's planner expects a LIKE with a leading
    ``%`` to keep few rows, so it joins the index's hits to their threads one by one: the
    fastest plan for the rare words people search for (a ``strpos`` test, guessed at a third
    of the rows, made it hash all 100,000 threads even for a word in 60 of them)."""
    return (sa.literal(" ") + message.search_text).like(f"% {term}%")


def threads_matching(
    query: str, *, thread: Any, message: Any, visible: Any, bind: Any, within: Any = None
) -> Any:
    """SQL condition on the thread model: every word of ``query`` begins a word of some message
    of the thread for which ``visible`` (a condition on the message model) holds.

    False when the query has no words at all (only punctuation, say).  Words the index serves
    become ``thread.id IN (messages the index finds, checked exactly)``; the others an
    ``EXISTS`` over the thread's own messages, which the planner runs only for the threads
    the other conditions leave.  ``within``, an uncorrelated ``SELECT`` of thread ids (a
    customer's own threads), says the search covers only those few threads: then every word is
    checked on their messages alone, a few dozen rows, rather than on every message the index
    finds in the whole shop."""
    found = terms(query)
    if not found:
        return sa.false()
    dialect = bind.dialect.name
    engine = getattr(bind, "engine", bind)
    conditions = []
    for term in found:
        exact = exact_match(message, term)
        if within is not None:
            ids = sa.select(message.thread_id).where(message.thread_id.in_(within), exact, visible)
            conditions.append(thread.id.in_(ids))
        elif _indexed(term, dialect, engine):
            ids = sa.select(message.thread_id).where(
                _index_match(message, term, dialect), exact, visible
            )
            conditions.append(thread.id.in_(ids))
        else:
            conditions.append(
                sa.select(sa.literal(1))
                .where(message.thread_id == thread.id, exact, visible)
                .correlate(thread)
                .exists()
            )
    return sa.and_(*conditions)
