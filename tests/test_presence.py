"""Staff presence: "<name> is viewing" / "<name> is replying" on a thread and in the Messages
list, from the heartbeats staff pages post; never yourself, never for customers; entries expire;
the heartbeat's refusals (login, staff, CSRF, the order, hostile input); switched off by config;
on every host key shape."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from flask_order_messages import current_order_messages
from flask_order_messages.models import utcnow

from . import committing as services
from .conftest import Browser, User, db, make_order
from .host_pages import P, db_state, page, staff_order_page
from .hosts import SHOP_SHAPES, shop
from .reconfigure import reconfigure

pytestmark = pytest.mark.usefixtures("host_pages")


@pytest.fixture(autouse=True)
def live(app):
    """The test app polls every 10 s (the tests' default is no polling, which turns presence
    off): a heartbeat keeps its person for 30 s."""
    reconfigure(app, POLL_INTERVAL=10)


def beat(browser: Browser, order: Any, state: Any = "viewing", **kw: Any) -> Any:
    """A page's heartbeat, as the script posts it: JSON, the token in ``X-CSRFToken``."""
    headers = {"X-CSRFToken": browser.token(), **kw.pop("headers", {})}
    browser._fresh_user()
    path = f"{P}/api/admin/orders/{getattr(order, 'id', order)}/presence"
    if "data" not in kw and "json" not in kw:
        kw["json"] = {"state": state}
    return browser.client.post(path, headers=headers, **kw)


def line(browser: Browser, order: Any, state: str = "viewing") -> str:
    """What ``browser``'s page shows on ``order``'s thread after a heartbeat."""
    response = beat(browser, order, state)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    return str(response.get_json()["text"])


def rows(html: str) -> dict[str, str]:
    """The presence line of each row of the Messages list, by thread id."""
    found = re.findall(r'data-om-presence-row="(\d+)"[^>]*>([^<]*)</span>', html)
    return {thread_id: text for thread_id, text in found}


def presence_rows() -> list[tuple[Any, ...]]:
    p = current_order_messages.models.Presence
    db.session.expire_all()
    return [tuple(r) for r in db.session.execute(sa.select(p.user_id, p.state)).all()]


def backdate(seconds: float) -> None:
    """Every heartbeat so far, ``seconds`` earlier."""
    p = current_order_messages.models.Presence
    db.session.expire_all()
    for row in db.session.execute(sa.select(p)).scalars():
        row.seen_at -= timedelta(seconds=seconds)
    db.session.commit()


@pytest.fixture
def ann(app, staff) -> Browser:
    return Browser(app).login(staff)  # "Admin Admin"


@pytest.fixture
def bob(app, staff2) -> Browser:
    return Browser(app).login(staff2)  # "Second Staff"


def test_a_colleague_is_viewing_then_replying_and_nobody_sees_themselves(
    app, order, staff, staff2, ann, bob
):
    assert line(ann, order) == ""  # alone: nobody shown, never oneself
    assert line(bob, order) == "Admin Admin is viewing"
    assert line(ann, order) == "Second Staff is viewing"
    assert line(bob, order, "replying") == "Admin Admin is viewing"
    response = beat(ann, order)
    assert response.get_json() == {
        "text": "Second Staff is replying",
        "replying": True,
        "people": [{"name": "Second Staff", "state": "replying"}],
    }
    # Stopped typing: viewing again.
    assert line(bob, order, "viewing") == "Admin Admin is viewing"
    assert line(ann, order) == "Second Staff is viewing"
    # Another order's thread: nobody there.
    other = make_order(User.query.filter_by(name="Carol Customer").one())
    assert line(ann, other) == ""


def test_several_colleagues_replying_first_then_by_name(app, order, staff, ann, bob):
    cy = User(name="Cy Crew", email="cy@example.test", is_admin=True)
    db.session.add(cy)
    db.session.commit()
    as_cy = Browser(app).login(cy)
    line(bob, order)
    line(as_cy, order, "replying")
    assert line(ann, order) == "Cy Crew is replying; Second Staff is viewing"
    line(as_cy, order)
    assert line(ann, order) == "Cy Crew and Second Staff are viewing"
    dee = User(name="Dee Desk", email="dee@example.test", is_admin=True)
    db.session.add(dee)
    db.session.commit()
    line(Browser(app).login(dee), order)
    assert line(ann, order) == "Cy Crew, Dee Desk and Second Staff are viewing"


def test_a_heartbeat_expires_and_gone_leaves_at_once(app, order, customer, ann, bob):
    line(bob, order, "replying")
    backdate(25)  # within 3 poll intervals (30 s): still there
    assert line(ann, order) == "Second Staff is replying"
    backdate(6)  # 31 s: expired, without a goodbye
    assert line(ann, order) == ""
    line(bob, order)
    assert line(ann, order) == "Second Staff is viewing"
    response = beat(bob, order, "gone")
    assert response.status_code == 204
    assert line(ann, order) == ""
    assert [state for _, state in presence_rows()] == ["viewing"]  # Ann's own row only


