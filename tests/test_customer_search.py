"""Staff search finds a thread by its customer's name and email, as the Messages list shows
them: written into the thread's search document with its order number when the thread is made
(through the normalisation message words take), and again by ``flask order-messages reindex``
after a name changes.  Run under each ``TEST_DATABASE_URL``."""

from __future__ import annotations

import re
from typing import Any

import pytest

from flask_order_messages import search

from . import committing as services
from .conftest import User, db, make_order
from .host_pages import P, page, rows
from .hostile_payloads import PAYLOADS
from .test_thread_search import document, found, shown_words, statements, thread_of


def add_customer(name: str, email: str) -> Any:
    user = User(name=name, email=email, is_admin=False)
    db.session.add(user)
    db.session.commit()
    return user


def started(owner: Any, body: str = "Where is my parcel?") -> int:
    """A thread on a new order of ``owner``, started by them; its id."""
    order = make_order(owner)
    services.post_message(order, services.customer_actor(owner), body)
    return int(thread_of(order).id)


def test_staff_find_a_thread_by_its_customers_name(staff, customer, as_staff):
    carol = started(customer)  # "Carol Customer"
    dave = started(add_customer("Dave Dawson", "dave@example.test"))
    assert found(as_staff, "Carol") == [carol]
    assert found(as_staff, "carol customer") == [carol]
    assert found(as_staff, "CUST car") == [carol]  # words' starts, any case, any order
    assert found(as_staff, "dawson") == [dave]
    # Another customer's name does not match; a name and a message word together do.
    assert found(as_staff, "carol dawson") == []
    assert found(as_staff, "dave parcel") == [dave]
    assert found(as_staff, "dave umbrella") == []
    # The customer's own search covers what they can read: the messages.
    assert found(services.customer_actor(customer), "carol") == []


def test_staff_find_a_thread_by_its_customers_email(staff, as_staff):
    zed = started(add_customer("Zed Ortiz", "z.ortiz+orders@mail.north-shop.example"))
    ann = started(add_customer("Ann Lee", "ann@south.example"))
    # The whole address, and its parts as the normaliser splits them.
    assert search.words("z.ortiz+orders@mail.north-shop.example") == [
        "z",
        "ortiz",
        "orders",
        "mail",
        "north",
        "shop",
        "example",
    ]
    for query in (
        "z.ortiz+orders@mail.north-shop.example",
        "Z.ORTIZ+ORDERS@MAIL.NORTH-SHOP.EXAMPLE",
        "z.ortiz",
        "ortiz+orders",
        "orders@mail",
        "north-shop.example",
        "north",
        "z.ort",
    ):
        assert found(as_staff, query) == [zed], query
    assert found(as_staff, "ann@south.example") == [ann]
    assert found(as_staff, "example") == sorted([zed, ann])  # both addresses end so
    assert found(as_staff, "ann@north-shop.example") == []  # parts of two addresses


def test_a_customer_without_a_name_is_found_by_their_email(staff, as_staff):
    nameless = add_customer("", "no.name@example.test")
    order = make_order(nameless)
    services.post_message(order, services.customer_actor(nameless), "Hello")
    thread = thread_of(order).id
    # The list names them by their address: the same words, each once.
    assert document(thread) == " ".join([*shown_words(order, nameless), "hello"])
    assert document(thread).split()[1:] == ["no", "name", "example", "test", "hello"]
    assert found(as_staff, "no.name@example.test") == [thread]
    assert found(as_staff, "no.name") == [thread]


@pytest.mark.parametrize(
    "payload", ["img onerror", "sql like", "sql or", "jinja expression", "combining zalgo"]
)
@pytest.mark.usefixtures("host_pages")
def test_a_hostile_name_is_only_words(app, staff, customer, as_staff, browser, payload):
    name = PAYLOADS[payload]
    carol = started(customer)
    hostile = add_customer(name, "odd.one@example.test")
    order = make_order(hostile)
    services.post_message(order, services.customer_actor(hostile), "hi")
    thread = thread_of(order).id
    words = document(thread).split()
    assert set(search.words(name)) <= set(words)
    assert all(re.fullmatch(r"[^\W_]+", w) for w in words)  # no markup, quotes, % or _
    assert found(as_staff, name) == [thread]  # the name typed as it is finds its thread
    assert carol not in found(as_staff, name)
    # The Messages page searched by it: the row, escaped, and nothing else.
    html = page(browser.login(staff).get(f"{P}/admin/messages", query_string={"q": name}))
    assert [r.thread_id for r in rows(html)] == [thread]
    assert "<img src=x" not in html and 'window.__pwned=1">' not in html


def test_the_first_post_writes_the_customer_in_the_numbers_statement(staff, customer):
    for actor in (services.customer_actor(customer), services.staff_actor(staff)):
        order = make_order(customer)
        with statements() as seen:
            services.post_message(order, actor, "First words")
        touching = [s for s in seen if re.search(r"thread_search\b", s)]
        # The number and the customer, then the message's words: as many as before.
        assert len(touching) == 2, touching
        assert document(thread_of(order).id) == " ".join(
            [*shown_words(order, customer), "first", "words"]
        )


def test_reindex_picks_up_a_changed_name(app, staff, customer, as_staff):
    carol = started(customer)
    customer.name, customer.email = "Carol Smith", "carol.smith@example.test"
    db.session.commit()
    assert found(as_staff, "smith") == []  # the document keeps what the thread was made with
    result = app.test_cli_runner().invoke(args=["order-messages", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Indexed the order number and customer of 1 thread." in result.output
    assert found(as_staff, "smith") == [carol]
    assert found(as_staff, "carol.smith@example.test") == [carol]
    assert found(as_staff, "carol customer") == [carol]  # the old name stays findable
    words = document(carol).split()
    assert len(words) == len(set(words))
