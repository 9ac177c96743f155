"""Staff find a thread by the order number the pages show (the ``order_number`` hook), not
only by the order's key: a token such as "#2884db062b7b", with or without its "#"."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
import sqlalchemy as sa

from flask_order_messages import customer_actor, schema, staff_actor

from . import committing as services
from .hosts import Host, host
from .test_migrations import add_message_at, add_order, add_user, migrating_host


def token(order: Any) -> str:
    """An order number nothing like the key, as a shop with public order tokens shows it."""
    return "#" + hashlib.sha256(f"order-{order.id}".encode()).hexdigest()[:12]


def found(h: Host, actor: Any, query: str) -> list[Any]:
    return [row.order.id for row in services.list_threads(actor, query=query).rows]


@pytest.mark.parametrize("key", ["int", "str", "uuid"])
def test_staff_search_finds_the_order_number_the_pages_show(tmp_path, key):
    with host(tmp_path, key=key) as h:
        h.ext.order_number(token)
        staff, carol = h.add_user("Admin Admin", admin=True), h.add_user("Carol Customer")
        order, other = h.add_order(carol), h.add_order(carol)
        services.post_message(order, customer_actor(carol), "Where is my parcel?")
        services.post_message(other, customer_actor(carol), "And this one?")
        as_staff = staff_actor(staff)
        shown = token(order)
        assert h.ext.parse_order_key(shown[1:]) != h.ext.order_key(order)  # not the key
        # Exactly as shown, without the "#", in capitals, and its start, as for any word.
        for query in (shown, shown[1:], shown.upper(), shown[:7]):
            assert found(h, as_staff, query) == [order.id], query
        # Together with a word of the thread; a number no order has finds nothing.
        assert found(h, as_staff, f"{shown} parcel") == [order.id]
        assert found(h, as_staff, f"{shown} cardboard") == []
        assert found(h, as_staff, "#000000000000") == []

        # The Messages section's search box, as staff use it: the row links to the order.
        client = h.login(h.app.test_client(), staff)
        page = h.get(client, f"/order-messages/admin/messages?q={shown.replace('#', '%23')}")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "Where is my parcel?" in text and "And this one?" not in text


def test_a_number_with_several_words(tmp_path):
    with host(tmp_path, key="str") as h:
        h.ext.order_number(lambda order: f"Order {order.id} / EU")
        staff, carol = h.add_user("Admin Admin", admin=True), h.add_user("Carol Customer")
        order = h.add_order(carol)
        services.post_message(order, staff_actor(staff), "Your parcel left.")
        shown = f"Order {order.id} / EU"
        assert found(h, staff_actor(staff), shown) == [order.id]


def test_reindex_makes_older_threads_findable_by_their_number(tmp_path):
    with host(tmp_path) as h:
        staff, carol = h.add_user("Admin Admin", admin=True), h.add_user("Carol Customer")
        order = h.add_order(carol)
        services.post_message(order, customer_actor(carol), "Where is my parcel?")
        # The shop then shows tokens: the thread was indexed under its old number.
        h.ext.order_number(token)
        assert found(h, staff_actor(staff), token(order)) == []

        result = h.app.test_cli_runner().invoke(args=["order-messages", "reindex"])
        assert result.exit_code == 0, result.output
        assert "Indexed the order number and customer of 1 thread." in result.output
        assert found(h, staff_actor(staff), token(order)) == [order.id]
        # Idempotent, and the old number and the thread's words still find it too.
        assert services.index_order_numbers(batch_size=1) == 1
        assert found(h, staff_actor(staff), f"{token(order)} parcel") == [order.id]


def test_upgrading_to_the_documents_indexes_the_numbers_of_existing_threads(tmp_path):
    # A shop with threads from before the search documents: the migration fills them from the
    # messages in SQL, then the order numbers (a Python hook) in batches after its commit.
    with migrating_host(tmp_path) as h:
        h.ext.order_number(token)
        schema.upgrade("0002")
        staff, carol = add_user(h, "Admin", admin=True), add_user(h, "Carol")
        order = add_order(h, carol)
        add_message_at(h, order, carol, "The umbrella arrived broken")
        shown, staff_id = token(order), staff.id
        h.db.session.remove()
        schema.upgrade()
        as_staff = staff_actor(h.db.session.get(h.User, staff_id))
        assert services.list_threads(as_staff, query=shown).total == 1
        assert services.list_threads(as_staff, query=f"{shown} umbrella").total == 1


def test_the_sql_for_a_dba_says_to_reindex(tmp_path, capsys):
    with migrating_host(tmp_path):
        schema.upgrade(sql=True)
        sql = capsys.readouterr().out
        assert re.search(r"^-- Then run 'flask order-messages reindex'", sql, re.M)


def test_the_first_post_writes_the_number_in_the_same_commit(tmp_path):
    with host(tmp_path) as h:
        h.ext.order_number(token)
        carol = h.add_user("Carol Customer")
        order = h.add_order(carol)
        thread = services.get_or_create_thread(order)
        d = h.ext.models.ThreadSearch
        text = h.db.session.execute(sa.select(d.search_text).where(d.thread_id == thread.id))
        # The number, then the customer's name and email (carol.customer@x.test).
        assert text.scalar() == f"{token(order)[1:]} carol customer x test"
