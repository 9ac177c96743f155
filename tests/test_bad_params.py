"""Bad parameters never give a 500: every route of the blueprint, fed malformed ids, page
numbers, filters, search words, oversized bodies, hostile ``next`` values and repeated
parameters, answers below 500, and every 4xx carries a sentence a person can read.

The routes come from the app's URL map; each is tried as the visitor who may use it (staff for
staff routes, the owner for customer routes, anyone for the guest link), so the bad value, not
the access check, is what the route meets.  Specific answers that matter are pinned down in
``test_refusals_say_why``.
"""

from __future__ import annotations

from typing import Any

import pytest

from . import committing as services
from .host_pages import P, db_state, follow, route_path, words
from .test_access import classify, routes

BAD_IDS = [
    "abc",
    "-1",
    "0",
    "1.5",
    "1e3",
    " 1",
    "%00",
    "%0d%0a",
    "2147483648",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "99999999999999999999999",
    "1" * 400,
    "%F0%9F%92%A5",
]

BAD_QUERY: list[dict[str, Any]] = [
    {"page": "abc"},
    {"page": "-1"},
    {"page": "0"},
    {"page": "99999999999999999999"},
    {"page": "1.5"},
    {"page": ["2", "x"]},
    {"filter": "bogus"},
    {"filter": ["unread", "bogus"]},
    {"filter": "unread\x00"},
    {"q": "x" * 10_000},
    {"q": "\x00"},
    {"q": "% _ \\ ' \" ; --"},
    {"q": "' OR 1=1 --"},
    {"q": ["a", "b"]},
    {"after": "abc"},
    {"after": "-5"},
    {"after": "99999999999999999999"},
    {"after": "1e9"},
    {"next": "//evil.example/"},
    {"next": "/x\r\nSet-Cookie: pwned=1"},
    {"next": "/\x00"},
    {"next": "/" + "n" * 20_000},
    {"tab": "<script>"},
    {"scope": "bogus"},
]

BAD_FORMS: list[dict[str, Any]] = [
    {"body": "x" * 5001, "reason": "x" * 1001, "note": "x" * 2001},
    {"body": "y" * 200_000, "reason": "y" * 200_000, "note": "y" * 200_000},
    {"body": "\x00\x00", "reason": "\x00", "note": "\x00"},
    {"body": "", "reason": ""},
    {"body": ["one", "two"], "reason": ["one", "two"]},
    {"body": "ok", "next": "/x\r\nLocation: https://evil.example/"},
    {"body": "ok", "next": "/\x00/evil"},
    {"action": "bogus", "scope": "selected"},
    {"action": ["read", "unread"], "thread_id": "1"},
    {"action": "read", "thread_id": "abc"},
    {"action": "read", "thread_id": "-1"},
    {"action": "read", "thread_id": "2147483648"},
    {"action": "read", "thread_id": "99999999999999999999"},
    {"action": "unread", "thread_id": ["1", "1", "1"]},
    {"outcome": "bogus", "note": "fine"},
]


def visitor_for(endpoint: str, people: dict[str, Any]) -> Any:
    kind = classify(endpoint) if not endpoint.endswith(".static") else "static"
    return {
        "staff": people["staff"],
        "customer": people["owner"],
        "any user": people["owner"],
        "guest link": None,
        "mail provider's shared secret": None,
        "static": None,
        "own threads": people["owner"],
        "public": None,
        # Questions before purchase: staff on theirs, the customer on theirs.
        "questions before purchase": people["staff" if "staff_" in endpoint else "owner"],
    }[kind]


@pytest.fixture
def people(staff, customer, stranger, order):
    services.post_message(order, services.customer_actor(customer), "Where is my parcel?")
    services.open_dispute(order, services.customer_actor(customer), "Late")
    return {"owner": customer, "staff": staff, "other": stranger}


def assert_readable(response: Any, where: str) -> None:
    """Below 500; a 4xx says why in words (JSON ``error`` for scripts)."""
    status = response.status_code
    assert status < 500, f"{where}: {status}\n{response.get_data(as_text=True)[:2000]}"
    if 400 <= status < 500:
        if response.is_json:
            # The JSON API answers Problem Details (RFC 9457): the words are its ``detail``.
            said = response.get_json()
            error = said.get("detail" if response.mimetype.endswith("problem+json") else "error")
            assert isinstance(error, str) and len(error.split()) >= 3, where
        else:
            text = words(response.get_data(as_text=True))
            assert len(text.split()) >= 5, f"{where}: no readable reason: {text!r}"
            assert "Traceback" not in text, where
    response.close()


def _request(browser: Any, method: str, path: str, query: Any = None, form: Any = None) -> Any:
    if method == "GET":
        return browser.get(path, query_string=query)
    from werkzeug.datastructures import MultiDict

    data = MultiDict()
    for key, value in (form or {"body": "hello", "reason": "why", "note": "n"}).items():
        for one in value if isinstance(value, list) else [value]:
            data.add(key, one)
    data.add("csrf_token", browser.token())
    browser._fresh_user()
    return browser.client.post(path, data=data, query_string=query)


def _all_routes(app):
    return routes(app, static=True)


