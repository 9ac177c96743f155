"""The JSON API's questions before purchase (customers and staff, the rules of their pages)
and webhook endpoints (staff with the ``webhooks`` permission, the shop's own staff)."""

from __future__ import annotations

import pytest

from flask_order_messages.permissions import WEBHOOKS
from flask_order_messages.services import questions

from . import committing as services
from .api_support import Api, make_token, problem
from .conftest import db, make_order, order_messages
from .host_pages import db_state
from .reconfigure import reconfigure


def threads_state():
    """The database but the tokens' last use (a token's call writes that, and only that)."""
    return [table for table in db_state() if table[0] != "AccessToken"]


def asked(customer, body="Is it dishwasher safe?", key="42"):
    message = questions.ask(key, services.customer_actor(customer), body)
    db.session.commit()
    return message.thread_id


# -- questions before purchase -------------------------------------------------------------


def test_a_customer_asks_staff_answer_and_the_customer_reads(customer, staff, browser):
    carol = Api(browser.login(customer))
    made = carol.post("/product-questions", {"product_key": "42", "body": "Is it dishwasher safe?"})
    assert made.status_code == 201, made.get_json()
    qid = made.get_json()["thread_id"]
    assert made.get_json()["entry"]["body"] == "Is it dishwasher safe?"
    again = carol.post("/product-questions", {"product_key": "42", "body": "And the lid?"})
    assert again.get_json()["thread_id"] == qid  # one question per product and customer
    mine = carol.get("/questions").get_json()["questions"]
    assert [(q["thread_id"], q["product_key"]) for q in mine] == [(qid, "42")]

    admin = Api(browser.login(staff))
    shown = admin.get(f"/staff/questions/{qid}").get_json()
    assert [e["body"] for e in shown["entries"]] == ["Is it dishwasher safe?", "And the lid?"]
    assert shown["unread"] == 2 and shown["order_id"] is None
    assert admin.post(f"/staff/questions/{qid}/read").get_json() == {"changed": 1}
    answer = admin.post(f"/staff/questions/{qid}/messages", {"body": "Yes, both."})
    assert answer.status_code == 201
    note = admin.post(f"/staff/questions/{qid}/messages", {"body": "Ask Bob", "kind": "note"})
    assert note.get_json()["entry"]["kind"] == "note"
    assert admin.post(f"/staff/questions/{qid}/unread").get_json() == {"changed": 1}

    carol = Api(browser.login(customer))
    thread = carol.get(f"/questions/{qid}", limit=2).get_json()
    assert [e["body"] for e in thread["entries"]] == ["Is it dishwasher safe?", "And the lid?"]
    rest = carol.get(f"/questions/{qid}", after=thread["next_after"]).get_json()
    assert [e["body"] for e in rest["entries"]] == ["Yes, both."]  # never the note
    assert carol.get("/questions").get_json()["questions"][0]["unread"] == 1
    assert carol.post(f"/questions/{qid}/read").get_json() == {"changed": 1}
    refused = carol.post(f"/questions/{qid}/messages", {"body": "psst", "kind": "note"})
    assert problem(refused, "validation", 400)["field"] == "kind"


def test_refusals_name_their_field(customer, staff, browser):
    carol = Api(browser.login(customer))
    bad_key = carol.post("/product-questions", {"product_key": "x" * 500, "body": "Hello"})
    assert problem(bad_key, "validation", 400)["field"] == "product_key"
    empty = carol.post("/product-questions", {"product_key": "42", "body": ""})
    assert problem(empty, "validation", 400)["field"] == "body"
    missing = carol.post("/product-questions", {"body": "Hi"})
    assert problem(missing, "validation", 400)["field"] == "product_key"
    admin = Api(browser.login(staff))
    problem(admin.post("/product-questions", {"product_key": "42", "body": "Hi"}), "forbidden", 403)


def test_link_a_question_to_an_order(customer, stranger, staff, browser):
    qid = asked(customer)
    mine, theirs = make_order(customer), make_order(stranger)
    carol = Api(browser.login(customer))
    shown = carol.get(f"/questions/{qid}").get_json()
    assert shown["link_orders"] == [str(mine.id)]
    other = carol.post(f"/questions/{qid}/link", {"order_id": str(theirs.id)})
    made_up = carol.post(f"/questions/{qid}/link", {"order_id": "987654"})
    assert problem(other, "not-found", 404) == problem(made_up, "not-found", 404)
    linked = carol.post(f"/questions/{qid}/link", {"order_id": str(mine.id)})
    assert linked.status_code == 200 and linked.get_json()["order_id"] == str(mine.id)
    assert carol.get(f"/questions/{qid}").get_json()["order_id"] == str(mine.id)
    after = carol.post(f"/questions/{qid}/messages", {"body": "More"})
    problem(after, "dispute-state", 409)  # reply in the order's thread now


