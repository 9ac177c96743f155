"""``POST /order-messages/inbound-mail``: a mail provider's inbound hook hands over the raw
mail, proving it knows the shared secret."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from . import inbound_support, smtp_server
from .inbound_support import (
    INBOUND_CONFIG,
    SECRET,
    customer_reply_address,
    inbound_rows,
    reply_mail,
    thread_messages,
)

smtp_running = smtp_server.smtp_running
smtp = smtp_server.smtp
app = smtp_server.app
app_config = inbound_support.app_config
people = inbound_support.people
URL = "/order-messages/inbound-mail"
RFC822 = "message/rfc822"


def _post(app: Any, raw: bytes, *, query: str = "", content_type: str = RFC822, **headers: str):
    headers.setdefault("Authorization", f"Bearer {SECRET}")
    return app.test_client().post(URL + query, data=raw, content_type=content_type, headers=headers)


def test_the_hook_posts_a_reply_and_says_what_became_of_it(smtp, people, app):
    staff, customer, order = people
    address = customer_reply_address(smtp, staff, customer, order)
    raw = reply_mail(frm=customer.email, to=address, text="Delivered via the provider")

    response = _post(app, raw)  # no CSRF token: not a browser form

    assert response.status_code == 202
    assert response.json == {"outcome": "posted", "reason": None, "id": 1}
    assert thread_messages(order)[-1].body == "Delivered via the provider"
    again = _post(app, raw, content_type="application/octet-stream")
    assert (again.status_code, again.json["outcome"]) == (202, "duplicate")
    assert [r.via for r in inbound_rows()] == ["http", "http"]


@pytest.mark.parametrize(
    ("how", "headers", "query"),
    [
        (
            "basic",
            {"Authorization": "Basic " + base64.b64encode(f"hook:{SECRET}".encode()).decode()},
            "",
        ),
        ("query", {"Authorization": ""}, f"?key={SECRET}"),
    ],
)
def test_providers_that_cannot_send_a_bearer_token(smtp, people, app, how, headers, query):
    staff, customer, order = people
    address = customer_reply_address(smtp, staff, customer, order)
    raw = reply_mail(frm=customer.email, to=address, text=f"Sent with {how}")
    assert _post(app, raw, query=query, **headers).status_code == 202
    assert thread_messages(order)[-1].body == f"Sent with {how}"


@pytest.mark.parametrize(
    "authorization",
    ["", "Bearer wrong-secret-0123456789", f"Bearer {SECRET}x", "Basic Zm9vOmJhcg=="],
)
def test_a_wrong_or_missing_secret_is_401_and_nothing_is_recorded(smtp, people, app, authorization):
    response = _post(
        app, reply_mail(frm="a@b.example", to="x@y.example", text="hi"), Authorization=authorization
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert inbound_rows() == []


@pytest.mark.parametrize("app_config", [{"ORDER_MESSAGES_REPLY_DOMAIN": "reply.shop.test"}])
def test_without_a_secret_the_hook_does_not_exist(smtp, people, app):
    assert _post(app, b"Subject: x\r\n\r\nhi").status_code == 404


def test_only_a_raw_mail_is_taken(smtp, people, app):
    assert (
        _post(app, b"body=hello", content_type="application/x-www-form-urlencoded").status_code
        == 415
    )
    assert _post(app, b"   ").status_code == 400
    assert app.test_client().get(URL).status_code == 405
    assert inbound_rows() == []


@pytest.mark.parametrize(
    "app_config",
    [{**INBOUND_CONFIG, "ORDER_MESSAGES_ATTACHMENTS_ENABLED": False}],
)
def test_a_mail_over_the_size_limit_is_413(smtp, people, app):
    from flask_order_messages.inbound.pipeline import max_mail_bytes

    too_big = b"Subject: big\r\n\r\n" + b"x" * max_mail_bytes()
    response = _post(app, too_big)
    assert response.status_code == 413
    assert "up to" in response.json["error"]
    assert inbound_rows() == []


@pytest.mark.parametrize(
    "app_config",
    [{**INBOUND_CONFIG, "ORDER_MESSAGES_ATTACHMENTS_ENABLED": False, "MAX_CONTENT_LENGTH": 4096}],
)
def test_the_hosts_form_limit_does_not_cut_a_mail_the_hook_takes(smtp, people, app):
    # The host caps its forms at 4 KiB; a mail is bounded by the hook's own limit instead.
    staff, customer, order = people
    address = customer_reply_address(smtp, staff, customer, order)
    quoted = "On Mon, 7 Dec 2026 at 10:02, Shop <shop@example.test> wrote:\n" + "> Earlier.\n" * 800
    raw = reply_mail(frm=customer.email, to=address, text="It came today.\n\n" + quoted)
    assert len(raw) > 4096
    response = _post(app, raw)
    assert (response.status_code, response.json["outcome"]) == (202, "posted")
    assert thread_messages(order)[-1].body == "It came today."


@pytest.mark.parametrize(
    "app_config", [{**INBOUND_CONFIG, "ORDER_MESSAGES_POST_RATE_LIMIT": "1 per minute"}]
)
def test_a_mail_that_cannot_be_handled_now_is_503_to_send_again(smtp, people, app):
    staff, customer, order = people
    address = customer_reply_address(smtp, staff, customer, order)
    first = _post(app, reply_mail(frm=customer.email, to=address, text="one"))
    second = _post(app, reply_mail(frm=customer.email, to=address, text="two"))
    assert first.status_code == 202
    assert second.status_code == 503 and second.headers["Retry-After"] == "60"
    assert second.json["outcome"] == "deferred"
