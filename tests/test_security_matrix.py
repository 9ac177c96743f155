"""The access matrix: every route of the blueprint x every kind of visitor x GET and POST.

The routes come from the app's URL map, so a route added later fails
``test_every_route_is_in_the_matrix`` until someone writes down who may use it.  The expected
status of each cell is written in :data:`MATRIX` by hand, not derived from the code under test.
Each POST carries a valid CSRF token and plausible form data, so a POST that got through would
really change something; every refused cell is checked to have changed nothing at all
(messages, threads, disputes, read pointers, outbox).

Visitors: anonymous; the order's own customer ("owner"); another customer ("other"); staff.
The order in every URL belongs to the owner.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from . import committing as services
from .host_pages import PNG, db_state, route_path
from .reconfigure import reconfigure
from .snapshots import seeded
from .test_access import FORM, call, routes


def ask_about_product(actor, body: str) -> None:
    """``actor`` asks about a product, saved as a host's request would."""
    from flask_order_messages.services import questions
    from flask_order_messages.transactions import commit

    questions.ask("kettle", actor, body)
    commit()


VISITORS = ("anonymous", "owner", "other", "staff")

# State each route's cells start from: "thread" = the owner wrote, staff answered;
# "dispute" = the same plus a dispute the owner opened (so closing it can succeed).
THREAD, DISPUTE = "thread", "dispute"
#: "closed" = the dispute the owner opened, closed again by staff (so reopening can succeed).
CLOSED = "closed"

