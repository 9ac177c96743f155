"""Disputes: a reason is required, events in the thread, one open at a time (the database
says so too), history kept, reopening, customers withdraw only their own, signals."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from flask_order_messages import DisputeError, ValidationError, signals
from flask_order_messages.extension import current_order_messages as ext

from . import committing as services
from .conftest import db


def count(model: Any) -> int:
    return int(db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar())


def entries(order: Any) -> list[tuple[str, str | None, str]]:
    m = ext.models.Message
    thread = services.get_thread(order)
    rows = db.session.execute(
        sa.select(m.kind, m.event, m.body).where(m.thread_id == thread.id).order_by(m.id)
    )
    return [tuple(r) for r in rows]  # type: ignore[misc]


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        ("", "The reason cannot be empty."),
        (None, "The reason cannot be empty."),
        ("  \r\n\t", "The reason cannot be empty."),
        ("r" * 1001, "The reason is too long: 1,001 characters, the limit is 1,000."),
    ],
    ids=["empty", "none", "blank", "too-long"],
)
def test_opening_needs_a_reason_and_saves_nothing_without_one(
    order, as_customer, as_staff, reason, words
):
    with pytest.raises(ValidationError) as info:
        services.open_dispute(order, as_customer, reason)
    assert info.value.message == words
    assert info.value.field == "reason"
    db.session.commit()
    assert count(ext.models.Dispute) == 0
    assert count(ext.models.Message) == 0
    assert services.open_dispute_of(order) is None
    assert services.bell_counts(as_staff)["open_disputes"] == 0


def test_opening_posts_an_event_and_marks_the_thread(order, customer, as_customer, as_staff):
    services.post_message(order, as_customer, "The box was crushed")
    dispute = services.open_dispute(order, as_customer, "  Item arrived broken\r\n")
    assert dispute.reason == "Item arrived broken"
    assert (dispute.opened_by_id, dispute.opened_by_role) == (customer.id, "customer")
    assert dispute.is_open and dispute.closed_at is None
    assert services.open_dispute_of(order).id == dispute.id
    assert entries(order) == [
        ("message", None, "The box was crushed"),
        ("event", "dispute_opened", "Item arrived broken"),
    ]
    view = services.thread_view(order, as_staff)
    assert view.open_dispute.id == dispute.id
    row = services.list_threads(as_staff).rows[0]
    assert row.dispute is not None and row.dispute.id == dispute.id
    assert services.bell_counts(as_staff)["open_disputes"] == 1


def test_staff_may_open_a_dispute_on_an_order_without_a_thread(order, as_staff, as_customer):
    assert services.get_thread(order) is None
    services.open_dispute(order, as_staff, "Payment was reversed")
    assert entries(order) == [("event", "dispute_opened", "Payment was reversed")]
    assert services.bell_counts(as_customer) == {"unread_threads": 1, "open_disputes": 1}


def test_only_one_open_dispute_at_a_time(order, as_customer, as_staff):
    services.open_dispute(order, as_customer, "first")
    for actor in (as_customer, as_staff):
        with pytest.raises(DisputeError) as info:
            services.open_dispute(order, actor, "second")
        assert info.value.status_code == 409
        assert "already open" in info.value.message
    assert count(ext.models.Dispute) == 1
    assert [e for e in entries(order) if e[1] == "dispute_opened"] == [
        ("event", "dispute_opened", "first")
    ]


def test_the_database_itself_refuses_a_second_open_dispute(order, as_customer, staff):
    first = services.open_dispute(order, as_customer, "first")
    d = ext.models.Dispute
    db.session.add(
        d(
            thread_id=first.thread_id,
            open_thread_id=first.thread_id,
            opened_by_id=staff.id,
            opened_by_role="staff",
            reason="sneaked past Python",
        )
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    # Closed disputes (open_thread_id NULL) do not collide with each other or the open one.
    for n in range(2):
        db.session.add(
            d(
                thread_id=first.thread_id,
                open_thread_id=None,
                opened_by_role="staff",
                reason=f"old {n}",
                closed_at=first.opened_at,
            )
        )
    db.session.commit()
    assert count(d) == 3


def test_closing_keeps_history_and_allows_reopening(order, staff, as_customer, as_staff):
    first = services.open_dispute(order, as_customer, "broken")
    closed = services.close_dispute(order, as_staff, note="Refund sent")
    assert closed.id == first.id
    assert not closed.is_open
    assert (closed.closed_by_id, closed.closed_by_role, closed.outcome) == (
        staff.id,
        "staff",
        "resolved",
    )
    assert closed.note == "Refund sent"
    assert closed.open_thread_id is None
    assert services.open_dispute_of(order) is None
    assert services.bell_counts(as_staff)["open_disputes"] == 0
    assert entries(order)[-1] == ("event", "dispute_closed", "Refund sent")

    with pytest.raises(DisputeError, match="no open dispute"):
        services.close_dispute(order, as_staff)

    second = services.open_dispute(order, as_customer, "broken again")
    assert second.id != first.id
    assert services.open_dispute_of(order).id == second.id
    view = services.thread_view(order, as_staff)
    assert [x.reason for x in view.disputes] == ["broken", "broken again"]
    assert [x.is_open for x in view.disputes] == [False, True]
    assert view.open_dispute.id == second.id

    services.close_dispute(order, as_staff)
    assert entries(order)[-1] == ("event", "dispute_closed", "Resolved.")
    assert count(ext.models.Dispute) == 2


def test_a_customer_withdraws_a_dispute_they_opened(order, customer, as_customer, as_staff):
    services.open_dispute(order, as_customer, "changed my mind later")
    withdrawn = services.close_dispute(order, as_customer)
    assert (withdrawn.outcome, withdrawn.closed_by_id, withdrawn.closed_by_role) == (
        "withdrawn",
        customer.id,
        "customer",
    )
    assert entries(order)[-1] == ("event", "dispute_closed", "Withdrawn by the customer.")
    assert services.bell_counts(as_staff)["open_disputes"] == 0


def test_a_customer_cannot_close_a_dispute_the_store_opened(order, as_customer, as_staff):
    opened = services.open_dispute(order, as_staff, "chargeback")
    with pytest.raises(DisputeError) as info:
        services.close_dispute(order, as_customer)
    assert "Only the store" in info.value.message
    db.session.commit()
    assert services.open_dispute_of(order).id == opened.id
    assert [e[1] for e in entries(order)] == ["dispute_opened"]


def test_a_bad_outcome_or_note_leaves_the_dispute_open(order, as_customer, as_staff):
    services.open_dispute(order, as_customer, "broken")
    with pytest.raises(ValidationError, match="Unknown outcome"):
        services.close_dispute(order, as_staff, outcome="won")
    with pytest.raises(ValidationError, match="too long"):
        services.close_dispute(order, as_staff, note="n" * 2001)
    db.session.commit()
    assert services.open_dispute_of(order) is not None
    assert [e[1] for e in entries(order)] == ["dispute_opened"]


def test_dispute_signals(app, order, customer, as_customer, as_staff):
    calls: list[tuple[str, Any, dict[str, Any]]] = []

    def opened(sender: Any, **kw: Any) -> None:
        calls.append(("opened", sender, kw))

    def closed(sender: Any, **kw: Any) -> None:
        calls.append(("closed", sender, kw))

    with (
        signals.dispute_opened.connected_to(opened, sender=app),
        signals.dispute_closed.connected_to(closed, sender=app),
    ):
        with pytest.raises(ValidationError):
            services.open_dispute(order, as_customer, "")
        dispute = services.open_dispute(order, as_customer, "broken")
        with pytest.raises(DisputeError):
            services.open_dispute(order, as_customer, "again")
        services.close_dispute(order, as_staff)

    assert [(name, sender) for name, sender, _ in calls] == [("opened", app), ("closed", app)]
    for name, _, kw in calls:
        assert set(kw) == {"dispute", "thread", "order", "actor"}, name
        assert kw["dispute"].id == dispute.id
        assert kw["thread"].id == dispute.thread_id
        assert kw["order"] is order
    assert calls[0][2]["actor"] == as_customer
    assert calls[1][2]["actor"] == as_staff
    assert calls[1][2]["dispute"].closed_at is not None