def test_bad_ids_in_the_path(app, order, people, browser):
    for endpoint, rule, methods in _all_routes(app):
        if "order_id" not in rule.arguments and "token" not in rule.arguments:
            continue
        browser.login(visitor_for(endpoint, people))
        for bad in BAD_IDS:
            path = route_path(rule, order)
            if "order_id" in rule.arguments:
                path = path.replace(f"/{order.id}/", f"/{bad}/")
                if path.endswith(f"/{order.id}"):
                    path = path[: -len(str(order.id))] + bad
            else:
                path = route_path(rule, order, token=bad)
            for method in methods:
                before = db_state()
                response = _request(browser, method, path)
                where = f"{method} {endpoint} id={bad!r}"
                assert response.status_code in (404, 410), where
                assert_readable(response, where)
                assert db_state() == before, where


@pytest.mark.parametrize("query", BAD_QUERY, ids=lambda q: repr(q)[:40])
def test_bad_query_parameters(app, order, people, browser, query):
    for endpoint, rule, methods in _all_routes(app):
        browser.login(visitor_for(endpoint, people))
        path = route_path(rule, order)
        for method in methods:
            assert_readable(
                _request(browser, method, path, query=query), f"{method} {endpoint} {query!r}"
            )


@pytest.mark.parametrize("form", BAD_FORMS, ids=lambda f: repr(f)[:40])
def test_bad_forms(app, order, people, browser, form):
    for endpoint, rule, methods in _all_routes(app):
        if "POST" not in methods:
            continue
        browser.login(visitor_for(endpoint, people))
        response = _request(browser, "POST", route_path(rule, order), form=form)
        where = f"POST {endpoint} {repr(form)[:80]}"
        assert_readable(response, where)
        if response.status_code in (302, 303):
            # Whatever got through never sends anyone off-site or splits a header.
            location = response.headers["Location"]
            assert "evil" not in location and "\r" not in location and "\n" not in location


# (method, path template, query, form, status, words the answer must contain)
SPECIFIC = [
    ("GET", "/admin/messages", {"page": "abc"}, None, 400, "The page must be a whole number"),
    ("GET", "/admin/messages", {"page": "0"}, None, 400, "between 1 and 1,000,000"),
    ("GET", "/admin/messages", {"page": "10000000"}, None, 400, "between 1 and 1,000,000"),
    ("GET", "/admin/messages", {"filter": "bogus"}, None, 400, "Unknown filter"),
    ("GET", "/admin/messages", {"q": "x" * 10_000}, None, 400, "search is too long"),
    ("GET", "/api/admin/orders/{id}/entries", {"after": "abc"}, None, 400, "whole number"),
    ("POST", "/admin/messages/mark", None, {"action": "bogus"}, 400, "Unknown action"),
    ("POST", "/admin/messages/mark?scope=x", None, {"action": "read"}, 400, "Unknown scope"),
    ("POST", "/admin/messages/mark", None, {"action": "read", "thread_id": "x"}, 400, "whole"),
    ("POST", "/admin/messages/mark", None, {"action": "read", "thread_id": "9" * 25}, 400, "whole"),
    ("POST", "/admin/orders/{id}/messages", None, {"body": "x" * 5001}, 303, "too long"),
    ("POST", "/admin/orders/{id}/messages", None, {"body": "\x00 \t"}, 303, "cannot be empty"),
    ("POST", "/admin/orders/{id}/messages", None, {"body": "z" * 900_000}, 303, "too long"),
    ("POST", "/admin/orders/{id}/dispute/close", None, {"note": "x" * 2001}, 400, "too long"),
    ("POST", "/orders/{id}/dispute/close", None, {}, 303, ""),
    ("POST", "/orders/{id}/dispute/open", None, {"reason": "r" * 1001}, 400, "too long"),
]


@pytest.mark.parametrize(
    ("method", "template", "query", "form", "status", "says"),
    SPECIFIC,
    ids=[f"{m} {t} {repr(q or f)[:30]}" for m, t, q, f, *_ in SPECIFIC],
)
@pytest.mark.usefixtures("host_pages")
def test_refusals_say_why(app, order, people, browser, method, template, query, form, status, says):
    path = P + template.replace("{id}", str(order.id))
    who = people["staff"] if template.startswith(("/admin", "/api/admin")) else people["owner"]
    browser.login(who)
    before = db_state()
    response = _request(browser, method, path, query=query, form=form)
    assert response.status_code == status, response.get_data(as_text=True)[:1000]
    if status == 303 and says:
        # A refused reply goes back to the order page, where the panel says why, text kept.
        assert "om_draft=" in response.headers["Location"]
        assert db_state() == before
        html = follow(browser, response)
        assert says in words(html)
        if (form["body"] or "").strip("\x00 \t"):
            assert form["body"][:100] in html
        return
    if response.is_json:
        assert says in response.get_json()["error"]
    else:
        assert says in words(response.get_data(as_text=True))
    if status >= 400:
        assert db_state() == before
        if form and (form.get("body") or "").strip("\x00 \t") and status == 400:
            # The typed text comes back, so nothing is lost.
            assert form["body"][:100] in response.get_data(as_text=True)


def test_a_body_over_the_hosts_request_limit_gets_a_413_that_says_why(app, order, people, browser):
    app.config["MAX_CONTENT_LENGTH"] = 100_000
    browser.login(people["owner"])
    before = db_state()
    response = _request(
        browser, "POST", f"{P}/orders/{order.id}/messages", form={"body": "z" * 200_000}
    )
    assert response.status_code == 413
    assert "far too long to be a message. Nothing was saved." in words(page_text(response))
    assert db_state() == before


def page_text(response: Any) -> str:
    return response.get_data(as_text=True)  # type: ignore[no-any-return]
