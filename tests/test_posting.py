"""Posting: bodies are checked and normalised, nothing is half-saved, the thread keeps up."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from flask_order_messages import ValidationError, signals
from flask_order_messages.extension import current_order_messages as ext

from . import committing as services
from .conftest import db, make_order


def count(model: Any) -> int:
    return int(db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar())


def saved_nothing() -> bool:
    m = ext.models
    return (count(m.Thread), count(m.Message), count(m.MailOutbox), count(m.ReadPointer)) == (
        0,
        0,
        0,
        0,
    )


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("", "Your message cannot be empty."),
        (None, "Your message cannot be empty."),
        ("   \n\t \r\n ", "Your message cannot be empty."),
        ("\x00\x07\x1b", "Your message cannot be empty."),
        ("x" * 5001, "Your message is too long: 5,001 characters, the limit is 5,000."),
        (42, "Your message must be text."),
    ],
    ids=["empty", "none", "blank", "only-controls", "too-long", "not-text"],
)
@pytest.mark.parametrize("who", ["staff", "customer"])
def test_a_refused_body_saves_nothing(order, as_staff, as_customer, outbox, body, words, who):
    actor = as_staff if who == "staff" else as_customer
    with pytest.raises(ValidationError) as info:
        services.post_message(order, actor, body)
    assert info.value.message == words
    assert info.value.field == "body"
    assert info.value.status_code == 400
    db.session.commit()  # whatever the session held would be saved now
    assert saved_nothing()
    assert services.get_thread(order) is None
    assert outbox == []


def test_a_refused_body_on_an_existing_thread_leaves_it_as_it_was(order, as_customer, as_staff):
    first = services.post_message(order, as_customer, "hello")
    before = services.get_thread(order)
    state = (before.message_count, before.last_message_id, before.last_message_at)
    with pytest.raises(ValidationError):
        services.post_message(order, as_staff, "y" * 5001)
    db.session.commit()
    db.session.expire_all()
    after = services.get_thread(order)
    assert (after.message_count, after.last_message_id, after.last_message_at) == state
    assert after.last_message_id == first.id
    assert count(ext.models.Message) == 1


def test_the_longest_allowed_body_is_accepted(order, as_customer):
    # The limit counts what is stored: outer blank space is not part of it.
    body = "  " + "z" * 5000 + "\r\n"
    message = services.post_message(order, as_customer, body)
    assert message.body == "z" * 5000


def test_the_limit_follows_the_config(tmp_path, order, as_customer):
    from flask_order_messages.extension import current_settings

    assert current_settings.max_body_length == 5000
    with pytest.raises(ValidationError, match="5,001 characters"):
        services.post_message(order, as_customer, "a" * 5001)


def test_control_characters_and_nul_are_stripped(order, as_customer):
    message = services.post_message(order, as_customer, "he\x00llo\x07 wor\x1bld\x7f\tok\u0085")
    assert message.body == "hello world\tok"
    stored = db.session.execute(sa.select(ext.models.Message.body)).scalar_one()
    assert stored == "hello world\tok"


def test_line_endings_are_normalised_and_inner_layout_kept(order, as_customer):
    message = services.post_message(order, as_customer, "\r\n  Dear shop,\r\n\r\nline\rtwo\n  ")
    assert message.body == "Dear shop,\n\nline\ntwo"


def test_text_is_stored_as_typed(order, as_customer):
    body = '<script>alert("x")</script> & <b>bold</b> — naïve 👍 שלום'
    message = services.post_message(order, as_customer, body)
    db.session.expire_all()
    assert db.session.get(ext.models.Message, message.id).body == body


def test_staff_may_start_a_thread_on_any_order(stranger, as_staff):
    theirs = make_order(stranger)
    assert services.get_thread(theirs) is None
    message = services.post_message(theirs, as_staff, "Your order is delayed")
    thread = services.get_thread(theirs)
    assert thread is not None and message.thread_id == thread.id
    assert message.author_role == "staff" and message.kind == "message"
    # The owner sees it as new.
    sam = services.customer_actor(stranger)
    assert services.order_unread_count(theirs, sam) == 1
    assert services.bell_counts(sam)["unread_threads"] == 1


def test_only_staff_write_notes(order, as_customer, as_staff):
    with pytest.raises(PermissionError):
        services.post_message(order, as_customer, "psst", note=True)
    note = services.post_message(order, as_staff, "internal", note=True)
    assert note.kind == "note"
    view = services.thread_view(order, as_customer)
    assert view.entries == []


def test_the_thread_keeps_its_newest_message_and_count(order, as_customer, as_staff, customer):
    first = services.post_message(order, as_customer, "one")
    thread = services.get_thread(order)
    assert (thread.message_count, thread.last_message_id) == (1, first.id)
    assert thread.last_author_id == customer.id
    assert thread.last_message_at == first.created_at

    second = services.post_message(order, as_staff, "two")
    db.session.expire_all()
    thread = services.get_thread(order)
    assert (thread.message_count, thread.last_message_id) == (2, second.id)
    assert thread.last_author_id == as_staff.id
    assert thread.last_message_at >= first.created_at

    services.open_dispute(order, as_customer, "three, an event")
    db.session.expire_all()
    thread = services.get_thread(order)
    assert thread.message_count == 3
    assert thread.last_author_id == customer.id
    # One thread per order, however many messages.
    assert count(ext.models.Thread) == 1


def test_the_returned_thread_state_is_fresh(order, as_customer):
    # post_message refreshes the thread, so a signal receiver or caller reads current values.
    seen: list[tuple[int, int]] = []

    def receiver(sender: Any, message: Any, thread: Any, **kw: Any) -> None:
        seen.append((thread.message_count, thread.last_message_id))

    with signals.message_posted.connected_to(receiver):
        a = services.post_message(order, as_customer, "a")
        b = services.post_message(order, as_customer, "b")
    assert seen == [(1, a.id), (2, b.id)]


def test_message_posted_signal(app, order, as_customer, as_staff):
    calls: list[tuple[Any, dict[str, Any]]] = []

    def receiver(sender: Any, **kw: Any) -> None:
        # Sent after the commit: another connection already sees the message.
        with db.engine.connect() as conn:
            m = ext.models.Message
            kw["visible"] = conn.execute(sa.select(m.body).where(m.id == kw["message"].id)).scalar()
        calls.append((sender, kw))

    with signals.message_posted.connected_to(receiver, sender=app):
        message = services.post_message(order, as_customer, "Where is it?")
        with pytest.raises(ValidationError):
            services.post_message(order, as_customer, "")
        note = services.post_message(order, as_staff, "internal", note=True)

    assert len(calls) == 2  # nothing for the refused body
    sender, kw = calls[0]
    assert sender is app
    assert set(kw) == {"message", "thread", "order", "actor", "visible"}
    assert kw["message"] is message
    assert kw["thread"].id == message.thread_id
    assert kw["order"] is order
    assert kw["actor"] == as_customer
    assert kw["visible"] == "Where is it?"
    assert calls[1][1]["message"] is note


def test_a_first_message_keeps_what_the_caller_had_pending(order, as_customer):
    """The first message makes the thread in a transaction of its own; a change the host made
    in the same session just before is committed with it, never thrown away."""
    order.total = 42
    services.post_message(order, as_customer, "Where is it?")
    db.session.rollback()
    assert db.session.get(type(order), order.id).total == 42
