"""Who gets mail, what it says and where its link goes - through a real SMTP server."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from flask_order_messages import customer_actor, staff_actor
from flask_order_messages.extension import current_order_messages as ext

from . import committing as services
from . import smtp_server
from .conftest import db, make_order
from .smtp_server import add_user

smtp_running = smtp_server.smtp_running
smtp = smtp_server.smtp
app_config = smtp_server.app_config
app = smtp_server.app

STAFF_LINK = "http://shop.test/admin/orders/{id}?tab=messages#order-messages"
GUEST_LINK = re.compile(r"^http://shop\.test/order-messages/t/[\w.-]+#order-messages$")


def outbox_rows():
    box = ext.models.MailOutbox
    return list(db.session.execute(sa.select(box).order_by(box.id)).scalars())


def test_a_customer_message_mails_every_staff_recipient_and_not_the_customer(
    smtp, order, customer, staff, staff2, as_customer
):
    services.post_message(order, as_customer, "Where is my parcel?\nIt was due on Monday.")

    assert sorted(r for m in smtp.received for r in m.rcpt_tos) == sorted(
        [staff.email, staff2.email]
    )
    assert smtp.to(customer.email) == []
    for mail in smtp.received:
        assert mail.subject == "Messages about order #00001"
        assert mail.text.startswith("Carol Customer wrote about order #00001:")
        assert mail.message["To"] == mail.rcpt_tos[0]
        assert mail.message["From"] == "shop@example.test"
        assert "Where is my parcel?\nIt was due on Monday." in mail.text
        assert mail.link == STAFF_LINK.format(id=order.id)
        assert "Where is my parcel?<br>" in mail.html
        assert f'href="{STAFF_LINK.format(id=order.id)}"' in mail.html
    assert {row.status for row in outbox_rows()} == {"sent"}


def test_a_staff_reply_mails_the_customer_only_with_a_guest_link(
    smtp, order, customer, staff, staff2, as_staff
):
    services.post_message(order, as_staff, "Shipped today, tracking 123.")

    assert [m.rcpt_tos for m in smtp.received] == [[customer.email]]
    mail = smtp.received[0]
    assert mail.subject == "Messages about order #00001"
    assert mail.text.startswith("Admin Admin wrote about order #00001:")
    assert "Shipped today, tracking 123." in mail.text
    assert GUEST_LINK.match(mail.link), mail.link
    # The order page (for a customer who would rather log in) is in the mail too.
    assert f"http://shop.test/account/orders/{order.id}?tab=messages#order-messages" in mail.text
    assert "without logging in" in mail.text
    assert mail.link in mail.html


def test_the_mailed_link_opens_the_thread(smtp, order, as_customer, as_staff, browser):
    services.post_message(order, as_customer, "Is the blue one in stock?")
    services.post_message(order, as_staff, "Yes, two left.")
    (mail,) = smtp.to("carol.customer@example.test")
    page = browser.get(mail.link.removeprefix("http://shop.test"))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Is the blue one in stock?" in html and "Yes, two left." in html


def test_posting_through_the_page_mails_staff(smtp, order, customer, staff, browser):
    response = browser.login(customer).post(
        f"/order-messages/orders/{order.id}/messages", {"body": "Can I change the address?"}
    )
    assert response.status_code == 303
    (mail,) = smtp.received
    assert mail.rcpt_tos == [staff.email]
    assert "Can I change the address?" in mail.text


def test_staff_notes_mail_nobody(smtp, order, customer, staff, staff2, as_staff):
    services.post_message(order, as_staff, "Customer called, be nice.", note=True)
    assert smtp.received == []
    assert outbox_rows() == []


def test_dispute_events_go_to_the_other_side(smtp, order, customer, staff, as_customer, as_staff):
    services.open_dispute(order, as_customer, "The lid is cracked.")
    (opened,) = smtp.received
    assert opened.rcpt_tos == [staff.email]
    assert opened.subject == "Messages about order #00001"  # the same for every mail
    assert "opened a dispute on order #00001" in opened.text
    assert "The lid is cracked." in opened.text
    assert opened.link == STAFF_LINK.format(id=order.id)

    services.close_dispute(order, as_customer)  # the customer withdraws it
    withdrawn = smtp.received[-1]
    assert withdrawn.rcpt_tos == [staff.email]
    assert withdrawn.subject == "Messages about order #00001"
    assert "closed the dispute on order #00001" in withdrawn.text
    assert "Withdrawn by the customer." in withdrawn.text

    services.open_dispute(order, as_staff, "Payment reversed by the bank.")
    services.close_dispute(order, as_staff, note="The bank sorted it out.")
    by_staff = smtp.received[2:]
    assert [m.rcpt_tos for m in by_staff] == [[customer.email], [customer.email]]
    assert [m.subject for m in by_staff] == ["Messages about order #00001"] * 2
    assert "opened a dispute" in by_staff[0].text and "closed the dispute" in by_staff[1].text
    assert "Payment reversed by the bank." in by_staff[0].text
    assert "The bank sorted it out." in by_staff[1].text
    assert all(GUEST_LINK.match(m.link) for m in by_staff)
    assert len(smtp.received) == 4


def test_the_author_never_gets_their_own_mail(smtp, staff, staff2):
    # A staff member who bought something writes as a customer: the other staff hear of it.
    order = make_order(staff)
    services.post_message(order, customer_actor(staff), "Testing the shop as a customer.")
    assert [m.rcpt_tos for m in smtp.received] == [[staff2.email]]
    # And staff writing on it as staff: the customer is the author's own address.
    services.post_message(order, staff_actor(staff), "Answering myself.")
    assert len(smtp.received) == 1


def test_each_mail_names_its_own_order(smtp, customer, staff, as_customer):
    first, second = make_order(customer), make_order(customer)
    services.post_message(second, as_customer, "About the second order")
    services.post_message(first, as_customer, "About the first order")
    subjects = [m.subject for m in smtp.received]
    assert subjects == [
        "Messages about order #00002",
        "Messages about order #00001",
    ]
    assert smtp.received[0].link == STAFF_LINK.format(id=second.id)
    assert smtp.received[1].link == STAFF_LINK.format(id=first.id)


def test_line_breaks_in_a_name_or_body_cannot_add_a_header(smtp, staff, customer):
    customer.name = "Eve\r\nBcc: evil@attacker.test\r\nX-Injected: name"
    db.session.commit()
    order = make_order(customer)
    services.post_message(
        order,
        customer_actor(customer),
        "Hello\r\nX-Injected: body\r\nBcc: evil@attacker.test\r\n\r\nSecond paragraph",
    )
    (mail,) = smtp.received
    assert mail.rcpt_tos == [staff.email]
    headers = {name.lower() for name in mail.message.keys()}
    assert "x-injected" not in headers and "bcc" not in headers
    assert b"\nX-Injected" not in mail.raw.split(b"\r\n\r\n", 1)[0]
    assert "\n" not in mail.subject and "\r" not in mail.subject
    assert mail.subject == "Messages about order #00001"
    assert mail.text.startswith("Eve Bcc: evil@attacker.test X-Injected: name wrote about")
    assert "Second paragraph" in mail.text


def test_a_recipient_address_with_a_line_break_is_skipped_not_obeyed(smtp, staff, as_customer):
    add_user("Ops", admin=True, email="ops@example.test\r\nBcc: evil@attacker.test")
    add_user("Spaces", admin=True, email="one@example.test two@attacker.test")
    order = make_order(as_customer.user)
    message = services.post_message(order, as_customer, "Hello")
    assert message.id is not None
    assert [m.rcpt_tos for m in smtp.received] == [[staff.email]]
    assert all("attacker" not in str(m.raw) for m in smtp.received)


@pytest.mark.parametrize("app_config", [{"ORDER_MESSAGES_MAIL_ENABLED": False}])
def test_mail_can_be_turned_off(smtp, order, staff, as_customer):
    services.post_message(order, as_customer, "Hello")
    assert smtp.received == []
    assert outbox_rows() == []


def test_a_shop_without_guest_links_mails_the_order_page(tmp_path, smtp):
    with smtp_server.running_app(tmp_path, smtp.port, ORDER_MESSAGES_GUEST_LINK_MAX_AGE=0):
        staff = add_user("Admin Admin", admin=True)
        customer = add_user("Carol Customer")
        order = make_order(customer)
        services.post_message(order, staff_actor(staff), "Shipped.")
        (mail,) = smtp.received
        assert (
            mail.link == f"http://shop.test/account/orders/{order.id}?tab=messages#order-messages"
        )
        assert "without logging in" not in mail.text


def test_the_host_can_override_the_mail_templates(tmp_path, smtp):
    folder = tmp_path / "host_templates" / "order_messages" / "mail"
    folder.mkdir(parents=True)
    (folder / "subject.txt").write_text("[Shop] Order {{ order_number }}: new message")
    (folder / "new_entry.txt").write_text("{{ author_name }} says: {{ entry.body }}\n{{ link }}")
    with smtp_server.running_app(tmp_path, smtp.port) as host:
        from jinja2 import FileSystemLoader

        host.jinja_loader = FileSystemLoader(str(tmp_path / "host_templates"))
        staff = add_user("Admin Admin", admin=True)
        customer = add_user("Carol Customer")
        order = make_order(customer)
        services.post_message(order, customer_actor(customer), "Hi there")
        (mail,) = smtp.received
        assert mail.rcpt_tos == [staff.email]
        assert mail.subject == "[Shop] Order 00001: new message"
        assert mail.text.startswith("Carol Customer says: Hi there\n")
        # The HTML part was not overridden: the package's own is used.
        assert "Read and reply" in mail.html
