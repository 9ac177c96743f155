"""Every POST route of the blueprint refuses a request without a CSRF token and changes nothing.

The routes come from the app's URL map: a new POST route fails this file until it has a case
here, so none can slip through unprotected.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest

from . import committing as services
from .host_pages import db_state, page, words


@dataclass
class Case:
    who: str  # "staff", "customer" or "nobody"
    data: dict[str, Any]
    query: str = ""
    setup: Callable[[Any, Any, Any], None] | None = None
    #: The answer when the token is there: a form's redirect, or a script's JSON.
    ok: int = 303


def _customer_wrote(order, customer, staff):
    services.post_message(order, services.customer_actor(customer), "Hello")
    services.mark_read(services.staff_actor(staff))


def _customer_dispute(order, customer, staff):
    services.open_dispute(order, services.customer_actor(customer), "Broken")


def _closed_dispute(order, customer, staff):
    services.open_dispute(order, services.customer_actor(customer), "Broken")
    services.close_dispute(order, services.staff_actor(staff))


def _live_pages(order, customer, staff):
    from flask import current_app

    from .reconfigure import reconfigure

    reconfigure(current_app._get_current_object(), POLL_INTERVAL=10)  # staff presence on


def _canned_reply(order, customer, staff):
    from flask_order_messages.services.canned import create_reply

    # The tables are fresh for every test: this is canned reply 1.
    create_reply(services.staff_actor(staff), "Shipping", "It ships today.")


def _webhook_endpoint(order, customer, staff):
    from .host_pages import add_webhook_endpoint

    add_webhook_endpoint()


def _access_token(order, customer, staff):
    from flask_order_messages.access_tokens import create_token
    from flask_order_messages.transactions import commit

    create_token(staff, scope="read", name="ERP")  # the tables are fresh: token 1
    commit()


def _customer_asked(order, customer, staff):
    """The customer asked about a product (questions before purchase); ``order`` has no thread."""
    from flask_order_messages.services import questions
    from flask_order_messages.transactions import commit

    questions.ask("kettle", services.customer_actor(customer), "Is it big?")
    commit()
    services.mark_read(services.staff_actor(staff))


#: The ``order_id`` of a "Link to order" form: the order of the test's ``order`` fixture.
ORDER_ID = "<order>"

CASES = {
    "customer_ask": Case("customer", {"product_key": "kettle", "body": "Is it big?"}),
    "customer_question_post": Case("customer", {"body": "And wide?"}, setup=_customer_asked),
    "customer_question_link": Case("customer", {"order_id": ORDER_ID}, setup=_customer_asked),
    "staff_question_post": Case("staff", {"body": "Quite big."}, setup=_customer_asked),
    "staff_question_unread": Case("staff", {}, setup=_customer_asked),
    "staff_question_link": Case("staff", {"order_id": ORDER_ID}, setup=_customer_asked),
    "staff_mark": Case("staff", {"action": "unread"}, "?scope=all", _customer_wrote),
    "staff_post": Case("staff", {"body": "Staff reply"}),
    "staff_mark_unread": Case("staff", {}, setup=_customer_wrote),
    "staff_dispute_open": Case("staff", {"reason": "Chargeback"}),
    "staff_dispute_close": Case("staff", {"note": "Sorted"}, setup=_customer_dispute),
    "customer_post": Case("customer", {"body": "Customer question"}),
    "customer_dispute_open": Case("customer", {"reason": "Never arrived"}),
    "customer_dispute_close": Case("customer", {}, setup=_customer_dispute),
    "guest_thread": Case("nobody", {"body": "Reply from the mail link"}),
    "staff_dispute_reopen": Case("staff", {"note": "Again"}, setup=_closed_dispute),
    "customer_dispute_reopen": Case("customer", {}, setup=_closed_dispute),
    "staff_canned_new": Case("staff", {"title": "Returns", "body": "Send it back to us."}),
    "staff_canned_edit": Case(
        "staff", {"title": "Shipping", "body": "It ships tomorrow."}, "?id=1", _canned_reply
    ),
    "staff_canned_delete": Case("staff", {}, "?id=1", _canned_reply),
    # A new endpoint's answer is the page with its secret (never a redirect that could lose it).
    "staff_webhooks": Case(
        "staff", {"url": "https://93.184.216.34/hooks", "events": "message.posted"}, ok=200
    ),
    "staff_webhook_switch": Case("staff", {"active": "0"}, setup=_webhook_endpoint),
    "staff_webhook_test": Case("staff", {}, setup=_webhook_endpoint),
    "staff_webhook_delete": Case("staff", {}, setup=_webhook_endpoint),
    # A rotation's and a new token's answers are pages with the new secret (shown only there).
    "staff_webhook_rotate": Case("staff", {}, setup=_webhook_endpoint, ok=200),
    "staff_tokens": Case("staff", {"name": "ERP", "scope": "read"}, ok=200),
    "staff_token_revoke": Case("staff", {"token_id": "1"}, setup=_access_token),
    "staff_assign": Case("staff", {"to_me": "1"}),
    "staff_status": Case("staff", {"status": "closed"}),
    "staff_bulk_assign": Case("staff", {"assignee": "me"}, "?thread_id=1", _customer_wrote),
    "staff_bulk_status": Case("staff", {"new_status": "closed"}, "?thread_id=1", _customer_wrote),
    # A staff page's heartbeat: the script's JSON (the token in the header), or this form body.
    "api_staff_presence": Case("staff", {"state": "viewing"}, setup=_live_pages, ok=200),
}


#: POST routes that are no browser form, each with what protects it instead.
NOT_FORMS = {
    "inbound_mail": "a mail provider's hook: the shared secret (tests/test_inbound_http.py)",
}


def post_routes(app) -> dict[str, Any]:
    return {
        rule.endpoint.removeprefix("order_messages."): rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("order_messages.") and "POST" in rule.methods
    }


def _api_posts(app) -> dict[str, Any]:
    """The JSON API's POST routes: each is walked by :func:`test_api_posts_need_the_token`."""
    from .test_access import is_json_api

    return {name: rule for name, rule in post_routes(app).items() if is_json_api(name)}


