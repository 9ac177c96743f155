"""Who reaches what.  Routes come from the app's URL map, so a new route is checked too.

- A customer reaches only their own orders: another customer's order and a made-up id get the
  very same 404, on GET and on POST, for every customer route.
- Anonymous visitors go to the host's login, with ``next`` pointing back.
- Someone who is not staff gets a 403 on every staff route.
- Malformed ids are a 404, never a 500.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from . import committing as services
from .conftest import answer_bytes
from .host_pages import (
    P,
    add_attachment,
    add_webhook_endpoint,
    attachment_id_for,
    db_state,
    webhook_endpoint_id_for,
)
from .reconfigure import reconfigure

STAFF = "staff"
CUSTOMER = "customer"
ANY_USER = "any user"
GUEST = "guest link"
SHARED_SECRET = "mail provider's shared secret"
#: No login: the API's OpenAPI document (it names routes, never data).
PUBLIC = "public"
#: The JSON API's customer routes with no order in the address: the caller's own threads.
OWN = "own threads"
OWN_ROUTES = {"api_customer_threads", "api_customer_mark", "api_customer_counts"}

MADE_UP = "987654"
MALFORMED = ["abc", "-1", "99999999999999999999999", "1.5", "%20", "1e3"]


QUESTIONS = "questions before purchase"


def classify(endpoint: str) -> str:
    name = endpoint.removeprefix("order_messages.")
    if "_question" in name or name == "customer_ask":
        # Keyed by a question's id, not an order's: tests/test_product_questions.py and the
        # access matrix (tests/test_security_matrix.py) say who reaches them.
        return QUESTIONS
    if name.startswith(("staff_", "api_staff_")):
        return STAFF
    if name in OWN_ROUTES:
        return OWN
    if name.startswith(("customer_", "api_customer_")):
        return CUSTOMER
    if name == "api_counts":
        return ANY_USER
    if name == "api_openapi":
        return PUBLIC
    if name.startswith("guest_"):
        return GUEST
    if name == "inbound_mail":
        return SHARED_SECRET  # who may post a mail there: tests/test_inbound_http.py
    raise AssertionError(
        f"Route {endpoint} is in no access class: decide who may use it and add it to "
        "tests/test_access.py."
    )


def is_json_api(endpoint: str) -> bool:
    """Whether ``endpoint`` is one of the JSON API's (api/, Problem Details), rather than the
    pages' own JSON endpoints (views/api.py, ``{"error": ...}``)."""
    from flask_order_messages.api import ENDPOINTS

    return endpoint in ENDPOINTS or f"order_messages.{endpoint}" in ENDPOINTS