def test_a_stranger_and_another_vendors_staff_get_the_made_up_404(
    market, customer, stranger, browser
):
    order_messages.product_vendor(lambda key: {"42": "acme"}.get(key))
    try:
        qid = asked(market.carol)
        tokens = {user.id: make_token(user) for user in (market.dan, market.ben)}
        before = threads_state()
        for user, by_token, base in (
            (market.dan, False, "/questions"),
            (market.dan, True, "/questions"),
            (market.ben, False, "/staff/questions"),
            (market.ben, True, "/staff/questions"),
        ):
            if by_token:
                api = Api(browser.login(None), token=tokens[user.id])
            else:
                api = Api(browser.login(user))
            theirs = api.get(f"{base}/{qid}")
            made_up = api.get(f"{base}/987654")
            assert problem(theirs, "not-found", 404) == problem(made_up, "not-found", 404)
            problem(api.post(f"{base}/{qid}/messages", {"body": "Mine?"}), "not-found", 404)
            problem(api.post(f"{base}/{qid}/read"), "not-found", 404)
            problem(api.post(f"{base}/{qid}/link", {"order_id": "1"}), "not-found", 404)
            problem(api.get(f"{base}/abc"), "not-found", 404)
        assert threads_state() == before
        assert Api(browser.login(market.ann)).get(f"/staff/questions/{qid}").status_code == 200
    finally:
        vars(order_messages.hooks).pop("product_vendor", None)


# -- webhooks --------------------------------------------------------------------------------


@pytest.fixture
def private_ok(app):
    reconfigure(app, WEBHOOK_ALLOW_PRIVATE=True)


def test_webhook_endpoints_through_the_api(app, staff, browser, private_ok):
    admin = Api(browser.login(staff))
    listed = admin.get("/staff/webhooks").get_json()
    assert listed["endpoints"] == [] and "message.posted" in listed["events"]
    made = admin.post(
        "/staff/webhooks/new",
        {"url": "http://127.0.0.1:9/a", "events": ["message.posted"], "description": "CRM"},
    )
    assert made.status_code == 201, made.get_json()
    created = made.get_json()
    assert created["secret"].startswith("whsec_")
    eid = created["endpoint"]["id"]
    shown = admin.get(f"/staff/webhooks/{eid}").get_json()
    assert "secret" not in shown and shown["events"] == ["message.posted"]
    assert created["secret"] not in admin.get("/staff/webhooks").get_data(as_text=True)

    changed = admin.post(f"/staff/webhooks/{eid}/edit", {"events": ["dispute.opened"]})
    assert changed.get_json()["events"] == ["dispute.opened"]
    assert changed.get_json()["url"] == "http://127.0.0.1:9/a"  # what was not sent stays
    bad = admin.post(f"/staff/webhooks/{eid}/edit", {"events": ["nope"]})
    assert problem(bad, "validation", 400)["field"] == "events"
    admin.post("/staff/webhooks/new", {"url": "http://127.0.0.1:9/b", "events": ["dispute.opened"]})
    taken = admin.post(f"/staff/webhooks/{eid}/edit", {"url": "http://127.0.0.1:9/b"})
    assert problem(taken, "validation", 400)["field"] == "url"

    off = admin.post(f"/staff/webhooks/{eid}/active", {"active": False})
    assert off.get_json()["active"] is False
    sent = admin.post(f"/staff/webhooks/{eid}/test")
    assert sent.status_code == 202 and sent.get_json()["event"] == "webhook.test"
    deliveries = admin.get(f"/staff/webhooks/{eid}/deliveries").get_json()["deliveries"]
    assert [d["event"] for d in deliveries] == ["webhook.test"]
    assert deliveries[0]["status"] == "pending"  # the endpoint is off: it waits
    older = admin.get(f"/staff/webhooks/{eid}/deliveries", before=deliveries[0]["id"])
    assert older.get_json()["deliveries"] == []
    assert admin.post(f"/staff/webhooks/{eid}/delete").status_code == 204
    problem(admin.get(f"/staff/webhooks/{eid}"), "not-found", 404)
    problem(admin.post(f"/staff/webhooks/{eid}/test"), "not-found", 404)


def test_a_refused_url_saves_nothing(app, staff, browser):
    admin = Api(browser.login(staff))
    before = db_state()
    got = admin.post("/staff/webhooks/new", {"url": "http://127.0.0.1:9/", "events": ["x.y"]})
    assert problem(got, "validation", 400)["field"] == "url"
    assert db_state() == before


def test_who_may_manage_webhooks_through_the_api(
    app, staff, customer, browser, monkeypatch, market
):
    from .test_permissions import install_rights

    problem(Api(browser.login(customer)).get("/staff/webhooks"), "forbidden", 403)
    vendor = Api(browser.login(None), token=make_token(market.ann))
    said = problem(vendor.get("/staff/webhooks"), "forbidden", 403)["detail"]
    assert "managed by the marketplace's staff" in said
    reader = Api(browser.login(None), token=make_token(staff, scope="read"))
    assert reader.get("/staff/webhooks").status_code == 200
    problem(reader.post("/staff/webhooks/new", {"url": "https://x.example/"}), "token-scope", 403)
    rights = install_rights(monkeypatch)
    rights.take(staff, WEBHOOKS)
    got = problem(Api(browser.login(staff)).get("/staff/webhooks"), "permission-missing", 403)
    assert got["permission"] == "webhooks"
    rights.denied.clear()
    reconfigure(app, WEBHOOKS_ENABLED=False)
    problem(Api(browser.login(staff)).get("/staff/webhooks"), "feature-off", 404)
