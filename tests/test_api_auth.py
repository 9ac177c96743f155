"""Who reaches the JSON API: the session (CSRF on writes), personal access tokens (scoped,
expiring, revocable, hashed; no CSRF), customers' tokens only their own orders; errors as
Problem Details."""

from __future__ import annotations

import hashlib
import inspect
from datetime import timedelta

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from flask_order_messages import access_tokens, current_order_messages
from flask_order_messages.models import utcnow
from flask_order_messages.transactions import commit

from . import committing as services
from .api_support import Api, make_token, problem
from .conftest import db
from .host_pages import db_state


def _tokens() -> list:
    db.session.expire_all()
    t = current_order_messages.models.AccessToken
    return list(db.session.execute(sa.select(t).order_by(t.id)).scalars())


def test_anonymous_gets_a_401_problem(app, order, browser):
    api = Api(browser.login(None))
    for path in ("/staff/threads", "/threads", f"/orders/{order.id}", "/counts"):
        body = problem(api.get(path), "unauthenticated", 401)
        assert body["detail"] == "Log in to see your messages."
    problem(api.post(f"/orders/{order.id}/messages", {"body": "Hi"}), "unauthenticated", 401)


def test_a_customer_gets_403_on_staff_routes_and_404_on_others_orders(
    order, customer, stranger, browser, as_customer
):
    services.post_message(order, as_customer, "Carol's secret")
    sam = Api(browser.login(stranger))
    problem(sam.get("/staff/threads"), "forbidden", 403)
    other = sam.get(f"/orders/{order.id}")
    made_up = sam.get("/orders/987654")
    problem(other, "not-found", 404)
    assert other.get_data() == made_up.get_data()
    assert sam.get("/threads").get_json()["total"] == 0


def test_session_writes_need_the_csrf_token(order, customer, browser):
    api = Api(browser.login(customer))
    before = db_state()
    got = api.post(f"/orders/{order.id}/messages", {"body": "Hello"}, csrf=False)
    problem(got, "csrf", 400)
    assert db_state() == before


def test_a_token_needs_no_csrf_and_is_hashed(order, customer, browser):
    secret = make_token(customer)
    assert secret.startswith("omt_")
    stored = _tokens()[0]
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr([c for c in stored.__table__.columns])
    api = Api(browser.login(None), token=secret)
    got = api.post(f"/orders/{order.id}/messages", {"body": "From my app"})
    assert got.status_code == 201, got.get_json()
    assert _tokens()[0].last_used_at is not None


def test_a_token_ignores_the_session(order, staff, customer, browser):
    """A token request is the token's user, whoever is logged in in that browser."""
    api = Api(browser.login(staff), token=make_token(customer))
    problem(api.get("/staff/threads"), "forbidden", 403)
    assert api.get(f"/orders/{order.id}").status_code == 200


def test_a_customers_token_reaches_only_their_own_orders(order, stranger, browser, as_customer):
    services.post_message(order, as_customer, "Carol's parcel")
    api = Api(browser.login(None), token=make_token(stranger))
    got = api.get(f"/orders/{order.id}")
    problem(got, "not-found", 404)
    assert b"parcel" not in got.get_data()
    assert api.get("/threads").get_json()["threads"] == []


def test_a_read_token_cannot_write(order, staff, customer, browser):
    api = Api(browser.login(None), token=make_token(customer, "read"))
    assert api.get(f"/orders/{order.id}").status_code == 200
    before = db_state()
    for path in (f"/orders/{order.id}/messages", f"/orders/{order.id}/read", "/threads/mark"):
        body = problem(api.post(path, {"body": "x", "action": "read"}), "token-scope", 403)
        assert body["scope"] == "read"
    staff_api = Api(browser, token=make_token(staff, "read"))
    problem(
        staff_api.post(f"/staff/orders/{order.id}/status", {"status": "closed"}), "token-scope", 403
    )
    assert [t.id for t in _tokens()]  # (made above)
    assert db_state()[:-1] == before[:-1]  # nothing but the tokens' last use changed


@pytest.mark.parametrize("what", ["expired", "revoked", "unknown", "malformed"])
def test_expired_revoked_and_made_up_tokens_are_refused(order, customer, browser, what):
    secret = make_token(customer)
    token = _tokens()[0]
    if what == "expired":
        token.expires_at = utcnow() - timedelta(seconds=1)
        commit()
    elif what == "revoked":
        access_tokens.revoke_token(token)
        commit()
    elif what == "unknown":
        secret = secret[:-4] + "abcd"
    else:
        secret = "hunter2"
    api = Api(browser.login(customer), token=secret)  # the session does not rescue it
    body = problem(api.get(f"/orders/{order.id}"), "invalid-token", 401)
    assert body.get("reason", what) == what


def test_a_token_of_another_scheme_is_refused(order, customer, browser):
    browser.login(customer)
    got = browser.client.get(
        f"/order-messages/api/v1/orders/{order.id}", headers={"Authorization": "Basic eDp5"}
    )
    problem(got, "invalid-token", 401)


def test_a_staff_token_keeps_the_staff_members_permissions(app, order, staff, browser, monkeypatch):
    from .test_permissions import install_rights

    rights = install_rights(monkeypatch)
    rights.take(staff, "answer")
    api = Api(browser.login(None), token=make_token(staff))
    assert api.get("/staff/threads").status_code == 200
    body = problem(
        api.post(f"/staff/orders/{order.id}/messages", {"body": "x"}), "permission-missing", 403
    )
    assert body["permission"] == "answer"


