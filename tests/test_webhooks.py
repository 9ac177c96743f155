"""Webhooks against a real receiver (http.server in a thread): signed as the Standard Webhooks
spec says (checked with its reference library, ``standardwebhooks``, and its test vector),
written with the event in its transaction, sent after the commit, retried with back-off,
never twice.  No request context here: deliveries go out right after each commit (in a
request they wait for the response: test_webhooks_page.py)."""

from __future__ import annotations

import base64
import json
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from standardwebhooks import Webhook, WebhookVerificationError

from flask_order_messages import ValidationError, staff_actor
from flask_order_messages.extension import current_order_messages as ext
from flask_order_messages.models import utcnow
from flask_order_messages.services import webhooks as endpoints
from flask_order_messages.transactions import commit, unit_of_work
from flask_order_messages.webhooks import delivery, events, signing, urls

from . import committing as services
from . import webhook_receiver
from .conftest import db, fresh_tables, make_app

receiver = webhook_receiver.receiver

ALL = list(events.EVENTS)


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {}


@pytest.fixture
def app(tmp_path: Any, app_config: dict[str, Any]) -> Any:
    config = {
        "ORDER_MESSAGES_WEBHOOK_ALLOW_PRIVATE": True,  # the receiver is on 127.0.0.1
        "ORDER_MESSAGES_WEBHOOK_TIMEOUT": 1,
        **app_config,
    }
    app = make_app(tmp_path, **config)
    with app.app_context():
        fresh_tables()
        yield app
        db.session.remove()
        db.engine.dispose()


def add_endpoint(staff: Any, url: str, chosen: list[str] = ALL) -> Any:
    endpoint = endpoints.create_endpoint(staff_actor(staff), url, chosen)
    commit()
    return endpoint


def rows() -> list[Any]:
    d = ext.models.WebhookDelivery
    db.session.commit()  # a fresh transaction sees what other deliverers committed
    return list(db.session.execute(sa.select(d).order_by(d.id)).scalars())


def verified(secret: str, request: Any) -> Any:
    """The payload, as the spec's reference library verifies it."""
    return Webhook(secret).verify(request.body, request.headers)


def cli(app: Any, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["order-messages", *args])
    assert result.exit_code == 0, result.output
    return str(result.output)


# -- signing --------------------------------------------------------------------------------


def test_the_signature_is_the_specs_test_vector():
    # The reference libraries' test vector (Svix / Standard Webhooks).
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    got = signing.signature(
        secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}'
    )
    assert got == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_headers_verify_with_the_reference_library_and_a_changed_body_does_not():
    secret = signing.new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret[6:])) == 32
    assert secret != signing.new_secret()
    body = events.body(events.TEST, {"x": "é"}).encode()
    message_id = signing.new_message_id()
    assert message_id.startswith("msg_") and "." not in message_id
    headers = signing.headers(secret, message_id, int(time.time()), body)
    assert Webhook(secret).verify(body, headers)["type"] == "webhook.test"
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body + b" ", headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.new_secret()).verify(body, headers)


# -- URLs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, said",
    [
        ("ftp://example.com/x", "https://"),
        ("javascript:alert(1)", "https://"),
        ("https://user:pw@example.com/x", "password"),
        ("https://token@example.com/x", "password"),
        ("https:///x", "host"),
        ("https://example.com/x#top", "fragment"),
        ("https://example.com:99999/x", "port"),
        ("", "Enter"),
        ("http://127.0.0.1:8000/x", "private"),
        ("http://localhost/x", "private"),
        ("http://10.1.2.3/x", "private"),
        ("http://192.168.0.10/x", "private"),
        ("http://169.254.169.254/latest/meta-data", "private"),
        ("http://[::1]/x", "private"),
        ("http://[::ffff:127.0.0.1]/x", "private"),
        ("http://100.64.0.1/x", "private"),
    ],
)
def test_refused_urls(url, said):
    with pytest.raises(ValidationError, match=said):
        urls.check_url(url, allow_private=False)


