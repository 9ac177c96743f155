"""Staff permissions (the ``staff_permission`` hook, ``permissions.py``).  For each of read,
answer, disputes and canned, a staff member without it is refused every route it guards (a
403 that names it, nothing written, their text given back), does not see the controls it
guards, and keeps everything else.  The routes come from the app's URL map: a staff route
added later fails :func:`test_every_staff_route_names_its_permission` until :data:`GUARDS`
says which permission it needs (written here by hand, not read from the code under test).

The hook's own behaviour (how often it is asked, hostile answers, the doctor, mail) is in
``test_permissions_hook.py``.
"""

from __future__ import annotations

import pytest

from flask_order_messages import commit
from flask_order_messages.permissions import (
    ANSWER,
    CANNED,
    DISPUTES,
    PERMISSIONS,
    READ,
    READ_ONLY_NOTE,
    WEBHOOKS,
)
from flask_order_messages.services import canned

from . import committing as services
from .api_support import Api, problem
from .conftest import make_order, order_messages
from .host_pages import PNG, P, db_state, page, route_path, rows, thread_section, words
from .test_access import ANY_USER, STAFF, call, classify, is_json_api, routes

pytestmark = pytest.mark.usefixtures("host_pages")

#: The permission each staff route needs ("read" included: every one needs it as well).
GUARDS = {
    # read: pages, files, JSON, and marking read or unread.
    "staff_messages": READ,
    "staff_mark": READ,
    "staff_thread": READ,
    "staff_mark_unread": READ,
    "staff_attachment": READ,
    "staff_insight": READ,
    "api_staff_entries": READ,
    "api_staff_presence": READ,
    "api_staff_presence_list": READ,
    "api_counts": READ,
    # answer: replies and notes, assignment and status, one thread or the ticked ones.
    "staff_post": ANSWER,
    "staff_assign": ANSWER,
    "staff_status": ANSWER,
    "staff_bulk_assign": ANSWER,
    "staff_bulk_status": ANSWER,
    # disputes: open, close (with its outcome), reopen; their pages and their forms.
    "staff_dispute_open": DISPUTES,
    "staff_dispute_close": DISPUTES,
    "staff_dispute_reopen": DISPUTES,
    # canned: the canned replies' pages.
    "staff_canned_replies": CANNED,
    "staff_canned_new": CANNED,
    "staff_canned_edit": CANNED,
    "staff_canned_delete": CANNED,
    # webhooks: the webhooks page and its actions.
    "staff_webhooks": WEBHOOKS,
    "staff_webhook_switch": WEBHOOKS,
    "staff_webhook_test": WEBHOOKS,
    "staff_webhook_delete": WEBHOOKS,
    "staff_webhook_rotate": WEBHOOKS,
    # read: one's own access tokens (a token never does more than its staff member may).
    "staff_tokens": READ,
    "staff_token_revoke": READ,
    # The JSON API (api/): the same permission as the page doing the same.
    "api_staff_threads": READ,
    "api_staff_thread": READ,
    "api_staff_thread_read": READ,
    "api_staff_thread_unread": READ,
    "api_staff_mark": READ,
    "api_staff_counts": READ,
    "api_staff_post": ANSWER,
    "api_staff_assign": ANSWER,
    "api_staff_status": ANSWER,
    "api_staff_bulk_assign": ANSWER,
    "api_staff_bulk_status": ANSWER,
    "api_staff_dispute_open": DISPUTES,
    "api_staff_dispute_close": DISPUTES,
    "api_staff_dispute_reopen": DISPUTES,
    "api_staff_canned_list": CANNED,
    "api_staff_canned_create": CANNED,
    "api_staff_canned_update": CANNED,
    "api_staff_canned_delete": CANNED,
    "api_staff_attachment": READ,
    "api_staff_webhooks": WEBHOOKS,
    "api_staff_webhook_create": WEBHOOKS,
    "api_staff_webhook": WEBHOOKS,
    "api_staff_webhook_update": WEBHOOKS,
    "api_staff_webhook_active": WEBHOOKS,
    "api_staff_webhook_delete": WEBHOOKS,
    "api_staff_webhook_deliveries": WEBHOOKS,
    "api_staff_webhook_test": WEBHOOKS,
    "api_staff_webhook_rotate": WEBHOOKS,
}


