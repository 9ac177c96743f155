"""The OpenAPI document: served, valid OpenAPI 3.1, and complete -- every route of the API
in the URL map is in it with its method, path and query parameters, request body and
responses; every answer a walk through the API gets is documented for its operation (status
and media type) and matches its schema."""

from __future__ import annotations

import re

import jsonschema
import pytest
from openapi_spec_validator import validate

from flask_order_messages.api.registry import BASE, ROUTES

from . import committing as services
from .api_support import Api
from .reconfigure import reconfigure

DOC = "/order-messages/api/openapi.json"


@pytest.fixture
def doc(browser):
    response = browser.login(None).get(DOC)
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def test_the_document_is_valid_openapi_3_1(doc):
    validate(doc)
    assert doc["openapi"].startswith("3.1")


def _api_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("order_messages.") and (
            "/api/v1/" in rule.rule or rule.rule.endswith("/api/openapi.json")
        ):
            yield rule


def _doc_path(rule) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)


def test_every_route_of_the_url_map_is_in_the_document(app, doc):
    found = 0
    for rule in _api_rules(app):
        path = _doc_path(rule)
        assert path in doc["paths"], f"{rule.rule} is missing from the OpenAPI document"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            op = doc["paths"][path].get(method.lower())
            assert op is not None, f"{method} {rule.rule} is missing from the document"
            assert op["operationId"] == rule.endpoint.removeprefix("order_messages.")
            documented = {p["name"] for p in op["parameters"] if p["in"] == "path"}
            assert documented == set(rule.arguments), rule.rule
            found += 1
    assert found == len(ROUTES)
    # ... and nothing in the document that is no route.
    rules = {(_doc_path(r), m.lower()) for r in _api_rules(app) for m in r.methods}
    for path, item in doc["paths"].items():
        for method in item:
            assert (path, method) in rules, f"{method} {path} is documented but no route"


def test_every_parameter_and_body_field_is_documented(doc):
    for route in ROUTES:
        path = "/order-messages" + re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", route.rule)
        op = doc["paths"][path][route.method.lower()]
        names = {p["name"] for p in op["parameters"] if p["in"] == "query"}
        expected = set(route.query.model_fields) if route.query is not None else set()
        assert names == expected, route.endpoint
        if route.body is not None:
            ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            schema = doc["components"]["schemas"][ref.rsplit("/", 1)[1]]
            assert set(schema["properties"]) == set(route.body.model_fields), route.endpoint
        assert str(route.status) in op["responses"], route.endpoint
        assert route.rule.startswith(BASE) or route.endpoint == "api_openapi"


def _resolver(doc):
    schemas = doc["components"]["schemas"]

    def resolve(schema):
        # A self-contained schema: the components under $defs, refs pointed at them.
        text = jsonschema_text(schema)
        return {**text, "$defs": {k: jsonschema_text(v) for k, v in schemas.items()}}

    return resolve


def jsonschema_text(schema):
    import json

    raw = json.dumps(schema).replace("#/components/schemas/", "#/$defs/")
    return json.loads(raw)


def check_answer(doc, route, response) -> None:
    """``response`` is documented for ``route`` (status, media type) and fits its schema."""
    path = "/order-messages" + re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", route.rule)
    op = doc["paths"][path][route.method.lower()]
    where = f"{route.method} {path} -> {response.status_code}"
    answer = op["responses"].get(str(response.status_code))
    assert answer is not None, f"{where}: status not documented"
    if "content" not in answer:
        assert not response.get_data(), where
        return
    if "*/*" in answer["content"]:  # a file, whatever its type
        assert response.get_data() and response.mimetype != "application/json", where
        return
    assert response.mimetype in answer["content"], f"{where}: {response.mimetype} not documented"
    schema = answer["content"][response.mimetype]["schema"]
    jsonschema.validate(response.get_json(), _resolver(doc)(schema))


