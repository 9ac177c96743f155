"""The access matrix's vendor actors (issue 19): every route of the blueprint x Acme's staff
(Ann) on Bolt's thread, with vendors taking part and in warehouse mode.

Each route is put in one class by hand in :data:`VENDOR_ROUTES` (a route added later fails
``test_every_route_has_a_vendor_class`` until someone decides):

- ``ORDER``: the route names an order.  Bolt's order gets Ann the very same answer, status
  and body, as a made-up order id -- a 404 (a 403 in warehouse mode, where no staff page is
  hers) -- on GET and on POST, and nothing of Bolt's thread changes.
- ``LIST``: no order in the address (the Messages section, bulk forms, counts, insight,
  canned replies).  Ann gets her answer, in which nothing of Bolt's shows; a form naming
  Bolt's thread is answered as one naming a made-up thread, and changes nothing of it.
- ``CANNED``: the route names a canned reply (``?id=``).  Bolt's reply gets Ann the very
  same answer as a made-up id (a 404; a 403 in warehouse mode), on GET and on POST, and
  nothing of Bolt's changes.
- ``GUEST``: a guest link is a bearer link (the customer's mail): without Bolt's customer's
  token Ann gets what anyone gets with a forged one.
- ``NONE``: nothing of any order (the stylesheet; the mail provider's hook, which takes a
  shared secret, never a session).
"""

from __future__ import annotations

import json
import re
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa

from flask_order_messages import current_order_messages

from . import committing as services
from .conftest import answer_bytes, db
from .host_pages import PNG, db_state, route_path
from .marketplace import Market, converse
from .reconfigure import reconfigure
from .snapshots import seeded
from .test_access import FORM, routes

ORDER, LIST, GUEST, NONE, CANNED = "order", "list", "guest", "none", "canned"
#: A route that names a question about a product (tests/test_product_questions.py).
QUESTION = "question"

VENDOR_ROUTES = {
    "staff_messages": LIST,
    "staff_mark": LIST,
    "staff_bulk_assign": LIST,
    "staff_bulk_status": LIST,
    "staff_insight": LIST,
    "staff_canned_replies": LIST,
    "staff_canned_new": LIST,
    "staff_canned_edit": CANNED,
    "staff_canned_delete": CANNED,
    # Webhooks are the marketplace's: a vendor's staff member gets a 403 that says so.
    "staff_webhooks": LIST,
    "staff_webhook_switch": LIST,
    "staff_webhook_test": LIST,
    "staff_webhook_delete": LIST,
    "staff_webhook_rotate": LIST,
    # Access tokens are each staff member's own: nothing of any order.
    "staff_tokens": LIST,
    "staff_token_revoke": LIST,
    "api_counts": LIST,
    "api_staff_presence_list": LIST,
    "staff_thread": ORDER,
    "staff_post": ORDER,
    "staff_mark_unread": ORDER,
    "staff_assign": ORDER,
    "staff_status": ORDER,
    "staff_dispute_open": ORDER,
    "staff_dispute_close": ORDER,
    "staff_dispute_reopen": ORDER,
    "staff_attachment": ORDER,
    "api_staff_entries": ORDER,
    "api_staff_presence": ORDER,
    "customer_thread": ORDER,
    "customer_post": ORDER,
    "customer_dispute_open": ORDER,
    "customer_dispute_close": ORDER,
    "customer_dispute_reopen": ORDER,
    "customer_attachment": ORDER,
    "api_customer_entries": ORDER,
    "guest_thread": GUEST,
    "guest_attachment": GUEST,
    "inbound_mail": NONE,
    "static": NONE,
    # Questions before purchase: the customer's list and the product page's form name no
    # thread; the others name a question, as ORDER routes name an order.
    "customer_questions": LIST,
    "customer_ask": LIST,
    "customer_question": QUESTION,
    "customer_question_post": QUESTION,
    "customer_question_link": QUESTION,
    "staff_question": QUESTION,
    "staff_question_post": QUESTION,
    "staff_question_unread": QUESTION,
    "staff_question_link": QUESTION,
    "api_staff_question_entries": QUESTION,
    "api_customer_question_entries": QUESTION,
    # The JSON API (api/): the same classes as the pages doing the same.
    "api_openapi": NONE,
    "api_staff_threads": LIST,
    "api_staff_mark": LIST,
    "api_staff_bulk_assign": LIST,
    "api_staff_bulk_status": LIST,
    "api_staff_counts": LIST,
    "api_staff_canned_list": LIST,
    "api_staff_canned_create": LIST,
    "api_staff_canned_update": LIST,
    "api_staff_canned_delete": LIST,
    "api_customer_threads": LIST,
    "api_customer_mark": LIST,
    "api_customer_counts": LIST,
    "api_staff_thread": ORDER,
    "api_staff_post": ORDER,
    "api_staff_thread_read": ORDER,
    "api_staff_thread_unread": ORDER,
    "api_staff_dispute_open": ORDER,
    "api_staff_dispute_close": ORDER,
    "api_staff_dispute_reopen": ORDER,
    "api_staff_assign": ORDER,
    "api_staff_status": ORDER,
    "api_customer_thread": ORDER,
    "api_customer_post": ORDER,
    "api_customer_thread_read": ORDER,
    "api_customer_thread_unread": ORDER,
    "api_customer_dispute_open": ORDER,
    "api_customer_dispute_close": ORDER,
    "api_customer_dispute_reopen": ORDER,
    "api_staff_attachment": ORDER,
    "api_customer_attachment": ORDER,
    "api_customer_questions": LIST,
    "api_customer_question_ask": LIST,
    "api_customer_question": QUESTION,
    "api_customer_question_post": QUESTION,
    "api_customer_question_read": QUESTION,
    "api_customer_question_link": QUESTION,
    "api_staff_question": QUESTION,
    "api_staff_question_post": QUESTION,
    "api_staff_question_read": QUESTION,
    "api_staff_question_unread": QUESTION,
    "api_staff_question_link": QUESTION,
    # The API's webhooks, as the page's: the marketplace's; a vendor's staff get a 403.
    "api_staff_webhooks": LIST,
    "api_staff_webhook": LIST,
    "api_staff_webhook_create": LIST,
    "api_staff_webhook_update": LIST,
    "api_staff_webhook_active": LIST,
    "api_staff_webhook_delete": LIST,
    "api_staff_webhook_deliveries": LIST,
    "api_staff_webhook_test": LIST,
    "api_staff_webhook_rotate": LIST,
}

