"""Thread documents: the distinct words of all a thread's entries, one row per thread, for
staff search.  Merged in by :func:`add_to_document` as entries are added; written in bulk by
:func:`fill_documents`."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from .. import dialects

#: Longest thread document, in characters.  A post whose words would take a document past it
#: adds none of them (a soft cap: such a thread's later new words are missed by staff search).
#: Far above any real thread's vocabulary, it keeps PostgreSQL's tsvector of a document under
#: its 1 MB limit in any script, so that posting can never fail on it.
DOCUMENT_LIMIT = 100_000
#: Words merged into a document by one statement; an entry with more distinct words (a few
#: thousand characters of varied text) takes one statement per batch.
MERGE_BATCH = 250


def _concat(parts: list[Any]) -> Any:
    """``a || b || c ...`` as a balanced tree: no engine or compiler recursion limit to meet."""
    if len(parts) == 1:
        return parts[0]
    middle = len(parts) // 2
    return _concat(parts[:middle]) + _concat(parts[middle:])


def _merged(column: Any, words: list[str], database: dialects.Dialect) -> Any:
    """SQL: the document ``column`` with ``words`` (distinct) merged in, as
    :func:`merge_document` says."""
    padded = sa.literal(" ") + column + sa.literal(" ")
    added = _concat(
        [
            sa.case((padded.like(f"% {word} %"), sa.literal("")), else_=sa.literal(f" {word}"))
            for word in words
        ]
    )
    fits = database.char_length(column) + len(" ".join(words)) < DOCUMENT_LIMIT
    return sa.case((fits, sa.func.ltrim(column + added)), else_=column)


def _merging(table: sa.Table, words: list[str], database: dialects.Dialect) -> dialects.Update:
    """The update step of the upsert that merges ``words`` into a document."""
    merged = {"search_text": _merged(table.c.search_text, words, database)}
    return lambda _new: merged


def _merge_in_python(session: Any, table: sa.Table, thread_id: Any, words: list[str]) -> None:
    """The merge for a database without upserts: read, merge, write, under the thread's row
    lock that posting holds."""
    where = table.c.thread_id == thread_id
    old = session.execute(sa.select(table.c.search_text).where(where)).scalar()
    if old is None:
        session.execute(sa.insert(table).values(thread_id=thread_id, search_text=" ".join(words)))
    else:
        new = merge_document(old, " ".join(words))
        session.execute(sa.update(table).where(where).values(search_text=new))


def add_to_document(session: Any, documents: Any, thread_id: Any, text: str) -> None:
    """Merge the words of ``text`` (a new entry's ``search_text``) into the document of thread
    ``thread_id``, in the session's transaction: one statement (one per :data:`MERGE_BATCH`
    distinct words), none when ``text`` has no words.  ``documents`` is the documents' model.

    The statement is an upsert (``Dialect.upsert``) and it merges in the database, against the
    document as the statement finds it: a word is appended unless the document already holds
    it (``' ' || doc || ' ' LIKE '% word %'``).  Nothing is read first, so no other post can
    slip in between a read and a write: the update step runs on the row's newest version
    under the row lock it takes (PostgreSQL, InnoDB; SQLite has one writer at a time), and two
    first entries of a thread racing each other end as an insert and an update, never a
    duplicate key.  Posting holds the thread's row lock besides, so writers to one thread
    queue anyway.  The result is what :func:`merge_document` says."""
    words = list(dict.fromkeys(text.split()))
    if not words:
        return
    table = documents.__table__
    database = dialects.of(session.get_bind(mapper=sa.inspect(documents)))
    for start in range(0, len(words), MERGE_BATCH):
        chunk = words[start : start + MERGE_BATCH]
        if not database.has_upsert:
            _merge_in_python(session, table, thread_id, chunk)
            continue
        values = {"thread_id": thread_id, "search_text": " ".join(chunk)}
        merge = _merging(table, chunk, database)
        session.execute(database.upsert(table, ["thread_id"], merge, values=values))


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
    ``json_each`` on SQLite.  On MariaDB/MySQL run :data:`GROUP_CONCAT_SETTING` first on the
    same connection (every statement of :func:`fill_documents_setup`)."""
    quote = dialect.identifier_preparer.quote
    m, d = quote(messages.name), quote(documents.name)
    missing = f"NOT EXISTS (SELECT 1 FROM {d} d WHERE d.thread_id = m.thread_id)"
    where = f"WHERE m.search_text <> '' AND {missing} GROUP BY m.thread_id"
    found = (
        sa.text(dialects.of(dialect).documents_select(m, where))
        .bindparams(limit=DOCUMENT_LIMIT)
        .columns(sa.column("thread_id"), sa.column("search_text"))
        .subquery("found")
    )
    return sa.insert(documents).from_select(
        ["thread_id", "search_text"],
        sa.select(found.c.thread_id, found.c.search_text),
        include_defaults=False,
    )


def fill_documents_setup(dialect: Any) -> tuple[str, ...]:
    """The statements to run before :func:`fill_documents` on the same connection, for
    ``dialect`` (a SQLAlchemy dialect, engine or connection)."""
    return dialects.of(dialect).documents_setup
