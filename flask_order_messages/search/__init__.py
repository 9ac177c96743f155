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

Where the code lives: :mod:`.text` says what a word is (pure Python), :mod:`.matching` builds
the search's SQL condition, :mod:`.documents` keeps the thread documents, :mod:`.indexes`
declares the columns and indexes; what each database does differently (its index, how it
matches, its upserts) is in :mod:`flask_order_messages.dialects`, one module per database.
"""

from __future__ import annotations

from ..dialects import DIALECTS_KEY, configured_name, index_name
from ..dialects import sqlite as _sqlite
from ..dialects.mysql import GROUP_CONCAT_SETTING
from .documents import (
    DOCUMENT_LIMIT,
    MERGE_BATCH,
    add_to_document,
    fill_documents,
    fill_documents_setup,
    merge_document,
)
from .indexes import SearchText, add_search_index, install_documents, install_sqlite_events
from .matching import documents_matching, exact_match, thread_probe, threads_matching
from .text import MAX_TERMS, TEXT_LIMIT, WORD_LIMIT, search_text, search_text_default, terms, words

fts_table_name = _sqlite.fts_table_name
fts_shadow_names = _sqlite.fts_shadow_names
rowid_column = _sqlite.rowid_column
sqlite_create_statements = _sqlite.create_statements
sqlite_drop_statements = _sqlite.drop_statements
sqlite_rebuild_statement = _sqlite.rebuild_statement

#: The dialect name of the app's default database, read from Flask-SQLAlchemy's config.
configured_dialect = configured_name

__all__ = [
    "DIALECTS_KEY",
    "DOCUMENT_LIMIT",
    "GROUP_CONCAT_SETTING",
    "MAX_TERMS",
    "MERGE_BATCH",
    "TEXT_LIMIT",
    "WORD_LIMIT",
    "SearchText",
    "add_search_index",
    "add_to_document",
    "configured_dialect",
    "documents_matching",
    "exact_match",
    "fill_documents",
    "fill_documents_setup",
    "fts_shadow_names",
    "fts_table_name",
    "index_name",
    "install_documents",
    "install_sqlite_events",
    "merge_document",
    "rowid_column",
    "search_text",
    "search_text_default",
    "sqlite_create_statements",
    "sqlite_drop_statements",
    "sqlite_rebuild_statement",
    "terms",
    "thread_probe",
    "threads_matching",
    "words",
]
