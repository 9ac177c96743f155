"""Staff search reads one document per thread: the distinct words of all its entries.

Posting keeps the document up to date (messages, staff-only notes, dispute events); staff find
a thread by words spread over several entries, notes included; customers never match a word
that only a note holds; the migration that adds the documents fills them from the messages
already there.  Run under each ``TEST_DATABASE_URL``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from flask_order_messages import schema, search
from flask_order_messages.extension import current_order_messages as ext

from . import committing as services
from .conftest import db, make_order
from .test_concurrency import run_together
from .test_migrations import add_message_at, add_order, add_user, migrating_host


def document(thread_id: int) -> str | None:
    d = ext.models.ThreadSearch
    db.session.rollback()  # a fresh snapshot
    return db.session.execute(sa.select(d.search_text).where(d.thread_id == thread_id)).scalar()


def number_words(order: Any) -> str:
    """The words of the order's number as the pages show it."""
    return search.search_text(ext.hook("order_number")(order))


def shown_words(order: Any, owner: Any) -> list[str]:
    """The document's first words, written when the thread is made: the order's number as the
    pages show it, then its customer's name and email (each word once)."""
    text = f"{number_words(order)} {owner.name} {owner.email}"
    return list(dict.fromkeys(search.search_text(text).split()))


def thread_of(order: Any) -> Any:
    thread = services.get_thread(order)
    assert thread is not None
    return thread


def found(actor: Any, query: str) -> list[int]:
    page = services.list_threads(actor, query=query, per_page=100)
    return sorted(row.thread.id for row in page.rows)


@contextmanager
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)


def test_the_document_takes_every_entry_once(order, customer, as_customer, as_staff):
    services.post_message(order, as_customer, "The parcel arrived, the box was crushed.")
    thread = thread_of(order)
    # "00001 carol customer example test": written when the thread is made.
    shown = " ".join(shown_words(order, customer))
    assert shown == f"{number_words(order)} carol customer example test"
    assert document(thread.id) == f"{shown} the parcel arrived box was crushed"
    services.post_message(order, as_staff, "Sorry: the courier crushed it. A new parcel, today!")
    assert document(thread.id) == (
        f"{shown} the parcel arrived box was crushed sorry courier it a new today"
    )
    services.post_message(order, as_staff, "Courier claim DHL-42 filed", note=True)
    services.open_dispute(order, as_customer, "Never arrived at all")
    services.close_dispute(order, as_staff, note="Refunded in full")
    words = document(thread.id).split()
    assert len(words) == len(set(words))  # distinct, however many entries repeat a word
    expected = set(shown.split())
    m = ext.models.Message
    for text in db.session.execute(sa.select(m.search_text).where(m.thread_id == thread.id)):
        expected |= set(text[0].split())
    assert set(words) == expected
    assert {"claim", "dhl", "42", "never", "refunded"} <= set(words)  # note, events


def test_a_post_adds_one_statement(order, as_customer):
    services.post_message(order, as_customer, "First")
    with statements() as seen:
        services.post_message(order, as_customer, "Second message, with new words")
    touching = [s for s in seen if re.search(r"thread_search\b", s)]
    assert len(touching) == 1, touching
    with statements() as seen:
        services.post_message(order, as_customer, "!!!")  # no words: nothing to add
    assert not [s for s in seen if re.search(r"thread_search\b", s)]


def test_staff_find_a_word_only_a_note_holds_customers_do_not(
    order, customer, as_customer, as_staff
):
    services.post_message(order, as_customer, "Where is my umbrella?")
    services.post_message(order, as_staff, "Warehouse says: misrouted via Leipzig", note=True)
    thread = thread_of(order)
    assert found(as_staff, "leipzig") == [thread.id]
    assert found(as_staff, "LEIP umbrel") == [thread.id]  # the note and a message together
    assert found(as_customer, "leipzig") == []
    assert found(as_customer, "umbrella") == [thread.id]
    assert found(as_customer, "umbrella leipzig") == []