def routes(app, kind: str | None = None, *, static: bool = False):
    """(endpoint, rule, methods) of the blueprint's routes, static files left out unless
    ``static`` (then ``kind`` must be None)."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("order_messages."):
            continue
        if rule.endpoint.endswith(".static"):
            if static:
                found.append((rule.endpoint, rule, sorted(rule.methods & {"GET", "POST"})))
            continue
        if kind is None or classify(rule.endpoint) == kind:
            found.append((rule.endpoint, rule, sorted(rule.methods & {"GET", "POST"})))
    assert found or kind == ANY_USER, f"no {kind} routes found"
    return found


def url(rule, order_id: str) -> str:
    """The rule's path for ``order_id``; an attachment id is that order's first attachment's
    (a made-up one when it has none)."""
    allowed = {"order_id", "attachment_id", "thread_id", "endpoint_id", "reply_id"}
    assert rule.arguments <= allowed, rule
    path = rule.rule.replace("<order_id>", order_id).replace("<thread_id>", MADE_UP)
    path = re.sub(r"<[^<>]*endpoint_id>", webhook_endpoint_id_for(), path)
    path = path.replace("<reply_id>", MADE_UP)
    if "attachment_id" in rule.arguments:
        path = re.sub(r"<[^<>]*attachment_id>", attachment_id_for(order_id), path)
    return path


# Plausible form data, so a POST that got through would change something.
FORM = {
    "body": "Let me in",
    "reason": "Let me in",
    "action": "read",
    "note": "done",
    # Team inbox: assign to oneself, close.
    "to_me": "1",
    "assignee": "me",
    "status": "closed",
    "new_status": "closed",
}


def call(browser, method: str, path: str, **extra):
    if method == "GET":
        return browser.get(path)
    return browser.post(path, {**FORM, **extra})


def test_every_route_has_an_access_class(app):
    for endpoint, _, _ in routes(app):
        classify(endpoint)


def test_others_order_and_made_up_id_get_the_same_404(
    app, order, customer, stranger, as_customer, as_staff, browser
):
    services.post_message(order, as_customer, "Carol's private question")
    services.post_message(order, as_staff, "Carol's private answer")
    add_attachment(order, as_customer)
    services.open_dispute(order, as_customer, "Carol's dispute")
    before = db_state()
    browser.login(stranger)
    for endpoint, rule, methods in routes(app, CUSTOMER):
        for method in methods:
            other = call(browser, method, url(rule, str(order.id)))
            missing = call(browser, method, url(rule, MADE_UP))
            where = f"{method} {endpoint}"
            assert other.status_code == 404, where
            assert missing.status_code == 404, where
            assert answer_bytes(other) == answer_bytes(missing), where
            assert other.headers["Content-Type"] == missing.headers["Content-Type"], where
            assert b"Carol" not in other.get_data(), where
    assert db_state() == before


def test_the_owner_gets_through_on_the_same_routes(app, order, customer, as_customer, browser):
    add_attachment(order, as_customer)
    services.open_dispute(order, as_customer, "Mine")
    browser.login(customer)
    for endpoint, rule, methods in routes(app, CUSTOMER):
        for method in methods:
            response = call(browser, method, url(rule, str(order.id)))
            # 200 / 201 / 303, or a refusal about the dispute's state (409) - never "not
            # found".
            assert response.status_code in (200, 201, 303, 409), f"{method} {endpoint}"


def test_anonymous_visitors_go_to_login_and_back(app, order, browser):
    before = db_state()
    browser.login(None)
    for endpoint, rule, methods in routes(app):
        if classify(endpoint) in (GUEST, SHARED_SECRET, PUBLIC):  # no login: the matrix
            continue
        path = url(rule, str(order.id))
        for method in methods:
            response = call(browser, method, path)
            where = f"{method} {endpoint}"
            if is_json_api(endpoint):
                # The JSON API: a Problem Details 401 (tests/test_api_auth.py).
                assert response.status_code == 401, where
                assert response.mimetype == "application/problem+json", where
                assert response.get_json()["detail"] == "Log in to see your messages.", where
                continue
            if endpoint.startswith("order_messages.api_"):
                # Scripts get a JSON 401 rather than a login page.
                assert response.status_code == 401, where
                assert response.get_json() == {"error": "Log in to see your messages."}, where
                continue
            assert response.status_code == 302, where
            location = urlsplit(response.headers["Location"])
            assert location.path == "/login", where
            assert parse_qs(location.query)["next"] == [path], where
    assert db_state() == before


def test_customers_get_403_on_every_staff_route(app, order, customer, as_customer, browser):
    services.post_message(order, as_customer, "Hello")
    before = db_state()
    # Even the order's own customer: these are the store's pages.
    browser.login(customer)
    for endpoint, rule, methods in routes(app, STAFF):
        for method in methods:
            path = url(rule, str(order.id)) if rule.arguments else rule.rule
            response = call(browser, method, path)
            assert response.status_code == 403, f"{method} {endpoint}"
    assert db_state() == before


@pytest.mark.parametrize("bad", MALFORMED)
def test_malformed_ids_are_404_not_500(app, order, customer, staff, browser, bad):
    for kind, user in ((STAFF, staff), (CUSTOMER, customer)):
        browser.login(user)
        for endpoint, rule, methods in routes(app, kind):
            if "order_id" not in rule.arguments:
                continue
            for method in methods:
                response = call(browser, method, url(rule, bad))
                assert response.status_code == 404, f"{method} {endpoint} {bad!r}"


@pytest.mark.parametrize("bad", ["abc", "-1", "x" * 300])
def test_bad_guest_tokens_are_refused_not_500(app, customer, browser, bad):
    browser.login(None)
    for endpoint, rule, methods in routes(app, GUEST):
        for method in methods:
            path = rule.rule.replace("<token>", bad)
            response = call(browser, method, path)
            assert response.status_code in (404, 410), f"{method} {endpoint}"


def test_staff_reach_every_order(app, order, staff, customer, browser):
    reconfigure(app, POLL_INTERVAL=10)  # live pages: staff presence is on
    add_attachment(order, services.customer_actor(customer))
    add_webhook_endpoint()
    browser.login(staff)
    for endpoint, rule, methods in routes(app, STAFF):
        if "GET" not in methods:
            continue
        path = url(rule, str(order.id)) if rule.arguments else rule.rule
        assert browser.get(path).status_code == 200, endpoint


def test_prefix_is_where_the_routes_live(app):
    assert all(rule.rule.startswith(P + "/") for _, rule, _ in routes(app))