#: What of Bolt's thread must never reach Ann: its words, its customer, its number.
BOLT_WORDS = (
    "bicycle",
    "Bent wheel",
    "Dan Customer",
    "dan.customer",
    "#00002",
    "wheel.png",
    "Spoke tension",  # Bolt's canned reply
)
MADE_UP = 987654
#: A signed CSRF token (the page's meta tag): it carries the second it was made.
TOKEN = re.compile(r"[\w-]{20,}\.[\w-]{6}\.[\w-]{20,}")


def _endpoints(app) -> dict[str, tuple[Any, list[str]]]:
    return {
        endpoint.removeprefix("order_messages."): (rule, methods)
        for endpoint, rule, methods in routes(app, static=True)
    }


def test_every_route_has_a_vendor_class(app):
    assert sorted(_endpoints(app)) == sorted(VENDOR_ROUTES), (
        "Routes and VENDOR_ROUTES differ: decide what a vendor's staff member may do with "
        "another vendor's thread there, in tests/test_security_vendors.py."
    )


@pytest.fixture
def scene(market: Market) -> Market:
    """Every thread made; Bolt's with a file, a staff-only note and an open dispute."""

    def seed() -> None:
        converse(market)
        bolt = market.bolt_order
        services.post_message(bolt, market.actor(market.dan), "Photo", files=[("wheel.png", PNG)])
        services.post_message(bolt, market.actor(market.ben), "Ordered a new wheel", note=True)
        services.open_dispute(bolt, market.actor(market.dan), "Bent wheel")
        services.canned.create_reply(market.actor(market.ben), "Spoke tension", "Tighten a bicycle")
        db.session.commit()

    seeded("security_vendors", seed)
    return market


def bolt_state(market: Market) -> tuple[Any, ...]:
    """Every row that belongs to Bolt's thread: the thread, its entries, files, disputes,
    read pointers, read-floor lists, search document and mail."""
    models = current_order_messages.models
    thread_id = market.thread(market.bolt_order).id
    db.session.expire_all()

    def rows(model: Any, where: Any) -> list[tuple[Any, ...]]:
        table = model.__table__
        found = db.session.execute(sa.select(table).where(where).order_by(*table.primary_key))
        return [tuple(row) for row in found]

    m = models.Message
    entries = sa.select(m.id).where(m.thread_id == thread_id)
    return (
        rows(models.Thread, models.Thread.id == thread_id),
        rows(m, m.thread_id == thread_id),
        rows(models.Attachment, models.Attachment.message_id.in_(entries)),
        rows(models.Dispute, models.Dispute.thread_id == thread_id),
        rows(models.ReadPointer, models.ReadPointer.thread_id == thread_id),
        rows(models.ReadFloorThread, models.ReadFloorThread.thread_id == thread_id),
        rows(models.ThreadSearch, models.ThreadSearch.thread_id == thread_id),
        rows(models.MailOutbox, models.MailOutbox.message_id.in_(entries)),
        rows(models.Draft, models.Draft.order_id == market.bolt_order.id),
        rows(models.CannedReply, models.CannedReply.vendor_key == "bolt"),
    )


