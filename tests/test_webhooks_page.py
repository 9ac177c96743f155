"""The staff webhooks page: add an endpoint (its secret shown once), refused URLs, a test
ping sent once the page's answer has gone, turn off and on, delete with a confirm step; who
may use it."""

from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa
from standardwebhooks import Webhook

from flask_order_messages.extension import current_order_messages as ext
from flask_order_messages.permissions import WEBHOOKS

from . import webhook_receiver
from .conftest import db
from .host_pages import P
from .reconfigure import reconfigure

receiver = webhook_receiver.receiver
PAGE = f"{P}/admin/webhooks"


@pytest.fixture
def private_ok(app):
    reconfigure(app, WEBHOOK_ALLOW_PRIVATE=True)


def endpoints():
    ep = ext.models.WebhookEndpoint
    db.session.commit()
    return list(db.session.execute(sa.select(ep).order_by(ep.id)).scalars())


def test_add_an_endpoint_see_its_secret_once_and_ping_it(app, staff, browser, receiver, private_ok):
    browser.login(staff)
    page = browser.get(PAGE).get_data(as_text=True)
    assert "No endpoints yet." in page and "whsec_" not in page
    answer = browser.post(
        PAGE, {"url": receiver.url(), "description": "CRM", "events": ["message.posted"]}
    )
    assert answer.status_code == 200
    [endpoint] = endpoints()
    shown = answer.get_data(as_text=True)
    assert f'value="{endpoint.secret}"' in shown and "shown only now" in shown
    assert endpoint.event_list == ["message.posted"] and endpoint.created_by_id == staff.id
    later = browser.get(PAGE).get_data(as_text=True)
    assert endpoint.secret not in later and receiver.url() in later  # once, never again

    # The test ping goes once the answer has been sent (the response is closed here).
    sent = browser.post(f"{PAGE}/{endpoint.id}/test", buffered=False)
    assert sent.status_code == 303 and receiver.requests == []
    sent.close()
    deadline = time.monotonic() + 30
    while not receiver.requests:
        assert time.monotonic() < deadline, "the ping never came"
        time.sleep(0.02)
    [got] = receiver.requests
    payload = Webhook(endpoint.secret).verify(got.body, got.headers)
    assert payload["type"] == "webhook.test" and payload["data"]["endpoint_id"] == endpoint.id
    listed = browser.get(f"{PAGE}?done=test").get_data(as_text=True)
    assert "A test event is on its way" in listed
    assert re.search(r"<code>webhook.test</code>.*?Delivered.*?HTTP 200", listed, re.S)


@pytest.mark.parametrize(
    "url, said",
    [
        ("ftp://x.example/", "must start with https://"),
        ("https://me:secret@hooks.example/", "Leave the user name and password out"),
        ("http://127.0.0.1:9/", "private, loopback or reserved"),
    ],
)
def test_a_refused_url_comes_back_with_the_reason_and_saves_nothing(app, staff, browser, url, said):
    browser.login(staff)
    answer = browser.post(PAGE, {"url": url, "events": ["message.posted"]})
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert said in page and 'aria-invalid="true"' in page and "whsec_" not in page
    assert endpoints() == []


def test_no_event_chosen_is_refused(app, staff, browser, private_ok, receiver):
    browser.login(staff)
    answer = browser.post(PAGE, {"url": receiver.url()})
    assert answer.status_code == 400 and "Choose at least one event" in answer.get_data(True)
    assert endpoints() == []


def test_the_same_address_twice_is_refused(app, staff, browser, private_ok, receiver):
    browser.login(staff)
    first = browser.post(PAGE, {"url": receiver.url(), "events": ["message.posted"]})
    assert first.status_code == 200, first.status_code
    again = browser.post(PAGE, {"url": receiver.url(), "events": ["dispute.opened"]})
    assert again.status_code == 400
    assert "has an endpoint already" in again.get_data(as_text=True)
    assert [e.url for e in endpoints()] == [receiver.url()]


def test_turn_off_on_and_delete(app, staff, browser, receiver, private_ok):
    browser.login(staff)
    browser.post(PAGE, {"url": receiver.url(), "events": ["message.posted"]})
    [endpoint] = endpoints()
    off = browser.post(f"{PAGE}/{endpoint.id}/active", {"active": "0"})
    assert off.status_code == 303 and "done=off" in off.headers["Location"]
    assert endpoints()[0].active is False
    assert "Turn on" in browser.get(PAGE).get_data(as_text=True)
    browser.post(f"{PAGE}/{endpoint.id}/active", {"active": "1"})
    assert endpoints()[0].active is True
    confirm = browser.get(f"{PAGE}/{endpoint.id}/delete").get_data(as_text=True)
    assert "Delete the endpoint" in confirm and endpoints()  # a GET deletes nothing
    gone = browser.post(f"{PAGE}/{endpoint.id}/delete")
    assert gone.status_code == 303 and endpoints() == []
    assert browser.post(f"{PAGE}/{endpoint.id}/test").status_code == 404


def test_customers_staff_without_the_permission_and_a_switched_off_feature(
    app, staff, customer, browser, monkeypatch
):
    from .test_permissions import install_rights

    browser.login(customer)
    assert browser.get(PAGE).status_code == 403
    browser.login(staff)
    listing = browser.get(f"{P}/admin/messages").get_data(as_text=True)
    assert f'href="{PAGE}"' in listing
    rights = install_rights(monkeypatch)
    rights.take(staff, WEBHOOKS)
    refused = browser.get(PAGE)
    assert refused.status_code == 403
    assert "it lacks the “webhooks” permission" in refused.get_data(as_text=True)
    assert f'href="{PAGE}"' not in browser.get(f"{P}/admin/messages").get_data(as_text=True)
    rights.denied.clear()
    reconfigure(app, WEBHOOKS_ENABLED=False)
    assert browser.get(PAGE).status_code == 404