#: (state, {method: (anonymous, owner, other, staff)}).  405: the route has no such method.
#: 302 is the host's login page (anonymous visitors only); 401 is the JSON endpoints' answer.
MATRIX: dict[str, tuple[str, dict[str, tuple[int, int, int, int]]]] = {
    # Staff pages: closed to customers (403), the order's existence is no secret to staff.
    "staff_messages": (THREAD, {"GET": (302, 403, 403, 200), "POST": (405, 405, 405, 405)}),
    "staff_mark": (THREAD, {"GET": (405, 405, 405, 405), "POST": (302, 403, 403, 303)}),
    "staff_thread": (THREAD, {"GET": (302, 403, 403, 200), "POST": (405, 405, 405, 405)}),
    "staff_post": (THREAD, {"GET": (405, 405, 405, 405), "POST": (302, 403, 403, 303)}),
    "staff_mark_unread": (THREAD, {"GET": (405, 405, 405, 405), "POST": (302, 403, 403, 303)}),
    # Team inbox: assign and set the status of one thread, or of the ticked ones.
    "staff_assign": (THREAD, {"GET": (405, 405, 405, 405), "POST": (302, 403, 403, 303)}),
    "staff_status": (THREAD, {"GET": (405, 405, 405, 405), "POST": (302, 403, 403, 303)}),
    "staff_bulk_assign": (THREAD, {"GET": (405, 405, 405, 405), "POST": (302, 403, 403, 303)}),
    "staff_bulk_status": (THREAD, {"GET": (405, 405, 405, 405), "POST": (302, 403, 403, 303)}),
    "staff_dispute_open": (THREAD, {"GET": (302, 403, 403, 200), "POST": (302, 403, 403, 303)}),
    "staff_dispute_close": (
        DISPUTE,
        {"GET": (302, 403, 403, 200), "POST": (302, 403, 403, 303)},
    ),
    # Customer pages: only the owner; anyone else, staff included, gets the 404 a made-up
    # order gets.
    "customer_thread": (THREAD, {"GET": (302, 200, 404, 404), "POST": (405, 405, 405, 405)}),
    "customer_post": (THREAD, {"GET": (405, 405, 405, 405), "POST": (302, 303, 404, 404)}),
    "customer_dispute_open": (
        THREAD,
        {"GET": (302, 200, 404, 404), "POST": (302, 303, 404, 404)},
    ),
    "customer_dispute_close": (
        DISPUTE,
        {"GET": (302, 200, 404, 404), "POST": (302, 303, 404, 404)},
    ),
    # Questions before purchase: the owner asked about a product (see ``people``).  The
    # customer's pages are the asker's; anyone else, staff included, gets a made-up id's 404.
    # Staff may not ask (403); another customer asking makes their own question.  Linking
    # to the owner's order is refused (409): the order has a conversation already.
    "customer_questions": (THREAD, {"GET": (302, 200, 200, 200), "POST": (405, 405, 405, 405)}),
    "customer_ask": (THREAD, {"GET": (405, 405, 405, 405), "POST": (302, 303, 303, 403)}),
    "customer_question": (THREAD, {"GET": (302, 200, 404, 404), "POST": (405, 405, 405, 405)}),
    "customer_question_post": (
        THREAD,
        {"GET": (405, 405, 405, 405), "POST": (302, 303, 404, 404)},
    ),
    "customer_question_link": (
        THREAD,
        {"GET": (405, 405, 405, 405), "POST": (302, 409, 404, 404)},
    ),
    "staff_question": (THREAD, {"GET": (302, 403, 403, 200), "POST": (405, 405, 405, 405)}),
    "staff_question_post": (THREAD, {"GET": (405, 405, 405, 405), "POST": (302, 403, 403, 303)}),
    "staff_question_unread": (
        THREAD,
        {"GET": (405, 405, 405, 405), "POST": (302, 403, 403, 303)},
    ),
    "staff_question_link": (THREAD, {"GET": (405, 405, 405, 405), "POST": (302, 403, 403, 409)}),
    # JSON endpoints: 401 in JSON for anonymous scripts, never the login page.
    "api_counts": (THREAD, {"GET": (401, 200, 200, 200), "POST": (405, 405, 405, 405)}),
    "api_staff_entries": (THREAD, {"GET": (401, 403, 403, 200), "POST": (405, 405, 405, 405)}),
    "api_customer_entries": (
        THREAD,
        {"GET": (401, 200, 404, 404), "POST": (405, 405, 405, 405)},
    ),
    # The live question page's entries: the asker's, and staff's; a made-up id's 404 else.
    "api_staff_question_entries": (
        THREAD,
        {"GET": (401, 403, 403, 200), "POST": (405, 405, 405, 405)},
    ),
    "api_customer_question_entries": (
        THREAD,
        {"GET": (401, 200, 404, 404), "POST": (405, 405, 405, 405)},
    ),
    # Staff presence (live pages): a staff page's heartbeat, and the Messages list's refresh.
    "api_staff_presence": (THREAD, {"GET": (405, 405, 405, 405), "POST": (401, 403, 403, 200)}),
    "api_staff_presence_list": (
        THREAD,
        {"GET": (401, 403, 403, 200), "POST": (405, 405, 405, 405)},
    ),
    # The guest link from the customer's mail is a bearer link: whoever holds a valid one
    # reads and replies as the order's customer; the owner, logged in, goes to their order.
    "guest_thread": (THREAD, {"GET": (200, 303, 200, 200), "POST": (303, 303, 303, 303)}),
    # Attachment files: whoever may read the thread (staff; the owner; a guest link, which is
    # a bearer link like the guest thread), the same 404 as a missing file for anyone else.
    "staff_attachment": (THREAD, {"GET": (302, 403, 403, 200), "POST": (405, 405, 405, 405)}),
    "customer_attachment": (
        THREAD,
        {"GET": (302, 200, 404, 404), "POST": (405, 405, 405, 405)},
    ),
    "guest_attachment": (THREAD, {"GET": (200, 200, 200, 200), "POST": (405, 405, 405, 405)}),
    # The response-time insight page: staff only.
    "staff_insight": (THREAD, {"GET": (302, 403, 403, 200), "POST": (405, 405, 405, 405)}),
    # Canned replies: staff only.  The form data carries no title (POST new: 400) and no
    # reply id (POST edit / delete: 404); a GET without an id lists the replies to choose.
    "staff_canned_replies": (
        THREAD,
        {"GET": (302, 403, 403, 200), "POST": (405, 405, 405, 405)},
    ),
    "staff_canned_new": (THREAD, {"GET": (302, 403, 403, 200), "POST": (302, 403, 403, 400)}),
    "staff_canned_edit": (THREAD, {"GET": (302, 403, 403, 200), "POST": (302, 403, 403, 404)}),
    "staff_canned_delete": (
        THREAD,
        {"GET": (302, 403, 403, 200), "POST": (302, 403, 403, 404)},
    ),
    # Webhooks: staff only.  The form data names no URL (POST: 400) and the made-up endpoint
    # does not exist (404).
    "staff_webhooks": (THREAD, {"GET": (302, 403, 403, 200), "POST": (302, 403, 403, 400)}),
    "staff_webhook_switch": (
        THREAD,
        {"GET": (405, 405, 405, 405), "POST": (302, 403, 403, 404)},
    ),
    "staff_webhook_test": (THREAD, {"GET": (405, 405, 405, 405), "POST": (302, 403, 403, 404)}),
    "staff_webhook_rotate": (THREAD, {"GET": (405,) * 4, "POST": (302, 403, 403, 404)}),
    "staff_webhook_delete": (
        THREAD,
        {"GET": (302, 403, 403, 404), "POST": (302, 403, 403, 404)},
    ),
    # Personal access tokens: staff only, their own.  The form data names no scope (POST: 400)
    # and no token id (revoke: the 404 of a made-up one).
    "staff_tokens": (THREAD, {"GET": (302, 403, 403, 200), "POST": (302, 403, 403, 400)}),
    "staff_token_revoke": (THREAD, {"GET": (405, 405, 405, 405), "POST": (302, 403, 403, 404)}),
    # Reopening the dispute the owner opened and staff closed: staff or that customer.
    "staff_dispute_reopen": (
        CLOSED,
        {"GET": (302, 403, 403, 200), "POST": (302, 403, 403, 303)},
    ),
    "customer_dispute_reopen": (
        CLOSED,
        {"GET": (302, 200, 404, 404), "POST": (302, 303, 404, 404)},
    ),
    # A mail provider's inbound hook: a shared secret, never a session.  This app sets no
    # secret, so it is not there for anyone (tests/test_inbound_http.py: with a secret).
    "inbound_mail": (THREAD, {"GET": (405, 405, 405, 405), "POST": (404, 404, 404, 404)}),
    # The JSON API (api/): a Problem Details 401 for nobody; staff routes 403 to anyone
    # else, customer routes the made-up order's 404.  Bodies as the access tests send them
    # (a form): no ids for the bulk team forms, no title for a canned reply (400).
    "api_openapi": (THREAD, {"GET": (200, 200, 200, 200), "POST": (405, 405, 405, 405)}),
    "api_staff_threads": (THREAD, {"GET": (401, 403, 403, 200), "POST": (405, 405, 405, 405)}),
    "api_staff_thread": (THREAD, {"GET": (401, 403, 403, 200), "POST": (405, 405, 405, 405)}),
    "api_staff_counts": (THREAD, {"GET": (401, 403, 403, 200), "POST": (405, 405, 405, 405)}),
    "api_staff_post": (THREAD, {"GET": (405, 405, 405, 405), "POST": (401, 403, 403, 201)}),
    "api_staff_thread_read": (THREAD, {"GET": (405, 405, 405, 405), "POST": (401, 403, 403, 200)}),
    "api_staff_thread_unread": (
        THREAD,
        {"GET": (405, 405, 405, 405), "POST": (401, 403, 403, 200)},
    ),
    "api_staff_mark": (THREAD, {"GET": (405, 405, 405, 405), "POST": (401, 403, 403, 200)}),
    "api_staff_assign": (THREAD, {"GET": (405, 405, 405, 405), "POST": (401, 403, 403, 200)}),
    "api_staff_status": (THREAD, {"GET": (405, 405, 405, 405), "POST": (401, 403, 403, 200)}),
    "api_staff_bulk_assign": (THREAD, {"GET": (405, 405, 405, 405), "POST": (401, 403, 403, 400)}),
    "api_staff_bulk_status": (THREAD, {"GET": (405, 405, 405, 405), "POST": (401, 403, 403, 400)}),
    "api_staff_dispute_open": (THREAD, {"GET": (405, 405, 405, 405), "POST": (401, 403, 403, 200)}),
    "api_staff_dispute_close": (
        DISPUTE,
        {"GET": (405, 405, 405, 405), "POST": (401, 403, 403, 200)},
    ),
    "api_staff_dispute_reopen": (
        CLOSED,
        {"GET": (405, 405, 405, 405), "POST": (401, 403, 403, 200)},
    ),
    "api_staff_canned_list": (THREAD, {"GET": (401, 403, 403, 200), "POST": (405, 405, 405, 405)}),
    "api_staff_canned_create": (
        THREAD,
        {"GET": (405, 405, 405, 405), "POST": (401, 403, 403, 400)},
    ),
    "api_staff_canned_update": (
        THREAD,
        {"GET": (405, 405, 405, 405), "POST": (401, 403, 403, 404)},
    ),
    "api_staff_canned_delete": (
        THREAD,
        {"GET": (405, 405, 405, 405), "POST": (401, 403, 403, 404)},
    ),
    "api_customer_threads": (THREAD, {"GET": (401, 200, 200, 200), "POST": (405, 405, 405, 405)}),
    "api_customer_counts": (THREAD, {"GET": (401, 200, 200, 200), "POST": (405, 405, 405, 405)}),
    "api_customer_thread": (THREAD, {"GET": (401, 200, 404, 404), "POST": (405, 405, 405, 405)}),
    "api_customer_post": (THREAD, {"GET": (405, 405, 405, 405), "POST": (401, 201, 404, 404)}),
    "api_customer_thread_read": (
        THREAD,
        {"GET": (405, 405, 405, 405), "POST": (401, 200, 404, 404)},
    ),
    "api_customer_thread_unread": (
        THREAD,
        {"GET": (405, 405, 405, 405), "POST": (401, 200, 404, 404)},
    ),
    "api_customer_mark": (THREAD, {"GET": (405, 405, 405, 405), "POST": (401, 200, 200, 200)}),
    "api_customer_dispute_open": (
        THREAD,
        {"GET": (405, 405, 405, 405), "POST": (401, 200, 404, 404)},
    ),
    "api_customer_dispute_close": (
        DISPUTE,
        {"GET": (405, 405, 405, 405), "POST": (401, 200, 404, 404)},
    ),
    "api_customer_dispute_reopen": (
        CLOSED,
        {"GET": (405, 405, 405, 405), "POST": (401, 200, 404, 404)},
    ),
    # Questions before purchase through the JSON API (the owner asked about "kettle"): the
    # asker's and staff's; anyone else the made-up id's 404.  Staff may not ask (403); the
    # owner's order has a thread already, so linking is refused (409).
    "api_customer_questions": (THREAD, {"GET": (401, 200, 200, 200), "POST": (405,) * 4}),
    "api_customer_question_ask": (THREAD, {"GET": (405,) * 4, "POST": (401, 201, 201, 403)}),
    "api_customer_question": (THREAD, {"GET": (401, 200, 404, 404), "POST": (405,) * 4}),
    "api_customer_question_post": (
        THREAD,
        {"GET": (405,) * 4, "POST": (401, 201, 404, 404)},
    ),
    "api_customer_question_read": (
        THREAD,
        {"GET": (405,) * 4, "POST": (401, 200, 404, 404)},
    ),
    "api_customer_question_link": (
        THREAD,
        {"GET": (405,) * 4, "POST": (401, 409, 404, 404)},
    ),
    "api_staff_question": (THREAD, {"GET": (401, 403, 403, 200), "POST": (405,) * 4}),
    "api_staff_question_post": (THREAD, {"GET": (405,) * 4, "POST": (401, 403, 403, 201)}),
    "api_staff_question_read": (THREAD, {"GET": (405,) * 4, "POST": (401, 403, 403, 200)}),
    "api_staff_question_unread": (THREAD, {"GET": (405,) * 4, "POST": (401, 403, 403, 200)}),
    "api_staff_question_link": (THREAD, {"GET": (405,) * 4, "POST": (401, 403, 403, 409)}),
    # Webhooks through the JSON API: staff only; no URL in the form (400), the made-up
    # endpoint (404).
    "api_staff_webhooks": (THREAD, {"GET": (401, 403, 403, 200), "POST": (405,) * 4}),
    "api_staff_webhook_create": (THREAD, {"GET": (405,) * 4, "POST": (401, 403, 403, 400)}),
    "api_staff_webhook": (THREAD, {"GET": (401, 403, 403, 404), "POST": (405,) * 4}),
    "api_staff_webhook_update": (THREAD, {"GET": (405,) * 4, "POST": (401, 403, 403, 404)}),
    "api_staff_webhook_active": (THREAD, {"GET": (405,) * 4, "POST": (401, 403, 403, 404)}),
    "api_staff_webhook_delete": (THREAD, {"GET": (405,) * 4, "POST": (401, 403, 403, 404)}),
    "api_staff_webhook_deliveries": (
        THREAD,
        {"GET": (401, 403, 403, 404), "POST": (405,) * 4},
    ),
    "api_staff_webhook_test": (THREAD, {"GET": (405,) * 4, "POST": (401, 403, 403, 404)}),
    "api_staff_webhook_rotate": (THREAD, {"GET": (405,) * 4, "POST": (401, 403, 403, 404)}),
    # Attachment files through the JSON API: as the pages' file routes.
    "api_staff_attachment": (THREAD, {"GET": (401, 403, 403, 200), "POST": (405,) * 4}),
    "api_customer_attachment": (THREAD, {"GET": (401, 200, 404, 404), "POST": (405,) * 4}),
    # The extension's stylesheet and script.
    "static": (THREAD, {"GET": (200, 200, 200, 200), "POST": (405, 405, 405, 405)}),
}

