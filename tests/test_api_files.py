"""Attachment files through the API: the ``url`` each listed attachment carries works with a
token (and the session), with the checks of the pages' file routes; another customer's file,
a note's file for a customer and a made-up one are the same 404."""

from __future__ import annotations

from . import committing as services
from .api_support import API, Api, make_token, problem
from .conftest import make_order
from .host_pages import PNG
from .reconfigure import reconfigure


def _url(api, path):
    """The ``url`` of the first attachment of the thread at ``path``, made relative to the API."""
    entries = api.get(path).get_json()["entries"]
    [url] = [a["url"] for e in entries for a in e["attachments"]]
    assert url.startswith(API)
    return url.removeprefix(API)


def test_a_listed_url_works_with_a_token(order, customer, staff, as_customer, browser):
    services.post_message(order, as_customer, "The label", files=[("label.png", PNG)])
    carol = Api(browser.login(None), token=make_token(customer, scope="read"))
    url = _url(carol, f"/orders/{order.id}")
    got = carol.get(url)
    assert got.status_code == 200 and got.get_data() == PNG
    assert got.mimetype == "image/png" and got.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in got.headers["Content-Security-Policy"]
    admin = Api(browser.login(None), token=make_token(staff, scope="read"))
    staff_url = _url(admin, f"/staff/orders/{order.id}")
    assert staff_url.startswith("/staff/orders/")
    assert admin.get(staff_url).get_data() == PNG
    # The session works too (the browser).
    assert Api(browser.login(customer)).get(url).get_data() == PNG


def test_another_customers_token_gets_the_made_up_404(
    order, customer, stranger, as_customer, browser
):
    message = services.post_message(order, as_customer, "Mine", files=[("label.png", PNG)])
    attachment = message.attachments[0]
    theirs = make_order(stranger)
    sam = Api(browser.login(None), token=make_token(stranger))
    other = sam.get(f"/orders/{order.id}/attachments/{attachment.id}")
    made_up = sam.get(f"/orders/987654/attachments/{attachment.id}")
    wrong_order = sam.get(f"/orders/{theirs.id}/attachments/{attachment.id}")
    assert problem(other, "not-found", 404) == problem(made_up, "not-found", 404)
    problem(wrong_order, "not-found", 404)  # their own order, someone else's file
    assert PNG not in other.get_data()
    # Nor is a customer a staff member.
    problem(sam.get(f"/staff/orders/{order.id}/attachments/{attachment.id}"), "forbidden", 403)


def test_a_notes_file_is_staff_only(order, customer, staff, as_staff, browser):
    note = services.post_message(order, as_staff, "Inside", files=[("x.png", PNG)], note=True)
    path = f"orders/{order.id}/attachments/{note.attachments[0].id}"
    carol = Api(browser.login(None), token=make_token(customer))
    problem(carol.get(f"/{path}"), "not-found", 404)
    assert (
        Api(browser.login(None), token=make_token(staff)).get(f"/staff/{path}").status_code == 200
    )


def test_a_vendors_staff_token_never_reaches_another_vendors_file(market, browser):
    bolt = services.post_message(
        market.bolt_order, market.actor(market.dan), "Bent", files=[("x.png", PNG)]
    )
    ann = Api(browser.login(None), token=make_token(market.ann))
    path = f"/staff/orders/{market.bolt_order.id}/attachments/{bolt.attachments[0].id}"
    theirs = ann.get(path)
    made_up = ann.get(f"/staff/orders/987654/attachments/{bolt.attachments[0].id}")
    assert problem(theirs, "not-found", 404) == problem(made_up, "not-found", 404)


def test_attachments_off_is_the_feature_off_problem(app, order, customer, as_customer, browser):
    message = services.post_message(order, as_customer, "Mine", files=[("label.png", PNG)])
    reconfigure(app, ATTACHMENTS_ENABLED=False)
    carol = Api(browser.login(customer))
    got = carol.get(f"/orders/{order.id}/attachments/{message.attachments[0].id}")
    problem(got, "feature-off", 404)