def test_gone_sweeps_the_rows_of_pages_that_never_said_goodbye(app, order, staff, ann, bob):
    other = make_order(User.query.filter_by(name="Carol Customer").one())
    line(bob, other)
    backdate(3 * 3600)  # Bob's laptop closed hours ago
    line(ann, order)
    assert len(presence_rows()) == 2
    assert beat(ann, order, "gone").status_code == 204
    assert presence_rows() == []


def test_the_messages_list_shows_who_is_on_each_row(app, customer, staff, staff2, ann, bob):
    as_carol = services.customer_actor(customer)
    first, second, third = (make_order(customer) for _ in range(3))
    for order in (first, second, third):
        services.post_message(order, as_carol, "Hello?")
    ids = {o.id: str(services.get_thread(o).id) for o in (first, second, third)}
    line(bob, first, "replying")
    line(bob, second)
    line(ann, third)  # Ann herself, on the third

    as_ann = rows(page(ann.get(f"{P}/admin/messages")))
    assert as_ann == {
        ids[first.id]: "Second Staff is replying",
        ids[second.id]: "Second Staff is viewing",
        ids[third.id]: "",
    }
    as_bob = rows(page(bob.get(f"{P}/admin/messages")))
    assert as_bob == {
        ids[first.id]: "",
        ids[second.id]: "",
        ids[third.id]: "Admin Admin is viewing",
    }
    html = page(ann.get(f"{P}/admin/messages"))
    assert 'class="om-presence om-presence-replying"' in html
    assert 'aria-live="polite">Second Staff is replying</span>' in html

    # The live refresh of the same rows: JSON, only the rows with someone on them.
    query = "&".join(f"thread={i}" for i in ids.values())
    live = ann.get(f"{P}/api/admin/presence?{query}")
    assert live.status_code == 200
    threads = live.get_json()["threads"]
    assert {k: v["text"] for k, v in threads.items()} == {
        ids[first.id]: "Second Staff is replying",
        ids[second.id]: "Second Staff is viewing",
    }
    again = ann.get(
        f"{P}/api/admin/presence?{query}", headers={"If-None-Match": live.get_etag()[0]}
    )
    assert again.status_code == 304
    backdate(31)
    assert ann.get(f"{P}/api/admin/presence?{query}").get_json() == {"threads": {}}
    assert set(rows(page(ann.get(f"{P}/admin/messages"))).values()) == {""}


@pytest.mark.parametrize(
    "query",
    ["thread=abc", "thread=-1", "thread=99999999999", "thread=1.5", "&".join(["thread=1"] * 201)],
)
def test_the_list_refresh_refuses_what_is_no_thread_id(app, ann, query):
    response = ann.get(f"{P}/api/admin/presence?{query}")
    assert response.status_code == 400
    assert "error" in response.get_json()


def test_the_thread_panel_reports_and_shows_presence_for_staff_only(
    app, order, customer, staff, ann
):
    services.post_message(order, services.customer_actor(customer), "Hello?")
    for html in (staff_order_page(ann, order), page(ann.get(f"{P}/admin/orders/{order.id}"))):
        assert f'data-om-presence="{P}/api/admin/orders/{order.id}/presence"' in html
        assert 'data-om-typing="20"' in html
        assert (
            '<p class="om-presence om-presence-line" data-om-presence-line aria-live="polite">'
            in html
        )
    # The customer's page neither reports nor shows anyone.
    as_carol = Browser(app).login(customer)
    for path in (f"/account/orders/{order.id}", f"{P}/orders/{order.id}"):
        html = page(as_carol.get(path))
        assert "data-om-presence" not in html and "om-presence" not in html
    line(ann, order)
    entries = as_carol.get(f"{P}/api/orders/{order.id}/entries").get_json()
    assert "Admin Admin" not in str(entries) and "viewing" not in str(entries)


def test_customers_never_report_and_nobody_reports_without_logging_in(
    app, order, customer, stranger, ann
):
    line(ann, order)
    before = db_state()
    for who in (customer, stranger):
        response = beat(Browser(app).login(who), order)
        assert response.status_code == 403
        assert response.get_json() == {"error": "This endpoint is for store staff."}
        listed = Browser(app).login(who).get(f"{P}/api/admin/presence?thread=1")
        assert listed.status_code == 403
    anonymous = Browser(app).login(None)
    assert beat(anonymous, order).status_code == 401
    assert anonymous.get(f"{P}/api/admin/presence?thread=1").status_code == 401
    assert db_state() == before


def test_the_heartbeat_needs_its_csrf_token(app, order, ann):
    before = db_state()
    path = f"{P}/api/admin/orders/{order.id}/presence"
    ann._fresh_user()
    assert ann.client.post(path, json={"state": "viewing"}).status_code == 400
    ann._fresh_user()
    forged = ann.client.post(path, json={"state": "viewing"}, headers={"X-CSRFToken": "forged"})
    assert forged.status_code == 400
    assert db_state() == before
    # A form body with the token in a field works too: the page's goodbye (sendBeacon).
    response = ann.post(path, {"state": "viewing"})
    assert response.status_code == 200 and len(presence_rows()) == 1
    assert ann.post(path, {"state": "gone"}).status_code == 204
    assert presence_rows() == []