def call(browser, method: str, path: str, data: dict[str, str] | None = None) -> Any:
    if method == "GET":
        return browser.get(path)
    return browser.post(path, {**FORM, **(data or {})})


def no_leak(response: Any, where: str) -> None:
    body = response.get_data(as_text=True)
    for word in BOLT_WORDS:
        assert word not in body, f"{where}: {word!r} shows"


@pytest.mark.parametrize("mode", ["vendors take part", "warehouse"])
@pytest.mark.parametrize("name", sorted(n for n, kind in VENDOR_ROUTES.items() if kind == ORDER))
def test_another_vendors_order_is_answered_as_a_made_up_one(app, scene, browser, name, mode):
    if mode == "warehouse":
        reconfigure(app, VENDOR_PARTICIPATION=False)
    rule, methods = _endpoints(app)[name]
    theirs = route_path(rule, scene.bolt_order)
    made_up = route_path(rule, SimpleNamespace(id=MADE_UP))
    browser.login(scene.ann)
    for method in methods:
        before = bolt_state(scene)
        got, missing = call(browser, method, theirs), call(browser, method, made_up)
        where = f"{method} {name} ({mode})"
        assert got.status_code == missing.status_code, where
        staff_page = name.startswith(("staff_", "api_staff_"))
        # In warehouse mode no staff page is a vendor's: a 403 that says so, for any order.
        assert got.status_code == (403 if mode == "warehouse" and staff_page else 404), where
        assert answer_bytes(got) == answer_bytes(missing), f"{where}: the answers differ"
        no_leak(got, where)
        assert bolt_state(scene) == before, f"{where} changed Bolt's thread"
    # The same address is a real page for the marketplace's staff (or Bolt's customer): the
    # cell above asked for something that exists.
    owner = scene.dan if name.startswith(("customer_", "api_customer")) else scene.sam
    if "GET" in methods:
        assert browser.login(owner).get(theirs).status_code not in (403, 404), name


#: Forms of the LIST routes that name a thread: Bolt's, or a made-up one.
THREAD_FORMS = {
    "staff_mark": "?scope=selected",
    "staff_bulk_assign": "",
    "staff_bulk_status": "",
    # The JSON API's: the ids in "thread_ids".
    "api_staff_mark": "",
    "api_staff_bulk_assign": "",
    "api_staff_bulk_status": "",
    "api_customer_mark": "",
}


@pytest.mark.parametrize("mode", ["vendors take part", "warehouse"])
@pytest.mark.parametrize("name", sorted(n for n, kind in VENDOR_ROUTES.items() if kind == LIST))
def test_lists_forms_and_counts_show_and_change_nothing_of_another_vendors(
    app, scene, browser, name, mode
):
    if mode == "warehouse":
        reconfigure(app, VENDOR_PARTICIPATION=False)
    rule, methods = _endpoints(app)[name]
    path = route_path(rule, scene.bolt_order)
    bolt_thread = scene.thread(scene.bolt_order).id
    browser.login(scene.ann)
    for method in methods:
        where = f"{method} {name} ({mode})"
        before = bolt_state(scene)
        if method == "POST" and name in THREAD_FORMS:
            query = THREAD_FORMS[name]
            ids = {"thread_id": str(bolt_thread), "thread_ids": str(bolt_thread)}
            got = call(browser, method, path + query, ids)
            ids = {"thread_id": str(MADE_UP), "thread_ids": str(MADE_UP)}
            missing = call(browser, method, path + query, ids)
            # Byte for byte but the CSRF token, signed with the current second.
            assert (got.status_code, got.headers.get("Location"), answer_bytes(got)) == (
                missing.status_code,
                missing.headers.get("Location"),
                answer_bytes(missing),
            ), where
        else:
            got = call(browser, method, path)
        no_leak(got, where)
        assert bolt_state(scene) == before, f"{where} changed Bolt's thread"
    if name == "staff_messages":
        # Searches that would find Bolt's thread (the page echoes a query: none is a leak word).
        for query in ("?q=bicy", "?q=00002", "?q=Dan", "?filter=disputes", "?vendor=bolt"):
            no_leak(browser.get(path + query), f"GET {name}{query}")
    if name == "staff_insight" and mode != "warehouse":
        # Bolt's key in the address shows Ann her own figures, the very same page (but for
        # the CSRF token, which carries the second it was made).
        own = TOKEN.sub("", browser.get(path).get_data(as_text=True))
        theirs = TOKEN.sub("", browser.get(path + "?vendor=bolt").get_data(as_text=True))
        assert theirs == own, "insight ?vendor=bolt"