#: Statuses that mean "let through".  Every other status is a refusal and must change nothing.
ALLOWED = {200, 201, 204, 303}
#: Let through, yet with nothing to change for some visitors: marking every thread of a
#: visitor who has none, or that are read already.
MAY_CHANGE_NOTHING = {"staff_mark", "api_customer_mark"}


def _endpoints(app) -> dict[str, tuple[object, list[str]]]:
    return {
        endpoint.removeprefix("order_messages."): (rule, methods)
        for endpoint, rule, methods in routes(app, static=True)
    }


def test_every_route_is_in_the_matrix(app):
    unknown = sorted(set(_endpoints(app)) - set(MATRIX))
    assert not unknown, (
        f"Routes missing from the access matrix: {unknown}. Decide who may use each one and "
        "add a row to MATRIX in tests/test_security_matrix.py."
    )


def test_every_row_of_the_matrix_is_a_route(app):
    gone = sorted(set(MATRIX) - set(_endpoints(app)))
    assert not gone, f"MATRIX rows without a route any more: {gone}; remove them."


def test_methods_in_the_matrix_match_the_routes(app):
    """405 in the table exactly where the route has no such method: the table is not stale."""
    for name, (_rule, methods) in _endpoints(app).items():
        _, cells = MATRIX[name]
        for method in ("GET", "POST"):
            expects_405 = all(code == 405 for code in cells[method])
            assert expects_405 == (method not in methods), (name, method, methods)


