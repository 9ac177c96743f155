"""The ``staff_permission`` hook itself: asked a bounded number of times per request (never
once per row), checked when registered and at ``init_app``, hostile answers an error that
names it, shown by the doctor; a staff member's reply by mail needs "answer" as the web form
does; the one service-level check.  The routes and controls are in ``test_permissions.py``."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from flask_order_messages import OrderMessagesError, commit, permissions
from flask_order_messages.inbound.pipeline import receive_in
from flask_order_messages.permissions import ANSWER, CANNED, DISPUTES, PERMISSIONS, READ
from flask_order_messages.reply_addresses import reply_address_for

from . import committing as services
from .conftest import db, make_order, order_messages
from .host_pages import P, db_state, page, words
from .inbound_support import reply_mail, thread_messages
from .reconfigure import reconfigure
from .test_doctor import doctor_host
from .test_permissions import install_rights

pytestmark = pytest.mark.usefixtures("host_pages")


@pytest.fixture
def rights(monkeypatch):
    return install_rights(monkeypatch)


@pytest.fixture
def shop(staff, customer):
    """Thirty orders with a customer's question each, a reply on every third: a Messages page
    of many rows.  Returns the first order."""
    carol = services.customer_actor(customer)
    orders = [make_order(customer) for _ in range(30)]
    for i, order in enumerate(orders):
        services.post_message(order, carol, f"Question {i}")
        if i % 3 == 0:
            services.post_message(order, services.staff_actor(staff), f"Answer {i}")
    services.open_dispute(orders[0], carol, "Broken")
    return orders[0]


def _pages(order):
    return [
        f"{P}/admin/messages",
        f"{P}/admin/messages?filter=unread",
        "/admin/header",
        f"/admin/orders/{order.id}?tab=messages",
        f"{P}/admin/orders/{order.id}",
        f"{P}/api/counts",
        f"{P}/api/admin/orders/{order.id}/entries",
        "/admin/orders?messages=unread",
        f"{P}/admin/canned-replies",
        f"{P}/admin/orders/{order.id}/dispute/close",
    ]


@pytest.mark.parametrize("granted", [PERMISSIONS, (READ,), (READ, ANSWER), ()])
def test_the_hook_is_asked_at_most_once_per_permission_in_a_request(
    app, staff, shop, rights, browser, granted
):
    rights.only(staff, *granted)
    browser.login(staff)
    for path in _pages(shop):
        rights.asked.clear()
        browser.get(path)
        assert rights.asked, f"{path}: the hook was never asked"
        assert len(rights.asked) == len(set(rights.asked)) <= len(PERMISSIONS), (
            path,
            rights.asked,
        )
        assert {user for user, _ in rights.asked} == {staff.id}
    token = browser.token()
    rights.asked.clear()
    browser.post(f"{P}/admin/orders/{shop.id}/messages", {"body": "Hi", "csrf_token": token})
    assert 0 < len(rights.asked) == len(set(rights.asked)) <= len(PERMISSIONS)


def test_customers_are_never_asked_about(app, customer, shop, rights, browser):
    browser.login(customer)
    for path in (f"/account/orders/{shop.id}", f"{P}/orders/{shop.id}", f"{P}/api/counts"):
        assert browser.get(path).status_code == 200
    assert browser.post(f"{P}/orders/{shop.id}/messages", {"body": "Hello?"}).status_code == 303
    assert rights.asked == []


@pytest.mark.parametrize("answer", ["yes", 1, None, [READ]])
def test_an_answer_that_is_not_a_bool_is_an_error_naming_the_hook(
    app, staff, order, monkeypatch, browser, answer
):
    monkeypatch.setattr(order_messages.hooks, "staff_permission", lambda user, perm: answer)
    browser.login(staff)
    wanted = (
        r"The 'staff_permission' hook must return True or False; it returned "
        rf"{type(answer).__name__} .* for user {staff.id} and 'read'"
    )
    for path in (f"{P}/admin/messages", "/admin/header", f"{P}/api/counts"):
        with pytest.raises(TypeError, match=wanted):
            browser.get(path)
    before = db_state()
    with pytest.raises(TypeError, match=wanted):
        browser.post(f"{P}/admin/orders/{order.id}/messages", {"body": "Hi"})
    assert db_state() == before


def test_a_hook_that_raises_is_an_error_naming_it_never_a_yes(
    app, staff, order, monkeypatch, browser
):
    def broken(user, permission):
        if permission == ANSWER:
            raise LookupError("no such role table")
        return True

    monkeypatch.setattr(order_messages.hooks, "staff_permission", broken)
    browser.login(staff)
    assert browser.get(f"{P}/api/counts").status_code == 200  # "read" answers
    before = db_state()
    with pytest.raises(RuntimeError) as raised:
        browser.post(f"{P}/admin/orders/{order.id}/messages", {"body": "Hi"})
    assert str(raised.value).startswith(
        "The 'staff_permission' hook raised LookupError (no such role table) when asked "
        f"whether user {staff.id} may 'answer'."
    )
    assert isinstance(raised.value.__cause__, LookupError)
    assert db_state() == before
    # The thread page asks about "answer" for its reply box: the same error, not a page
    # without it.
    with pytest.raises(RuntimeError, match="'staff_permission' hook raised LookupError"):
        browser.get(f"{P}/admin/orders/{order.id}")


def test_the_hook_is_checked_when_registered_and_at_init_app(monkeypatch):
    with pytest.raises(TypeError, match=r"'staff_permission' hook must take \(user, permission\)"):
        order_messages.staff_permission(lambda user: True)
    with pytest.raises(TypeError, match="'staff_permission' hook must be a function"):
        order_messages.staff_permission("read")
    assert not order_messages.has_hook("staff_permission")
    # A subclass's override or an attribute set by hand is caught where init_app checks.
    monkeypatch.setattr(order_messages.hooks, "staff_permission", lambda user: True)
    with pytest.raises(TypeError, match=r"'staff_permission' hook must take"):
        order_messages.hooks.check()


def test_without_the_hook_every_staff_member_may_do_everything(app, staff, customer):
    assert not order_messages.has_hook("staff_permission")
    granted = permissions.granted(staff)
    assert [granted(p) for p in PERMISSIONS] == [True] * len(PERMISSIONS)
    assert granted.read and granted.answer and granted.disputes and granted.canned


def test_the_service_level_check(app, staff, customer, rights):
    carol, admin = services.customer_actor(customer), services.staff_actor(staff)
    rights.take(staff, DISPUTES)
    permissions.require(admin, ANSWER)
    permissions.require(carol, DISPUTES)  # no staff permission applies to a customer
    with pytest.raises(permissions.PermissionDenied) as refused:
        permissions.require(admin, DISPUTES)
    assert isinstance(refused.value, OrderMessagesError) and refused.value.status_code == 403
    assert refused.value.permission == DISPUTES
    assert refused.value.message == (
        "Your account cannot open, close or reopen disputes: it lacks the “disputes” "
        "permission for messages. Ask the shop's administrator if you need it."
    )
    with pytest.raises(ValueError, match="Unknown staff permission 'moderate'"):
        permissions.require(admin, "moderate")


def test_a_staff_reply_by_mail_needs_answer(app, staff, customer, order, rights):
    reconfigure(app, REPLY_DOMAIN="reply.shop.test")
    services.post_message(order, services.customer_actor(customer), "Where is my parcel?")
    address = reply_address_for(services.get_thread(order), "staff", staff, staff.email)
    commit()

    def mail(text: str):
        raw = reply_mail(frm=staff.email, to=address, text=text)
        outcome = receive_in(app, raw, via="smtp", envelope_from=staff.email, recipients=[address])
        db.session.commit()  # see what the receiver committed
        return outcome

    rights.take(staff, ANSWER)
    outcome = mail("It left today.")
    assert (outcome.outcome, outcome.reason) == ("refused", "no 'answer' permission")
    assert [m.body for m in thread_messages(order)] == ["Where is my parcel?"]
    box = order_messages.models.MailOutbox
    told = db.session.execute(sa.select(box).where(box.recipient == staff.email)).scalars()
    assert [row.body_text for row in told if str(permissions.MAIL_REFUSED) in row.body_text]

    rights.denied.clear()
    assert mail("It left today, really.").outcome == "posted"
    assert thread_messages(order)[-1].body == "It left today, really."


def test_the_doctor_shows_what_the_hook_lets_the_staff_member_do(tmp_path):
    with doctor_host(tmp_path) as run:
        assert run().has("ok", "hook staff_permission: not registered: every staff member may")

        @run.ext.staff_permission
        def support(user, permission):
            return permission in (READ, ANSWER)

        assert run().has("ok", "hook staff_permission: lets staff member 1 read, answer; not")

        run.ext.staff_permission(lambda user, permission: permission == CANNED)
        report = run()
        assert report.has("WARN", "hook staff_permission: lets staff member 1 canned; not read")
        assert "Without read they can do none of it." in report.text and report.exit_code == 0

        run.ext.staff_permission(lambda user, permission: "yes")
        report = run()
        assert report.has("ERROR", "hook staff_permission: returned str 'yes', not True or False")
        assert report.exit_code == 1

        def broken(user, permission):
            raise LookupError("no role table")

        run.ext.staff_permission(broken)
        assert run().has("ERROR", "hook staff_permission: raised LookupError: no role table.")


def test_a_read_only_support_role_as_the_readme_shows_it(app, staff, staff2, order, browser):
    """The README's example: "support-readonly" reads, "support" does all but canned."""
    roles = {staff.id: "support-readonly", staff2.id: "support"}

    def staff_permission(user, permission):
        if roles.get(user.id) == "support-readonly":
            return permission == READ
        if roles.get(user.id) == "support":
            return permission != CANNED
        return True

    order_messages.hooks.register("staff_permission", staff_permission)
    try:
        browser.login(staff)
        assert browser.get(f"{P}/admin/orders/{order.id}").status_code == 200
        refused = browser.post(f"{P}/admin/orders/{order.id}/messages", {"body": "Hi"})
        assert "lacks the “answer” permission" in words(page(refused))
        browser.login(staff2)
        assert (
            browser.post(f"{P}/admin/orders/{order.id}/messages", {"body": "Hi"}).status_code == 303
        )
        assert browser.get(f"{P}/admin/canned-replies").status_code == 403
    finally:
        del vars(order_messages.hooks)["staff_permission"]