def test_last_used_is_written_at_most_once_a_minute(order, customer, browser):
    api = Api(browser.login(None), token=make_token(customer))
    api.get("/counts")
    first = _tokens()[0].last_used_at
    api.get("/counts")
    assert _tokens()[0].last_used_at == first
    token = _tokens()[0]
    token.last_used_at = first - timedelta(minutes=2)
    commit()
    api.get("/counts")
    assert _tokens()[0].last_used_at > first - timedelta(minutes=2)


def test_token_checks(customer):
    with pytest.raises(access_tokens.ValidationError):
        access_tokens.create_token(customer, scope="admin")
    with pytest.raises(access_tokens.ValidationError):
        access_tokens.create_token(customer, scope="read", days=0)
    made = access_tokens.create_token(customer, scope="read", days=2)
    assert made.token.expires_at - made.token.created_at == timedelta(days=2)


_SEPARATE = {"mix_stderr": False} if "mix_stderr" in inspect.signature(CliRunner).parameters else {}


def test_create_and_revoke_token_from_the_cli(app, order, customer, browser):
    runner = app.test_cli_runner(**_SEPARATE)
    made = runner.invoke(
        args=[
            "order-messages",
            "create-token",
            "--user",
            str(customer.id),
            "--scope",
            "read",
            "--days",
            "7",
        ]
    )
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip().splitlines()[0]
    assert secret.startswith("omt_")
    assert Api(browser.login(None), token=secret).get("/counts").status_code == 200
    token = _tokens()[0]
    assert (token.scope, (token.expires_at - token.created_at).days) == ("read", 7)
    gone = runner.invoke(
        args=["order-messages", "revoke-token", "--user", str(customer.id), "--id", str(token.id)]
    )
    assert gone.exit_code == 0 and "Revoked" in gone.output
    problem(Api(browser, token=secret).get("/counts"), "invalid-token", 401)
    nobody = runner.invoke(
        args=["order-messages", "create-token", "--user", "999", "--scope", "read"]
    )
    assert nobody.exit_code != 0 and "no user" in nobody.stderr


def test_vendor_staff_token_never_reaches_another_vendors_thread(market, browser):
    from .marketplace import converse

    converse(market)
    api = Api(browser.login(None), token=make_token(market.ann))
    theirs = api.get(f"/staff/orders/{market.bolt_order.id}")
    made_up = api.get("/staff/orders/987654")
    problem(theirs, "not-found", 404)
    assert theirs.get_data() == made_up.get_data()
    listed = api.get("/staff/threads").get_json()
    assert str(market.bolt_order.id) not in [t["order_id"] for t in listed["threads"]]
    assert listed["total"] >= 1


def test_vendor_staff_token_keeps_to_their_own_canned_replies(market, browser):
    """The owner rule of canned replies holds through the API: another vendor's reply is a
    made-up id, the marketplace's unshared one is not listed, its shared one is listed but
    kept by the marketplace (403, unchanged)."""
    c = current_order_messages.models.CannedReply
    bolts = services.canned.create_reply(market.actor(market.ben), "Spokes", "Tighten them")
    shared = services.canned.create_reply(
        market.actor(market.sam), "Hello", "Hello from us", shared=True
    )
    private = services.canned.create_reply(market.actor(market.sam), "Inside", "Staff only")
    api = Api(browser.login(None), token=make_token(market.ann, scope="write"))
    listed = {r["title"] for r in api.get("/staff/canned-replies").get_json()["replies"]}
    assert listed == {"Hello"}
    theirs = api.post(f"/staff/canned-replies/{bolts.id}", {"title": "Mine", "body": "Mine"})
    made_up = api.post("/staff/canned-replies/987654", {"title": "Mine", "body": "Mine"})
    problem(theirs, "not-found", 404)
    assert theirs.get_data() == made_up.get_data()
    problem(api.post(f"/staff/canned-replies/{private.id}/delete"), "not-found", 404)
    problem(api.post(f"/staff/canned-replies/{shared.id}/delete"), "forbidden", 403)
    db.session.expire_all()
    titles = set(db.session.execute(sa.select(c.title)).scalars())
    assert titles == {"Spokes", "Hello", "Inside"}
    mine = api.post("/staff/canned-replies/new", {"title": "Drill", "body": "Charge it"})
    assert mine.status_code == 201 and mine.get_json()["shared"] is False


@pytest.mark.parametrize("set_up", ["before the extension", "after the extension"])
def test_a_host_with_app_wide_csrf_protect_lets_token_calls_through(tmp_path, set_up):
    """A host guarding every POST with Flask-WTF's ``CSRFProtect``, set up before our
    ``init_app`` or after it: a token's write goes through, a session's write without the
    page's token is still refused, as Problem Details."""
    from flask_wtf.csrf import CSRFProtect

    from .conftest import Browser, fresh_tables, make_app, make_order
    from .conftest import User as HostUser

    early = set_up == "before the extension"
    app = make_app(tmp_path, before_init=CSRFProtect if early else None)
    if not early:
        CSRFProtect(app)
    with app.test_request_context():
        fresh_tables()
        customer = HostUser(name="Carol", email="carol@example.test")
        db.session.add(customer)
        db.session.commit()
        order = make_order(customer)
        api = Api(Browser(app).login(None), token=make_token(customer))
        got = api.post(f"/orders/{order.id}/messages", {"body": "From my app"})
        assert got.status_code == 201, got.get_data(as_text=True)
        session = Api(Browser(app).login(customer))
        refused = session.post(f"/orders/{order.id}/messages", {"body": "Forged"}, csrf=False)
        problem(refused, "csrf", 400)
        db.session.remove()
        db.engine.dispose()
