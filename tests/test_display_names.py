"""The default display name: the user's name under its usual spellings, and never a staff
member's email in front of a customer; ``init_app`` warns about a missing mail sender."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from flask_order_messages import customer_actor, staff_actor

from . import committing as services
from .hosts import Host, host


def _mails_to(h: Host, address: str) -> list[str]:
    box = h.ext.models.MailOutbox
    rows = h.db.session.execute(sa.select(box).where(box.recipient == address)).scalars()
    return [f"{m.subject}\n{m.body_text}\n{m.body_html}" for m in rows]


def test_a_staff_member_without_a_name_is_store_staff_to_the_customer(tmp_path):
    with host(tmp_path, user_fields=("email",)) as h:
        staff = h.add_user("Ann", admin=True, email="ann.private@shop.test")
        carol = h.add_user("Carol", email="carol@home.test")
        order = h.add_order(carol)
        services.post_message(order, customer_actor(carol), "Where is my parcel?")
        services.post_message(order, staff_actor(staff), "On its way.")

        customer_page = h.get(
            h.login(h.app.test_client(), carol), f"/order-messages/orders/{order.id}"
        )
        text = customer_page.get_data(as_text=True)
        assert customer_page.status_code == 200
        assert "Store staff" in text
        assert "ann.private" not in text
        # The mail the customer got names the store, not the address of who wrote.
        (mail,) = _mails_to(h, "carol@home.test")
        assert "\nStore staff wrote about" in mail
        assert "ann.private" not in mail

        # Staff see the customer by her address: the best they have, and theirs to see.
        staff_page = h.get(
            h.login(h.app.test_client(), staff), f"/order-messages/admin/orders/{order.id}"
        )
        assert "carol@home.test" in staff_page.get_data(as_text=True)


def test_someone_who_lost_the_staff_role_is_still_not_shown_by_address(tmp_path):
    with host(tmp_path, user_fields=("email",)) as h:
        former = h.add_user("Ann", admin=True, email="ann.private@shop.test")
        carol = h.add_user("Carol", email="carol@home.test")
        order = h.add_order(carol)
        services.post_message(order, staff_actor(former), "On its way.")
        former.is_admin = False
        h.db.session.commit()
        page = h.get(h.login(h.app.test_client(), carol), f"/order-messages/orders/{order.id}")
        assert "Store staff" in page.get_data(as_text=True)
        assert "ann.private" not in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("fields", "values", "expected"),
    [
        (("full_name",), {"full_name": "Ann Admin"}, "Ann Admin"),
        (("display_name",), {"display_name": " Ann A. "}, "Ann A."),
        (("first_name", "last_name"), {"first_name": "Ann", "last_name": "Admin"}, "Ann Admin"),
        (("first_name", "last_name"), {"first_name": "Ann", "last_name": None}, "Ann"),
        (("username",), {"username": "ann"}, "ann"),
        # A username that is an address is no name.
        (("username",), {"username": "ann.private@shop.test"}, "Store staff"),
        (("name", "username"), {"name": "  ", "username": "annie"}, "annie"),
    ],
)
def test_the_default_takes_the_usual_name_attributes(tmp_path, fields, values, expected):
    with host(tmp_path, user_fields=(*fields, "email")) as h:
        staff = h.add_user("ignored", admin=True, email="ann.private@shop.test")
        for attr, value in values.items():
            setattr(staff, attr, value)
        h.db.session.commit()
        assert h.ext.hook("display_name")(staff) == expected
        carol = h.add_user("Carol", email="carol@home.test")
        order = h.add_order(carol)
        services.post_message(order, staff_actor(staff), "On its way.")
        (mail,) = _mails_to(h, "carol@home.test")
        assert f"\n{expected} wrote about" in mail


def test_a_customer_without_name_or_email_is_customer(tmp_path):
    with host(tmp_path, user_fields=()) as h:
        carol = h.add_user("Carol")
        assert h.ext.hook("display_name")(carol) == "Customer"


# -- the start-up warning ---------------------------------------------------------------------


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "flask_order_messages" and r.levelno == logging.WARNING
    ]


def test_init_app_warns_once_without_a_mail_sender(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="flask_order_messages")
    with host(tmp_path, config={"MAIL_DEFAULT_SENDER": None}):
        (warning,) = _warnings(caplog)
    assert "no mail sender" in warning
    assert "MAIL_DEFAULT_SENDER" in warning and "ORDER_MESSAGES_MAIL_SENDER" in warning


@pytest.mark.parametrize(
    "config",
    [
        {"MAIL_DEFAULT_SENDER": "shop@example.test"},
        {"MAIL_DEFAULT_SENDER": None, "ORDER_MESSAGES_MAIL_SENDER": "desk@example.test"},
        {"MAIL_DEFAULT_SENDER": None, "ORDER_MESSAGES_MAIL_ENABLED": False},
    ],
)
def test_no_warning_with_a_sender_or_without_mail(tmp_path, caplog, config):
    caplog.set_level(logging.WARNING, logger="flask_order_messages")
    with host(tmp_path, config=config):
        assert _warnings(caplog) == []