@pytest.fixture
def people(staff, customer, stranger, order):
    def seed() -> None:
        as_customer = services.customer_actor(customer)
        services.post_message(order, as_customer, "Where is my parcel?")
        services.post_message(
            order, services.staff_actor(staff), "It left yesterday.", files=[("label.png", PNG)]
        )
        ask_about_product(as_customer, "Will it fit a letterbox?")

    seeded("security_matrix", seed)
    return {"anonymous": None, "owner": customer, "other": stranger, "staff": staff}


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_cell(app, order, customer, people, browser, name, visitor):
    state, cells = MATRIX[name]
    rule, _ = _endpoints(app).get(name, (None, None))
    if rule is None:
        pytest.fail(f"{name} is in MATRIX but no route any more")
    if state in (DISPUTE, CLOSED):
        services.open_dispute(order, services.customer_actor(customer), "It arrived broken")
    if state == CLOSED:
        services.close_dispute(order, services.staff_actor(people["staff"]), note="Refunded")
    path = route_path(rule, order)
    if name == "staff_mark":
        path += "?scope=all"  # so an accepted POST really marks something
    if name in ("staff_bulk_assign", "staff_bulk_status"):
        path += f"?thread_id={services.get_thread(order).id}"  # a ticked row to change
    column = VISITORS.index(visitor)
    browser.login(people[visitor])
    reconfigure(app, POLL_INTERVAL=10)  # live pages: staff presence is on

    for method in ("POST", "GET"):
        expected = cells[method][column]
        before = db_state()
        response = call(browser, method, path, order_id=order.id, product_key="kettle")
        where = f"{method} {name} as {visitor}"
        assert response.status_code == expected, (
            f"{where}: expected {expected}, got {response.status_code}"
        )
        if expected == 302:
            location = urlsplit(response.headers["Location"])
            assert location.path == "/login", where
        if expected not in ALLOWED:
            assert db_state() == before, f"{where} was refused but changed the database"
            body = response.get_data(as_text=True)
            # Refusals never show the thread's words.
            assert "parcel" not in body and "left yesterday" not in body, where
        elif method == "POST" and name not in MAY_CHANGE_NOTHING:
            assert db_state() != before, f"{where} was let through but changed nothing"
        response.close()  # a static file's stream


def test_forged_and_foreign_guest_tokens_are_refused_for_everyone(
    app, order, customer, people, browser
):
    """The guest route with a token that is not a valid one: nobody gets in, nothing changes."""
    from .conftest import make_order

    rule, _ = _endpoints(app)["guest_thread"]
    other_order = make_order(people["other"])
    services.post_message(other_order, services.customer_actor(people["other"]), "Stranger's")
    valid = route_path(rule, order)
    tampered = [
        valid[:-3] + ("aaa" if not valid.endswith("aaa") else "bbb"),  # signature broken
        route_path(rule, order, token="not-a-token"),
        route_path(rule, order, token="x" * 500),
    ]
    for visitor in VISITORS:
        browser.login(people[visitor])
        for path in tampered:
            for method in ("GET", "POST"):
                before = db_state()
                response = call(browser, method, path, order_id=order.id, product_key="kettle")
                assert response.status_code in (404, 410), (visitor, method, path)
                assert db_state() == before, (visitor, method, path)
                body = response.get_data(as_text=True)
                assert "parcel" not in body and FORM["body"] not in body