class Rights:
    """The shop's ``staff_permission`` hook in these tests: everything allowed but what a
    test takes away; ``asked`` lists every question, as (user id, permission)."""

    def __init__(self) -> None:
        self.denied: dict[int, set[str]] = {}
        self.asked: list[tuple[int, str]] = []

    def __call__(self, user, permission):
        self.asked.append((user.id, permission))
        return permission not in self.denied.get(user.id, set())

    def take(self, user, *permissions: str) -> None:
        self.denied.setdefault(user.id, set()).update(permissions)

    def only(self, user, *permissions: str) -> None:
        self.denied[user.id] = set(PERMISSIONS) - set(permissions)


def install_rights(monkeypatch) -> Rights:
    """A :class:`Rights` as the shop's hook, until the test ends."""
    hook = Rights()
    monkeypatch.setattr(order_messages.hooks, "staff_permission", hook)
    return hook


@pytest.fixture
def rights(monkeypatch):
    return install_rights(monkeypatch)


@pytest.fixture
def scene(staff, customer, order):
    """The customer asked, staff answered with a file; a dispute was opened, closed, and a new
    one is open; a canned reply exists.  Returns the canned reply."""
    carol, admin = services.customer_actor(customer), services.staff_actor(staff)
    services.post_message(order, carol, "Where is my parcel?")
    services.post_message(order, admin, "It left yesterday.", files=[("label.png", PNG)])
    services.open_dispute(order, carol, "It arrived broken")
    services.close_dispute(order, admin, note="Refunded")
    services.open_dispute(order, carol, "The new one is broken too")
    reply = canned.create_reply(admin, "Shipping", "Your parcel ships today.")
    commit()
    return reply


def staff_routes(app):
    """(name, rule, methods) of every route staff use (``api_counts`` too)."""
    return [
        (endpoint.removeprefix("order_messages."), rule, methods)
        for endpoint, rule, methods in routes(app)
        if classify(endpoint) in (STAFF, ANY_USER)
    ]


def path_of(name, rule, order, reply) -> str:
    """The route's path, with what would make an accepted request change something."""
    path = route_path(rule, order)
    if name == "staff_mark":
        path += "?scope=all"
    if name in ("staff_bulk_assign", "staff_bulk_status"):
        path += f"?thread_id={services.get_thread(order).id}"
    if name in ("staff_canned_edit", "staff_canned_delete"):
        path += f"?id={reply.id}"
    return path


def test_every_staff_route_names_its_permission(app):
    found = {name for name, _, _ in staff_routes(app)}
    unguarded = sorted(found - set(GUARDS))
    assert not unguarded, (
        f"Staff routes with no permission: {unguarded}. Decide which one each needs, call "
        "require_staff(<permission>) in its view, and add it to GUARDS in "
        "tests/test_permissions.py."
    )
    assert not set(GUARDS) - found, f"GUARDS rows without a route: {set(GUARDS) - found}"


@pytest.mark.parametrize("missing", PERMISSIONS)
def test_without_a_permission_every_route_it_guards_is_refused(
    app, staff, order, scene, rights, browser, missing
):
    rights.take(staff, missing)
    browser.login(staff)
    refused, let_through = [], []
    for name, rule, methods in staff_routes(app):
        guarded = missing == READ or GUARDS[name] == missing  # read: everything needs it
        for method in methods:
            (refused if guarded else let_through).append((name, method, rule))
    assert refused and (missing == READ or let_through)

    for name, method, rule in refused:
        where = f"{method} {name} without {missing!r}"
        before = db_state()
        response = call(browser, method, path_of(name, rule, order, scene))
        assert response.status_code == 403, where
        assert db_state() == before, f"{where} was refused but changed the database"
        if is_json_api(name):
            assert response.mimetype == "application/problem+json", where
            said = response.get_json()["detail"]
        elif name.startswith("api_"):
            assert response.mimetype == "application/json", where
            said = response.get_json()["error"]
        else:
            said = words(page(response))
            # A refused form keeps nothing and gives the typed text back to copy.
            if method == "POST":
                assert said.startswith("Not saved"), where
                assert "Your text, so you can copy it: Let me in" in said, where
        assert f"it lacks the “{missing}” permission for messages" in said, where
        assert "parcel" not in said and "left yesterday" not in said, where

    # Everything else is as before (whatever each answers, it is not a refusal).
    for name, method, rule in let_through:
        response = call(browser, method, path_of(name, rule, order, scene))
        assert response.status_code != 403, f"{method} {name} refused without {missing!r}"