def test_words_of_different_messages_find_the_thread(app, staff, customer, as_staff):
    first, second = make_order(customer), make_order(customer)
    as_customer = services.customer_actor(customer)
    services.post_message(first, as_customer, "My kettle leaks")
    services.post_message(first, as_staff, "We will send a replacement gasket")
    services.post_message(second, as_customer, "The kettle is fine, the toaster is not")
    one, two = thread_of(first).id, thread_of(second).id
    assert found(as_staff, "kettle") == sorted([one, two])
    assert found(as_staff, "kettle gasket") == [one]
    assert found(as_staff, "leaks replace") == [one]
    assert found(as_staff, "toast kettle") == [two]
    assert found(as_staff, "toaster gasket") == []
    assert found(as_staff, "ettle") == []  # a word's start, never its middle


def test_a_long_entry_is_merged_in_batches(order, customer, as_customer, as_staff):
    many = [f"w{i}x" for i in range(search.MERGE_BATCH * 2 + 7)]
    services.post_message(order, as_customer, "start w1x")
    services.post_message(order, as_staff, " ".join(many))
    thread = thread_of(order)
    words = document(thread.id).split()
    shown = shown_words(order, customer)
    assert words == [*shown, "start", "w1x", *(w for w in many if w != "w1x")]
    assert found(as_staff, f"w{len(many) - 1}x start") == [thread.id]


def test_two_writers_at_once_lose_no_word(app, staff, customer):
    order = make_order(customer)
    services.post_message(order, services.customer_actor(customer), "opening words")
    order_id, staff_id, customer_id = order.id, staff.id, customer.id

    def writer(tag: str, author_id: int, is_staff: bool) -> None:
        from .conftest import Order, User

        order = db.session.get(Order, order_id)
        user = db.session.get(User, author_id)
        actor = services.staff_actor(user) if is_staff else services.customer_actor(user)
        for n in range(8):
            services.post_message(order, actor, f"{tag}{n} shared{n}")

    results = run_together(
        app,
        [
            lambda: writer("alpha", customer_id, False),
            lambda: writer("beta", staff_id, True),
        ],
    )
    assert results == [None, None]
    words = document(thread_of(order).id).split()
    assert len(words) == len(set(words))
    wanted = {*shown_words(order, customer), "opening", "words"}
    wanted |= {f"{t}{n}" for t in ("alpha", "beta") for n in range(8)}
    assert set(words) == wanted | {f"shared{n}" for n in range(8)}


def test_the_merge_rule_and_its_limit():
    assert search.merge_document("", "b a b") == "b a"
    assert search.merge_document("a b", "c a d") == "a b c d"
    assert search.merge_document("ab", "a abc") == "ab a abc"  # whole words, not prefixes
    full = "x" * (search.DOCUMENT_LIMIT - 3)
    assert search.merge_document(full, "yy zz") == full  # the soft cap: nothing past it


def test_a_full_document_stops_growing_but_posting_goes_on(order, as_customer, as_staff):
    services.post_message(order, as_customer, "hello there")
    thread = thread_of(order)
    d = ext.models.ThreadSearch
    near = "hello there " + " ".join(f"{n:07d}" for n in range(search.DOCUMENT_LIMIT // 8 - 3))
    db.session.execute(sa.update(d).where(d.thread_id == thread.id).values(search_text=near))
    db.session.commit()
    services.post_message(order, as_staff, "overflowing vocabulary indeed")
    assert document(thread.id) == near
    assert len(near) < search.DOCUMENT_LIMIT


def test_a_staff_search_uses_the_documents_index(order, as_customer, as_staff):
    services.post_message(order, as_customer, "The parcel arrived")
    conn = db.session.connection()
    t, m, d = ext.models.Thread, ext.models.Message, ext.models.ThreadSearch
    condition = search.threads_matching(
        "parcel",
        thread=t,
        message=m,
        visible=sa.true(),
        bind=db.session.get_bind(mapper=sa.inspect(m)),
        documents=d,
    )
    stmt = sa.select(t.id).where(condition)
    compiled = stmt.compile(dialect=conn.dialect)
    name = d.__table__.name
    if conn.dialect.name == "sqlite":
        params = tuple(compiled.params[p] for p in compiled.positiontup or ())
        plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params).all()
        text = "\n".join(" ".join(str(v) for v in row) for row in plan)
        assert f"{search.fts_table_name(name)} VIRTUAL TABLE INDEX" in text, text
    else:
        if conn.dialect.name == "postgresql":
            # Tiny tables: make the planner show what it does at scale (an index, no scan),
            # whatever statistics the tests before this one left behind.
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            conn.exec_driver_sql("SET LOCAL enable_indexscan = off")
        rows = conn.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).all()
        text = "\n".join(" ".join(str(v) for v in row) for row in rows)
        assert search.index_name(name) in text, text
    assert m.__table__.name not in str(compiled)  # the messages are not read at all
    assert db.session.execute(stmt).scalars().all() == [thread_of(order).id]
    db.session.rollback()


