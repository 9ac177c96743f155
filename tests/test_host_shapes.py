"""Each shape real shops come in, walked through over HTTP as its customers and staff would.

A customer writes on their order page and sees their message; staff see the bell count, open
the Messages section, open the thread and reply; the customer sees the reply as unread; a
stranger gets a 404 for the order (and a 403 from the staff pages); a POST without a CSRF
token is refused and changes nothing.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import g

from .host_pages import entry_bodies, link_to, rows, thread_section, words
from .hosts import SHOP_SHAPES, Host, customer_path, shop

P = "/order-messages"


def get(h: Host, client: Any, url: str, status: int = 200) -> str:
    response = h.get(client, url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)  # type: ignore[no-any-return]


def reply_form(page: str) -> tuple[str, dict[str, str]]:
    """The thread's reply form on a page: its action and its hidden fields."""
    form = re.search(r'<form class="om-reply"[^>]*action="([^"]+)"[^>]*>(.*?)</form>', page, re.S)
    assert form is not None, "no reply form"
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form[2]))
    return html.unescape(form[1]), {k: html.unescape(v) for k, v in hidden.items()}


def submit(h: Host, client: Any, page: str, body: str) -> str:
    """Write ``body`` in the page's reply box and submit it, as the browser would; returns
    the page it lands on."""
    action, fields = reply_form(page)
    for key in ("_login_user", "csrf_token"):
        g.pop(key, None)
    response = client.post(action, data={**fields, "body": body})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    target = urlsplit(response.headers["Location"])
    return get(h, client, f"{target.path}?{target.query}" if target.query else target.path)


def bell_unread(page: str) -> int:
    found = re.search(r'data-om-count="unread_threads"[^>]*>\s*(\d+)', page)
    assert found is not None, "no bell on the page"
    return int(found[1])


def tab_unread(page: str) -> int:
    tab = re.search(r'id="messages-tab">(.*?)</a>', page, re.S)
    assert tab is not None
    count = re.search(r"\d+", words(tab[1]))
    return int(count[0]) if count else 0


def message_count(h: Host) -> int:
    m = h.ext.models.Message
    h.db.session.rollback()
    return int(h.db.session.execute(sa.select(sa.func.count()).select_from(m)).scalar_one())


@pytest.mark.parametrize("name", SHOP_SHAPES)
def test_customer_and_staff_walk_through_the_shop(tmp_path, name):
    with shop(tmp_path, SHOP_SHAPES[name]) as h:
        staff = h.add_user("Admin Admin", admin=True, email="admin@shop.test")
        carol = h.add_user("Carol Customer", email="carol@example.test")
        sam = h.add_user("Sam Stranger", email="sam@example.test")
        order = h.add_order(carol)
        number = h.ext.hook("order_number")(order)
        key, own_page = h.ext.order_key(order), customer_path(h, order)

        # The customer writes on their order page and sees their message there.
        as_carol = h.login(h.app.test_client(), carol)
        page = get(h, as_carol, own_page)
        assert "Contact us about this order" in page
        page = submit(h, as_carol, page, "Where is my parcel?")
        assert entry_bodies(thread_section(page)) == ["Where is my parcel?"]

        # Staff: the bell counts it, the Messages section lists it under the shown number.
        as_staff = h.login(h.app.test_client(), staff)
        assert bell_unread(get(h, as_staff, "/admin/")) == 1
        section = get(h, as_staff, f"{P}/admin/messages")
        (row,) = rows(section)
        assert row.unread and number.lstrip("#") in row.text and "Where is my parcel?" in row.text
        # The row opens the host's admin order page on the thread, which reads it.
        assert row.href is not None
        target = urlsplit(row.href)
        page = get(h, as_staff, f"{target.path}?{target.query}")
        assert entry_bodies(thread_section(page)) == ["Where is my parcel?"]
        page = submit(h, as_staff, page, "It left the warehouse today.")
        assert entry_bodies(thread_section(page))[-1] == "It left the warehouse today."
        assert bell_unread(get(h, as_staff, "/admin/")) == 0

        # The customer sees the reply as unread: the tab's count, the "New messages" divider.
        page = get(h, as_carol, own_page)
        assert tab_unread(page) == 1
        section = thread_section(page)
        assert "New messages" in words(section)
        assert entry_bodies(section) == ["Where is my parcel?", "It left the warehouse today."]

        # A stranger sees nothing of it, on the host's page or the extension's (the staff
        # pages are closed to anyone the staff check refuses).
        as_sam = h.login(h.app.test_client(), sam)
        get(h, as_sam, own_page, 404)
        get(h, as_sam, f"{P}/orders/{key}", 404)
        get(h, as_sam, f"{P}/admin/orders/{key}", 403)
        get(h, as_sam, f"{P}/admin/messages", 403)
        before = message_count(h)
        response = h.post(as_sam, f"{P}/orders/{key}/messages", {"body": "Let me in"})
        assert response.status_code == 404
        # Nobody signed in: a 401 (the LoginManager has no login_view to send them to).
        anonymous = h.app.test_client()
        get(h, anonymous, f"{P}/orders/{key}", 401)

        # A POST without the CSRF token is refused, in words, and saves nothing.
        for client, url in (
            (as_carol, f"{P}/orders/{key}/messages"),
            (as_staff, f"{P}/admin/orders/{key}/messages"),
        ):
            for k in ("_login_user", "csrf_token"):
                g.pop(k, None)
            response = client.post(url, data={"body": "Forged"})
            assert response.status_code == 400
            assert "Traceback" not in response.get_data(as_text=True)
        assert message_count(h) == before


def test_the_staff_link_in_the_section_is_the_hosts_page(tmp_path):
    # The row and the thread page use the hooks: the customer's URL is by token, not key.
    with shop(tmp_path, SHOP_SHAPES["string-key-token-url"]) as h:
        carol = h.add_user("Carol Customer")
        order = h.add_order(carol)
        assert order.token not in str(h.ext.order_key(order))
        assert customer_path(h, order) == f"/account/orders/{order.token}"
        link = h.ext.thread_url(order, "customer")
        assert link.startswith(f"/account/orders/{order.token}?tab=messages")
        page = get(h, h.login(h.app.test_client(), carol), customer_path(h, order))
        assert link_to(page, "Open dispute")