def _pages(browser, order):
    """(the host's order page's thread, the extension's thread page's, the Messages list)."""
    host = browser.get(f"/admin/orders/{order.id}?tab=messages")
    own = browser.get(f"{P}/admin/orders/{order.id}")
    listing = browser.get(f"{P}/admin/messages")
    assert host.status_code == own.status_code == listing.status_code == 200
    return thread_section(page(host)), thread_section(page(own)), page(listing)


def _controls(order):
    """{permission: (markers of its controls in a thread, in the Messages list)}."""
    admin = f"{P}/admin/orders/{order.id}"
    return {
        ANSWER: (
            ['name="body"', "Add staff-only note", "Insert canned reply", f"{admin}/assign"]
            + [f"{admin}/status", f"{admin}/messages"],
            [f"{P}/admin/messages/assign", f"{P}/admin/messages/status"],
        ),
        DISPUTES: (["Close dispute", "om-close-dialog", f"{admin}/dispute/close"], []),
        CANNED: ([f"{P}/admin/canned-replies"], [f"{P}/admin/canned-replies"]),
    }


@pytest.mark.parametrize("missing", [None, ANSWER, DISPUTES, CANNED])
def test_the_controls_a_permission_guards_are_not_drawn(
    app, staff, order, scene, rights, browser, missing
):
    if missing:
        rights.take(staff, missing)
    browser.login(staff)
    host, own, listing = _pages(browser, order)
    for permission, (in_thread, in_list) in _controls(order).items():
        drawn = permission != missing
        for marker in in_list:
            assert (marker in listing) == drawn, (permission, marker, "list")
        if permission == CANNED and missing == ANSWER:
            drawn = False  # the canned replies' link is in the reply box, gone with it
        for marker in in_thread:
            assert (marker in host) == drawn, (permission, marker, "host page")
            assert (marker in own) == drawn, (permission, marker, "own page")
    # What "read" gives stays: the thread, its files, "Mark unread", the list's marks.
    for thread in (host, own):
        assert "Where is my parcel?" in words(thread) and "label.png" in thread
        assert "Mark unread" in words(thread)
        assert "Assigned to: Nobody" in words(thread) and "Status:" in words(thread)
        assert (str(READ_ONLY_NOTE) in words(thread)) == (missing == ANSWER)
    assert "Mark all read" in words(listing) and len(rows(listing)) == 1
    # Without "answer" the dispute button stands alone, still there for "disputes".
    if missing == ANSWER:
        assert "Close dispute" in words(host)


