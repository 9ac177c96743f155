"""Reply addresses: one per person and thread, unguessable, bound to their thread and person,
expiring, valid when a mail server lower-cases them, surviving a SECRET_KEY rotation."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from flask_order_messages import customer_actor
from flask_order_messages import reply_addresses as ra
from flask_order_messages.extension import current_order_messages as ext
from flask_order_messages.models import CUSTOMER, STAFF

from . import committing as services
from . import smtp_server
from .conftest import db, make_order
from .reconfigure import reconfigure
from .smtp_server import add_user

smtp_running = smtp_server.smtp_running
smtp = smtp_server.smtp
app = smtp_server.app

DOMAIN = "reply.shop.test"


@pytest.fixture
def app_config():
    return {"ORDER_MESSAGES_REPLY_DOMAIN": DOMAIN}


def rows():
    box = ext.models.MailOutbox
    return list(db.session.execute(sa.select(box).order_by(box.id)).scalars())


def reply_to(email: str) -> str:
    (row,) = [r for r in rows() if r.recipient == email]
    assert row.reply_to is not None
    return row.reply_to


def thread_of(order):
    t = ext.models.Thread
    return db.session.execute(sa.select(t).where(t.order_id == order.id)).scalar_one()


def with_part(address: str, index: int, value: str) -> str:
    local, domain = address.split("@")
    prefix, token = local.split("+")
    parts = token.split("-")
    parts[index] = value
    return f"{prefix}+{'-'.join(parts)}@{domain}"


def refused(address: str, reason: str) -> None:
    with pytest.raises(ra.ReplyAddressError) as info:
        ra.parse_reply_address(address)
    assert info.value.reason == reason, info.value.message


def test_each_recipient_gets_their_own_reply_address_naming_them(
    smtp, order, customer, staff, staff2, as_customer, as_staff
):
    services.post_message(order, as_customer, "Where is it?")
    services.post_message(order, as_staff, "On its way.")
    thread = thread_of(order)
    to_staff, to_staff2, to_carol = (
        reply_to(staff.email),
        reply_to(staff2.email),
        reply_to(customer.email),
    )
    assert len({to_staff, to_staff2, to_carol}) == 3
    for address in (to_staff, to_staff2, to_carol):
        local, domain = address.split("@")
        assert domain == DOMAIN and local.startswith("reply+") and len(local) <= 64
        assert local == local.lower()
    assert ra.parse_reply_address(to_staff) == ra.ReplyTarget(
        thread.id, STAFF, str(staff.id), staff.email, ra.parse_reply_address(to_staff).issued_at
    )
    carol = ra.parse_reply_address(to_carol)
    assert (carol.thread_id, carol.role, carol.user_key, carol.email) == (
        thread.id,
        CUSTOMER,
        str(customer.id),
        customer.email,
    )
    # The mails really carry them.
    received = {m.rcpt_tos[0]: m.message["Reply-To"] for m in smtp.received}
    assert received == {staff.email: to_staff, staff2.email: to_staff2, customer.email: to_carol}
    # One row per person and thread, however many mails.
    services.post_message(order, as_customer, "Any news?")
    assert db.session.execute(sa.select(sa.func.count(ext.models.ReplyAddress.id))).scalar() == 3


def test_a_lower_or_upper_cased_address_is_still_valid(smtp, order, staff, as_customer):
    services.post_message(order, as_customer, "Hello")
    address = reply_to(staff.email)
    assert ra.parse_reply_address(address.upper()).user_key == str(staff.id)
    assert ra.parse_reply_address(f"<{address}>").user_key == str(staff.id)
    assert (
        ra.find_reply_token(
            ["shop@example.test", f'"Shop replies" <{address.upper()}>, other@x.test']
        )
        == address
    )
    assert ra.find_reply_token(["reply+abc@elsewhere.test", "someone@reply.shop.test"]) is None


def test_a_tampered_or_made_up_address_is_refused(smtp, order, staff, as_customer):
    services.post_message(order, as_customer, "Hello")
    address = reply_to(staff.email)
    mac = address.split("@")[0].split("-")[2]
    flipped = ("a" if mac[0] != "a" else "b") + mac[1:]
    refused(with_part(address, 2, flipped), "forged")
    refused(with_part(address, 1, "0"), "forged")  # another issue day
    refused(with_part(address, 0, "zz"), "unknown")  # no such row
    refused(with_part(address, 2, mac[:-1]), "bad")  # cut short
    refused(address.replace("reply+", "other+"), "bad")
    refused(address.replace(DOMAIN, "evil.test"), "bad")
    refused("reply+not-a-token@" + DOMAIN, "bad")


def test_an_address_cannot_be_moved_to_another_thread_or_person(
    smtp, customer, staff, staff2, as_customer
):
    first, second = make_order(customer), make_order(customer)
    services.post_message(first, as_customer, "About the first")
    services.post_message(second, as_customer, "About the second")
    box = ext.models.MailOutbox
    by_staff = db.session.execute(
        sa.select(box).where(box.recipient == staff.email).order_by(box.id)
    ).scalars()
    on_first, on_second = (r.reply_to for r in by_staff)
    assert ra.parse_reply_address(on_first).thread_id == thread_of(first).id
    assert ra.parse_reply_address(on_second).thread_id == thread_of(second).id
    # The second thread's row id with the first's MAC: refused.
    second_row = on_second.split("+")[1].split("-")[0]
    refused(with_part(on_first, 0, second_row), "forged")
    # The other staff member's row id with this one's MAC: refused.
    other = [r for r in rows() if r.recipient == staff2.email][0].reply_to
    refused(with_part(on_first, 0, other.split("+")[1].split("-")[0]), "forged")
    # A row edited to name another address: its old reply addresses no longer match.
    row = db.session.get(ext.models.ReplyAddress, int(second_row, 36))
    row.email = "someone@else.test"
    db.session.commit()
    refused(on_second, "forged")


def test_a_customer_address_dies_when_the_order_changes_hands(
    smtp, order, customer, staff, as_staff
):
    services.post_message(order, as_staff, "Shipped")
    address = reply_to(customer.email)
    assert ra.parse_reply_address(address).role == CUSTOMER
    order.customer_id = add_user("New Owner").id
    db.session.commit()
    refused(address, "unknown")


def test_addresses_expire_after_reply_max_age_days(
    app, smtp, order, staff, as_customer, monkeypatch
):
    services.post_message(order, as_customer, "Hello")
    address = reply_to(staff.email)
    today = ra._today()
    monkeypatch.setattr(ra, "_today", lambda: today + 180)
    assert ra.parse_reply_address(address).user_key == str(staff.id)
    monkeypatch.setattr(ra, "_today", lambda: today + 181)
    with pytest.raises(ra.ReplyAddressExpired) as info:
        ra.parse_reply_address(address)
    assert info.value.reason == "expired"
    reconfigure(app, REPLY_MAX_AGE=0)  # never expires
    monkeypatch.setattr(ra, "_today", lambda: today + 10_000)
    assert ra.parse_reply_address(address).user_key == str(staff.id)


def test_a_secret_key_rotation_keeps_addresses_valid_through_the_fallbacks(
    app, smtp, order, staff, as_customer
):
    services.post_message(order, as_customer, "Hello")
    address = reply_to(staff.email)
    old = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "a brand new secret key"
    refused(address, "forged")
    app.config["SECRET_KEY_FALLBACKS"] = ["something older", old]
    assert ra.parse_reply_address(address).user_key == str(staff.id)
    # New addresses are signed with the new key.
    services.post_message(order, as_customer, "Again")
    newest = [r for r in rows() if r.recipient == staff.email][-1].reply_to
    app.config["SECRET_KEY_FALLBACKS"] = []
    assert ra.parse_reply_address(newest).user_key == str(staff.id)
    refused(address, "forged")


def test_the_local_part_stays_within_64_characters_at_the_extremes(app):
    reconfigure(app, REPLY_PREFIX="a" * 16)
    row = SimpleNamespace(
        id=2**63 - 1, thread_id=2**31, role=STAFF, user_key="u" * 100, email="e@x.test"
    )
    local = f"a{'a' * 15}+{ra._token(row, 36**4 - 1)}"
    assert len(local) <= ra.MAX_LOCAL_PART
    assert local == local.lower()


def test_staff_without_a_user_get_mail_without_reply_to(
    smtp, order, staff, as_customer, monkeypatch
):
    monkeypatch.setattr(ext.hooks, "staff_recipients", lambda: [staff.email, "desk@shop.test"])
    services.post_message(order, as_customer, "Hello")
    by_address = {m.rcpt_tos[0]: m.message for m in smtp.received}
    assert by_address["desk@shop.test"]["Reply-To"] is None
    assert by_address[staff.email]["Reply-To"] == reply_to(staff.email)


def test_the_staff_user_hook_picks_the_person(smtp, order, staff, staff2, as_customer, monkeypatch):
    # A host whose staff read mail at a shared address: it names who answers from there.
    ext.hooks.register(
        "staff_user_for_email", lambda email: staff2 if email == staff.email else None
    )
    try:
        services.post_message(order, as_customer, "Hello")
    finally:
        del ext.hooks.staff_user_for_email
    by_recipient = {r.recipient: r for r in rows()}
    target = ra.parse_reply_address(by_recipient[staff.email].reply_to)
    assert (target.user_key, target.email) == (str(staff2.id), staff.email)
    assert by_recipient[staff.email].recipient_key == str(staff2.id)
    assert by_recipient[staff2.email].reply_to is None


def test_no_reply_domain_no_reply_to(tmp_path, smtp):
    with smtp_server.running_app(tmp_path, smtp.port):
        add_user("Admin Admin", admin=True)
        carol = add_user("Carol Customer")
        services.post_message(make_order(carol), customer_actor(carol), "Hi")
        (mail,) = smtp.received
        assert mail.message["Reply-To"] is None
        assert ra.find_reply_token([mail.rcpt_tos[0]]) is None
        assert db.session.execute(sa.select(ext.models.ReplyAddress)).first() is None


def test_an_assignment_mail_quotes_the_customer_and_carries_no_reply_address(
    smtp, order, staff, staff2, as_customer, as_staff
):
    """A reply to "assigned to you" is meant for the colleague, never for the customer: the
    mail has no reply address, says so, and quotes what the customer asked."""
    from flask_order_messages.services import assignment
    from flask_order_messages.transactions import commit

    services.post_message(order, as_customer, "Where is my parcel?")
    before = len(rows())
    assignment.assign(order, as_staff, str(staff2.id))
    commit()
    (row,) = rows()[before:]
    assert row.recipient == staff2.email and row.reply_to is None
    assert "to you. The customer's latest message:" in row.body_text
    assert "Where is my parcel?" in row.body_text and "Where is my parcel?" in row.body_html
    assert "Replies to this email are not posted anywhere" in row.body_text
    # The mail really went out like that: no Reply-To header.
    (mail,) = [m for m in smtp.received if m.rcpt_tos == [staff2.email]][-1:]
    assert mail.message["Reply-To"] is None
    assert "Where is my parcel?" in mail.message.get_body(("plain",)).get_content()
