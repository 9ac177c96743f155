"""Which test modules CI runs on every database, and why the others run on SQLite alone.

CI runs the whole suite once, on SQLite, and these modules again on PostgreSQL and on MariaDB
(marked ``every_database``: ``pytest -m every_database``).  A module belongs here when what it
checks goes through something the three databases do differently: the statements in
``flask_order_messages/dialects`` and ``search`` (upserts, full-text matching, time
arithmetic), locking and concurrent writers, the schema and its migrations, the host's key
types, how text, emoji and NUL are stored, unique keys that decide a race, the statements a
page makes.  The others check rules written in Python above the ORM (who may see what, forms,
templates, translations, the API's shapes, mail text): the same on any database, and they make
up most of the suite's time.

``make test-all-databases`` runs the whole suite on all three, as before a release.
"""

from __future__ import annotations

MODULES = frozenset(
    {
        # One home per database difference, and search on each backend.
        "test_dialects",
        "test_search",
        "test_thread_search",
        "test_customer_search",
        "test_order_number_search",
        "test_listing",
        # Writers at once, locks, the unit of work, a server that goes away.
        "test_concurrency",
        "test_exact_limit",
        "test_faults",
        "test_unit_of_work",
        "test_reads_never_write",
        "test_posting",
        # The schema: migrations, the host's tables and key types beside ours.
        "test_migrations",
        "test_models_hosts",
        "test_host_shapes",
        # Read pointers and floors (an upsert per database).
        "test_read_floors",
        "test_read_state",
        "test_shared_read",
        "test_staff_bell",
        "test_bell_version",
        "test_customer_header",
        # Text as each database stores it (NUL, four-byte characters, long bodies).
        "test_hostile_text",
        "test_text_safety",
        # Outboxes and inbound mail: claims, unique keys that accept a mail once.  (The mail
        # corpus, test_inbound_corpus, checks how a reply's new words are cut from its quote:
        # Python; its text is stored like any message's.)
        "test_inbound_pipeline",
        "test_inbound_smtp",
        "test_mail_faults",
        "test_webhooks",
        # Time arithmetic in SQL (due times, response-time insight).
        "test_response_targets",
        "test_insight",
        # Statements per page (the bench's pages run on PostgreSQL).
        "test_query_counts",
        # Whole flows through the API, with attachments.
        "test_api_threads",
        "test_attachments",
    }
)

#: Modules of which only these tests meet a database difference; their other tests render
#: the same stored text into pages and mails (Python).
ONLY = {
    "test_hostile_text": (
        "test_every_payload_in_one_thread_reads_back_exactly_and_inert",
        "test_every_payload_as_search_words",
    ),
}


def paths() -> list[str]:
    """The modules (or the tests named in ``ONLY``) by path, as pytest takes them."""
    return [
        f"tests/{name}.py::{test}" if name in ONLY else f"tests/{name}.py"
        for name in sorted(MODULES)
        for test in ONLY.get(name, ("",))
    ]


def runs_everywhere(module: str, test: str) -> bool:
    return module in MODULES and (module not in ONLY or test in ONLY[module])


if __name__ == "__main__":  # the paths, for CI's server legs (.ci/run)
    print(" ".join(paths()))
