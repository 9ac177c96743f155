"""A refused post from the thread panel comes back inside the host's own order page: the text
kept, the error beside the field, without JavaScript, shown once and to its writer alone."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from flask_order_messages import current_order_messages
from flask_order_messages.models import utcnow

from . import committing as services
from .conftest import Browser, db
from .host_pages import PNG, P, entry_bodies, follow, page, textarea, thread_section, words
from .hosts import host

pytestmark = pytest.mark.usefixtures("host_pages")

TOO_LONG = ("Please refund the broken vase. " + "z" * 6000)[:6000]
TOO_LONG_ERROR = "Your message is too long: 6,000 characters, the limit is 5,000."


def drafts() -> list[tuple[object, ...]]:
    model = current_order_messages.models.Draft
    db.session.expire_all()
    return [tuple(r) for r in db.session.execute(sa.select(model.user_id, model.field)).all()]


def staff_post(browser, order, body, **extra):
    data = {"body": body, "next": f"/admin/orders/{order.id}?tab=messages", **extra}
    return browser.post(f"{P}/admin/orders/{order.id}/messages", data)


def test_staff_too_long_reply_comes_back_in_the_host_tab_until_sent(
    order, as_customer, staff, browser
):
    services.post_message(order, as_customer, "Hi")
    browser.login(staff)
    response = staff_post(browser, order, TOO_LONG)
    assert drafts() == [(staff.id, "body")]
    html = follow(browser, response, to=f"/admin/orders/{order.id}?tab=messages")
    assert "(host page)" in html  # the host's page, its tabs, not our stand-alone one
    panel = thread_section(html)
    assert TOO_LONG_ERROR in words(panel)
    assert textarea(panel) == TOO_LONG
    assert 'aria-invalid="true"' in panel
    # The form on that page goes back to the tab, without the draft marker.
    assert 'name="next" value="/admin/orders/1?tab=messages"' in panel
    # Showing it changed nothing (a GET never writes): a reload gives the text back again.
    assert drafts() == [(staff.id, "body")]
    again = thread_section(page(browser.get(response.headers["Location"])))
    assert textarea(again) == TOO_LONG
    # The next reply from that form goes through, and the draft is gone with it.
    key = re.search(r'name="om_draft" value="([^"]+)"', again)
    assert key is not None
    follow(browser, staff_post(browser, order, "Shorter now.", om_draft=key.group(1)))
    assert drafts() == []
    after = thread_section(page(browser.get(response.headers["Location"])))
    assert TOO_LONG_ERROR not in words(after) and textarea(after) == ""


def test_a_post_that_goes_through_after_a_refusal_shows_no_stale_error(
    order, as_customer, staff, browser
):
    services.post_message(order, as_customer, "Hi")
    browser.login(staff)
    html = follow(browser, staff_post(browser, order, "   "))
    next_field = re.search(r'name="next" value="([^"]*)"', thread_section(html)).group(1)
    response = browser.post(
        f"{P}/admin/orders/{order.id}/messages", {"body": "Sorry, here it is", "next": next_field}
    )
    assert response.status_code == 303 and "om_draft" not in response.headers["Location"]
    panel = thread_section(page(browser.get(response.headers["Location"])))
    assert "cannot be empty" not in words(panel)
    assert entry_bodies(panel)[-1] == "Sorry, here it is"


def test_customer_bad_file_comes_back_on_their_order_page(app, order, customer, browser):
    from io import BytesIO

    from werkzeug.datastructures import FileStorage

    browser.login(customer)
    response = browser.post(
        f"{P}/orders/{order.id}/messages",
        {
            "body": "The label, and my notes",
            "next": f"/account/orders/{order.id}",
            "files": [
                FileStorage(BytesIO(PNG), filename="label.png"),
                FileStorage(BytesIO(b"<html>not a picture</html>"), filename="notes.png"),
            ],
        },
        content_type="multipart/form-data",
    )
    html = follow(browser, response, to=f"/account/orders/{order.id}")
    assert f"Your order #{order.id}" in html
    panel = thread_section(html)
    assert "“notes.png” is not a kind of file this shop takes (it is a text file)." in words(panel)
    assert "Nothing was sent: please choose your files again." in words(panel)
    assert textarea(panel) == "The label, and my notes"
    assert services.get_thread(order) is None


def test_a_draft_is_shown_to_its_writer_alone(app, order, as_customer, staff, staff2, customer):
    services.post_message(order, as_customer, "Hi")
    writer = Browser(app).login(staff)
    response = staff_post(writer, order, "A private draft " + "q" * 5000)
    target = response.headers["Location"]
    # Another staff member with the same address sees an empty box and no error ...
    other = thread_section(page(Browser(app).login(staff2).get(target)))
    assert "private draft" not in other and "too long" not in words(other)
    # ... and so does the customer, on their own page with the marker copied over.
    marker = target.split("om_draft=")[1].split("#")[0]
    own = thread_section(
        page(Browser(app).login(customer).get(f"/account/orders/{order.id}?om_draft={marker}"))
    )
    assert "private draft" not in own
    # The writer still gets it: asking for someone else's draft does not use it up.
    mine = thread_section(page(writer.get(target)))
    assert textarea(mine).startswith("A private draft ")


def test_an_old_draft_is_not_shown(order, as_customer, staff, browser):
    services.post_message(order, as_customer, "Hi")
    response = staff_post(browser.login(staff), order, "  ")
    model = current_order_messages.models.Draft
    db.session.execute(sa.update(model).values(created_at=utcnow() - timedelta(days=2)))
    db.session.commit()
    panel = thread_section(page(browser.get(response.headers["Location"])))
    assert "cannot be empty" not in words(panel)


def test_a_new_refusal_replaces_the_writers_earlier_draft(order, as_customer, staff, browser):
    services.post_message(order, as_customer, "Hi")
    browser.login(staff)
    staff_post(browser, order, "  ")
    staff_post(browser, order, TOO_LONG)
    assert drafts() == [(staff.id, "body")]


def test_a_refused_dispute_reason_reopens_the_panel_dialog(order, customer, browser):
    browser.login(customer)
    reason = "It arrived in pieces. " + "x" * 1000
    response = browser.post(
        f"{P}/orders/{order.id}/dispute/open",
        {"reason": reason, "next": f"/account/orders/{order.id}", "from_panel": "1"},
    )
    html = follow(browser, response, to=f"/account/orders/{order.id}")
    panel = thread_section(html)
    dialog = panel[panel.index('<dialog id="om-open-dialog"') : panel.index("</dialog>")]
    assert '<dialog id="om-open-dialog" class="om-dialog" open>' in dialog
    assert "The reason is too long: 1,022 characters, the limit is 1,000." in words(dialog)
    assert textarea(dialog, "reason") == reason
    assert services.open_dispute_of(order) is None


def test_a_host_without_order_page_hooks_gets_our_own_page_back(tmp_path):
    with host(tmp_path) as h:
        admin = h.add_user("Ada Admin", admin=True)
        carol = h.add_user("Carol")
        order = h.add_order(carol)
        client = h.login(h.app.test_client(), admin)
        response = h.post(client, f"{P}/admin/orders/{order.id}/messages", {"body": TOO_LONG})
        assert response.status_code == 303
        target = response.headers["Location"]
        assert target.startswith(f"{P}/admin/orders/{order.id}?")
        html = page(h.get(client, target))
        assert f"Order #{order.id} · Messages" in html
        assert TOO_LONG_ERROR in words(thread_section(html))
        assert textarea(thread_section(html)) == TOO_LONG
