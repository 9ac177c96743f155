"""Every redirect the extension makes carries only bounded, validated parameters.

Each route of the blueprint is sent hostile parameters, in the form and in the query string:
a 1 MiB search term and ``next`` path (64 KiB in a query string, already eight times what
gunicorn or nginx take in a request line: a test client's work on a longer URL was most of
this module's time), unknown filter values, a page number of a thousand
digits, a vendor key of 10,000 characters, parameters nobody knows.  Whatever answers with a
redirect has a short ``Location`` (at most 2 KiB) that carries only the parameters the
extension itself uses, with none of the hostile values in it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from flask_order_messages.extension import current_order_messages as ext

from . import committing as services
from .host_pages import P, route_path
from .test_bad_params import _all_routes, _request, visitor_for

MiB = 1024 * 1024
IN_A_QUERY = 64 * 1024
MAX_LOCATION = 2048

#: The query parameters a redirect of ours may carry.
KNOWN = {
    # the Messages section's own (its search, filters, page) and what a bulk action did
    *("q", "filter", "page", "view", "status", "due", "vendor", "marked", "count", "of"),
    # a refused post's kept draft, the canned replies' and webhooks' notices, a return path
    *("om_draft", "done", "next", "created", "canned"),
}

HOSTILE_LIST = {
    "filter": "bogus" * 2000,
    "page": "9" * 1000,
    "view": "everyone" * 1000,
    "status": "<script>" * 1000,
    "due": "later" * 1000,
    "vendor": "v" * 10_000,
    "junk_parameter": "j" * 10_000,
}
VARIANTS = {
    "a huge search term and next path": {
        **HOSTILE_LIST,
        "q": "x" * MiB,
        "next": "/account/" + "n" * MiB,
    },
    "hostile filters with a fair search": {**HOSTILE_LIST, "q": "parcel", "next": "/ok"},
}
POST_FIELDS = {"body": "hello", "reason": "why", "note": "n", "action": "read"}


@pytest.fixture
def people(staff, customer, stranger, order):
    services.post_message(order, services.customer_actor(customer), "Where is my parcel?")
    services.open_dispute(order, services.customer_actor(customer), "Late")
    return {"owner": customer, "staff": staff, "other": stranger}


def query_names(url: str) -> set[str]:
    return {name for name, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True)}


def hosts_own(order: Any) -> set[str]:
    """The parameters of the host's own order pages (``?tab=messages``), where posts return."""
    return query_names(ext.thread_url(order, "staff")) | query_names(
        ext.thread_url(order, "customer")
    )


def check_location(location: str, where: str, known: set[str]) -> None:
    assert len(location) <= MAX_LOCATION, f"{where}: a Location of {len(location):,} characters"
    names = query_names(location)
    assert names <= known, f"{where}: unknown parameters {sorted(names - known)} in {location}"
    for bad in ("bogus", "999999", "everyone", "script", "later", "vvvvvv", "jjjjjj"):
        assert bad not in location, f"{where}: {bad!r} came back in {location[:300]}"


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_redirect_carries_only_bounded_known_parameters(app, order, people, browser, variant):
    hostile = VARIANTS[variant]
    in_query = {name: value[:IN_A_QUERY] for name, value in hostile.items()}
    known = KNOWN | hosts_own(order)
    redirects = 0
    for endpoint, rule, methods in _all_routes(app):
        browser.login(visitor_for(endpoint, people))
        path = route_path(rule, order)
        for method in methods:
            for query, form in ((in_query, None), (None, {**POST_FIELDS, **hostile})):
                if method == "GET" and form is not None:
                    continue
                response = _request(browser, method, path, query=query, form=form)
                where = f"{method} {endpoint} ({'query' if query else 'form'})"
                assert response.status_code < 500, where
                if 300 <= response.status_code < 400:
                    redirects += 1
                    check_location(response.headers["Location"], where, known)
                response.close()
    # Posts, marks, disputes, the team's bulk actions: the walk met many redirects.
    assert redirects >= 10


def test_marking_all_with_an_oversized_search_is_refused(app, order, people, browser):
    browser.login(people["staff"])
    response = browser.post(
        f"{P}/admin/messages/mark?scope=all", {"action": "read", "q": "x" * MiB}
    )
    assert response.status_code == 400
    assert "search is too long" in response.get_data(as_text=True)


def test_marking_all_keeps_the_lists_valid_parameters(app, order, people, browser):
    browser.login(people["staff"])
    response = browser.post(
        f"{P}/admin/messages/mark?scope=all",
        {"action": "read", "q": "parcel", "filter": "unread", "page": "2", "junk": "1"},
    )
    assert response.status_code == 303
    query = dict(parse_qsl(urlsplit(response.headers["Location"]).query))
    assert query == {"q": "parcel", "filter": "unread", "page": "2", "marked": "read", "count": "1"}
