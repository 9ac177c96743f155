"""What migration 0009 (response targets) does beyond :class:`.schema.Migration`'s own
operations: the index on a column a later script adds, and filling the new columns of the
threads and messages from the messages already there (:func:`.services.targets.replay`)."""

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
    """Each thread's waiting state and the answers its staff messages gave, replayed from its
    messages with the app's targets and business hours (one read of the messages, by thread
    and id).  Offline (``--sql``) nothing is filled: the threads start as not waiting."""
    from alembic import context

    from .models import KIND_MESSAGE
    from .services.targets import replay
    from .state import current_settings

    if context.is_offline_mode():
        return
    connection = migration.op.get_bind()
    threads, messages = migration.tables["threads"], migration.tables["messages"]
    m = messages.c
    rows = connection.execute(
        sa.select(m.thread_id, m.id, m.author_role, m.created_at)
        .where(m.kind == KIND_MESSAGE)
        .order_by(m.thread_id, m.id)
    ).all()
    states: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    for state in replay(rows, current_settings.targets):
        states.append(
            {
                "key": state.thread_id,
                "awaiting_since": state.awaiting_since,
                "awaiting_first": state.awaiting_first,
                "response_due_at": state.response_due_at,
                "first_response_at": state.first_response_at,
            }
        )
        answers.extend({"key": key, **values} for key, values in state.answers.items())
    _update(connection, threads, states)
    _update(connection, messages, answers)


def _update(connection: Any, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """UPDATE ``table`` SET the rows' values WHERE id = their "key", in batches."""
    if not rows:
        return
    names = [name for name in rows[0] if name != "key"]
    update = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("key"))
        .values({name: sa.bindparam(name) for name in names})
    )
    for start in range(0, len(rows), FILL_BATCH):
        connection.execute(update, rows[start : start + FILL_BATCH])