def test_a_reader_reads_and_marks_but_writes_nothing(
    app, staff, customer, order, scene, rights, browser
):
    rights.only(staff, READ)
    quiet = make_order(customer)
    services.post_message(quiet, services.customer_actor(customer), "Is it gift-wrapped?")
    browser.login(staff)

    thread = thread_section(page(browser.get(f"{P}/admin/orders/{quiet.id}")))
    assert "Is it gift-wrapped?" in words(thread) and str(READ_ONLY_NOTE) in words(thread)
    for control in ('name="body"', "Open dispute", "/dispute/", "/assign", "canned"):
        assert control not in thread, control
    assert browser.get(f"{P}/api/admin/orders/{quiet.id}/entries").status_code == 200
    assert browser.get(f"{P}/api/counts").get_json()["unread_threads"] == 1

    # Marks are read state: hers to move.
    unread = browser.post(f"{P}/admin/orders/{quiet.id}/unread")
    assert unread.status_code == 303
    assert [r.unread for r in rows(page(browser.get(f"{P}/admin/messages")))] == [True, True]
    assert browser.post(f"{P}/admin/messages/mark?scope=all", {"action": "read"}).status_code == 303
    assert not any(r.unread for r in rows(page(browser.get(f"{P}/admin/messages"))))

    before = db_state()
    for path, form, lacking in (
        (f"{P}/admin/orders/{quiet.id}/messages", {"body": "On it"}, ANSWER),
        (f"{P}/admin/orders/{quiet.id}/messages", {"body": "Psst", "kind": "note"}, ANSWER),
        (f"{P}/admin/orders/{quiet.id}/assign", {"to_me": "1"}, ANSWER),
        (f"{P}/admin/orders/{quiet.id}/status", {"status": "closed"}, ANSWER),
        (f"{P}/admin/orders/{quiet.id}/dispute/open", {"reason": "Late"}, DISPUTES),
        (f"{P}/admin/orders/{order.id}/dispute/close", {"outcome": "resolved"}, DISPUTES),
        (f"{P}/admin/canned-replies/new", {"title": "Hi", "body": "Hello"}, CANNED),
    ):
        response = browser.post(path, form)
        assert response.status_code == 403, path
        assert f"“{lacking}” permission" in words(page(response)), path
    assert db_state() == before


def test_without_read_the_hosts_pages_show_nothing_of_the_messages(
    app, staff, customer, order, scene, rights, browser
):
    quiet = make_order(customer)  # an order with no messages
    browser.login(staff)

    def host_pages():
        header = page(browser.get("/admin/header"))
        order_page = page(browser.get(f"/admin/orders/{order.id}?tab=messages"))
        tab = order_page.split('id="messages-tab">')[1].split("</a>")[0]
        orders = page(browser.get("/admin/orders?messages=unread"))
        return header, order_page, words(tab), orders

    header, order_page, tab, orders = host_pages()  # with "read": all there
    assert "om-bell" in header and 'id="order-messages"' in order_page and tab == "Messages"
    assert "<select" in orders and f"Order {quiet.id}" not in orders

    rights.take(staff, READ)
    services.post_message(order, services.customer_actor(customer), "Any news?")
    before = db_state()
    header, order_page, tab, orders = host_pages()
    assert words(header) == "Shop admin" and "om-bell" not in header
    assert 'id="order-messages"' not in order_page and "Any news?" not in order_page
    assert tab == "" and "Where is my parcel?" not in order_page
    # No filter to choose, and the one in the address is left alone: every order.
    assert "<select" not in orders
    assert f"Order {quiet.id}" in orders and f"Order {order.id}" in orders
    assert db_state() == before, "the host's order page marked a thread she may not read"


def test_a_reader_cannot_be_assigned_a_thread_by_a_direct_post(
    app, staff, staff2, customer, order, rights, browser
):
    """The assign forms offer only people who may answer; a POST that names a reader anyway
    (the thread's page, the list's bulk form, the API's two routes) is refused with words
    that say why, and changes nothing."""
    rights.take(staff2, ANSWER)
    services.post_message(order, services.customer_actor(customer), "Where is my parcel?")
    tid = services.get_thread(order).id
    browser.login(staff)
    assert f'<option value="{staff2.id}">' not in page(browser.get(f"{P}/admin/orders/{order.id}"))
    refusal = "may read messages but not answer them"
    before = db_state()
    for path, form in (
        (f"{P}/admin/orders/{order.id}/assign", {"assignee": str(staff2.id)}),
        (f"{P}/admin/messages/assign", {"thread_id": [tid], "assignee": str(staff2.id)}),
    ):
        response = browser.post(path, form)
        assert response.status_code == 400, path
        assert refusal in words(page(response)), path
    api = Api(browser)
    for path, body in (
        (f"/staff/orders/{order.id}/assign", {"assignee": str(staff2.id)}),
        ("/staff/threads/assign", {"thread_ids": [tid], "assignee": str(staff2.id)}),
    ):
        found = problem(api.post(path, body), "validation", 400)
        assert found["field"] == "assignee" and refusal in found["detail"], path
    assert db_state() == before
    # Someone who may answer is still assigned, by the same routes.
    assert api.post(f"/staff/orders/{order.id}/assign", {"assignee": "me"}).status_code == 200
