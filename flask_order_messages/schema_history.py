"""Which script made each table and column (:mod:`.schema`): the tables the first script
creates, the tables later scripts create, and the columns later scripts add."""

from __future__ import annotations

#: The tables the first script creates, by the key their name ends with, in creation order.
#: Until the first release this is the whole initial schema, so a new model table is added
#: here; after it, a new table gets a script of its own (and a new column an entry in
#: :data:`ADDED_LATER`).  ``tests/test_migrations.py`` fails while a model table is in neither.
INITIAL_TABLES = (
    "threads",
    "messages",
    "read_pointers",
    "disputes",
    "mail_outbox",
    "attachments",
    "canned_replies",
)
#: Tables that a later script creates, as ``{table key: revision}``; the first script leaves
#: them out and their own script calls :meth:`Migration.create_table`.
LATER_TABLES: dict[str, str] = {
    "thread_search": "0003",
    "read_floors": "0004",
    "read_floor_threads": "0004",
    "drafts": "0005",
    "reply_addresses": "0006",
    "inbound_mails": "0007",
    "presence": "0011",
    "webhook_endpoints": "0015",
    "webhook_deliveries": "0015",
    "access_tokens": "0016",
}
#: Columns that a later script adds, as ``{table key: {column name: revision}}``; the script
#: that creates a table leaves these out.
ADDED_LATER: dict[str, dict[str, str]] = {
    "threads": {
        "assignee_id": "0008",
        "status": "0008",
        "status_changed_at": "0008",
        "awaiting_since": "0009",
        "awaiting_first": "0009",
        "response_due_at": "0009",
        "first_response_at": "0009",
        "vendor_key": "0012",
        "last_author_role": "0010",
        "product_key": "0013",
        "asker_id": "0013",
    },
    "messages": {
        "answers_since": "0009",
        "answers_first": "0009",
        "answers_due_at": "0009",
        "event_args": "0019",
    },
    "disputes": {"overdue_mailed_at": "0012"},
    "canned_replies": {"vendor_key": "0014", "shared": "0014"},
    "webhook_endpoints": {
        "previous_secret": "0018",
        "previous_secret_until": "0018",
        "disabled_code": "0019",
        "disabled_args": "0019",
    },
    "mail_outbox": dict(
        dict.fromkeys(("message_id_header", "thread_root", "reply_to", "recipient_role"), "0006"),
        recipient_key="0006",
        locale="0017",
        timezone="0017",
    ),
}
#: Plain indexes that a later script adds over columns the table had before, as
#: ``{table key: {index name less its "ix_<table_prefix>": revision}}``; the script that
#: creates a table leaves these out.
INDEXES_ADDED_LATER: dict[str, dict[str, str]] = {
    "read_pointers": {"read_pointers_user_changed": "0020"},
}
