"""What the fuzzing of the API (tests/test_api_fuzz.py) found and what it relies on, as
plain tests: an anonymous write is answered "unauthenticated" (it was "csrf", undocumented),
every write documents the "csrf" problem, the document's links name real operations and
fields, and a customer's token never reaches another customer's threads."""

from __future__ import annotations

import re

from flask_order_messages.api.links import LINKS
from flask_order_messages.api.registry import BASE, ROUTES

from .api_fuzz_support import DOC
from .api_support import Api, make_token, problem
from .conftest import make_order
from .host_pages import db_state
from .test_api_openapi import check_answer


def _write_paths(order_id: str) -> dict[str, str]:
    paths = {}
    for route in ROUTES:
        if route.method == "POST":
            path = route.rule.removeprefix(BASE).replace("<order_id>", order_id)
            paths[route.endpoint] = re.sub(r"<[^>]+>", "1", path)  # any other id
    return paths


def test_an_anonymous_write_is_answered_unauthenticated_not_csrf(order, customer, browser):
    """Regression (fuzzing): with no session and no token, every POST of the API answers
    "unauthenticated" (401, documented), not "csrf" (400); nothing is saved."""
    import tests.committing as services
    from flask_order_messages import customer_actor

    services.post_message(order, customer_actor(customer), "Where is my parcel?")
    anonymous = Api(browser.login(None))
    doc = browser.get(DOC).get_json()
    by_name = {r.endpoint: r for r in ROUTES}
    before = db_state()
    for name, path in sorted(_write_paths(str(order.id)).items()):
        for csrf in (False, True):
            got = anonymous.post(path, {"body": "x", "action": "read"}, csrf=csrf)
            problem(got, "unauthenticated", 401)
            check_answer(doc, by_name[name], got)
    assert db_state() == before


def test_a_session_write_without_its_csrf_token_is_still_refused(order, customer, browser):
    """Only the anonymous write skips the check: a logged-in session's write still needs it."""
    session = Api(browser.login(customer))
    before = db_state()
    problem(session.post(f"/orders/{order.id}/read", csrf=False), "csrf", 400)
    problem(session.post(f"/orders/{order.id}/messages", {"body": "Hi"}, csrf=False), "csrf", 400)
    assert db_state() == before


def test_every_write_documents_the_csrf_problem(browser):
    """Regression (fuzzing): POST .../read, .../unread, canned .../delete answered 400 "csrf"
    for a session without its token, and their documents listed no 400."""
    doc = browser.login(None).get(DOC).get_json()
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method == "post":
                assert "400" in op["responses"], f"{method} {path}"
                assert "csrf" in op["responses"]["400"]["description"]


def _schema_at(doc, schema, pointer: str):
    """The schema of the field ``pointer`` (``/threads/0/order_id``) of ``schema``."""
    for part in pointer.strip("/").split("/"):
        if "$ref" in schema:
            schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        schema = schema["items"] if part.isdigit() else schema["properties"][part]
    return schema


def test_every_link_names_an_operation_its_parameter_and_a_field_of_the_answer(browser):
    doc = browser.login(None).get(DOC).get_json()
    operations = {
        op["operationId"]: (path, op) for path, item in doc["paths"].items() for op in item.values()
    }
    followed = 0
    for path, item in doc["paths"].items():
        for op in item.values():
            answers = {code: a for code, a in op["responses"].items() if code.startswith("2")}
            for answer in answers.values():
                for name, link in answer.get("links", {}).items():
                    consumer_path, _ = operations[link["operationId"]]
                    for parameter, expression in link["parameters"].items():
                        assert "{" + parameter + "}" in consumer_path, name
                        if expression.startswith("$request.path."):
                            assert "{" + expression.rsplit(".", 1)[1] + "}" in path, name
                        else:
                            pointer = expression.removeprefix("$response.body#")
                            schema = answer["content"]["application/json"]["schema"]
                            assert _schema_at(doc, schema, pointer), name
                        followed += 1
    assert followed == sum(len(consumers) for consumers, _, _ in LINKS.values())


def test_a_customer_token_never_reaches_another_customers_threads(app, customer, stranger):
    """Carol's token, Dave's (here: the stranger's) thread: not listed, not found by its
    number, not marked, answered as a made-up order.  Regression: marking his thread unread
    listed it under Carol's read floor (a stray row; services/floors.py now scopes it)."""
    import tests.committing as services
    from flask_order_messages import customer_actor

    from .conftest import Browser

    mine, theirs = make_order(customer), make_order(stranger)
    services.post_message(mine, customer_actor(customer), "Mine")
    services.post_message(theirs, customer_actor(stranger), "Theirs")
    their_thread = services.get_thread(theirs).id
    carol = Api(Browser(app).login(None), token=make_token(customer))
    listed = carol.get("/threads").get_json()["threads"]
    assert [t["order_id"] for t in listed] == [str(mine.id)]
    assert carol.get("/threads", q=f"{theirs.id:05d}").get_json()["threads"] == []

    def others() -> list[object]:
        # Everything but Carol's own read floor (her first mark sets it).
        return [
            (name, [r for r in rows if name != "ReadFloor" or r[0] != customer.id])
            for name, rows in db_state()
        ]

    before = others()
    for action in ("read", "unread"):
        got = carol.post("/threads/mark", {"action": action, "thread_ids": [their_thread]})
        assert got.get_json() == {"changed": 0}
    assert others() == before
    made_up = carol.get("/orders/987654321")
    for path in ("", "/read", "/messages", "/dispute/open"):
        call = carol.get if path == "" else carol.post
        got = call(f"/orders/{theirs.id}{path}", **({} if path == "" else {"json": {}}))
        assert (got.status_code, got.get_json()) == (404, made_up.get_json()), path
