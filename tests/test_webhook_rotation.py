"""Rotating a webhook endpoint's signing secret (Standard Webhooks): for a grace period every
delivery carries two ``v1,`` signatures, the new secret's and the previous one's, so a receiver
that knows either verifies it with the reference verifier (``standardwebhooks``); afterwards
only the new one.  On the page and through the API."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from flask_order_messages.extension import current_order_messages as ext
from flask_order_messages.models import utcnow
from flask_order_messages.services.webhooks import ROTATION_GRACE
from flask_order_messages.webhooks import delivery

from . import webhook_receiver
from .api_support import Api, problem
from .conftest import db
from .host_pages import P
from .reconfigure import reconfigure

receiver = webhook_receiver.receiver


@pytest.fixture
def held(app):
    """Receivers may be on this machine; deliveries wait for :func:`deliver` (no race with a
    delivery after the response)."""
    reconfigure(app, WEBHOOK_ALLOW_PRIVATE=True, WEBHOOK_DELIVERY="off")


def endpoint_row(endpoint_id):
    db.session.commit()
    return db.session.get(ext.models.WebhookEndpoint, endpoint_id)


def ping(api, endpoint_id, receiver):
    """A test event, delivered now; the request the receiver got."""
    assert api.post(f"/staff/webhooks/{endpoint_id}/test").status_code == 202
    before = len(receiver.requests)
    report = delivery.send_pending()
    assert report.delivered == 1, report
    db.session.commit()
    assert len(receiver.requests) == before + 1
    return receiver.requests[-1]


def test_both_secrets_verify_during_the_grace_period_then_only_the_new_one(
    app, staff, browser, receiver, held
):
    admin = Api(browser.login(staff))
    made = admin.post("/staff/webhooks/new", {"url": receiver.url(), "events": ["message.posted"]})
    old, eid = made.get_json()["secret"], made.get_json()["endpoint"]["id"]
    first = ping(admin, eid, receiver)
    assert len(first.headers["webhook-signature"].split()) == 1
    Webhook(old).verify(first.body, first.headers)

    rotated = admin.post(f"/staff/webhooks/{eid}/rotate")
    assert rotated.status_code == 200
    new = rotated.get_json()["secret"]
    assert new.startswith("whsec_") and new != old
    until = rotated.get_json()["endpoint"]["previous_secret_until"]
    assert until is not None
    row = endpoint_row(eid)
    assert row.secret == new and row.previous_secret == old
    assert row.previous_secret_until - utcnow() <= ROTATION_GRACE
    assert row.previous_secret_until - utcnow() > ROTATION_GRACE - timedelta(hours=1)
    assert new not in admin.get(f"/staff/webhooks/{eid}").get_data(as_text=True)

    during = ping(admin, eid, receiver)
    signatures = during.headers["webhook-signature"].split(" ")
    assert len(signatures) == 2 and all(s.startswith("v1,") for s in signatures)
    assert Webhook(new).verify(during.body, during.headers)["type"] == "webhook.test"
    assert Webhook(old).verify(during.body, during.headers)["type"] == "webhook.test"

    # The grace period is over (as a day later): the previous secret signs no more.
    row.previous_secret_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert admin.get(f"/staff/webhooks/{eid}").get_json()["previous_secret_until"] is None
    after = ping(admin, eid, receiver)
    assert len(after.headers["webhook-signature"].split()) == 1
    Webhook(new).verify(after.body, after.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(after.body, after.headers)


def test_a_second_rotation_drops_the_oldest_secret(app, staff, browser, receiver, held):
    admin = Api(browser.login(staff))
    made = admin.post("/staff/webhooks/new", {"url": receiver.url(), "events": ["message.posted"]})
    first, eid = made.get_json()["secret"], made.get_json()["endpoint"]["id"]
    second = admin.post(f"/staff/webhooks/{eid}/rotate").get_json()["secret"]
    third = admin.post(f"/staff/webhooks/{eid}/rotate").get_json()["secret"]
    got = ping(admin, eid, receiver)
    Webhook(third).verify(got.body, got.headers)
    Webhook(second).verify(got.body, got.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(first).verify(got.body, got.headers)


def test_rotate_on_the_page(app, staff, browser, receiver, held):
    browser.login(staff)
    added = browser.post(
        f"{P}/admin/webhooks", {"url": receiver.url(), "events": ["message.posted"]}
    )
    old = re.search(r'value="(whsec_[^"]+)"', added.get_data(as_text=True)).group(1)
    ep = ext.models.WebhookEndpoint
    [eid] = db.session.execute(sa.select(ep.id)).scalars()
    answer = browser.post(f"{P}/admin/webhooks/{eid}/rotate")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    new = re.search(r'value="(whsec_[^"]+)"', page).group(1)
    assert new != old and "New signing secret" in page and "signed with both" in page
    assert endpoint_row(eid).secret == new
    later = browser.get(f"{P}/admin/webhooks").get_data(as_text=True)
    assert new not in later and "The previous secret signs too until" in later
    got = ping(Api(browser.login(staff)), eid, receiver)
    Webhook(old).verify(got.body, got.headers)
    Webhook(new).verify(got.body, got.headers)
    # Without its CSRF token, nothing changes; a made-up endpoint is a 404.
    browser.login(staff)
    assert browser.post(f"{P}/admin/webhooks/{eid}/rotate", csrf=False).status_code == 400
    assert endpoint_row(eid).secret == new
    assert browser.post(f"{P}/admin/webhooks/987654/rotate").status_code == 404


def test_a_vendors_staff_may_not_rotate(app, market, browser, held):
    from .api_support import make_token

    endpoint = ext.models.WebhookEndpoint(
        url="http://127.0.0.1:9/h", secret="whsec_" + "A" * 43 + "=", events=" message.posted "
    )
    db.session.add(endpoint)
    db.session.commit()
    ann = Api(browser.login(None), token=make_token(market.ann))
    problem(ann.post(f"/staff/webhooks/{endpoint.id}/rotate"), "forbidden", 403)
    assert endpoint_row(endpoint.id).previous_secret is None