def test_public_and_allowed_urls():
    assert urls.check_url(" https://93.184.216.34/hooks?a=1 ", allow_private=False) == (
        "https://93.184.216.34/hooks?a=1"
    )
    assert urls.check_url("http://127.0.0.1:9/x", allow_private=True) == "http://127.0.0.1:9/x"
    with pytest.raises(ValidationError, match="password"):
        urls.check_url("http://a:b@127.0.0.1/x", allow_private=True)


# -- delivery -------------------------------------------------------------------------------


def test_a_message_is_delivered_once_signed_after_its_commit(
    app, staff, order, as_customer, receiver
):
    endpoint = add_endpoint(staff, receiver.url("/hooks?shop=1"))
    message = services.post_message(order, as_customer, "Where is my parcel?")
    assert len(receiver.requests) == 1
    got = receiver.requests[0]
    assert got.path == "/hooks?shop=1"
    assert got.headers["content-type"] == "application/json"
    assert got.headers["webhook-id"].startswith("msg_")
    assert abs(int(got.headers["webhook-timestamp"]) - time.time()) < 30
    assert got.headers["webhook-signature"].startswith("v1,")
    payload = verified(endpoint.secret, got)
    assert payload["type"] == "message.posted"
    assert payload["timestamp"].endswith("Z")
    assert payload["data"]["message"] == {
        "id": message.id,
        "kind": "message",
        "author_role": "customer",
        "body": "Where is my parcel?",
        "created_at": payload["data"]["message"]["created_at"],
    }
    assert payload["data"]["thread"]["order_key"] == str(order.id)
    assert payload["data"]["actor"]["role"] == "customer"
    [row] = rows()
    assert (row.status, row.attempts, row.last_status_code) == ("delivered", 1, 200)
    assert row.webhook_id == got.headers["webhook-id"] and row.delivered_at is not None
    # Nothing is due any more: a deliverer run sends nothing again.
    assert "delivered 0, failed 0" in cli(app, "deliver-webhooks", "--now")
    assert len(receiver.requests) == 1


def test_each_endpoint_gets_the_events_it_asked_for(app, staff, order, as_staff, receiver):
    disputes = add_endpoint(staff, receiver.url("/disputes"), [events.DISPUTE_OPENED])
    everything = add_endpoint(staff, receiver.url("/all"))
    services.post_message(order, as_staff, "Hello")
    services.open_dispute(order, as_staff, "Broken on arrival")
    services.close_dispute(order, as_staff)
    services.assign(order, as_staff, "me")
    services.set_status(order, as_staff, "closed")
    seen = [(r.path, json.loads(r.body)["type"]) for r in receiver.requests]
    assert [t for p, t in seen if p == "/disputes"] == ["dispute.opened"]
    assert [t for p, t in seen if p == "/all"] == [
        "message.posted",
        "dispute.opened",
        "dispute.closed",
        "thread.assigned",
        "thread.status_changed",
    ]
    by_type = {json.loads(r.body)["type"]: r for r in receiver.requests if r.path == "/all"}
    closed = verified(everything.secret, by_type["dispute.closed"])["data"]
    assert closed["dispute"]["outcome"] == "resolved"
    assigned = verified(everything.secret, by_type["thread.assigned"])["data"]
    assert assigned["assignee_id"] == str(staff.id) and assigned["previous_assignee_id"] is None
    status = verified(everything.secret, by_type["thread.status_changed"])["data"]
    # Staff wrote last: the thread was waiting on the customer.
    assert (status["status"], status["previous_status"]) == ("closed", "waiting")
    # One event, one webhook-id, the same for both endpoints.
    opened = [r.headers["webhook-id"] for r in receiver.requests if b"dispute.opened" in r.body]
    assert len(opened) == 2 and opened[0] == opened[1]
    assert disputes.secret != everything.secret


