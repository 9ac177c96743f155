"""What migration 0009 (response targets) does beyond :class:`.schema.Migration`'s own
operations: the index on a column a later script adds, and filling the new columns and the
responses table from the messages already there (:func:`.services.targets.replay`)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.operations import ops

from .schema import ADDED_LATER, Migration

#: Threads whose state is written per statement batch while filling.
FILL_BATCH = 500


def _later_indexes(migration: Migration, key: str, revision: str) -> list[sa.Index]:
    table = migration.tables[key]
    added = {n for n, r in ADDED_LATER.get(key, {}).items() if r == revision}
    return [i for i in table.indexes if added & {c.name for c in i.columns}]


def create_indexes(migration: Migration, key: str, revision: str) -> None:
    """The plain indexes on the columns ``revision`` adds to table ``key``."""
    for index in _later_indexes(migration, key, revision):
        migration.op.invoke(ops.CreateIndexOp.from_index(index))


def drop_indexes(migration: Migration, key: str, revision: str) -> None:
    """Undo :func:`create_indexes`."""
    table = migration.tables[key]
    for index in _later_indexes(migration, key, revision):
        migration.op.drop_index(str(index.name), table_name=table.name)


def fill_response_targets(migration: Migration) -> None:
    """Each thread's waiting state and its past answers, replayed from its messages with the
    app's targets and business hours (one pass over the messages, by thread and id).  Offline
    (``--sql``) nothing is filled: the threads start as not waiting."""
    from alembic import context

    from .models import KIND_MESSAGE
    from .services.targets import replay
    from .state import current_settings

    if context.is_offline_mode():
        return
    connection = migration.op.get_bind()
    threads, messages = migration.tables["threads"], migration.tables["messages"]
    responses = migration.tables["responses"]
    rows = connection.execute(
        sa.select(messages.c.thread_id, messages.c.author_role, messages.c.created_at)
        .where(messages.c.kind == KIND_MESSAGE)
        .order_by(messages.c.thread_id, messages.c.id)
    ).all()
    updates: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    for state in replay(rows, current_settings.targets):
        updates.append(
            {
                "tid": state.thread_id,
                "awaiting_since": state.awaiting_since,
                "awaiting_first": state.awaiting_first,
                "response_due_at": state.response_due_at,
                "first_response_at": state.first_response_at,
            }
        )
        answers.extend(
            {
                "thread_id": state.thread_id,
                "first": first,
                "asked_at": asked,
                "due_at": due,
                "answered_at": answered,
            }
            for first, asked, due, answered in state.responses
        )
    update = (
        sa.update(threads)
        .where(threads.c.id == sa.bindparam("tid"))
        .values({name: sa.bindparam(name) for name in updates[0] if name != "tid"})
        if updates
        else None
    )
    for start in range(0, len(updates), FILL_BATCH):
        connection.execute(update, updates[start : start + FILL_BATCH])
    for start in range(0, len(answers), FILL_BATCH):
        connection.execute(sa.insert(responses), answers[start : start + FILL_BATCH])
