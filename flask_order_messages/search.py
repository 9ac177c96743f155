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

Staff see every entry of a thread, so for them a thread matches when every word begins a word
of the thread as a whole.  Each thread therefore keeps a *document* (``thread_search``): the
distinct words of all its entries (messages, staff-only notes, events), in the same normalised
form, merged in by :func:`add_to_document` in the transaction that adds the entry.  A staff
search looks the words up in the documents, with an index of the same kind and the same exact
``LIKE`` -- one row per thread, however many of its messages hold a common word.  On
PostgreSQL the documents' GIN index holds each word as one lexeme (``array_to_tsvector``, no
parser), so it serves every word there.  Customers keep the per-message search above: their
threads' documents would hold the notes' words too.  The migration that adds the documents, and
bulk loaders, write them with :func:`fill_documents`.
"""

from __future__ import annotations

import re
import unicodedata
import weakref
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite

#: Longest word kept in ``search_text``; longer words count by their start.  InnoDB does not
#: index tokens over ``innodb_ft_max_token_size`` (84) characters, so this must stay below it.
WORD_LIMIT = 64
#: Longest ``search_text``, in characters (PostgreSQL refuses a tsvector over 1 MB).
TEXT_LIMIT = 60_000
#: Most words a search uses; the rest of the search box is ignored.
MAX_TERMS = 8
#: Longest thread document, in characters.  A post whose words would take a document past it
#: adds none of them (a soft cap: such a thread's later new words are missed by staff search).
#: Far above any real thread's vocabulary, it keeps PostgreSQL's tsvector of a document under
#: its 1 MB limit in any script, so that posting can never fail on it.
DOCUMENT_LIMIT = 100_000
#: Words merged into a document by one statement; an entry with more distinct words (a few
#: thousand characters of varied text) takes one statement per batch.
MERGE_BATCH = 250
#: MariaDB/MySQL: room for a whole thread's distinct words in :func:`fill_documents`.
GROUP_CONCAT_SETTING = "SET SESSION group_concat_max_len = 1073741824"
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


def index_name(table: str) -> str:
    """Name of the full-text index (PostgreSQL, MariaDB) on a searchable table (the messages,
    the thread documents)."""
    return f"ix_{table}_search"


def fts_table_name(table: str) -> str:
    """Name of SQLite's FTS5 table over a searchable table."""
    return f"{table}_fts"


def fts_shadow_names(table: str) -> set[str]:
    """Every table SQLite makes for the FTS5 table (it and its shadow tables)."""
    fts = fts_table_name(table)
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


def _is_documents(table: sa.Table) -> bool:
    return table in set(_documents_of.values())


def _pg_vector(table: sa.Table) -> Any:
    """PostgreSQL's ``tsvector`` of a searchable table's ``search_text``, as its GIN index
    holds it.  For the messages ``to_tsvector('simple', ...)``.  For the thread documents,
    whose words are distinct and single-spaced, ``array_to_tsvector`` of the words: each word
    one lexeme as it is, no parser -- exact for every word (other scripts, ``1e5x``...), and
    about five times cheaper where the planner reads every document (a word in most threads).
    Constants are literals, never bound parameters, so that a generic plan still matches the
    index's expression."""
    column = table.c.search_text
    if _is_documents(table):
        words = sa.func.string_to_array(column, sa.literal_column("' '"))
        # ''-free by construction; array_remove keeps a stray double space from ever making
        # the index refuse a row (array_to_tsvector rejects empty lexemes).
        return sa.func.array_to_tsvector(sa.func.array_remove(words, sa.literal_column("''")))
    return sa.func.to_tsvector(sa.literal_column("'simple'"), column)