def test_a_rolled_back_event_writes_and_sends_nothing(app, staff, order, as_customer, receiver):
    from flask_order_messages import services as raw

    add_endpoint(staff, receiver.url())
    with pytest.raises(RuntimeError):
        with unit_of_work():
            raw.post_message(order, as_customer, "Never saved")
            assert len(rows_in_session()) == 1  # written, in this transaction ...
            raise RuntimeError("the host's view failed")
    assert rows() == [] and receiver.requests == []  # ... and gone with it, never sent


def rows_in_session() -> list[Any]:
    d = ext.models.WebhookDelivery
    return list(db.session.execute(sa.select(d)).scalars())


def test_a_500_is_retried_with_back_off_under_the_same_id(app, staff, order, as_customer, receiver):
    endpoint = add_endpoint(staff, receiver.url())
    receiver.answer(500)
    before = utcnow()
    services.post_message(order, as_customer, "Hello?")
    after = utcnow()
    [row] = rows()
    assert (row.status, row.attempts, row.last_status_code) == ("pending", 1, 500)
    assert row.last_error == "HTTP 500"
    # WEBHOOK_RETRY_BASE (30 s) plus up to 10 % jitter, counted from the failed attempt
    assert before + timedelta(seconds=30) <= row.next_attempt_at <= after + timedelta(seconds=33)
    assert "delivered 0" in cli(app, "deliver-webhooks")  # not due yet
    assert len(receiver.requests) == 1
    assert "delivered 1" in cli(app, "deliver-webhooks", "--now")
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    verified(endpoint.secret, second)
    [row] = rows()
    assert (row.status, row.attempts, row.last_status_code) == ("delivered", 2, 200)


def test_the_delay_doubles_and_retry_after_is_heeded(app):
    assert 30 <= delivery.retry_delay(1) <= 33
    assert 60 <= delivery.retry_delay(2) <= 66
    assert 240 <= delivery.retry_delay(4) <= 264
    assert delivery.retry_delay(1, retry_after=600) == 600
    assert delivery.retry_delay(1, retry_after=10**9) == delivery.MOST_RETRY_AFTER


@pytest.mark.parametrize("app_config", [{"ORDER_MESSAGES_WEBHOOK_MAX_ATTEMPTS": 2}])
def test_a_timeout_and_a_redirect_fail_then_it_gives_up_and_can_be_revived(
    app, staff, order, as_customer, receiver
):
    add_endpoint(staff, receiver.url())
    receiver.delay = 1.5  # longer than WEBHOOK_TIMEOUT
    services.post_message(order, as_customer, "Slow")
    [row] = rows()  # the attempt gave up after WEBHOOK_TIMEOUT, before the answer came
    assert row.status == "pending" and "timed out" in (row.last_error or "")
    receiver.delay = 0
    receiver.answer(302)  # never followed: a failure (the URL should be updated)
    receiver.extra_headers["Location"] = receiver.url("/elsewhere")
    assert "failed 1" in cli(app, "deliver-webhooks", "--now")
    [row] = rows()
    assert (row.status, row.attempts, row.last_status_code) == ("failed", 2, 302)
    assert [r.path for r in receiver.requests] == ["/hooks", "/hooks"]
    assert "delivered 0, failed 0" in cli(app, "deliver-webhooks", "--now")  # given up
    assert "revived 1" in cli(app, "deliver-webhooks", "--retry-failed")
    [row] = rows()
    assert (row.status, row.attempts) == ("delivered", 1)
    assert "delivered 1\n" in cli(app, "webhook-status")


def test_410_gone_turns_the_endpoint_off(app, staff, order, as_customer, receiver):
    endpoint = add_endpoint(staff, receiver.url())
    receiver.answer(410)
    services.post_message(order, as_customer, "Anyone?")
    services.post_message(order, as_customer, "Still there?")
    db.session.refresh(endpoint)
    assert not endpoint.active and "410 Gone" in (endpoint.disabled_reason or "")
    assert len(receiver.requests) == 1  # the second event found no active endpoint
    [row] = rows()
    assert (row.status, row.last_status_code) == ("failed", 410)


