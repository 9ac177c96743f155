"""The customer's header (their unread messages, on every page they open) reads their own
threads through the indexes, a scope part at a time, never every thread of the shop: as one
``OR`` of their orders and their questions, PostgreSQL read all 800,000 threads of a shop of
ten million messages to find a customer's (bench/RESULTS.md, the cost curve)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from flask_order_messages.extension import current_order_messages as ext

from . import committing as services
from .conftest import db, make_order


def _statements_of(call: Any) -> list[tuple[str, Any]]:
    """The statements ``call()`` runs, with their parameters."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    engine = db.session.get_bind(mapper=sa.inspect(ext.models.Thread))
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return seen


def _scans(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """The nodes of a PostgreSQL plan (``EXPLAIN (FORMAT JSON)``), depth first."""
    return [plan, *(node for child in plan.get("Plans", []) for node in _scans(child))]


def _threads_read_whole(statement: str, parameters: Any) -> bool:
    """Whether the database's plan for the statement reads the threads table from end to end:
    a scan of it that no index condition bounds (PostgreSQL with sequential scans
    discouraged, so that the few test rows still show whether an index could serve)."""
    conn = db.session.connection()
    threads = ext.models.Thread.__table__.name
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        # A shop finds a customer's orders by an index (the test host's orders have none:
        # without it, reading every thread is the only way and proves nothing).
        owner = ext.order_owner_column()
        conn.exec_driver_sql(f"CREATE INDEX om_test_owner ON {owner.table.name} ({owner.name})")
        found = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters).scalar()
        return any(
            node.get("Relation Name") == threads and "Index Cond" not in node
            for node in _scans(found[0]["Plan"])
        )
    rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    return any(str(row[-1]) == f"SCAN {threads}" for row in rows)


def test_the_customer_header_reads_only_the_customers_threads(
    app, customer, stranger, as_customer, as_staff
):
    mine = [make_order(customer) for _ in range(3)]
    for order in [*mine, make_order(stranger)]:
        services.post_message(order, as_staff, "Your parcel left the warehouse.")

    statements = _statements_of(lambda: services.customer_unread_note(as_customer))

    assert services.customer_unread_note(as_customer).total == 3
    assert len(statements) == 1
    if db.session.connection().dialect.name in ("postgresql", "sqlite"):  # plans read here
        assert not _threads_read_whole(*statements[0])
    db.session.rollback()