def test_a_walk_through_every_route_gets_documented_answers(
    app, doc, order, staff, customer, stranger, browser, as_customer, as_staff
):
    services.post_message(order, as_customer, "Where is my parcel?")
    services.post_message(order, as_staff, "It left today.")
    by_name = {r.endpoint: r for r in ROUTES}
    staff_api = Api(browser.login(staff))

    def call(api, name, body=None, **query):
        route = by_name[name]
        path = route.rule.removeprefix(BASE)
        path = path.replace("<order_id>", str(order.id)).replace("<reply_id>", str(reply_id[0]))
        path = path.replace("<thread_id>", str(ids.get("question", 987654)))
        path = path.replace("<int:endpoint_id>", str(ids.get("webhook", 987654)))
        path = re.sub(r"<[^<>]*attachment_id>", str(ids.get("attachment", 987654)), path)
        if route.method == "GET":
            response = api.get(path, **query)
        else:
            response = api.post(path, body or {})
        check_answer(doc, route, response)
        return response

    reply_id = [987654]
    ids: dict[str, int] = {}
    seen = set()
    for api, names in (
        (
            staff_api,
            [
                ("api_staff_threads", None, {"q": "parcel"}),
                ("api_staff_threads", None, {"filter": "bad"}),
                ("api_staff_thread", None, {"limit": 1}),
                ("api_staff_counts", None, {}),
                ("api_staff_post", {"body": "More"}, {}),
                ("api_staff_post", {"body": ""}, {}),
                ("api_staff_thread_read", None, {}),
                ("api_staff_thread_unread", None, {}),
                ("api_staff_mark", {"action": "read"}, {}),
                ("api_staff_mark", {"action": "sideways"}, {}),
                ("api_staff_assign", {"assignee": "me"}, {}),
                ("api_staff_status", {"status": "waiting"}, {}),
                ("api_staff_bulk_assign", {"thread_ids": [1], "assignee": ""}, {}),
                ("api_staff_bulk_status", {"thread_ids": [1], "status": "closed"}, {}),
                ("api_staff_dispute_open", {"reason": "Checking"}, {}),
                ("api_staff_dispute_open", {"reason": "Again"}, {}),
                ("api_staff_dispute_close", {"note": "Done"}, {}),
                ("api_staff_dispute_reopen", {"note": "Again"}, {}),
                ("api_staff_canned_create", {"title": "Hi", "body": "Hello"}, {}),
                ("api_staff_canned_list", None, {}),
            ],
        ),
    ):
        for name, body, query in names:
            response = call(api, name, body, **query)
            if name == "api_staff_canned_create":
                reply_id[0] = response.get_json()["id"]
            seen.add(name)
    call(staff_api, "api_staff_canned_update", {"title": "Hi", "body": "Hey"})
    call(staff_api, "api_staff_canned_delete")
    call(staff_api, "api_staff_canned_delete")  # 404 now
    seen |= {"api_staff_canned_update", "api_staff_canned_delete"}
    services.close_dispute(order, as_staff)
    carol = Api(browser.login(customer))
    for name, body, query in [
        ("api_customer_threads", None, {}),
        ("api_customer_thread", None, {"after": 0}),
        ("api_customer_counts", None, {}),
        ("api_customer_post", {"body": "Thanks"}, {}),
        ("api_customer_thread_read", None, {}),
        ("api_customer_thread_unread", None, {}),
        ("api_customer_mark", {"action": "read", "thread_ids": [1]}, {}),
        ("api_customer_dispute_open", {"reason": "Broken"}, {}),
        ("api_customer_dispute_close", {}, {}),
        ("api_customer_dispute_reopen", {"note": "Still"}, {}),
        ("api_customer_dispute_reopen", {"note": "Still"}, {}),
        ("api_staff_threads", None, {}),  # 403 for a customer
    ]:
        call(carol, name, body, **query)
        seen.add(name)
    # Questions before purchase: the customer asks, staff answer and link it.
    asked = call(carol, "api_customer_question_ask", {"product_key": "42", "body": "Safe?"})
    ids["question"] = asked.get_json()["thread_id"]
    for name, body, query in [
        ("api_customer_question_ask", {"product_key": ""}, {}),
        ("api_customer_questions", None, {}),
        ("api_customer_question", None, {"limit": 1}),
        ("api_customer_question_post", {"body": "And?"}, {}),
        ("api_customer_question_read", None, {}),
    ]:
        call(carol, name, body, **query)
        seen.add(name)
    staff_api = Api(browser.login(staff))
    for name, body, query in [
        ("api_staff_question", None, {}),
        ("api_staff_question_post", {"body": "Yes", "kind": "note"}, {}),
        ("api_staff_question_read", None, {}),
        ("api_staff_question_unread", None, {}),
        ("api_staff_question_link", {"order_id": "987654"}, {}),
        ("api_staff_webhooks", None, {}),
        ("api_staff_webhook_create", {"url": "ftp://x/", "events": ["message.posted"]}, {}),
        ("api_staff_webhook", None, {}),  # 404
    ]:
        call(staff_api, name, body, **query)
        seen.add(name)
    reconfigure(app, WEBHOOK_ALLOW_PRIVATE=True)
    made = call(
        staff_api,
        "api_staff_webhook_create",
        {"url": "http://127.0.0.1:9/h", "events": ["message.posted"]},
    )
    ids["webhook"] = made.get_json()["endpoint"]["id"]
    for name, body, query in [
        ("api_staff_webhook", None, {}),
        ("api_staff_webhook_update", {"description": "CRM"}, {}),
        ("api_staff_webhook_active", {"active": False}, {}),
        ("api_staff_webhook_test", None, {}),
        ("api_staff_webhook_rotate", None, {}),
        ("api_staff_webhook_deliveries", None, {"limit": 5}),
        ("api_staff_webhook_delete", None, {}),
    ]:
        call(staff_api, name, body, **query)
        seen.add(name)
    call(Api(browser.login(customer)), "api_customer_question_link", {"order_id": str(order.id)})
    seen.add("api_customer_question_link")
    # Attachment files, by the url an entry lists.
    from .host_pages import add_attachment

    ids["attachment"] = add_attachment(order, as_customer).id
    services.commit()
    call(Api(browser.login(staff)), "api_staff_attachment")
    call(Api(browser.login(customer)), "api_customer_attachment")
    seen |= {"api_staff_attachment", "api_customer_attachment"}
    nobody = Api(browser.login(None))
    for name in ("api_customer_threads", "api_staff_thread"):
        call(nobody, name)
    check_answer(doc, by_name["api_openapi"], browser.get(DOC))
    seen.add("api_openapi")
    assert seen == set(by_name), f"not walked: {set(by_name) - seen}"