def test_every_post_route_has_a_case(app):
    missing = sorted(set(post_routes(app)) - set(CASES) - set(NOT_FORMS) - set(_api_posts(app)))
    assert not missing, f"POST routes without a CSRF case in tests/test_csrf.py: {missing}"


def path_of(rule, order) -> str:
    path = rule.rule
    if "<order_id>" in path:
        path = path.replace("<order_id>", str(order.id))
    if "<thread_id>" in path:
        from .host_pages import question_id_for

        path = path.replace("<thread_id>", question_id_for())
    if "<int:endpoint_id>" in path:
        from .host_pages import webhook_endpoint_id_for

        path = path.replace("<int:endpoint_id>", webhook_endpoint_id_for())
    if "<token>" in path:
        from flask_order_messages.tokens import make_guest_token

        path = path.replace("<token>", make_guest_token(order))
    return path


@pytest.mark.parametrize("name", sorted(CASES))
def test_post_without_token_is_refused_and_changes_nothing(
    app, order, customer, staff, browser, name
):
    case = CASES[name]
    rule = post_routes(app).get(name)
    assert rule is not None, f"{name} is no POST route any more; drop its case"
    if case.setup:
        case.setup(order, customer, staff)
    browser.login({"staff": staff, "customer": customer, "nobody": None}[case.who])
    path = path_of(rule, order) + case.query
    case = replace(case, data={k: order.id if v == ORDER_ID else v for k, v in case.data.items()})
    before = db_state()

    for bad in ({}, {"csrf_token": "forged"}):
        response = browser.post(path, {**case.data, **bad}, csrf=False)
        assert response.status_code == 400, (name, bad)
        text = words(page(response))
        assert "lacks its security token. Nothing was saved." in text
        if "body" in case.data or "reason" in case.data:
            # The typed text comes back so it isn't lost.
            assert (case.data.get("body") or case.data.get("reason")) in text
        assert db_state() == before, (name, bad)

    response = browser.post(path, case.data)
    assert response.status_code == case.ok, name
    assert db_state() != before, name


def test_token_in_header_works_for_scripts(app, order, customer, browser):
    browser.login(customer)
    token = browser.token()
    response = browser.post(
        f"/order-messages/orders/{order.id}/messages",
        {"body": "sent by a script"},
        csrf=False,
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 303


def test_token_of_another_session_is_refused(app, order, customer, stranger, browser):
    from .conftest import Browser

    other = Browser(app).login(stranger)
    foreign = other.token()
    before = db_state()
    response = browser.login(customer).post(
        f"/order-messages/orders/{order.id}/messages",
        {"body": "hi", "csrf_token": foreign},
        csrf=False,
    )
    assert response.status_code == 400
    assert db_state() == before


def test_api_posts_need_the_token_with_a_session(app, order, customer, staff, browser):
    """Every POST of the JSON API, with the session and no (or a forged) CSRF token: the
    "csrf" problem, nothing saved.  (With an access token no CSRF token is needed:
    tests/test_api_auth.py.)"""
    _customer_dispute(order, customer, staff)
    routes = _api_posts(app)
    assert routes
    for name, rule in sorted(routes.items()):
        browser.login(staff if name.startswith("api_staff_") else customer)
        path = path_of(rule, order).replace("<reply_id>", "1")
        before = db_state()
        for bad in ({}, {"X-CSRFToken": "forged"}):
            response = browser.post(
                path, {"body": "x", "action": "read", "status": "closed"}, csrf=False, headers=bad
            )
            assert response.status_code == 400, (name, bad)
            assert response.get_json()["type"].endswith(":csrf"), name
            assert db_state() == before, name