def test_an_endpoint_turned_off_keeps_its_waiting_deliveries_until_it_is_on_again(
    app, staff, order, as_customer, receiver
):
    endpoint = add_endpoint(staff, receiver.url())
    receiver.answer(503)
    services.post_message(order, as_customer, "One")
    endpoints.set_active(staff_actor(staff), endpoint, False)
    commit()
    services.post_message(order, as_customer, "Two")  # off: not written for it
    assert "delivered 0" in cli(app, "deliver-webhooks", "--now")
    endpoints.set_active(staff_actor(staff), endpoint, True)
    commit()
    assert "delivered 1" in cli(app, "deliver-webhooks", "--now")
    assert [json.loads(r.body)["data"]["message"]["body"] for r in receiver.requests] == [
        "One",
        "One",
    ]


@pytest.mark.parametrize("app_config", [{"ORDER_MESSAGES_WEBHOOK_ALLOW_PRIVATE": False}])
def test_a_private_address_is_refused_when_delivering_too(app, staff, order, as_customer, receiver):
    # Written past the form's check (say, allowed then, or a name that now resolves inside).
    db.session.add(
        ext.models.WebhookEndpoint(
            url=receiver.url(), secret=signing.new_secret(), events=f" {' '.join(ALL)} "
        )
    )
    commit()
    services.post_message(order, as_customer, "Hi")
    [row] = rows()
    assert row.status == "pending" and "UnsafeAddress" in (row.last_error or "")
    assert receiver.requests == []


# -- never twice ----------------------------------------------------------------------------


@pytest.mark.parametrize("app_config", [{"ORDER_MESSAGES_WEBHOOK_DELIVERY": "off"}])
def test_two_deliverers_at_once_send_each_event_once(app, staff, order, as_customer, receiver):
    add_endpoint(staff, receiver.url())
    for n in range(8):
        services.post_message(order, as_customer, f"Busy {n}")
    assert receiver.requests == []  # "off": only deliver-webhooks sends
    receiver.delay = 0.1
    reports: list[Any] = []

    def deliverer() -> None:
        with app.app_context():
            try:
                reports.append(delivery.send_pending())
            finally:
                db.session.remove()

    threads = [threading.Thread(target=deliverer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    ids = [r.headers["webhook-id"] for r in receiver.requests]
    assert len(ids) == len(set(ids)) == 8  # each once, none twice
    assert sum(r.delivered for r in reports) == 8
    assert {(r.status, r.attempts) for r in rows()} == {("delivered", 1)}


def test_a_deliverer_that_died_mid_send_is_replaced_after_its_lease(
    app, staff, order, as_customer, receiver
):
    add_endpoint(staff, receiver.url())
    receiver.answer(500)
    services.post_message(order, as_customer, "Hi")
    d = ext.models.WebhookDelivery
    held = {"status": "sending", "claimed_until": utcnow() + timedelta(minutes=5)}
    db.session.execute(sa.update(d).values(**held))
    commit()
    assert "left to another deliverer 0" in cli(app, "deliver-webhooks", "--now")
    assert len(receiver.requests) == 1  # it is held: nobody sends it
    db.session.execute(sa.update(d).values(claimed_until=utcnow() - timedelta(seconds=1)))
    commit()
    assert "delivered 1" in cli(app, "deliver-webhooks")
    [row] = rows()
    assert (row.status, row.attempts) == ("delivered", 2)


def test_the_timestamp_header_is_the_attempts_and_the_payloads_the_events(
    app, staff, order, as_customer, receiver
):
    endpoint = add_endpoint(staff, receiver.url())
    services.post_message(order, as_customer, "Hi")
    got = receiver.requests[0]
    event_time = datetime.fromisoformat(json.loads(got.body)["timestamp"].replace("Z", "+00:00"))
    sent_at = datetime.fromtimestamp(int(got.headers["webhook-timestamp"]), tz=timezone.utc)
    assert abs((sent_at - event_time).total_seconds()) < 30
    # An old timestamp is refused by the reference verifier: the header is the attempt's.
    stale = dict(got.headers, **{"webhook-timestamp": str(int(time.time()) - 3600)})
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint.secret).verify(got.body, stale)