def test_the_counts_do_not_move_with_another_vendors_thread(scene, browser):
    def counts() -> dict[str, Any]:
        response = browser.login(scene.ann).get(route_path_of("api_counts"))
        return json.loads(response.get_data(as_text=True))

    def route_path_of(name: str) -> str:
        rule, _ = _endpoints(browser.client.application)[name]
        return route_path(rule, scene.bolt_order)

    first = counts()
    services.post_message(scene.bolt_order, scene.actor(scene.dan), "Any news on the bicycle?")
    services.open_dispute(scene.own_order, scene.actor(scene.carol), "Voucher unused")
    assert counts() == first


@pytest.mark.parametrize("mode", ["vendors take part", "warehouse"])
@pytest.mark.parametrize("name", sorted(n for n, kind in VENDOR_ROUTES.items() if kind == CANNED))
def test_another_vendors_canned_reply_is_answered_as_a_made_up_one(app, scene, browser, name, mode):
    if mode == "warehouse":
        reconfigure(app, VENDOR_PARTICIPATION=False)
    rule, methods = _endpoints(app)[name]
    model = current_order_messages.models.CannedReply
    theirs_id = db.session.execute(sa.select(model.id).where(model.vendor_key == "bolt")).scalar()
    path = route_path(rule, scene.bolt_order)
    browser.login(scene.ann)
    for method in methods:
        where = f"{method} {name} ({mode})"
        before = bolt_state(scene)
        data = {"title": "Mine now", "body": "Mine"}
        got = call(browser, method, f"{path}?id={theirs_id}", data)
        missing = call(browser, method, f"{path}?id={MADE_UP}", data)
        assert got.status_code == (403 if mode == "warehouse" else 404), where
        assert got.status_code == missing.status_code, where
        assert answer_bytes(got) == answer_bytes(missing), f"{where}: the answers differ"
        no_leak(got, where)
        assert bolt_state(scene) == before, f"{where} changed Bolt's reply"
    # The same address is a real page for Bolt's staff: the cell above asked for one that is.
    if mode != "warehouse":
        assert browser.login(scene.ben).get(f"{path}?id={theirs_id}").status_code == 200


@pytest.mark.parametrize("name", sorted(n for n, kind in VENDOR_ROUTES.items() if kind == GUEST))
def test_guest_links_open_nothing_without_the_customers_token(app, scene, browser, name):
    rule, methods = _endpoints(app)[name]
    good = route_path(rule, scene.bolt_order)
    forged = good.replace("/t/", "/t/x", 1)
    for user in (scene.ann, None):
        browser.login(user)
        for method in methods:
            before = bolt_state(scene)
            response = call(browser, method, forged)
            assert response.status_code in (404, 410), (name, method)
            no_leak(response, f"{method} {name}")
            assert bolt_state(scene) == before


@pytest.mark.parametrize("mode", ["vendors take part", "warehouse"])
@pytest.mark.parametrize("name", sorted(n for n, kind in VENDOR_ROUTES.items() if kind == QUESTION))
def test_another_vendors_question_is_answered_as_a_made_up_one(app, scene, browser, name, mode):
    """Dan asked about a product Bolt sells: Ann gets what a made-up question id gets, and
    nothing changes anywhere."""
    from flask_order_messages.services import questions
    from flask_order_messages.transactions import commit

    from .conftest import order_messages

    order_messages.product_vendor(lambda key: "bolt")
    try:
        questions.ask("bell-7", scene.actor(scene.dan), "Does the bicycle bell fit?")
        commit()
        if mode == "warehouse":
            reconfigure(app, VENDOR_PARTICIPATION=False)
        rule, methods = _endpoints(app)[name]
        theirs = route_path(rule, scene.bolt_order)
        made_up = theirs.replace(f"/questions/{questions_id(theirs)}", f"/questions/{MADE_UP}")
        browser.login(scene.ann)
        for method in methods:
            before = db_state()
            extra = {"order_id": str(scene.bolt_order.id)}
            got = call(browser, method, theirs, extra)
            missing = call(browser, method, made_up, extra)
            where = f"{method} {name} ({mode})"
            staff_page = name.startswith(("staff_", "api_staff_"))
            assert got.status_code == (403 if mode == "warehouse" and staff_page else 404), where
            assert answer_bytes(got) == answer_bytes(missing), f"{where}: the answers differ"
            no_leak(got, where)
            assert db_state() == before, f"{where} changed something"
        owner = scene.dan if name.startswith(("customer_", "api_customer_")) else scene.sam
        if "GET" in methods and mode != "warehouse":
            assert browser.login(owner).get(theirs).status_code == 200, name
    finally:
        vars(order_messages.hooks).pop("product_vendor", None)


def questions_id(path: str) -> str:
    return path.split("/questions/")[1].split("/")[0]