@pytest.mark.parametrize("order_id", ["987654", "abc", "-1", "99999999999999999999999", "1.5"])
def test_an_order_that_is_not_there_is_a_404(app, order, ann, order_id):
    before = db_state()
    response = beat(ann, order_id)
    assert response.status_code == 404
    assert response.get_json() == {"error": "No such order."}
    assert db_state() == before


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"json": {"state": "typing"}}, 400),
        ({"json": {"state": "<script>alert(1)</script>"}}, 400),
        ({"json": {"state": 7}}, 400),
        ({"json": {"state": ["viewing"]}}, 400),
        ({"json": ["viewing"]}, 400),
        ({"json": "viewing"}, 400),
        ({"data": "{not json", "content_type": "application/json"}, 400),
        ({"json": {"state": "viewing", "pad": "x" * 5000}}, 413),
    ],
)
def test_hostile_heartbeats_are_refused_and_change_nothing(app, order, ann, payload, status):
    before = db_state()
    response = beat(ann, order, **payload)
    assert response.status_code == status
    body = response.get_json()
    assert set(body) == {"error"} and "<script>" not in response.get_data(as_text=True)
    assert db_state() == before


def test_only_post_reports(app, order, ann):
    assert ann.get(f"{P}/api/admin/orders/{order.id}/presence").status_code == 405


def test_a_staff_member_without_a_name_shows_as_the_name_hook_says(tmp_path):
    with shop(tmp_path, SHOP_SHAPES["user-without-name"]) as h:
        reconfigure(h.app, POLL_INTERVAL=10)
        ann = h.add_user("Ann", admin=True, email="ann.private@shop.test")
        bob = h.add_user("Bob", admin=True, email="bob.private@shop.test")
        order = h.add_order(h.add_user("Carol", email="carol@example.test"))
        key = h.ext.order_key(order)
        url = f"{P}/api/admin/orders/{key}/presence"
        h.post(h.login(h.app.test_client(), bob), url, {"state": "replying"})
        response = h.post(h.login(h.app.test_client(), ann), url, {"state": "viewing"})
        assert response.get_json()["text"] == "Store staff is replying"
        assert "bob.private" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "name", ["declarative-base-uuid-keys", "string-key-token-url", "all-at-once"]
)
def test_presence_on_any_host_shape(tmp_path, name):
    with shop(tmp_path, SHOP_SHAPES[name]) as h:
        reconfigure(h.app, POLL_INTERVAL=10)
        ann = h.add_user("Ann Admin", admin=True, email="ann@shop.test")
        bob = h.add_user("Bob Admin", admin=True, email="bob@shop.test")
        carol = h.add_user("Carol Customer", email="carol@example.test")
        order = h.add_order(carol)
        key = h.ext.order_key(order)
        as_carol = h.login(h.app.test_client(), carol)
        assert h.post(as_carol, f"{P}/orders/{key}/messages", {"body": "Hi"}).status_code == 303
        as_ann, as_bob = (h.login(h.app.test_client(), u) for u in (ann, bob))
        url = f"{P}/api/admin/orders/{key}/presence"
        assert h.post(as_bob, url, {"state": "replying"}).status_code == 200
        assert h.post(as_bob, url, {"state": "replying"}).status_code == 200  # the upsert
        # A shop without names shows staff as the name hook does.
        bob_is = "Bob Admin" if "name" in SHOP_SHAPES[name].user_fields else "Store staff"
        assert h.post(as_ann, url, {"state": "viewing"}).get_json()["text"] == (
            f"{bob_is} is replying"
        )
        listed = h.get(as_ann, f"{P}/admin/messages").get_data(as_text=True)
        assert f"{bob_is} is replying</span>" in listed
        assert h.post(as_carol, url, {"state": "viewing"}).status_code == 403


def test_switched_off(app, order, customer, staff, ann, bob):
    services.post_message(order, services.customer_actor(customer), "Hello?")
    line(bob, order)
    reconfigure(app, PRESENCE_ENABLED=False)
    for html in (staff_order_page(ann, order), page(ann.get(f"{P}/admin/messages"))):
        assert "om-presence" not in html and "data-om-presence" not in html
    assert beat(ann, order).status_code == 404
    assert ann.get(f"{P}/api/admin/presence?thread=1").status_code == 404
    # No polling, no presence: nothing would keep it up to date.
    reconfigure(app, PRESENCE_ENABLED=True, POLL_INTERVAL=0)
    assert "data-om-presence" not in staff_order_page(ann, order)
    assert beat(ann, order).status_code == 404
    reconfigure(app, POLL_INTERVAL=10)
    assert line(ann, order) == "Second Staff is viewing"


def test_the_presence_table_holds_what_the_model_declares(app, order, staff, bob):
    line(bob, order, "replying")
    p = current_order_messages.models.Presence
    row = db.session.execute(sa.select(p)).scalar_one()
    assert (row.order_id, row.state) == (order.id, "replying")
    assert abs(row.seen_at - utcnow()) < timedelta(seconds=30)