def add_search_index(table: sa.Table, dialect: str | None) -> None:
    """Add the full-text index for ``dialect`` to the messages table, and to its thread
    documents' table (:func:`install_documents`), once.

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
        vector = _pg_vector(table)
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
    documents = _documents_of.get(table)
    if documents is not None:
        add_search_index(documents, dialect)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def rowid_column(table: sa.Table) -> str:
    """The integer key SQLite's FTS5 table uses as its rowid: the table's primary key."""
    (column,) = table.primary_key.columns
    return str(column.name)


def sqlite_create_statements(table: str, rowid: str = "id") -> list[str]:
    """SQLite DDL: the FTS5 table over ``search_text`` and the triggers that keep it in step.

    The FTS5 table reads its text from ``table`` (``content=``, keyed by its integer primary
    key ``rowid``), so it stores only the index; the ``ascii`` tokenizer splits exactly at the
    spaces ``search_text`` has."""
    fts = fts_table_name(table)
    qt, qf, qr = _q(table), _q(fts), _q(rowid)
    delete = (
        f"INSERT INTO {qf}({qf}, rowid, search_text) VALUES ('delete', old.{qr}, old.search_text);"
    )
    insert = f"INSERT INTO {qf}(rowid, search_text) VALUES (new.{qr}, new.search_text);"
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {qf} USING fts5(search_text, content={qt}, "
        f"content_rowid={_q(rowid)}, tokenize='ascii', detail='none', columnsize=0)",
        f"CREATE TRIGGER IF NOT EXISTS {_q(fts + '_ai')} AFTER INSERT ON {qt} BEGIN {insert} END",
        f"CREATE TRIGGER IF NOT EXISTS {_q(fts + '_ad')} AFTER DELETE ON {qt} BEGIN {delete} END",
        f"CREATE TRIGGER IF NOT EXISTS {_q(fts + '_au')} AFTER UPDATE OF search_text ON {qt} "
        f"BEGIN {delete} {insert} END",
    ]


def sqlite_rebuild_statement(table: str) -> str:
    """SQLite: fill the FTS5 table from the rows already there (after creating it late)."""
    qf = _q(fts_table_name(table))
    return f"INSERT INTO {qf}({qf}) VALUES ('rebuild')"


def sqlite_drop_statements(table: str) -> list[str]:
    """SQLite DDL that removes the FTS5 table and its triggers."""
    fts = fts_table_name(table)
    triggers = [f"DROP TRIGGER IF EXISTS {_q(fts + s)}" for s in ("_ai", "_ad", "_au")]
    return [*triggers, f"DROP TABLE IF EXISTS {_q(fts)}"]


def install_sqlite_events(table: sa.Table) -> None:
    """Make ``create_all`` / ``drop_all`` on SQLite create and drop the FTS5 table and triggers
    of a searchable table."""
    for statement in sqlite_create_statements(table.name, rowid_column(table)):
        sa.event.listen(table, "after_create", sa.DDL(statement).execute_if(dialect="sqlite"))
    for statement in sqlite_drop_statements(table.name):
        sa.event.listen(table, "before_drop", sa.DDL(statement).execute_if(dialect="sqlite"))


# The thread documents' table of each messages table (not in ``Table.info``: a host's base
# class may hand every table the same ``info`` dict).
_documents_of: weakref.WeakKeyDictionary[sa.Table, sa.Table] = weakref.WeakKeyDictionary()


def install_documents(messages: sa.Table, documents: sa.Table) -> None:
    """Declare ``documents`` the thread documents of ``messages``: its FTS5 table on SQLite
    (:func:`install_sqlite_events`), its index elsewhere when :func:`add_search_index` indexes
    the messages."""
    _documents_of[messages] = documents
    install_sqlite_events(documents)


# -- thread documents -------------------------------------------------------------------------


def _concat(parts: list[Any]) -> Any:
    """``a || b || c ...`` as a balanced tree: no engine or compiler recursion limit to meet."""
    if len(parts) == 1:
        return parts[0]
    middle = len(parts) // 2
    return _concat(parts[:middle]) + _concat(parts[middle:])


def _merge_statement(table: sa.Table, thread_id: Any, words: list[str], dialect: str) -> Any:
    """One upsert that merges ``words`` (distinct) into the document of ``thread_id``."""
    column = table.c.search_text
    text = " ".join(words)
    padded = sa.literal(" ") + column + sa.literal(" ")
    added = _concat(
        [
            sa.case((padded.like(f"% {word} %"), sa.literal("")), else_=sa.literal(f" {word}"))
            for word in words
        ]
    )
    length = sa.func.length if dialect == "sqlite" else sa.func.char_length
    merged = sa.case(
        (length(column) + len(text) < DOCUMENT_LIMIT, sa.func.ltrim(column + added)),
        else_=column,
    )
    values = {"thread_id": thread_id, "search_text": text}
    if dialect in ("mysql", "mariadb"):
        return mysql.insert(table).values(values).on_duplicate_key_update(search_text=merged)
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    return insert.values(values).on_conflict_do_update(
        index_elements=[table.c.thread_id], set_={"search_text": merged}
    )


def add_to_document(session: Any, documents: Any, thread_id: Any, text: str) -> None:
    """Merge the words of ``text`` (a new entry's ``search_text``) into the document of thread
    ``thread_id``, in the session's transaction: one statement (one per :data:`MERGE_BATCH`
    distinct words), none when ``text`` has no words.  ``documents`` is the documents' model.

    The statement is an upsert -- ``INSERT ... ON CONFLICT DO UPDATE`` on PostgreSQL and
    SQLite, ``INSERT ... ON DUPLICATE KEY UPDATE`` on MariaDB/MySQL -- and it merges in the
    database, against the document as the statement finds it: a word is appended unless the
    document already holds it (``' ' || doc || ' ' LIKE '% word %'``).  Nothing is read
    first, so no other post can slip in between a read and a write: the update step runs on
    the row's newest version under the row lock it takes (PostgreSQL, InnoDB; SQLite has one
    writer at a time), and two first entries of a thread racing each other end as an insert and
    an update, never a duplicate key.  Posting holds the thread's row lock besides, so writers
    to one thread queue anyway.  The result is what :func:`merge_document` says."""
    words = list(dict.fromkeys(text.split()))
    if not words:
        return
    table = documents.__table__
    dialect = session.get_bind(mapper=sa.inspect(documents)).dialect.name
    for start in range(0, len(words), MERGE_BATCH):
        chunk = words[start : start + MERGE_BATCH]
        if dialect in ("postgresql", "sqlite", "mysql", "mariadb"):
            session.execute(_merge_statement(table, thread_id, chunk, dialect))
            continue
        # Any other database: the same merge in Python, under the thread's row lock.
        where = table.c.thread_id == thread_id
        old = session.execute(sa.select(table.c.search_text).where(where)).scalar()
        if old is None:
            session.execute(
                sa.insert(table).values(thread_id=thread_id, search_text=" ".join(chunk))
            )
        else:
            new = merge_document(old, " ".join(chunk))
            session.execute(sa.update(table).where(where).values(search_text=new))


def merge_document(document: str, text: str) -> str:
    """The document that merging ``text``'s words into ``document`` gives (what
    :func:`add_to_document` does in SQL, for one batch of words)."""
    words = list(dict.fromkeys(text.split()))
    if len(document) + len(" ".join(words)) >= DOCUMENT_LIMIT:
        return document
    have = set(document.split())
    return (document + "".join(f" {w}" for w in words if w not in have)).lstrip(" ")


def fill_documents(messages: sa.Table, documents: sa.Table, dialect: Any) -> Any:
    """One ``INSERT ... SELECT`` that writes the document of every thread that has messages
    but no document yet, from the messages' ``search_text``: the distinct words (in the order
    the database gives them), cut at :data:`DOCUMENT_LIMIT` characters.  ``dialect`` is the
    connection's SQLAlchemy dialect.  For the migration that adds the documents, and for bulk
    loaders (to renew some threads' documents, delete those first; then write the threads'
    order numbers in with ``services.index_order_numbers``, which SQL cannot compute).  The
    words are split with ``string_to_array`` on PostgreSQL, ``JSON_TABLE`` on MariaDB 10.6+/MySQL 8,
    ``json_each`` on SQLite (words never hold quotes, commas or backslashes).  On MariaDB/MySQL
    run :data:`GROUP_CONCAT_SETTING` first on the same connection: in strict mode a
    ``GROUP_CONCAT`` longer than ``group_concat_max_len`` (1 MB) is an error, not a cut."""
    quote = dialect.identifier_preparer.quote
    m, d = quote(messages.name), quote(documents.name)
    missing = f"NOT EXISTS (SELECT 1 FROM {d} d WHERE d.thread_id = m.thread_id)"
    where = f"WHERE m.search_text <> '' AND {missing} GROUP BY m.thread_id"
    # The JSON array of a message's words: ["w1","w2"...].
    as_json = ("'[\"'", "'\",\"'", "'\"]'")
    if dialect.name == "postgresql":
        sql = (
            "SELECT m.thread_id AS thread_id, "
            "rtrim(left(string_agg(DISTINCT w.word, ' '), :limit)) AS search_text "
            f"FROM {m} m "
            f"CROSS JOIN LATERAL unnest(string_to_array(m.search_text, ' ')) AS w(word) {where}"
        )
    elif dialect.name in ("mysql", "mariadb"):
        words = f"CONCAT({as_json[0]}, REPLACE(m.search_text, ' ', {as_json[1]}), {as_json[2]})"
        sql = (
            "SELECT m.thread_id AS thread_id, "
            "RTRIM(LEFT(GROUP_CONCAT(DISTINCT w.word SEPARATOR ' '), :limit)) AS search_text "
            f"FROM {m} m, JSON_TABLE({words}, '$[*]' COLUMNS (word VARCHAR({WORD_LIMIT}) "
            f"CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$')) AS w {where}"
        )
    else:
        words = f"{as_json[0]} || replace(m.search_text, ' ', {as_json[1]}) || {as_json[2]}"
        sql = (
            "SELECT m.thread_id AS thread_id, "
            "rtrim(substr(replace(group_concat(DISTINCT w.value), ',', ' '), 1, :limit)) "
            f"AS search_text FROM {m} m, json_each({words}) AS w {where}"
        )
    found = (
        sa.text(sql)
        .bindparams(limit=DOCUMENT_LIMIT)
        .columns(sa.column("thread_id"), sa.column("search_text"))
        .subquery("found")
    )
    return sa.insert(documents).from_select(
        ["thread_id", "search_text"],
        sa.select(found.c.thread_id, found.c.search_text),
        include_defaults=False,
    )


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


def _indexed(term: str, dialect: str, engine: Any, model: Any) -> bool:
    """Whether the engine's full-text index on ``model``'s table surely holds every word that
    begins with ``term``."""
    if dialect == "sqlite":
        return True
    if dialect == "postgresql" and _is_documents(model.__table__):
        return True  # one lexeme per word, as it is
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


def _index_match(model: Any, term: str, dialect: str) -> Any:
    """SQL on a searchable table (the messages, the thread documents): its full-text index
    says a word may begin with ``term``."""
    column = model.search_text
    if dialect == "postgresql":
        vector = _pg_vector(model.__table__)
        return vector.op("@@")(sa.cast(sa.literal(f"'{term}':*"), postgresql.TSQUERY))
    if dialect in ("mysql", "mariadb"):
        return column.match(f"+{term}*")
    table = model.__table__
    fts = fts_table_name(table.name)
    hits: sa.Select[Any] = (
        sa.select(sa.literal_column("rowid"))
        .select_from(sa.table(fts))
        .where(sa.column(fts).match(f'"{term}"*'))
    )
    return table.c[rowid_column(table)].in_(hits)


def exact_match(model: Any, term: str) -> Any:
    """SQL on a searchable table, the definition itself: a word of its ``search_text`` begins
    with ``term`` (one of :func:`terms`: letters and digits only, so nothing to escape).

    ``" " || search_text LIKE "% term%"``.  PostgreSQL's planner expects a LIKE with a leading
    ``%`` to keep few rows, so it joins the index's hits to their threads one by one: the
    fastest plan for the rare words people search for (a ``strpos`` test, guessed at a third
    of the rows, made it hash all 100,000 threads even for a word in 60 of them)."""
    return (sa.literal(" ") + model.search_text).like(f"% {term}%")


def threads_matching(
    query: str,
    *,
    thread: Any,
    message: Any,
    visible: Any,
    bind: Any,
    within: Any = None,
    documents: Any = None,
) -> Any:
    """SQL condition on the thread model: every word of ``query`` begins a word of some message
    of the thread for which ``visible`` (a condition on the message model) holds.

    False when the query has no words at all (only punctuation, say).  ``documents``, the
    thread documents' model, says ``visible`` holds for every entry (a staff search): then
    each word is looked up in the threads' documents, one row per thread, instead of in their
    messages.  Words the index serves become ``thread.id IN (rows the index finds, checked
    exactly)``; the others an ``EXISTS`` over the thread's own document (or messages), which
    the planner runs only for the threads the other conditions leave.  ``within``, an
    uncorrelated ``SELECT`` of thread ids (a customer's own threads), says the search covers
    only those few threads: then every word is checked on their messages alone, a few dozen
    rows, rather than on every message the index finds in the whole shop."""
    found = terms(query)
    if not found:
        return sa.false()
    dialect = bind.dialect.name
    engine = getattr(bind, "engine", bind)
    conditions = []
    for term in found:
        if within is not None:
            exact = exact_match(message, term)
            ids = sa.select(message.thread_id).where(message.thread_id.in_(within), exact, visible)
            conditions.append(thread.id.in_(ids))
            continue
        # Staff: the thread's document holds the words of every entry; otherwise its messages.
        source, shown = (documents, sa.true()) if documents is not None else (message, visible)
        exact = exact_match(source, term)
        if _indexed(term, dialect, engine, source):
            ids = sa.select(source.thread_id).where(
                _index_match(source, term, dialect), exact, shown
            )
            conditions.append(thread.id.in_(ids))
        else:
            conditions.append(
                sa.select(sa.literal(1))
                .where(source.thread_id == thread.id, exact, shown)
                .correlate(thread)
                .exists()
            )
    return sa.and_(*conditions)
