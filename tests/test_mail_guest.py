"""Guest links: the link in a customer's mail opens that one thread, read and reply, no login."""

from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from flask_order_messages import tokens
from flask_order_messages.extension import current_order_messages as ext

from . import committing as services
from .conftest import db, make_order, text_of


def guest_path(outbox, order_number: str = "00001") -> str:
    """The path of the guest link in the newest mail about ``order_number``."""
    body = next(m.body for m in reversed(outbox) if f"order #{order_number}" in m.subject)
    match = re.search(r"Read and reply: http://shop\.test(/order-messages/t/[\w.-]+)#", body)
    assert match, body
    return match.group(1)


def messages_of(order):
    m, t = ext.models.Message, ext.models.Thread
    stmt = sa.select(m).join(t, t.id == m.thread_id).where(t.order_id == order.id).order_by(m.id)
    return list(db.session.execute(stmt).scalars())


@pytest.fixture
def link(order, as_staff, outbox) -> str:
    services.post_message(order, as_staff, "Your parcel left the warehouse.")
    return guest_path(outbox)


def test_the_link_opens_the_thread_without_a_login(link, browser, order, as_customer):
    assert services.order_unread_count(order, as_customer) == 1
    page = browser.get(link)
    assert page.status_code == 200
    assert "Your parcel left the warehouse." in text_of(page)
    assert "Order #00001" in text_of(page)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in page.headers["Cache-Control"]
    assert services.order_unread_count(order, as_customer) == 0  # read by its customer


def test_a_guest_can_reply_as_the_orders_customer(link, browser, order, customer, staff, outbox):
    response = browser.post(link, {"body": "Thank you! Can you leave it at the door?"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(link + "#order-messages")
    reply = messages_of(order)[-1]
    assert reply.body == "Thank you! Can you leave it at the door?"
    assert (reply.author_id, reply.author_role) == (customer.id, "customer")
    assert outbox[-1].recipients == [staff.email]  # staff hear of it like any customer message
    assert "Can you leave it at the door?" in text_of(browser.get(link))


def test_an_empty_reply_is_refused_with_the_page_and_nothing_saved(link, browser, order):
    response = browser.post(link, {"body": "   "})
    assert response.status_code == 400
    assert "Your message cannot be empty." in text_of(response)
    assert len(messages_of(order)) == 1


def test_a_reply_needs_the_csrf_token(link, browser, order):
    response = browser.post(link, {"body": "No token"}, csrf=False)
    assert response.status_code == 400
    assert len(messages_of(order)) == 1


def test_a_tampered_link_gets_a_clear_404(link, browser, order):
    token = link.rsplit("/", 1)[1]
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), token[:20], "nonsense"):
        page = browser.get(f"/order-messages/t/{bad}")
        assert page.status_code == 404
        assert "This link is not valid" in text_of(page)
        assert "Your parcel" not in text_of(page)
    response = browser.post(f"/order-messages/t/{token[:-2]}xx", {"body": "Let me in"})
    assert response.status_code == 404
    assert len(messages_of(order)) == 1


def test_an_expired_link_gets_a_clear_410(order, browser, monkeypatch):
    month_ago = int(time.time()) - 31 * 86400
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: month_ago)
    token = tokens.make_guest_token(order)
    monkeypatch.undo()
    page = browser.get(f"/order-messages/t/{token}")
    assert page.status_code == 410
    assert "This link has expired" in text_of(page)
    assert "Log in" in text_of(page)


def test_a_link_only_opens_its_own_order(order, customer, stranger, as_staff, outbox, browser):
    others = make_order(stranger)
    services.post_message(others, as_staff, "Private to the stranger")
    services.post_message(order, as_staff, "For Carol")
    carols = guest_path(outbox, "00001")
    page = text_of(browser.get(carols))
    assert "For Carol" in page and "Private to the stranger" not in page
    browser.post(carols, {"body": "Reply from Carol's link"})
    assert [m.body for m in messages_of(others)] == ["Private to the stranger"]
    assert messages_of(order)[-1].body == "Reply from Carol's link"


def test_a_link_stops_working_when_the_order_changes_hands(link, order, stranger, browser):
    order.customer_id = stranger.id
    db.session.commit()
    page = browser.get(link)
    assert page.status_code == 404
    assert "Your parcel" not in text_of(page)


def test_a_token_signed_otherwise_is_refused(order, browser, app):
    payload = {"o": str(order.id), "c": str(order.customer_id)}
    forged = [
        URLSafeTimedSerializer("another-secret", salt=tokens.SALT).dumps(payload),
        URLSafeTimedSerializer(app.secret_key, salt="another-salt").dumps(payload),
    ]
    for token in forged:
        assert browser.get(f"/order-messages/t/{token}").status_code == 404


def test_links_survive_a_secret_key_rotation(link, app, browser):
    app.config["SECRET_KEY_FALLBACKS"] = [app.config["SECRET_KEY"]]
    app.config["SECRET_KEY"] = "the-new-secret"
    app.secret_key = "the-new-secret"
    assert browser.get(link).status_code == 200


def test_a_logged_in_customer_goes_straight_to_their_order_page(link, browser, customer, order):
    response = browser.login(customer).get(link)
    assert response.status_code == 303
    assert response.headers["Location"] == (
        f"/account/orders/{order.id}?tab=messages#order-messages"
    )


def test_staff_only_notes_stay_hidden_from_guests(link, order, as_staff, browser):
    services.post_message(order, as_staff, "Internal: customer is difficult", note=True)
    page = text_of(browser.get(link))
    assert "Your parcel left the warehouse." in page
    assert "Internal" not in page


def test_guest_links_can_be_turned_off(link, app, browser):
    from dataclasses import replace

    state = app.extensions["order_messages"]
    app.extensions["order_messages"] = replace(
        state, settings=replace(state.settings, guest_link_max_age=0)
    )
    page = browser.get(link)
    assert page.status_code == 404
    assert "turned off" in text_of(page)


@pytest.mark.parametrize("bad", [-1, "30 days", None])
def test_a_wrong_max_age_is_refused_at_init_with_the_key_named(tmp_path, bad):
    from flask_order_messages import ConfigError

    from .conftest import make_app

    with pytest.raises(ConfigError, match="ORDER_MESSAGES_GUEST_LINK_MAX_AGE"):
        make_app(tmp_path, ORDER_MESSAGES_GUEST_LINK_MAX_AGE=bad)