# -- the migration ----------------------------------------------------------------------------


def test_the_migration_fills_the_documents_from_messages_already_there(tmp_path):
    with migrating_host(tmp_path) as h:
        schema.upgrade("0002")
        staff, carol = add_user(h, "Admin", admin=True), add_user(h, "Carol")
        first, second, empty = add_order(h, carol), add_order(h, carol), add_order(h, carol)
        one = add_message_at(h, first, carol, "The umbrella arrived broken, the handle too")
        add_message_at(h, first, staff, "Courier blames the depot", kind="note")
        add_message_at(h, first, carol, "Broken umbrella: photo attached")
        two = add_message_at(h, second, carol, "Straße 17, Zürich")
        three = add_message_at(h, empty, carol, "!!!")
        staff_id, carol_id, first_id = staff.id, carol.id, first.id
        numbers = {one: str(first.id), two: str(second.id), three: str(empty.id)}
        h.db.session.remove()
        schema.upgrade("0003")
        d = h.ext.models.ThreadSearch
        docs = dict(h.db.session.execute(sa.select(d.thread_id, d.search_text)).all())
        # Every thread's order number (the default hook: its key) and its customer's name and
        # email ("Carol", carol@x.test) went in after the messages' words, so a thread without
        # words has a document too.
        customer = ["carol", "x", "test"]
        assert docs[three] == " ".join([numbers[three], *customer])
        assert sorted(docs[one].split()) == sorted(
            "the umbrella arrived broken handle too courier blames depot photo attached".split()
            + [numbers[one], *customer]
        )
        assert sorted(docs[two].split()) == sorted(
            ["17", "strasse", "zurich", numbers[two], *customer]
        )
        h.db.session.remove()
        schema.upgrade()
        staff = services.staff_actor(h.db.session.get(h.User, staff_id))
        carol = services.customer_actor(h.db.session.get(h.User, carol_id))

        def total(actor: Any, query: str) -> int:
            return services.list_threads(actor, query=query).total

        assert total(staff, "depot umbrel") == 1 and total(carol, "depot") == 0
        assert total(staff, "zur strasse") == 1
        # Posting goes on from the filled document.
        services.post_message(h.db.session.get(h.Order, first_id), staff, "Depot found it")
        words = h.db.session.execute(sa.select(d.search_text).where(d.thread_id == one)).scalar()
        assert sorted(words.split()) == sorted(set(docs[one].split()) | {"found", "it"})


def test_the_migration_cuts_a_huge_thread_at_the_limit(tmp_path):
    # Over a megabyte of distinct words in one thread (past MariaDB's default GROUP_CONCAT
    # length, which strict mode turns into an error): the document is cut, the upgrade works,
    # and posting goes on.
    with migrating_host(tmp_path) as h:
        schema.upgrade("0002")
        carol = add_user(h, "Carol")
        order = add_order(h, carol)
        thread_id = add_message_at(h, order, carol, "first words")
        m = h.ext.models.Message.__table__
        rows = [
            {
                "thread_id": thread_id,
                "author_id": carol.id,
                "author_role": "customer",
                "body": " ".join(f"w{n * 500 + k:07d}" for k in range(500)),
            }
            for n in range(300)
        ]
        h.db.session.execute(sa.insert(m), rows)
        h.db.session.commit()
        carol_id, order_id = carol.id, order.id
        h.db.session.remove()
        schema.upgrade()
        d = h.ext.models.ThreadSearch
        text = h.db.session.execute(sa.select(d.search_text)).scalar_one()
        assert search.DOCUMENT_LIMIT - 10 <= len(text) <= search.DOCUMENT_LIMIT
        assert text == text.strip() and "  " not in text
        carol = services.customer_actor(h.db.session.get(h.User, carol_id))
        services.post_message(h.db.session.get(h.Order, order_id), carol, "still posting")
        assert h.db.session.execute(sa.select(d.search_text)).scalar_one() == text
